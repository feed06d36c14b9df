"""Visits, their desk-by-desk plan, ticket numbers and the lobby waiting board."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models import Client
from catalogue.matching import reason_texts
from catalogue.models import Service
from centers.models import Agency, Centre, Domain, Staff
from core.extensions import db
from core.types import LabelledEnum, UTCDateTime, str_enum, utcnow


class VisitStatus(LabelledEnum):
    WAITING = "waiting", _l("대기")
    CALLED = "called", _l("호출")
    IN_SERVICE = "in_service", _l("상담 중")
    DONE = "done", _l("완료")
    LEFT = "left", _l("돌아감")


class StopStatus(LabelledEnum):
    PLANNED = "planned", _l("예정")  # a later desk of today's plan
    WAITING = "waiting", _l("대기")
    CALLED = "called", _l("호출")
    IN_SERVICE = "in_service", _l("상담 중")
    DONE = "done", _l("완료")
    SKIPPED = "skipped", _l("취소")  # removed from the plan, or the visitor left first


class Visit(db.Model):
    """One visit of one person (or an anonymous visitor) on one day, across several desks."""

    __tablename__ = "visits"
    __table_args__ = (
        sa.UniqueConstraint("centre_id", "visit_date", "ticket_number"),
        # A centre's visits of a day or a month (the queue, every report figure).
        sa.Index("ix_visits_centre_id_visit_date", "centre_id", "visit_date"),
        # A person's visits by day: "seen here before?" (first-time visitors), last visit.
        sa.Index("ix_visits_client_id_visit_date", "client_id", "visit_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"))
    # None for an anonymous visit (no collection consent): purpose and counts only.
    client_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clients.id"))
    party_size: Mapped[int] = mapped_column(default=1)
    visit_date: Mapped[date] = mapped_column(index=True)  # Asia/Seoul calendar day
    ticket_number: Mapped[str] = mapped_column(sa.String(8))
    status: Mapped[VisitStatus] = mapped_column(str_enum(VisitStatus, 16), index=True)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    # The registration form's one-time token: a second post of the same form (a double click,
    # a resent request) finds this visit instead of issuing a second ticket.
    submission_key: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    centre: Mapped[Centre] = relationship()
    client: Mapped[Client | None] = relationship()
    registered_by: Mapped[Staff] = relationship()
    purposes: Mapped[list[VisitPurpose]] = relationship(
        cascade="all, delete-orphan", order_by="VisitPurpose.domain"
    )
    stops: Mapped[list[VisitStop]] = relationship(
        cascade="all, delete-orphan", order_by="VisitStop.position", back_populates="visit"
    )
    suggestions: Mapped[list[VisitSuggestion]] = relationship(
        cascade="all, delete-orphan", order_by="VisitSuggestion.rank"
    )

    @property
    def current_stop(self) -> VisitStop | None:
        for stop in self.stops:
            if stop.status in ACTIVE_STOP_STATUSES:
                return stop
        return None

    @property
    def open_stops(self) -> list[VisitStop]:
        return [s for s in self.stops if s.status not in (StopStatus.DONE, StopStatus.SKIPPED)]


ACTIVE_STOP_STATUSES = (StopStatus.WAITING, StopStatus.CALLED, StopStatus.IN_SERVICE)


class VisitPurpose(db.Model):
    __tablename__ = "visit_purposes"

    visit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True
    )
    domain: Mapped[Domain] = mapped_column(str_enum(Domain), primary_key=True)


class VisitStop(db.Model):
    """One desk in today's plan of a visit; the queue of an agency is its current stops."""

    __tablename__ = "visit_stops"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    position: Mapped[int]
    status: Mapped[StopStatus] = mapped_column(str_enum(StopStatus, 16), index=True)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    served_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    # A booked visitor (appointments) is called before the walk-ins waiting at this desk.
    is_priority: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    visit: Mapped[Visit] = relationship(back_populates="stops")
    agency: Mapped[Agency] = relationship()
    served_by: Mapped[Staff | None] = relationship()


class TicketCounter(db.Model):
    """The last ticket number given per centre, day and prefix (one row, bumped atomically)."""

    __tablename__ = "ticket_counters"

    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class WaitingBoard(db.Model):
    """The lobby TV's access: a token in the board URL, so the TV needs no staff login."""

    __tablename__ = "waiting_boards"

    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))


class VisitSuggestion(db.Model):
    """A service shown to the desk for this visit, with why it matched (kept for reports)."""

    __tablename__ = "visit_suggestions"

    visit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id"), primary_key=True,
                                            index=True)
    rank: Mapped[int]
    # Why it matched, as codes (catalogue.matching.reason_codes): shown in the reader's language.
    reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The service's conditions the visitor met (충족) and those the desk must ask (확인 필요).
    met: Mapped[list[str]] = mapped_column(sa.JSON, default=list, server_default="[]")
    to_check: Mapped[list[str]] = mapped_column(sa.JSON, default=list, server_default="[]")
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"))
    desk: Mapped[str] = mapped_column(sa.String(150), default="")

    service: Mapped[Service] = relationship()
    agency: Mapped[Agency | None] = relationship()

    @property
    def reason_texts(self) -> list[str]:
        return reason_texts(self.reasons)


class FirstVisit(db.Model):
    """The day of each person's first visit to a centre: a summary of ``visits`` kept in the
    same transaction as every visit written (see :func:`_keep_first_visit`), so "people who
    came for the first time in a span" is an index range instead of a search through each
    person's history. Backfilled by migration 0025; written in bulk by ``seed-synthetic``."""

    __tablename__ = "first_visits"
    __table_args__ = (
        # The reports' question: a centre's first visitors of a day or a month.
        sa.Index("ix_first_visits_centre_id_first_date", "centre_id", "first_date"),
    )

    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"), primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), primary_key=True)
    first_date: Mapped[date]


def first_visit_upsert(dialect: str, centre_id: int, client_id: int, day: date):
    """SQL: make ``day`` the person's first visit day at the centre unless an earlier one is
    kept (an insert, or an update to the earlier of the two: two first visits at once agree)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(FirstVisit).values(centre_id=centre_id, client_id=client_id, first_date=day)
    earlier = sa.func.least if dialect == "postgresql" else sa.func.min
    return statement.on_conflict_do_update(
        index_elements=["centre_id", "client_id"],
        set_={"first_date": earlier(FirstVisit.first_date, statement.excluded.first_date)})


@sa.event.listens_for(Visit, "after_insert")
def _keep_first_visit(mapper, connection, visit: Visit) -> None:
    """Every visit of a person written through the ORM (the visit service, the demo, tests)
    keeps :class:`FirstVisit` in the same transaction. Visits are never deleted and never
    change person, centre or day, so inserts are all there is to follow."""
    if visit.client_id is not None:
        connection.execute(first_visit_upsert(connection.dialect.name, visit.centre_id,
                                              visit.client_id, visit.visit_date))
