"""Demo bookings: the employment and welfare desks take bookings; over the last two weeks
some people booked, most came (checked in at the desk, served), a few cancelled and a few
did not show up; today and the coming days have bookings still to come."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from appointments import services
from appointments.models import Appointment, AppointmentStatus
from cases.models import Client
from cases.people import has_collection_consent
from centers.models import AgencyKind, Centre, Staff
from core.clock import local_today
from core.demo import DemoRun
from core.extensions import db
from core.roles import Role
from intake import services as intake

BOOKING_KINDS = (AgencyKind.EMPLOYMENT, AgencyKind.WELFARE)
PAST_DAYS = 10
COMING_DAYS = 5
PER_DAY = 3  # bookings a desk gets per day
PURPOSES = ("실업급여 수급 상담", "취업성공패키지 참여 상담", "긴급복지 신청 상담", "기초생활보장 상담")


def seed(run: DemoRun) -> None:
    run.count("예약", Appointment)
    for centre in run.centres:
        _plan_centre(run, centre)


def _plan_centre(run: DemoRun, centre: Centre) -> None:
    agencies = [a for a in centre.visible_agencies() if a.kind in BOOKING_KINDS]
    staff = db.session.scalars(sa.select(Staff).where(Staff.centre_id == centre.id,
                                                      Staff.is_active_account)).all()
    manager = next((s for s in staff if s.role == Role.MANAGER), None)
    desk = next((s for s in staff if s.role == Role.FRONT_DESK), None)
    if not agencies or manager is None or desk is None:
        return
    run.at(run.start, _set_hours, manager.id, [a.id for a in agencies])
    past = run.working_days(first=run.add_working_days(run.today, -PAST_DAYS),
                            last=run.today - timedelta(days=1))
    coming = [run.add_working_days(run.today, n) for n in range(0, COMING_DAYS)]
    for day in past + coming:
        for agency in agencies:
            workers = [s for s in staff if s.agency_id == agency.id]
            for _n in range(PER_DAY):
                hour, minute = run.rng.choice(range(10, 17)), run.rng.choice((0, 30))
                pick = run.rng.randrange(1000)
                purpose = run.rng.choice(PURPOSES)
                fate = run.rng.choices(("arrive", "cancel", "no_show"), weights=(8, 1, 1))[0]
                slot = run.moment(day, hour, minute)
                booked_at = min(run.now - timedelta(minutes=5),
                                run.moment(run.add_working_days(day, -1), 15, pick % 60))
                holder: dict = {}
                run.at(booked_at, _book, holder, desk.id, agency.id, slot, pick, purpose)
                if fate == "cancel":
                    run.at(booked_at + timedelta(minutes=30), _cancel, holder, desk.id)
                elif fate == "arrive" and workers:
                    worker = workers[pick % len(workers)]
                    run.at(slot - timedelta(minutes=7), _arrive, holder, desk.id)
                    start = slot + timedelta(minutes=pick % 12)
                    run.at(start, _serve, holder, worker.id, "start")
                    run.at(start + timedelta(minutes=20), _serve, holder, worker.id, "finish")
        run.at(run.moment(day, 18, 30), services.mark_no_shows, centre.id)


def _set_hours(manager_id: int, agency_ids: list[int]) -> None:
    from centers.models import Agency

    manager = db.session.get(Staff, manager_id)
    for agency_id in agency_ids:
        services.set_hours(manager, db.session.get(Agency, agency_id),
                           opens_at=services.DEFAULT_OPENS, closes_at=services.DEFAULT_CLOSES,
                           slot_minutes=30, capacity=2, is_bookable=True)
    db.session.commit()


def _book(holder: dict, desk_id: int, agency_id: int, slot, pick: int, purpose: str) -> None:
    from centers.models import Agency

    desk = db.session.get(Staff, desk_id)
    agency = db.session.get(Agency, agency_id)
    people = [c for c in db.session.scalars(
        sa.select(Client).where(Client.centre_id == agency.centre_id,
                                Client.anonymised_at.is_(None)).order_by(Client.id).limit(200))
        if has_collection_consent(c, local_today())]
    if not people:
        return
    client = people[pick % len(people)]
    try:
        with db.session.begin_nested():
            appointment = services.book(desk, agency, client, slot, purpose=purpose,
                                        notify_by_sms=bool(client.phone))
    except services.AppointmentError:
        return  # the slot filled up, or the day is not bookable: no booking
    db.session.commit()
    holder["id"] = appointment.id


def _cancel(holder: dict, desk_id: int) -> None:
    appointment = db.session.get(Appointment, holder.get("id", 0))
    if appointment is None or appointment.status != AppointmentStatus.BOOKED:
        return
    services.cancel(db.session.get(Staff, desk_id), appointment, reason="본인 사정으로 취소 요청")
    db.session.commit()


def _arrive(holder: dict, desk_id: int) -> None:
    appointment = db.session.get(Appointment, holder.get("id", 0))
    if appointment is None or appointment.status != AppointmentStatus.BOOKED:
        return
    try:
        visit = services.check_in(db.session.get(Staff, desk_id), appointment)
    except services.AppointmentError:
        db.session.rollback()
        return
    db.session.commit()
    holder["visit"] = visit.id


def _serve(holder: dict, worker_id: int, action: str) -> None:
    """The booked desk's caseworker serves the visitor (unless another desk did already)."""
    from intake.models import Visit

    visit = db.session.get(Visit, holder.get("visit", 0))
    if visit is None or action not in intake.visit_actions(db.session.get(Staff, worker_id), visit):
        return
    intake.transition(db.session.get(Staff, worker_id), visit, action)
    db.session.commit()
