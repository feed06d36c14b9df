"""The report as an official document: its cover (문서번호, 수신/발신, 작성자, 결재란,
data-as-of, 비고) and the per-centre yearly document number.

A number is given to an *issued* report version: the first time an edition of a closed
month is printed it takes the next serial of its series in the Seoul year of printing
(``남양주센터-2026-0007``); printing the same version again shows the same number. A month
still running is a provisional report: it prints without a number.

A month is closed, and in which edition (판), as :mod:`reports.closing` stored it; the national
roll-up once every centre closed the month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from centers.models import Centre, Staff
from core import audit
from core.clock import SEOUL, local_today
from core.errors import RefusedError
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from reports import editions
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


def monthly_version(report) -> int | None:
    """The edition (판) of a centre's monthly report being printed, or None while the month
    is provisional (not closed: no document number)."""
    stamp = report.stamp
    return stamp.version if stamp is not None and stamp.closed else None


def latest_monthly_version(centre: Centre, month: Month) -> int | None:
    """The latest edition of a centre's month, None while it is not closed."""
    found = editions.latest_editions([centre.id], month)
    return found[centre.id].version if centre.id in found else None


def national_version(centre_ids: list[int], month: Month) -> int | None:
    """The roll-up is issued once every centre closed the month; a new edition of any centre
    makes a new roll-up. Its version is the sum of the centres' latest editions, which grows
    with every new edition. None while a centre has not closed the month."""
    found = editions.latest_editions(centre_ids, month)
    if not centre_ids or len(found) < len(centre_ids):
        return None
    return sum(edition.version for edition in found.values())


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


def issue(centre: Centre | None, month: Month, version: int | None,
          actor: Staff) -> ReportDocument | None:
    """The document of the report ``version`` being printed, with its number, given now if
    it has none yet; None for a provisional report. Flushes; the caller commits."""
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


def save_remarks(centre: Centre | None, month: Month, version: int | None, text: str,
                 actor: Staff) -> ReportDocument:
    """Keep the remarks (비고) of the report's latest ``version``. Flushes; the caller commits.

    :raise RemarksRefused: the month is not closed (provisional).
    """
    if version is None:
        raise RemarksRefused(_("마감하지 않은 달의 보고서에는 비고를 적을 수 없습니다. 마감 후에 "
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


def cover(centre: Centre | None, actor: Staff, document: ReportDocument | None, title: str,
          period: str, standing: str, as_of: datetime) -> Cover:
    """The cover of a centre's monthly report (``centre``) or of the national roll-up.
    ``standing`` is the report's line "마감 …, 제N판" / "잠정 (… 기준)"; ``as_of`` the instant
    its figures describe."""
    config = current_app.config
    # An issued document is the same document at every print: its author is who issued it
    # and its time the time of issue (so a closed edition's PDF can be kept, see
    # reports.edition_pdfs); a provisional report is whoever prints it, now.
    author, printed_at = actor, utcnow()
    if document is not None and document.issued_at is not None:
        author = db.session.get(Staff, document.issued_by_id) or actor
        printed_at = document.issued_at
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
        author=f"{author.display_name} ({author.role_label})",
        printed_at=editions.seoul_text(printed_at), period=period,
        # A provisional line says its time already; a closed one gets the month's end.
        status=_("%(standing)s · 자료 %(at)s 기준", standing=standing, at=as_of_text(as_of))
        if document is not None else standing,
        remarks=document.remarks if document else "", approvals=approvals,
    )


def as_of_text(moment: datetime) -> str:
    """``2026-11-30 24:00`` for a month's end (Seoul midnight), else ``2026-11-20 14:05``."""
    local = moment.astimezone(SEOUL)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return f"{(local.date() - timedelta(days=1)).isoformat()} 24:00"
    return editions.seoul_text(moment)
