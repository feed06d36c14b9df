"""Case records: opening, the lifecycle, assessments, plans, notes and case conferences.

The lifecycle's allowed transitions are written once, in ``CASE_TRANSITIONS``. Cases and
notes carry a version column: saving from a stale version raises :class:`CaseConflict`
and the caller keeps the user's text.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cases.models import (
    CONTACT_KINDS,
    Assessment,
    Case,
    CaseEvent,
    CaseNote,
    CaseNoteRevision,
    CaseStatus,
    Client,
    ClosureReason,
    Conference,
    FollowUpAction,
    GoalStatus,
    Level,
    NeedDomain,
    NoteKind,
    PlanGoal,
    Priority,
)
from centers.models import Centre, Staff
from core import audit, states
from core.clock import local_today
from core.database import days_before
from core.errors import ConflictError, NotAllowedError, RefusedError
from core.extensions import db
from core.roles import Role
from core.states import Transition
from core.types import utcnow

# Who reads case records (the front desk and the administrator do not), and who writes them.
CASE_READERS = (Role.CASEWORKER, Role.MANAGER)
CASE_WRITERS = (Role.CASEWORKER,)


class CaseError(RefusedError):
    """A refused change; the message is shown to the user."""


class CaseConflict(CaseError, ConflictError):
    """Someone saved the same record from the same starting version first."""


class CaseStateError(CaseError):
    """Not possible in the case's current state, or another case already stands in the way."""


class CaseNotAllowed(NotAllowedError, CaseError):
    """The actor's role or agency may not do this."""


_NOT_CLOSED = frozenset({CaseStatus.OPEN, CaseStatus.ACTIVE, CaseStatus.ON_HOLD})
CASE_TRANSITIONS = {
    "activate": Transition(sources=frozenset({CaseStatus.OPEN, CaseStatus.ON_HOLD}),
                           target=CaseStatus.ACTIVE, label=_l("진행")),
    "hold": Transition(sources=frozenset({CaseStatus.OPEN, CaseStatus.ACTIVE}),
                       target=CaseStatus.ON_HOLD, label=_l("보류")),
    "close": Transition(sources=_NOT_CLOSED, target=CaseStatus.CLOSED, label=_l("종결")),
    "reopen": Transition(sources=frozenset({CaseStatus.CLOSED}), target=CaseStatus.ACTIVE,
                         label=_l("재개")),
}


# --- who may do what: asked by the services below, the views, the templates and the API -----

def may_read_cases(actor: Staff) -> bool:
    """Case records are for caseworkers and managers (not the desk, not the administrator)."""
    return actor.role in CASE_READERS


def may_edit_case(actor: Staff, case: Case) -> bool:
    """Only caseworkers of the case's own agency write in it (summary, priority, status)."""
    return actor.role == Role.CASEWORKER and actor.agency_id == case.agency_id


def may_change_status(actor: Staff, case: Case, action: str) -> bool:
    rule = CASE_TRANSITIONS.get(action)
    return rule is not None and may_edit_case(actor, case) and case.status in rule.sources


def status_actions(actor: Staff, case: Case) -> list[str]:
    """The lifecycle steps the actor may take on the case now."""
    return [name for name in CASE_TRANSITIONS if may_change_status(actor, case, name)]


def may_write_plan(actor: Staff, case: Case) -> bool:
    """Assessments and plan goals: the lead agency, while the case is not closed."""
    return may_edit_case(actor, case) and case.status != CaseStatus.CLOSED


def may_add_note(actor: Staff, case: Case) -> bool:
    """Caseworkers who may read the case (the lead agency's, and those of an agency it was
    referred to: the loader decides who reads it) write notes in it until it is closed."""
    return (actor.role == Role.CASEWORKER and actor.agency_id is not None
            and case.status != CaseStatus.CLOSED)


def may_edit_note(actor: Staff, note: CaseNote) -> bool:
    """A note is corrected only by the one who wrote it (earlier texts stay as revisions)."""
    return note.author_id == actor.id


def may_open_confidential(actor: Staff, note: CaseNote) -> bool:
    """A manager may read another agency's confidential note after stating why (audited)."""
    return actor.role == Role.MANAGER and not note_visible_to(note, actor)


def may_open_case(actor: Staff, client: Client) -> bool:
    """Caseworkers open a case at their own agency for a person of their centre."""
    return (actor.role == Role.CASEWORKER and actor.agency_id is not None
            and actor.centre_id == client.centre_id)


def may_hold_conference(actor: Staff, client: Client) -> bool:
    """Caseworkers of the person's centre record a case conference (통합사례회의)."""
    return actor.role == Role.CASEWORKER and actor.centre_id == client.centre_id


def _refuse_closed_or_not_allowed(case: Case, not_allowed: str) -> None:
    """Raise what a refused write in ``case`` means: it is closed, or it is not the actor's."""
    if case.status == CaseStatus.CLOSED:
        raise CaseStateError(_("종결된 사례입니다. 먼저 다시 여세요."))
    raise CaseNotAllowed(not_allowed)


def _stale() -> CaseConflict:
    # Lazy: after a failed flush the session needs a rollback before the language can be read.
    return CaseConflict(_l("그사이 다른 직원이 먼저 저장했습니다. 입력한 내용은 그대로 "
                           "남아 있습니다. 최신 내용을 확인한 뒤 다시 저장하세요."))


def check_version(record: Case | CaseNote, version: int | str | None) -> None:
    """The form's starting version must still be the record's version."""
    states.check_version(record, version, _stale())


# --- opening and the lifecycle -----------------------------------------------------------

def open_case(actor: Staff, client: Client, *, priority: Priority, summary: str,
              caseworker: Staff | None = None, visit_id: int | None = None) -> Case:
    """Open a case at the actor's agency. At most one open case per person per agency."""
    if not may_open_case(actor, client):
        raise CaseNotAllowed(_("사례는 이 센터 기관 소속 사례관리자가 엽니다."))
    caseworker = caseworker or actor
    if (caseworker.agency_id != actor.agency_id or caseworker.role != Role.CASEWORKER
            or not caseworker.is_active_account):
        raise CaseError(_("담당자는 같은 기관의 사례관리자여야 합니다."))
    if visit_id is not None and not _is_visit_of(visit_id, client):
        raise CaseError(_("이 사람의 방문이 아닙니다."))
    if find_open_case(client.id, actor.agency_id) is not None:
        raise CaseStateError(_("이 기관에 이미 열린 사례가 있습니다. 그 사례를 이어서 쓰세요."))
    case = Case(
        centre_id=client.centre_id, client_id=client.id, agency_id=actor.agency_id,
        caseworker_id=caseworker.id, priority=priority, summary=summary.strip(),
        status=CaseStatus.OPEN, opened_at=utcnow(), opened_from_visit_id=visit_id,
    )
    db.session.add(case)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError as error:  # another desk opened one a moment earlier
        raise CaseStateError(_("이 기관에 이미 열린 사례가 있습니다. 그 사례를 이어서 쓰세요.")) from error
    db.session.add(CaseEvent(case_id=case.id, actor_id=actor.id, from_status=None,
                             to_status=CaseStatus.OPEN))
    audit.record("case.opened", actor=actor, subject=case, client_id=client.id,
                 detail={"agency_id": case.agency_id, "visit_id": visit_id})
    return case


def _is_visit_of(visit_id: int, client: Client) -> bool:
    """Is this visit the person's, at their centre? Read through the table (the Visit model
    belongs to intake, which builds on cases, not the other way round)."""
    visits = db.metadata.tables["visits"]
    row = db.session.execute(sa.select(visits.c.client_id, visits.c.centre_id)
                             .where(visits.c.id == visit_id)).first()
    return row is not None and tuple(row) == (client.id, client.centre_id)


def find_open_case(client_id: int, agency_id: int) -> Case | None:
    return db.session.scalar(
        sa.select(Case).where(Case.client_id == client_id, Case.agency_id == agency_id,
                              Case.status != CaseStatus.CLOSED)
    )


def transition(actor: Staff, case: Case, action: str, *, version: int | str | None,
               reason: ClosureReason | None = None, note: str = "",
               follow_up_on: date | None = None) -> None:
    """Move the case along its lifecycle; closing needs a reason."""
    if not may_edit_case(actor, case):
        raise CaseNotAllowed(_("사례를 맡은 기관의 사례관리자만 상태를 바꿀 수 있습니다."))
    if not may_change_status(actor, case, action):
        raise CaseStateError(_("지금 상태(%(s)s)에서는 할 수 없는 처리입니다.", s=case.status.label))
    rule = CASE_TRANSITIONS[action]
    check_version(case, version)
    if action == "close":
        if reason is None:
            raise CaseError(_("종결 사유를 고르세요."))
        if follow_up_on and follow_up_on < local_today():
            raise CaseError(_("사후관리 날짜는 오늘 이후여야 합니다."))
        case.closed_at = utcnow()
        case.closure_reason = reason
        case.closure_note = note.strip()
        case.follow_up_on = follow_up_on
    elif action == "reopen":
        if find_open_case(case.client_id, case.agency_id) is not None:
            raise CaseStateError(_("이 기관에 이미 열린 사례가 있어 다시 열 수 없습니다."))
        case.closed_at = None
        case.closure_reason = None
        case.follow_up_on = None
    previous = case.status
    case.status = rule.target
    db.session.add(CaseEvent(case_id=case.id, actor_id=actor.id, from_status=previous,
                             to_status=rule.target, note=note.strip()[:500],
                             closure_reason=reason if action == "close" else None))
    states.flush_or_conflict(_stale())
    audit.record(f"case.{action}", actor=actor, subject=case, client_id=case.client_id,
                 detail={"from": previous.value, "to": rule.target.value,
                         "reason": reason.value if reason else None})


def update_case(actor: Staff, case: Case, *, version, priority: Priority, summary: str,
                caseworker: Staff) -> None:
    if not may_edit_case(actor, case):
        raise CaseNotAllowed(_("사례를 맡은 기관의 사례관리자만 고칠 수 있습니다."))
    check_version(case, version)
    if caseworker.agency_id != case.agency_id or caseworker.role != Role.CASEWORKER:
        raise CaseError(_("담당자는 이 기관의 사례관리자여야 합니다."))
    before = {"priority": case.priority.value, "caseworker_id": case.caseworker_id}
    case.priority, case.summary, case.caseworker_id = priority, summary.strip(), caseworker.id
    states.flush_or_conflict(_stale())
    audit.record("case.updated", actor=actor, subject=case, client_id=case.client_id,
                 detail={"before": before,
                         "after": {"priority": priority.value, "caseworker_id": caseworker.id}})


# --- assessment and plan -----------------------------------------------------------------

def record_assessment(actor: Staff, case: Case, *, assessed_on: date,
                      ratings: dict[NeedDomain, Level], crisis_level: Level,
                      notes: str) -> Assessment:
    _require_plan_writer(actor, case)
    if assessed_on > local_today():
        raise CaseError(_("조사일이 오늘보다 뒤일 수 없습니다."))
    assessment = Assessment(
        case_id=case.id, assessed_on=assessed_on, crisis_level=crisis_level,
        ratings={domain.value: level.value for domain, level in ratings.items()},
        notes=notes.strip(), author_id=actor.id,
    )
    db.session.add(assessment)
    db.session.flush()
    audit.record("case.assessed", actor=actor, subject=case, client_id=case.client_id,
                 detail={"assessment_id": assessment.id, "crisis": crisis_level.value})
    return assessment


def add_goal(actor: Staff, case: Case, values: dict[str, Any]) -> PlanGoal:
    _require_plan_writer(actor, case)
    goal = PlanGoal(case_id=case.id, created_by_id=actor.id, **values)
    _note_no_service(goal)
    db.session.add(goal)
    db.session.flush()
    audit.record("case.goal_added", actor=actor, subject=case, client_id=case.client_id,
                 detail={"goal_id": goal.id, "domain": goal.domain.value})
    return goal


def set_goal_status(actor: Staff, case: Case, goal: PlanGoal, status: GoalStatus) -> None:
    _require_plan_writer(actor, case)
    if goal.case_id != case.id:
        raise CaseError(_("이 사례의 목표가 아닙니다."))
    before = goal.status
    goal.status = status
    _note_no_service(goal)
    audit.record("case.goal_status", actor=actor, subject=case, client_id=case.client_id,
                 detail={"goal_id": goal.id, "from": before.value, "to": status.value})


def _note_no_service(goal: PlanGoal) -> None:
    """The first time a goal is recorded as "no service available" is kept: the monthly
    report counts the unmet need in that month, whatever the goal becomes later."""
    if goal.status == GoalStatus.NO_SERVICE and goal.no_service_at is None:
        goal.no_service_at = utcnow()


def _require_plan_writer(actor: Staff, case: Case) -> None:
    if not may_write_plan(actor, case):
        _refuse_closed_or_not_allowed(case, _("조사와 계획은 사례를 맡은 기관의 사례관리자가 씁니다."))


# --- notes -------------------------------------------------------------------------------

def add_note(actor: Staff, case: Case, *, kind: NoteKind, body: str,
             is_confidential: bool) -> CaseNote:
    if not may_add_note(actor, case):
        _refuse_closed_or_not_allowed(case, _("메모는 기관 소속 사례관리자가 씁니다."))
    if not body.strip():
        raise CaseError(_("내용을 입력하세요."))
    now = utcnow()
    note = CaseNote(case_id=case.id, kind=kind, body=body.strip(), is_confidential=is_confidential,
                    author_id=actor.id, agency_id=actor.agency_id, created_at=now, updated_at=now)
    db.session.add(note)
    if kind in CONTACT_KINDS:
        # A plain UPDATE: a contact note must not conflict with someone editing the summary.
        db.session.execute(sa.update(Case).where(Case.id == case.id)
                           .values(last_contact_at=now)
                           .execution_options(synchronize_session=False))
    db.session.flush()
    audit.record("case.note_added", actor=actor, subject=case, client_id=case.client_id,
                 detail={"note_id": note.id, "kind": kind.value, "confidential": is_confidential})
    return note


def edit_note(actor: Staff, note: CaseNote, *, version, kind: NoteKind, body: str,
              is_confidential: bool) -> None:
    """Keep the previous text as a revision, then save; a stale version is refused."""
    if not may_edit_note(actor, note):
        raise CaseNotAllowed(_("메모는 쓴 사람만 고칠 수 있습니다."))
    if not body.strip():
        raise CaseError(_("내용을 입력하세요."))
    check_version(note, version)
    db.session.add(CaseNoteRevision(
        note_id=note.id, version=note.version, kind=note.kind, body=note.body,
        is_confidential=note.is_confidential, edited_by_id=actor.id,
    ))
    note.kind, note.body, note.is_confidential = kind, body.strip(), is_confidential
    note.updated_at = utcnow()
    states.flush_or_conflict(_stale())
    audit.record("case.note_edited", actor=actor, subject=note,
                 client_id=db.session.get(Case, note.case_id).client_id,
                 detail={"version": note.version})


def note_visible_to(note: CaseNote, actor: Staff) -> bool:
    """A confidential note stays inside the author's agency (its caseworkers: an agency held
    by any other role would bypass the reasoned step)."""
    return not note.is_confidential or (actor.role == Role.CASEWORKER
                                        and note.agency_id == actor.agency_id)


def revision_visible_to(note: CaseNote, revision: CaseNoteRevision, actor: Staff) -> bool:
    """An earlier text that was confidential stays inside the agency, even if the note is not
    confidential any more."""
    return not revision.is_confidential or (actor.role == Role.CASEWORKER
                                            and note.agency_id == actor.agency_id)


# --- case conference ---------------------------------------------------------------------

def hold_conference(actor: Staff, client: Client, *, held_on: date, agenda: str,
                    decisions: str, cases: list[Case], participants: list[Staff],
                    actions: list[dict[str, Any]]) -> Conference:
    """Record a 통합사례회의; it appears on the timeline of every participating case."""
    if not may_hold_conference(actor, client):
        raise CaseNotAllowed(_("통합사례회의는 이 센터의 사례관리자가 기록합니다."))
    if not cases:
        raise CaseError(_("회의에 참여하는 사례를 하나 이상 고르세요."))
    if any(case.client_id != client.id for case in cases):
        raise CaseError(_("같은 사람의 사례만 함께 다룰 수 있습니다."))
    owners = {staff.id for staff in participants}
    if any(action["owner_id"] not in owners for action in actions):
        raise CaseError(_("후속 조치 담당자는 참석자 가운데에서 고르세요."))
    conference = Conference(
        centre_id=client.centre_id, client_id=client.id, held_on=held_on, agenda=agenda.strip(),
        decisions=decisions.strip(), created_by_id=actor.id, cases=cases,
        participants=participants, actions=[FollowUpAction(**a) for a in actions],
    )
    db.session.add(conference)
    db.session.flush()
    for case in cases:
        audit.record("case.conference", actor=actor, subject=case, client_id=client.id,
                     detail={"conference_id": conference.id})
    return conference


# --- time targets ------------------------------------------------------------------------

def assessment_overdue_clause(now=None):
    """SQL: an open case with no assessment past the centre's assessment target."""
    now = now or utcnow()
    no_assessment = Case.first_assessment_at.is_(None)
    due_days = sa.select(Centre.assessment_due_days).where(Centre.id == Case.centre_id)
    return sa.and_(Case.status != CaseStatus.CLOSED, no_assessment,
                   Case.opened_at < days_before(now, due_days.scalar_subquery()))


def plan_overdue_clause(now=None):
    now = now or utcnow()
    no_goal = Case.first_goal_at.is_(None)
    due_days = sa.select(Centre.plan_due_days).where(Centre.id == Case.centre_id)
    return sa.and_(Case.status != CaseStatus.CLOSED, no_goal,
                   Case.opened_at < days_before(now, due_days.scalar_subquery()))


def is_assessment_overdue(case: Case, now=None) -> bool:
    now = now or utcnow()
    return (case.status != CaseStatus.CLOSED and case.first_assessment_at is None
            and case.opened_at + timedelta(days=_centre(case).assessment_due_days) < now)


def is_plan_overdue(case: Case, now=None) -> bool:
    now = now or utcnow()
    return (case.status != CaseStatus.CLOSED and case.first_goal_at is None
            and case.opened_at + timedelta(days=_centre(case).plan_due_days) < now)


def has_overdue_goals(case: Case, today: date) -> bool:
    return any(goal.is_overdue(today) for goal in case.goals)


def _centre(case: Case) -> Centre:
    return db.session.get(Centre, case.centre_id)
