"""Loaders of outreach visits and their photos, with the read audited."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from cases.queries import visible_case_ids
from centers.models import Staff
from core import audit
from core.extensions import db
from outreach.models import OutreachPhoto, OutreachVisit
from outreach.services import visible_visits_clause


def get_visit_or_404(visit_id: int, actor: Staff) -> OutreachVisit:
    """A visit the actor planned, goes along on, or (a manager) of their centre.

    :raise 404: no such visit, or one the actor may not see.
    """
    visit = db.session.scalar(
        sa.select(OutreachVisit).where(OutreachVisit.id == visit_id, visible_visits_clause(actor))
        .options(selectinload(OutreachVisit.companions), selectinload(OutreachVisit.photos)))
    if visit is None:
        raise NotFound()
    audit.record("outreach.view", actor=actor, subject=visit, client_id=visit.client_id)
    return visit


def may_see_record(actor: Staff, visit: OutreachVisit) -> bool:
    """The record (note, photos, signature) is the case's: only those who may read the case
    see it. A companion from another agency sees the plan, not the record."""
    return visit.case_id in visible_case_ids(actor, [visit.case_id])


def get_photo_or_404(photo_id: int, actor: Staff) -> OutreachPhoto:
    """A photo of a visit whose case the actor may read; the read is audited.

    :raise 404: no such photo, or its case is not readable by the actor.
    """
    photo = db.session.get(OutreachPhoto, photo_id)
    if photo is None:
        raise NotFound()
    visit = db.session.scalar(sa.select(OutreachVisit).where(OutreachVisit.id == photo.visit_id))
    if visit.centre_id != actor.centre_id or not may_see_record(actor, visit):
        raise NotFound()
    audit.record("outreach.photo_view", actor=actor, subject=visit, client_id=visit.client_id,
                 detail={"photo_id": photo.id})
    return photo
