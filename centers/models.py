"""The organisation: centres, the agencies co-located in them, their add-ons and staff."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.roles import Role
from core.types import LabelledEnum, UTCDateTime, str_enum, utcnow


class AgencyKind(LabelledEnum):
    EMPLOYMENT = "employment", _l("고용센터")
    WELFARE = "welfare", _l("복지지원팀")
    SELF_SUPPORT = "self_support", _l("지역자활센터")
    WOMEN = "women", _l("여성새로일하기센터")
    FINANCE = "finance", _l("서민금융")
    VETERANS = "veterans", _l("제대군인지원센터")
    OTHER = "other", _l("기타 기관")
    CULTURE = "culture", _l("문화")
    CREATIVE_ECONOMY = "creative_economy", _l("창조경제")

    @property
    def domain(self) -> Domain:
        """The service domain this kind of agency serves (a visit purpose, a catalogue domain)."""
        return Domain(_KIND_DOMAIN.get(self.value, self.value))

    @property
    def ticket_prefix(self) -> str:
        """Ticket numbers start with the first desk's letter: 취업 A-012, 복지 B-003."""
        return _TICKET_PREFIX[self.value]

    @property
    def addon(self) -> Addon | None:
        """The add-on this kind of agency belongs to, if it is not part of every centre."""
        return Addon(self.value) if self.value in Addon._value2member_map_ else None


_KIND_DOMAIN = {"employment": "jobs", "veterans": "other"}
_TICKET_PREFIX = {
    "employment": "A", "welfare": "B", "self_support": "C", "women": "D", "finance": "E",
    "veterans": "F", "culture": "G", "creative_economy": "H", "other": "J",
}


class Domain(LabelledEnum):
    """Service domains: what a visitor comes for and how the catalogue is grouped."""

    JOBS = "jobs", _l("취업")
    WELFARE = "welfare", _l("복지")
    SELF_SUPPORT = "self_support", _l("자활")
    WOMEN = "women", _l("여성 일자리")
    FINANCE = "finance", _l("서민금융")
    CULTURE = "culture", _l("문화")
    CREATIVE_ECONOMY = "creative_economy", _l("창조경제")
    OTHER = "other", _l("기타")

    @property
    def addon(self) -> Addon | None:
        return Addon(self.value) if self.value in Addon._value2member_map_ else None


class Sex(LabelledEnum):
    MALE = "M", _l("남성")
    FEMALE = "F", _l("여성")


class Addon(StrEnum):
    """Services a centre switches on "according to local conditions and demand"."""

    CULTURE = "culture"
    CREATIVE_ECONOMY = "creative_economy"

    @property
    def label(self) -> str:
        return AgencyKind(self.value).label


class Centre(db.Model):
    __tablename__ = "centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    sido: Mapped[str] = mapped_column(sa.String(20))
    sigungu: Mapped[str] = mapped_column(sa.String(30))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    opened_on: Mapped[date | None]
    is_pilot: Mapped[bool] = mapped_column(default=False)
    # Resident registration numbers are processed only with a recorded legal basis:
    # under Korean law consent alone is no ground for collecting them.
    rrn_enabled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    rrn_legal_basis: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    # Case time targets, in days after opening (the centre may set its own).
    assessment_due_days: Mapped[int] = mapped_column(default=10, server_default="10")
    plan_due_days: Mapped[int] = mapped_column(default=30, server_default="30")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agencies: Mapped[list[Agency]] = relationship(
        back_populates="centre", order_by="Agency.id", cascade="all, delete-orphan"
    )
    addon_rows: Mapped[list[CentreAddon]] = relationship(cascade="all, delete-orphan")

    @property
    def addons(self) -> set[Addon]:
        return {row.addon for row in self.addon_rows}

    def has_addon(self, addon: Addon) -> bool:
        return addon in self.addons

    @property
    def processes_rrn(self) -> bool:
        return self.rrn_enabled and bool(self.rrn_legal_basis.strip())

    def visible_agencies(self) -> list[Agency]:
        """Agencies shown at this centre: an agency of a switched-off add-on is hidden."""
        return [agency for agency in self.agencies if agency.is_visible]

    def offered_domains(self) -> list[Domain]:
        """Domains a visitor can come for here: those of the centre's visible agencies."""
        found = {agency.kind.domain for agency in self.visible_agencies()}
        return [domain for domain in Domain if domain in found]

    def __repr__(self) -> str:
        return f"<Centre {self.code}>"


class CentreAddon(db.Model):
    """One row per add-on that is switched on at a centre."""

    __tablename__ = "centre_addons"

    centre_id: Mapped[int] = mapped_column(
        sa.ForeignKey("centres.id", ondelete="CASCADE"), primary_key=True
    )
    addon: Mapped[Addon] = mapped_column(str_enum(Addon), primary_key=True)
    enabled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Agency(db.Model):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"), index=True)
    kind: Mapped[AgencyKind] = mapped_column(str_enum(AgencyKind))
    name: Mapped[str] = mapped_column(sa.String(100))
    desk_location: Mapped[str] = mapped_column(sa.String(100), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    # Referral response target, counted in working hours (Mon–Fri 09–18 Asia/Seoul).
    response_target_hours: Mapped[int] = mapped_column(default=16)
    is_active: Mapped[bool] = mapped_column(default=True)

    centre: Mapped[Centre] = relationship(back_populates="agencies")

    @property
    def is_visible(self) -> bool:
        addon = self.kind.addon
        return self.is_active and (addon is None or self.centre.has_addon(addon))

    def __repr__(self) -> str:
        return f"<Agency {self.id} {self.kind}>"


class Staff(UserMixin, db.Model):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, 20))
    # Administrators work nationally and belong to no centre.
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("centres.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    is_active_account: Mapped[bool] = mapped_column("is_active", default=True)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    # Bumped on logout, deactivation and password reset: every older session stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    locale: Mapped[str] = mapped_column(sa.String(5), default="ko")
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    centre: Mapped[Centre | None] = relationship()
    agency: Mapped[Agency | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    @property
    def role_label(self) -> str:
        return self.role.label

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<Staff {self.username}>"


class ApiToken(db.Model):
    """A staff member's credential for the JSON API (``Authorization: Bearer …``).

    It belongs to the staff account, like the password: it acts with the account's current
    role and centre, stops with the account, and is managed on the account's page. Only a
    SHA-256 hash of the token is stored; the token itself is shown once, when it is made.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # The first characters of the token, so a person can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))

    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id])

    def is_usable(self, now: datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or utcnow())

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… of staff {self.staff_id}>"


class EnrolmentCode(db.Model):
    """A one-time code with which a new (or reset) staff member sets their own first password.

    Whoever creates or resets an account sees only this code, never a password: the code is
    valid once and briefly, and it cannot be used from the creator's own session, browser or
    IP (see :mod:`centers.enrolment`). Only a SHA-256 hash of the code is kept.
    """

    __tablename__ = "enrolment_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Who made it and from where: an enrolment from the same place is refused and flagged.
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    created_ip: Mapped[str | None] = mapped_column(sa.String(45))
    created_browser: Mapped[str | None] = mapped_column(sa.String(64))
    failed_attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id])

    def is_usable(self, now: datetime | None = None) -> bool:
        return (self.used_at is None and self.voided_at is None
                and self.expires_at > (now or utcnow()))


class Throttle(db.Model):
    """Failed attempts of one kind by one key: a username from one IP (sign-in), one account
    (the current-password check). Keyed by a hash, so the table names nobody.

    A sign-in throttle is per username *and* IP: someone guessing from their PC is slowed
    down, while the account's holder signs in from their own PC as usual — nobody can lock
    another person out, and unknown usernames are throttled exactly like real ones.
    """

    __tablename__ = "throttles"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
