"""Referrals to partners outside the centre: sending with the person's consent, the
one-time link the partner answers through, the same closed loop as inside the centre.

The partner has no account. It acts through a :class:`PartnerLink` (a random token, only its
hash stored, expiring, revocable, each action once) or through its system's API; both call
:func:`partner_transition`. Staff steps (cancel, withdraw the consent, a new link) are
:func:`cancel`, :func:`withdraw_consent`, :func:`issue_link`. Services flush; views commit.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cases import validation
from cases.models import Case, ConsentMethod
from cases.people import has_collection_consent
from catalogue.models import CentreService
from centers.models import Staff
from core import audit, states
from core.clock import local_today
from core.errors import ConflictError, NotAllowedError, RefusedError
from core.extensions import db
from core.holidays import holiday_days
from core.roles import Role
from core.states import Transition
from core.types import utcnow
from core.working_time import add_working_hours
from partners.models import Partner
from referrals import exchange
from referrals import services as referrals
from referrals.models import (
    PARTNER_OPEN_STATUSES,
    ContactPreference,
    DeclineReason,
    MailStatus,
    Notification,
    NotificationKind,
    Outcome,
    PartnerLink,
    PartnerReferral,
    PartnerReferralEvent,
    ReferralStatus,
    ShareItem,
    Urgency,
)

LINK_DAYS = 30  # default of PARTNER_LINK_DAYS: long enough to report an outcome later


class PartnerReferralError(RefusedError):
    """A refused step; the message is shown to the user (or the partner)."""


class PartnerReferralConflict(PartnerReferralError, ConflictError):
    """Someone acted on the referral first."""


class PartnerReferralNotAllowed(NotAllowedError, PartnerReferralError):
    """Not the sending agency's caseworker."""


class LinkRefused(PartnerReferralError):
    """The link is unknown, expired, revoked, or this action was already taken through it."""


# What a partner may do, and from where (HL7 SDOH: accepted, rejected, in-progress, completed).
PARTNER_TRANSITIONS = {
    "accept": Transition(sources=frozenset({ReferralStatus.SENT}), target=ReferralStatus.ACCEPTED,
                         label=_l("수락")),
    "decline": Transition(sources=frozenset({ReferralStatus.SENT}),
                          target=ReferralStatus.DECLINED, label=_l("반려")),
    "start": Transition(sources=frozenset({ReferralStatus.ACCEPTED}),
                        target=ReferralStatus.IN_PROGRESS, label=_l("진행")),
    "complete": Transition(sources=frozenset({ReferralStatus.ACCEPTED,
                                              ReferralStatus.IN_PROGRESS}),
                           target=ReferralStatus.COMPLETED, label=_l("완료")),
}
# Through the link, answering (accept or decline) is one action and the outcome another.
LINK_ACTION = {"accept": "respond", "decline": "respond", "start": "outcome",
               "complete": "outcome"}


def _stale() -> PartnerReferralConflict:
    return PartnerReferralConflict(_l("그사이 이 의뢰가 먼저 처리되었습니다. 화면을 새로 고쳐 지금 "
                                      "상태를 확인하세요."))


# --- who may do what ------------------------------------------------------------------------

def may_send_to_partner(actor: Staff, case: Case) -> bool:
    """The same as inside the centre: the case's own agency, while the case is open."""
    return referrals.may_send(actor, case)


def may_manage(actor: Staff, referral: PartnerReferral) -> bool:
    """The sending agency's caseworkers cancel, withdraw the consent, send a new link."""
    return actor.role == Role.CASEWORKER and actor.agency_id == referral.from_agency_id


def may_cancel(actor: Staff, referral: PartnerReferral) -> bool:
    return may_manage(actor, referral) and referral.status in PARTNER_OPEN_STATUSES


def may_issue_link(actor: Staff, referral: PartnerReferral) -> bool:
    """A new link (and mail) while the partner still has something to do."""
    return (may_manage(actor, referral) and referral.status in PARTNER_OPEN_STATUSES
            and referral.consent_withdrawn_at is None)


def partner_referrals_visible_to(actor: Staff) -> sa.Select:
    """The sending agency's caseworkers, and the centre's manager."""
    query = sa.select(PartnerReferral)
    if actor.role == Role.MANAGER and actor.centre_id:
        return query.where(PartnerReferral.centre_id == actor.centre_id)
    if actor.role == Role.CASEWORKER and actor.agency_id:
        return query.where(PartnerReferral.from_agency_id == actor.agency_id)
    return query.where(sa.false())


# --- sending --------------------------------------------------------------------------------

def send(actor: Staff, case: Case, partner: Partner, *, reason: str, needs: str = "",
         urgency: Urgency = Urgency.NORMAL,
         contact_preference: ContactPreference = ContactPreference.PHONE,
         service_id: int | None = None, shared: list[str] | None = None,
         consent_method: ConsentMethod | None = None, consent_given_on: date | None = None,
         consent_confirmed: bool = False) -> PartnerReferral:
    """Refer the person of ``case`` to a partner, recording their consent to provide their
    data to it (PIPA 제17조: the recipient, the purpose, the items, how long, the right to
    refuse were told).

    :raise PartnerReferralError: no consent, an inactive partner or one of another centre,
        a duplicate open referral, a service not on the centre's list.
    """
    if not referrals.casework.may_edit_case(actor, case):
        raise PartnerReferralNotAllowed(_("자기 기관의 사례에서만 의뢰할 수 있습니다."))
    if not may_send_to_partner(actor, case):
        raise PartnerReferralError(_("종결된 사례에서는 의뢰할 수 없습니다."))
    if partner.centre_id != case.centre_id or not partner.is_active:
        raise PartnerReferralError(_("이 센터의 협력기관 가운데 의뢰를 받는 곳에만 의뢰할 수 있습니다."))
    if not partner.email:
        raise PartnerReferralError(_("이 협력기관에는 의뢰를 알릴 전자우편 주소가 없습니다. 센터 "
                                     "관리자에게 주소를 넣어 달라고 하세요."))
    if not reason.strip():
        raise PartnerReferralError(_("의뢰 사유를 적으세요."))
    if not has_collection_consent(case.client, local_today()):
        raise PartnerReferralError(_("이 분의 개인정보 수집·이용 동의가 없거나 철회되었습니다."))
    if not consent_confirmed or consent_method is None or consent_given_on is None:
        raise PartnerReferralError(_(
            "%(partner)s에 개인정보를 제공하는 데 대한 본인의 동의(제3자 제공 동의)를 받고, 동의 "
            "방법과 날짜를 적으세요.", partner=partner.name))
    try:
        validation.check_consent_given_on(consent_given_on)
    except validation.InvalidField as error:
        raise PartnerReferralError(str(error.message)) from error
    items = sorted(set(shared or []))
    if any(item not in ShareItem._value2member_map_ for item in items):
        raise PartnerReferralError(_("제공할 수 없는 항목입니다."))
    if service_id is not None and not db.session.scalar(
        sa.select(CentreService.id).where(CentreService.centre_id == case.centre_id,
                                          CentreService.service_id == service_id)):
        raise PartnerReferralError(_("이 센터 서비스 목록에 없는 서비스입니다."))
    if open_referral(case.client_id, partner.id) is not None:
        raise PartnerReferralError(_("같은 협력기관에 이미 진행 중인 의뢰가 있습니다."))
    now = utcnow()
    referral = PartnerReferral(
        centre_id=case.centre_id, client_id=case.client_id, from_case_id=case.id,
        from_agency_id=case.agency_id, partner_id=partner.id, service_id=service_id,
        reason=reason.strip(), needs=needs.strip(), urgency=urgency,
        contact_preference=contact_preference, shared=items, consent_method=consent_method,
        consent_given_on=consent_given_on, status=ReferralStatus.SENT, sent_by_id=actor.id,
        sent_at=now, updated_at=now,
        due_at=add_working_hours(now, partner.response_target_hours, holiday_days()),
        mail_status=MailStatus.PENDING)
    db.session.add(referral)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError as error:
        raise PartnerReferralError(_("같은 협력기관에 이미 진행 중인 의뢰가 있습니다.")) from error
    _event(referral, None, ReferralStatus.SENT, referral.reason, actor=actor)
    exchange.queue(referral, "referral.requested")
    audit.record("partner_referral.consent_recorded", actor=actor, subject=referral,
                 client_id=case.client_id,
                 detail={"partner_id": partner.id, "method": consent_method.value,
                         "given_on": consent_given_on.isoformat(), "items": items})
    audit.record("partner_referral.sent", actor=actor, subject=referral,
                 client_id=case.client_id, detail={"partner_id": partner.id,
                                                    "urgency": urgency.value})
    return referral


def open_referral(client_id: int, partner_id: int) -> PartnerReferral | None:
    return db.session.scalar(sa.select(PartnerReferral).where(
        PartnerReferral.client_id == client_id, PartnerReferral.partner_id == partner_id,
        PartnerReferral.status.in_(PARTNER_OPEN_STATUSES)))


# --- the link -------------------------------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class IssuedLink:
    link: PartnerLink
    token: str  # only here, for the mail; the database keeps its hash


def issue_link(actor: Staff, referral: PartnerReferral) -> IssuedLink:
    """A new link for the partner; earlier ones stop working (one link in force)."""
    if not may_issue_link(actor, referral):
        raise PartnerReferralNotAllowed(_("보낸 기관의 사례관리자만, 진행 중인 의뢰에 링크를 다시 "
                                          "보낼 수 있습니다."))
    now = utcnow()
    for link in referral.links:
        if link.revoked_at is None:
            link.revoked_at, link.revoked_by_id = now, actor.id
    token = secrets.token_urlsafe(32)
    days = int(current_app.config.get("PARTNER_LINK_DAYS", LINK_DAYS))
    link = PartnerLink(partner_referral_id=referral.id, token_hash=_hash(token),
                       created_at=now, expires_at=now + timedelta(days=days), used_actions=[])
    db.session.add(link)
    db.session.flush()
    audit.record("partner_link.issued", actor=actor, subject=referral,
                 client_id=referral.client_id, detail={"link_id": link.id, "days": days})
    return IssuedLink(link, token)


def revoke_links(actor: Staff, referral: PartnerReferral) -> int:
    """The sender stops every link of the referral; returns how many were in force."""
    if not may_manage(actor, referral):
        raise PartnerReferralNotAllowed(_("보낸 기관의 사례관리자만 링크를 취소할 수 있습니다."))
    now = utcnow()
    if not any(link.is_usable(now) for link in referral.links):
        raise PartnerReferralError(_("쓸 수 있는 링크가 없습니다."))
    revoked = 0
    for link in referral.links:
        if link.revoked_at is None:
            link.revoked_at, link.revoked_by_id = now, actor.id
            revoked += 1
    audit.record("partner_link.revoked", actor=actor, subject=referral,
                 client_id=referral.client_id, detail={"links": revoked})
    return revoked


def partner_actor(referral: PartnerReferral) -> SimpleNamespace:
    """How the access log names a partner acting through its link or system (no staff id)."""
    return SimpleNamespace(id=None, username=f"partner:{referral.partner_id}",
                           centre_id=referral.centre_id)


def open_link(token: str, *, action: str | None = None) -> tuple[PartnerLink, PartnerReferral]:
    """The link and its referral, each opening written to the access log (refused ones too).

    :raise LinkRefused: unknown, expired or revoked link, a withdrawn consent, or ``action``
        already taken through this link.
    """
    link = db.session.scalar(sa.select(PartnerLink).where(PartnerLink.token_hash == _hash(token)))
    now = utcnow()
    if link is None:
        audit.record("partner_link.unknown", actor=SimpleNamespace(id=None, username="partner",
                                                                   centre_id=None))
        raise LinkRefused(_("이 링크는 쓸 수 없습니다. 링크가 틀렸거나, 기한이 지났거나, 보낸 "
                            "센터가 취소했습니다. 보낸 센터에 새 링크를 요청하세요."))
    referral = link.referral
    refused = None
    if not link.is_usable(now) or referral.consent_withdrawn_at is not None:
        refused = "expired" if link.revoked_at is None and now >= link.expires_at else "revoked"
    elif action is not None and LINK_ACTION[action] in link.used_actions:
        refused = "used"
    link.opened_count += 1
    link.last_opened_at = now
    if refused is None and referral.first_opened_at is None:
        referral.first_opened_at = now
    audit.record("partner_referral.opened", actor=partner_actor(referral), subject=referral,
                 client_id=referral.client_id, centre_id=referral.centre_id,
                 detail={"link_id": link.id, "action": action, "refused": refused})
    if refused == "used":
        raise LinkRefused(_("이 링크로는 이미 처리했습니다. 한 링크로 응답과 결과 알림을 한 번씩만 "
                            "할 수 있습니다."))
    if refused:
        raise LinkRefused(_("이 링크는 쓸 수 없습니다. 링크가 틀렸거나, 기한이 지났거나, 보낸 "
                            "센터가 취소했습니다. 보낸 센터에 새 링크를 요청하세요."))
    return link, referral


def allowed_partner_actions(referral: PartnerReferral, link: PartnerLink | None = None) -> list[str]:
    """What the partner may do now (through ``link``: each of its actions once)."""
    if referral.consent_withdrawn_at is not None:
        return []
    return [name for name, rule in PARTNER_TRANSITIONS.items()
            if rule.allows(referral.status)
            and (link is None or LINK_ACTION[name] not in link.used_actions)]


# --- the partner's steps --------------------------------------------------------------------

def partner_transition(referral: PartnerReferral, action: str, *, note: str = "",
                       responder: str = "", decline_reason: DeclineReason | None = None,
                       outcome: Outcome | None = None, link: PartnerLink | None = None,
                       version: int | None = None) -> None:
    """The partner accepts, declines (with a reason), starts or completes (with the outcome).

    :raise PartnerReferralError: a step the referral cannot take now, a missing reason or
        outcome, the action already taken through ``link``; :class:`PartnerReferralConflict`
        when someone else acted first.
    """
    if version is not None:
        states.check_version(referral, version, _stale())
    rule = PARTNER_TRANSITIONS.get(action)
    if rule is None or action not in allowed_partner_actions(referral, link):
        raise PartnerReferralError(_("지금 상태(%(s)s)에서는 할 수 없는 처리입니다.",
                                     s=referral.status.label))
    note = note.strip()
    now = utcnow()
    if action == "decline":
        if decline_reason is None or not note:
            raise PartnerReferralError(_("반려 사유와 설명을 모두 적으세요."))
        referral.decline_reason = decline_reason
    if action == "complete":
        if outcome is None:
            raise PartnerReferralError(_("결과를 고르세요."))
        referral.outcome = outcome
    if action in ("accept", "decline"):
        referral.responded_at = now
        referral.response_note = note
        referral.responder = " ".join(responder.split())[:100]
    if action in ("decline", "complete"):
        referral.closing_note = note
        referral.closed_at = now
    previous = referral.status
    referral.status = rule.target
    referral.updated_at = now
    if link is not None:
        link.used_actions = [*link.used_actions, LINK_ACTION[action]]
    states.flush_or_conflict(_stale())
    _event(referral, previous, rule.target, note, by_partner=True)
    exchange.queue(referral, f"referral.{exchange.FHIR_STATUS[rule.target]}")
    if action != "start":
        _notify_sender(referral, _("협력기관 의뢰 %(s)s: %(p)s", s=rule.target.label,
                                   p=referral.partner.name))
    audit.record(f"partner_referral.{action}", actor=partner_actor(referral), subject=referral,
                 client_id=referral.client_id, centre_id=referral.centre_id,
                 detail={"from": previous.value, "to": rule.target.value,
                         "via": "link" if link is not None else "api",
                         "decline_reason": decline_reason.value if decline_reason else None,
                         "outcome": outcome.value if outcome else None})


# --- the sender's steps ---------------------------------------------------------------------

def cancel(actor: Staff, referral: PartnerReferral, note: str) -> None:
    """The sender withdraws the referral; its links stop working."""
    if not may_cancel(actor, referral):
        raise PartnerReferralNotAllowed(_("보낸 기관의 사례관리자만, 진행 중인 의뢰를 취소할 수 "
                                          "있습니다."))
    if not note.strip():
        raise PartnerReferralError(_("취소 사유를 적으세요."))
    _close_by_sender(actor, referral, note.strip())
    audit.record("partner_referral.cancel", actor=actor, subject=referral,
                 client_id=referral.client_id)


def withdraw_consent(actor: Staff, referral: PartnerReferral, note: str = "") -> None:
    """The person withdraws their consent to this partner: the link shows nothing any more
    and an open referral is cancelled (PIPA 제37조)."""
    if not may_manage(actor, referral):
        raise PartnerReferralNotAllowed(_("보낸 기관의 사례관리자만 동의 철회를 기록할 수 있습니다."))
    if referral.consent_withdrawn_at is not None:
        raise PartnerReferralError(_("이미 철회된 동의입니다."))
    referral.consent_withdrawn_at = utcnow()
    if referral.status in PARTNER_OPEN_STATUSES:
        _close_by_sender(actor, referral, note.strip() or _("본인이 제3자 제공 동의를 철회함"))
    else:
        for link in referral.links:
            if link.revoked_at is None:
                link.revoked_at, link.revoked_by_id = utcnow(), actor.id
        referral.updated_at = utcnow()
        states.flush_or_conflict(_stale())
        exchange.queue(referral, "referral.consent-withdrawn")
    audit.record("partner_referral.consent_withdrawn", actor=actor, subject=referral,
                 client_id=referral.client_id, detail={"partner_id": referral.partner_id})


def _close_by_sender(actor: Staff, referral: PartnerReferral, note: str) -> None:
    previous = referral.status
    now = utcnow()
    referral.status = ReferralStatus.CANCELLED
    referral.closing_note = note
    referral.closed_at = now
    referral.updated_at = now
    for link in referral.links:
        if link.revoked_at is None:
            link.revoked_at, link.revoked_by_id = now, actor.id
    states.flush_or_conflict(_stale())
    _event(referral, previous, ReferralStatus.CANCELLED, note, actor=actor)
    exchange.queue(referral, "referral.cancelled")


def record_mail(referral: PartnerReferral, link: PartnerLink, sent: bool) -> None:
    """After a send: the mail's state; a link whose mail did not go stops working (nobody
    has its token) and the sender is shown a retry."""
    referral.mail_attempts += 1
    if sent:
        referral.mail_status = MailStatus.SENT
        referral.mail_sent_at = utcnow()
    else:
        referral.mail_status = MailStatus.FAILED
        link.revoked_at = utcnow()
    audit.record("partner_referral.mailed", subject=referral, client_id=referral.client_id,
                 centre_id=referral.centre_id, detail={"sent": sent, "link_id": link.id})


# --- shared pieces --------------------------------------------------------------------------

def _event(referral: PartnerReferral, from_status, to_status, note: str, *,
           actor: Staff | None = None, by_partner: bool = False) -> None:
    db.session.add(PartnerReferralEvent(
        partner_referral_id=referral.id, actor_id=actor.id if actor else None,
        by_partner=by_partner, from_status=from_status, to_status=to_status, note=note))


def _notify_sender(referral: PartnerReferral, message: str) -> None:
    db.session.add(Notification(staff_id=referral.sent_by_id, kind=NotificationKind.OUTCOME,
                                partner_referral_id=referral.id, message=message[:300]))


def mark_read(actor: Staff, referral: PartnerReferral) -> int:
    """The actor's notifications about this referral are read once they open it."""
    return db.session.execute(
        sa.update(Notification).where(Notification.staff_id == actor.id,
                                      Notification.partner_referral_id == referral.id,
                                      Notification.read_at.is_(None))
        .values(read_at=utcnow())).rowcount


def overdue_clause(now=None):
    """SQL: awaiting the partner's answer past its due time."""
    return sa.and_(PartnerReferral.status == ReferralStatus.SENT,
                   PartnerReferral.due_at < (now or utcnow()))


def shared_view(referral: PartnerReferral) -> dict[str, str]:
    """Only what the referral shares, as plain strings: the partner's page and the API."""
    client = referral.client
    data = {"name": client.name, "reason": referral.reason}
    if referral.shares(ShareItem.BIRTH_DATE):
        data["birth_date"] = client.birth_date.isoformat()
    if referral.shares(ShareItem.PHONE):
        data["phone"] = client.phone or ""
    if referral.shares(ShareItem.ADDRESS):
        data["address"] = client.address_sigungu or ""
    if referral.shares(ShareItem.NEEDS):
        data["needs"] = referral.needs
    return data
