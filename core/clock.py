"""Time as the centres live it: stored in UTC, counted in Asia/Seoul days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from core.types import utcnow

SEOUL = ZoneInfo("Asia/Seoul")


def local_today() -> date:
    return utcnow().astimezone(SEOUL).date()


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants at which a Seoul calendar day starts and the next one starts."""
    start = datetime.combine(day, time.min, tzinfo=SEOUL)
    end = datetime.combine(date.fromordinal(day.toordinal() + 1), time.min, tzinfo=SEOUL)
    return start.astimezone(UTC), end.astimezone(UTC)


def minutes_since(moment: datetime | None, now: datetime | None = None) -> int | None:
    if moment is None:
        return None
    return max(0, int(((now or utcnow()) - moment).total_seconds() // 60))
