"""The field types every section of settings.toml shares, defined once."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from monitor.config.durations import parse_duration

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


class StrictModel(BaseModel):
    """A settings table: unknown keys are mistakes, and the values never change once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(f"expected lower-case letters, digits, '-', '_' or '.', got {value!r}")
    return value


# "15m", "1h30m", "2d" or a number of seconds (monitor/config/durations.py).
Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
# The name of a brand, source, target or rule: lower-case letters, digits, '-', '_' or '.'.
Name = Annotated[str, AfterValidator(check_name)]
