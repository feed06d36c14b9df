"""Demo history of people and case records, made through the cases services.

Each demo centre publishes its consent texts; about 150 people are registered at the front
desk with their consents and customer types on the day they first come; each agency keeps
cases through their whole lifecycle (opened at a consultation, assessed, planned, noted,
put on hold, closed with each closure reason); one person whose cases span three agencies
has a case conference; one person withdraws consent to sharing, another every consent.

The plan is left for the seeders after this one (:mod:`cases.demo_plan`): the intake turns
each person's first visit and each planned consultation into a visit (and records on it the
visit it made, for the case opened at it); the referrals send from the planned cases.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from cases import demo_texts as texts
from cases import services as casework
from cases.consent_texts import DEFAULT_TEXTS, RECIPIENT_DEFAULT
from cases.demo_people import (
    DISTRICTS,
    FOREIGN_BORN_NAMES,
    GIVEN_NAMES,
    PERSONAS,
    STREETS,
    SURNAMES,
)
from cases.demo_plan import Appointment, CasePlan, Person, plan_of
from cases.models import (
    OPEN_GOAL_STATUSES,
    Case,
    CaseStatus,
    Client,
    ClosureReason,
    Consent,
    ConsentDocument,
    ConsentKind,
    ConsentMethod,
    GoalStatus,
    Level,
    NeedDomain,
    NoteKind,
    PlanGoal,
    Priority,
)
from cases.people import (
    current_document,
    publish_document,
    register_with_consent,
    withdraw_consent,
)
from catalogue.models import CentreService, Service
from centers.models import Agency, AgencyKind, Centre, Sex, Staff
from core.clock import local_today
from core.demo import DemoRun
from core.extensions import db
from core.roles import Role

K = AgencyKind

PEOPLE_PER_CENTRE = {"namyangju": 125, "suwon": 30}
PEOPLE_DEFAULT = 30
#: Planned cases per agency at a centre of 125 people (scaled to the centre's people); cases
#: that referrals open at the receiving agency come on top.
CASES_PER_AGENCY = {K.EMPLOYMENT: 40, K.WELFARE: 30, K.SELF_SUPPORT: 14, K.WOMEN: 10,
                    K.FINANCE: 8, K.CULTURE: 6}
CASES_DEFAULT = 5
CASE_STATES = [CaseStatus.OPEN, CaseStatus.ACTIVE, CaseStatus.ON_HOLD, CaseStatus.CLOSED]

# --- the seeder --------------------------------------------------------------------------

def seed(run: DemoRun) -> None:
    """Consent texts at every centre; people and cases planned at the run's demo centres."""
    _publish_consent_documents()
    run.count("사람", Client)
    run.count("사례", Case)
    plan = plan_of(run)
    for centre in run.centres:
        planner = _CentrePlanner(run, centre)
        planner.plan()
        plan.people += planner.people
        plan.cases += planner.cases
        plan.appointments += planner.appointments


def _publish_consent_documents() -> None:
    """Each centre's consent texts, published by its manager before anyone registers."""
    for centre in db.session.scalars(sa.select(Centre)):
        manager = db.session.scalar(
            sa.select(Staff).where(Staff.centre_id == centre.id, Staff.role == Role.MANAGER)
        ) or db.session.scalar(sa.select(Staff).where(Staff.role == Role.ADMIN))
        for kind in ConsentKind:
            if current_document(centre.id, kind) is not None:
                continue
            recipients = None
            if kind == ConsentKind.THIRD_PARTY:
                recipients = [{"agency_id": a.id, **RECIPIENT_DEFAULT}
                              for a in centre.visible_agencies()]
                if not recipients:
                    continue  # a centre without agencies has nobody to share with
            publish_document(manager, centre, kind, dict(DEFAULT_TEXTS[kind]), recipients)


class _CentrePlanner:
    """Plans one centre's people and cases, every choice drawn from ``run.rng``.

    Consultations take half-hour slots from 09:30 to 17:00; a slot is booked for both the
    person and the caseworker, so neither is in two places at once.
    """

    FIRST_SLOT = (9, 30)
    SLOT_MINUTES = 30
    SLOTS_PER_DAY = 15

    def __init__(self, run: DemoRun, centre: Centre) -> None:
        self.run, self.rng, self.centre = run, run.rng, centre
        self.agencies = centre.visible_agencies()
        staff = db.session.scalars(sa.select(Staff).where(
            Staff.centre_id == centre.id, Staff.is_active_account).order_by(Staff.id)).all()
        self.desk = next((s for s in staff if s.role == Role.FRONT_DESK), None) or next(
            (s for s in staff if s.role == Role.MANAGER), None)
        self.caseworkers = {a.id: [s for s in staff if s.role == Role.CASEWORKER
                                   and s.agency_id == a.id] for a in self.agencies}
        # State changes happen before today, so every state is there whatever the hour.
        self.days = run.working_days(last=run.today - timedelta(days=1))
        self.people: list[Person] = []
        self.cases: list[CasePlan] = []
        self.appointments: list[Appointment] = []
        self.busy: dict[tuple[Person | Staff, date], set[int]] = defaultdict(set)

    def plan(self) -> None:
        if len(self.days) < 20 or not self.agencies or self.desk is None:
            return
        count = PEOPLE_PER_CENTRE.get(self.centre.code, PEOPLE_DEFAULT)
        names: set[tuple[str, date]] = set()
        while len(self.people) < count:
            person = self._person(names)
            if person is not None:
                self.people.append(person)
        for agency in self.agencies:
            if self.caseworkers[agency.id]:
                self._plan_cases(agency, count)
        self._plan_conference()
        for person in self.people:
            self._plan_registration(person)
        self._plan_withdrawals()

    # --- people --------------------------------------------------------------------------

    def _person(self, names: set[tuple[str, date]]) -> Person | None:
        rng = self.rng
        persona = rng.choices(PERSONAS, weights=[p.weight for p in PERSONAS])[0]
        sex = persona.sex or rng.choice(list(Sex))
        age = rng.randint(*persona.ages)
        birth = date(self.run.today.year - age, 1, 1) - timedelta(days=rng.randint(0, 364))
        generation = "young" if birth.year >= 1988 else ("middle" if birth.year >= 1960 else "old")
        if "multicultural" in persona.types and rng.random() < 0.7:
            name = rng.choice(FOREIGN_BORN_NAMES)
        else:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES[sex, generation].split())
        if (name, birth) in names:
            return None
        names.add((name, birth))
        sigungu, towns = DISTRICTS.get(self.centre.code, (self.centre.sigungu, ["중앙동"]))
        flat = f", {rng.randint(101, 115)}동 {rng.randint(1, 25)}0{rng.randint(1, 4)}호"
        values = {
            "name": name, "birth_date": birth, "sex": sex,
            "phone": None if rng.random() < 0.04 else
            f"+8210{rng.randint(2000, 9999)}{rng.randint(0, 9999):04d}",
            "address_sigungu": sigungu,
            "address_detail": f"{rng.choice(towns)} {rng.choice(STREETS)} {rng.randint(1, 240)}"
                              + (flat if rng.random() < 0.6 else ""),
            "household_size": rng.choices([1, 2, 3, 4, 5], weights=[30, 25, 22, 17, 6])[0],
            "customer_types": list(persona.types) + [
                t for t in persona.extra_types if rng.random() < 0.3],
        }
        by_kind = {a.kind: a for a in self.agencies}
        needs = [by_kind[k] for k in persona.needs if k in by_kind] or self.agencies[:1]
        roll = rng.random()
        sharing = list(self.agencies) if roll < 0.85 else (needs if roll < 0.95 else [])
        return Person(self.centre, persona, values, needs, sharing)

    # --- consultation slots --------------------------------------------------------------

    def _appointment(self, person: Person, agency: Agency, caseworker: Staff, day: date, *,
                     long: bool = False) -> Appointment | None:
        """Book a consultation that day when the person and the caseworker are both free."""
        slots = 2 if long else 1
        starts = list(range(self.SLOTS_PER_DAY - slots + 1))
        self.rng.shuffle(starts)
        for start in starts:
            wanted = set(range(start, start + slots))
            if wanted & self.busy[person, day] or wanted & self.busy[caseworker, day]:
                continue
            # The person also needs the half-hour after it to reach another desk.
            self.busy[person, day] |= wanted | {start + slots}
            self.busy[caseworker, day] |= wanted
            hour, minute = self.FIRST_SLOT
            moment = self.run.moment(day, hour, minute + start * self.SLOT_MINUTES
                                     + self.rng.randint(0, 4))
            minutes = self.rng.randint(30, 50) if long else self.rng.randint(15, 26)
            appointment = Appointment(person, agency, caseworker, moment, minutes)
            self.appointments.append(appointment)
            return appointment
        return None

    # --- cases ---------------------------------------------------------------------------

    def _plan_cases(self, agency: Agency, people_count: int) -> None:
        """Every state at every agency, then a mix; closed ones with each reason in turn."""
        count = max(len(CASE_STATES),
                    round(CASES_PER_AGENCY.get(agency.kind, CASES_DEFAULT) * people_count / 125))
        states = CASE_STATES + self.rng.choices(
            [CaseStatus.ACTIVE, CaseStatus.CLOSED, CaseStatus.OPEN, CaseStatus.ON_HOLD],
            weights=[36, 42, 10, 12], k=count - len(CASE_STATES))
        order = texts.CLOSURE_ORDER.get(agency.kind, texts.CLOSURE_ORDER[K.WELFARE])
        reasons = iter(order)
        fitting = [p for p in self.people if agency in p.needs]
        others = [p for p in self.people if agency not in p.needs]
        self.rng.shuffle(fitting)
        self.rng.shuffle(others)
        for state, person in zip(states, fitting + others, strict=False):
            reason = None
            if state == CaseStatus.CLOSED:
                reason = next(reasons, None) or self.rng.choice(order[:4])
            self._plan_case(person, agency, state, reason)

    def _opening_day(self, state: CaseStatus) -> date:
        rng, days = self.rng, self.days
        if state == CaseStatus.OPEN:
            # Most opened days ago; some have waited past the assessment target.
            return rng.choice(days[-7:] if rng.random() < 0.75 else days[-22:-12])
        if state == CaseStatus.CLOSED:
            return rng.choice(days[:-15])
        return rng.choice(days[:-3])

    def _plan_case(self, person: Person, agency: Agency, state: CaseStatus,
                   reason: ClosureReason | None, day: date | None = None) -> CasePlan | None:
        rng = self.rng
        caseworker = rng.choice(self.caseworkers[agency.id])
        for _attempt in range(10):
            opened = self._appointment(person, agency, caseworker,
                                       day or self._opening_day(state), long=True)
            if opened is not None:
                break
        else:
            return None
        priority = rng.choices(list(Priority), weights=[75, 20, 5])[0]
        plan = CasePlan(person, agency, caseworker, state, priority, opened, reason)
        opening_day = self.run.day_of(opened.moment)
        person.first_day = min(person.first_day or opening_day, opening_day)
        later = [d for d in self.days if d > opening_day]
        if state == CaseStatus.CLOSED:
            close_day = rng.choice(later[rng.randint(3, 8):rng.randint(12, 40)] or later[-1:])
            plan.closes_at = self.run.moment(close_day, rng.choice([10, 11, 14, 15, 16]),
                                             rng.randint(0, 59))
        elif state == CaseStatus.ON_HOLD:
            plan.holds_at = self.run.moment(rng.choice(later[2:] or later[-1:]),
                                            rng.randint(10, 16), rng.randint(0, 59))
        self.cases.append(plan)
        # Some refuse or vanish right after the first consultation.
        quick_end = state == CaseStatus.CLOSED and reason in (
            ClosureReason.DECLINED, ClosureReason.LOST_CONTACT) and rng.random() < 0.5
        if state != CaseStatus.OPEN and not quick_end:
            plan.contacts = self._follow_ups(plan)
        self._plan_story(plan, assess=not quick_end)
        return plan

    def _follow_ups(self, plan: CasePlan) -> list[tuple[date, Appointment | None]]:
        """Contacts after the opening, every one to three weeks, until the case is closed
        or put on hold (or until today): a consultation at the desk, or a phone call."""
        end = plan.closes_at or plan.holds_at
        last_day = self.run.day_of(end) - timedelta(days=1) if end else self.run.today
        contacts = []
        day = self.run.day_of(plan.opened.moment)
        while True:
            day = self.run.add_working_days(day, self.rng.randint(4, 14))
            if day > last_day:
                return contacts
            appointment = None
            if self.rng.random() < 0.6:
                appointment = self._appointment(plan.person, plan.agency, plan.caseworker, day)
            contacts.append((day, appointment))

    def _plan_story(self, plan: CasePlan, *, assess: bool) -> None:
        """The case's steps: opened at a consultation, assessed with a plan (at once or at the
        next contact), a note per contact, goals moving on, then held or closed."""
        rng, at, kind = self.rng, self.run.at, plan.agency.kind
        opened = plan.opened
        at(opened.moment + timedelta(minutes=3), _open_case, plan, rng.choice(
            texts.SUMMARIES.get(kind, texts.SUMMARIES[K.WELFARE])))
        contacts = plan.contacts
        assess_at_opening = plan.state != CaseStatus.OPEN and assess and (
            not contacts or rng.random() < 0.7)
        if assess_at_opening:
            self._assess(plan, opened.moment + timedelta(minutes=12), first=True)
        at(opened.ends - timedelta(minutes=2), _note, plan, NoteKind.COUNSELLING,
           texts.OPENING_NOTES.get(kind, texts.OPENING_NOTES[K.WELFARE]), False)
        follow_ups = texts.FOLLOW_UP_NOTES.get(kind, texts.FOLLOW_UP_NOTES[K.WELFARE])
        for index, (day, appointment) in enumerate(contacts, start=1):
            if appointment is not None:
                moment, end, note_kind = appointment.moment, appointment.ends, NoteKind.COUNSELLING
            else:
                moment = self.run.moment(day, rng.randint(9, 16), rng.randint(0, 59))
                end, note_kind = moment + timedelta(minutes=rng.randint(4, 12)), NoteKind.PHONE
            if index == 1 and not assess_at_opening:
                self._assess(plan, moment + timedelta(minutes=6), first=True)
            elif index == 4 and rng.random() < 0.6:
                self._assess(plan, moment + timedelta(minutes=6), first=False)
            elif index >= 2:
                at(moment + timedelta(minutes=6), _move_goal, plan)
            confidential = rng.random() < (0.12 if kind == K.WELFARE else 0.05)
            body = rng.choice(texts.CONFIDENTIAL_NOTES) if confidential else rng.choice(follow_ups)
            at(end - timedelta(minutes=1), _note, plan, note_kind, body, confidential)
        if plan.holds_at:
            at(plan.holds_at, _transition, plan, "hold", rng.choice(texts.HOLD_NOTES))
        if plan.closes_at:
            settled = GoalStatus.ACHIEVED if plan.reason in (
                ClosureReason.EMPLOYED, ClosureReason.GOALS_MET, ClosureReason.REFERRED) \
                else GoalStatus.STOPPED
            at(plan.closes_at - timedelta(minutes=3), _settle_goals, plan, settled)
            follow_up = None
            if plan.reason in (ClosureReason.EMPLOYED, ClosureReason.GOALS_MET) and rng.random() < 0.6:
                follow_up = self.run.day_of(plan.closes_at) + timedelta(days=rng.choice([30, 60, 90]))
            at(plan.closes_at, _transition, plan, "close",
               rng.choice(texts.CLOSURE_NOTES[plan.reason]), plan.reason, follow_up)

    def _assess(self, plan: CasePlan, moment: datetime, *, first: bool) -> None:
        """욕구·위기도 조사; the first one activates the case and sets its plan goals."""
        rng, kind = self.rng, plan.agency.kind
        ratings = {domain: rng.choices(list(Level), weights=[45, 30, 18, 7])[0]
                   for domain in NeedDomain}
        ratings[texts.NEED_OF_AGENCY.get(kind, NeedDomain.INCOME)] = rng.choice(
            [Level.MEDIUM, Level.HIGH] if first else [Level.LOW, Level.MEDIUM])
        crisis = rng.choices(list(Level), weights=[30, 40, 22, 8] if first else [50, 35, 12, 3])[0]
        notes = rng.choice(texts.ASSESSMENT_NOTES.get(kind, texts.ASSESSMENT_NOTES[K.WELFARE]))
        self.run.at(moment, _assess, plan, ratings, crisis, notes)
        if not first:
            return
        self.run.at(moment + timedelta(minutes=1), _transition, plan, "activate", "")
        goals = texts.GOALS.get(kind, texts.GOALS[K.WELFARE])
        servable = [goal for goal in goals if not goal[3]]
        chosen = rng.sample(servable, k=rng.randint(1, min(3, len(servable))))
        # Now and then a need that no service here meets (the report's unmet needs).
        chosen += [goal for goal in goals if goal[3] and rng.random() < 0.15]
        for offset, goal in enumerate(chosen):
            self.run.at(moment + timedelta(minutes=2 + offset), _add_goal, plan, goal,
                        rng.randint(8, 20))

    # --- the first visit, a conference, withdrawals ---------------------------------------

    def _plan_registration(self, person: Person) -> None:
        """Registered with consent at the desk on the first day, before any consultation."""
        rng, pool = self.rng, self.run.working_days()
        if person.first_day is None:
            # Without a case: most came early on, some only came today.
            roll = rng.random()
            person.first_day = rng.choice(pool[:15] if roll < 0.35 else
                                          pool[-3:] if roll < 0.45 else pool)
        elif rng.random() < 0.3:
            earlier = [d for d in self.days if d < person.first_day][-15:]
            person.first_day = rng.choice(earlier) if earlier else person.first_day
        that_day = [a.moment for a in self.appointments
                    if a.person is person and self.run.day_of(a.moment) == person.first_day]
        if that_day:
            person.registered_at = min(that_day) - timedelta(minutes=rng.randint(18, 28))
        else:
            person.registered_at = self.run.moment(person.first_day, 9, rng.randint(5, 7 * 60 + 30))
        method = rng.choices(list(ConsentMethod), weights=[80, 12, 8])[0]
        self.run.at(person.registered_at, _register, person, self.desk, method)

    def _plan_conference(self) -> None:
        """통합사례회의 for one person on basic livelihood with open cases at welfare,
        self-support and employment, a week after the last of them opened."""
        by_kind = {a.kind: a for a in self.agencies if self.caseworkers[a.id]}
        kinds = [k for k in (K.WELFARE, K.SELF_SUPPORT, K.EMPLOYMENT) if k in by_kind]
        with_cases = {plan.person for plan in self.cases}
        person = next((p for p in self.people if p not in with_cases
                       and "basic_livelihood" in p.persona.types), None)
        if len(kinds) < 2 or person is None:
            return
        start = self.days[len(self.days) // 3]
        plans = [self._plan_case(person, by_kind[kind], CaseStatus.ACTIVE, None,
                                 self.run.add_working_days(start, 2 * index))
                 for index, kind in enumerate(kinds)]
        plans = [plan for plan in plans if plan is not None]
        if len(plans) < 2:
            return
        held_on = self.run.add_working_days(max(self.run.day_of(p.opened.moment) for p in plans), 5)
        self.run.at(self.run.moment(held_on, 14, 0), _hold_conference, person, plans)

    def _plan_withdrawals(self) -> None:
        """One person, whose cases are all closed, withdraws every consent and is not seen
        again; another withdraws consent to sharing with other agencies."""
        rng, cut = self.rng, self.days[-10]
        closing = defaultdict(list)
        for plan in self.cases:
            closing[plan.person].append(plan.closes_at)
        leavers = [p for p, ends in closing.items() if all(ends) and max(ends) < self.run.moment(cut, 0)]
        if leavers:
            person = rng.choice(leavers)
            person.leaves_on = self.run.add_working_days(self.run.day_of(max(closing[person])),
                                                         rng.randint(3, 6))
            self.run.at(self.run.moment(person.leaves_on, 10, rng.randint(0, 50)), _withdraw,
                        person, self.desk, True)
        sharers = [p for p in self.people if p.sharing and not p.withdraws and p.first_day < cut]
        if sharers:
            person = rng.choice(sharers)
            person.sharing_withdrawn_on = rng.choice(self.days[-10:])
            self.run.at(self.run.moment(person.sharing_withdrawn_on, 11, rng.randint(0, 50)),
                        _withdraw, person, self.desk, False)


# --- the steps (run at their moment, the clock moved there) --------------------------------

def _register(person: Person, desk: Staff, method: ConsentMethod) -> None:
    person.client = register_with_consent(
        desk, person.centre, dict(person.values), rrn=None, method=method,
        third_party_agency_ids=[a.id for a in person.sharing] or None)


def _open_case(plan: CasePlan, summary: str) -> None:
    plan.case = casework.open_case(plan.caseworker, plan.person.client, priority=plan.priority,
                                   summary=summary, visit_id=plan.opened.visit_id)


def _assess(plan: CasePlan, ratings: dict[NeedDomain, Level], crisis: Level, notes: str) -> None:
    casework.record_assessment(plan.caseworker, plan.case, assessed_on=local_today(),
                               ratings=ratings, crisis_level=crisis, notes=notes)


def _transition(plan: CasePlan, action: str, note: str, reason: ClosureReason | None = None,
                follow_up_on: date | None = None) -> None:
    casework.transition(plan.caseworker, plan.case, action, version=plan.case.version,
                        reason=reason, note=note, follow_up_on=follow_up_on)


def _add_goal(plan: CasePlan, goal: tuple, weeks: int) -> None:
    domain, description, service_name, unmet = goal
    service_id = db.session.scalar(
        sa.select(Service.id).join(CentreService, CentreService.service_id == Service.id)
        .where(CentreService.centre_id == plan.case.centre_id, Service.name == service_name)
    ) if service_name else None
    casework.add_goal(plan.caseworker, plan.case, {
        "domain": domain, "description": description, "service_id": service_id,
        "service_name": service_name, "target_date": local_today() + timedelta(weeks=weeks),
        "status": GoalStatus.NO_SERVICE if unmet else GoalStatus.PLANNED})


def _open_goals(plan: CasePlan) -> list[PlanGoal]:
    return list(db.session.scalars(sa.select(PlanGoal).where(
        PlanGoal.case_id == plan.case.id, PlanGoal.status.in_(OPEN_GOAL_STATUSES))
        .order_by(PlanGoal.id)))


def _move_goal(plan: CasePlan) -> None:
    """The next goal still only planned gets going; when all are going, one is reached."""
    goals = _open_goals(plan)
    planned = [g for g in goals if g.status == GoalStatus.PLANNED]
    if planned:
        casework.set_goal_status(plan.caseworker, plan.case, planned[0], GoalStatus.IN_PROGRESS)
    elif goals:
        casework.set_goal_status(plan.caseworker, plan.case, goals[0], GoalStatus.ACHIEVED)


def _settle_goals(plan: CasePlan, status: GoalStatus) -> None:
    for goal in _open_goals(plan):
        casework.set_goal_status(plan.caseworker, plan.case, goal, status)


def _note(plan: CasePlan, kind: NoteKind, body: str, confidential: bool) -> None:
    casework.add_note(plan.caseworker, plan.case, kind=kind, body=body,
                      is_confidential=confidential)


def _hold_conference(person: Person, plans: list[CasePlan]) -> None:
    participants = list({plan.caseworker.id: plan.caseworker for plan in plans}.values())
    today = local_today()
    actions = [{"description": description, "owner_id": plan.caseworker.id,
                "due_on": today + timedelta(days=14)}
               for description, plan in zip(texts.CONFERENCE_ACTIONS, plans, strict=False)]
    casework.hold_conference(plans[0].caseworker, person.client, held_on=today,
                             agenda=texts.CONFERENCE_AGENDA, decisions=texts.CONFERENCE_DECISIONS,
                             cases=[plan.case for plan in plans], participants=participants,
                             actions=actions)
    for plan in plans:
        casework.add_note(plan.caseworker, plan.case, kind=NoteKind.CONFERENCE,
                          body=texts.CONFERENCE_NOTE, is_confidential=False)


def _withdraw(person: Person, desk: Staff, everything: bool) -> None:
    query = sa.select(Consent).join(ConsentDocument).where(
        Consent.client_id == person.client.id, Consent.withdrawn_at.is_(None))
    if not everything:
        query = query.where(ConsentDocument.kind == ConsentKind.THIRD_PARTY)
    for consent in db.session.scalars(query.order_by(Consent.id)):
        withdraw_consent(desk, consent, texts.WITHDRAWAL_NOTES[everything])
