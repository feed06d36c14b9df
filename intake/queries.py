"""Loaders of the front desk's records, shared by the pages and the JSON API."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from cases.models import Client
from cases.queries import clients_visible_to
from centers.models import Staff
from core import audit
from core.extensions import db
from core.roles import Role
from intake.models import Visit, VisitStop, VisitSuggestion
from intake.services import visits_visible_to

_VISIT_PAGE = (
    selectinload(Visit.stops).selectinload(VisitStop.agency),
    selectinload(Visit.purposes), selectinload(Visit.client),
    selectinload(Visit.suggestions).selectinload(VisitSuggestion.service),
    selectinload(Visit.suggestions).selectinload(VisitSuggestion.agency),
)


def visits_open_to(actor: Staff) -> sa.Select:
    """The visits whose page, ticket and checklist the actor may open and act on: the desk
    and the manager every visit of their centre; a caseworker those with a stop at their
    agency's desk, or of a person their agency needs to know (the one rule,
    :func:`cases.queries.clients_visible_to`). The queue still lists the centre's visitors,
    masked, as the lobby board does."""
    query = visits_visible_to(actor)
    if actor.role != Role.CASEWORKER:
        return query
    return query.where(sa.or_(
        Visit.id.in_(sa.select(VisitStop.visit_id).where(VisitStop.agency_id == actor.agency_id)),
        Visit.client_id.in_(clients_visible_to(actor).with_only_columns(Client.id)),
    ))


def visible_visit_ids(actor: Staff, visit_ids) -> set[int]:
    """Which of these visits the actor may open (for showing a link only where it leads)."""
    wanted = set(visit_ids)
    if not wanted:
        return set()
    return set(db.session.scalars(
        visits_open_to(actor).with_only_columns(Visit.id).where(Visit.id.in_(wanted))))


def get_visit_or_404(visit_id: int, actor: Staff, *, purpose: str | None = "view") -> Visit:
    """A visit of the actor's centre, with its desk plan, purposes and suggestions; the read
    is audited (the visitor is named on it) as ``visit.<purpose>``; ``purpose=None`` when the
    visit is loaded to act on it (the service audits the step itself).

    :raise 404: no such visit, or one the actor may not open (another centre; the
        administrator; a caseworker without a desk on it or a need to know the visitor).
    """
    visit = db.session.scalar(
        visits_open_to(actor).where(Visit.id == visit_id).options(*_VISIT_PAGE))
    if visit is None:
        raise NotFound()
    if purpose:
        audit.record(f"visit.{purpose}", actor=actor, subject=visit, client_id=visit.client_id)
    return visit
