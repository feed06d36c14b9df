"""The report as a document: the cover of the PDFs (document number, 수신/발신, 작성자,
결재란, data-as-of, 비고), the per-centre yearly number, the packed pages, chart axes.

Everything is read from the real PDF bytes with poppler's pdftotext."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime

import pytest
import sqlalchemy as sa
import test_reports
import time_machine
from test_reports import URL

from centers.models import AgencyKind
from core.clock import SEOUL, local_today
from core.extensions import db
from core.roles import Role
from factories import audit_actions, login, make_agency, make_centre, make_staff
from reports.models import ReportDocument
from reports.periods import Month

month = test_reports.month  # the fixture: the hand-built March 2025 at 남양주

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason="pdftotext (poppler-utils) reads the PDFs")


def pdf_pages(pdf: bytes) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    return [" ".join(page.split()) for page in text.rstrip("\f").split("\f")]


def page_fill(pdf: bytes, tmp_path) -> list[float]:
    """How far down each page's body is drawn on (0 to 1), from the pages rendered by
    pdftoppm: the lowest non-white row between the running header and the page number (the
    charts' text is drawn as paths, so the text alone would not tell)."""
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-gray", str(source), str(tmp_path / "page")],
                   check=True)
    fills = []
    for image in sorted(tmp_path.glob("page-*.pgm")):
        data = image.read_bytes()
        magic, width, height, _depth, pixels = data.split(maxsplit=4)
        width, height = int(width), int(height)
        top, bottom = round(height * 20 / 297), round(height * (297 - 16) / 297)
        inked = [row for row in range(top, bottom)
                 if min(pixels[row * width:(row + 1) * width]) < 200]
        fills.append((max(inked, default=top) - top) / (bottom - top))
    return fills


def test_the_cover_is_a_numbered_document_with_approval_box_and_data_as_of(
        client, login_as, month):
    manager = login_as(Role.MANAGER, centre=month)
    manager.display_name = "김센터"
    db.session.commit()
    year = local_today().year
    # Before closing, the report is provisional: no number.
    provisional = pdf_pages(client.get(f"{URL}.pdf").data)[0]
    assert "잠정 (" in provisional and "없음 (잠정 보고서: 마감 후 부여)" in provisional
    assert client.post(f"{URL}/close").status_code == 302
    assert client.post("/reports/monthly/namyangju/2025-02/close").status_code == 302
    first = client.get(f"{URL}.pdf")
    assert first.status_code == 200
    pages = pdf_pages(first.data)
    cover = pages[0]
    number = f"남양주센터-{year}-0001"
    for expected in ("보고서", "월간 운영 보고서", "남양주 고용복지+센터", "2025년 3월",
                     "문서번호", number, "수신", "고용노동부 고용서비스정책과", "발신",
                     "남양주 고용복지+센터장", "작성자", "김센터 (센터 관리자)", "출력 일시",
                     "자료 기준", "마감 ", "제1판", "자료 2025-03-31 24:00 기준", "비고",
                     "결재", "담당", "팀장", "센터장", "주요 지표", "방문 건수"):
        assert expected in cover, expected
    # The same version printed again keeps its number; the next report takes the next one.
    assert number in pdf_pages(client.get(f"{URL}.pdf").data)[0]
    february = pdf_pages(client.get("/reports/monthly/namyangju/2025-02.pdf").data)[0]
    assert f"남양주센터-{year}-0002" in february
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportDocument)) == 2
    assert audit_actions(action="report.document_issued") == ["report.document_issued"] * 2
    # A correction is a new edition: a new number; the first edition keeps its own.
    assert client.post(f"{URL}/correct", data={"reason": "방문 1건 누락"}).status_code == 302
    second = pdf_pages(client.get(f"{URL}.pdf").data)[0]
    assert f"남양주센터-{year}-0003" in second and "제2판" in second
    assert number in pdf_pages(client.get(f"{URL}.pdf?edition=1").data)[0]


def test_remarks_written_by_the_manager_are_printed_on_the_cover(client, login_as, month):
    login_as(Role.MANAGER, centre=month)
    assert f'action="{URL}/remarks"' not in client.get(URL).text  # not closed yet
    client.post(f"{URL}/close")
    page = client.get(URL)
    assert f'action="{URL}/remarks"' in page.text
    saved = client.post(f"{URL}/remarks", data={"remarks": "3월 31일 전산 장애로 2시간 접수 중단"},
                        follow_redirects=True)
    assert "비고를 저장했습니다" in saved.text
    cover = pdf_pages(client.get(f"{URL}.pdf").data)[0]
    assert "3월 31일 전산 장애로 2시간 접수 중단" in cover
    # The remarks were kept before the number was given: the first print numbers that row.
    documents = db.session.scalars(sa.select(ReportDocument)).all()
    assert len(documents) == 1 and documents[0].number.endswith("-0001")
    assert "report.remarks_saved" in audit_actions()


def test_a_month_not_closed_prints_as_a_provisional_report_without_a_number(client, login_as,
                                                                          month):
    login_as(Role.MANAGER, centre=month)
    for running in (Month.current(), Month(2025, 3)):
        cover = pdf_pages(client.get(f"/reports/monthly/namyangju/{running}.pdf").data)[0]
        assert "잠정 (" in cover and "없음 (잠정 보고서: 마감 후 부여)" in cover
        assert "남양주센터-" not in cover
    assert client.post(f"/reports/monthly/namyangju/{Month.current()}/remarks",
                       data={"remarks": "잠정"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportDocument)) == 0


def test_numbers_run_per_centre_and_start_again_each_year(app, month):
    suwon = make_centre(code="suwon", name="수원 고용복지+센터")
    make_agency(suwon, AgencyKind.EMPLOYMENT)
    namyangju_manager = make_staff(Role.MANAGER, centre=month)
    suwon_manager = make_staff(Role.MANAGER, centre=suwon)

    def number(manager, url: str) -> str:
        client = app.test_client()
        assert login(client, manager.username).status_code == 302
        client.post(url.removesuffix(".pdf") + "/close")
        cover = pdf_pages(client.get(url).data)[0]
        return re.search(r"\S+센터-\d{4}-\d{4}", cover)[0]

    with time_machine.travel(datetime(2026, 12, 31, 23, 50, tzinfo=SEOUL), tick=False):
        assert number(namyangju_manager, f"{URL}.pdf") == "남양주센터-2026-0001"
        assert number(suwon_manager, "/reports/monthly/suwon/2025-03.pdf") == "수원센터-2026-0001"
    with time_machine.travel(datetime(2027, 1, 1, 0, 10, tzinfo=SEOUL), tick=False):
        assert number(namyangju_manager, "/reports/monthly/namyangju/2026-12.pdf") == (
            "남양주센터-2027-0001")
        # Printed again in the new year, March 2025 keeps the number it was issued with.
        assert number(namyangju_manager, f"{URL}.pdf") == "남양주센터-2026-0001"


def test_sections_are_packed_no_page_below_half_full_but_the_last(client, login_as, month,
                                                                   tmp_path):
    login_as(Role.MANAGER, centre=month)
    pdf = client.get(f"{URL}.pdf").data
    fills = page_fill(pdf, tmp_path)
    # The cover with the headline figures, then the sections and the definitions running on
    # (each section started a page before: 10 pages with fewer sections).
    assert len(fills) <= 9
    for number, fill in enumerate(fills[:-1], start=1):
        assert fill >= 0.5, f"page {number} is only {fill:.0%} full"
    text = "\n".join(pdf_pages(pdf))
    for expected in ("1. 방문", "4. 기관 간 의뢰", "남양주고용센터", "용어 정의"):
        assert expected in text


def test_agency_names_and_totals_never_break_inside_a_word(client, login_as, month):
    """Many agencies with long names: the matrix is narrow, yet every name stays whole."""
    for name in ("남양주시여성새로일하기센터", "남양주지역자활센터", "경기동부제대군인지원센터"):
        make_agency(month, AgencyKind.OTHER, name=name)
    login_as(Role.MANAGER, centre=month)
    html = subprocess.run(["pdftotext", "-bbox", "-", "-"],
                          input=client.get(f"{URL}.pdf").data, capture_output=True,
                          check=True).stdout.decode()
    words = set(re.findall(r">([^<>\s]+)</word>", html))
    for name in ("남양주시여성새로일하기센터", "남양주지역자활센터", "경기동부제대군인지원센터",
                 "남양주고용센터", "합계"):
        assert name in words, name
    assert not words & {"합", "계", "남양주고용센", "터"}


def test_the_national_roll_up_has_the_cover_ranking_and_comparison(app, client, login_as, month):
    suwon = make_centre(code="suwon", name="수원 고용복지+센터")
    make_agency(suwon, AgencyKind.EMPLOYMENT)
    for manager in (make_staff(Role.MANAGER, centre=month), make_staff(Role.MANAGER, centre=suwon)):
        closer = app.test_client()
        login(closer, manager.username)
        code = manager.centre.code
        assert closer.post(f"/reports/monthly/{code}/2025-03/close").status_code == 302
    login_as(Role.ADMIN)
    response = client.get("/reports/national/2025-03.pdf")
    assert response.status_code == 200
    pages = pdf_pages(response.data)
    cover, body = pages[0], " ".join(pages)
    for expected in ("전국 운영 현황 보고서", "문서번호", "한자리-", "수신", "발신",
                     "한자리 운영지원단", "작성자", "결재", "담당", "팀장", "과장", "자료 기준",
                     "센터 순위", "방문 건수", "많은 순", "평균 대기 시간", "적은 순"):
        assert expected in cover, expected
    assert "센터별 비교" in body and "전국 합계" in body and "수원 고용복지+센터" in body
    # 남양주 had five visits in March, 수원 none: first and second.
    assert re.search(r"1 남양주 고용복지\+센터 5 .*2 수원 고용복지\+센터 0", cover)


def test_charts_have_axis_titles():
    from reports import charts
    from reports.sections import Chart

    days = charts._days(Chart("days", "일별", ["1", "2"], [3, 4], "날짜(일)", "방문 건수"))
    assert (days.axes[0].get_xlabel(), days.axes[0].get_ylabel()) == ("날짜(일)", "방문 건수")
    bars = charts._categories(Chart("categories", "사유", ["취업"], [2], "종결 사유", "사례 수"))
    assert (bars.axes[0].get_xlabel(), bars.axes[0].get_ylabel()) == ("사례 수", "종결 사유")
