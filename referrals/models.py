"""Cross-agency referrals: the closed loop from sent to an outcome the sender sees."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models import Case, Client
from catalogue.models import Service
from centers.models import Agency, Staff
from core.extensions import db
from core.types import UTCDateTime, str_enum, utcnow


class ReferralStatus(StrEnum):
    SENT = "sent"  # 의뢰
    RECEIVED = "received"  # 접수확인
    ACCEPTED = "accepted"  # 수락
    DECLINED = "declined"  # 반려
    IN_PROGRESS = "in_progress"  # 진행
    COMPLETED = "completed"  # 완료
    CANCELLED = "cancelled"  # 취소

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    ReferralStatus.SENT: _l("의뢰"),
    ReferralStatus.RECEIVED: _l("접수확인"),
    ReferralStatus.ACCEPTED: _l("수락"),
    ReferralStatus.DECLINED: _l("반려"),
    ReferralStatus.IN_PROGRESS: _l("진행"),
    ReferralStatus.COMPLETED: _l("완료"),
    ReferralStatus.CANCELLED: _l("취소"),
}
OPEN_STATUSES = (ReferralStatus.SENT, ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED,
                 ReferralStatus.IN_PROGRESS)
AWAITING_RESPONSE = (ReferralStatus.SENT, ReferralStatus.RECEIVED)


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"

    @property
    def label(self) -> str:
        return str(_l("긴급") if self is Urgency.URGENT else _l("보통"))


class ContactPreference(StrEnum):
    PHONE = "phone"
    VISIT = "visit"
    TEXT = "text"

    @property
    def label(self) -> str:
        return str({"phone": _l("전화"), "visit": _l("방문"), "text": _l("문자")}[self.value])


class DeclineReason(StrEnum):
    NOT_ELIGIBLE = "not_eligible"
    CAPACITY = "capacity"
    DUPLICATE = "duplicate"
    REFUSED = "refused"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str({"not_eligible": _l("대상 아님"), "capacity": _l("정원 초과"),
                    "duplicate": _l("중복 지원"), "refused": _l("본인 거부"),
                    "other": _l("기타")}[self.value])


class Outcome(StrEnum):
    SERVICE_PROVIDED = "service_provided"
    EMPLOYED = "employed"
    BENEFIT_GRANTED = "benefit_granted"
    INELIGIBLE = "ineligible"
    GAVE_UP = "gave_up"
    LOST_CONTACT = "lost_contact"

    @property
    def label(self) -> str:
        return str({"service_provided": _l("서비스 제공"), "employed": _l("취업"),
                    "benefit_granted": _l("급여 결정"), "ineligible": _l("부적격"),
                    "gave_up": _l("본인 포기"), "lost_contact": _l("연락두절")}[self.value])


class Referral(db.Model):
    __tablename__ = "referrals"
    __table_args__ = (
        # One open referral of a person to an agency at a time.
        sa.Index(
            "uq_referrals_open_per_agency", "client_id", "to_agency_id", unique=True,
            postgresql_where=sa.text("status IN ('sent', 'received', 'accepted', 'in_progress')"),
            sqlite_where=sa.text("status IN ('sent', 'received', 'accepted', 'in_progress')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"), index=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    from_case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    from_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    to_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("services.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    needs: Mapped[str] = mapped_column(sa.Text, default="")
    urgency: Mapped[Urgency] = mapped_column(str_enum(Urgency, 16), default=Urgency.NORMAL)
    contact_preference: Mapped[ContactPreference] = mapped_column(
        str_enum(ContactPreference, 16), default=ContactPreference.PHONE)
    status: Mapped[ReferralStatus] = mapped_column(str_enum(ReferralStatus, 16), index=True)
    sent_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # accepted or declined
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    # Indexed: a case page lists the referrals from or to it.
    to_case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    decline_reason: Mapped[DeclineReason | None] = mapped_column(str_enum(DeclineReason, 16))
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome, 20))
    closing_note: Mapped[str] = mapped_column(sa.Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resent_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referrals.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    client: Mapped[Client] = relationship()
    from_case: Mapped[Case] = relationship(foreign_keys=[from_case_id])
    to_case: Mapped[Case | None] = relationship(foreign_keys=[to_case_id])
    from_agency: Mapped[Agency] = relationship(foreign_keys=[from_agency_id])
    to_agency: Mapped[Agency] = relationship(foreign_keys=[to_agency_id])
    service: Mapped[Service | None] = relationship()
    sent_by: Mapped[Staff] = relationship(foreign_keys=[sent_by_id])
    assigned_to: Mapped[Staff | None] = relationship(foreign_keys=[assigned_to_id])
    events: Mapped[list[ReferralEvent]] = relationship(order_by="ReferralEvent.id",
                                                       cascade="all")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Not answered (accepted or declined) by its due time."""
        now = now or utcnow()
        answered = self.responded_at
        if answered is not None:
            return answered > self.due_at
        return self.status in AWAITING_RESPONSE and now > self.due_at


class ReferralEvent(db.Model):
    """Every transition: who, when, from, to, note — one timeline for both sides."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referrals.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    from_status: Mapped[ReferralStatus | None] = mapped_column(str_enum(ReferralStatus, 16))
    to_status: Mapped[ReferralStatus] = mapped_column(str_enum(ReferralStatus, 16))
    note: Mapped[str] = mapped_column(sa.Text, default="")

    actor: Mapped[Staff] = relationship()


class NotificationKind(StrEnum):
    INCOMING = "incoming"  # a new referral for my agency
    OUTCOME = "outcome"  # my referral was answered or closed


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, 16))
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referrals.id"), index=True)
    message: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    referral: Mapped[Referral] = relationship()
