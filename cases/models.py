"""The person served by the centre. Personal data lives here and is read only through the
permission-scoped queries in :mod:`cases.queries`."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalogue.models import CustomerType, Service
from centers.models import Agency, Centre, Sex, Staff
from core.extensions import db
from core.types import LabelledEnum, UTCDateTime, str_enum, unique_where, utcnow

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
        # The reports' registrations of a month: one range per centre.
        sa.Index("ix_clients_centre_id_created_at", "centre_id", "created_at"),
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
    # Set by the retention purge (cases.retention): the identifying details are gone.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    centre: Mapped[Centre] = relationship()
    created_by: Mapped[Staff | None] = relationship()
    customer_types: Mapped[list[CustomerType]] = relationship(
        secondary=client_customer_types, order_by=CustomerType.sort_order
    )
    consents: Mapped[list[Consent]] = relationship(back_populates="client", order_by="Consent.id")
    search_grams: Mapped[list[ClientSearchGram]] = relationship(cascade="all, delete-orphan")

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


class ClientSearchGram(db.Model):
    """The name index of the search box: one row per run of two to four characters of a
    person's name and initials (:func:`cases.identity.search_grams`), so a search by part of
    a name reads the people holding its first run instead of every person of the centre, the
    same way on SQLite and PostgreSQL. Kept by :mod:`cases.people` whenever a name is set, in
    the same transaction."""

    __tablename__ = "client_search_grams"
    __table_args__ = (sa.Index("ix_client_search_grams_client_id", "client_id"),)

    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"), primary_key=True)
    gram: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)


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

class ConsentKind(LabelledEnum):
    """Collection is required to keep any personal data; third party (to named agencies of the
    centre) is optional."""

    COLLECTION = "collection", _l("개인정보 수집·이용 동의")
    THIRD_PARTY = "third_party", _l("개인정보 제3자 제공 동의")


class ConsentMethod(LabelledEnum):
    WRITTEN = "written", _l("서면")
    ORAL = "oral", _l("구두")
    ELECTRONIC = "electronic", _l("전자")


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
    # The person's signature drawn on a tablet (PNG), for consent taken on an outreach visit;
    # deferred: lists of consents never need it.
    signature_png: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)

    client: Mapped[Client] = relationship(back_populates="consents")
    document: Mapped[ConsentDocument] = relationship()
    agencies: Mapped[list[Agency]] = relationship(secondary=consent_agencies, order_by="Agency.id")
    recorded_by: Mapped[Staff] = relationship(foreign_keys=[recorded_by_id])

    def is_in_force(self, today: date) -> bool:
        return self.withdrawn_at is None and (self.expires_on is None or self.expires_on >= today)


# --- case records ------------------------------------------------------------------------

class CaseStatus(LabelledEnum):
    OPEN = "open", _l("접수")
    ACTIVE = "active", _l("진행")
    ON_HOLD = "on_hold", _l("보류")
    CLOSED = "closed", _l("종결")


class Priority(LabelledEnum):
    NORMAL = "normal", _l("보통")
    HIGH = "high", _l("높음")
    URGENT = "urgent", _l("긴급")


class ClosureReason(LabelledEnum):
    EMPLOYED = "employed", _l("취업")
    REFERRED = "referred", _l("타기관 연계 완료")
    GOALS_MET = "goals_met", _l("목표 달성")
    MOVED = "moved", _l("전출")
    LOST_CONTACT = "lost_contact", _l("연락두절")
    DECLINED = "declined", _l("본인 거부")
    OTHER = "other", _l("기타")


class Case(db.Model):
    """One agency's case for one person; several agencies may each hold one."""

    __tablename__ = "cases"
    __table_args__ = (
        # At most one open case per person per agency (closed ones may repeat).
        unique_where("uq_cases_open_per_agency", "client_id", "agency_id",
                     where="status <> 'closed'"),
        # The reports' desks (agency, caseworker) of a centre and their first case, read
        # from the index alone.
        sa.Index("ix_cases_desks", "centre_id", "agency_id", "caseworker_id", "opened_at"),
        # The reports' cases changed since a moment (with the opened and closed instants'
        # own indexes: the cases that can count in a span).
        sa.Index("ix_cases_status_changed_at", "status_changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"), index=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    caseworker_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, 16), default=Priority.NORMAL)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus, 16), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closure_reason: Mapped[ClosureReason | None] = mapped_column(str_enum(ClosureReason, 16))
    closure_note: Mapped[str] = mapped_column(sa.Text, default="")
    follow_up_on: Mapped[date | None]
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_from_visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visits.id"))
    # When its first assessment and first plan goal were recorded and its status last
    # changed: summaries of its assessments, goals and events, kept in the same transaction
    # as each of them is written (:func:`_keep_case_instants`), so the reports' "past its
    # time targets" and "open at month end" compare columns instead of probing every open
    # case's history. None: no assessment, goal or event yet.
    first_assessment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_goal_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    centre: Mapped[Centre] = relationship()
    client: Mapped[Client] = relationship()
    agency: Mapped[Agency] = relationship()
    caseworker: Mapped[Staff] = relationship()
    events: Mapped[list[CaseEvent]] = relationship(order_by="CaseEvent.id", cascade="all")
    assessments: Mapped[list[Assessment]] = relationship(order_by="Assessment.assessed_on")
    goals: Mapped[list[PlanGoal]] = relationship(order_by="PlanGoal.id")
    notes: Mapped[list[CaseNote]] = relationship(order_by="CaseNote.created_at.desc()")

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.status}>"


class CaseEvent(db.Model):
    """One lifecycle transition: who moved the case from what to what, and why."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    # Indexed: the reports ask which cases changed since a moment (a case's state at month end).
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    from_status: Mapped[CaseStatus | None] = mapped_column(str_enum(CaseStatus, 16))
    to_status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus, 16))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    # A closing's reason, kept here because reopening the case clears the case's own: the
    # monthly report of the closing's month still counts it under its reason.
    closure_reason: Mapped[ClosureReason | None] = mapped_column(str_enum(ClosureReason, 16))

    actor: Mapped[Staff] = relationship()


class NeedDomain(LabelledEnum):
    EMPLOYMENT = "employment", _l("고용")
    INCOME = "income", _l("소득")
    HOUSING = "housing", _l("주거")
    HEALTH = "health", _l("건강")
    CARE = "care", _l("돌봄")
    DEBT = "debt", _l("금융·채무")
    EDUCATION = "education", _l("교육·훈련")
    CULTURE = "culture", _l("문화·여가")


class Level(LabelledEnum):
    NONE = "none", _l("없음")
    LOW = "low", _l("낮음")
    MEDIUM = "medium", _l("중간")
    HIGH = "high", _l("높음")

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class Assessment(db.Model):
    """욕구·위기도 조사: a rating per need domain and a crisis level, repeated over time."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    assessed_on: Mapped[date]
    ratings: Mapped[dict[str, str]] = mapped_column(sa.JSON)  # NeedDomain value -> Level value
    crisis_level: Mapped[Level] = mapped_column(str_enum(Level, 16))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[Staff] = relationship()

    def level(self, domain: NeedDomain) -> Level:
        return Level(self.ratings.get(domain.value, Level.NONE.value))


class GoalStatus(LabelledEnum):
    PLANNED = "planned", _l("계획")
    IN_PROGRESS = "in_progress", _l("진행")
    ACHIEVED = "achieved", _l("달성")
    STOPPED = "stopped", _l("중단")
    NO_SERVICE = "no_service", _l("서비스 없음")  # an unmet need: no service exists for it here


OPEN_GOAL_STATUSES = (GoalStatus.PLANNED, GoalStatus.IN_PROGRESS)


class PlanGoal(db.Model):
    __tablename__ = "plan_goals"
    __table_args__ = (
        # The reports' unmet needs of a span: goals marked "no service" then, and goals
        # written before that time was kept (status and last change).
        sa.Index("ix_plan_goals_no_service_at", "no_service_at"),
        sa.Index("ix_plan_goals_status_updated_at", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    domain: Mapped[NeedDomain] = mapped_column(str_enum(NeedDomain, 16))
    description: Mapped[str] = mapped_column(sa.String(500))
    target_date: Mapped[date | None]
    service_name: Mapped[str] = mapped_column(sa.String(200), default="")
    # The catalogue service this goal relies on, when there is one.
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("services.id"), index=True)
    status: Mapped[GoalStatus] = mapped_column(str_enum(GoalStatus, 16), default=GoalStatus.PLANNED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # When the goal was first recorded as "no service available" (kept if it changes later):
    # the month of the unmet need in the monthly report.
    no_service_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    service: Mapped[Service | None] = relationship()

    def is_overdue(self, today: date) -> bool:
        return (self.status in OPEN_GOAL_STATUSES and self.target_date is not None
                and self.target_date < today)


class NoteKind(LabelledEnum):
    COUNSELLING = "counselling", _l("상담")
    PHONE = "phone", _l("전화")
    HOME_VISIT = "home_visit", _l("방문")
    CONFERENCE = "conference", _l("사례회의")
    OTHER = "other", _l("기타")


CONTACT_KINDS = (NoteKind.COUNSELLING, NoteKind.PHONE, NoteKind.HOME_VISIT)


class CaseNote(db.Model):
    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    kind: Mapped[NoteKind] = mapped_column(str_enum(NoteKind, 16))
    body: Mapped[str] = mapped_column(sa.Text)
    is_confidential: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    # The author's agency when writing: a confidential note stays inside it.
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    author: Mapped[Staff] = relationship()
    revisions: Mapped[list[CaseNoteRevision]] = relationship(order_by="CaseNoteRevision.id")


class CaseNoteRevision(db.Model):
    """What a note said before an edit, who changed it and when: nothing is overwritten."""

    __tablename__ = "case_note_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(sa.ForeignKey("case_notes.id"), index=True)
    version: Mapped[int]
    kind: Mapped[NoteKind] = mapped_column(str_enum(NoteKind, 16))
    body: Mapped[str] = mapped_column(sa.Text)
    is_confidential: Mapped[bool]
    edited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    edited_by: Mapped[Staff] = relationship()


conference_cases = sa.Table(
    "conference_cases", db.metadata,
    sa.Column("conference_id", sa.ForeignKey("conferences.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("case_id", sa.ForeignKey("cases.id"), primary_key=True),
)
conference_staff = sa.Table(
    "conference_staff", db.metadata,
    sa.Column("conference_id", sa.ForeignKey("conferences.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("staff_id", sa.ForeignKey("staff.id"), primary_key=True),
)


class Conference(db.Model):
    """통합사례회의: several agencies decide together about one person's cases."""

    __tablename__ = "conferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"), index=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    held_on: Mapped[date]
    agenda: Mapped[str] = mapped_column(sa.Text)
    decisions: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cases: Mapped[list[Case]] = relationship(secondary=conference_cases, order_by="Case.id")
    participants: Mapped[list[Staff]] = relationship(secondary=conference_staff,
                                                     order_by="Staff.id")
    actions: Mapped[list[FollowUpAction]] = relationship(order_by="FollowUpAction.id",
                                                         cascade="all, delete-orphan")

    @property
    def agencies(self) -> list[Agency]:
        seen = {case.agency.id: case.agency for case in self.cases}
        return list(seen.values())


class FollowUpAction(db.Model):
    __tablename__ = "follow_up_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(sa.String(500))
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    due_on: Mapped[date]
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[Staff] = relationship()


#: The case column each written row keeps up to date: (row's instant, case column, keeps the
#: earliest rather than the latest).
_CASE_INSTANTS = {
    Assessment: ("created_at", "first_assessment_at", True),
    PlanGoal: ("created_at", "first_goal_at", True),
    CaseEvent: ("at", "status_changed_at", False),
}
_MOVED = "hanjari.case_instants_moved"
_MOVED_IN_TRANSACTION = "hanjari.case_instants_moved_in_transaction"


def _keep_case_instants(mapper, connection, row) -> None:
    """Every assessment, plan goal and status event written through the ORM (the case
    services, the demo, tests) moves its case's summary column in the same transaction.

    A new row moves it only if earlier (or later) than the kept instant, a condition in the
    UPDATE, so two writers at once agree. These rows are never deleted or moved to another
    case. The case, if loaded in the session, has the column expired after the flush
    (:func:`_expire_moved_instants`), so it reads the new value."""
    instant, column, earliest = _CASE_INSTANTS[type(row)]
    at, kept = getattr(row, instant), Case.__table__.c[column]
    connection.execute(sa.update(Case.__table__)
                       .where(Case.__table__.c.id == row.case_id,
                              sa.or_(kept.is_(None), kept > at if earliest else kept < at))
                       .values({column: at}))
    _note_moved(row, column)


def _recompute_case_instant(mapper, connection, row) -> None:
    """A row whose instant is changed (tests backdate events so; the app never does) has its
    case's column recomputed from all the case's rows."""
    instant, column, earliest = _CASE_INSTANTS[type(row)]
    if not sa.inspect(row).attrs[instant].history.has_changes():
        return
    rows = mapper.local_table
    aggregate = sa.func.min if earliest else sa.func.max
    connection.execute(sa.update(Case.__table__).where(Case.__table__.c.id == row.case_id)
                       .values({column: sa.select(aggregate(rows.c[instant]))
                                .where(rows.c.case_id == row.case_id).scalar_subquery()}))
    _note_moved(row, column)


def _note_moved(row, column: str) -> None:
    session = sa.orm.object_session(row)
    if session is not None:
        session.info.setdefault(_MOVED, set()).add((row.case_id, column))
        session.info.setdefault(_MOVED_IN_TRANSACTION, set()).add((row.case_id, column))


@sa.event.listens_for(sa.orm.Session, "after_flush_postexec")
def _expire_moved_instants(session, flush_context) -> None:
    _expire(session, session.info.pop(_MOVED, ()))


@sa.event.listens_for(sa.orm.Session, "after_soft_rollback")
def _expire_rolled_back_instants(session, previous_transaction) -> None:
    """A rolled-back savepoint (or transaction) takes its moves back in the database; the
    cases in the session read the columns again."""
    _expire(session, session.info.get(_MOVED_IN_TRANSACTION, ()))


@sa.event.listens_for(sa.orm.Session, "after_transaction_end")
def _forget_moved_instants(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_MOVED_IN_TRANSACTION, None)


def _expire(session, moved) -> None:
    for case_id, column in moved:
        case = session.identity_map.get(sa.orm.util.identity_key(Case, case_id))
        if case is not None:
            session.expire(case, [column])


for _model in _CASE_INSTANTS:
    sa.event.listen(_model, "after_insert", _keep_case_instants)
    sa.event.listen(_model, "after_update", _recompute_case_instant)
