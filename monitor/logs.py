"""Logging for the CLI and the daemon, with secrets redacted from every line."""

from __future__ import annotations

import logging
import sys

from connectors.credentials import known_secrets, redact


class RedactSecrets(logging.Filter):
    """Rewrites each record's final message with known secrets replaced by ***.

    Applied on the handler, so it also covers lines from praw, urllib3 or APScheduler.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = known_secrets()
        if secrets:
            message = record.getMessage()
            cleaned = redact(message, secrets)
            if record.exc_info and record.exc_text is None:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = redact(record.exc_text, secrets)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_monitor", False):
            root.removeHandler(old)
    handler._monitor = True  # type: ignore[attr-defined]  # a mark to find our own handler again
    root.addHandler(handler)
    root.setLevel(level.upper())
    if level.upper() != "DEBUG":  # migration chatter and "Added job ..." per job are noise unless debugging
        logging.getLogger("alembic").setLevel(logging.WARNING)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # urllib3 logs full request URLs, query-string API keys included: never below WARNING.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
