"""Outreach visits (찾아가는 상담): a caseworker's planned home or field visit to a person they
hold a case for, its companions, check-in/check-out for lone-worker safety, and the record
made on the spot (the note itself lives in the case's notes; photos of documents here)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models import Case, CaseNote, Client, Consent
from centers.models import Staff
from core.extensions import db
from core.types import LabelledEnum, UTCDateTime, str_enum, utcnow


class OutreachKind(LabelledEnum):
    HOME = "home", _l("가정 방문")
    FIELD = "field", _l("현장 방문")


class OutreachStatus(LabelledEnum):
    PLANNED = "planned", _l("계획")
    UNDERWAY = "underway", _l("방문 중")
    RETURNED = "returned", _l("복귀")
    CANCELLED = "cancelled", _l("취소")


outreach_companions = sa.Table(
    "outreach_companions",
    db.metadata,
    sa.Column("visit_id", sa.ForeignKey("outreach_visits.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("staff_id", sa.ForeignKey("staff.id"), primary_key=True, index=True),
)


class OutreachVisit(db.Model):
    """One planned visit; the caseworker's agency holds the case it serves."""

    __tablename__ = "outreach_visits"
    __table_args__ = (
        sa.Index("ix_outreach_visits_centre_start", "centre_id", "planned_start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"))
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    caseworker_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    kind: Mapped[OutreachKind] = mapped_column(str_enum(OutreachKind, 16))
    address: Mapped[str] = mapped_column(sa.String(200))
    purpose: Mapped[str] = mapped_column(sa.String(500))
    planned_start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    planned_end_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[OutreachStatus] = mapped_column(str_enum(OutreachStatus, 16),
                                                  default=OutreachStatus.PLANNED, index=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    # The record made on the spot: the note is a case note (written through the cases
    # service); the assessment items ({item: value}) stay with the visit.
    note_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_notes.id"))
    assessment: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("consents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    case: Mapped[Case] = relationship()
    client: Mapped[Client] = relationship()
    caseworker: Mapped[Staff] = relationship(foreign_keys=[caseworker_id])
    companions: Mapped[list[Staff]] = relationship(secondary=outreach_companions,
                                                   order_by="Staff.id")
    note: Mapped[CaseNote | None] = relationship()
    consent: Mapped[Consent | None] = relationship()
    photos: Mapped[list[OutreachPhoto]] = relationship(order_by="OutreachPhoto.id",
                                                       back_populates="visit")

    def __repr__(self) -> str:
        return f"<OutreachVisit {self.id} {self.status}>"


class DocumentType(LabelledEnum):
    ID_CARD = "id_card", _l("신분증")
    INCOME = "income", _l("소득·재산 서류")
    LEASE = "lease", _l("임대차 계약서")
    MEDICAL = "medical", _l("진단서·의료 서류")
    OTHER = "other", _l("기타 서류")


class OutreachPhoto(db.Model):
    """A photo of a document the person showed: the file lives outside static, under the
    instance folder, by a random name; only this row knows which visit it belongs to."""

    __tablename__ = "outreach_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("outreach_visits.id"), index=True)
    document_type: Mapped[DocumentType] = mapped_column(str_enum(DocumentType, 16))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    visit: Mapped[OutreachVisit] = relationship(back_populates="photos")
