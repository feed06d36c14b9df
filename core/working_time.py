"""Working hours: Monday to Friday, 09:00 to 18:00 in Seoul, public holidays excepted.

A referral's response target is counted in these hours, so a referral sent on Friday at
17:00 with a 2-hour target is due on Monday at 10:00.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta

from core.clock import SEOUL

DAY_START = time(9, 0)
DAY_END = time(18, 0)


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_hours(start: datetime, hours: int, holidays: Collection[date]) -> datetime:
    """The instant ``hours`` working hours after ``start`` (UTC in, UTC out)."""
    local = start.astimezone(SEOUL)
    remaining = timedelta(hours=hours)
    current = _next_working_moment(local, holidays)
    while True:
        end_of_day = datetime.combine(current.date(), DAY_END, tzinfo=SEOUL)
        available = end_of_day - current
        if remaining <= available:
            return (current + remaining).astimezone(UTC)
        remaining -= available
        current = _next_working_moment(
            datetime.combine(current.date() + timedelta(days=1), DAY_START, tzinfo=SEOUL),
            holidays,
        )


def _next_working_moment(moment: datetime, holidays: Collection[date]) -> datetime:
    """``moment`` itself if it is inside working hours, else the next opening time."""
    day = moment.date()
    if is_working_day(day, holidays):
        opening = datetime.combine(day, DAY_START, tzinfo=SEOUL)
        closing = datetime.combine(day, DAY_END, tzinfo=SEOUL)
        if moment < opening:
            return opening
        if moment < closing:
            return moment
    day += timedelta(days=1)
    while not is_working_day(day, holidays):
        day += timedelta(days=1)
    return datetime.combine(day, DAY_START, tzinfo=SEOUL)
