"""Booked consultations (예약 상담): each agency's bookable hours, the places taken per slot,
the appointments, and the text messages (confirmation, reminder) sent about them."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models import Client
from centers.models import Agency, Centre, Staff
from core.extensions import db
from core.types import LabelledEnum, UTCDateTime, str_enum, utcnow


class BookingHours(db.Model):
    """An agency's bookable hours on every working day (Seoul time) and places per slot,
    set by the centre's manager. No row, or ``is_bookable`` off: the desk takes no bookings."""

    __tablename__ = "booking_hours"

    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), primary_key=True)
    opens_at: Mapped[time] = mapped_column(sa.Time)
    closes_at: Mapped[time] = mapped_column(sa.Time)
    slot_minutes: Mapped[int]
    capacity: Mapped[int]
    is_bookable: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))

    agency: Mapped[Agency] = relationship()


class BookingSlot(db.Model):
    """The places taken in one slot of one desk. Booking bumps ``booked`` in one conditional
    UPDATE (``booked < capacity``), so two desks booking the last place cannot both get it."""

    __tablename__ = "booking_slots"

    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    booked: Mapped[int] = mapped_column(default=0)


class AppointmentStatus(LabelledEnum):
    BOOKED = "booked", _l("예약")
    ARRIVED = "arrived", _l("도착 확인")
    CANCELLED = "cancelled", _l("예약 취소")
    NO_SHOW = "no_show", _l("미방문(노쇼)")


class Appointment(db.Model):
    """One person booked into one slot of one agency's desk."""

    __tablename__ = "appointments"
    __table_args__ = (
        # A desk's day or week, a centre's day (the lists), a month (the report).
        sa.Index("ix_appointments_agency_id_day", "agency_id", "day"),
        sa.Index("ix_appointments_centre_id_day", "centre_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"))
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    day: Mapped[date]  # the Asia/Seoul day of starts_at
    purpose: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[AppointmentStatus] = mapped_column(str_enum(AppointmentStatus, 16))
    # The person agreed to be told by text message at the phone number on their record.
    notify_by_sms: Mapped[bool] = mapped_column(default=False)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    booked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    # Why it was last moved or cancelled (each change is also in the audit trail).
    change_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    times_moved: Mapped[int] = mapped_column(default=0)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visits.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    centre: Mapped[Centre] = relationship()
    agency: Mapped[Agency] = relationship()
    client: Mapped[Client] = relationship()
    booked_by: Mapped[Staff] = relationship()


class MessageKind(LabelledEnum):
    CONFIRMATION = "confirmation", _l("예약 확인")
    REMINDER = "reminder", _l("하루 전 알림")


class MessageStatus(LabelledEnum):
    PENDING = "pending", _l("보낼 예정")
    SENDING = "sending", _l("보내는 중")
    SENT = "sent", _l("보냄")
    FAILED = "failed", _l("실패")
    CANCELLED = "cancelled", _l("보내지 않음")


class Message(db.Model):
    """A text message to send about an appointment, sent by ``flask send-messages``.

    The text holds the centre, the time and the desk, never the person's name; the phone
    number is read from the person's record when it is sent, and only while they still
    agree. ``status`` moves pending → sending (claimed by one sender, committed before the
    gateway is asked) → sent, or back to pending with a later ``due_at``, or failed.
    """

    __tablename__ = "messages"
    __table_args__ = (sa.Index("ix_messages_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"), index=True)
    appointment_id: Mapped[int] = mapped_column(sa.ForeignKey("appointments.id"), index=True)
    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind, 16))
    body: Mapped[str] = mapped_column(sa.String(300))
    status: Mapped[MessageStatus] = mapped_column(str_enum(MessageStatus, 16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    backend: Mapped[str] = mapped_column(sa.String(20), default="")
    provider_ref: Mapped[str] = mapped_column(sa.String(64), default="")
    last_error: Mapped[str] = mapped_column(sa.String(200), default="")

    appointment: Mapped[Appointment] = relationship()


class OutboxMessage(db.Model):
    """What the default gateway "sent": kept for the manager to see (and send by hand where a
    centre has no SMS contract)."""

    __tablename__ = "message_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("messages.id"), unique=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"), index=True)
    phone: Mapped[str] = mapped_column(sa.String(20))
    body: Mapped[str] = mapped_column(sa.String(300))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    message: Mapped[Message] = relationship()
