"""Who sees which referral (the scoped reads, the need-to-know rules plugged into cases, the
counts of the badge), and the loaders shared by the pages and the JSON API."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from cases.models import Case, Client
from cases.people import sharing_consent_in_force
from centers.models import Staff
from core import audit
from core.clock import local_today
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from referrals.models import (
    OPEN_STATUSES,
    Notification,
    NotificationKind,
    PartnerReferral,
    Referral,
    ReferralStatus,
)
from referrals.outward import partner_referrals_visible_to


def referrals_visible_to(actor: Staff) -> sa.Select:
    """Caseworkers see referrals from their agency, and those to it while the person's consent
    to share with it is in force (a withdrawal ends the receiving side's access to the
    referral and its slip at once); a manager all of the centre."""
    query = sa.select(Referral)
    if actor.role == Role.MANAGER and actor.centre_id:
        return query.where(Referral.centre_id == actor.centre_id)
    if actor.role == Role.CASEWORKER and actor.agency_id:
        return query.where(Referral.centre_id == actor.centre_id, sa.or_(
            Referral.from_agency_id == actor.agency_id,
            sa.and_(Referral.to_agency_id == actor.agency_id,
                    sharing_consent_in_force(Referral.client_id, actor.agency_id, local_today()))))
    return query.where(sa.false())


def people_referred_with(actor: Staff):
    """SQL condition on Client (the need-to-know rule): an open referral from the caseworker's
    agency, or to it while the consent to share with it is in force."""
    return Client.id.in_(sa.select(Referral.client_id).where(
        Referral.status.in_(OPEN_STATUSES), Referral.centre_id == actor.centre_id,
        sa.or_(Referral.from_agency_id == actor.agency_id,
               sa.and_(Referral.to_agency_id == actor.agency_id,
                       sharing_consent_in_force(Referral.client_id, actor.agency_id,
                                                local_today())))))


def cases_referred_to(actor: Staff):
    """SQL condition: the case was referred to the actor's agency, the referral is still
    open, and the person's consent to share with that agency is still in force — so its
    caseworkers may read (and add notes to) the case. A decline, a cancellation, the end of
    the loop or a withdrawn consent ends that access."""
    return Case.id.in_(sa.select(Referral.from_case_id).where(
        Referral.to_agency_id == actor.agency_id, Referral.status.in_(OPEN_STATUSES),
        sharing_consent_in_force(Referral.client_id, actor.agency_id, local_today())))


def overdue_clause(now=None):
    """SQL: awaiting an answer past its due time."""
    now = now or utcnow()
    return sa.and_(Referral.status.in_([ReferralStatus.SENT, ReferralStatus.RECEIVED]),
                   Referral.due_at < now)


def badge_counts(actor: Staff) -> dict[str, int]:
    """Unread incoming referrals and outcomes, and overdue referrals of my agency."""
    unread = dict(db.session.execute(
        sa.select(Notification.kind, sa.func.count())
        .where(Notification.staff_id == actor.id, Notification.read_at.is_(None))
        .group_by(Notification.kind)).all())
    overdue = 0
    if actor.role == Role.CASEWORKER and actor.agency_id:
        overdue = db.session.scalar(
            sa.select(sa.func.count()).select_from(Referral).where(
                sa.or_(Referral.to_agency_id == actor.agency_id,
                       Referral.from_agency_id == actor.agency_id), overdue_clause())) or 0
        # Referrals to partners outside the centre keep the same response targets.
        overdue += db.session.scalar(
            sa.select(sa.func.count()).select_from(PartnerReferral).where(
                PartnerReferral.from_agency_id == actor.agency_id,
                PartnerReferral.status == ReferralStatus.SENT,
                PartnerReferral.due_at < utcnow())) or 0
    return {"incoming": unread.get(NotificationKind.INCOMING, 0),
            "outcome": unread.get(NotificationKind.OUTCOME, 0), "overdue": overdue}


def open_referral_counts(case_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Referral.from_case_id, sa.func.count())
        .where(Referral.from_case_id.in_(case_ids), Referral.status.in_(OPEN_STATUSES))
        .group_by(Referral.from_case_id))
    return dict(rows.all())


def case_referrals(case_id: int, actor: Staff) -> list[Referral]:
    """Referrals sent from this case or that opened it at the receiving agency — those the
    actor may open (an agency reading the case through a referral sees only its own)."""
    return list(db.session.scalars(
        referrals_visible_to(actor).where(sa.or_(Referral.from_case_id == case_id,
                                                 Referral.to_case_id == case_id))
        .options(sa.orm.selectinload(Referral.from_agency), sa.orm.selectinload(Referral.to_agency))
        .order_by(Referral.sent_at.desc())))


def get_referral_or_404(referral_id: int, actor: Staff) -> Referral:
    """A referral from or to the actor's agency (or centre, for its manager), its read audited.

    :raise 404: no such referral, or one the actor may not see.
    """
    referral = db.session.scalar(
        referrals_visible_to(actor).where(Referral.id == referral_id)
        .options(selectinload(Referral.events), selectinload(Referral.client)))
    if referral is None:
        raise NotFound()
    audit.record("referral.view", actor=actor, subject=referral, client_id=referral.client_id)
    return referral


def get_partner_referral_or_404(referral_id: int, actor: Staff) -> PartnerReferral:
    """A referral to a partner, sent by the actor's agency (or of the manager's centre), its
    read audited.

    :raise 404: no such referral, or one the actor may not see.
    """
    referral = db.session.scalar(
        partner_referrals_visible_to(actor).where(PartnerReferral.id == referral_id)
        .options(selectinload(PartnerReferral.events), selectinload(PartnerReferral.client)))
    if referral is None:
        raise NotFound()
    audit.record("partner_referral.view", actor=actor, subject=referral,
                 client_id=referral.client_id)
    return referral
