"""The report as an official document: its cover (문서번호, 수신/발신, 작성자, 결재란,
data-as-of, 비고) and the per-centre yearly document number.

A number is given to an *issued* report version: the first time a version of a closed
month is printed it takes the next serial of its series in the Seoul year of printing
(``남양주센터-2026-0007``); printing the same version again shows the same number. A month
still running is a provisional report: it prints without a number.

Which months are closed, and in which version, is asked of :func:`issued_version`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from centers.models import Centre, Staff
from core import audit
from core.clock import local_today
from core.errors import RefusedError
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from reports.models import ReportDocument
from reports.periods import Month

NATIONAL_SERIES = "national"
REMARKS_MAX = 1000


def series_of(centre: Centre | None) -> str:
    """The numbering series: one per centre, one for the national roll-up."""
    return f"centre-{centre.id}" if centre else NATIONAL_SERIES


def number_prefix(centre: Centre | None) -> str:
    """``남양주 고용복지+센터`` → ``남양주센터``: the first word of the centre's name, as the
    centre's documents are numbered. The national roll-up is ``한자리``."""
    if centre is None:
        return "한자리"
    first = (centre.name.split() or [centre.code])[0]
    return first if first.endswith("센터") else f"{first}센터"


def issued_version(month: Month) -> int | None:
    """The version of the month's report that is issued, or None while the month is still
    provisional (no document number).

    Until month closing with snapshots exists, a month counts as closed from the first day of
    the next Seoul month, in its first version. When closing lands, this asks it instead.
    """
    return 1 if month < Month.current() else None


def document_of(series: str, month: Month, version: int | None) -> ReportDocument | None:
    if version is None:
        return None
    return db.session.scalar(sa.select(ReportDocument).where(
        ReportDocument.series == series, ReportDocument.month == month.key,
        ReportDocument.version == version))


def _document_row(series: str, month: Month, version: int) -> ReportDocument:
    document = document_of(series, month, version)
    if document is None:
        document = ReportDocument(series=series, month=month.key, version=version, remarks="")
        try:
            with db.session.begin_nested():
                db.session.add(document)
        except IntegrityError:  # another request made it first
            document = document_of(series, month, version)
    return document


def issue(centre: Centre | None, month: Month, actor: Staff) -> ReportDocument | None:
    """The issued version's document with its number, given now if it has none yet; None for
    a provisional month. Flushes; the caller commits."""
    version = issued_version(month)
    if version is None:
        return None
    series = series_of(centre)
    document = _document_row(series, month, version)
    if document.number is not None:
        return document
    year = local_today().year
    for _attempt in range(5):
        serial = (db.session.scalar(sa.select(sa.func.max(ReportDocument.serial)).where(
            ReportDocument.series == series, ReportDocument.year == year)) or 0) + 1
        try:
            with db.session.begin_nested():
                document.year, document.serial = year, serial
                document.number = f"{number_prefix(centre)}-{year}-{serial:04d}"
                document.issued_at, document.issued_by_id = utcnow(), actor.id
                db.session.flush()
            break
        except IntegrityError:  # two first prints at once: take the next serial
            db.session.refresh(document)
            if document.number is not None:
                break
    audit.record("report.document_issued", actor=actor, subject=document,
                 centre_id=centre.id if centre else None,
                 detail={"month": month.key, "version": version, "number": document.number})
    return document


def may_write_remarks(actor: Staff, centre: Centre | None) -> bool:
    """A centre's remarks are its manager's; the national roll-up's, the administrator's."""
    if centre is None:
        return actor.role == Role.ADMIN
    return actor.role == Role.MANAGER and actor.centre_id == centre.id


class RemarksRefused(RefusedError):
    """Remarks for a month that is still provisional."""


def save_remarks(centre: Centre | None, month: Month, text: str, actor: Staff) -> ReportDocument:
    """Keep the remarks (비고) of the month's issued version. Flushes; the caller commits.

    :raise RemarksRefused: the month is still provisional.
    """
    version = issued_version(month)
    if version is None:
        raise RemarksRefused(_("진행 중인 달의 보고서에는 비고를 적을 수 없습니다. 마감 후에 "
                               "적어 주세요."))
    document = _document_row(series_of(centre), month, version)
    document.remarks = text.strip()[:REMARKS_MAX]
    document.remarks_by_id, document.remarks_at = actor.id, utcnow()
    audit.record("report.remarks_saved", actor=actor, subject=document,
                 centre_id=centre.id if centre else None,
                 detail={"month": month.key, "version": version})
    db.session.flush()
    return document


# --- the cover -------------------------------------------------------------------------------

@dataclass
class Cover:
    """Plain data for the cover of a report PDF."""

    title: str
    number: str
    recipient: str
    sender: str
    author: str
    printed_at: str
    period: str
    status: str
    remarks: str
    approvals: list[str] = field(default_factory=list)


def _local(moment: datetime, pattern: str = "yyyy-MM-dd HH:mm") -> str:
    return format_datetime(moment, pattern)


def status_line(month: Month, as_of: datetime) -> str:
    """"2026-11-30 24:00 기준" for a closed month; "잠정 (2026-12-01 14:05 기준)" before."""
    if issued_version(month) is None:
        return _("잠정 (%(at)s 기준)", at=_local(as_of))
    last_day = month.span.last
    return _("%(day)s 24:00 기준 (월말 마감)", day=last_day.isoformat())


def cover(centre: Centre | None, month: Month, as_of: datetime, actor: Staff,
          document: ReportDocument | None, title: str, period: str) -> Cover:
    """The cover of a centre's monthly report (``centre``) or of the national roll-up."""
    config = current_app.config
    if centre is None:
        sender = config["REPORT_NATIONAL_SENDER"]
        approvals = [_("담당"), _("팀장"), _("과장")]
    else:
        sender = _("%(centre)s장", centre=centre.name)
        approvals = [_("담당"), _("팀장"), _("센터장")]
    return Cover(
        title=title,
        number=document.number if document and document.number
        else _("없음 (잠정 보고서: 마감 후 부여)"),
        recipient=config["REPORT_RECIPIENT"], sender=sender,
        author=f"{actor.display_name} ({actor.role_label})",
        printed_at=_local(utcnow()), period=period, status=status_line(month, as_of),
        remarks=document.remarks if document else "", approvals=approvals,
    )

