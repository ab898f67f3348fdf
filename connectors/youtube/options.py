"""Settings of a `type = "youtube"` source, validated when settings.toml loads."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")


_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")


class Options(BaseModel):
    """Settings of a `type = "youtube"` source."""

    model_config = ConfigDict(extra="forbid")

    video_ids: list[str] = Field(default_factory=list, description="11-character video ids")
    channel_ids: list[str] = Field(
        default_factory=list, description="UC... channel ids: comments on all the channel's videos"
    )
    max_results: int = Field(100, ge=1, le=100, description="threads per request (the API's maximum is 100)")
    max_pages: int = Field(10, ge=1, le=100, description="pages per video or channel and poll")
    api_key_file: str | None = None

    @field_validator("video_ids")
    @classmethod
    def _videos(cls, ids: list[str]) -> list[str]:
        return _checked(ids, _VIDEO_ID, "a video id (11 letters, digits, '-' or '_')")

    @field_validator("channel_ids")
    @classmethod
    def _channels(cls, ids: list[str]) -> list[str]:
        return _checked(ids, _CHANNEL_ID, "a channel id ('UC' and 22 letters, digits, '-' or '_')")

    @model_validator(mode="after")
    def _needs_a_target(self) -> Options:
        if not self.video_ids and not self.channel_ids:
            raise ValueError("give at least one entry in video_ids or channel_ids")
        return self


def _checked(ids: list[str], pattern: re.Pattern[str], what: str) -> list[str]:
    cleaned = []
    for raw in ids:
        value = raw.strip()
        if not pattern.match(value):
            raise ValueError(f"{raw!r} is not {what}")
        if value not in cleaned:
            cleaned.append(value)
    return cleaned
