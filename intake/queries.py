"""Loaders of the front desk's records, shared by the pages and the JSON API."""

from __future__ import annotations

from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from centers.models import Staff
from core import audit
from core.extensions import db
from intake.models import Visit, VisitStop, VisitSuggestion
from intake.services import visits_visible_to

_VISIT_PAGE = (
    selectinload(Visit.stops).selectinload(VisitStop.agency),
    selectinload(Visit.purposes), selectinload(Visit.client),
    selectinload(Visit.suggestions).selectinload(VisitSuggestion.service),
    selectinload(Visit.suggestions).selectinload(VisitSuggestion.agency),
)


def get_visit_or_404(visit_id: int, actor: Staff, *, purpose: str | None = "view") -> Visit:
    """A visit of the actor's centre, with its desk plan, purposes and suggestions; the read
    is audited (the visitor is named on it) as ``visit.<purpose>``; ``purpose=None`` when the
    visit is loaded to act on it (the service audits the step itself).

    :raise 404: no such visit, or one the actor may not see (another centre; the administrator).
    """
    visit = db.session.scalar(
        visits_visible_to(actor).where(Visit.id == visit_id).options(*_VISIT_PAGE))
    if visit is None:
        raise NotFound()
    if purpose:
        audit.record(f"visit.{purpose}", actor=actor, subject=visit, client_id=visit.client_id)
    return visit
