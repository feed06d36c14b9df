"""Loaders of the organisation's records, shared by the pages and the JSON API."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from centers.accounts import staff_visible_to
from centers.models import Agency, Centre, Staff
from centers.services import centres_visible_to
from core.extensions import db


def get_centre_by_code_or_404(code: str, actor: Staff) -> Centre:
    """The centre with this code, if the actor may see it (a manager their own, the
    administrator every one).

    :raise 404: no such centre, or not visible to the actor.
    """
    centre = db.session.scalar(centres_visible_to(actor).where(Centre.code == code))
    if centre is None:
        raise NotFound()
    return centre


def get_published_centre_or_404(code: str) -> Centre:
    """A centre by its code, for the open data anyone may read: a centre's code and name are
    public, nothing else of it is read through this.

    :raise 404: no such centre.
    """
    centre = db.session.scalar(sa.select(Centre).where(Centre.code == code))
    if centre is None:
        raise NotFound()
    return centre


def get_centre_or_404(centre_id: int, actor: Staff) -> Centre:
    """:raise 404: no such centre, or not the actor's own."""
    centre = db.session.scalar(centres_visible_to(actor).where(Centre.id == centre_id))
    if centre is None:
        raise NotFound()
    return centre


def get_agency_or_404(agency_id: int, actor: Staff) -> Agency:
    """:raise 404: no such agency, or one in a centre the actor does not see."""
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise NotFound()
    get_centre_or_404(agency.centre_id, actor)
    return agency


def get_staff_or_404(staff_id: int, actor: Staff) -> Staff:
    """:raise 404: no such account, or one of another centre."""
    staff = db.session.scalar(staff_visible_to(actor).where(Staff.id == staff_id))
    if staff is None:
        raise NotFound()
    return staff
