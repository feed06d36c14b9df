"""A closed edition's PDF is drawn once per language and kept: printing it again sends the
same bytes, whoever prints it; new remarks or a new edition draw anew."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa
import test_reports
from test_report_documents import pdf_pages
from test_reports import URL

from core.extensions import db
from core.roles import Role
from factories import login, make_staff
from reports.models import EditionPdf, ReportDocument

month = test_reports.month  # the fixture: the hand-built March 2025 at 남양주

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason="pdftotext (poppler-utils) reads the PDFs")


def kept() -> list[EditionPdf]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(EditionPdf).order_by(EditionPdf.id)))


def test_a_closed_edition_is_drawn_once_and_kept(client, login_as, month):
    manager = login_as(Role.MANAGER, centre=month)
    manager.display_name = "김센터"
    db.session.commit()
    # A provisional month is drawn at every print and nothing is kept.
    client.get(f"{URL}.pdf")
    assert kept() == []
    client.post(f"{URL}/close")
    first = client.get(f"{URL}.pdf").data
    [row] = kept()
    assert row.body == first and row.locale == "ko"
    # Printed again, by the same manager or by another: the issued document, byte for byte.
    assert client.get(f"{URL}.pdf").data == first
    other = make_staff(Role.MANAGER, centre=manager.centre, display_name="이부장")
    client.get("/logout")
    login(client, other.username)
    again = client.get(f"{URL}.pdf").data
    assert again == first
    cover = pdf_pages(again)[0]
    assert "김센터 (센터 관리자)" in cover and "이부장" not in cover
    number = db.session.scalar(sa.select(ReportDocument.number))
    assert number in cover
    # Remarks written later are on the next print (drawn again, replacing the kept one).
    client.post(f"{URL}/remarks", data={"remarks": "전산 장애로 2시간 접수 중단"})
    with_remarks = client.get(f"{URL}.pdf").data
    assert with_remarks != first and "전산 장애로 2시간 접수 중단" in pdf_pages(with_remarks)[0]
    assert [r.body for r in kept()] == [with_remarks]
    # A correction is a new edition: its own PDF, and the first edition's stays as it was.
    client.post(f"{URL}/correct", data={"reason": "방문 1건 누락"})
    second = client.get(f"{URL}.pdf").data
    assert "제2판" in pdf_pages(second)[0]
    assert client.get(f"{URL}.pdf?edition=1").data == with_remarks
    assert len(kept()) == 2
