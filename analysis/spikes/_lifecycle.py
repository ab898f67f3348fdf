"""An alert that follows its incident: fire, stay firing while loud, resolve after a quiet period."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

import pandas as pd

Event = Literal["fire", "resolve"]


class Lifecycle:
    """Fire when `fire_z` is reached (after the warm-up, on enough mentions); every bucket at or
    above `resolve_z` keeps the alert up; it resolves once a quiet period (`quiet`, or the `hold`
    the caller gives for the episode's time scale) has passed since the last such bucket. A new
    surge after that is a new alert (no cooldown unless one is configured)."""

    def __init__(
        self, fire_z: float, resolve_z: float, quiet: timedelta, warmup: timedelta, cooldown: timedelta
    ) -> None:
        self.fire_z = fire_z
        self.resolve_z = resolve_z
        self.quiet = quiet
        self.warmup = warmup
        self.cooldown = cooldown
        self.ready_at: pd.Timestamp | None = None
        self.firing = False
        self.loud_at: pd.Timestamp | None = None
        self.quiet_until: pd.Timestamp | None = None

    def begin(self, t: pd.Timestamp) -> None:
        """History starts at t (the first bucket with data): the warm-up runs from here."""
        if self.ready_at is None:
            self.ready_at = t + self.warmup

    def step(
        self, t: pd.Timestamp, z: float, eligible_z: float, hold: timedelta | None = None
    ) -> Event | None:
        """z: the bucket's score; eligible_z: the same over the time scales holding min_count;
        hold: the quiet period that ends this episode (default `quiet`)."""
        if self.firing:
            if z >= self.resolve_z:
                self.loud_at = t
                return None
            assert self.loud_at is not None
            if t - self.loud_at >= (self.quiet if hold is None else hold):
                self.firing = False
                self.quiet_until = t + self.cooldown
                return "resolve"
            return None
        if (
            self.ready_at is not None
            and t >= self.ready_at
            and eligible_z >= self.fire_z
            and (self.quiet_until is None or t >= self.quiet_until)
        ):
            self.firing = True
            self.loud_at = t
            return "fire"
        return None
