"""Scoped reads of the front desk's records: the loaders shared by the pages and the JSON API,
today's queue and its counts, the need-to-know rule of today's desks."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from cases.models import Client
from cases.queries import clients_visible_to
from centers.models import Staff
from core import audit
from core.clock import local_today
from core.extensions import db
from core.roles import Role
from intake.models import ACTIVE_STOP_STATUSES, Visit, VisitStop, VisitSuggestion
from intake.services import CLOSED_VISIT, visits_visible_to

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


# --- today's queue and its counts ------------------------------------------------------------

def people_at_desk_today(actor: Staff):
    """SQL condition on Client (the need-to-know rule): today's visit of the person has a
    stop at the caseworker's agency's desk."""
    return Client.id.in_(sa.select(Visit.client_id).join(VisitStop, VisitStop.visit_id == Visit.id)
                         .where(Visit.centre_id == actor.centre_id,
                                Visit.visit_date == local_today(),
                                VisitStop.agency_id == actor.agency_id))


def todays_queue_query(actor: Staff, agency_id: int | None = None, *,
                       finished: bool | None = None) -> sa.Select:
    """Today's visits of the actor's centre in arrival order; with ``agency_id``, only those
    waiting, called or in service at that agency's desk. ``finished=False`` keeps the
    visits still in the building (what a desk acts on), ``True`` those done or gone, latest
    first."""
    query = (
        visits_visible_to(actor)
        .where(Visit.visit_date == local_today())
        .options(
            selectinload(Visit.stops).selectinload(VisitStop.agency),
            selectinload(Visit.client),
            selectinload(Visit.purposes),
        )
    )
    if finished is None:
        query = query.order_by(Visit.arrived_at, Visit.id)
    elif finished:
        query = query.where(Visit.status.in_(CLOSED_VISIT)).order_by(
            Visit.arrived_at.desc(), Visit.id.desc())
    else:
        query = query.where(Visit.status.not_in(CLOSED_VISIT)).order_by(Visit.arrived_at, Visit.id)
    if agency_id:
        query = query.where(
            Visit.stops.any(sa.and_(VisitStop.agency_id == agency_id,
                                    VisitStop.status.in_(ACTIVE_STOP_STATUSES)))
        )
    return query


def todays_finished_count(actor: Staff) -> int:
    """How many of today's visits at the actor's centre are done or gone."""
    return db.session.scalar(
        visits_visible_to(actor).with_only_columns(sa.func.count(Visit.id))
        .where(Visit.visit_date == local_today(), Visit.status.in_(CLOSED_VISIT))) or 0


def last_visit_dates(client_ids: list[int]) -> dict[int, object]:
    """The latest visit day per person, in one query (for search results)."""
    if not client_ids:
        return {}
    rows = db.session.execute(
        sa.select(Visit.client_id, sa.func.max(Visit.visit_date))
        .where(Visit.client_id.in_(client_ids))
        .group_by(Visit.client_id)
    )
    return dict(rows.all())


def waiting_count(actor: Staff) -> int:
    """For the home tile: today's visits still in the building (a caseworker's: those at
    their agency's desk), the rows the queue page lists."""
    query = (visits_visible_to(actor).with_only_columns(sa.func.count(Visit.id))
             .where(Visit.visit_date == local_today(), Visit.status.not_in(CLOSED_VISIT)))
    if actor.role == Role.CASEWORKER and actor.agency_id:
        query = query.where(Visit.stops.any(sa.and_(VisitStop.agency_id == actor.agency_id,
                                                    VisitStop.status.in_(ACTIVE_STOP_STATUSES))))
    return db.session.scalar(query) or 0
