"""The person served by the centre. Personal data lives here and is read only through the
permission-scoped queries in :mod:`cases.queries`."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from centers.models import Agency, Centre, CustomerType, Staff
from core.extensions import db
from core.types import UTCDateTime, str_enum, utcnow


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"

    @property
    def label(self) -> str:
        return str(_l("남") if self is Sex.MALE else _l("여"))


client_customer_types = sa.Table(
    "client_customer_types",
    db.metadata,
    sa.Column("client_id", sa.ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("customer_type_code", sa.ForeignKey("customer_types.code"), primary_key=True),
)


class Client(db.Model):
    __tablename__ = "clients"
    __table_args__ = (
        # An exact resident-number duplicate within a centre is refused.
        sa.UniqueConstraint("centre_id", "rrn_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    # Initial consonants of the name (홍길동 → ㅎㄱㄷ), kept for the search box.
    name_initials: Mapped[str] = mapped_column(sa.String(50), index=True)
    birth_date: Mapped[date] = mapped_column(index=True)
    sex: Mapped[Sex] = mapped_column(str_enum(Sex, 1))
    # E.164 (+821012345678), so every way of writing a number finds the same person.
    phone: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    address_sigungu: Mapped[str] = mapped_column(sa.String(30), default="")
    address_detail: Mapped[str] = mapped_column(sa.String(200), default="")
    household_size: Mapped[int | None]
    rrn_encrypted: Mapped[str | None] = mapped_column(sa.String(200))
    rrn_hash: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    centre: Mapped[Centre] = relationship()
    created_by: Mapped[Staff | None] = relationship()
    customer_types: Mapped[list[CustomerType]] = relationship(
        secondary=client_customer_types, order_by=CustomerType.sort_order
    )
    consents: Mapped[list[Consent]] = relationship(back_populates="client", order_by="Consent.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def masked_name(self) -> str:
        """홍길동 → 홍*동, 김철 → 김*: enough to confirm, not to read out."""
        name = self.name
        if len(name) <= 1:
            return name
        if len(name) == 2:
            return name[0] + "*"
        return name[0] + "*" * (len(name) - 2) + name[-1]

    @property
    def masked_phone(self) -> str:
        from cases.identity import format_phone

        if not self.phone:
            return ""
        national = format_phone(self.phone)
        head, _sep, tail = national.rpartition("-")
        first = head.split("-")[0]
        return f"{first}-****-{tail}"

    def age_on(self, day: date) -> int:
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday

    def __repr__(self) -> str:
        return f"<Client {self.id}>"


class ClientLink(db.Model):
    """Two records found to be one person: linked, never merged or deleted; reversible."""

    __tablename__ = "client_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    other_client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    linked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    unlinked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unlinked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))

    client: Mapped[Client] = relationship(foreign_keys=[client_id])
    other_client: Mapped[Client] = relationship(foreign_keys=[other_client_id])

    @property
    def is_active(self) -> bool:
        return self.unlinked_at is None


# --- consent -----------------------------------------------------------------------------

class ConsentKind(StrEnum):
    COLLECTION = "collection"  # 개인정보 수집·이용 (required to keep any personal data)
    THIRD_PARTY = "third_party"  # 제3자 제공 to named agencies of the centre (optional)

    @property
    def label(self) -> str:
        return str(CONSENT_KIND_LABELS[self])


CONSENT_KIND_LABELS = {
    ConsentKind.COLLECTION: _l("개인정보 수집·이용 동의"),
    ConsentKind.THIRD_PARTY: _l("개인정보 제3자 제공 동의"),
}


class ConsentMethod(StrEnum):
    WRITTEN = "written"
    ORAL = "oral"
    ELECTRONIC = "electronic"

    @property
    def label(self) -> str:
        return str({"written": _l("서면"), "oral": _l("구두"), "electronic": _l("전자")}[self.value])


class ConsentDocument(db.Model):
    """One version of a consent text. Editing makes a new version; old ones stay as signed."""

    __tablename__ = "consent_documents"
    __table_args__ = (sa.UniqueConstraint("centre_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"), index=True)
    kind: Mapped[ConsentKind] = mapped_column(str_enum(ConsentKind))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    purpose: Mapped[str] = mapped_column(sa.Text)
    items: Mapped[str] = mapped_column(sa.Text)
    retention: Mapped[str] = mapped_column(sa.String(200))
    refusal_notice: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))

    recipients: Mapped[list[ConsentDocumentRecipient]] = relationship(
        order_by="ConsentDocumentRecipient.id", cascade="all, delete-orphan"
    )
    created_by: Mapped[Staff | None] = relationship()


class ConsentDocumentRecipient(db.Model):
    """A named recipient of a third-party consent: no "등" catch-all, each agency listed."""

    __tablename__ = "consent_document_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consent_documents.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    purpose: Mapped[str] = mapped_column(sa.String(300))
    items: Mapped[str] = mapped_column(sa.String(300))
    retention: Mapped[str] = mapped_column(sa.String(200))

    agency: Mapped[Agency] = relationship()


consent_agencies = sa.Table(
    "consent_agencies",
    db.metadata,
    sa.Column("consent_id", sa.ForeignKey("consents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("agency_id", sa.ForeignKey("agencies.id"), primary_key=True),
)


class Consent(db.Model):
    """What a person agreed to, on which text, how, and whether it was withdrawn since."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("consent_documents.id"))
    method: Mapped[ConsentMethod] = mapped_column(str_enum(ConsentMethod, 16))
    given_on: Mapped[date]
    expires_on: Mapped[date | None]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    withdrawal_note: Mapped[str] = mapped_column(sa.String(300), default="")

    client: Mapped[Client] = relationship(back_populates="consents")
    document: Mapped[ConsentDocument] = relationship()
    agencies: Mapped[list[Agency]] = relationship(secondary=consent_agencies, order_by="Agency.id")
    recorded_by: Mapped[Staff] = relationship(foreign_keys=[recorded_by_id])

    def is_in_force(self, today: date) -> bool:
        return self.withdrawn_at is None and (self.expires_on is None or self.expires_on >= today)

