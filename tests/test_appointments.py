"""Booked consultations: bookable hours, booking within capacity (also at once), moving and
cancelling with a reason, arrival into the queue ahead of walk-ins, no-shows."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from appointments import services
from appointments.models import Appointment, AppointmentStatus, BookingHours, BookingSlot
from centers.models import AgencyKind
from core.clock import SEOUL
from core.extensions import db
from core.roles import Role
from factories import (
    PASSWORD,
    at_once,
    audit_actions,
    login,
    make_centre,
    make_client,
    make_staff,
)
from intake.models import StopStatus, Visit, VisitStop

#: A Tuesday morning in Seoul; the next day is a working day, 2026-12-25 a public holiday.
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SEOUL)
TOMORROW = NOW.date() + timedelta(days=1)


def slot(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=SEOUL).astimezone(UTC)


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def jobs(centre):
    return next(a for a in centre.agencies if a.kind == AgencyKind.EMPLOYMENT)


def open_hours(agency, capacity=1, slot_minutes=30):
    manager = make_staff(Role.MANAGER, centre=agency.centre)
    services.set_hours(manager, agency, opens_at=time(9), closes_at=time(12),
                       slot_minutes=slot_minutes, capacity=capacity, is_bookable=True)
    db.session.commit()


def book_form(moment, **kw):
    return {"starts_at": moment.isoformat(), "purpose": "실업급여 수급 상담", **kw}


def count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_the_manager_sets_a_desks_bookable_hours_and_others_may_not(client, login_as, centre):
    agency = jobs(centre)
    login_as(Role.MANAGER, centre=centre)
    assert "고용센터" in client.get("/appointments/hours").text
    response = client.post(f"/appointments/hours/{agency.id}", data={
        "opens_at": "09:00", "closes_at": "12:00", "slot_minutes": "30", "capacity": "2",
        "is_bookable": "y"})
    assert response.status_code == 302
    hours = db.session.get(BookingHours, agency.id)
    assert (hours.opens_at, hours.closes_at, hours.capacity) == (time(9), time(12), 2)
    refused = client.post(f"/appointments/hours/{agency.id}", data={
        "opens_at": "12:00", "closes_at": "09:00", "slot_minutes": "30", "capacity": "2"})
    assert "끝나는 시각이 시작 시각보다 늦어야 합니다." in refused.text
    client.post("/logout")
    login_as(Role.FRONT_DESK, centre=centre)
    assert client.get("/appointments/hours").status_code == 403
    assert client.post(f"/appointments/hours/{agency.id}", data={
        "opens_at": "09:00", "closes_at": "10:00", "slot_minutes": "30",
        "capacity": "9"}).status_code == 403
    assert db.session.get(BookingHours, agency.id).capacity == 2


def test_slots_are_offered_on_working_days_only(client, login_as, centre):
    agency = jobs(centre)
    open_hours(agency)
    person = make_client(centre)
    login_as(Role.FRONT_DESK, centre=centre)
    page = client.get(f"/appointments/people/{person.id}/new?agency={agency.id}"
                      f"&day={TOMORROW.isoformat()}").text
    assert page.count('name="starts_at"') == 6  # 09:00 to 11:30, every 30 minutes
    for closed in ("2026-12-05", "2026-12-25"):  # a Saturday; 성탄절
        page = client.get(f"/appointments/people/{person.id}/new?agency={agency.id}&day={closed}").text
        assert 'name="starts_at"' not in page and "예약할 수 있는 시간이 없습니다" in page
    today = client.get(f"/appointments/people/{person.id}/new?agency={agency.id}").text
    assert "09:30" not in today and "10:30" in today  # slots already begun are gone
    refused = client.post(f"/appointments/people/{person.id}/new?agency={agency.id}&day=2026-12-25",
                          data=book_form(slot(date(2026, 12, 25), 9)))
    assert refused.status_code in (200, 302) and count(Appointment) == 0


def test_the_desk_finds_a_person_and_books_them_within_the_slots_capacity(client, login_as, centre):
    agency = jobs(centre)
    open_hours(agency, capacity=1)
    person = make_client(centre, name="김민수")
    other = make_client(centre, name="이영희")
    login_as(Role.FRONT_DESK, centre=centre)
    found = client.post("/appointments/find", data={"q": "김민수"})
    assert f"/appointments/people/{person.id}/new" in found.text and "김민수" not in found.request.url
    url = f"/appointments/people/{person.id}/new?agency={agency.id}&day={TOMORROW.isoformat()}"
    response = client.post(url, data=book_form(slot(TOMORROW, 9)))
    assert response.status_code == 302
    appointment = db.session.scalar(sa.select(Appointment))
    assert (appointment.status, appointment.day) == (AppointmentStatus.BOOKED, TOMORROW)
    assert "appointment.booked" in audit_actions()
    full = client.post(f"/appointments/people/{other.id}/new?agency={agency.id}&day={TOMORROW.isoformat()}",
                       data=book_form(slot(TOMORROW, 9)), follow_redirects=True)
    assert "예약할 수 없는 시간입니다" in full.text or "다 찼습니다" in full.text
    assert count(Appointment) == 1
    assert db.session.get(BookingSlot, (agency.id, slot(TOMORROW, 9))).booked == 1
    day = client.get(f"/appointments/?agency={agency.id}&day={TOMORROW.isoformat()}").text
    assert "09:00" in day and person.masked_name in day
    week = client.get(f"/appointments/week?agency={agency.id}").text
    assert person.masked_name in week


def test_a_caseworker_books_at_their_own_desk_only(client, login_as, centre):
    agency = jobs(centre)
    welfare = next(a for a in centre.agencies if a.kind == AgencyKind.WELFARE)
    open_hours(agency)
    open_hours(welfare)
    person = make_client(centre, share_with=[welfare])  # a caseworker reads only who shared
    login_as(Role.CASEWORKER, centre=centre, agency=welfare)
    refused = client.post(f"/appointments/people/{person.id}/new?agency={agency.id}"
                          f"&day={TOMORROW.isoformat()}", data=book_form(slot(TOMORROW, 9)))
    assert count(Appointment) == 0 and refused.status_code == 403
    own = client.post(f"/appointments/people/{person.id}/new?agency={welfare.id}"
                      f"&day={TOMORROW.isoformat()}", data=book_form(slot(TOMORROW, 9)))
    assert own.status_code == 302
    assert db.session.scalar(sa.select(Appointment.agency_id)) == welfare.id


def test_desks_booking_the_last_places_at_once_never_overbook(app, centre):
    """Six desks post at the same moment for a slot with two places: two bookings, on
    both engines (the place is taken by one conditional UPDATE)."""
    agency = jobs(centre)
    open_hours(agency, capacity=2)
    people = [make_client(centre, name=f"사람{n}") for n in range(6)]
    desks = []
    for _ in people:
        desk = app.test_client()
        login(desk, make_staff(Role.FRONT_DESK, centre=centre).username, PASSWORD)
        desks.append(desk)
    moment = slot(TOMORROW, 10)
    urls = [f"/appointments/people/{p.id}/new?agency={agency.id}&day={TOMORROW.isoformat()}"
            for p in people]
    statuses = at_once([(lambda d=d, u=u: d.post(u, data=book_form(moment)).status_code)
                         for d, u in zip(desks, urls, strict=True)])
    assert all(status == 302 for status in statuses)
    assert count(Appointment, Appointment.starts_at == moment) == 2
    assert db.session.get(BookingSlot, (agency.id, moment)).booked == 2


def _book(centre, agency, person, moment, notify=False):
    desk = make_staff(Role.FRONT_DESK, centre=centre)
    appointment = services.book(desk, agency, person, moment, purpose="상담", notify_by_sms=notify)
    db.session.commit()
    return appointment


def test_moving_and_cancelling_need_a_reason_and_free_the_place(client, login_as, centre):
    agency = jobs(centre)
    open_hours(agency)
    appointment = _book(centre, agency, make_client(centre), slot(TOMORROW, 9))
    login_as(Role.FRONT_DESK, centre=centre)
    url = f"/appointments/{appointment.id}/move?day={TOMORROW.isoformat()}"
    assert "09:30" in client.get(url).text
    client.post(url, data={"starts_at": slot(TOMORROW, 9, 30).isoformat(), "reason": "",
                           "version": appointment.version})
    assert db.session.get(Appointment, appointment.id).starts_at == slot(TOMORROW, 9)
    moved = client.post(url, data={"starts_at": slot(TOMORROW, 9, 30).isoformat(),
                                   "reason": "본인 요청", "version": appointment.version})
    assert moved.status_code == 302
    appointment = db.session.get(Appointment, appointment.id)
    assert appointment.starts_at == slot(TOMORROW, 9, 30) and appointment.change_reason == "본인 요청"
    assert db.session.get(BookingSlot, (agency.id, slot(TOMORROW, 9))).booked == 0
    stale = client.post(f"/appointments/{appointment.id}/cancel",
                        data={"reason": "취소", "version": appointment.version - 1},
                        follow_redirects=True)
    assert "먼저 바꿨습니다" in stale.text
    client.post(f"/appointments/{appointment.id}/cancel", data={"reason": "", "version": appointment.version})
    assert db.session.get(Appointment, appointment.id).status == AppointmentStatus.BOOKED
    client.post(f"/appointments/{appointment.id}/cancel",
                data={"reason": "입원", "version": appointment.version})
    appointment = db.session.get(Appointment, appointment.id)
    assert appointment.status == AppointmentStatus.CANCELLED and appointment.change_reason == "입원"
    assert db.session.get(BookingSlot, (agency.id, slot(TOMORROW, 9, 30))).booked == 0
    assert audit_actions()[-2:] == ["appointment.viewed", "appointment.cancelled"] or \
        "appointment.cancelled" in audit_actions()
    assert client.post(f"/appointments/{appointment.id}/cancel",
                       data={"reason": "또", "version": appointment.version}).status_code == 403


def test_arrival_makes_the_visit_at_the_booked_desk_called_before_walk_ins(
        client, login_as, centre, pinned_clock):
    agency = jobs(centre)
    open_hours(agency)
    person = make_client(centre)
    appointment = _book(centre, agency, person, slot(NOW.date(), 11))
    walk_in = make_client(centre, name="박철수")
    from factories import make_visit
    make_visit(centre, [agency], client=walk_in)  # waiting since before the booked person came
    pinned_clock.shift(timedelta(minutes=30))
    login_as(Role.FRONT_DESK, centre=centre)
    day = client.get(f"/appointments/?agency={agency.id}").text
    assert "도착 확인" in day
    response = client.post(f"/appointments/{appointment.id}/check-in",
                           data={"back": "day", "agency": agency.id}, follow_redirects=True)
    assert "도착 확인했습니다. 번호표 A-002" in response.text
    appointment = db.session.get(Appointment, appointment.id)
    assert appointment.status == AppointmentStatus.ARRIVED
    visit = db.session.get(Visit, appointment.visit_id)
    assert visit.client_id == person.id and [s.agency_id for s in visit.stops] == [agency.id]
    assert visit.stops[0].is_priority
    again = client.post(f"/appointments/{appointment.id}/check-in")
    assert again.status_code == 403 and count(Visit) == 2
    client.post("/logout")
    login_as(Role.CASEWORKER, centre=centre, agency=agency)
    client.post(f"/intake/agencies/{agency.id}/call-next")
    called = db.session.scalar(sa.select(VisitStop).where(VisitStop.status == StopStatus.CALLED))
    assert called.visit_id == visit.id


def test_bookings_not_kept_by_closing_time_become_no_shows(client, login_as, runner, centre,
                                                           pinned_clock):
    agency = jobs(centre)
    open_hours(agency)
    today = _book(centre, agency, make_client(centre), slot(NOW.date(), 11))
    tomorrow = _book(centre, agency, make_client(centre, name="이영희"), slot(TOMORROW, 9))
    pinned_clock.move_to(datetime.combine(NOW.date(), time(17, 59), tzinfo=SEOUL))
    assert "marked 0 no-shows" in runner.invoke(args=["mark-no-shows"]).output
    pinned_clock.move_to(datetime.combine(NOW.date(), time(18, 30), tzinfo=SEOUL))
    assert "marked 1 no-shows" in runner.invoke(args=["mark-no-shows"]).output
    assert db.session.get(Appointment, today.id).status == AppointmentStatus.NO_SHOW
    # Lazily, when the list is shown the day after (no command ran at closing).
    pinned_clock.move_to(datetime.combine(TOMORROW + timedelta(days=1), time(9), tzinfo=SEOUL))
    login_as(Role.FRONT_DESK, centre=centre)
    page = client.get(f"/appointments/?day={TOMORROW.isoformat()}").text
    assert "미방문(노쇼)" in page
    assert db.session.get(Appointment, tomorrow.id).status == AppointmentStatus.NO_SHOW


def test_another_centre_and_the_administrator_see_no_appointment(client, login_as, centre):
    agency = jobs(centre)
    open_hours(agency)
    appointment = _book(centre, agency, make_client(centre), slot(TOMORROW, 9))
    login_as(Role.FRONT_DESK, centre=make_centre())
    assert client.get(f"/appointments/{appointment.id}").status_code == 404
    assert client.post(f"/appointments/{appointment.id}/cancel", data={"reason": "x"}).status_code == 404
    client.post("/logout")
    login_as(Role.ADMIN)
    assert client.get("/appointments/").status_code == 403
    assert re.search(r"/appointments/\d+", client.get("/").text) is None


def test_the_monthly_report_counts_bookings_no_shows_and_the_wait_booked_or_walked_in(
        client, login_as, runner, centre, pinned_clock):
    import csv
    import io

    from intake import services as intake

    agency = jobs(centre)
    open_hours(agency, capacity=2)
    kept, late, missed, dropped = (
        _book(centre, agency, make_client(centre, name=name), slot(TOMORROW, hour, minute))
        for name, hour, minute in (("가나다", 9, 0), ("라마바", 9, 30), ("사아자", 10, 0),
                                   ("차카타", 10, 30)))
    services.cancel(make_staff(Role.FRONT_DESK, centre=centre), dropped, reason="본인 사정")
    db.session.commit()
    worker = make_staff(Role.CASEWORKER, centre=centre, agency=agency)
    from factories import make_visit

    def at(hour, minute):
        pinned_clock.move_to(datetime.combine(TOMORROW, time(hour, minute), tzinfo=SEOUL))

    at(8, 50)
    make_visit(centre, [agency], client=make_client(centre, name="파하"))  # walks in
    login_as(Role.FRONT_DESK, centre=centre)
    at(8, 55)
    client.post(f"/appointments/{kept.id}/check-in")
    at(9, 0)
    intake.call_next(worker, agency)  # the booked visitor first: 5 minutes
    db.session.commit()  # the desk's own request would wait on this transaction otherwise
    at(9, 20)
    intake.call_next(worker, agency)  # then the walk-in: 30 minutes
    db.session.commit()
    at(9, 25)
    client.post(f"/appointments/{late.id}/check-in")
    at(9, 35)
    intake.call_next(worker, agency)  # 10 minutes
    db.session.commit()
    at(18, 30)
    runner.invoke(args=["mark-no-shows"])  # cron, after closing
    client.post("/logout")
    login_as(Role.MANAGER, centre=centre)
    rows = list(csv.reader(io.StringIO(
        client.get("/reports/monthly/namyangju/2026-12.csv").data.decode("utf-8-sig"))))
    start = rows.index(["예약 상담"]) + 1
    values = {row[0]: row[1] for row in rows[start:start + 7]}
    assert values["예약"] == "4" and values["도착"] == "2" and values["미방문(노쇼)"] == "1"
    assert values["미방문 비율"] == "33.3" and values["예약 취소"] == "1"
    assert values["예약 방문자 첫 창구 평균 대기"] == "7.5"
    assert values["바로 온 방문자 첫 창구 평균 대기"] == "30.0"
    assert db.session.get(Appointment, missed.id).status == AppointmentStatus.NO_SHOW
