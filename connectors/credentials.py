"""Credentials for sources: from `MONITOR_<TYPE>_<KEY>` environment variables or `<key>_file`
settings, never from settings.toml itself.

Every secret read here is remembered so the log filter of the application (monitor.logs) can
redact it from every log line, whichever library wrote the line.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from connectors.errors import ConfigError

_SECRETS: set[str] = set()
_LOCK = threading.Lock()
_MIN_SECRET = 4  # shorter strings would redact ordinary words


def env_var(source_type: str, key: str) -> str:
    return f"MONITOR_{source_type.upper()}_{key.upper()}"


def credential(
    source_type: str,
    key: str,
    *,
    source_name: str,
    options: Any = None,
    base_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The credential `key` of a source: the file named by its `<key>_file` setting if set,
    else the environment variable. A missing one is a ConfigError naming both ways to give it."""
    environ = os.environ if environ is None else environ
    file_setting = getattr(options, f"{key}_file", None) if options is not None else None
    if file_setting:
        path = Path(file_setting).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"sources.{source_name}.{key}_file: cannot read {path}: {exc.strerror}"
            ) from None
        if not value:
            raise ConfigError(f"sources.{source_name}.{key}_file: {path} is empty")
    else:
        var = env_var(source_type, key)
        value = environ.get(var, "").strip()
        if not value:
            raise ConfigError(
                f"source {source_name!r} needs {key}: set the environment variable {var} "
                f"or the setting {key}_file"
            )
    remember_secret(value)
    return value


def remember_secret(value: str) -> None:
    if len(value) >= _MIN_SECRET:
        with _LOCK:
            _SECRETS.add(value)


def known_secrets() -> frozenset[str]:
    with _LOCK:
        return frozenset(_SECRETS)


def redact(text: str, secrets: frozenset[str] | None = None) -> str:
    """Replace every known secret in `text` (longest first, so a secret containing another goes whole)."""
    for secret in sorted(secrets if secrets is not None else known_secrets(), key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    return text
