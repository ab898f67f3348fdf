"""Index periods: ISO weeks (Monday 00:00) or calendar months, in the settings' time zone.

A period is a local date range [start, end); its UTC bounds come from the zone, so a week in
Istanbul starts at Sunday 21:00Z and a DST change makes a week 167 or 169 hours long, as it should.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

PeriodKind = Literal["week", "month"]


@dataclass(frozen=True, order=True)
class Period:
    start: date  # local
    kind: str

    @property
    def end(self) -> date:
        """The first local date after the period."""
        if self.kind == "week":
            return self.start + timedelta(days=7)
        year, month = divmod(self.start.month, 12)
        return date(self.start.year + year, month + 1, 1)

    def previous(self) -> Period:
        if self.kind == "week":
            return Period(self.start - timedelta(days=7), self.kind)
        return Period((self.start - timedelta(days=1)).replace(day=1), self.kind)

    def next(self) -> Period:
        return Period(self.end, self.kind)

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """[start, end) as aware UTC datetimes."""
        return (
            datetime.combine(self.start, time(), tz).astimezone(UTC),
            datetime.combine(self.end, time(), tz).astimezone(UTC),
        )

    @property
    def label(self) -> str:
        if self.kind == "week":
            iso = self.start.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        return f"{self.start:%Y-%m}"


def period_of(kind: str, day: date) -> Period:
    """The period containing a local date."""
    if kind == "week":
        return Period(day - timedelta(days=day.weekday()), kind)
    if kind == "month":
        return Period(day.replace(day=1), kind)
    raise ValueError(f"unknown period {kind!r}")


def period_at(kind: str, moment: datetime, tz: ZoneInfo) -> Period:
    """The period containing an aware moment, in the zone's local time."""
    return period_of(kind, moment.astimezone(tz).date())


def last_complete(kind: str, now: datetime, tz: ZoneInfo) -> Period:
    """The newest period that has ended by `now`."""
    return period_at(kind, now, tz).previous()


def max_age(period: Period, lookback: timedelta) -> int:
    """How many periods back a component with this lookback may reach from `period`.

    An earlier period counts when all of it lies within the lookback that ends where `period` ends
    (the period itself always counts): a 4-week lookback reaches 3 weeks back, 13 weeks reach 12
    weeks or 2 months back.
    """
    end = period.end
    age, p = 0, period.previous()
    while end - p.start <= lookback:
        age += 1
        p = p.previous()
    return age
