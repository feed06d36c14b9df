"""The centre's partner organisations outside the building: who they are, how to reach them,
what they offer (in their own words, and as links to catalogue services)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalogue.models import Service
from centers.models import Centre
from core.extensions import db
from core.types import LabelledEnum, UTCDateTime, str_enum, utcnow


class PartnerKind(LabelledEnum):
    COMMUNITY_WELFARE = "community_welfare", _l("읍·면·동 맞춤형복지팀")
    MENTAL_HEALTH = "mental_health", _l("정신건강복지센터")
    CHILDREN = "children", _l("지역아동센터")
    FAMILY = "family", _l("건강가정지원센터")
    HEALTH = "health", _l("보건소·치매안심센터")
    PRIVATE_WELFARE = "private_welfare", _l("민간 복지기관")
    OTHER = "other", _l("기타 기관")


partner_services = sa.Table(
    "partner_services",
    db.metadata,
    sa.Column("partner_id", sa.ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("service_id", sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class Partner(db.Model):
    """An organisation outside the centre that takes referrals; it has no staff accounts."""

    __tablename__ = "partners"
    __table_args__ = (sa.UniqueConstraint("centre_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[PartnerKind] = mapped_column(str_enum(PartnerKind, 32))
    contact_name: Mapped[str] = mapped_column(sa.String(100), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    website: Mapped[str] = mapped_column(sa.String(500), default="")
    # What they offer, one per line, in their words (catalogue links are below).
    services_offered: Mapped[str] = mapped_column(sa.Text, default="")
    # Working hours within which they are asked to answer a referral, like an agency's.
    response_target_hours: Mapped[int] = mapped_column(default=16)
    # The HSDS organisation id an import came with, so a re-import updates this row.
    hsds_id: Mapped[str | None] = mapped_column(sa.String(64))
    is_active: Mapped[bool] = mapped_column(default=True)
    # The partner's own system: a key for the partner API (only its hash), and where to post
    # signed webhooks (the signing secret encrypted with the field key: it must be read back).
    api_key_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    api_key_prefix: Mapped[str] = mapped_column(sa.String(12), default="", server_default="")
    webhook_url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    webhook_secret_encrypted: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    centre: Mapped[Centre] = relationship()
    services: Mapped[list[Service]] = relationship(secondary=partner_services,
                                                   order_by=Service.name)

    @property
    def offered_lines(self) -> list[str]:
        return [line.strip() for line in self.services_offered.splitlines() if line.strip()]

    def __repr__(self) -> str:
        return f"<Partner {self.id}>"
