"""The demo's plan, shared by the seeders: who comes, to which agency, for which case.

:mod:`cases.demo` makes it (people, their cases, the consultations booked in those cases);
the intake's seeder turns each person's first visit and each :class:`Appointment` into a
visit, and the referrals' seeder sends from the planned cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from cases.demo_people import Persona
from cases.models import Case, CaseStatus, Client, ClosureReason, Priority
from centers.models import Agency, Centre, Staff
from core.demo import DemoRun


@dataclass(eq=False)
class Person:
    centre: Centre
    persona: Persona
    values: dict
    #: The agencies whose desks this person comes to, likeliest first.
    needs: list[Agency]
    #: The agencies named in their third-party consent.
    sharing: list[Agency]
    first_day: date | None = None
    registered_at: datetime | None = None
    #: Every consent withdrawn that day: the person is not seen from then on.
    leaves_on: date | None = None
    sharing_withdrawn_on: date | None = None
    client: Client | None = None

    @property
    def withdraws(self) -> bool:
        return self.leaves_on is not None or self.sharing_withdrawn_on is not None

    def may_visit_on(self, day: date) -> bool:
        return (self.first_day is not None and self.first_day <= day
                and (self.leaves_on is None or day < self.leaves_on))


@dataclass(eq=False)
class Appointment:
    """A person expected at an agency's desk: the consultation starts at ``moment``."""

    person: Person
    agency: Agency
    caseworker: Staff
    moment: datetime
    minutes: int
    #: The visit the intake registered for it (set when played; None without the intake).
    visit_id: int | None = None

    @property
    def ends(self) -> datetime:
        return self.moment + timedelta(minutes=self.minutes)


@dataclass(eq=False)
class CasePlan:
    person: Person
    agency: Agency
    caseworker: Staff
    state: CaseStatus
    priority: Priority
    opened: Appointment
    reason: ClosureReason | None = None
    closes_at: datetime | None = None
    holds_at: datetime | None = None
    #: Contacts after the opening: a consultation at the desk, or (None) a phone call.
    contacts: list[tuple[date, Appointment | None]] = field(default_factory=list)
    case: Case | None = None

    @property
    def appointments(self) -> list[Appointment]:
        """The consultations at the desk, the opening one first."""
        return [self.opened] + [a for _day, a in self.contacts if a is not None]

    def is_open_at(self, moment: datetime) -> bool:
        return self.opened.ends < moment and (self.closes_at is None or moment < self.closes_at)


@dataclass
class CasesPlan:
    people: list[Person] = field(default_factory=list)
    cases: list[CasePlan] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)


def plan_of(run: DemoRun) -> CasesPlan:
    return run.plans.setdefault("cases", CasesPlan())
