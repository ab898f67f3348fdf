"""The one error root of the product.

Every error a user can cause or a source can raise derives from `MonitorError`, so the CLI can
turn any of them into one clear line and a non-zero exit instead of a traceback. It lives here,
in the shared low-level package, because connectors raise these errors and must not import
`monitor`.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Root of every error the monitor reports to a user as one line."""

    exit_code = 1


class ConfigError(MonitorError):
    """settings.toml (or a command-line option) is invalid; the message names the setting path."""

    exit_code = 2


class InputError(MonitorError):
    """A file given to a command is malformed; the message names file:line."""

    exit_code = 2


class StorageError(MonitorError):
    """The store cannot be opened, migrated or locked."""


class ConnectorError(MonitorError):
    """A source failed: network, HTTP status, authentication or payload."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.source = source


class TransientError(ConnectorError):
    """Worth retrying later: 5xx, 408, timeouts, connection resets."""


class RateLimited(TransientError):
    """The API asked us to wait; `retry_after` is in seconds from now (None when unknown)."""

    def __init__(self, message: str, *, retry_after: float | None = None, source: str | None = None) -> None:
        super().__init__(message, source=source)
        self.retry_after = retry_after


class AuthError(ConnectorError):
    """Credentials missing or refused; retrying will not help until a person acts."""


class PayloadError(ConnectorError):
    """The API answered with something we cannot parse (HTML error page, missing fields, bad JSON)."""


class MalformedItem(ValueError):
    """One item of a page (a post, review, hit, entry) cannot become a mention; the message says why.

    Not a ConnectorError: the connector template logs it, skips the item and counts it in
    `Page.rejected`, and the poll goes on.
    """
