"""Report periods: Asia/Seoul calendar months and day spans, with their UTC instants."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.clock import local_day_bounds, local_today

_MONTH_KEY = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Span:
    """Seoul calendar days from ``first`` up to, not including, ``end``.

    A visit belongs to the span of its ``visit_date``; timestamps (case opened, closed …)
    belong to it when they fall between :attr:`start_utc` and :attr:`end_utc`.
    """

    first: date
    end: date

    @property
    def start_utc(self) -> datetime:
        return local_day_bounds(self.first)[0]

    @property
    def end_utc(self) -> datetime:
        return local_day_bounds(self.end)[0]

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.end - self.first).days)]

    @classmethod
    def day(cls, day: date) -> Span:
        return cls(day, day + timedelta(days=1))


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``"2026-03"`` → Month(2026, 3). :raise ValueError: not a YYYY-MM month."""
        match = _MONTH_KEY.match(text)
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
            raise ValueError(f"not a month: {text!r}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def current(cls) -> Month:
        return cls.of(local_today())

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def span(self) -> Span:
        return Span(self.first, self.next().first)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def year_before(self) -> Month:
        return Month(self.year - 1, self.month)

    def __str__(self) -> str:
        return self.key
