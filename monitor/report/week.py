"""ISO weeks in the configured time zone: the report's unit of time, named the ISO way (2026-W47)
and measured as the index's week Period (monitor/index/periods.py), so both agree on every bound.

A week runs from Monday 00:00 to the next Monday 00:00 *local* time, so "Monday's mentions" are
the ones a person in that time zone would call Monday's. Converting the local bounds to UTC per
week (not adding 7 x 24 h) keeps weeks that cross a daylight-saving change exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from connectors.errors import InputError
from monitor.index.periods import Period

_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})")


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def parse(cls, text: str, *, option: str = "--week") -> IsoWeek:
        """`2026-W47` (also `2026W47`, `2026-w47`); anything else is a one-line InputError."""
        m = _WEEK.fullmatch(text.strip().upper())
        if m:
            year, week = int(m.group(1)), int(m.group(2))
            try:
                date.fromisocalendar(year, week, 1)
            except ValueError:
                raise InputError(f"{option}: {year} has no ISO week {week}, got {text!r}") from None
            return cls(year, week)
        raise InputError(f"{option}: expected an ISO week like 2026-W47, got {text!r}")

    @classmethod
    def containing(cls, day: date) -> IsoWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def last_complete(cls, now: datetime, tz: tzinfo) -> IsoWeek:
        """The newest week that has ended in `tz` at `now` (on a Monday, the week before)."""
        return cls.containing(now.astimezone(tz).date()).previous()

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=i) for i in range(7)]

    def previous(self, weeks: int = 1) -> IsoWeek:
        return IsoWeek.containing(self.monday - timedelta(weeks=weeks))

    def next(self) -> IsoWeek:
        return IsoWeek.containing(self.monday + timedelta(weeks=1))

    @property
    def period(self) -> Period:
        """The same week as an index Period."""
        return Period(self.monday, "week")

    def start(self, tz: tzinfo) -> datetime:
        """Monday 00:00 local, as an aware UTC datetime."""
        return self.period.bounds(tz)[0]

    def end(self, tz: tzinfo) -> datetime:
        """The next Monday 00:00 local (exclusive), as an aware UTC datetime."""
        return self.period.bounds(tz)[1]
