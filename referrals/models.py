"""Cross-agency referrals: the closed loop from sent to an outcome the sender sees."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models import Case, Client, ConsentMethod
from catalogue.models import Service
from centers.models import Agency, Staff
from core.extensions import db
from core.types import LabelledEnum, UTCDateTime, str_enum, unique_where, utcnow
from partners.models import Partner


class ReferralStatus(LabelledEnum):
    SENT = "sent", _l("의뢰")
    RECEIVED = "received", _l("접수확인")
    ACCEPTED = "accepted", _l("수락")
    DECLINED = "declined", _l("반려")
    IN_PROGRESS = "in_progress", _l("진행")
    COMPLETED = "completed", _l("완료")
    CANCELLED = "cancelled", _l("취소")


OPEN_STATUSES = (ReferralStatus.SENT, ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED,
                 ReferralStatus.IN_PROGRESS)
AWAITING_RESPONSE = (ReferralStatus.SENT, ReferralStatus.RECEIVED)


class Urgency(LabelledEnum):
    NORMAL = "normal", _l("보통")
    URGENT = "urgent", _l("긴급")


class ContactPreference(LabelledEnum):
    PHONE = "phone", _l("전화")
    VISIT = "visit", _l("방문")
    TEXT = "text", _l("문자")


class DeclineReason(LabelledEnum):
    NOT_ELIGIBLE = "not_eligible", _l("대상 아님")
    CAPACITY = "capacity", _l("정원 초과")
    DUPLICATE = "duplicate", _l("중복 지원")
    REFUSED = "refused", _l("본인 거부")
    OTHER = "other", _l("기타")


class Outcome(LabelledEnum):
    SERVICE_PROVIDED = "service_provided", _l("서비스 제공")
    EMPLOYED = "employed", _l("취업")
    BENEFIT_GRANTED = "benefit_granted", _l("급여 결정")
    INELIGIBLE = "ineligible", _l("부적격")
    GAVE_UP = "gave_up", _l("본인 포기")
    LOST_CONTACT = "lost_contact", _l("연락두절")


class Referral(db.Model):
    __tablename__ = "referrals"
    __table_args__ = (
        # One open referral of a person to an agency at a time.
        unique_where("uq_referrals_open_per_agency", "client_id", "to_agency_id",
                     where="status IN ('sent', 'received', 'accepted', 'in_progress')"),
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
    # One of the two: a referral inside the centre, or one to a partner outside it.
    referral_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referrals.id"), index=True)
    partner_referral_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partner_referrals.id"), index=True)
    message: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    referral: Mapped[Referral] = relationship()


# --- referrals to partners outside the centre ----------------------------------------------

class ShareItem(LabelledEnum):
    """What a referral to a partner may show beyond the name and the reason, each chosen by
    the caseworker and agreed to by the person."""

    BIRTH_DATE = "birth_date", _l("생년월일")
    PHONE = "phone", _l("전화번호")
    ADDRESS = "address", _l("사는 곳 (시·군·구)")
    NEEDS = "needs", _l("필요한 도움")


class MailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


PARTNER_OPEN_STATUSES = (ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)


class PartnerReferral(db.Model):
    """A referral of a person to a partner outside the centre. The partner has no account:
    it answers through a one-time link (:class:`PartnerLink`) or its system's API."""

    __tablename__ = "partner_referrals"
    __table_args__ = (
        unique_where("uq_partner_referrals_open", "client_id", "partner_id",
                     where="status IN ('sent', 'accepted', 'in_progress')"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"), index=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    from_case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    from_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("services.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    needs: Mapped[str] = mapped_column(sa.Text, default="")
    urgency: Mapped[Urgency] = mapped_column(str_enum(Urgency, 16), default=Urgency.NORMAL)
    contact_preference: Mapped[ContactPreference] = mapped_column(
        str_enum(ContactPreference, 16), default=ContactPreference.PHONE)
    shared: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # ShareItem values
    # The person's consent to provide their data to this partner (PIPA 제17조), recorded
    # with the referral by the caseworker who obtained it.
    consent_method: Mapped[ConsentMethod] = mapped_column(str_enum(ConsentMethod, 16))
    consent_given_on: Mapped[date]
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[ReferralStatus] = mapped_column(str_enum(ReferralStatus, 16), index=True)
    sent_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    first_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responder: Mapped[str] = mapped_column(sa.String(100), default="")  # who answered there
    decline_reason: Mapped[DeclineReason | None] = mapped_column(str_enum(DeclineReason, 16))
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome, 20))
    response_note: Mapped[str] = mapped_column(sa.Text, default="")
    closing_note: Mapped[str] = mapped_column(sa.Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus, 16),
                                                    default=MailStatus.PENDING)
    mail_attempts: Mapped[int] = mapped_column(default=0)
    mail_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by every change a partner system should hear of (its polls and webhooks).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    client: Mapped[Client] = relationship()
    from_case: Mapped[Case] = relationship()
    from_agency: Mapped[Agency] = relationship()
    partner: Mapped[Partner] = relationship()
    service: Mapped[Service | None] = relationship()
    sent_by: Mapped[Staff] = relationship()
    events: Mapped[list[PartnerReferralEvent]] = relationship(
        order_by="PartnerReferralEvent.id", cascade="all")
    links: Mapped[list[PartnerLink]] = relationship(order_by="PartnerLink.id", cascade="all",
                                                    back_populates="referral")

    def shares(self, item: str) -> bool:
        return item in self.shared

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Not answered by its due time (the same rule as a referral inside the centre)."""
        now = now or utcnow()
        if self.responded_at is not None:
            return self.responded_at > self.due_at
        return self.status == ReferralStatus.SENT and now > self.due_at


class PartnerReferralEvent(db.Model):
    """Every step of a referral to a partner: by a member of staff, or by the partner."""

    __tablename__ = "partner_referral_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_referral_id: Mapped[int] = mapped_column(sa.ForeignKey("partner_referrals.id"),
                                                     index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    by_partner: Mapped[bool] = mapped_column(default=False)
    from_status: Mapped[ReferralStatus | None] = mapped_column(str_enum(ReferralStatus, 16))
    to_status: Mapped[ReferralStatus] = mapped_column(str_enum(ReferralStatus, 16))
    note: Mapped[str] = mapped_column(sa.Text, default="")

    actor: Mapped[Staff | None] = relationship()


class PartnerLink(db.Model):
    """The one-time link a partner received by e-mail. Only a hash of its token is kept;
    each action (answering, reporting the outcome) works once through it."""

    __tablename__ = "partner_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_referral_id: Mapped[int] = mapped_column(sa.ForeignKey("partner_referrals.id"),
                                                     index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    used_actions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    opened_count: Mapped[int] = mapped_column(default=0)
    last_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    referral: Mapped[PartnerReferral] = relationship(back_populates="links")

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class WebhookDelivery(db.Model):
    """One change of a referral to tell a partner's system, posted by ``flask send-webhooks``
    until it answers 2xx (back-off between tries); the same idempotency key every try."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    partner_referral_id: Mapped[int] = mapped_column(sa.ForeignKey("partner_referrals.id"),
                                                     index=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(36), unique=True)
    event: Mapped[str] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    abandoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(sa.String(200), default="")

    partner: Mapped[Partner] = relationship()
    referral: Mapped[PartnerReferral] = relationship()
