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
