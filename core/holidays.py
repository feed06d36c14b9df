"""Public holidays: the days off that working days and working hours skip.

The administrator keeps the list; referral response targets (``core.working_time``), the demo's
calendar and anything that books or counts working days read it through :func:`holiday_days`.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column

from core import audit
from core.errors import RefusedError
from core.extensions import db


class PublicHoliday(db.Model):
    """Days off in the working-hours count, edited by the administrator."""

    __tablename__ = "public_holidays"

    day: Mapped[date] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))


class HolidayError(RefusedError):
    """The holiday list refused a change."""


def holiday_days() -> set[date]:
    return set(db.session.scalars(sa.select(PublicHoliday.day)))


def list_holidays() -> list[PublicHoliday]:
    return list(db.session.scalars(sa.select(PublicHoliday).order_by(PublicHoliday.day)))


def add_holiday(actor, day: date, name: str) -> PublicHoliday:
    """Add a day off; a day is listed once. Audited; the caller commits."""
    if db.session.get(PublicHoliday, day):
        raise HolidayError(_("이미 등록된 날짜입니다."))
    holiday = PublicHoliday(day=day, name=name.strip())
    db.session.add(holiday)
    audit.record("holiday.added", actor=actor, detail={"day": day.isoformat(), "name": holiday.name})
    db.session.flush()
    return holiday


def remove_holiday(actor, holiday: PublicHoliday) -> None:
    db.session.delete(holiday)
    audit.record("holiday.deleted", actor=actor, detail={"day": holiday.day.isoformat()})
    db.session.flush()
