"""Visits: registration with a ticket number, the desk-by-desk plan and its transitions.

The allowed transitions of a desk stop are written once, in ``STOP_TRANSITIONS``. Two
desks acting on the same visit at once cannot both win: ``Visit.version`` is checked by
every UPDATE, and the loser gets :class:`VisitConflict`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cases.models import Client
from cases.people import DESK_ROLES, has_collection_consent
from cases.services import may_open_case
from catalogue.matching import suggest_services
from centers.models import Agency, Centre, Domain, Staff
from core import audit, states
from core.clock import local_today
from core.database import insert_if_missing
from core.errors import ConflictError, NotAllowedError, RefusedError
from core.extensions import db
from core.roles import Role
from core.states import Transition
from core.types import utcnow
from intake.models import (
    StopStatus,
    TicketCounter,
    Visit,
    VisitPurpose,
    VisitStatus,
    VisitStop,
    VisitSuggestion,
)


class VisitError(RefusedError):
    """A refused visit change; the message is shown to the user."""


class VisitConflict(VisitError, ConflictError):
    """Someone else changed the visit first."""


class VisitStateError(VisitError):
    """Not possible in the visit's current state (it ended, or its desk is elsewhere)."""


class VisitNotAllowed(NotAllowedError, VisitError):
    """The actor may not act on this desk, or on this visit."""


PARTY_SIZE_MAX = 20
NOTE_MAX = 500


@dataclass(frozen=True, kw_only=True)
class StopTransition(Transition):
    visit_status: VisitStatus  # what the whole visit shows while its current desk is there


_NOT_STARTED = frozenset({StopStatus.WAITING, StopStatus.CALLED})
STOP_TRANSITIONS = {
    "call": StopTransition(sources=_NOT_STARTED, target=StopStatus.CALLED,
                           visit_status=VisitStatus.CALLED),
    "start": StopTransition(sources=_NOT_STARTED, target=StopStatus.IN_SERVICE,
                            visit_status=VisitStatus.IN_SERVICE),
    "finish": StopTransition(sources=frozenset({StopStatus.IN_SERVICE}), target=StopStatus.DONE,
                             visit_status=VisitStatus.DONE),
}
CLOSED_VISIT = (VisitStatus.DONE, VisitStatus.LEFT)


# --- registration ------------------------------------------------------------------------

#: A ticket names at most this many desks (the visit form's four desk fields).
PLAN_MAX = 4


def propose_plan(centre: Centre, purposes) -> list[Agency]:
    """The desks a visit for ``purposes`` should go to, in the order the purposes were given:
    each purpose's agencies at this centre (an agency serves its kind's domain), once each, at
    most four. The desk confirms or changes them before the ticket is issued."""
    wanted = []
    for purpose in purposes:
        try:
            domain = Domain(purpose)
        except ValueError:
            continue
        if domain not in wanted:
            wanted.append(domain)
    agencies = centre.visible_agencies()
    plan = [agency for domain in wanted for agency in agencies if agency.kind.domain == domain]
    return plan[:PLAN_MAX]


def plan_by_purpose(centre: Centre) -> dict[str, list[int]]:
    """For each purpose offered here, the ids of the desks :func:`propose_plan` gives it (the
    visit form carries them, so its script proposes desks as purposes are ticked)."""
    return {domain.value: [a.id for a in propose_plan(centre, [domain])]
            for domain in centre.offered_domains()}


def register_visit(
    actor: Staff, centre: Centre, *, client: Client | None, purposes: list[Domain],
    plan: list[Agency], note: str = "", party_size: int = 1, submission_key: str | None = None,
    priority: bool = False,
) -> Visit:
    """Register today's visit with its purposes and desk plan, and issue its ticket.

    ``client`` None makes an anonymous visit (no personal data: purpose and counts only).
    ``submission_key`` is the form's one-time token (see :func:`submitted_visit`); two
    concurrent posts of one form cannot both insert it (a unique key: the second fails).
    ``priority`` puts the visitor ahead of the walk-ins at the first desk (someone who booked
    that desk, checked in by :mod:`appointments`).
    """
    if actor.role not in DESK_ROLES or actor.centre_id != centre.id:
        raise VisitNotAllowed(_("방문은 이 센터의 안내데스크와 센터 관리자가 접수합니다."))
    offered = set(centre.offered_domains())
    if not purposes:
        raise VisitError(_("방문 목적을 하나 이상 고르세요."))
    if not set(purposes) <= offered:
        raise VisitError(_("이 센터에서 제공하지 않는 방문 목적이 있습니다."))
    if not plan:
        raise VisitError(_("안내할 창구를 하나 이상 고르세요."))
    visible = {agency.id for agency in centre.visible_agencies()}
    if any(agency.id not in visible for agency in plan):
        raise VisitError(_("이 센터에서 운영하지 않는 창구가 있습니다."))
    if len({agency.id for agency in plan}) != len(plan):
        raise VisitError(_("같은 창구를 두 번 넣을 수 없습니다."))
    if client is not None and client.centre_id != centre.id:
        raise VisitError(_("다른 센터의 방문자입니다."))
    if client is not None and not has_collection_consent(client, local_today()):
        raise VisitError(_("개인정보 수집·이용 동의가 없거나 철회되었습니다. "
                           "동의를 받거나 익명 방문으로 접수하세요."))
    now, today = utcnow(), local_today()
    visit = Visit(
        centre_id=centre.id, client_id=client.id if client else None, party_size=party_size,
        visit_date=today, ticket_number=_next_ticket(centre.id, today, plan[0].kind.ticket_prefix),
        status=VisitStatus.WAITING, note=note.strip(), arrived_at=now, registered_by_id=actor.id,
        submission_key=submission_key or None,
    )
    visit.purposes = [VisitPurpose(domain=domain) for domain in purposes]
    visit.stops = [
        VisitStop(agency_id=agency.id, position=index,
                  status=StopStatus.WAITING if index == 0 else StopStatus.PLANNED,
                  queued_at=now if index == 0 else None, is_priority=priority and index == 0)
        for index, agency in enumerate(plan)
    ]
    visit.suggestions = _suggestions_for(centre, client, purposes, today)
    db.session.add(visit)
    db.session.flush()
    audit.record("visit.registered", actor=actor, subject=visit,
                 client_id=visit.client_id, centre_id=centre.id,
                 detail={"ticket": visit.ticket_number, "purposes": [p.value for p in purposes],
                         "plan": [a.id for a in plan], "anonymous": client is None,
                         "priority": priority})
    return visit


def api_submission_key(actor: Staff, idempotency_key: str) -> str:
    """The submission key of an API registration: the caller's ``Idempotency-Key`` hashed
    with their account (two callers' keys never meet), in the column's 32 characters."""
    digest = hashlib.sha256(f"{actor.id}:{idempotency_key}".encode()).hexdigest()
    return "api-" + digest[:28]


def same_registration(visit: Visit, *, client: Client | None, purposes: list[Domain],
                      plan: list[Agency], note: str = "", party_size: int = 1) -> bool:
    """Does a repeated registration ask for what ``visit`` already is (same person, purposes,
    desk plan in order, note and party size)?"""
    return (visit.client_id == (client.id if client else None)
            and {p.domain for p in visit.purposes} == set(purposes)
            and [s.agency_id for s in sorted(visit.stops, key=lambda s: s.position)]
            == [a.id for a in plan]
            and visit.note == (note or "").strip() and visit.party_size == party_size)


def submitted_visit(centre: Centre, submission_key: str | None) -> Visit | None:
    """The visit an earlier post of the same registration form made, if any."""
    if not submission_key:
        return None
    return db.session.scalar(sa.select(Visit).where(Visit.centre_id == centre.id,
                                                    Visit.submission_key == submission_key))


SUGGESTIONS_PER_VISIT = 8


def _suggestions_for(centre: Centre, client: Client | None, purposes: list[Domain],
                     today) -> list[VisitSuggestion]:
    """Services the visitor may not know about, from who they are and why they came."""
    found = suggest_services(
        centre,
        customer_types={t.code for t in client.customer_types} if client else set(),
        domains={p.value for p in purposes},
        age=client.age_on(today) if client else None,
        sex=client.sex.value if client else None,
        household_size=client.household_size if client else None,
        home=client.address_sigungu if client else None,
        types_known=client is not None,
        limit=SUGGESTIONS_PER_VISIT,
    )
    return [
        VisitSuggestion(service_id=s.service.id, rank=rank, reasons=list(s.reason_codes),
                        met=list(s.met), to_check=list(s.to_check),
                        agency_id=s.offer.agency_id if s.offer else None,
                        desk=s.offer.desk_location if s.offer else "")
        for rank, s in enumerate(found)
    ]


def _next_ticket(centre_id: int, day, prefix: str) -> str:
    """Bump the day's counter in one atomic UPDATE, so two desks never get one number."""
    insert_if_missing(TicketCounter, {"centre_id": centre_id, "day": day, "prefix": prefix,
                                      "last_number": 0})
    number = db.session.execute(
        sa.update(TicketCounter)
        .where(TicketCounter.centre_id == centre_id, TicketCounter.day == day,
               TicketCounter.prefix == prefix)
        .values(last_number=TicketCounter.last_number + 1)
        .returning(TicketCounter.last_number)
        # No counter is ever loaded as an object: nothing in the session to bring up to date
        # (and a long session, like seed-demo's, is not scanned for one at every ticket).
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return f"{prefix}-{number:03d}"


# --- who may do what: asked by the services below, the views, the templates and the API -----

def may_register_visit(actor: Staff, centre: Centre, client: Client | None = None) -> bool:
    """The front desk and the manager register visits at their centre; a person's visit only
    while their collection consent is in force (otherwise it is registered anonymously)."""
    if actor.role not in DESK_ROLES or actor.centre_id != centre.id:
        return False
    return client is None or (client.centre_id == centre.id
                              and has_collection_consent(client, local_today()))


def may_serve(actor: Staff, stop: VisitStop) -> bool:
    """Caseworkers act on their own agency's desk; the front desk and manager on any."""
    if actor.role == Role.CASEWORKER:
        return stop.agency_id == actor.agency_id
    return actor.role in DESK_ROLES


def may_act(actor: Staff, visit: Visit, action: str) -> bool:
    """``call``/``start``/``finish`` at the visit's current desk, by whoever serves that desk,
    in the state the step starts from; ``leave`` by the front desk, the manager or the
    caseworkers of the desk the visitor is at now (not another agency's). Only while the
    visit is open."""
    if actor.centre_id != visit.centre_id or visit.status in CLOSED_VISIT:
        return False
    rule, stop = STOP_TRANSITIONS.get(action), visit.current_stop
    if action == "leave":
        return actor.role in DESK_ROLES or (stop is not None and may_serve(actor, stop))
    return (rule is not None and stop is not None and may_serve(actor, stop)
            and stop.status in rule.sources)


def visit_actions(actor: Staff, visit: Visit) -> list[str]:
    """What the actor may do with the visit now (the buttons a page shows)."""
    return [action for action in (*STOP_TRANSITIONS, "leave") if may_act(actor, visit, action)]


def may_manage_visit(actor: Staff, visit: Visit) -> bool:
    """The front desk and the manager change an open visit's plan (add or take out desks)."""
    return (actor.role in DESK_ROLES and actor.centre_id == visit.centre_id
            and visit.status not in CLOSED_VISIT)


def may_remove_stop(actor: Staff, visit: Visit, stop: VisitStop) -> bool:
    """A desk still to come (planned, waiting, called) can be taken out of the plan."""
    return (may_manage_visit(actor, visit) and stop.visit_id == visit.id
            and stop.status in (StopStatus.PLANNED, StopStatus.WAITING, StopStatus.CALLED))


def may_call_next(actor: Staff, agency: Agency) -> bool:
    """Caseworkers call their own agency's next visitor; the desk and the manager any desk's
    that the centre runs (an add-on switched off has no desk)."""
    if actor.centre_id != agency.centre_id or not agency.is_visible:
        return False
    if actor.role == Role.CASEWORKER:
        return actor.agency_id == agency.id
    return actor.role in DESK_ROLES


def may_open_case_from(actor: Staff, visit: Visit, stop: VisitStop) -> bool:
    """The caseworker serving the visitor at their desk opens (or continues) the person's case."""
    return (visit.client is not None and stop.status == StopStatus.IN_SERVICE
            and may_serve(actor, stop) and may_open_case(actor, visit.client))


def _stale() -> VisitConflict:
    # Lazy: after a failed flush the session needs a rollback before the language can be read.
    return VisitConflict(_l("다른 창구에서 이 방문을 먼저 처리했습니다. 화면을 새로 고쳐 확인하세요."))


def check_version(visit: Visit, version: int | str | None) -> None:
    """When the caller says which version it saw, it must still be the visit's version."""
    states.check_version(visit, version, _stale(), required=False)


def transition(actor: Staff, visit: Visit, action: str, *,
               version: int | str | None = None) -> VisitStop:
    """Apply ``call``/``start``/``finish`` to the visit's current desk.

    When a desk finishes, the visitor moves to the next desk of the plan.
    :raise VisitStateError: not allowed from the current state; :raise VisitNotAllowed:
        another agency's desk; :raise VisitConflict: ``version`` is stale, or lost a race.
    """
    rule = STOP_TRANSITIONS[action]
    stop = visit.current_stop
    if visit.status in CLOSED_VISIT or stop is None:
        raise VisitStateError(_("이미 끝난 방문입니다."))
    if actor.centre_id != visit.centre_id or not may_serve(actor, stop):
        raise VisitNotAllowed(_("다른 기관 창구의 방문자입니다."))
    if not may_act(actor, visit, action):
        raise VisitStateError(_("지금 상태(%(s)s)에서는 할 수 없는 처리입니다.",
                                s=stop.status.label))
    check_version(visit, version)
    now = utcnow()
    stop.status = rule.target
    visit.status = rule.visit_status
    if action == "call":
        stop.called_at = now
    elif action == "start":
        stop.started_at = now
        stop.called_at = stop.called_at or now
        stop.served_by_id = actor.id
    else:
        stop.finished_at = now
        _advance(visit, now)
    states.flush_or_conflict(_stale())
    audit.record(f"visit.{action}", actor=actor, subject=visit, client_id=visit.client_id,
                 centre_id=visit.centre_id,
                 detail={"ticket": visit.ticket_number, "agency_id": stop.agency_id})
    return stop


def _advance(visit: Visit, now: datetime) -> None:
    """Queue the visitor at the next planned desk, or close the visit when none is left."""
    following = next((s for s in visit.stops if s.status == StopStatus.PLANNED), None)
    if following is None:
        visit.status = VisitStatus.DONE
        visit.finished_at = now
        return
    following.status = StopStatus.WAITING
    following.queued_at = now
    visit.status = VisitStatus.WAITING


def call_next(actor: Staff, agency: Agency) -> Visit | None:
    """Call the longest-waiting visitor of this agency, a booked one first; None when
    nobody waits.

    A visitor another desk called a moment earlier is skipped, not called twice.
    """
    if not may_call_next(actor, agency):
        raise VisitNotAllowed(_("다른 기관 창구의 방문자입니다."))
    for _attempt in range(5):
        visit = db.session.scalar(
            sa.select(Visit)
            .join(VisitStop, VisitStop.visit_id == Visit.id)
            .where(Visit.centre_id == agency.centre_id, Visit.visit_date == local_today(),
                   VisitStop.agency_id == agency.id, VisitStop.status == StopStatus.WAITING)
            .order_by(VisitStop.is_priority.desc(), VisitStop.queued_at, Visit.id)
            .limit(1)
            # PostgreSQL: a stop another desk is calling right now is skipped, not waited for
            # and lost (nine desks at once each get their own visitor). SQLite writes one
            # request at a time (core.database) and compiles no FOR UPDATE.
            .with_for_update(of=VisitStop, skip_locked=True)
        )
        if visit is None:
            return None
        try:
            with db.session.begin_nested():
                transition(actor, visit, "call")
            return visit
        except VisitConflict:
            db.session.expire_all()
    raise VisitConflict(_("호출이 몰려 있습니다. 잠시 후 다시 누르세요."))


def leave(actor: Staff, visit: Visit, *, version: int | str | None = None) -> None:
    """The visitor went home: the open desks of the plan are cancelled."""
    if visit.status in CLOSED_VISIT:
        raise VisitStateError(_("이미 끝난 방문입니다."))
    if not may_act(actor, visit, "leave"):
        if actor.centre_id != visit.centre_id:
            raise VisitNotAllowed(_("이 센터의 방문이 아닙니다."))
        raise VisitNotAllowed(_("다른 기관 창구의 방문자입니다."))
    check_version(visit, version)
    now = utcnow()
    for stop in visit.open_stops:
        stop.status = StopStatus.SKIPPED
    visit.status = VisitStatus.LEFT
    visit.finished_at = now
    states.flush_or_conflict(_stale())
    audit.record("visit.left", actor=actor, subject=visit, client_id=visit.client_id,
                 centre_id=visit.centre_id, detail={"ticket": visit.ticket_number})


def add_stop(actor: Staff, visit: Visit, agency: Agency) -> VisitStop:
    """Add a desk at the end of today's plan."""
    if visit.status in CLOSED_VISIT:
        raise VisitStateError(_("이미 끝난 방문입니다."))
    if not may_manage_visit(actor, visit):
        raise VisitNotAllowed(_("방문 계획은 안내데스크와 센터 관리자가 바꿉니다."))
    return _append_stop(actor, visit, agency)


def hand_off(actor: Staff, visit: Visit, agency: Agency) -> VisitStop:
    """Warm hand-off: the caseworker who accepted a referral for someone in the building
    today adds their own agency's desk to the visit's plan."""
    if visit.status in CLOSED_VISIT:
        raise VisitStateError(_("이미 끝난 방문입니다."))
    if actor.agency_id != agency.id or actor.centre_id != visit.centre_id:
        raise VisitNotAllowed(_("자기 기관의 창구만 방문 계획에 넣을 수 있습니다."))
    return _append_stop(actor, visit, agency)


def _append_stop(actor: Staff, visit: Visit, agency: Agency) -> VisitStop:
    if agency.centre_id != visit.centre_id or not agency.is_visible:
        raise VisitError(_("이 센터에서 운영하지 않는 창구입니다."))
    if any(s.agency_id == agency.id for s in visit.open_stops):
        raise VisitError(_("이미 안내 예정인 창구입니다."))
    has_current = visit.current_stop is not None
    stop = VisitStop(
        agency_id=agency.id, position=max(s.position for s in visit.stops) + 1,
        status=StopStatus.PLANNED if has_current else StopStatus.WAITING,
        queued_at=None if has_current else utcnow(),
    )
    visit.stops.append(stop)
    if not has_current:
        visit.status = VisitStatus.WAITING
    _touch(visit)
    states.flush_or_conflict(_stale())
    audit.record("visit.desk_added", actor=actor, subject=visit, client_id=visit.client_id,
                 centre_id=visit.centre_id, detail={"agency_id": agency.id})
    return stop


def remove_stop(actor: Staff, visit: Visit, stop: VisitStop) -> None:
    """Take a desk out of the plan; if it was the current one, the visitor moves on."""
    if stop.visit_id != visit.id or stop.status in (StopStatus.DONE, StopStatus.SKIPPED):
        raise VisitError(_("이미 끝났거나 취소된 창구입니다."))
    if stop.status == StopStatus.IN_SERVICE:
        raise VisitError(_("상담 중인 창구는 뺄 수 없습니다. 먼저 상담을 끝내세요."))
    if not may_remove_stop(actor, visit, stop):
        raise VisitNotAllowed(_("방문 계획은 안내데스크와 센터 관리자가 바꿉니다."))
    was_current = stop is visit.current_stop
    stop.status = StopStatus.SKIPPED
    if was_current:
        _advance(visit, utcnow())
    _touch(visit)
    states.flush_or_conflict(_stale())
    audit.record("visit.desk_removed", actor=actor, subject=visit, client_id=visit.client_id,
                 centre_id=visit.centre_id, detail={"agency_id": stop.agency_id})


def _touch(visit: Visit) -> None:
    """Mark the visit row dirty so its version is checked and bumped on flush."""
    sa.orm.attributes.flag_modified(visit, "status")


# --- who sees visits (the scoped reads built on it are in intake.queries) -------------------

def visits_visible_to(actor: Staff) -> sa.Select:
    """Visits of the actor's own centre; the administrator sees none (no personal data)."""
    query = sa.select(Visit)
    if actor.role == Role.ADMIN or actor.centre_id is None:
        return query.where(sa.false())
    return query.where(Visit.centre_id == actor.centre_id)


# --- retention (cases.retention) -----------------------------------------------------------

def visit_activity() -> list[sa.Select]:
    """A visit is activity of the person who came."""
    return [sa.select(Visit.client_id, Visit.arrived_at).where(Visit.client_id.is_not(None))]


def erase_visit_notes(client_ids: list[int]) -> None:
    db.session.execute(sa.update(Visit).where(Visit.client_id.in_(client_ids)).values(note=""))
