"""Outreach visits (찾아가는 상담) through HTTP: planning and the lists, who sees what, the
safety steps and the alert, the record made on the spot (stale saves, photos, signature)."""

from __future__ import annotations

import base64
import io
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import time_machine
from PIL import Image

from cases.models import CaseNote, Consent, NoteKind
from centers.models import AgencyKind
from core.clock import SEOUL, local_today
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from factories import login, make_agency, make_case, make_centre, make_client, make_staff
from outreach.models import OutreachPhoto, OutreachStatus, OutreachVisit


@pytest.fixture
def app_settings(tmp_path):
    return {"OUTREACH_PHOTO_DIR": str(tmp_path / "photos")}


@pytest.fixture
def place():
    centre = make_centre(code="namyangju")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT, name="고용센터")
    welfare = make_agency(centre, AgencyKind.WELFARE, name="복지지원팀")
    worker = make_staff(Role.CASEWORKER, centre=centre, agency=jobs, display_name="박고용")
    person = make_client(centre, name="김민수", address_detail="별내동 1-2")
    return SimpleNamespace(
        centre=centre, jobs=jobs, welfare=welfare, worker=worker, person=person,
        colleague=make_staff(Role.CASEWORKER, centre=centre, agency=jobs, display_name="이고용"),
        companion=make_staff(Role.CASEWORKER, centre=centre, agency=welfare, display_name="최복지"),
        stranger=make_staff(Role.CASEWORKER, centre=centre, agency=welfare, display_name="정복지"),
        manager=make_staff(Role.MANAGER, centre=centre),
        desk=make_staff(Role.FRONT_DESK, centre=centre),
        case=make_case(person, jobs, caseworker=worker, summary="재취업 희망"),
    )


def signed_in(app, staff):
    client = app.test_client()
    assert login(client, staff.username).status_code == 302
    return client


def tomorrow_at(hour: int) -> datetime:
    return datetime.combine(local_today() + timedelta(days=1), datetime.min.time(),
                            tzinfo=SEOUL) + timedelta(hours=hour)


def plan_data(place, **overrides) -> dict:
    data = {"case_id": place.case.id, "kind": "home", "address": "남양주시 별내동 1-2",
            "purpose": "생활 실태 확인", "day": (local_today() + timedelta(days=1)).isoformat(),
            "start": "10:00", "end": "11:30", "companion_ids": [place.companion.id]}
    data.update(overrides)
    return data


def plan(app, place, **overrides) -> OutreachVisit:
    response = signed_in(app, place.worker).post("/outreach/new", data=plan_data(place, **overrides))
    assert response.status_code == 302, response.text
    return db.session.scalar(sa.select(OutreachVisit).order_by(OutreachVisit.id.desc()))


def test_a_caseworker_plans_a_visit_and_it_is_on_their_day_and_the_companions(app, place):
    visit = plan(app, place)
    assert (visit.status, visit.address, [c.id for c in visit.companions]) == (
        OutreachStatus.PLANNED, "남양주시 별내동 1-2", [place.companion.id])
    assert visit.planned_start_at == tomorrow_at(10)
    day = (local_today() + timedelta(days=1)).isoformat()
    for who in (place.worker, place.companion, place.manager):
        page = signed_in(app, who).get(f"/outreach/?day={day}")
        assert page.status_code == 200 and f"/outreach/{visit.id}" in page.text, who.display_name
    # Another caseworker, even of the same agency, has nothing of it on their list.
    for who in (place.colleague, place.stranger):
        browser = signed_in(app, who)
        assert f"/outreach/{visit.id}" not in browser.get(f"/outreach/?day={day}").text
        assert browser.get(f"/outreach/{visit.id}").status_code == 404
    assert f"/outreach/{visit.id}" not in signed_in(app, place.worker).get("/outreach/").text


def test_planning_refuses_bad_times_and_companions_who_cannot_go(app, place):
    worker = signed_in(app, place.worker)
    for overrides, message in (
        ({"end": "09:00"}, "끝나는 시각은 시작 시각보다 뒤여야"),
        ({"companion_ids": [place.colleague.id]}, ""),  # not offered: the form refuses it
        ({"day": (local_today() - timedelta(days=1)).isoformat()}, "이미 지난 시각"),
    ):
        response = worker.post("/outreach/new", data=plan_data(place, **overrides))
        assert response.status_code == 422 and message in response.text, overrides
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutreachVisit)) == 0


def test_only_the_case_agency_plans_and_the_desk_sees_no_outreach(app, place):
    """may_plan_visit: another agency's caseworker is not offered the plan and is refused."""
    stranger = signed_in(app, place.stranger)
    assert "/outreach/new" not in stranger.get("/outreach/").text
    assert stranger.post("/outreach/new", data=plan_data(place)).status_code == 403
    desk = signed_in(app, place.desk)
    assert desk.get("/outreach/").status_code == 403
    assert "/outreach/" not in desk.get("/").text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutreachVisit)) == 0


def test_check_in_and_out_and_the_alert_two_hours_after_the_planned_end(app, place, runner):
    visit = plan(app, place)
    with time_machine.travel(tomorrow_at(9) + timedelta(minutes=50), tick=False):
        companion = signed_in(app, place.companion)
        page = companion.get(f"/outreach/{visit.id}").text
        assert f"/outreach/{visit.id}/check-in" in page
        assert f"/outreach/{visit.id}/cancel" not in page  # the planner cancels, not a companion
        companion.post(f"/outreach/{visit.id}/check-in")
    db.session.refresh(visit)
    assert visit.status == OutreachStatus.UNDERWAY
    # Planned end 11:30: still quiet at 13:29, an alert from 13:31 on.
    with time_machine.travel(tomorrow_at(13) + timedelta(minutes=29), tick=False):
        assert "복귀 확인(체크아웃)되지" not in signed_in(app, place.manager).get("/").text
        assert runner.invoke(args=["outreach-alerts"]).exit_code == 0
    with time_machine.travel(tomorrow_at(13) + timedelta(minutes=31), tick=False):
        manager = signed_in(app, place.manager)
        assert "1건이 예정 종료 2시간이 지나도록" in manager.get("/").text
        assert "예정 종료 2시간이" not in signed_in(app, place.worker).get("/").text
        day = manager.get(f"/outreach/?day={local_today().isoformat()}").text
        assert f"/outreach/{visit.id}" in day and "복귀 확인 없음" in day
        result = runner.invoke(args=["outreach-alerts"])
        assert result.exit_code == 1 and f"visit {visit.id}\t박고용" in result.output
        assert "김민수" not in result.output and "별내동" not in result.output
        signed_in(app, place.worker).post(f"/outreach/{visit.id}/check-out")
        assert "예정 종료 2시간이 지나도록" not in manager.get("/").text
        assert runner.invoke(args=["outreach-alerts"]).exit_code == 0
    db.session.refresh(visit)
    assert visit.status == OutreachStatus.RETURNED and visit.checked_out_at is not None


def test_other_caseworkers_cannot_step_or_cancel_a_visit(app, place):
    visit = plan(app, place)
    assert signed_in(app, place.stranger).post(f"/outreach/{visit.id}/check-in").status_code == 404
    companion = signed_in(app, place.companion)
    assert companion.post(f"/outreach/{visit.id}/cancel", data={"reason": "x"}).status_code == 403
    db.session.refresh(visit)
    assert visit.status == OutreachStatus.PLANNED


def started(app, place) -> OutreachVisit:
    visit = plan(app, place)
    with time_machine.travel(tomorrow_at(10), tick=False):
        signed_in(app, place.worker).post(f"/outreach/{visit.id}/check-in")
    db.session.refresh(visit)
    return visit


def post_record(browser, visit_id: int, version, body: str, **items):
    return browser.post(f"/outreach/{visit_id}/record",
                        data={"version": version, "body": body,
                              **{f"item_{k}": v for k, v in items.items()}},
                        headers={"X-Requested-With": "hanjari-outreach"})


def test_the_note_goes_into_the_case_timeline_once_and_a_stale_save_is_refused(app, place):
    visit = started(app, place)
    worker = signed_in(app, place.worker)
    seen = visit.version
    first = post_record(worker, visit.id, seen, "집 안이 추움. 난방비 지원 필요.",
                        housing="high", crisis="medium")
    assert first.status_code == 200 and first.get_json()["status"] == "saved"
    # The same save sent again (a resend after a lost answer) is stale: nothing twice.
    again = post_record(worker, visit.id, seen, "집 안이 추움. 난방비 지원 필요.")
    assert again.status_code == 409 and again.get_json()["status"] == "stale"
    notes = db.session.scalars(sa.select(CaseNote).where(CaseNote.case_id == place.case.id)).all()
    assert [(n.kind, n.body) for n in notes] == [(NoteKind.HOME_VISIT, "집 안이 추움. 난방비 지원 필요.")]
    assert "집 안이 추움" in worker.get(f"/cases/{place.case.id}").text
    db.session.refresh(visit)
    assert visit.assessment == {"housing": "high", "crisis": "medium"}
    # Saving from the current version corrects the same note.
    fixed = post_record(worker, visit.id, first.get_json()["version"], "난방비 긴급지원 연계.")
    assert fixed.status_code == 200
    notes = db.session.scalars(sa.select(CaseNote).where(CaseNote.case_id == place.case.id)).all()
    assert [n.body for n in notes] == ["난방비 긴급지원 연계."]
    # The plain form (no script) shows the conflict and keeps the text.
    page = worker.post(f"/outreach/{visit.id}/record", data={"version": 1, "body": "옛 화면"})
    assert "옛 화면" in page.text, page.text[page.text.find("alert"):][:600]
    assert page.status_code == 409


def test_the_record_is_refused_before_check_in_and_to_anyone_but_the_planner(app, place):
    visit = plan(app, place)
    worker = signed_in(app, place.worker)
    assert worker.get(f"/outreach/{visit.id}/record").status_code == 403
    assert post_record(worker, visit.id, visit.version, "미리 씀").status_code == 403
    with time_machine.travel(tomorrow_at(10), tick=False):
        worker.post(f"/outreach/{visit.id}/check-in")
    db.session.refresh(visit)
    companion = signed_in(app, place.companion)
    assert post_record(companion, visit.id, visit.version, "동행자 메모").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseNote)) == 0


def png_bytes(size=(40, 20), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def test_document_photos_are_checked_stored_outside_static_and_shown_only_to_case_readers(
        app, place, tmp_path):
    visit = started(app, place)
    worker = signed_in(app, place.worker)
    refused = worker.post(f"/outreach/{visit.id}/photos", data={
        "document_type": "id_card", "photo": (io.BytesIO(b"%PDF-1.4 not an image"), "x.jpg")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "JPEG 또는 PNG" in refused.text
    worker.post(f"/outreach/{visit.id}/photos", data={
        "document_type": "lease", "photo": (io.BytesIO(png_bytes(fmt="JPEG")), "lease.jpg")},
        content_type="multipart/form-data")
    photo = db.session.scalar(sa.select(OutreachPhoto))
    assert photo.content_type == "image/jpeg"
    assert (tmp_path / "photos" / photo.stored_name).is_file()
    shown = worker.get(f"/outreach/photos/{photo.id}")
    assert shown.status_code == 200 and shown.content_type == "image/jpeg"
    assert shown.headers["Cache-Control"] == "no-store"
    assert signed_in(app, place.manager).get(f"/outreach/photos/{photo.id}").status_code == 200
    # The companion from another agency sees the plan, not the case's documents.
    companion = signed_in(app, place.companion)
    assert companion.get(f"/outreach/{visit.id}").status_code == 200
    assert f"/outreach/photos/{photo.id}" not in companion.get(f"/outreach/{visit.id}").text
    for who in (place.companion, place.stranger):
        assert signed_in(app, who).get(f"/outreach/photos/{photo.id}").status_code == 404
    assert signed_in(app, place.desk).get(f"/outreach/photos/{photo.id}").status_code == 403
    other = make_staff(Role.MANAGER, centre=make_centre())
    assert signed_in(app, other).get(f"/outreach/photos/{photo.id}").status_code == 404


def test_a_signature_drawn_on_the_screen_is_kept_with_the_consent(app, place):
    visit = started(app, place)
    worker = signed_in(app, place.worker)
    assert "outreach-signature" in worker.get(f"/outreach/{visit.id}/record").text
    blank = worker.post(f"/outreach/{visit.id}/consent",
                        data={"signature": "data:image/png;base64,eA=="}, follow_redirects=True)
    assert "서명을 받은 뒤" in blank.text
    data_url = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    response = worker.post(f"/outreach/{visit.id}/consent", data={"signature": data_url},
                           follow_redirects=True)
    assert "서명으로 동의를 받았습니다" in response.text
    assert "outreach-signature" not in response.text
    consent = db.session.scalar(sa.select(Consent).order_by(Consent.id.desc()))
    assert consent.method.value == "electronic" and consent.signature_png == png_bytes()
    db.session.refresh(visit)
    assert visit.consent_id == consent.id and visit.version == 2  # the note's version kept
    again = worker.post(f"/outreach/{visit.id}/consent", data={"signature": data_url},
                        follow_redirects=True)
    assert "이미 서명으로" in again.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Consent).where(
        Consent.signature_png.is_not(None))) == 1


def test_the_retention_purge_erases_the_address_photos_and_signature(app, place, runner, tmp_path):
    visit = started(app, place)
    worker = signed_in(app, place.worker)
    worker.post(f"/outreach/{visit.id}/photos", data={
        "document_type": "id_card", "photo": (io.BytesIO(png_bytes()), "id.png")},
        content_type="multipart/form-data")
    worker.post(f"/outreach/{visit.id}/consent", data={
        "signature": "data:image/png;base64," + base64.b64encode(png_bytes()).decode()})
    photo = db.session.scalar(sa.select(OutreachPhoto))
    stored = tmp_path / "photos" / photo.stored_name
    assert stored.is_file()
    with time_machine.travel(utcnow() + timedelta(days=6 * 366), tick=False):
        result = runner.invoke(args=["purge-expired", "--apply"])
    assert result.exit_code == 0, result.output
    db.session.refresh(visit)
    assert (visit.address, visit.assessment) == ("(보존기간 경과로 파기)", {})
    assert not stored.exists() and db.session.scalar(sa.select(OutreachPhoto)) is None
    assert db.session.scalar(sa.select(Consent.signature_png).where(
        Consent.id == visit.consent_id)) is None
