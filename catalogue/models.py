"""The service catalogue: every public service staff might offer, and each centre's own list.

A :class:`Service` is national (imported from the public-service open data, or entered by
hand); a :class:`CentreService` says that a centre offers it, at which agency and desk.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalogue.data import JA_LABELS
from centers.models import Agency, Centre, Domain, Sex
from core.extensions import db
from core.types import UTCDateTime, str_enum, utcnow


class CustomerType(db.Model):
    """Policy-customer type (정책고객): a fixed vocabulary created by a migration.

    Services and people are both tagged with these, so that a visitor is offered services
    meant for people like them that they did not ask about.
    """

    __tablename__ = "customer_types"

    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    @property
    def label(self) -> str:
        """The name in the reader's language (the row keeps the Korean name, which is the msgid)."""
        return gettext(self.name)

    def __repr__(self) -> str:
        return f"<CustomerType {self.code}>"


# The fixed vocabulary's names, written here so that the message extractor finds them.
CUSTOMER_TYPE_NAMES = (
    _l("청년"),
    _l("중장년"),
    _l("노인"),
    _l("경력단절여성"),
    _l("임산부"),
    _l("영유아가구"),
    _l("한부모"),
    _l("다자녀"),
    _l("장애인"),
    _l("기초생활수급"),
    _l("차상위"),
    _l("저소득"),
    _l("농어업인"),
    _l("다문화가족"),
    _l("북한이탈주민"),
    _l("제대군인"),
    _l("구직자"),
    _l("소상공인"),
)


class ServiceSource(StrEnum):
    MANUAL = "manual"
    IMPORTED = "imported"


service_customer_types = sa.Table(
    "service_customer_types",
    db.metadata,
    sa.Column("service_id", sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("customer_type_code", sa.ForeignKey("customer_types.code"), primary_key=True,
              index=True),
)


class Service(db.Model):
    """One public service. Imported ones are owned by the import: it overwrites them."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    # 서비스ID of the open data; unique, so a re-import updates instead of duplicating.
    external_id: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    source: Mapped[ServiceSource] = mapped_column(str_enum(ServiceSource, 16))
    name: Mapped[str] = mapped_column(sa.String(300))
    domain: Mapped[Domain] = mapped_column(str_enum(Domain), index=True)
    purpose: Mapped[str] = mapped_column(sa.Text, default="")  # 서비스목적요약
    target: Mapped[str] = mapped_column(sa.Text, default="")  # 지원대상
    criteria: Mapped[str] = mapped_column(sa.Text, default="")  # 선정기준
    support: Mapped[str] = mapped_column(sa.Text, default="")  # 지원내용
    how_to_apply: Mapped[str] = mapped_column(sa.Text, default="")  # 신청방법
    deadline: Mapped[str] = mapped_column(sa.Text, default="")  # 신청기한
    reception: Mapped[str] = mapped_column(sa.Text, default="")  # 접수기관
    provider: Mapped[str] = mapped_column(sa.String(200), default="")  # 소관기관명
    provider_department: Mapped[str] = mapped_column(sa.String(200), default="")  # 부서명
    contact: Mapped[str] = mapped_column(sa.Text, default="")  # 전화문의
    apply_url: Mapped[str] = mapped_column(sa.String(1000), default="")  # 상세조회URL
    support_types: Mapped[str] = mapped_column(sa.String(100), default="")  # 지원유형, "||"
    category: Mapped[str] = mapped_column(sa.String(100), default="")  # 서비스분야, "||"
    audience: Mapped[str] = mapped_column(sa.String(100), default="")  # 사용자구분, "||"
    # Conditions: the age range and sex are filtered on; the JA flags are shown.
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    sex: Mapped[Sex | None] = mapped_column(str_enum(Sex, 1))
    condition_codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The local government whose residents it is for (경기도, 남양주시); empty: nationwide.
    region: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")
    for_people: Mapped[bool] = mapped_column(default=True)
    # A hand-entered local service belongs to the centre whose manager entered it.
    owner_centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("centres.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True, index=True)
    source_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 수정일시
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer_types: Mapped[list[CustomerType]] = relationship(
        secondary=service_customer_types, order_by=CustomerType.sort_order
    )
    owner_centre: Mapped[Centre | None] = relationship()

    @property
    def condition_labels(self) -> list[str]:
        return [JA_LABELS.get(code, code) for code in self.condition_codes]

    @property
    def age_label(self) -> str:
        """The target age range as staff say it: 만 19~34세, 만 65세 이상, 만 34세 이하."""
        return age_range_label(self.min_age, self.max_age)

    @property
    def last_updated(self) -> datetime:
        return self.source_updated_at or self.updated_at

    def __repr__(self) -> str:
        return f"<Service {self.id} {self.external_id or self.name}>"


def age_range_label(min_age: int | None, max_age: int | None) -> str:
    if min_age is not None and max_age is not None:
        return str(_l("만 %(lo)d~%(hi)d세", lo=min_age, hi=max_age))
    if min_age is not None:
        return str(_l("만 %(lo)d세 이상", lo=min_age))
    if max_age is not None:
        return str(_l("만 %(hi)d세 이하", hi=max_age))
    return ""


class CentreService(db.Model):
    """A service on a centre's list: given by one of its agencies at a desk, or only linked."""

    __tablename__ = "centre_services"
    __table_args__ = (sa.UniqueConstraint("centre_id", "service_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique (centre_id, service_id) constraint is also the index for a centre's list.
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id", ondelete="CASCADE"),
                                            index=True)
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    # Where in the building; empty means the agency's own desk.
    desk: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    centre: Mapped[Centre] = relationship()
    service: Mapped[Service] = relationship()
    agency: Mapped[Agency | None] = relationship()

    @property
    def desk_location(self) -> str:
        if self.desk:
            return self.desk
        return self.agency.desk_location if self.agency else ""

    @property
    def is_visible(self) -> bool:
        """Offered now: the service is active, its add-on is on and its agency is open."""
        return self.hidden_reason is None

    @property
    def hidden_reason(self) -> str | None:
        """Why the centre does not offer this entry now, for the manager; None when it does."""
        addon = self.service.domain.addon
        if not self.service.is_active:
            return str(_l("운영이 끝난 서비스"))
        if addon and not self.centre.has_addon(addon):
            return str(_l("부가 서비스 꺼짐"))
        if self.agency is not None and not self.agency.is_visible:
            return str(_l("담당 기관 운영 안 함"))
        return None

    def __repr__(self) -> str:
        return f"<CentreService {self.centre_id}:{self.service_id}>"
