"""The access log (접속기록): every read, search, print and download of personal data leaves an
event naming who, when, from where, which person and what was done."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from cases import services as casework
from cases.models import ConsentMethod, NoteKind
from centers.models import AgencyKind
from core.audit import AuditEvent
from core.clock import SEOUL, local_today
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from factories import (
    bearer,
    login,
    make_agency,
    make_case,
    make_centre,
    make_client,
    make_partner,
    make_referral,
    make_staff,
    make_token,
    make_visit,
)
from outreach import services as outreach
from outreach.models import DocumentType, OutreachKind
from referrals import outward

# GET (and search POST) endpoints that show no one's personal data: the centre's set-up,
# the catalogue, aggregate reports, the staff's own account, blank forms. A new endpoint
# must be put here or in PERSON_DATA_REQUESTS below, so nobody forgets the access log.
NO_PERSON_DATA = {
    "home.index", "home.health", "static", "auth.login", "auth.enrol", "auth.api_tokens",
    "auth.change_password", "centers.list_centres", "centers.show_centre", "centers.new_centre",
    "centers.edit_centre", "centers.new_agency", "centers.edit_agency", "centers.list_staff",
    "centers.edit_staff", "centers.new_staff",
    # The access log shows person numbers, not people; its CSV export is logged all the same.
    "access.review", "access.export",
    "catalogue.own_centre_services", "catalogue.centre_services", "catalogue.export_directory",
    "catalogue.browse", "catalogue.show_service", "catalogue.edit_service",
    "catalogue.import_services", "catalogue.new_service", "board.show", "board.feed",
    "board.settings", "intake.consent_documents", "intake.print_consent_document",
    "intake.publish_consent_document", "intake.register_person", "intake.new_anonymous_visit",
    "referrals.holidays", "referrals.notifications", "reports.show_dashboard",
    "reports.monthly_latest", "reports.monthly", "reports.monthly_csv", "reports.monthly_pdf",
    "reports.monthly_xlsx", "reports.national_latest", "reports.national", "reports.national_pdf",
    "reports.national_xlsx", "reports.national_open_csv", "reports.monthly_open_csv",
    "api-docs.openapi_json", "api_services.search",
    "api_reports.monthly",
    # A desk's bookable hours; the text messages name no one and show numbers masked.
    "appointments.hours", "appointments.edit_hours", "appointments.messages",
    # A closed month's editions are aggregates; partners are organisations, not people.
    "closing.editions", "partners.index", "partners.show", "partners.new", "partners.edit",
    "partners.export", "partners.import_file",
    # A centre's targets and the covers' 수신/발신: settings, no one's data.
    "report_settings.edit_targets", "report_settings.edit_addressee",
}
# Pages and answers reached by a partner outside the centre, not by staff: each opening is
# logged under the partner's name (tests/test_partner_referrals.py checks the events).
PARTNER_REACHED = {"partner_access.open_link", "api_partner_referrals.listing",
                   "api_partner_referrals.show"}


@pytest.fixture
def app_settings(tmp_path):
    return {"OUTREACH_PHOTO_DIR": str(tmp_path / "photos")}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="PNG")
    return out.getvalue()


def place():
    centre = make_centre(code="namyangju")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT)
    welfare = make_agency(centre, AgencyKind.WELFARE)
    caseworker = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    person = make_client(centre, name="김민수", phone="+821012345678", share_with=[welfare])
    case = make_case(person, jobs, caseworker)
    referral = make_referral(case, welfare)
    visit = make_visit(centre, [jobs], client=person)
    note = casework.add_note(caseworker, case, kind=NoteKind.COUNSELLING, body="상담함",
                             is_confidential=False)
    partner = make_partner(centre, name="정신건강복지센터")
    partner_referral = outward.send(caseworker, case, partner, reason="상담", consent_confirmed=True,
                                    consent_method=ConsentMethod.WRITTEN,
                                    consent_given_on=local_today())
    trip = outreach.plan_visit(caseworker, case, kind=OutreachKind.HOME, address="별내동 1-2",
                               purpose="실태 확인", start=utcnow() + timedelta(minutes=5),
                               end=utcnow() + timedelta(hours=1), companion_ids=[])
    outreach.step(caseworker, trip, "check_in")
    photo = outreach.add_photo(caseworker, trip, document_type=DocumentType.ID_CARD,
                               data=_png(), directory=outreach.photo_directory())
    db.session.commit()
    return {
        "centre": centre, "caseworker": caseworker, "person": person, "case": case,
        "referral": referral, "partner_referral": partner_referral, "visit": visit, "note": note,
        "trip": trip, "photo": photo,
        "desk": make_staff(Role.FRONT_DESK, centre=centre),
        "manager": make_staff(Role.MANAGER, centre=centre),
    }


def person_data_requests(p):
    """(who, method, url, body or None, endpoint) for every page and API answer showing a
    person's data, each reached as a caseworker where the caseworker may reach it."""
    person, case, visit = p["person"], p["case"], p["visit"]
    cw, desk, manager = "caseworker", "desk", "manager"
    booked = _booking(p)
    return [
        (cw, "GET", f"/appointments/?day={booked.day.isoformat()}", None, "appointments.day"),
        (cw, "GET", f"/appointments/week?day={booked.day.isoformat()}", None, "appointments.week"),
        (desk, "POST", "/appointments/find", {"q": "김민수"}, "appointments.find_person"),
        (desk, "GET", f"/appointments/people/{person.id}/new", None, "appointments.book"),
        (cw, "GET", f"/appointments/{booked.id}", None, "appointments.show"),
        (desk, "GET", f"/appointments/{booked.id}/move", None, "appointments.move"),
        (desk, "POST", "/intake/", {"q": "김민수"}, "intake.search"),
        (cw, "GET", f"/intake/people/{person.id}", None, "intake.show_person"),
        (desk, "GET", f"/intake/people/{person.id}/edit", None, "intake.edit_person"),
        (desk, "GET", f"/intake/people/{person.id}/consents/new", None, "intake.record_consent"),
        (desk, "GET", f"/intake/people/{person.id}/visits/new", None, "intake.new_visit"),
        (cw, "GET", f"/intake/consents/{person.consents[0].id}/receipt", None,
         "intake.consent_receipt"),
        (cw, "GET", f"/intake/visits/{visit.id}", None, "intake.show_visit"),
        (cw, "GET", f"/intake/visits/{visit.id}/ticket", None, "intake.print_ticket"),
        (cw, "GET", f"/intake/visits/{visit.id}/checklist", None, "intake.print_checklist"),
        (cw, "GET", "/intake/queue", None, "intake.queue"),
        (cw, "GET", "/cases/", None, "cases.caseload"),
        (cw, "POST", "/cases/", {"q": "김민수"}, "cases.caseload"),
        (cw, "POST", "/cases/people/search-with-reason",
         {"q": "김민수", "reason": "본인이 전화로 상담 요청"}, "cases.reasoned_search"),
        (cw, "GET", f"/cases/people/{person.id}", None, "cases.person"),
        (cw, "GET", f"/cases/people/{person.id}/conferences/new", None, "cases.new_conference"),
        (cw, "GET", f"/cases/new?client_id={person.id}", None, "cases.open_case"),
        (cw, "GET", f"/cases/{case.id}", None, "cases.show"),
        (cw, "GET", f"/cases/notes/{p['note'].id}/edit", None, "cases.edit_note"),
        (cw, "GET", f"/cases/notes/{p['note'].id}/history", None, "cases.note_history"),
        (cw, "GET", f"/referrals/new?case_id={case.id}", None, "referrals.send"),
        (cw, "GET", f"/referrals/{p['referral'].id}", None, "referrals.show"),
        (cw, "GET", f"/referrals/{p['referral'].id}/slip.pdf", None, "referrals.slip"),
        (cw, "GET", "/referrals/sent", None, "referrals.sent"),
        (cw, "GET", f"/referrals/partner/new?case_id={case.id}", None, "partner_referrals.send"),
        (cw, "GET", "/referrals/partner", None, "partner_referrals.index"),
        (cw, "GET", f"/referrals/partner/{p['partner_referral'].id}", None,
         "partner_referrals.show"),
        ("welfare", "GET", "/referrals/inbox", None, "referrals.inbox"),
        (manager, "GET", "/reports/dashboard/open_cases", None, "reports.dashboard_list"),
        (desk, "POST", "/api/v1/people/search", {"q": "김민수"}, "api_people.search"),
        (cw, "GET", f"/api/v1/people/{person.id}", None, "api_people.show"),
        (cw, "GET", f"/api/v1/cases/{case.id}", None, "api_cases.show"),
        (cw, "GET", f"/api/v1/visits/{visit.id}", None, "api_visits.show"),
        (desk, "GET", f"/audit/people/{person.id}", None, "access.person_history"),
        (desk, "GET", f"/audit/people/{person.id}.pdf", None, "access.person_history_pdf"),
        (cw, "GET", "/api/v1/queue", None, "api_visits.queue"),
        (cw, "GET", f"/outreach/?day={p['trip'].planned_start_at.astimezone(SEOUL).date()}", None,
         "outreach.day"),
        (cw, "GET", "/outreach/new", None, "outreach.plan"),
        (cw, "GET", f"/outreach/{p['trip'].id}", None, "outreach.show"),
        (cw, "GET", f"/outreach/{p['trip'].id}/record", None, "outreach.record"),
        (cw, "GET", f"/outreach/photos/{p['photo'].id}", None, "outreach.photo"),
        (cw, "GET", "/api/v1/referrals?box=outgoing", None, "api_referrals.listing"),
        (cw, "GET", f"/api/v1/referrals/{p['referral'].id}", None, "api_referrals.show"),
    ]


def _booking(p):
    """김민수 booked at the caseworker's desk on the next day it takes bookings."""
    from datetime import time, timedelta

    from appointments import services as booking
    from core.clock import local_today

    agency = p["caseworker"].agency
    booking.set_hours(p["manager"], agency, opens_at=time(9), closes_at=time(17), slot_minutes=30,
                      capacity=5, is_bookable=True)
    day = next(d for d in (local_today() + timedelta(days=n) for n in range(1, 15))
               if booking.slots_of(agency, d))
    appointment = booking.book(p["desk"], agency, p["person"], booking.slots_of(agency, day)[0]
                               .starts_at, purpose="상담")
    db.session.commit()
    return appointment


def _events_after(last_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)))


def _last_id() -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0)))


def test_every_page_and_answer_showing_a_person_writes_an_access_log_event(app, client):
    p = place()
    welfare_worker = make_staff(Role.CASEWORKER, centre=p["centre"],
                                agency=p["referral"].to_agency)
    staff = {"caseworker": p["caseworker"], "desk": p["desk"], "manager": p["manager"],
             "welfare": welfare_worker}
    tokens = {name: make_token(member) for name, member in staff.items()}
    person_id = p["person"].id
    requests = person_data_requests(p)
    missing = []
    for who, method, url, body, endpoint in requests:
        last = _last_id()
        if url.startswith("/api/"):
            response = client.open(url, method=method, json=body, headers=bearer(tokens[who]))
        else:
            client.post("/logout")
            assert login(client, staff[who].username).status_code == 302
            last = _last_id()  # the sign-in is an event too
            response = client.open(url, method=method, data=body)
        assert response.status_code in (200, 302), (url, response.status_code)
        events = [e for e in _events_after(last) if e.staff_id == staff[who].id and (
            e.client_id == person_id or person_id in e.detail.get("client_ids", []))]
        if not events:
            missing.append(f"{method} {url} ({endpoint})")
        for event in events:
            assert event.ip and event.at and event.action
    assert not missing, "no access-log event for: " + ", ".join(missing)


def test_every_endpoint_is_known_to_show_or_not_show_personal_data(app):
    covered = {endpoint for *_rest, endpoint in person_data_requests(place())}
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if "GET" in rule.methods or rule.endpoint in covered}
    unknown = endpoints - covered - NO_PERSON_DATA - PARTNER_REACHED
    assert not unknown, f"say whether these show personal data (and log it): {sorted(unknown)}"


def test_searches_log_how_many_were_found_but_never_what_was_searched(app, client):
    p = place()
    login(client, p["desk"].username)
    client.post("/intake/", data={"q": "김민수"})
    client.post("/intake/", data={"q": "010-1234-5678"})
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "client.searched").order_by(AuditEvent.id)).all()
    assert [(e.detail["understood_as"], e.detail["count"]) for e in events] == [
        ("name", 1), ("phone", 1)]
    stored = " ".join(str(e.detail) for e in events)
    assert "김민수" not in stored and "1234" not in stored


# --- who viewed my record (PIPA 제35조) -------------------------------------------------------

def test_the_person_is_told_which_agencies_and_staff_read_printed_or_changed_their_record(
        app, client):
    p = place()
    person = p["person"]
    reader = login(client, p["caseworker"].username)
    assert reader.status_code == 302
    client.get(f"/cases/people/{person.id}")
    client.get(f"/referrals/{p['referral'].id}/slip.pdf")
    assert client.get(f"/audit/people/{person.id}").status_code == 403
    client.post("/logout")
    login(client, p["desk"].username)
    record_page = client.get(f"/intake/people/{person.id}").text
    assert f'href="/audit/people/{person.id}"' in record_page
    page = client.get(f"/audit/people/{person.id}").text
    worker, agency = p["caseworker"].display_name, p["caseworker"].agency.name
    assert worker in page and agency in page
    assert all(f"<td>{word}</td>" in page for word in ("열람", "출력", "변경"))
    pdf = client.get(f"/audit/people/{person.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Cache-Control"] == "no-store"
    printed = [e for e in _events_after(0) if e.action == "client.access_history_printed"]
    assert [(e.client_id, e.staff_id) for e in printed] == [(person.id, p["desk"].id)]


def test_another_centres_desk_cannot_ask_for_the_history(app, client):
    p = place()
    other = make_centre(code="suwon")
    login(client, make_staff(Role.FRONT_DESK, centre=other).username)
    assert client.get(f"/audit/people/{p['person'].id}").status_code == 404
    assert client.get(f"/audit/people/{p['person'].id}.pdf").status_code == 404


REFRESH = {"X-Requested-With": "hanjari-refresh"}


def _listings(action: str) -> list[dict]:
    return list(db.session.scalars(sa.select(AuditEvent.detail).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


def test_queue_refresh_logs_only_when_the_people_listed_change(client, login_as):
    centre = make_centre()
    jobs = make_agency(centre)
    first = make_client(centre, name="김첫째")
    make_visit(centre, [jobs], client=first)
    login_as(Role.FRONT_DESK, centre=centre)

    assert client.get("/intake/queue").status_code == 200  # the desk opens the queue: logged
    for _ in range(3):  # the page refreshes itself, nobody new: the first event still says it
        assert client.get("/intake/queue", headers=REFRESH).status_code == 200
    assert [d["client_ids"] for d in _listings("visit.listed")] == [[first.id]]

    second = make_client(centre, name="이둘째", birth_date=local_today() - timedelta(days=9000))
    make_visit(centre, [jobs], client=second)
    client.get("/intake/queue", headers=REFRESH)  # someone new on screen: logged, marked a refresh
    client.get("/intake/queue", headers=REFRESH)
    events = _listings("visit.listed")
    assert [sorted(d["client_ids"]) for d in events] == [[first.id], sorted([first.id, second.id])]
    assert events[1]["refresh"] is True and "refresh" not in events[0]

    client.get("/intake/queue")  # opening the page by hand is always a read of its own
    assert len(_listings("visit.listed")) == 3


def test_inbox_refresh_logs_only_when_the_referrals_listed_change(client, login_as):
    centre = make_centre()
    jobs, welfare = make_agency(centre), make_agency(centre, AgencyKind.WELFARE)
    person = make_client(centre, share_with=[jobs, welfare])
    case = make_case(person, jobs)
    make_referral(case, welfare)
    login_as(Role.CASEWORKER, centre=centre, agency=welfare)

    client.get("/referrals/inbox")
    client.get("/referrals/inbox", headers=REFRESH)
    assert [d["client_ids"] for d in _listings("referral.listed")] == [[person.id]]
    client.get("/referrals/inbox?view=all", headers=REFRESH)  # same people, same page: still one
    assert len(_listings("referral.listed")) == 1
