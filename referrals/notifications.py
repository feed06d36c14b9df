"""Referral notifications of the staff: written with each step that another agency must know
about, read on the notifications page, the referral's page and through the API."""

from __future__ import annotations

import sqlalchemy as sa

from centers.models import Staff
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from referrals.models import Notification, NotificationKind, Referral


def notify(staff_id: int, referral: Referral, kind: NotificationKind, message: str) -> None:
    """A notification to one staff member about a referral (the message cut to its column)."""
    db.session.add(Notification(staff_id=staff_id, referral_id=referral.id, kind=kind,
                                message=message[:300]))


def notify_agency(referral: Referral, agency_id: int, message: str) -> None:
    """An incoming-referral notification to every active caseworker of the agency."""
    staff_ids = db.session.scalars(sa.select(Staff.id).where(
        Staff.agency_id == agency_id, Staff.role == Role.CASEWORKER, Staff.is_active_account))
    for staff_id in staff_ids:
        notify(staff_id, referral, NotificationKind.INCOMING, message)


def mark_read(actor: Staff, notification_ids: list[int] | None = None,
              referral_id: int | None = None) -> int:
    """Mark the actor's notifications read: the given ones, those of a referral, or all."""
    query = sa.update(Notification).where(Notification.staff_id == actor.id,
                                          Notification.read_at.is_(None))
    if notification_ids is not None:
        query = query.where(Notification.id.in_(notification_ids))
    if referral_id is not None:
        query = query.where(Notification.referral_id == referral_id)
    return db.session.execute(query.values(read_at=utcnow())).rowcount


def unread_about(actor: Staff, referral_id: int) -> int:
    """How many of the actor's notifications about this referral are unread."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.staff_id == actor.id, Notification.referral_id == referral_id,
        Notification.read_at.is_(None))) or 0


# --- who sees what -----------------------------------------------------------------------
