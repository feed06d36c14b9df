"""Loaders of partner organisations, shared by the pages and the referral screens."""

from __future__ import annotations

from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from centers.models import Staff
from core.extensions import db
from partners.models import Partner
from partners.services import partners_visible_to


def get_partner_or_404(partner_id: int, actor: Staff) -> Partner:
    """A partner of the actor's centre.

    :raise 404: no such partner, or one of another centre.
    """
    partner = db.session.scalar(partners_visible_to(actor).where(Partner.id == partner_id)
                                .options(selectinload(Partner.services)))
    if partner is None:
        raise NotFound()
    return partner
