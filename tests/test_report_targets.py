"""Targets and actual (issue 16, "targets vs actual"), and the covers' 수신/발신 kept on a
screen: the manager sets a year's targets through the form (Korean messages, nothing typed
lost, a version check, an audit event); the monthly report shows target, actual and
attainment for the month and the year so far in every format; a closed month keeps the
targets in force when it was closed; the national roll-up compares the centres."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess

import sqlalchemy as sa
import test_report_closing
from openpyxl import load_workbook
from test_english import HANGUL, Chrome, database_strings
from test_report_closing import URL, api_json, at, dec, nov, signed_in

from core.extensions import db
from core.roles import Role
from factories import audit_actions, bearer, make_staff, make_token
from reports import targets
from reports.models import MonthClosing, ReportAddressee, ReportTargets
from reports.periods import Month

november = test_report_closing.november  # the fixture: November 2026 at 남양주
TARGETS = "/reports/targets"


def sheet(**boxes: str) -> dict:
    """The targets form's boxes: every box empty but those named."""
    data = {f"{m.key}_{month}": "" for m in targets.MEASURES for month in ("year", *range(1, 13))}
    data.update(boxes)
    return data


def rows_of(data: dict) -> dict[str, dict]:
    return {row["key"]: row for row in data["targets"]}


def test_month_targets_spread_the_rest_of_the_year_over_the_months_not_set():
    assert targets.month_targets({"year": 1200, "months": {}}, "count") == [100] * 12
    spread = targets.month_targets({"year": 100, "months": {"3": 30}}, "count")
    assert spread[2] == 30 and sum(spread) == 100 and spread == [7, 7, 30, 7, 7] + [6] * 7
    assert targets.month_targets({"year": 60.0, "months": {"2": 70.5}}, "percent")[:3] == [
        60.0, 70.5, 60.0]
    assert targets.month_targets(None, "count") == [None] * 12
    assert targets.attainment(45, 60) == 75.0 and targets.attainment(3, 0) is None


def test_wrong_targets_get_korean_messages_and_keep_what_was_typed(app, november):
    with at(nov(5)):
        manager = signed_in(app, november.manager)
        page = manager.post(TARGETS + "?year=2026", data=sheet(
            visits_year="열두", registered_year="-3", cases_closed_year="1.5",
            one_stop_share_year="120", employed_3="4", referrals_completed_year="10",
            referrals_completed_1="8", referrals_completed_2="7"))
        assert page.status_code == 422
        text = page.text
        for message in ("숫자로 적으세요.", "0 이상의 숫자로 적으세요.",
                        "건수·인원은 소수점 없이 적으세요.", "비율은 0에서 100 사이로 적으세요."):
            assert message in text, message
        for typed in ('value="열두"', 'value="-3"', 'value="1.5"', 'value="120"', 'value="8"'):
            assert typed in text, typed
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportTargets)) == 0
        # The boxes are right one by one; across them, two rules.
        page = manager.post(TARGETS + "?year=2026", data=sheet(
            employed_3="4", referrals_completed_year="10", referrals_completed_1="8",
            referrals_completed_2="7"))
        assert page.status_code == 422
        assert "월 목표를 적으려면 연간 목표도 적으세요." in page.text
        assert "월 목표의 합(15)이 연간 목표(10)보다 큽니다." in page.text
        assert 'value="4"' in page.text


def test_targets_are_saved_with_a_version_check_and_an_audit_event(app, november):
    with at(nov(5)):
        manager = signed_in(app, november.manager)
        form = manager.get(TARGETS + "?year=2026")
        assert form.status_code == 200 and "2026년 목표 설정" in form.text
        saved = manager.post(TARGETS + "?year=2026", data=sheet(
            visits_year="1,200", visits_11="150", one_stop_share_year="40", version=""))
        assert saved.status_code == 302
        row = db.session.scalar(sa.select(ReportTargets))
        assert row.targets == {"visits": {"year": 1200, "months": {"11": 150}},
                               "one_stop_share": {"year": 40.0, "months": {}}}
        assert row.version == 1
        assert "report.targets_saved" in audit_actions(centre_id=november.centre.id)
        # Two managers opened version 1: the second to save is told, and keeps their text.
        second = signed_in(app, make_staff(Role.MANAGER, centre=november.centre))
        assert manager.post(TARGETS + "?year=2026", data=sheet(
            visits_year="1300", version="1")).status_code == 302
        refused = second.post(TARGETS + "?year=2026", data=sheet(visits_year="999", version="1"))
        assert refused.status_code == 409
        assert "다른 사람이 먼저 이 해의 목표를 고쳤습니다" in refused.text
        assert 'value="999"' in refused.text
        db.session.expire_all()
        assert db.session.scalar(sa.select(ReportTargets)).targets["visits"]["year"] == 1300
        # Nobody but a manager sets targets.
        assert signed_in(app, november.jw).get(TARGETS).status_code == 403
        assert signed_in(app, make_staff(Role.ADMIN)).post(
            TARGETS, data=sheet(visits_year="5")).status_code == 403


def test_every_format_shows_target_actual_and_attainment_and_a_closed_month_keeps_its_targets(
        app, november):
    with at(nov(5)):
        targets.save_targets(november.manager, november.centre, 2026, {
            "visits": {"year": 60, "months": {"11": 4}},
            "one_stop_share": {"year": 50.0, "months": {}}}, None)
        db.session.commit()
    with at(dec(1), "09:00"):
        manager = signed_in(app, november.manager)
        assert manager.post(f"{URL}/close").status_code == 302
        data = rows_of(api_json(app, november))
        # November: 3 visits of 4 targeted; the year so far the same 3 visits against 60 less
        # December's share (56/11 per month: 6 for Jan–Mar, 5 after, November's 4).
        visits = data["visits"]
        assert (visits["month_target"], visits["month_actual"], visits["month_attainment"]) == (
            4, 3, 75.0)
        assert (visits["ytd_target"], visits["ytd_actual"]) == (55, 3)
        assert visits["ytd_attainment"] == 5.5
        share = data["one_stop_share"]  # 2 of 3 visits one-stop (two agencies, a referral)
        assert share["month_target"] == 50.0 and share["month_attainment"] == round(
            share["month_actual"] * 2, 1)
        assert data["registered"]["month_target"] is None
        page = manager.get(URL).text
        assert "목표 대비 실적" in page and "75.0" in page
        rows = list(csv.reader(io.StringIO(manager.get(f"{URL}.csv").data.decode("utf-8-sig"))))
        assert ["방문 건수", "4", "3", "75.0", "55", "3", "5.5"] in rows
        workbook = load_workbook(io.BytesIO(manager.get(f"{URL}.xlsx").data))
        assert ("방문 건수", 4, 3, 75.0, 55, 3, 5.5) in [
            tuple(r) for r in workbook["목표 대비 실적"].iter_rows(values_only=True)]
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-layout", "-", "-"],
                                  input=manager.get(f"{URL}.pdf").data, capture_output=True,
                                  check=True).stdout.decode()
            assert "목표 대비 실적" in text and "75.0" in text
    with at(dec(2)):
        # A later change of the year's targets changes no closed month...
        manager = signed_in(app, november.manager)
        assert manager.post(TARGETS + "?year=2026", data=sheet(
            visits_year="600", version="1")).status_code == 302
        assert rows_of(api_json(app, november))["visits"]["month_target"] == 4
        admin = signed_in(app, make_staff(Role.ADMIN))
        national = admin.get("/reports/national/2026-11").text
        assert "센터별 목표 달성률" in national and "75.0" in national
        workbook = load_workbook(io.BytesIO(admin.get("/reports/national/2026-11.xlsx").data))
        assert [r[2:7] for r in workbook["목표 달성률"].iter_rows(values_only=True)
                if r[2] == "방문 건수"] == [("방문 건수", "건", 4, 3, 75.0)]
        # ...while December, still open, uses the new ones (600 less the 4 of November).
        december = targets.centre_rows(november.centre.id, Month(2026, 12))
        assert {r["key"]: r["month_target"] for r in december}["visits"] == 600 // 12


def test_the_covers_addressee_is_set_on_a_screen_and_printed(app, november):
    with at(dec(1), "09:00"):
        manager = signed_in(app, november.manager)
        page = manager.get("/reports/addressee").text
        assert 'value="고용노동부 고용서비스정책과"' in page  # the default, to start with
        refused = manager.post("/reports/addressee", data={"recipient": " ", "version": ""})
        assert refused.status_code == 422 and "수신(받는 기관·부서)을 적으세요." in refused.text
        assert manager.post("/reports/addressee", data={
            "recipient": "경기도 일자리정책과", "version": ""}).status_code == 302
        assert "report.addressee_saved" in audit_actions(centre_id=november.centre.id)
        assert manager.post(f"{URL}/close").status_code == 302
        if shutil.which("pdftotext"):
            cover = subprocess.run(["pdftotext", "-layout", "-", "-"],
                                   input=manager.get(f"{URL}.pdf").data, capture_output=True,
                                   check=True).stdout.decode()
            assert "경기도 일자리정책과" in cover and "남양주 고용복지+센터장" in cover
        admin = signed_in(app, make_staff(Role.ADMIN))
        assert 'value="한자리 운영지원단"' in admin.get("/reports/addressee").text
        refused = admin.post("/reports/addressee", data={"recipient": "고용노동부",
                                                         "sender": "", "version": ""})
        assert refused.status_code == 422 and "발신(보내는 기관·부서)을 적으세요." in refused.text
        assert 'value="고용노동부"' in refused.text
        assert admin.post("/reports/addressee", data={
            "recipient": "고용노동부 고용정책실", "sender": "한국고용정보원", "version": ""}
        ).status_code == 302
        rows = {r.series: (r.recipient, r.sender) for r in db.session.scalars(
            sa.select(ReportAddressee))}
        assert rows == {f"centre-{november.centre.id}": ("경기도 일자리정책과", ""),
                        "national": ("고용노동부 고용정책실", "한국고용정보원")}
        # An old form (version 1 was saved since) is refused, what was typed kept.
        stale = admin.post("/reports/addressee", data={
            "recipient": "다른 곳", "sender": "한국고용정보원", "version": ""})
        assert stale.status_code == 409 and 'value="다른 곳"' in stale.text
        if shutil.which("pdftotext"):
            cover = subprocess.run(["pdftotext", "-layout", "-", "-"],
                                   input=admin.get("/reports/national/2026-11.pdf").data,
                                   capture_output=True, check=True).stdout.decode()
            assert "고용노동부 고용정책실" in cover and "한국고용정보원" in cover
        assert signed_in(app, november.jw).get("/reports/addressee").status_code == 403


def _hangul_left(text: str, data: list[str]) -> list[str]:
    for value in data:
        text = text.replace(value, " ")
    return HANGUL.findall(text)


def test_a_closed_month_reads_in_english(app, november):
    """A closed month's edition is stored once (in Korean); an English reader sees it in
    English in every format: no Hangul but the data (names, the cover's 수신, the document
    number)."""
    with at(nov(5)):
        targets.save_targets(november.manager, november.centre, 2026, {
            "visits": {"year": 60, "months": {}}}, None)
        db.session.commit()
    with at(dec(1), "09:00"):
        english = signed_in(app, make_staff(Role.MANAGER, centre=november.centre,
                                            display_name="Kim"))
        english.post("/account/locale", data={"locale": "en", "next": "/"})
        # Closed by someone reading in English: stored in Korean all the same.
        assert english.post(f"{URL}/close").status_code == 302
        stored = db.session.scalar(sa.select(MonthClosing.report))
        assert stored["sections"][0]["title"] == "방문"
        data = database_strings() + ["고용노동부 고용서비스정책과", "남양주센터"]
        page = Chrome()
        page.feed(english.get(URL).text)
        assert "Closed" in " ".join(page.text) or "closed" in " ".join(page.text)
        assert _hangul_left(" ".join(page.text), data) == []
        body = english.get(URL).text
        for english_text in ("Visits", "Targets and actual", "Definitions"):
            assert english_text in body, english_text
        rows = english.get(f"{URL}.csv").data.decode("utf-8-sig")
        assert _hangul_left(rows, data) == []
        workbook = load_workbook(io.BytesIO(english.get(f"{URL}.xlsx").data))
        cells = " ".join(str(v) for sheet in workbook.worksheets
                         for row in sheet.iter_rows(values_only=True) for v in row
                         if v is not None)
        assert _hangul_left(cells + " ".join(workbook.sheetnames), data) == []
        api = app.test_client().get(
            "/api/v1/reports/monthly/namyangju/2026-11",
            headers={**bearer(make_token(november.manager)), "Accept-Language": "en"}).get_json()
        assert api["sections"][0]["title"] == "Visit"  # the documented shape, in English
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-layout", "-", "-"],
                                  input=english.get(f"{URL}.pdf").data, capture_output=True,
                                  check=True).stdout.decode()
            assert _hangul_left(text, data) == []
        # A Korean reader still reads Korean.
        korean = signed_in(app, november.manager)
        assert "목표 대비 실적" in korean.get(URL).text


def test_an_edition_stored_before_targets_and_translation_still_reads(app, november):
    """Editions closed before this change hold no targets section: they read as they are,
    in either language, and the roll-up shows — for their attainment."""
    with at(dec(1), "09:00"):
        manager = signed_in(app, november.manager)
        assert manager.post(f"{URL}/close").status_code == 302
        edition = db.session.scalar(sa.select(MonthClosing))
        edition.report = {**edition.report, "sections": [
            s for s in edition.report["sections"] if s["key"] != targets.SECTION_KEY]}
        db.session.commit()
        assert 'id="targets"' not in manager.get(URL).text
        assert api_json(app, november)["targets"] == []
        manager.post("/account/locale", data={"locale": "en", "next": "/"})
        page = manager.get(URL)
        assert page.status_code == 200 and "Visit" in page.text
        admin = signed_in(app, make_staff(Role.ADMIN))
        national = admin.get("/reports/national/2026-11")
        assert national.status_code == 200 and "센터별 목표 달성률" in national.text
