"""The closed editions (판) of the monthly report, as the other report modules read them, and
the one line every format prints about a report's standing.

A report is either *provisional* (잠정: computed from the data now, "as of" a time) or
*closed* (마감: read from a stored edition, which later activity never changes). The page, the
PDF (its cover included), the XLSX, the CSV, the API and the national roll-up all say which
through :func:`stamp_of` / :class:`ReportStamp` (see ``docs/reports.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from core.clock import SEOUL
from core.extensions import db
from reports.models import MonthClosing
from reports.periods import Month


def seoul_text(moment: datetime) -> str:
    """``2026-12-01 09:00``: an instant as a Seoul wall-clock time (the reports' convention)."""
    return moment.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class ReportStamp:
    """A report's standing: closed (which edition, when, by whom, why) or provisional (as of
    when). ``text`` is the line each format prints: "마감 2026-12-01 09:00, 제1판" or
    "잠정 (2026-11-20 14:05 기준)"."""

    closed: bool
    as_of: datetime  # the instant the figures describe (month end once closed)
    version: int | None = None
    closed_at: datetime | None = None
    closed_by: str = ""  # a staff name, or "" when the month closed by itself
    reason: str = ""  # 재작성 사유 of editions after the first
    latest_version: int | None = None

    @property
    def text(self) -> str:
        if self.closed:
            return _("마감 %(at)s, 제%(n)d판", at=seoul_text(self.closed_at), n=self.version)
        return _("잠정 (%(at)s 기준)", at=seoul_text(self.as_of))

    @property
    def is_latest(self) -> bool:
        return not self.closed or self.version == self.latest_version

    def as_dict(self) -> dict:
        return {"closed": self.closed, "text": self.text, "version": self.version,
                "closed_at": self.closed_at.isoformat() if self.closed_at else None,
                "closed_by": self.closed_by, "reason": self.reason,
                "data_as_of": self.as_of.isoformat(), "latest_version": self.latest_version}


def editions(centre_id: int, month: Month) -> list[MonthClosing]:
    """Every edition of a centre's month, first to latest (empty while it is not closed)."""
    return list(db.session.scalars(
        sa.select(MonthClosing).where(MonthClosing.centre_id == centre_id,
                                      MonthClosing.month == month.key)
        .order_by(MonthClosing.version)))


def edition(centre_id: int, month: Month, version: int) -> MonthClosing | None:
    """One edition of a centre's month, or None."""
    return db.session.scalar(
        sa.select(MonthClosing).where(MonthClosing.centre_id == centre_id,
                                      MonthClosing.month == month.key,
                                      MonthClosing.version == version))


def latest_editions(centre_ids, month: Month) -> dict[int, MonthClosing]:
    """Per centre: the latest edition of ``month``, for the centres that closed it."""
    latest = (sa.select(MonthClosing.centre_id, sa.func.max(MonthClosing.version).label("v"))
              .where(MonthClosing.centre_id.in_(list(centre_ids)),
                     MonthClosing.month == month.key)
              .group_by(MonthClosing.centre_id).subquery())
    rows = db.session.scalars(
        sa.select(MonthClosing).join(latest, sa.and_(latest.c.centre_id == MonthClosing.centre_id,
                                                     latest.c.v == MonthClosing.version))
        .where(MonthClosing.month == month.key))
    return {edition.centre_id: edition for edition in rows}


def stamp_of(edition: MonthClosing, latest_version: int | None = None) -> ReportStamp:
    return ReportStamp(
        closed=True, as_of=edition.data_as_of, version=edition.version,
        closed_at=edition.closed_at,
        closed_by=edition.closed_by.display_name if edition.closed_by else "",
        reason=edition.reason, latest_version=latest_version or edition.version)


def provisional(as_of: datetime) -> ReportStamp:
    return ReportStamp(closed=False, as_of=as_of)
