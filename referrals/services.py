"""Referral rules: sending, the state machine, notifications, visibility.

Allowed transitions are written once, in ``TRANSITIONS``, and each has its small function
(:func:`accept`, :func:`decline` …; :func:`transition` finds it by name for the routes, whose
action lists are the table's keys). A referral carries a version
column; two caseworkers acting on it at once cannot both win (the loser gets
:class:`ReferralConflict`).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cases import services as casework
from cases.identity import format_phone
from cases.models import Case, CaseStatus, Priority
from cases.people import may_share_with
from catalogue.models import CentreService
from centers.models import Agency, Staff
from core import audit, states
from core.clock import SEOUL, local_today
from core.errors import ConflictError, NotAllowedError, RefusedError
from core.extensions import db
from core.holidays import holiday_days
from core.roles import Role
from core.states import Transition
from core.types import utcnow
from core.working_time import add_working_hours
from intake import services as intake
from intake.models import Visit, VisitStatus
from referrals import notifications
from referrals.models import (
    OPEN_STATUSES,
    ContactPreference,
    DeclineReason,
    NotificationKind,
    Outcome,
    PartnerReferral,
    PartnerReferralEvent,
    Referral,
    ReferralEvent,
    ReferralStatus,
    Urgency,
)


class ReferralError(RefusedError):
    """A refused referral change; the message is shown to the user."""


class ReferralConflict(ReferralError, ConflictError):
    """Someone else changed the referral first."""


class ReferralNotAllowed(NotAllowedError, ReferralError):
    """The actor's agency is not the side that takes this step."""


RECEIVING, SENDING = "receiving", "sending"


@dataclass(frozen=True, kw_only=True)
class ReferralTransition(Transition):
    side: str  # which agency's caseworkers may apply it
    tells_sender: bool = False  # the sender is notified: the answer, the end of the loop


_NEW = frozenset({ReferralStatus.SENT, ReferralStatus.RECEIVED})
TRANSITIONS = {
    "receive": ReferralTransition(sources=frozenset({ReferralStatus.SENT}),
                                  target=ReferralStatus.RECEIVED, side=RECEIVING,
                                  label=_l("접수확인")),
    "accept": ReferralTransition(sources=_NEW, target=ReferralStatus.ACCEPTED, side=RECEIVING,
                                 tells_sender=True, label=_l("수락")),
    "decline": ReferralTransition(sources=_NEW, target=ReferralStatus.DECLINED, side=RECEIVING,
                                  tells_sender=True, label=_l("반려")),
    "start": ReferralTransition(sources=frozenset({ReferralStatus.ACCEPTED}),
                                target=ReferralStatus.IN_PROGRESS, side=RECEIVING,
                                label=_l("진행")),
    "complete": ReferralTransition(
        sources=frozenset({ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS}),
        target=ReferralStatus.COMPLETED, side=RECEIVING, tells_sender=True,
        label=_l("완료")),
    "cancel": ReferralTransition(sources=frozenset(OPEN_STATUSES), target=ReferralStatus.CANCELLED,
                                 side=SENDING, label=_l("취소")),
}


def side_of(actor: Staff, referral: Referral) -> str | None:
    if actor.role != Role.CASEWORKER:
        return None
    if actor.agency_id == referral.to_agency_id:
        return RECEIVING
    if actor.agency_id == referral.from_agency_id:
        return SENDING
    return None


# --- who may do what: asked by the services below, the views, the templates and the API -----

def may_send(actor: Staff, case: Case) -> bool:
    """Caseworkers of the case's agency refer from it while it is not closed."""
    return casework.may_edit_case(actor, case) and case.status != CaseStatus.CLOSED


def may_act(actor: Staff, referral: Referral, action: str) -> bool:
    """A transition of ``TRANSITIONS``, by its side's agency, from one of its source states."""
    rule = TRANSITIONS.get(action)
    return (rule is not None and side_of(actor, referral) == rule.side
            and referral.status in rule.sources)


def allowed_actions(actor: Staff, referral: Referral) -> list[str]:
    """The steps the actor may take now."""
    return [name for name in TRANSITIONS if may_act(actor, referral, name)]


def may_resend(actor: Staff, referral: Referral) -> bool:
    """The sender passes a declined referral on to another agency, if the case is still open."""
    return referral.status == ReferralStatus.DECLINED and may_send(actor, referral.from_case)


# --- sending -----------------------------------------------------------------------------

def send(actor: Staff, case: Case, to_agency: Agency, *, reason: str, needs: str = "",
         urgency: Urgency = Urgency.NORMAL,
         contact_preference: ContactPreference = ContactPreference.PHONE,
         service_id: int | None = None, resent_from: Referral | None = None) -> Referral:
    """Refer the person of ``case`` to another agency of the same centre.

    :raise ReferralError: no sharing consent for that agency, a duplicate open referral,
        an agency of another centre or the sender's own, a service not offered there.
    """
    _require_sender(actor, case)
    if to_agency.centre_id != case.centre_id or not to_agency.is_visible:
        raise ReferralError(_("이 센터에서 운영하는 기관에만 의뢰할 수 있습니다."))
    if to_agency.id == case.agency_id:
        raise ReferralError(_("자기 기관에는 의뢰할 수 없습니다."))
    if not reason.strip():
        raise ReferralError(_("의뢰 사유를 적으세요."))
    if not may_share_with(case.client, to_agency.id, local_today()):
        raise ReferralError(_(
            "이 분은 %(agency)s에 개인정보를 제공하는 데 동의하지 않았거나 동의를 철회했습니다. "
            "먼저 제3자 제공 동의를 받으세요.", agency=to_agency.name))
    if service_id is not None and not db.session.scalar(
        sa.select(CentreService.id).where(CentreService.centre_id == case.centre_id,
                                          CentreService.service_id == service_id)):
        raise ReferralError(_("이 센터 서비스 목록에 없는 서비스입니다."))
    if _open_referral(case.client_id, to_agency.id) is not None:
        raise ReferralError(_("같은 기관에 이미 진행 중인 의뢰가 있습니다."))
    now = utcnow()
    referral = Referral(
        centre_id=case.centre_id, client_id=case.client_id, from_case_id=case.id,
        from_agency_id=case.agency_id, to_agency_id=to_agency.id, service_id=service_id,
        reason=reason.strip(), needs=needs.strip(), urgency=urgency,
        contact_preference=contact_preference, status=ReferralStatus.SENT, sent_by_id=actor.id,
        sent_at=now, due_at=add_working_hours(now, to_agency.response_target_hours, holiday_days()),
        resent_from_id=resent_from.id if resent_from else None,
    )
    db.session.add(referral)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError as error:  # someone sent the same one a moment earlier
        raise ReferralError(_("같은 기관에 이미 진행 중인 의뢰가 있습니다.")) from error
    _event(referral, actor, None, ReferralStatus.SENT, referral.reason)
    notifications.notify_agency(referral, to_agency.id,
                   _("새 의뢰: %(a)s에서 보냄", a=referral.from_agency.name))
    audit.record("referral.sent", actor=actor, subject=referral, client_id=case.client_id,
                 detail={"to_agency_id": to_agency.id, "urgency": urgency.value,
                         "resent_from": referral.resent_from_id})
    return referral


def _require_sender(actor: Staff, case: Case) -> None:
    """Refuse what :func:`may_send` refuses, saying which of its two reasons it was."""
    if not casework.may_edit_case(actor, case):
        raise ReferralNotAllowed(_("자기 기관의 사례에서만 의뢰할 수 있습니다."))
    if not may_send(actor, case):
        raise ReferralError(_("종결된 사례에서는 의뢰할 수 없습니다."))


def _open_referral(client_id: int, to_agency_id: int) -> Referral | None:
    return db.session.scalar(sa.select(Referral).where(
        Referral.client_id == client_id, Referral.to_agency_id == to_agency_id,
        Referral.status.in_(OPEN_STATUSES)))


# --- transitions: one function per action of TRANSITIONS ----------------------------------

def receive(actor: Staff, referral: Referral, *, note: str = "") -> None:
    """의뢰 → 접수확인: the receiving agency confirms it has the referral."""
    _require(actor, referral, "receive")
    referral.received_at = utcnow()
    _move(actor, referral, "receive", note.strip())


def accept(actor: Staff, referral: Referral, *, assignee: Staff | None = None,
           note: str = "") -> None:
    """Accept: a caseworker of the receiving agency (the actor unless ``assignee`` names
    another) takes it on, and the person's case there is opened or linked."""
    _require(actor, referral, "accept")
    assignee = assignee or actor
    if (assignee.agency_id != referral.to_agency_id or assignee.role != Role.CASEWORKER
            or not assignee.is_active_account):
        raise ReferralError(_("담당자는 받는 기관의 사례관리자여야 합니다."))
    _answered(referral, utcnow())
    previous = _claim(referral, "accept")
    _open_receiving_case(actor, referral, assignee)
    _record(actor, referral, "accept", previous, note.strip())


def decline(actor: Staff, referral: Referral, *, decline_reason: DeclineReason | None = None,
            note: str = "") -> None:
    """Decline, with a coded reason and a note saying why."""
    note = note.strip()
    _require(actor, referral, "decline")
    if decline_reason is None or not note:
        raise ReferralError(_("반려 사유와 설명을 모두 적으세요."))
    now = utcnow()
    referral.decline_reason = decline_reason
    _closed(referral, note, now)
    _answered(referral, now)
    _move(actor, referral, "decline", note, decline_reason=decline_reason)


def start(actor: Staff, referral: Referral, *, note: str = "") -> None:
    """The receiving agency has begun the service (수락 → 진행)."""
    _require(actor, referral, "start")
    _move(actor, referral, "start", note.strip())


def complete(actor: Staff, referral: Referral, *, outcome: Outcome | None = None,
             note: str = "") -> None:
    """Close the loop with a coded outcome."""
    note = note.strip()
    _require(actor, referral, "complete")
    if outcome is None:
        raise ReferralError(_("결과를 고르세요."))
    referral.outcome = outcome
    _closed(referral, note, utcnow())
    _move(actor, referral, "complete", note, outcome=outcome)


def cancel(actor: Staff, referral: Referral, *, note: str = "") -> None:
    """The sending agency withdraws an open referral, saying why."""
    note = note.strip()
    _require(actor, referral, "cancel")
    if not note:
        raise ReferralError(_("취소 사유를 적으세요."))
    _closed(referral, note, utcnow())
    _move(actor, referral, "cancel", note)


# The function of each action of TRANSITIONS, for the routes that take the action's name.
STEPS = {"receive": receive, "accept": accept, "decline": decline, "start": start,
         "complete": complete, "cancel": cancel}


def transition(actor: Staff, referral: Referral, action: str, *, note: str = "",
               decline_reason: DeclineReason | None = None, outcome: Outcome | None = None,
               assignee: Staff | None = None) -> None:
    """Apply the action a route names (a key of ``TRANSITIONS``), passing on those of the
    details its function takes: a form carries all its fields whatever the button."""
    step = STEPS.get(action)
    if step is None:
        raise ReferralError(_("알 수 없는 처리입니다."))
    given = {"note": note, "decline_reason": decline_reason, "outcome": outcome,
             "assignee": assignee}
    takes = inspect.signature(step).parameters
    step(actor, referral, **{name: value for name, value in given.items() if name in takes})


def _require(actor: Staff, referral: Referral, action: str) -> None:
    """Refuse what :func:`may_act` refuses, saying whether it was the side or the state."""
    if side_of(actor, referral) != TRANSITIONS[action].side:
        raise ReferralNotAllowed(_("이 의뢰에 이 처리를 할 수 있는 기관이 아닙니다."))
    if not may_act(actor, referral, action):
        raise ReferralError(_("지금 상태(%(s)s)에서는 할 수 없는 처리입니다.",
                              s=referral.status.label))


def _answered(referral: Referral, now) -> None:
    """An accept or a decline answers the referral (and confirms receipt, if not yet)."""
    referral.responded_at = now
    referral.received_at = referral.received_at or now


def _closed(referral: Referral, note: str, now) -> None:
    referral.closing_note = note
    referral.closed_at = now


def _move(actor: Staff, referral: Referral, action: str, note: str, **detail) -> None:
    _record(actor, referral, action, _claim(referral, action), note, **detail)


def _claim(referral: Referral, action: str) -> ReferralStatus:
    """Set the action's target state and flush: of two desks acting at once, only one gets
    past here (the other gets :class:`ReferralConflict`). Returns the state it left."""
    previous = referral.status
    referral.status = TRANSITIONS[action].target
    states.flush_or_conflict(_stale())
    return previous


def _record(actor: Staff, referral: Referral, action: str, previous: ReferralStatus,
            note: str, *, decline_reason: DeclineReason | None = None,
            outcome: Outcome | None = None) -> None:
    """The step's event on the referral's timeline, the sender's notification where the
    table says so, and the audit event."""
    rule = TRANSITIONS[action]
    _event(referral, actor, previous, rule.target, note)
    if rule.tells_sender:
        notifications.notify(referral.sent_by_id, referral, NotificationKind.OUTCOME,
                _("의뢰 %(s)s: %(a)s", s=rule.target.label, a=referral.to_agency.name))
    audit.record(f"referral.{action}", actor=actor, subject=referral,
                 client_id=referral.client_id,
                 detail={"from": previous.value, "to": rule.target.value,
                         "decline_reason": decline_reason.value if decline_reason else None,
                         "outcome": outcome.value if outcome else None})


def act(actor: Staff, referral: Referral, action: str, *, hand_off: bool = False,
        **details) -> bool:
    """Apply ``action`` (see :func:`transition` for ``details``); after an accept with
    ``hand_off``, add the receiving desk to the person's visit today, if they are still in the
    building (the warm hand-off). Returns whether the person was handed off."""
    transition(actor, referral, action, **details)
    if action != "accept" or not hand_off:
        return False
    return hand_off_to_todays_visit(actor, referral)


def todays_open_visit(referral: Referral) -> Visit | None:
    """The referred person's visit today, while they are still in the building."""
    return db.session.scalar(sa.select(Visit).where(
        Visit.client_id == referral.client_id, Visit.visit_date == local_today(),
        Visit.status.notin_([VisitStatus.DONE, VisitStatus.LEFT])))


def hand_off_to_todays_visit(actor: Staff, referral: Referral) -> bool:
    """The person is in the building today: put the receiving desk on their visit plan
    (once). False when they are not in the building."""
    visit = todays_open_visit(referral)
    if visit is None:
        return False
    if not any(stop.agency_id == referral.to_agency_id for stop in visit.open_stops):
        intake.hand_off(actor, visit, referral.to_agency)
    return True


def _open_receiving_case(actor: Staff, referral: Referral, assignee: Staff) -> None:
    """Assign a caseworker and open (or link) the person's case at the receiving agency."""
    referral.assigned_to_id = assignee.id
    case = casework.find_open_case(referral.client_id, referral.to_agency_id)
    if case is None:
        case = casework.open_case(
            actor, referral.client, priority=Priority.HIGH if referral.urgency == Urgency.URGENT
            else Priority.NORMAL, summary=_("의뢰 #%(n)d로 개시: %(r)s", n=referral.id,
                                            r=referral.reason), caseworker=assignee)
    referral.to_case_id = case.id
    db.session.flush()


def _stale() -> ReferralConflict:
    # Lazy: after a failed flush the session needs a rollback before the language can be read.
    return ReferralConflict(_l("다른 직원이 이 의뢰를 먼저 처리했습니다. "
                               "화면을 새로 고쳐 지금 상태를 확인하세요."))


def check_version(referral: Referral, version: int) -> None:
    """The caller's starting version must still be the referral's (the API's no-lost-update)."""
    states.check_version(referral, version, _stale())


def mark_received(actor: Staff, referral: Referral) -> bool:
    """The receiving agency confirms it has seen it: 의뢰 → 접수확인 (the demo's helper; pages
    and the API take the ``receive`` step like any other)."""
    if referral.status != ReferralStatus.SENT or side_of(actor, referral) != RECEIVING:
        return False
    receive(actor, referral)
    return True


def resend(actor: Staff, declined: Referral, to_agency: Agency) -> Referral:
    """Send a declined referral to another agency in one step, keeping the link."""
    if declined.status != ReferralStatus.DECLINED:
        raise ReferralError(_("반려된 의뢰만 다른 기관에 다시 보낼 수 있습니다."))
    _require_sender(actor, declined.from_case)
    if to_agency.id == declined.to_agency_id:
        raise ReferralError(_("반려한 기관이 아닌 다른 기관을 고르세요."))
    return send(actor, declined.from_case, to_agency, reason=declined.reason,
                needs=declined.needs, urgency=declined.urgency,
                contact_preference=declined.contact_preference, resent_from=declined)


def _event(referral: Referral, actor: Staff, from_status, to_status, note: str) -> None:
    db.session.add(ReferralEvent(referral_id=referral.id, actor_id=actor.id,
                                 from_status=from_status, to_status=to_status, note=note))


def slip_data(referral: Referral) -> dict[str, str | bool]:
    """What the referral slip prints, as plain strings (the PDF gets no live ORM objects)."""
    def local(moment) -> str:
        return moment.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")

    result = referral.outcome or referral.decline_reason
    return {
        "number": str(referral.id), "centre": referral.from_case.centre.name,
        "sent_at": local(referral.sent_at), "due_at": local(referral.due_at),
        "urgent": referral.urgency == Urgency.URGENT,
        "from_agency": referral.from_agency.name, "sender": referral.sent_by.display_name,
        "to_agency": referral.to_agency.name, "to_desk": referral.to_agency.desk_location,
        "status": referral.status.label, "result": result.label if result else "",
        "person": referral.client.name, "birth_date": referral.client.birth_date.isoformat(),
        "contact": referral.contact_preference.label, "reason": referral.reason,
        # The number the receiving agency calls back on: the person agreed to share it with
        # that agency (a referral needs their third-party consent naming it).
        "phone": format_phone(referral.client.phone) if referral.client.phone and (
            referral.contact_preference != ContactPreference.VISIT) else "",
        "needs": referral.needs, "service": referral.service.name if referral.service else "",
    }


# --- retention (cases.retention) -----------------------------------------------------------

def referral_activity() -> list[sa.Select]:
    """A referral sent or closed is activity of its person."""
    return [sa.select(Referral.client_id, Referral.sent_at),
            sa.select(Referral.client_id, Referral.closed_at),
            sa.select(PartnerReferral.client_id, PartnerReferral.sent_at),
            sa.select(PartnerReferral.client_id, PartnerReferral.closed_at)]


def erase_referral_text(client_ids: list[int]) -> None:
    """What was written about the person in their referrals."""
    from cases.retention import ERASED

    db.session.execute(sa.update(Referral).where(Referral.client_id.in_(client_ids))
                       .values(reason=ERASED, needs="", closing_note=""))
    db.session.execute(sa.update(ReferralEvent).where(ReferralEvent.referral_id.in_(
        sa.select(Referral.id).where(Referral.client_id.in_(client_ids)))).values(note=""))
    db.session.execute(sa.update(PartnerReferral).where(PartnerReferral.client_id.in_(client_ids))
                       .values(reason=ERASED, needs="", closing_note="", response_note=""))
    db.session.execute(sa.update(PartnerReferralEvent).where(
        PartnerReferralEvent.partner_referral_id.in_(sa.select(PartnerReferral.id).where(
            PartnerReferral.client_id.in_(client_ids)))).values(note=""))
