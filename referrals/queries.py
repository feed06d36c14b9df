"""Loaders of referrals, shared by the pages and the JSON API."""

from __future__ import annotations

from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from centers.models import Staff
from core import audit
from core.extensions import db
from referrals.models import PartnerReferral, Referral
from referrals.outward import partner_referrals_visible_to
from referrals.services import referrals_visible_to


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
