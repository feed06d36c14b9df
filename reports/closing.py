"""Closing a month (마감): the monthly report as an official record.

A centre's manager closes a month once it is over (from the 1st of the next month). Closing
computes the report once more and stores all of it, every figure, table and note, and the
additive counts behind the headline figures, as edition 1 (제1판) with the time and who
closed it (:class:`reports.models.MonthClosing`). From then on every format of that month
(page, PDF, XLSX, CSV, API, the national roll-up, and the "previous month" columns of the
next month) is read from the stored edition, so nothing done later changes it.

A mistake found later is put right by a correction (재작성): a new edition computed from the
data as it is then, with its reason; earlier editions stay readable and two editions can be
compared figure by figure (:func:`differences`).

The administrator may set ``REPORT_CLOSE_DAY`` (a day of the month, e.g. 10): a month not
closed by its manager closes by itself after that day of the next month, both through
``flask --app app close-months`` (run daily by cron) and when such a month is first asked
for (:func:`report_for`). Without the setting, only managers close months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from centers.models import Centre, Staff
from core import audit
from core.clock import local_today
from core.errors import RefusedError
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from intake.models import Visit
from reports import editions as ed
from reports import figures, headlines, localize, sections
from reports.models import MonthClosing
from reports.periods import Month

REASON_MAX = 1000


class ClosingError(RefusedError):
    """Closing or correcting was refused: a month not over, closed already, or not yet."""


# --- who may -----------------------------------------------------------------------------------

def may_close(actor: Staff) -> bool:
    """Closing and correcting a month is the centre's manager's (the one who signs it)."""
    return actor.role == Role.MANAGER and actor.centre_id is not None


def may_close_month(actor: Staff, centre: Centre, month: Month) -> bool:
    """The centre's manager, a month that is over, not closed yet."""
    return (may_close(actor) and actor.centre_id == centre.id and month < Month.current()
            and not ed.editions(centre.id, month))


def may_correct_month(actor: Staff, centre: Centre, month: Month) -> bool:
    """The centre's manager, a month already closed."""
    return may_close(actor) and actor.centre_id == centre.id and bool(ed.editions(centre.id, month))


# --- closing and correcting --------------------------------------------------------------------

def close_month(actor: Staff, centre: Centre, month: Month) -> MonthClosing:
    """Close ``month`` at the actor's centre: edition 1.

    :raise ClosingError: not the centre's manager, the month not over, or closed already.
    """
    if not may_close(actor) or actor.centre_id != centre.id:
        raise ClosingError(_("센터 관리자만 월간 보고서를 마감할 수 있습니다."))
    if month >= Month.current():
        raise ClosingError(_("끝난 달만 마감할 수 있습니다. 다음 달 1일부터 마감하세요."))
    if ed.editions(centre.id, month):
        raise ClosingError(_("이 달은 이미 마감했습니다. 고칠 것이 있으면 재작성하세요."))
    return _new_edition(centre, month, actor=actor, reason="")


def correct_month(actor: Staff, centre: Centre, month: Month, reason: str) -> MonthClosing:
    """A new edition of a closed month, from the data as it is now, with its reason.

    :raise ClosingError: not the centre's manager, the month not closed, or no reason.
    """
    if not may_close(actor) or actor.centre_id != centre.id:
        raise ClosingError(_("센터 관리자만 월간 보고서를 재작성할 수 있습니다."))
    if not ed.editions(centre.id, month):
        raise ClosingError(_("마감하지 않은 달은 재작성할 수 없습니다."))
    reason = " ".join(reason.split())[:REASON_MAX]
    if not reason:
        raise ClosingError(_("재작성 사유를 적으세요."))
    return _new_edition(centre, month, actor=actor, reason=reason)


def _new_edition(centre: Centre, month: Month, *, actor: Staff | None,
                 reason: str) -> MonthClosing:
    # Stored in Korean, the messages' source language, whoever closes (an administrator
    # reading in English may close a month past its deadline): the reader's language is
    # put back at display time (reports.localize).
    with localize.korean():
        report = sections.live_report(centre, month)
        images = chart_images(report)
    with figures.computed_once():
        counts = headlines.live_counts([centre.id], month).get(centre.id, {})
    version = 1 + (db.session.scalar(
        sa.select(sa.func.max(MonthClosing.version))
        .where(MonthClosing.centre_id == centre.id, MonthClosing.month == month.key)) or 0)
    edition = MonthClosing(
        centre_id=centre.id, month=month.key, version=version, closed_at=utcnow(),
        closed_by_id=actor.id if actor else None, reason=reason,
        data_as_of=month.span.end_utc, report={**report_to_json(report), "images": images},
        counts=plain(counts))
    db.session.add(edition)
    db.session.flush()
    audit.record("report.monthly.closed" if version == 1 else "report.monthly.corrected",
                 actor=actor, subject=edition, centre_id=centre.id,
                 detail={"month": month.key, "version": version, "reason": reason,
                         "automatic": actor is None})
    return edition


# --- closing by itself past the deadline -------------------------------------------------------

def close_day() -> int | None:
    """``REPORT_CLOSE_DAY``: after this day of the next month a month closes by itself."""
    day = current_app.config.get("REPORT_CLOSE_DAY")
    return int(day) if day else None


def deadline(month: Month, day: int) -> date:
    """The last day a month waits for its manager (day ``day`` of the next month, at most
    the 28th so every month has it)."""
    following = month.next()
    return date(following.year, following.month, min(max(day, 1), 28))


def is_due(month: Month, today: date | None = None) -> bool:
    day = close_day()
    return day is not None and (today or local_today()) > deadline(month, day)


def close_if_due(centre: Centre, month: Month) -> MonthClosing | None:
    """Close the month by itself if it is past its deadline and still open (lazily, when it
    is first asked for); the caller commits."""
    if not is_due(month) or ed.editions(centre.id, month):
        return None
    return _new_edition(centre, month, actor=None, reason="")


def close_due_months(today: date | None = None) -> list[MonthClosing]:
    """Every month of every centre past its deadline and not closed, from the centre's first
    visit on (``flask close-months``); the caller commits."""
    today = today or local_today()
    closed = []
    for centre in db.session.scalars(sa.select(Centre).order_by(Centre.id)):
        first = db.session.scalar(sa.select(sa.func.min(Visit.visit_date))
                                  .where(Visit.centre_id == centre.id))
        if first is None:
            continue
        month = Month.of(first)
        while is_due(month, today):
            if not ed.editions(centre.id, month):
                closed.append(_new_edition(centre, month, actor=None, reason=""))
            month = month.next()
    return closed


# --- reading a month ---------------------------------------------------------------------------

def report_for(centre: Centre, month: Month, version: int | None = None) -> sections.MonthlyReport:
    """The monthly report of a centre: read from its edition once closed (the latest, or
    ``version``), computed now while provisional. A month past its deadline closes here.

    :raise NotFound: no such edition.
    """
    found = ed.editions(centre.id, month)
    if not found and close_if_due(centre, month) is not None:
        found = ed.editions(centre.id, month)
    if not found:
        if version is not None:
            raise NotFound()
        return sections.live_report(centre, month)
    chosen = found[-1] if version is None else next(
        (e for e in found if e.version == version), None)
    if chosen is None:
        raise NotFound()
    return report_from_json(chosen.report, ed.stamp_of(chosen, found[-1].version))


def standing(centre: Centre, month: Month) -> ed.ReportStamp:
    """The month's standing without building its report: the latest edition's stamp once
    closed ("마감 …, 제N판"), else provisional as of now ("잠정 (… 기준)"). For a cover page
    or a list of months; a built report carries the same as ``report.stamp``."""
    found = ed.editions(centre.id, month)
    return ed.stamp_of(found[-1]) if found else ed.provisional(utcnow())


# --- the stored form ---------------------------------------------------------------------------

def plain(value):
    """JSON-ready and the same on every engine: PostgreSQL's ``numeric`` sums (``Decimal``)
    become int or float, dates text, lazy strings text."""
    if isinstance(value, bool) or value is None or isinstance(value, int | float | str):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def report_to_json(report: sections.MonthlyReport) -> dict:
    return plain({
        "centre_code": report.centre_code, "centre_name": report.centre_name,
        "month": report.month.key, "generated_at": report.generated_at,
        "headlines": [vars(h) for h in report.headlines],
        "sections": [{"key": s.key, "title": s.title, "note": s.note,
                      "figures": [vars(f) for f in s.figures],
                      "tables": [vars(t) for t in s.tables],
                      "charts": [vars(c) for c in s.charts],
                      **({"data": s.data} if s.data else {})} for s in report.sections],
        "definitions": [list(d) for d in report.definitions],
    })


def report_from_json(data: dict, stamp: ed.ReportStamp) -> sections.MonthlyReport:
    """A stored edition as a report, its labels in the reader's language."""
    data = localize.localized(data)
    return sections.MonthlyReport(
        centre_code=data["centre_code"], centre_name=data["centre_name"],
        month=Month.parse(data["month"]), is_partial=False,
        generated_at=datetime.fromisoformat(data["generated_at"]),
        headlines=[headlines.HeadlineRow(**h) for h in data["headlines"]],
        sections=[sections.SectionResult(
            key=s["key"], title=s["title"], note=s["note"],
            figures=[sections.Figure(**f) for f in s["figures"]],
            tables=[sections.Table(**t) for t in s["tables"]],
            charts=[sections.Chart(**c) for c in s["charts"]],
            data=s.get("data") or []) for s in data["sections"]],
        stamp=stamp, definitions=[tuple(d) for d in data.get("definitions", [])],
        images=data.get("images") or {},
    )


def chart_images(report: sections.MonthlyReport, *, printed: bool = False) -> dict[str, str]:
    """Each chart as an SVG ``data:`` URI, keyed "<section key>-<index>": drawn once when an
    edition is stored (a closed month's page and PDF then draw none), else per request;
    ``printed``: the PDF's drawing, text in the PDF's font (see reports.charts)."""
    if report.images:
        return report.images
    from reports import charts  # matplotlib: imported at the first chart, not at start-up

    return {f"{section.key}-{index}": charts.data_uri(chart, printed=printed)
            for section in report.sections for index, chart in enumerate(section.charts)}


# --- what changed between two editions ---------------------------------------------------------

@dataclass(frozen=True)
class Difference:
    where: str  # "주요 지표", or a section's title and table
    what: str  # the figure, or the row and column of a table
    before: object
    after: object


def _cells(data: dict) -> dict[tuple[str, str], object]:
    cells: dict[tuple[str, str], object] = {}
    headline = _("주요 지표")
    for h in data["headlines"]:
        cells[(headline, h["label"])] = h["value"]
    for s in data["sections"]:
        for f in s["figures"]:
            cells[(s["title"], f["label"])] = f["value"]
        for t in s["tables"]:
            where = f"{s['title']} · {t['title']}"
            for row in t["rows"] + ([t["footer"]] if t.get("footer") else []):
                for column, value in zip(t["columns"][1:], row[1:], strict=False):
                    cells[(where, f"{row[0]} · {column}")] = value
    return cells


def differences(old: MonthClosing, new: MonthClosing) -> list[Difference]:
    """Every figure and table cell whose value differs between two editions (a row or a
    figure that only one of them has counts as differing, with "—" on the other side)."""
    before = _cells(localize.localized(old.report))
    after = _cells(localize.localized(new.report))
    keys = list(before) + [key for key in after if key not in before]
    return [Difference(where, what, before.get((where, what)), after.get((where, what)))
            for where, what in keys if before.get((where, what)) != after.get((where, what))]


# --- the command -------------------------------------------------------------------------------

@click.command("close-months")
@with_appcontext
def close_months_command() -> None:
    """Close every month past its deadline (REPORT_CLOSE_DAY) that its manager has not;
    run it daily from cron. Without REPORT_CLOSE_DAY it closes nothing."""
    if close_day() is None:
        click.echo("REPORT_CLOSE_DAY가 설정되지 않아 자동 마감하지 않습니다.")
        return
    closed = close_due_months()
    db.session.commit()
    click.echo(f"마감한 달: {len(closed)}")
    for edition in closed:
        click.echo(f"  {edition.month} (센터 {edition.centre_id})")
