"""What the reports package keeps: the manager's monthly sign-off of the access-log review."""

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
