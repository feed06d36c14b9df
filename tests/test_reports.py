"""Reports: a hand-built month with known numbers, checked figure by figure through the page,
the PDF, the XLSX and the CSV; the dashboard; the national roll-up; who may see what."""

from __future__ import annotations

import base64
import csv
import io
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from cases.models import (
    Assessment,
    Case,
    CaseStatus,
    Client,
    ClosureReason,
    GoalStatus,
    NeedDomain,
    PlanGoal,
)
from catalogue.models import Service
from centers.models import Agency, AgencyKind, Domain
from core.clock import SEOUL
from core.extensions import db
from core.roles import Role
from factories import (
    audit_actions,
    make_agency,
    make_case,
    make_centre,
    make_client,
    make_service,
    make_staff,
    make_visit,
)
from intake.models import StopStatus, Visit, VisitPurpose, VisitStatus, VisitStop, VisitSuggestion
from reports import figures, sections
from reports.exports import safe_cell
from reports.periods import Month

MARCH = Month(2025, 3)
URL = "/reports/monthly/namyangju/2025-03"


def kst(day: date, clock: str) -> datetime:
    hours, minutes = map(int, clock.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=SEOUL)


def add_visit(centre, day, stops, *, person=None, purposes=(), suggested=()):
    """A finished visit on ``day`` with desk stops given as (agency, queued, called, started,
    status): clock times on ``day`` (a time before the queue time means the next day)."""
    desk = make_staff(Role.FRONT_DESK, centre=centre)
    visit = Visit(centre_id=centre.id, client_id=person.id if person else None, visit_date=day,
                  ticket_number=f"T-{db.session.scalar(sa.select(sa.func.count(Visit.id))) + 1}",
                  status=VisitStatus.DONE, arrived_at=kst(day, stops[0][1]),
                  registered_by_id=desk.id)
    visit.purposes = [VisitPurpose(domain=domain) for domain in purposes]

    def moment(clock, queued):
        if clock is None:
            return None
        at = kst(day, clock)
        return at if at >= queued else kst(date.fromordinal(day.toordinal() + 1), clock)

    for position, (agency, queued, called, started, status) in enumerate(stops):
        queued_at = kst(day, queued) if queued else None
        visit.stops.append(VisitStop(
            agency_id=agency.id, position=position, status=status, queued_at=queued_at,
            called_at=moment(called, queued_at), started_at=moment(started, queued_at)))
    visit.suggestions = [VisitSuggestion(service_id=s.id, rank=r) for r, s in enumerate(suggested)]
    db.session.add(visit)
    db.session.commit()
    return visit


def add_case(person, agency, worker, opened, *, closed=None, reason=None):
    case = Case(centre_id=person.centre_id, client_id=person.id, agency_id=agency.id,
                caseworker_id=worker.id, status=CaseStatus.CLOSED if closed else CaseStatus.ACTIVE,
                opened_at=opened, closed_at=closed, closure_reason=reason)
    db.session.add(case)
    db.session.commit()
    return case


@pytest.fixture
def month():
    """March 2025 at 남양주 (culture add-on on), with every edge case of the issue:

    - A came in February too (returning), B twice in March (one person, two visits),
      C first on 31 March at 23:50, called after midnight (the visit stays in March);
    - an anonymous visit; a visit on 1 April that does not count;
    - desk waits 600, 1200, 300, 1800, 1200, 240 s (mean 890 s, 90th percentile 1500 s);
    - cases opened, closed (one as 취업, one at 23:30 on 31 March), one opened at 00:30 on
      1 April (still 31 March in UTC: April), past their time targets, a no-service goal.
    """
    centre = make_centre(code="namyangju", name="남양주 고용복지+센터", addons=["culture"])
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT, name="남양주고용센터")
    welfare = make_agency(centre, AgencyKind.WELFARE, name="복지지원팀")
    culture = make_agency(centre, AgencyKind.CULTURE, name="문화누리 창구")
    a = make_client(centre, name="가나다", customer_types=["youth"])
    b = make_client(centre, name="라마바", customer_types=["youth", "single_parent"],
                    birth_date=date(1990, 1, 1))
    c = make_client(centre, name="사아자", birth_date=date(1970, 5, 5))
    job_service = make_service(centre=centre, name="취업성공패키지", domain=Domain.JOBS)
    culture_service = make_service(centre=centre, name="문화누리카드", domain=Domain.CULTURE)

    done = StopStatus.DONE
    add_visit(centre, date(2025, 2, 28), [(jobs, "15:00", "15:20", "15:20", done)],
              person=a, purposes=[Domain.JOBS])
    add_visit(centre, date(2025, 3, 3), [(jobs, "10:00", "10:10", "10:12", done),
                                         (welfare, "10:30", "10:50", "10:50", done)],
              person=a, purposes=[Domain.JOBS, Domain.WELFARE],
              suggested=[job_service, culture_service])
    add_visit(centre, date(2025, 3, 10), [(jobs, "14:00", None, "14:05", done)],
              person=b, purposes=[Domain.JOBS])
    add_visit(centre, date(2025, 3, 20), [(welfare, "09:00", "09:30", "09:30", done),
                                          (culture, "09:45", None, None, StopStatus.SKIPPED)],
              person=b, purposes=[Domain.WELFARE, Domain.CULTURE], suggested=[culture_service])
    add_visit(centre, date(2025, 3, 31), [(jobs, "23:50", "00:10", "00:10", done)],
              person=c, purposes=[Domain.JOBS])
    add_visit(centre, date(2025, 3, 31), [(culture, "11:00", "11:04", "11:04", done)],
              purposes=[Domain.CULTURE])
    add_visit(centre, date(2025, 4, 1), [(jobs, "09:00", "09:01", "09:01", done)],
              person=c, purposes=[Domain.JOBS], suggested=[job_service])

    w_jobs = make_staff(Role.CASEWORKER, centre=centre, agency=jobs, display_name="박고용")
    w_welfare = make_staff(Role.CASEWORKER, centre=centre, agency=welfare, display_name="최복지")
    add_case(a, jobs, w_jobs, kst(date(2025, 3, 5), "10:00"),
             closed=kst(date(2025, 3, 25), "16:00"), reason=ClosureReason.EMPLOYED)
    add_case(b, welfare, w_welfare, kst(date(2025, 2, 10), "10:00"))  # no assessment, no plan
    add_case(c, jobs, w_jobs, kst(date(2025, 3, 28), "10:00"))  # within its targets
    late_goal = add_case(a, welfare, w_welfare, kst(date(2025, 1, 5), "10:00"))
    add_case(b, jobs, w_jobs, kst(date(2024, 12, 1), "10:00"),
             closed=kst(date(2025, 3, 31), "23:30"), reason=ClosureReason.MOVED)
    add_case(c, welfare, w_welfare, kst(date(2025, 4, 1), "00:30"))
    db.session.add_all([
        Assessment(case_id=late_goal.id, assessed_on=date(2025, 1, 10), ratings={},
                   crisis_level="low", author_id=w_welfare.id,
                   created_at=kst(date(2025, 1, 10), "11:00")),
        PlanGoal(case_id=late_goal.id, domain=NeedDomain.EMPLOYMENT, description="취업 준비",
                 target_date=date(2025, 3, 15), status=GoalStatus.PLANNED,
                 created_by_id=w_welfare.id, created_at=kst(date(2025, 1, 15), "11:00"),
                 updated_at=kst(date(2025, 1, 15), "11:00")),
        PlanGoal(case_id=late_goal.id, domain=NeedDomain.HOUSING, description="임대주택",
                 status=GoalStatus.NO_SERVICE, created_by_id=w_welfare.id,
                 created_at=kst(date(2025, 1, 15), "11:00"),
                 updated_at=kst(date(2025, 3, 12), "11:00")),
    ])
    db.session.commit()
    return centre


def sheet_rows(workbook, name) -> list[tuple]:
    return [tuple(cell for cell in row) for row in workbook[name].iter_rows(values_only=True)]


def row_of(rows, label):
    return next(row for row in rows if row and row[0] == label)


def pdf_text(pdf: bytes) -> str | None:
    """The PDF's text, pages separated by form feeds, when poppler's pdftotext is here."""
    if shutil.which("pdftotext") is None:
        return None
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True)
    return done.stdout.decode()


# --- the figures, one by one -------------------------------------------------------------

def test_every_figure_of_the_month_matches_the_hand_count(month):
    report = sections.monthly_report(month, MARCH)
    by_key = {s.key: s for s in report.sections}
    assert list(by_key) == ["visits", "people", "one_stop", "referrals", "cases", "suggestions",
                            "unmet_needs", "trend", "targets", "addon_culture"]

    def figure(section, label):
        return next(f.value for f in by_key[section].figures if f.label == label)

    def table(section, title):
        found = next(t for t in by_key[section].tables if t.title == title)
        return {row[0]: row[1:] for row in found.rows}, found.footer

    assert [figure("visits", label) for label in (
        "방문 건수", "방문 인원", "처음 방문한 사람", "다시 방문한 사람", "익명 방문",
        "평균 대기 시간", "대기 시간 90번째 백분위")] == [5, 3, 2, 1, 1, 14.8, 25.0]
    days = table("visits", "일별 방문")[0]
    assert (len(days), days["2025-03-03"], days["2025-03-10"], days["2025-03-20"],
            days["2025-03-31"], days["2025-03-01"]) == (31, [1], [1], [1], [2], [0])
    assert by_key["visits"].charts[0].values[30] == 2
    assert table("visits", "방문 목적 분야별")[0] == {"취업": [3], "복지": [2], "문화": [2]}
    assert table("visits", "정책고객 유형별")[0] == {"청년": [3], "한부모": [2],
                                                  "유형 정보 없음(익명 포함)": [2]}
    assert table("visits", "이용 기관별")[0] == {
        "남양주고용센터": [3, 11.7], "복지지원팀": [2, 25.0], "문화누리 창구": [1, 4.0]}

    assert [figure("one_stop", label) for label in (
        "두 기관 이상 이용한 방문", "두 기관 이상 이용 비율", "창구 간 연계(같은 방문)",
        "줄어든 기관 방문")] == [1, 20.0, 2, 1]
    assert table("one_stop", "이용(상담)한 기관 수별 방문")[0] == {
        "상담 전 귀가": [0], "1곳": [4], "2곳": [1]}

    assert [figure("cases", label) for label in (
        "신규 사례", "종결 사례", "취업 종결", "월말 진행 사례", "기한 지난 사례")] == [2, 2, 1, 3, 2]
    reasons, total = table("cases", "종결 사유별")
    assert (reasons["취업"], reasons["전출"], reasons["연락두절"], total) == (
        [1], [1], [0], ["합계", 2])
    assert table("cases", "기관별")[0] == {
        "남양주고용센터": [2, 2, 1, 1, 0], "복지지원팀": [0, 0, 0, 2, 2], "문화누리 창구": [0, 0, 0, 0, 0]}
    assert table("cases", "사례관리자별")[0] == {
        "박고용": ["남양주고용센터", 2, 2, 1, 1], "최복지": ["복지지원팀", 0, 0, 0, 2]}
    assert table("cases", "기한 지난 사례(월말 기준)") == (
        {"욕구조사 기한": [1], "계획 수립 기한": [1], "목표 달성 예정일": [1]},
        ["사례 수(중복 제외)", 2])

    assert [figure("suggestions", label) for label in ("제안한 서비스", "제안받은 방문")] == [3, 2]
    by_domain = table("suggestions", "분야별 제안")[0]
    assert (by_domain["취업"], by_domain["문화"], by_domain["복지"]) == ([1, 1], [2, 2], [0, 0])
    assert table("suggestions", "많이 제안된 서비스")[0] == {
        "문화누리카드": ["문화", 2], "취업성공패키지": ["취업", 1]}

    assert figure("unmet_needs", "서비스 없음 목표") == 1
    unmet = table("unmet_needs", "욕구 영역별")[0]
    assert (unmet["주거"], unmet["고용"]) == ([1, 1], [0, 0])

    assert [f.value for f in by_key["addon_culture"].figures] == [2, 1, 2, 0]

    assert [figure("people", label) for label in (
        "방문 인원", "익명 방문", "상담 전 돌아간 창구 대기")] == [3, 1, 0]
    ages, ages_total = table("people", "성별·연령대별 방문 인원")
    assert (ages["30대"], ages["40대"], ages["50대"], ages["20대"], ages_total) == (
        [1, 0, 1], [1, 0, 1], [1, 0, 1], [0, 0, 0], ["합계", 3, 0, 3])
    trend, ytd = table("trend", "최근 12개월 추이")
    assert (len(trend), trend["2025-03"][:2], trend["2025-02"][:2], trend["2024-04"][:2]) == (
        12, [5, 3], [1, 1], [0, 0])
    assert ytd[:2] == ["올해 누계", 6] and ytd[2] is None


def test_headline_figures_change_against_last_month_and_a_year_before(month):
    rows = {row.key: row for row in sections.monthly_report(month, MARCH).headlines}
    visits = rows["visits"]
    assert (visits.value, visits.previous, visits.year_before) == (5, 1, None)  # no data then
    assert (visits.change_previous, visits.change_previous_pct) == (4, 400.0)
    assert (visits.change_year, visits.change_year_pct) == (None, None)
    assert (rows["first_time"].value, rows["first_time"].previous) == (2, 1)
    assert (rows["avg_wait"].value, rows["avg_wait"].previous, rows["avg_wait"].change_previous) \
        == (14.8, 20.0, -5.2)
    assert rows["avg_wait"].year_before is None
    share = rows["multi_agency_share"]
    assert (share.value, share.previous, share.change_previous, share.change_previous_pct) == (
        20.0, 0.0, 20.0, None)
    assert (rows["cases_opened"].value, rows["cases_opened"].previous) == (2, 1)
    assert [rows[k].value for k in ("cases_closed", "employed", "open_at_end", "past_targets",
                                    "unmet", "trips_saved", "people")] == [2, 1, 3, 2, 1, 1, 3]


def test_months_roll_over_the_year_and_end_at_seoul_midnight():
    assert (Month(2025, 1).previous(), Month(2025, 12).next(), Month(2025, 3).year_before()) == (
        Month(2024, 12), Month(2026, 1), Month(2024, 3))
    assert Month.parse("2025-03").span.end_utc == datetime(2025, 3, 31, 15, 0, tzinfo=UTC)
    for text in ("2025-13", "2025-3", "1999-01", "2025-03-01"):
        with pytest.raises(ValueError):
            Month.parse(text)


def test_both_percentile_paths_agree(month):
    span = MARCH.span
    assert figures.wait_percentile(month.id, span, method="offset") == pytest.approx(1500, abs=0.01)
    assert figures.wait_percentile(month.id, span) == pytest.approx(1500, abs=0.01)
    assert figures.wait_percentile(month.id, span, 0.5, method="offset") == pytest.approx(900, abs=0.01)
    if db.session.get_bind().dialect.name == "postgresql":
        assert figures.wait_percentile(month.id, span, 0.5, method="percentile_cont") == \
            pytest.approx(900, abs=0.01)
    assert figures.wait_percentile(month.id, Month(2024, 3).span) is None


# --- the page and its exports ------------------------------------------------------------

def test_manager_reads_the_month_as_a_page(client, login_as, month):
    login_as(Role.MANAGER, centre=month)
    page = client.get(URL)
    assert page.status_code == 200
    text = page.text
    for expected in ("남양주 고용복지+센터 월간 보고서", "2025년 3월", "주요 지표", "원스톱 효과",
                     "충족되지 않은 욕구", "부가 서비스: 문화", "data:image/svg+xml;base64,",
                     f"{URL}.pdf", f"{URL}.xlsx", f"{URL}.csv", "/2025-02", "/2025-04"):
        assert expected in text
    for person in ("가나다", "라마바", "사아자"):
        assert person not in text  # counts only, no personal data


def test_xlsx_has_one_sheet_per_section_with_numbers_as_numbers(client, login_as, month):
    login_as(Role.MANAGER, centre=month)
    response = client.get(f"{URL}.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["요약", "방문", "이용자", "원스톱 효과", "기관 간 의뢰",
                                   "사례관리", "서비스 제안", "충족되지 않은 욕구",
                                   "추이와 올해 누계", "목표 대비 실적", "부가 서비스 문화", "용어 정의"]
    summary = sheet_rows(workbook, "요약")
    assert row_of(summary, "방문 건수")[1:10] == ("건", 5, 1, 4, "건", 400, None, None, None)
    assert row_of(summary, "두 기관 이상 이용 비율")[5] == "%p"
    assert row_of(summary, "상태")[1].startswith("잠정 (")
    assert row_of(sheet_rows(workbook, "용어 정의"), "방문 인원")[1].startswith("그달 방문한")
    assert row_of(summary, "평균 대기 시간")[2] == 14.8
    visits = sheet_rows(workbook, "방문")
    assert row_of(visits, "방문 건수")[1:3] == (5, "건")
    assert row_of(visits, "2025-03-31")[1] == 2
    assert row_of(visits, "남양주고용센터")[1:3] == (3, 11.7)
    cases = sheet_rows(workbook, "사례관리")
    assert row_of(cases, "취업 종결")[1] == 1
    assert isinstance(row_of(cases, "월말 진행 사례")[1], int)


def test_csv_has_a_bom_and_every_section(client, login_as, month):
    login_as(Role.MANAGER, centre=month)
    response = client.get(f"{URL}.csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["한자리 월간 보고서", "남양주 고용복지+센터", "2025-03"]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert rows[1][0] == "상태" and rows[1][1].startswith("잠정 (")
    assert ["방문 건수", "건", "5", "1", "4", "건", "400.0", "", "", ""] in rows
    assert row_of(rows, "두 기관 이상 이용 비율")[1] == "%"
    assert row_of(rows, "두 기관 이상 이용 비율")[5] == "%p"  # a change of a share: points
    assert ["방문 건수", "5", "건"] in rows
    assert ["두 기관 이상 이용 비율", "20.0", "%"] in rows
    assert ["주거", "1", "1"] in rows
    assert ["부가 서비스: 문화"] in rows


def test_spreadsheets_never_turn_a_name_into_a_formula(client, login_as, month):
    """An agency named like a formula stays text in the CSV and the XLSX (a leading ')."""
    hostile = '=HYPERLINK("http://evil.example","보기")'
    agency = db.session.scalar(sa.select(Agency).where(Agency.name == "남양주고용센터"))
    agency.name = hostile
    db.session.commit()
    login_as(Role.MANAGER, centre=month)
    rows = list(csv.reader(io.StringIO(client.get(f"{URL}.csv").data.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'" + hostile in cells and hostile not in cells
    workbook = load_workbook(io.BytesIO(client.get(f"{URL}.xlsx").data))
    values = [cell for sheet in workbook.sheetnames for row in sheet_rows(workbook, sheet)
              for cell in row]
    assert "'" + hostile in values
    for sheet in workbook.worksheets:
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert [safe_cell(v) for v in ("+1", "-x", "@a", "\tb", "\rc", "ok", -3, 2.5)] == [
        "'+1", "'-x", "'@a", "'\tb", "'\rc", "ok", -3, 2.5]


def test_pdf_prints_every_section_with_header_approval_box_and_page_numbers(client, login_as,
                                                                            month):
    login_as(Role.MANAGER, centre=month)
    response = client.get(f"{URL}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    if text is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: checked the PDF's start only")
    pages = text.rstrip("\f").split("\f")
    # The cover with the headline figures, then the sections running on (no page each).
    assert len(pages) <= 9
    for number, page in enumerate(pages, start=1):
        assert "남양주 고용복지+센터" in page and "2025년 3월" in page
        assert f"{number}/{len(pages)}" in page.replace(" ", "")
    front = " ".join(pages[0].split())
    for expected in ("월간 운영 보고서", "결재", "담당", "팀장", "센터장", "방문 건수"):
        assert expected in front
    if shutil.which("pdffonts"):
        listing = subprocess.run(["pdffonts", "-"], input=response.data, capture_output=True,
                                 check=True).stdout.decode().splitlines()[2:]
        # Only the app's Noto Sans KR is embedded: no system font stood in for a glyph.
        assert listing and all("Hanjari-Noto-Sans-KR" in line for line in listing)
    body = "\n".join(pages)
    for expected in ("1. 방문", "2. 이용자", "3. 원스톱 효과", "4. 기관 간 의뢰", "5. 사례관리",
                     "6. 서비스 제안", "7. 충족되지 않은 욕구", "8. 추이와 올해 누계",
                     "9. 목표 대비 실적", "10. 부가 서비스: 문화", "용어 정의", "잠정 ("):
        assert expected in body


def test_pdf_charts_keep_their_words_as_text(client, login_as, month):
    """The PDF's charts write their labels as text in the PDF's own font (the page's charts
    draw them as outlines): far less for WeasyPrint to draw, and the words can be found."""
    login_as(Role.MANAGER, centre=month)
    text = pdf_text(client.get(f"{URL}.pdf").data)
    if text is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    assert "날짜(일)" in text and "방문 건수" in text
    charts = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', client.get(URL).text)
    assert charts and all(b"<text" not in base64.b64decode(chart) for chart in charts)


def test_every_export_is_an_audit_event(client, login_as, month):
    manager = login_as(Role.MANAGER, centre=month)
    client.get(URL)
    for kind in ("pdf", "xlsx", "csv"):
        assert client.get(f"{URL}.{kind}").status_code == 200
    assert audit_actions(staff_id=manager.id, subject_type="centres") == [
        "report.monthly.pdf", "report.monthly.xlsx", "report.monthly.csv"]


def test_the_culture_section_only_where_the_culture_addon_is_on(client, login_as):
    centre = make_centre(code="suwon", name="수원 고용복지+센터")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT)
    add_visit(centre, date(2025, 3, 4), [(jobs, "10:00", "10:05", "10:05", StopStatus.DONE)],
              purposes=[Domain.JOBS])
    login_as(Role.MANAGER, centre=centre)
    page = client.get("/reports/monthly/suwon/2025-03")
    assert page.status_code == 200 and "방문 건수" in page.text
    assert "부가 서비스" not in page.text
    workbook = load_workbook(io.BytesIO(client.get("/reports/monthly/suwon/2025-03.xlsx").data))
    assert "부가 서비스 문화" not in workbook.sheetnames
    assert "부가 서비스" not in client.get("/reports/monthly/suwon/2025-03.csv").data.decode("utf-8-sig")


# --- who may see what --------------------------------------------------------------------

def test_a_manager_sees_only_their_own_centre(client, login_as, month):
    other = make_centre(code="suwon")
    login_as(Role.MANAGER, centre=other)
    for suffix in ("", ".pdf", ".xlsx", ".csv"):
        assert client.get(f"{URL}{suffix}").status_code == 404
    assert client.get("/reports/national/2025-03").status_code == 403
    assert audit_actions(action="report.monthly.pdf") == []


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.CASEWORKER])
def test_front_desk_and_caseworkers_get_no_reports(client, login_as, month, role):
    login_as(role, centre=month)
    for url in (URL, f"{URL}.pdf", "/reports/dashboard", "/reports/national/2025-03"):
        assert client.get(url).status_code == 403
    assert "/reports/" not in client.get("/").text


def test_months_that_are_not_months_or_not_yet_begun_are_not_found(client, login_as, month):
    login_as(Role.MANAGER, centre=month)
    assert client.get("/reports/monthly/namyangju/2025-13").status_code == 404
    assert client.get("/reports/monthly/namyangju/2999-01").status_code == 404
    latest = client.get("/reports/monthly")
    assert latest.status_code == 302
    assert f"/reports/monthly/namyangju/{Month.current()}" in latest.headers["Location"]
    picked = client.get("/reports/monthly?centre=namyangju&month=2025-02")
    assert picked.headers["Location"].endswith("/reports/monthly/namyangju/2025-02")


def test_the_menu_opens_this_months_report_even_before_its_first_visit(client, login_as, month):
    """What a manager looks for is this month so far; the complete months are one link back."""
    login_as(Role.MANAGER, centre=month)
    assert client.get("/reports/monthly").headers["Location"].endswith(
        f"/reports/monthly/namyangju/{Month.current()}")


def test_a_chart_with_nothing_to_draw_says_so(client, login_as, month):
    login_as(Role.MANAGER, centre=month)
    page = client.get(client.get("/reports/monthly").headers["Location"]).text  # no visits yet
    assert 'class="chart-empty"' in page and "해당 없음" in page.split('class="chart-empty"')[1]
    assert '<img class="chart"' not in page


# --- the national roll-up ----------------------------------------------------------------

def test_national_roll_up_side_by_side_with_national_total(client, login_as, month):
    suwon = make_centre(code="suwon", name="수원 고용복지+센터")
    jobs = make_agency(suwon, AgencyKind.EMPLOYMENT)
    add_visit(suwon, date(2025, 3, 4), [(jobs, "10:00", "10:10", "10:10", StopStatus.DONE)],
              purposes=[Domain.JOBS])
    admin = login_as(Role.ADMIN)
    page = client.get("/reports/national/2025-03")
    assert page.status_code == 200
    assert "남양주 고용복지+센터" in page.text and "수원 고용복지+센터" in page.text
    assert URL in page.text  # each centre links to its monthly report
    assert client.get(URL).status_code == 200  # the administrator reads any centre

    workbook = load_workbook(io.BytesIO(client.get("/reports/national/2025-03.xlsx").data))
    rows = sheet_rows(workbook, "전국 현황")
    header = next(row for row in rows if row and row[0] == "센터 코드")
    column = {name.split(" (")[0]: index for index, name in enumerate(header) if name}
    namyangju, suwon_row = row_of(rows, "namyangju"), row_of(rows, "suwon")
    total = next(row for row in rows if row and row[1] == "전국 합계")
    assert (namyangju[column["방문 건수"]], suwon_row[column["방문 건수"]],
            total[column["방문 건수"]]) == (5, 1, 6)
    # National averages and shares come from the summed counts, not from the centres' values.
    assert total[column["평균 대기 시간"]] == 14.1
    assert total[column["두 기관 이상 이용 비율"]] == 16.7
    assert total[column["취업 종결"]] == 1

    pdf = client.get("/reports/national/2025-03.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = pdf_text(pdf.data)
    if text is not None:
        assert "수원 고용복지+센터" in text and "전국 합계" in text and "2/2" in text.replace(" ", "")
    assert audit_actions(staff_id=admin.id)[-2:] == ["report.national.xlsx", "report.national.pdf"]


# --- the dashboard -----------------------------------------------------------------------

def test_dashboard_counts_today_per_agency_and_links_to_the_lists(client, login_as):
    centre = make_centre(code="namyangju")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT, name="남양주고용센터")
    welfare = make_agency(centre, AgencyKind.WELFARE, name="복지지원팀")
    person = make_client(centre, name="가나다")
    visit = make_visit(centre, [jobs, welfare], client=person)
    make_visit(centre, [welfare])  # anonymous
    case = make_case(person, jobs)
    late = make_case(make_client(centre, name="라마바", birth_date=date(1991, 2, 2)), welfare)
    late.opened_at = datetime(2020, 1, 1, tzinfo=SEOUL)
    db.session.commit()

    login_as(Role.MANAGER, centre=centre)
    data = client.get("/reports/dashboard")
    assert data.status_code == 200
    from reports.dashboard import dashboard

    cells = dashboard(centre).cells
    assert cells["visits_today"] == ({jobs.id: 1, welfare.id: 1}, 2)
    assert cells["waiting"] == ({jobs.id: 1, welfare.id: 1}, 2)
    assert cells["new_today"] == (None, 1)
    assert cells["open_cases"] == ({jobs.id: 1, welfare.id: 1}, 2)
    assert cells["past_targets"] == ({jobs.id: 0, welfare.id: 1}, 1)
    assert f"/reports/dashboard/waiting?agency={jobs.id}" in data.text
    assert "/reports/dashboard/past_targets?agency=" in data.text

    waiting = client.get(f"/reports/dashboard/waiting?agency={jobs.id}")
    assert visit.ticket_number in waiting.text and "1건" in waiting.text
    past = client.get("/reports/dashboard/past_targets")
    assert f"/cases/{late.id}" in past.text and f"/cases/{case.id}\"" not in past.text
    new = client.get("/reports/dashboard/new_today")
    assert "가*다" in new.text and "1건" in new.text
    assert client.get("/reports/dashboard/nothing").status_code == 404
    other = make_agency(make_centre(), AgencyKind.EMPLOYMENT)
    assert client.get(f"/reports/dashboard/waiting?agency={other.id}").status_code == 404


def test_report_pdfs_fetch_only_the_apps_own_files(app):
    from core.pdf import FONT_URL, AppFilesOnly, RefusedURL

    fetcher = AppFilesOnly(app.static_folder)
    assert fetcher.local_path(FONT_URL).name == "NotoSansKR-Regular.otf"
    for url in ("file:///etc/passwd", "https://example.com/font.otf",
                "https://hanjari.internal/static/css/hanjari.css",
                "https://hanjari.internal/static/fonts/../../app.py", "http://127.0.0.1/x"):
        with pytest.raises(RefusedURL):
            fetcher.local_path(url)
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"


# --- referrals ---------------------------------------------------------------------------

def add_referral(client, from_agency, to_agency, sent, *, answered=None, declined=False,
                 outcome=None, cancelled=None, due=None, service=None):
    from referrals.models import DeclineReason, Outcome, Referral, ReferralStatus

    case = db.session.scalar(sa.select(Case).where(Case.client_id == client.id)) or \
        add_case(client, from_agency, make_staff(Role.CASEWORKER, agency=from_agency), sent)
    status = ReferralStatus.SENT
    if answered:
        status = ReferralStatus.DECLINED if declined else ReferralStatus.ACCEPTED
    if outcome:
        status = ReferralStatus.COMPLETED
    if cancelled:
        status = ReferralStatus.CANCELLED
    referral = Referral(
        centre_id=client.centre_id, client_id=client.id, from_case_id=case.id,
        from_agency_id=from_agency.id, to_agency_id=to_agency.id, reason="의뢰",
        status=status, sent_by_id=case.caseworker_id, sent_at=sent, due_at=due,
        received_at=answered, responded_at=answered,
        decline_reason=DeclineReason.CAPACITY if declined else None,
        outcome=Outcome(outcome) if outcome else None,
        closed_at=cancelled or (answered if outcome else None),
        service_id=service.id if service else None)
    db.session.add(referral)
    db.session.commit()
    return referral


def test_referral_figures_of_the_month_match_the_hand_count(month):
    """Sent in March: R1 answered in 4 h and completed, R2 sent on the last day at 17:00
    and declined on 2 April (so still awaiting its answer at March's end: March's figures are
    as of its last midnight), R3 never answered (overdue at
    month end), R5 cancelled; R4 was sent in February: not sent this month, but still
    unanswered and overdue at its end."""
    agencies = {a.name: a for a in month.agencies}
    jobs, welfare, culture = (agencies["남양주고용센터"], agencies["복지지원팀"],
                              agencies["문화누리 창구"])
    people = {c.name: c for c in db.session.scalars(sa.select(Client))}
    culture_card = db.session.scalar(sa.select(Service).where(Service.name == "문화누리카드"))
    add_referral(people["가나다"], jobs, welfare, kst(date(2025, 3, 3), "10:40"),
                 answered=kst(date(2025, 3, 3), "14:40"), outcome="benefit_granted",
                 due=kst(date(2025, 3, 4), "17:40"))
    add_referral(people["라마바"], welfare, jobs, kst(date(2025, 3, 31), "17:00"),
                 answered=kst(date(2025, 4, 2), "10:00"), declined=True,
                 due=kst(date(2025, 4, 2), "15:00"))
    add_referral(people["라마바"], jobs, welfare, kst(date(2025, 3, 10), "09:00"),
                 due=kst(date(2025, 3, 11), "16:00"))
    add_referral(people["사아자"], jobs, welfare, kst(date(2025, 2, 27), "09:00"),
                 due=kst(date(2025, 2, 28), "16:00"))
    add_referral(people["가나다"], jobs, culture, kst(date(2025, 3, 20), "11:00"),
                 cancelled=kst(date(2025, 3, 21), "09:00"), due=kst(date(2025, 3, 21), "18:00"),
                 service=culture_card)

    report = sections.monthly_report(month, MARCH)
    by_key = {s.key: s for s in report.sections}

    def figure(section, label):
        return next(f.value for f in by_key[section].figures if f.label == label)

    assert [figure("referrals", label) for label in (
        "보낸 의뢰", "수락률", "첫 응답까지 걸린 시간(중앙값)", "기한 안 응답 비율", "완료",
        "월말 기한 지난 의뢰")] == [4, 100.0, 4.0, 100.0, 1, 2]  # R2's April answer: not yet
    grid = next(t for t in by_key["referrals"].tables if t.title == "보낸 기관 × 받는 기관")
    rows = {row[0]: row[1:] for row in grid.rows}
    assert grid.columns[1:4] == ["남양주고용센터", "복지지원팀", "문화누리 창구"]
    assert rows["남양주고용센터"] == [0, 2, 1, 3]
    assert rows["복지지원팀"] == [1, 0, 0, 1]
    assert grid.footer == ["합계", 1, 2, 1, 4]
    outcomes = {row[0]: row[1] for row in next(
        t for t in by_key["referrals"].tables if t.title == "결과").rows}
    assert outcomes["급여 결정"] == 1 and sum(outcomes.values()) == 1
    followed = next(t for t in by_key["referrals"].tables
                    if t.title == "접수 때 제안한 서비스와 그 서비스로 보낸 의뢰")
    assert followed.rows[0] == ["문화누리카드", 2, 1]

    # One-stop: A's 3 March visit used two agencies and led to R1; B's 10 March visit led to R3.
    assert figure("one_stop", "기관 의뢰로 이어진 방문") == 2
    assert figure("one_stop", "원스톱 방문 비율(두 기관 이상 또는 의뢰)") == 40.0
    headlines = {h.key: h.value for h in report.headlines}
    assert (headlines["referrals_sent"], headlines["acceptance_rate"],
            headlines["overdue_referrals"]) == (4, 100.0, 2)
    states = {row[0]: row[1] for row in next(
        t for t in by_key["referrals"].tables if t.title == "월말 상태별 의뢰").rows}
    assert states == {"응답 대기": 2, "수락(진행 중)": 0, "반려": 0, "완료": 1, "취소": 1}


def test_both_median_paths_agree(month):
    from reports import referral_figures

    agencies = {a.name: a for a in month.agencies}
    person = db.session.scalar(sa.select(Client).where(Client.name == "가나다"))
    for hours in (1, 2, 7):
        add_referral(person, agencies["남양주고용센터"], agencies["복지지원팀"],
                     kst(date(2025, 3, 3), "09:00"),
                     answered=kst(date(2025, 3, 3), f"{9 + hours:02d}:00"),
                     outcome="service_provided", due=kst(date(2025, 3, 5), "09:00"))
    offset = referral_figures.median_response_seconds(month.id, MARCH.span, method="offset")
    assert offset == pytest.approx(7200, abs=0.01)  # SQLite's julianday is a float
    if db.engine.dialect.name == "postgresql":
        assert referral_figures.median_response_seconds(month.id, MARCH.span) == \
            pytest.approx(offset, abs=0.01)


def test_dashboard_counts_new_and_overdue_referrals(client, login_as):
    from factories import make_referral

    centre = make_centre(code="namyangju")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT, name="남양주고용센터")
    welfare = make_agency(centre, AgencyKind.WELFARE, name="복지지원팀")
    person = make_client(centre, share_with=[welfare])
    referral = make_referral(make_case(person, jobs), welfare)
    referral.due_at = datetime(2020, 1, 1, tzinfo=UTC)
    db.session.commit()
    login_as(Role.MANAGER, centre=centre)
    from reports.dashboard import dashboard

    cells = dashboard(centre).cells
    assert cells["referrals_new"] == ({welfare.id: 1}, 1)
    assert cells["referrals_overdue"] == ({welfare.id: 1}, 1)
    listing = client.get(f"/reports/dashboard/referrals_overdue?agency={welfare.id}").text
    assert f"/referrals/{referral.id}" in listing and "1건" in listing
