"""The rules of booked consultations: bookable hours, booking, moving, cancelling, arrival
and no-shows. Services flush and audit; the view commits.

A slot's places are counted in :class:`~appointments.models.BookingSlot`: booking takes a
place with one conditional UPDATE (``booked < capacity``), which both engines serialise on
the row (PostgreSQL re-reads the row a concurrent booking just changed; SQLite writes one
request at a time), so a slot is never booked beyond its capacity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from appointments.models import (
    Appointment,
    AppointmentStatus,
    BookingHours,
    BookingSlot,
    Message,
    MessageKind,
    MessageStatus,
)
from cases.models import Client
from cases.people import DESK_ROLES, has_collection_consent
from centers.models import Agency, Staff
from core import audit, states
from core.clock import SEOUL, local_today
from core.database import insert_if_missing
from core.errors import ConflictError, NotAllowedError, RefusedError
from core.extensions import db
from core.holidays import holiday_days
from core.roles import Role
from core.types import utcnow
from core.working_time import DAY_END, is_working_day
from intake import services as intake


class AppointmentError(RefusedError):
    """A refused booking change; the message is shown to the user."""


class AppointmentConflict(AppointmentError, ConflictError):
    """Someone else changed the appointment first."""


class AppointmentNotAllowed(NotAllowedError, AppointmentError):
    """The actor may not do this."""


class SlotFull(AppointmentError):
    """Every place of the slot is taken."""


PURPOSE_MAX = 200
REASON_MAX = 300
#: How far ahead a desk takes bookings.
BOOKING_DAYS_AHEAD = 60
#: The reminder goes out at this hour (Seoul) on the day before the appointment.
REMINDER_HOUR = time(10, 0)
SLOT_MINUTES = (10, 15, 20, 30, 40, 60)
DEFAULT_OPENS, DEFAULT_CLOSES = time(9, 0), time(17, 0)
CAPACITY_MAX = 20


# --- who may do what: asked by the services below, the views, the templates --------------

def may_set_hours(actor: Staff, agency: Agency) -> bool:
    """The centre's manager sets each of its desks' bookable hours (a desk the centre runs:
    an add-on switched off has none)."""
    return (actor.role == Role.MANAGER and actor.centre_id == agency.centre_id
            and agency.is_visible)


def may_see_appointments(actor: Staff) -> bool:
    """Everyone working at a centre sees its appointments (the administrator sees none)."""
    return actor.role in (Role.FRONT_DESK, Role.CASEWORKER, Role.MANAGER) and bool(actor.centre_id)


def may_book(actor: Staff, agency: Agency | None = None) -> bool:
    """The front desk and the manager book at any desk of their centre; a caseworker at
    their own agency's desk. Without ``agency``: may the actor book at all?"""
    if not may_see_appointments(actor):
        return False
    if agency is None:
        return True
    if agency.centre_id != actor.centre_id or not agency.is_visible:
        return False
    return actor.role in DESK_ROLES or actor.agency_id == agency.id


def may_book_for(actor: Staff, client: Client) -> bool:
    """A person of the actor's centre whose collection consent is in force can be booked."""
    return (may_book(actor) and client.centre_id == actor.centre_id
            and has_collection_consent(client, local_today()))


def may_change(actor: Staff, appointment: Appointment) -> bool:
    """Moving or cancelling: a booking not yet kept, by whoever may book at its desk."""
    return appointment.status == AppointmentStatus.BOOKED and may_book(actor, appointment.agency)


def may_check_in(actor: Staff, appointment: Appointment) -> bool:
    """The front desk (or the manager) checks in a booked person who came today."""
    return (actor.role in DESK_ROLES and actor.centre_id == appointment.centre_id
            and appointment.status == AppointmentStatus.BOOKED
            and appointment.day == local_today() and appointment.agency.is_visible)


def may_see_messages(actor: Staff) -> bool:
    """The manager sees the centre's text messages and the outbox."""
    return actor.role == Role.MANAGER and bool(actor.centre_id)


# --- bookable hours ------------------------------------------------------------------------

def set_hours(actor: Staff, agency: Agency, *, opens_at: time, closes_at: time,
              slot_minutes: int, capacity: int, is_bookable: bool) -> BookingHours:
    """Set the desk's bookable hours; bookings already made keep their place."""
    if not may_set_hours(actor, agency):
        raise AppointmentNotAllowed(_("예약 시간은 센터 관리자가 정합니다."))
    if opens_at >= closes_at:
        raise AppointmentError(_("끝나는 시각이 시작 시각보다 늦어야 합니다."))
    if slot_minutes not in SLOT_MINUTES:
        raise AppointmentError(_("한 칸의 길이를 목록에서 고르세요."))
    if not 1 <= capacity <= CAPACITY_MAX:
        raise AppointmentError(_("한 칸의 인원은 1명에서 %(n)d명 사이입니다.", n=CAPACITY_MAX))
    hours = db.session.get(BookingHours, agency.id)
    if hours is None:
        hours = BookingHours(agency_id=agency.id)
        db.session.add(hours)
    hours.opens_at, hours.closes_at = opens_at, closes_at
    hours.slot_minutes, hours.capacity, hours.is_bookable = slot_minutes, capacity, is_bookable
    hours.updated_at, hours.updated_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record("booking_hours.set", actor=actor, subject=agency, centre_id=agency.centre_id,
                 detail={"opens_at": opens_at.isoformat("minutes"),
                         "closes_at": closes_at.isoformat("minutes"),
                         "slot_minutes": slot_minutes, "capacity": capacity,
                         "is_bookable": is_bookable})
    return hours


def hours_of(agency_ids) -> dict[int, BookingHours]:
    ids = list(agency_ids)
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(BookingHours).where(BookingHours.agency_id.in_(ids)))
    return {hours.agency_id: hours for hours in rows}


# --- slots ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # UTC
    booked: int
    capacity: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)

    @property
    def local_time(self) -> str:
        return self.starts_at.astimezone(SEOUL).strftime("%H:%M")


def slot_starts(hours: BookingHours, day: date) -> list[datetime]:
    """The UTC start of each slot of ``day`` (a whole slot must fit before closing)."""
    starts = []
    moment = datetime.combine(day, hours.opens_at, tzinfo=SEOUL)
    closing = datetime.combine(day, hours.closes_at, tzinfo=SEOUL)
    step = timedelta(minutes=hours.slot_minutes)
    while moment + step <= closing:
        starts.append(moment.astimezone(UTC))
        moment += step
    return starts


def bookable_day(agency: Agency, day: date, holidays=None) -> bool:
    """Working days only (weekends and the public holidays of core.holidays excepted), from
    today to :data:`BOOKING_DAYS_AHEAD` ahead, at a desk whose hours are open for booking."""
    hours = db.session.get(BookingHours, agency.id)
    today = local_today()
    return (hours is not None and hours.is_bookable and agency.is_visible
            and today <= day <= today + timedelta(days=BOOKING_DAYS_AHEAD)
            and is_working_day(day, holiday_days() if holidays is None else holidays))


def slots_of(agency: Agency, day: date) -> list[Slot]:
    """The desk's slots of ``day`` with the places taken; none on a day it takes no bookings.
    Slots already begun are left out."""
    if not bookable_day(agency, day):
        return []
    hours = db.session.get(BookingHours, agency.id)
    starts = slot_starts(hours, day)
    first, last = starts[0] if starts else None, starts[-1] if starts else None
    taken = {} if first is None else dict(db.session.execute(
        sa.select(BookingSlot.starts_at, BookingSlot.booked)
        .where(BookingSlot.agency_id == agency.id, BookingSlot.starts_at >= first,
               BookingSlot.starts_at <= last)).all())
    now = utcnow()
    return [Slot(start, taken.get(start, 0), hours.capacity) for start in starts if start > now]


def _find_slot(agency: Agency, starts_at: datetime) -> Slot:
    day = starts_at.astimezone(SEOUL).date()
    slot = next((s for s in slots_of(agency, day) if s.starts_at == starts_at), None)
    if slot is None:
        raise AppointmentError(_("예약할 수 없는 시간입니다. 다른 시간을 고르세요."))
    return slot


def _take_place(agency: Agency, slot: Slot) -> None:
    """Take one place of the slot in one atomic statement.

    :raise SlotFull: every place is taken (also when another desk took the last one a
        moment ago).
    """
    insert_if_missing(BookingSlot, {"agency_id": agency.id, "starts_at": slot.starts_at,
                                    "booked": 0})
    taken = db.session.execute(
        sa.update(BookingSlot)
        .where(BookingSlot.agency_id == agency.id, BookingSlot.starts_at == slot.starts_at,
               BookingSlot.booked < slot.capacity)
        .values(booked=BookingSlot.booked + 1)
        .returning(BookingSlot.booked)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if taken is None:
        raise SlotFull(_("그 시간은 예약이 다 찼습니다. 다른 시간을 고르세요."))


def _release_place(appointment: Appointment) -> None:
    db.session.execute(
        sa.update(BookingSlot)
        .where(BookingSlot.agency_id == appointment.agency_id,
               BookingSlot.starts_at == appointment.starts_at, BookingSlot.booked > 0)
        .values(booked=BookingSlot.booked - 1)
        .execution_options(synchronize_session=False))


# --- booking, moving, cancelling -------------------------------------------------------------

def _stale() -> AppointmentConflict:
    return AppointmentConflict(_l("다른 사람이 이 예약을 먼저 바꿨습니다. 화면을 새로 고쳐 확인하세요."))


def book(actor: Staff, agency: Agency, client: Client, starts_at: datetime, *, purpose: str,
         notify_by_sms: bool = False) -> Appointment:
    """Book the person into the desk's slot starting at ``starts_at`` (UTC).

    :raise AppointmentNotAllowed: not the actor's desk; :raise SlotFull: no place left;
        :raise AppointmentError: not a slot of a bookable day, no consent, no purpose.
    """
    if not may_book(actor, agency):
        raise AppointmentNotAllowed(_("이 창구에는 예약할 수 없습니다."))
    purpose = purpose.strip()
    if not purpose:
        raise AppointmentError(_("예약 목적을 적으세요."))
    if client.centre_id != agency.centre_id:
        raise AppointmentError(_("다른 센터의 방문자입니다."))
    if not has_collection_consent(client, local_today()):
        raise AppointmentError(_("개인정보 수집·이용 동의가 없거나 철회되어 예약할 수 없습니다."))
    if notify_by_sms and not client.phone:
        raise AppointmentError(_("전화번호가 없어 문자 안내를 보낼 수 없습니다."))
    slot = _find_slot(agency, starts_at)
    _take_place(agency, slot)
    appointment = Appointment(
        centre_id=agency.centre_id, agency_id=agency.id, client_id=client.id,
        starts_at=slot.starts_at, day=slot.starts_at.astimezone(SEOUL).date(),
        purpose=purpose[:PURPOSE_MAX], status=AppointmentStatus.BOOKED,
        notify_by_sms=notify_by_sms, booked_at=utcnow(), booked_by_id=actor.id)
    appointment.agency, appointment.client = agency, client
    db.session.add(appointment)
    db.session.flush()
    _queue_messages(appointment)
    audit.record("appointment.booked", actor=actor, subject=appointment, client_id=client.id,
                 centre_id=agency.centre_id,
                 detail={"agency_id": agency.id, "starts_at": slot.starts_at.isoformat(),
                         "notify_by_sms": notify_by_sms})
    return appointment


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise AppointmentError(_("사유를 적으세요."))
    return reason[:REASON_MAX]


def move(actor: Staff, appointment: Appointment, starts_at: datetime, *, reason: str,
         version: int | str | None = None) -> Appointment:
    """예약 변경: to another slot of the same desk; the old place is freed."""
    if not may_change(actor, appointment):
        raise AppointmentNotAllowed(_("바꿀 수 없는 예약입니다."))
    reason = _reason(reason)
    states.check_version(appointment, version, _stale(), required=False)
    if starts_at == appointment.starts_at:
        raise AppointmentError(_("지금과 같은 시간입니다. 다른 시간을 고르세요."))
    slot = _find_slot(appointment.agency, starts_at)
    _take_place(appointment.agency, slot)
    _release_place(appointment)
    before = appointment.starts_at
    appointment.starts_at = slot.starts_at
    appointment.day = slot.starts_at.astimezone(SEOUL).date()
    appointment.change_reason = reason
    appointment.times_moved += 1
    states.flush_or_conflict(_stale())
    _cancel_messages(appointment)
    _queue_messages(appointment, moved=True)
    audit.record("appointment.moved", actor=actor, subject=appointment,
                 client_id=appointment.client_id, centre_id=appointment.centre_id,
                 detail={"from": before.isoformat(), "to": slot.starts_at.isoformat(),
                         "reason": reason})
    return appointment


def cancel(actor: Staff, appointment: Appointment, *, reason: str,
           version: int | str | None = None) -> None:
    """예약 취소, with the reason; the place is freed for someone else."""
    if not may_change(actor, appointment):
        raise AppointmentNotAllowed(_("취소할 수 없는 예약입니다."))
    reason = _reason(reason)
    states.check_version(appointment, version, _stale(), required=False)
    _release_place(appointment)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = utcnow()
    appointment.change_reason = reason
    states.flush_or_conflict(_stale())
    _cancel_messages(appointment)
    audit.record("appointment.cancelled", actor=actor, subject=appointment,
                 client_id=appointment.client_id, centre_id=appointment.centre_id,
                 detail={"reason": reason})


def check_in(actor: Staff, appointment: Appointment, *,
             version: int | str | None = None):
    """도착 확인: the visit is registered by intake's own service, the booked desk first
    and ahead of the walk-ins waiting there. Returns the visit."""
    if not may_check_in(actor, appointment):
        if appointment.status != AppointmentStatus.BOOKED:
            raise AppointmentError(_("이미 처리된 예약입니다."))
        if appointment.day != local_today():
            raise AppointmentError(_("오늘 예약만 도착 확인할 수 있습니다."))
        raise AppointmentNotAllowed(_("도착 확인은 안내데스크와 센터 관리자가 합니다."))
    states.check_version(appointment, version, _stale(), required=False)
    agency = appointment.agency
    try:
        visit = intake.register_visit(
            actor, appointment.centre, client=appointment.client,
            purposes=[agency.kind.domain], plan=[agency], note=appointment.purpose[:100],
            priority=True)
    except intake.VisitError as error:
        raise AppointmentError(str(error)) from error
    appointment.status = AppointmentStatus.ARRIVED
    appointment.arrived_at = visit.arrived_at
    appointment.visit_id = visit.id
    states.flush_or_conflict(_stale())
    _cancel_messages(appointment)
    audit.record("appointment.arrived", actor=actor, subject=appointment,
                 client_id=appointment.client_id, centre_id=appointment.centre_id,
                 detail={"visit_id": visit.id, "ticket": visit.ticket_number})
    return visit


def mark_no_shows(centre_id: int | None = None) -> int:
    """미방문(노쇼): a booking not checked in by the end of its day (closing time, 18:00 in
    Seoul, of core.working_time). Run by ``flask mark-no-shows`` after closing and lazily
    whenever a list of appointments is shown. Returns how many were marked."""
    now = utcnow()
    today = local_today()
    over = Appointment.day < today
    if now.astimezone(SEOUL).time() >= DAY_END:
        over = Appointment.day <= today
    query = sa.select(Appointment.id).where(Appointment.status == AppointmentStatus.BOOKED, over)
    if centre_id is not None:
        query = query.where(Appointment.centre_id == centre_id)
    ids = list(db.session.scalars(query))
    if not ids:
        return 0
    db.session.execute(
        sa.update(Appointment).where(Appointment.id.in_(ids),
                                     Appointment.status == AppointmentStatus.BOOKED)
        .values(status=AppointmentStatus.NO_SHOW, version=Appointment.version + 1)
        .execution_options(synchronize_session=False))
    db.session.execute(
        sa.update(Message).where(Message.appointment_id.in_(ids),
                                 Message.status == MessageStatus.PENDING)
        .values(status=MessageStatus.CANCELLED, last_error="no_show")
        .execution_options(synchronize_session=False))
    audit.record("appointment.no_shows_marked", actor=None, centre_id=centre_id,
                 detail={"count": len(ids), "appointment_ids": ids[:200]})
    return len(ids)


# --- messages ----------------------------------------------------------------------------

WEEKDAYS = (_l("월"), _l("화"), _l("수"), _l("목"), _l("금"), _l("토"), _l("일"))


def message_text(appointment: Appointment, kind: MessageKind, *, moved: bool = False) -> str:
    """The text: the centre, the time and the desk, nothing about the person. Always in
    Korean, whoever booked (the person reads it, not the staff member)."""
    local = appointment.starts_at.astimezone(SEOUL)
    agency = appointment.agency
    desk = f"{agency.name}({agency.desk_location})" if agency.desk_location else agency.name
    with force_locale("ko"):
        when = _("%(m)d월 %(d)d일(%(w)s) %(t)s", m=local.month, d=local.day,
                 w=str(WEEKDAYS[local.weekday()]), t=local.strftime("%H:%M"))
        values = {"centre": appointment.centre.name, "when": when, "desk": desk}
        if kind == MessageKind.REMINDER:
            return _("[%(centre)s] 내일 %(when)s %(desk)s 상담 예약이 있습니다.", **values)
        if moved:
            return _("[%(centre)s] 상담 예약이 %(when)s %(desk)s(으)로 변경되었습니다.", **values)
        return _("[%(centre)s] %(when)s %(desk)s 상담이 예약되었습니다.", **values)


def _queue_messages(appointment: Appointment, *, moved: bool = False) -> None:
    """The confirmation now, and the reminder at 10:00 on the day before (unless that has
    passed already) — only when the person agreed to text messages."""
    if not appointment.notify_by_sms:
        return
    now = utcnow()
    due = {MessageKind.CONFIRMATION: now}
    reminder = datetime.combine(appointment.day - timedelta(days=1), REMINDER_HOUR,
                                tzinfo=SEOUL).astimezone(UTC)
    if reminder > now:
        due[MessageKind.REMINDER] = reminder
    for kind, due_at in due.items():
        db.session.add(Message(
            centre_id=appointment.centre_id, appointment_id=appointment.id, kind=kind,
            body=message_text(appointment, kind, moved=moved), status=MessageStatus.PENDING,
            due_at=due_at, created_at=now))
    db.session.flush()


def _cancel_messages(appointment: Appointment) -> None:
    db.session.execute(
        sa.update(Message).where(Message.appointment_id == appointment.id,
                                 Message.status == MessageStatus.PENDING)
        .values(status=MessageStatus.CANCELLED, last_error="appointment_changed")
        .execution_options(synchronize_session=False))


# --- queries -------------------------------------------------------------------------------

def appointments_visible_to(actor: Staff) -> sa.Select:
    """Appointments of the actor's own centre; the administrator sees none."""
    query = sa.select(Appointment)
    if not may_see_appointments(actor):
        return query.where(sa.false())
    return query.where(Appointment.centre_id == actor.centre_id)


def week_of(day: date) -> tuple[date, date]:
    """Monday to Friday of ``day``'s week."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=4)


# --- retention (cases.retention) -----------------------------------------------------------

def appointment_activity() -> list[sa.Select]:
    """Booking is activity of the person booked."""
    return [sa.select(Appointment.client_id, Appointment.booked_at)]


def erase_appointment_text(client_ids: list[int]) -> None:
    db.session.execute(sa.update(Appointment).where(Appointment.client_id.in_(client_ids))
                       .values(purpose="", change_reason=""))
