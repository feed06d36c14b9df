"""Loaders and lists of appointments, scoped to what the staff member may see."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from appointments.models import Appointment, Message, OutboxMessage
from appointments.services import appointments_visible_to, may_see_messages
from centers.models import Staff
from core import audit
from core.extensions import db


def get_appointment_or_404(appointment_id: int, actor: Staff, *,
                           purpose: str | None = "view") -> Appointment:
    """An appointment of the actor's centre; the read is audited as
    ``appointment.<purpose>`` (it names the person), ``purpose=None`` when loaded to act on
    it (the service audits the change).

    :raise 404: no such appointment, or one of another centre.
    """
    appointment = db.session.scalar(
        appointments_visible_to(actor).where(Appointment.id == appointment_id)
        .options(selectinload(Appointment.client), selectinload(Appointment.agency)))
    if appointment is None:
        raise NotFound()
    if purpose:
        audit.record(f"appointment.{purpose}", actor=actor, subject=appointment,
                     client_id=appointment.client_id)
    return appointment


def appointments_between(actor: Staff, first: date, last: date,
                         agency_id: int | None = None) -> list[Appointment]:
    """The appointments of ``first``..``last`` at the actor's centre (one desk's with
    ``agency_id``), in time order, with the person and the desk loaded."""
    query = (appointments_visible_to(actor)
             .where(Appointment.day >= first, Appointment.day <= last)
             .options(selectinload(Appointment.client), selectinload(Appointment.agency))
             .order_by(Appointment.starts_at, Appointment.id))
    if agency_id:
        query = query.where(Appointment.agency_id == agency_id)
    return list(db.session.scalars(query))


def messages_of_centre(actor: Staff, limit: int = 100) -> tuple[list[Message], dict]:
    """The centre's latest text messages and what the outbox holds of them."""
    if not may_see_messages(actor):
        return [], {}
    messages = list(db.session.scalars(
        sa.select(Message).where(Message.centre_id == actor.centre_id)
        .order_by(Message.due_at.desc(), Message.id.desc()).limit(limit)))
    outbox = {row.message_id: row for row in db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.message_id.in_([m.id for m in messages])))}
    return messages, outbox
