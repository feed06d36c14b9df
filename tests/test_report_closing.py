"""Closing a month (issue 16): the report a manager signed never changes afterwards, and a
month's figures follow the report's own rule (as of Seoul midnight at its end) even before
it is closed.

The month is built the way a centre builds it, through the services at November's dates
(time-machine); December's four actions are done through the pages, as staff do them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from datetime import date, datetime, time
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import time_machine
from openpyxl import load_workbook

from cases import services as casework
from cases.models import ClosureReason, GoalStatus, NeedDomain
from centers.models import AgencyKind, Sex
from core.clock import SEOUL
from core.extensions import db
from core.roles import Role
from factories import (
    bearer,
    login,
    make_agency,
    make_case,
    make_centre,
    make_client,
    make_referral,
    make_staff,
    make_token,
    make_visit,
)
from referrals import services as referrals
from reports import closing, sections, targets
from reports.models import MonthClosing
from reports.periods import Month

NOVEMBER = Month(2026, 11)
URL = "/reports/monthly/namyangju/2026-11"
API = "/api/v1/reports/monthly/namyangju/2026-11"
TYPES = Path(__file__).parent / "data" / "report_api_types.json"


def kst(day: date, clock: str = "10:00") -> datetime:
    hours, minutes = map(int, clock.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=SEOUL)


def at(day: date, clock: str = "10:00"):
    return time_machine.travel(kst(day, clock), tick=False)


def nov(day: int) -> date:
    return date(2026, 11, day)


def dec(day: int) -> date:
    return date(2026, 12, day)


@pytest.fixture
def november():
    """November 2026 at 남양주: visits (one anonymous), three cases (one closed on 11-25),
    a goal recorded as "no service", a referral accepted in November (completed in
    December) and one still unanswered at the month's end (accepted in December)."""
    with at(nov(2)):
        centre = make_centre(code="namyangju", name="남양주 고용복지+센터")
        jobs = make_agency(centre, AgencyKind.EMPLOYMENT, name="남양주고용센터")
        welfare = make_agency(centre, AgencyKind.WELFARE, name="복지지원팀")
        jw = make_staff(Role.CASEWORKER, centre=centre, agency=jobs, display_name="박고용")
        ww = make_staff(Role.CASEWORKER, centre=centre, agency=welfare, display_name="최복지")
        manager = make_staff(Role.MANAGER, centre=centre, display_name="김센터")
    with at(nov(3)):
        a = make_client(centre, name="가나다", share_with=[welfare])
        b = make_client(centre, name="라마바", share_with=[jobs], sex=Sex.FEMALE,
                        birth_date=date(1999, 4, 4))
        c = make_client(centre, name="사아자", birth_date=date(1960, 1, 1))
        make_visit(centre, [jobs, welfare], client=a)
        make_visit(centre, [welfare], client=b)
        make_visit(centre, [jobs])  # anonymous
        case_a = make_case(a, jobs, jw)
        case_b = make_case(b, welfare, ww)
        case_c = make_case(c, jobs, jw)
    with at(nov(10)):
        goal = casework.add_goal(ww, case_b, {
            "domain": NeedDomain.HOUSING, "description": "임대주택", "target_date": None,
            "service_id": None, "service_name": "", "status": GoalStatus.NO_SERVICE})
        db.session.commit()
        accepted = make_referral(case_a, welfare)
    with at(nov(12)):
        referrals.act(ww, accepted, "accept", assignee=ww)
        db.session.commit()
    with at(nov(20)):
        unanswered = make_referral(case_b, jobs)
    with at(nov(25), "15:00"):
        casework.transition(jw, case_c, "close", version=case_c.version,
                            reason=ClosureReason.GOALS_MET)
        db.session.commit()
    return SimpleNamespace(centre=centre, jobs=jobs, welfare=welfare, jw=jw, ww=ww,
                           manager=manager, case_b=case_b, case_c=case_c, goal=goal,
                           accepted=accepted, unanswered=unanswered)


def signed_in(app, staff):
    client = app.test_client()
    assert login(client, staff.username).status_code == 302
    return client


def four_december_actions(app, world) -> None:
    """The issue's four actions, on 2 December, through the pages."""
    jobs_worker, welfare_worker = signed_in(app, world.jw), signed_in(app, world.ww)
    case_c = world.case_c
    db.session.refresh(case_c)
    assert jobs_worker.post(f"/cases/{case_c.id}/reopen", data={
        "version": case_c.version, "note": "다시 상담"}).status_code == 302
    assert jobs_worker.post(f"/referrals/{world.unanswered.id}/accept", data={
        "assignee_id": world.jw.id, "note": ""}).status_code == 302
    assert welfare_worker.post(f"/referrals/{world.accepted.id}/complete", data={
        "outcome": "service_provided", "note": "완료"}).status_code == 302
    assert welfare_worker.post(f"/cases/{world.case_b.id}/goals/{world.goal.id}/status", data={
        "status": "planned"}).status_code == 302
    db.session.expire_all()
    events = db.session.execute(sa.text(
        "SELECT count(*) FROM case_events WHERE to_status = 'active' AND case_id = :c"),
        {"c": case_c.id}).scalar()
    assert events >= 1  # the reopening happened
    assert world.unanswered.responded_at is not None and world.goal.status == GoalStatus.PLANNED


def figures_of(data: dict) -> dict:
    """The API JSON without its standing (which says when it was read)."""
    return {key: value for key, value in data.items() if key != "standing"}


def api_json(app, world, **params) -> dict:
    secret = make_token(world.manager)
    response = app.test_client().get(API, headers=bearer(secret), query_string=params)
    assert response.status_code == 200, response.text
    return response.get_json()


def test_december_actions_change_no_figure_of_november_closed_or_provisional(app, november):
    with at(dec(1), "09:00"):
        provisional = api_json(app, november)
        assert provisional["standing"]["closed"] is False
        assert provisional["standing"]["text"] == "잠정 (2026-12-01 09:00 기준)"
        headline = {h["key"]: h["value"] for h in provisional["headlines"]}
        # As of November's end: case C closed (A's, B's and the case the accepted referral
        # opened at welfare still open), one referral accepted of one answered, one
        # unanswered, one unmet need.
        assert (headline["cases_closed"], headline["open_at_end"], headline["acceptance_rate"],
                headline["unmet"], headline["referrals_sent"], headline["visits"],
                headline["people"]) == (1, 3, 100.0, 1, 2, 3, 2)
        manager = signed_in(app, november.manager)
        assert manager.post(f"{URL}/close").status_code == 302
        closed = api_json(app, november)
        assert closed["standing"]["text"] == "마감 2026-12-01 09:00, 제1판"
        assert figures_of(closed) == figures_of(provisional)

    with at(dec(2), "11:00"):
        four_december_actions(app, november)
        assert figures_of(api_json(app, november)) == figures_of(closed)
        # And computed afresh ("provisional"), November is still the same month.
        db.session.expire_all()
        live = closing.report_to_json(sections.live_report(november.centre, NOVEMBER))
        stored = db.session.scalar(sa.select(MonthClosing.report))
        assert live["headlines"] == stored["headlines"]
        for fresh, kept in zip(live["sections"], stored["sections"], strict=True):
            assert fresh == kept, fresh["key"]


def test_every_format_of_a_closed_month_says_which_edition(app, november):
    with at(dec(1), "09:00"):
        manager = signed_in(app, november.manager)
        page = manager.get(URL).text
        assert "잠정 (2026-12-01 09:00 기준)" in page and f'action="{URL}/close"' in page
        assert manager.post(f"{URL}/close").status_code == 302
    stamp = "마감 2026-12-01 09:00, 제1판"
    with at(dec(3)):
        manager = signed_in(app, november.manager)
        page = manager.get(URL).text
        assert stamp in page and "김센터" in page and f'action="{URL}/close"' not in page
        rows = list(csv.reader(io.StringIO(manager.get(f"{URL}.csv").data.decode("utf-8-sig"))))
        assert rows[1] == ["상태", stamp]
        workbook = load_workbook(io.BytesIO(manager.get(f"{URL}.xlsx").data))
        assert ("상태", stamp) in [row[:2] for row in workbook["요약"].iter_rows(values_only=True)]
        assert api_json(app, november)["standing"]["text"] == stamp
        admin = signed_in(app, make_staff(Role.ADMIN))
        national = admin.get("/reports/national/2026-11").text
        assert stamp in national
        assert "마감 (모든 센터, 마지막 마감 2026-12-01 09:00)" in national
        pdf = manager.get(f"{URL}.pdf").data
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf,
                                  capture_output=True, check=True).stdout.decode()
            assert stamp in " ".join(text.split())


def test_a_correction_is_a_new_edition_with_its_reason_and_the_old_one_stays(app, november):
    with at(dec(1), "09:00"):
        manager = signed_in(app, november.manager)
        manager.post(f"{URL}/close")
    with at(dec(4), "14:30"):
        manager = signed_in(app, november.manager)
        # A visit of November entered late: the closed report does not move...
        make_visit(november.centre, [november.jobs])
        late = db.session.execute(sa.text("SELECT max(id) FROM visits")).scalar()
        db.session.execute(sa.text("UPDATE visits SET visit_date = :d WHERE id = :i"),
                           {"d": nov(28), "i": late})
        db.session.commit()
        assert {h["key"]: h["value"] for h in api_json(app, november)["headlines"]}["visits"] == 3
        # ...until the manager writes a new edition, which needs a reason.
        assert manager.post(f"{URL}/correct", data={"reason": " "}).status_code == 302
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MonthClosing)) == 1
        assert manager.post(f"{URL}/correct", data={
            "reason": "11월 28일 방문 누락 입력"}).status_code == 302
        data = api_json(app, november)
        assert data["standing"]["text"] == "마감 2026-12-04 14:30, 제2판"
        assert data["standing"]["reason"] == "11월 28일 방문 누락 입력"
        assert {h["key"]: h["value"] for h in data["headlines"]}["visits"] == 4
        first = api_json(app, november, edition=1)
        assert {h["key"]: h["value"] for h in first["headlines"]}["visits"] == 3
        assert "이전 판입니다" in manager.get(f"{URL}?edition=1").text
        assert manager.get(f"{URL}?edition=3").status_code == 404
        changes = manager.get(f"{URL}/editions").text
        assert "11월 28일 방문 누락 입력" in changes and "제1판" in changes and "제2판" in changes
        assert "방문 건수" in changes


def test_only_the_centres_manager_closes_a_month_that_is_over_once(app, november):
    """may_close_month / may_correct_month."""
    url = f"{URL}/close"
    with at(nov(30), "23:00"):
        manager = signed_in(app, november.manager)
        assert f'action="{url}"' not in manager.get(URL).text  # not over yet
        manager.post(url)
    with at(dec(1), "00:01"):
        manager = signed_in(app, november.manager)
        for staff in (november.jw, make_staff(Role.ADMIN)):
            other = signed_in(app, staff)
            assert other.post(url).status_code == 403
        outsider = make_staff(Role.MANAGER, centre=make_centre(code="suwon"))
        assert signed_in(app, outsider).post(url).status_code in (302, 404)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MonthClosing)) == 0
        assert manager.post(url).status_code == 302
        manager.post(url)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MonthClosing)) == 1
        assert f'action="{URL}/correct"' in manager.get(URL).text
        with pytest.raises(closing.ClosingError):
            closing.close_month(november.manager, november.centre, NOVEMBER)


def test_a_month_past_the_deadline_closes_by_itself(app, november, runner):
    app.config["REPORT_CLOSE_DAY"] = 5
    with at(dec(5), "18:00"):
        assert "0" in runner.invoke(args=["close-months"]).output
        assert "잠정" in api_json(app, november)["standing"]["text"]
    with at(dec(6), "08:00"):
        result = runner.invoke(args=["close-months"])
        assert "마감한 달: 1" in result.output, result.output
        edition = db.session.scalar(sa.select(MonthClosing))
        assert (edition.month, edition.closed_by_id, edition.version) == ("2026-11", None, 1)
    # Lazily: a second centre whose November is first asked for after the deadline.
    with at(nov(15)):
        other = make_centre(code="suwon", name="수원 고용복지+센터")
        make_visit(other, [make_agency(other, AgencyKind.EMPLOYMENT)])
    with at(dec(7)):
        manager = signed_in(app, make_staff(Role.MANAGER, centre=other))
        page = manager.get("/reports/monthly/suwon/2026-11").text
        assert "마감 2026-12-07 10:00, 제1판" in page and "기한이 지나 자동 마감" in page


def _types(value):
    if isinstance(value, dict):
        return {key: _types(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_types(item) for item in value]
    return type(value).__name__


def test_the_api_gives_the_same_types_on_every_engine(app, november):
    """The JSON's shape and types, checked against the stored expectation (made on SQLite;
    PostgreSQL's sums once came back as text, "13")."""
    with at(nov(5)):
        targets.save_targets(november.manager, november.centre, 2026, {
            "visits": {"year": 120, "months": {"11": 12}},
            "one_stop_share": {"year": 50.0, "months": {}}}, None)
        db.session.commit()
    with at(dec(1), "09:00"):
        data = api_json(app, november)
    shape = _types({"headlines": data["headlines"], "sections": data["sections"],
                    "targets": data["targets"]})
    if os.environ.get("HANJARI_WRITE_REPORT_TYPES"):  # after a deliberate change of the report
        TYPES.write_text(json.dumps(shape, ensure_ascii=False, indent=1) + "\n")
    assert shape == json.loads(TYPES.read_text())
