"""Credentials: environment or *_file, clear errors naming the variable, never in logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import BaseModel

from connectors.credentials import credential, env_var, known_secrets
from connectors.errors import ConfigError
from monitor.logs import RedactSecrets


class Opts(BaseModel):
    client_secret_file: str | None = None


def test_environment_variable_name_and_value() -> None:
    assert env_var("reddit", "client_secret") == "MONITOR_REDDIT_CLIENT_SECRET"
    value = credential(
        "reddit", "client_secret", source_name="r", environ={"MONITOR_REDDIT_CLIENT_SECRET": " s3cr3t-a \n"}
    )
    assert value == "s3cr3t-a"
    assert "s3cr3t-a" in known_secrets()


def test_file_setting_wins_and_is_relative_to_settings(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("from-file-secret\n")
    value = credential(
        "reddit",
        "client_secret",
        source_name="r",
        options=Opts(client_secret_file="secret.txt"),
        base_dir=tmp_path,
        environ={"MONITOR_REDDIT_CLIENT_SECRET": "from-env"},
    )
    assert value == "from-file-secret"


def test_missing_credential_names_the_variable_and_the_setting() -> None:
    with pytest.raises(ConfigError) as info:
        credential("x", "bearer_token", source_name="x-search", environ={})
    assert str(info.value) == (
        "source 'x-search' needs bearer_token: set the environment variable "
        "MONITOR_X_BEARER_TOKEN or the setting bearer_token_file"
    )


def test_unreadable_or_empty_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"sources.r.client_secret_file: cannot read .*nope"):
        credential(
            "reddit",
            "client_secret",
            source_name="r",
            options=Opts(client_secret_file=str(tmp_path / "nope")),
        )
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ConfigError, match="is empty"):
        credential(
            "reddit",
            "client_secret",
            source_name="r",
            options=Opts(client_secret_file=str(tmp_path / "empty")),
        )


def test_log_lines_never_show_a_secret_read_here(caplog: pytest.LogCaptureFixture) -> None:
    secret = credential(
        "youtube", "api_key", source_name="yt", environ={"MONITOR_YOUTUBE_API_KEY": "AIzaSyTESTKEY123"}
    )
    handler = logging.StreamHandler()
    records: list[str] = []
    handler.emit = lambda record: records.append(handler.format(record))  # type: ignore[method-assign]
    handler.addFilter(RedactSecrets())
    log = logging.getLogger("some.library")
    log.addHandler(handler)
    try:
        log.warning("GET https://www.googleapis.com/youtube/v3/commentThreads?key=%s failed", secret)
        try:
            raise RuntimeError(f"bad key {secret}")
        except RuntimeError:
            log.exception("boom")
    finally:
        log.removeHandler(handler)
    assert records and all(secret not in r for r in records)
    assert "key=*** failed" in records[0]
