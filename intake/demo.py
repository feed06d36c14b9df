"""Demo history of the front desk: each working day's visits, made through the intake
services.

Every working day (weekends and the public holidays skipped) the demo centres see the
people who come for a consultation booked in their case (:class:`cases.demo_plan.Appointment`),
people on their first day (just registered at the desk), people coming back and anonymous
visitors. Each visit is registered with its purposes and desk plan, then called, started
and finished at each desk. The desks are simulated through the day: a desk is a
caseworker of the agency, busy with one visitor at a time and with their booked
consultations, so waits grow when the lobby fills and a few visitors give up and leave.
Today's visits stop at now: the last ones are still waiting or being served.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from cases import demo_plan
from cases.demo_plan import Appointment, Person
from centers.models import Agency, AgencyKind, Centre, Domain, Staff
from core.demo import DemoRun
from core.extensions import db
from core.roles import Role
from intake import services
from intake.models import Visit

K = AgencyKind

#: Visits a day at a centre of 125 people, besides booked consultations and first visits.
RETURNING_PER_DAY = 8
ANONYMOUS_PER_DAY = 5
#: Walk-ins in the last half hour before now, during office hours: the desk opens the demo
#: on a lobby with people in it.
JUST_ARRIVED = 4
WEEKDAY_RUSH = (1.3, 1.1, 1.0, 0.95, 0.85)  # Monday is the busiest day
#: Walk-ins by hour of arrival, 09:00 to 16:00: a morning peak and a lunchtime dip.
ARRIVAL_HOURS = {9: 3, 10: 4, 11: 3, 12: 1.5, 13: 2.5, 14: 3, 15: 2.5, 16: 1.5}
SERVICE_MINUTES = {K.EMPLOYMENT: (8, 20), K.WELFARE: (10, 25), K.SELF_SUPPORT: (12, 25),
                   K.WOMEN: (10, 20), K.FINANCE: (15, 30), K.CULTURE: (5, 12)}
ANONYMOUS_DESKS = {K.EMPLOYMENT: 45, K.WELFARE: 25, K.FINANCE: 10, K.WOMEN: 8, K.CULTURE: 7,
                   K.SELF_SUPPORT: 5}


@dataclass(eq=False)
class StopPlan:
    agency: Agency
    appointment: Appointment | None = None
    server: Staff | None = None
    called: datetime | None = None
    started: datetime | None = None
    finished: datetime | None = None


@dataclass(eq=False)
class VisitPlan:
    person: Person | None
    arrival: datetime
    stops: list[StopPlan]
    #: How long this visitor waits for a desk before going home.
    patience: timedelta = timedelta(hours=3)
    left_at: datetime | None = None
    visit: Visit | None = None
    purposes: list[Domain] = field(init=False)

    def __post_init__(self) -> None:
        self.purposes = list(dict.fromkeys(stop.agency.kind.domain for stop in self.stops))


def seed(run: DemoRun) -> None:
    """Plan the visits of each working day at the run's demo centres."""
    run.count("방문", Visit)
    plan = demo_plan.plan_of(run)
    for centre in run.centres:
        _CentreDays(run, centre, plan).plan()


class _CentreDays:
    def __init__(self, run: DemoRun, centre: Centre, plan: demo_plan.CasesPlan) -> None:
        self.run, self.rng, self.centre = run, run.rng, centre
        self.agencies = centre.visible_agencies()
        staff = db.session.scalars(sa.select(Staff).where(
            Staff.centre_id == centre.id, Staff.is_active_account).order_by(Staff.id)).all()
        self.desk = next((s for s in staff if s.role == Role.FRONT_DESK), None) or next(
            (s for s in staff if s.role == Role.MANAGER), None)
        # A desk of an agency without caseworkers here is kept by the front desk.
        self.servers = {a.id: [s for s in staff if s.role == Role.CASEWORKER and s.agency_id == a.id]
                        or [self.desk] for a in self.agencies}
        self.people = [p for p in plan.people if p.centre is centre]
        self.booked: dict[date, dict[Person, list[Appointment]]] = defaultdict(dict)
        for appointment in sorted((a for a in plan.appointments if a.person.centre is centre),
                                  key=lambda a: a.moment):
            day = run.day_of(appointment.moment)
            self.booked[day].setdefault(appointment.person, []).append(appointment)
        self.scale = len(self.people) / 125

    def plan(self) -> None:
        if not self.agencies or self.desk is None:
            return
        firsts = defaultdict(list)
        for person in self.people:
            firsts[person.first_day].append(person)
        for day in self.run.working_days():
            visits = self._booked_visits(day) + self._first_visits(day, firsts[day])
            visits += self._returning_visits(day, {v.person for v in visits})
            visits += self._anonymous_visits(day)
            if day == self.run.today:
                visits += self._just_arrived({v.person for v in visits})
            self._simulate(day, visits)
            for visit in visits:
                self._plan_steps(visit)

    # --- who comes -----------------------------------------------------------------------

    def _booked_visits(self, day: date) -> list[VisitPlan]:
        visits = []
        for person, appointments in self.booked[day].items():
            if day == person.first_day:
                arrival = person.registered_at + timedelta(minutes=self.rng.randint(2, 4))
            else:
                arrival = appointments[0].moment - timedelta(minutes=self.rng.randint(5, 15))
            stops = [StopPlan(a.agency, a) for a in appointments]
            extra = [a for a in person.needs if all(s.agency is not a for s in stops)]
            if extra and self.rng.random() < 0.2:
                stops.append(StopPlan(self.rng.choice(extra)))
            visits.append(VisitPlan(person, arrival, stops))
        return visits

    def _first_visits(self, day: date, people: list[Person]) -> list[VisitPlan]:
        return [VisitPlan(p, p.registered_at + timedelta(minutes=self.rng.randint(2, 4)),
                          self._desks_for(p))
                for p in people if p not in self.booked[day]]

    def _returning_visits(self, day: date, today: set) -> list[VisitPlan]:
        count = self._how_many(RETURNING_PER_DAY, day)
        pool = [p for p in self.people if p not in today and p.may_visit_on(day)
                and p.first_day < day]
        chosen = self.rng.sample(pool, k=min(count, len(pool)))
        return [VisitPlan(p, self._walk_in_time(day), self._desks_for(p),
                          patience=self._patience()) for p in chosen]

    def _anonymous_visits(self, day: date) -> list[VisitPlan]:
        weights = [ANONYMOUS_DESKS.get(a.kind, 3) for a in self.agencies]
        return [VisitPlan(None, self._walk_in_time(day),
                          [StopPlan(self.rng.choices(self.agencies, weights=weights)[0])],
                          patience=self._patience())
                for _ in range(self._how_many(ANONYMOUS_PER_DAY, day))]

    def _just_arrived(self, today: set) -> list[VisitPlan]:
        now = self.run.now
        opening, closing = self.run.moment(self.run.today, 9), self.run.moment(self.run.today, 17, 30)
        if not opening + timedelta(minutes=30) <= now <= closing:
            return []
        pool = [p for p in self.people if p not in today and p.may_visit_on(self.run.today)
                and p.first_day < self.run.today]
        visitors = self.rng.sample(pool, k=min(len(pool), max(1, round(JUST_ARRIVED * self.scale))))
        return [VisitPlan(p, now - timedelta(seconds=self.rng.randint(60, 30 * 60)),
                          self._desks_for(p)) for p in visitors]

    def _how_many(self, per_day: int, day: date) -> int:
        return max(1, round(per_day * self.scale * WEEKDAY_RUSH[day.weekday()]
                            * self.rng.uniform(0.6, 1.4)))

    def _desks_for(self, person: Person) -> list[StopPlan]:
        """One desk mostly, sometimes two or three of the person's agencies."""
        count = min(len(person.needs), self.rng.choices([1, 2, 3], weights=[70, 25, 5])[0])
        return [StopPlan(a) for a in self.rng.sample(person.needs, k=count)]

    def _walk_in_time(self, day: date) -> datetime:
        hour = self.rng.choices(list(ARRIVAL_HOURS), weights=list(ARRIVAL_HOURS.values()))[0]
        return self.run.moment(day, hour, self.rng.randint(0, 59), self.rng.randint(0, 59))

    def _patience(self) -> timedelta:
        # A few have somewhere else to be.
        minutes = self.rng.randint(5, 20) if self.rng.random() < 0.03 else self.rng.randint(40, 120)
        return timedelta(minutes=minutes)

    # --- the desks through the day -------------------------------------------------------

    def _simulate(self, day: date, visits: list[VisitPlan]) -> None:
        """Serve the day's visits desk by desk, first come first served.

        A booked consultation starts at its time with its caseworker; any other stop waits
        for the first of the agency's caseworkers who is free long enough (between their
        consultations), after the minutes the desk needs to finish the last one's papers.
        """
        rng = self.rng
        busy = defaultdict(list)
        for appointments in self.booked[day].values():
            for a in appointments:
                busy[a.caseworker.id].append((a.moment, a.ends))
        free_at: dict[int, datetime] = {}
        queue = [(v.arrival, index, 0, v) for index, v in enumerate(visits)]
        heapq.heapify(queue)
        while queue:
            ready, index, position, visit = heapq.heappop(queue)
            stop = visit.stops[position]
            if stop.appointment is not None:
                stop.server = stop.appointment.caseworker
                stop.started = stop.appointment.moment
                stop.called = min(stop.started, max(ready, stop.started - timedelta(minutes=2)))
                stop.finished = stop.appointment.ends
            else:
                low, high = SERVICE_MINUTES.get(stop.agency.kind, (8, 20))
                minutes = timedelta(minutes=rng.randint(low, high))
                earliest = ready + timedelta(minutes=rng.randint(2, 16))
                server, called = min(
                    ((s, self._free_from(max(earliest, free_at.get(s.id, earliest)),
                                         minutes, busy[s.id])) for s in self.servers[stop.agency.id]),
                    key=lambda pair: pair[1])
                if called - ready > visit.patience:
                    visit.left_at = ready + visit.patience  # the rest of the plan goes too
                    continue
                stop.server, stop.called = server, called
                stop.started = called + timedelta(seconds=rng.randint(30, 150))
                stop.finished = stop.started + minutes
                free_at[server.id] = stop.finished + timedelta(minutes=rng.randint(1, 3))
            if position + 1 < len(visit.stops):
                heapq.heappush(queue, (stop.finished, index, position + 1, visit))

    @staticmethod
    def _free_from(start: datetime, minutes: timedelta,
                   busy: list[tuple[datetime, datetime]]) -> datetime:
        """The first moment from ``start`` with ``minutes`` free before a booked consultation."""
        for begins, ends in sorted(busy):
            if start + minutes <= begins:
                return start
            start = max(start, ends)
        return start

    def _plan_steps(self, visit: VisitPlan) -> None:
        at = self.run.at
        at(visit.arrival, _register_visit, visit, self.desk, self.centre)
        for stop in visit.stops:
            if stop.called is None:
                break
            at(stop.called, _act, visit, stop.server, "call")
            at(stop.started, _act, visit, stop.server, "start")
            at(stop.finished, _act, visit, stop.server, "finish")
        if visit.left_at is not None:
            at(visit.left_at, _leave, visit, self.desk)


# --- the steps (run at their moment, the clock moved there) --------------------------------

def _register_visit(plan: VisitPlan, desk: Staff, centre: Centre) -> None:
    person = plan.person
    plan.visit = services.register_visit(
        desk, centre, client=person.client if person else None, purposes=plan.purposes,
        plan=[stop.agency for stop in plan.stops])
    for stop in plan.stops:
        if stop.appointment is not None:
            stop.appointment.visit_id = plan.visit.id


def _act(plan: VisitPlan, actor: Staff, action: str) -> None:
    services.transition(actor, plan.visit, action)


def _leave(plan: VisitPlan, desk: Staff) -> None:
    services.leave(desk, plan.visit)
