"""Loaders of referrals, shared by the pages and the JSON API."""

from __future__ import annotations

from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from centers.models import Staff
from core import audit
from core.extensions import db
from referrals.models import Referral
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
