"""Loaders of the catalogue's records for its pages."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from catalogue.models import CentreService, Service
from centers.models import Centre
from core.extensions import db


def get_service_or_404(service_id: int) -> Service:
    """Every member of staff may read the whole catalogue.

    :raise 404: no such service.
    """
    service = db.session.scalar(
        sa.select(Service).where(Service.id == service_id)
        .options(selectinload(Service.customer_types))
    )
    if service is None:
        raise NotFound()
    return service


def get_offer_or_404(centre: Centre, offer_id: int) -> CentreService:
    """:raise 404: no such entry on this centre's list."""
    offer = db.session.scalar(
        sa.select(CentreService).where(
            CentreService.id == offer_id, CentreService.centre_id == centre.id
        )
    )
    if offer is None:
        raise NotFound()
    return offer
