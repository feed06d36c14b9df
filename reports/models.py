"""What the reports package keeps: the manager's monthly sign-off of the access-log review,
and the closed editions of the monthly report."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from centers.models import Staff
from core.extensions import db
from core.types import UTCDateTime, utcnow


class AccessReview(db.Model):
    """A month of a centre's access log, reviewed and signed off by its manager (once)."""

    __tablename__ = "access_reviews"
    __table_args__ = (sa.UniqueConstraint("centre_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"))
    month: Mapped[str] = mapped_column(sa.String(7))  # "2026-11"
    reviewed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    remark: Mapped[str] = mapped_column(sa.Text, default="")
    events: Mapped[int]  # how many events the month had when it was signed
    flagged: Mapped[int]  # how many of them carried a flag

    reviewed_by: Mapped[Staff] = relationship()


class MonthClosing(db.Model):
    """One edition (판) of a centre's closed monthly report: the whole report as it was
    rendered when the month was closed, never changed afterwards.

    The first edition is the closing itself; a correction (재작성) adds the next edition with
    its reason, and the earlier editions stay as they were. ``report`` holds every figure,
    table and note the page, PDF, XLSX, CSV and API show; ``counts`` the additive counts
    behind the headline figures (the national roll-up sums them across centres).
    """

    __tablename__ = "report_closings"
    __table_args__ = (sa.UniqueConstraint("centre_id", "month", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"), index=True)
    month: Mapped[str] = mapped_column(sa.String(7))  # "2026-11"
    version: Mapped[int]
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None when the month closed by itself past the deadline day (REPORT_CLOSE_DAY).
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")  # 재작성 사유 (editions 2, 3 …)
    data_as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    report: Mapped[dict] = mapped_column(sa.JSON)
    counts: Mapped[dict] = mapped_column(sa.JSON)

    closed_by: Mapped[Staff | None] = relationship()
class ReportDocument(db.Model):
    """An issued report as a numbered document: one row per report version, so printing the
    same version again shows the same number, and its remarks (비고).

    ``series`` is the numbering series, ``centre-<id>`` for a centre's monthly reports and
    ``national`` for the roll-up; ``serial`` counts from 1 in each series and year of issue.
    The number is stored as printed, so a renamed centre does not renumber its old reports.
    """

    __tablename__ = "report_documents"
    __table_args__ = (sa.UniqueConstraint("series", "month", "version"),
                      sa.UniqueConstraint("series", "year", "serial"))

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(sa.String(40))
    month: Mapped[str] = mapped_column(sa.String(7))  # "2026-11"
    version: Mapped[int]
    # Given at the first print: a row may exist before, holding the remarks written first.
    year: Mapped[int | None]
    serial: Mapped[int | None]
    number: Mapped[str | None] = mapped_column(sa.String(80))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    remarks: Mapped[str] = mapped_column(sa.Text, default="")
    remarks_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    remarks_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EditionPdf(db.Model):
    """The PDF of a closed edition as it was drawn, per language: an edition never changes and
    its cover is the issued document's (number, issuer, time of issue, remarks), so printing
    it again sends these bytes instead of laying out every page again.

    ``fingerprint`` is a hash of everything the bytes were drawn from (the cover's text, the
    print templates, the translations): when any of it differs, the PDF is drawn again and
    replaces the row. Nothing else can make the stored bytes differ from a fresh drawing.
    """

    __tablename__ = "report_edition_pdfs"
    __table_args__ = (sa.UniqueConstraint("edition_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("report_closings.id"))
    locale: Mapped[str] = mapped_column(sa.String(10))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    body: Mapped[bytes] = mapped_column(sa.LargeBinary)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
