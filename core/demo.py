"""Demo history: months of a centre's life, made through the services as it happened.

``seed-demo`` hands one :class:`DemoRun` to the seeder each feature plugs into
:data:`demo_seeders`, in dependency order. A seeder sets up what must
exist from the start (the catalogue, the consent texts) and *plans* its part of the past:
for each thing that happened it calls :meth:`DemoRun.at` with the moment and a step, a
function that calls the feature's services. When every feature has planned,
:meth:`DemoRun.play` runs all steps in time order with the clock moved to each moment
(``time-machine``), so the services check their rules against that day, stamp their own
times and write their audit events as they would have then. Steps later than now are left
out: today's visitors who were not called yet are still waiting.

Every random choice is drawn from :attr:`DemoRun.rng` while planning; steps draw nothing.
So the same seed plans the same history, whatever order the steps run in. What one
feature's step makes and a later step of another feature needs (the visit a case is opened
at) is kept on the plan object both know.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import time_machine

from core.clock import SEOUL
from core.hooks import Hook

#: History starts on the first day of the month this many months before the current one, so
#: the last three monthly reports are whole months of activity.
HISTORY_MONTHS = 3


# Each feature's part of the demo: ``seeder(run)`` sets up what must be there from the start
# and plans its part of the history on the run's timeline.
demo_seeders: Hook[Callable[[DemoRun], None]] = Hook("core.demo_seeders")


def history_start(today: date, months: int = HISTORY_MONTHS) -> date:
    month_index = today.year * 12 + today.month - 1 - months
    return date(month_index // 12, month_index % 12 + 1, 1)


@dataclass
class DemoRun:
    """One seeding: the seeded random source, the calendar of the history, and its steps."""

    seed: int
    now: datetime
    holidays: Collection[date] = frozenset()
    with_activity: bool = True
    #: The demo centres made by this run: only they get a history.
    centres: list[Any] = field(default_factory=list)
    #: What the seeders plan, by feature ("cases", "intake" …), for the seeders after them.
    plans: dict[str, Any] = field(default_factory=dict)
    #: (label, model) pairs whose rows ``seed-demo`` counts in its closing line.
    counted: list[tuple[str, Any]] = field(default_factory=list)
    rng: random.Random = field(init=False, repr=False)
    today: date = field(init=False)
    first_day: date = field(init=False)
    _steps: list[tuple[datetime, int, Callable[[], Any]]] = field(
        init=False, repr=False, default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.today = self.day_of(self.now)
        self.first_day = history_start(self.today) if self.with_activity else self.today

    # --- the calendar --------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def working_days(self, first: date | None = None, last: date | None = None) -> list[date]:
        """Working days from ``first`` (the history's first day) to ``last`` (today)."""
        day, last = first or self.first_day, last or self.today
        days = []
        while day <= last:
            if self.is_working_day(day):
                days.append(day)
            day += timedelta(days=1)
        return days

    def add_working_days(self, day: date, count: int) -> date:
        step = 1 if count >= 0 else -1
        for _ in range(abs(count)):
            day += timedelta(days=step)
            while not self.is_working_day(day):
                day += timedelta(days=step)
        return day

    @staticmethod
    def moment(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
        """The UTC instant of a Seoul wall-clock time (minutes past 59 roll into hours)."""
        local = datetime.combine(day, time(0), tzinfo=SEOUL) + timedelta(
            hours=hour, minutes=minute, seconds=second)
        return local.astimezone(UTC)

    @staticmethod
    def day_of(moment: datetime) -> date:
        """The Seoul calendar day of a UTC instant."""
        return moment.astimezone(SEOUL).date()

    @property
    def start(self) -> datetime:
        """The moment the history begins: the demo centres open on its first morning."""
        if not self.with_activity:
            return self.now
        return min(self.now, self.moment(self.first_day, 8, 30))

    # --- steps ---------------------------------------------------------------------------

    def at(self, moment: datetime, step: Callable[..., Any], *args: Any) -> None:
        """Plan ``step(*args)`` at ``moment``; steps at one moment run in planning order."""
        if self.with_activity:
            self._steps.append((moment, len(self._steps), lambda: step(*args)))

    def count(self, label: str, model: Any) -> None:
        """Name a model whose rows the closing line of ``seed-demo`` counts."""
        self.counted.append((label, model))

    @property
    def due(self) -> int:
        """How many planned steps lie in the past (the others never run)."""
        return sum(moment <= self.now for moment, _order, _step in self._steps)

    def play(self, progress: Callable[[int], Any] | None = None) -> None:
        """Run the planned steps up to now in time order, the clock at each step's moment."""
        due = sorted((s for s in self._steps if s[0] <= self.now), key=lambda s: s[:2])
        self._steps.clear()
        if not due:
            return
        with time_machine.travel(due[0][0], tick=False) as traveller:
            for moment, _order, step in due:
                traveller.move_to(moment)
                step()
                if progress:
                    progress(1)

    @contextmanager
    def clock_at(self, moment: datetime) -> Iterator[None]:
        """The clock stands at ``moment`` inside the block."""
        with time_machine.travel(moment, tick=False):
            yield
