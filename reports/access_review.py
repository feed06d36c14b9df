"""The manager's monthly review of the access log (접속기록 점검, 안전성 확보조치 기준 제8조).

A manager reads their centre's events of a month, filtered by staff, person, period, action
and IP; events worth a second look carry flags:

- ``bulk``: one staff member opened many different people's records in a short time
  (``ACCESS_REVIEW_BULK_PEOPLE`` people within ``ACCESS_REVIEW_BULK_MINUTES`` minutes);
- ``after_hours``: outside working hours (Monday–Friday 09:00–18:00 in Seoul, public
  holidays excepted: the hours referrals are counted in);
- ``download``: a print, PDF, spreadsheet or CSV;
- ``break_glass``: access on a stated reason outside the normal rules (a confidential note
  opened, a break-the-glass search).

The manager signs each complete month off once (who, when, remark); the sign-off and every
CSV export of the list are audit events themselves.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from centers.models import Staff
from core import audit
from core.audit import AuditEvent
from core.clock import SEOUL, local_day_bounds, local_today
from core.errors import RefusedError
from core.extensions import db
from core.holidays import holiday_days
from core.roles import Role
from core.working_time import DAY_END, DAY_START, is_working_day
from reports.models import AccessReview
from reports.periods import Month

FLAGS = ("bulk", "after_hours", "download", "break_glass")
DOWNLOAD_SUFFIXES = ("_printed", ".pdf", ".xlsx", ".csv", ".json", ".exported", "_exported")
BREAK_GLASS_ACTIONS = ("case.confidential_note_opened",)


class ReviewError(RefusedError):
    """The sign-off was refused (a month not yet over, or one already signed)."""


HISTORY_ROLES = (Role.FRONT_DESK, Role.MANAGER)  # narrowed per person by may_print_access_history


def may_review(actor: Staff) -> bool:
    """The centre's manager reviews its access log; the administrator reads every centre's."""
    return actor.role in (Role.MANAGER, Role.ADMIN)


def may_sign_off(actor: Staff) -> bool:
    return actor.role == Role.MANAGER and actor.centre_id is not None


def is_download(action: str) -> bool:
    return action.endswith(DOWNLOAD_SUFFIXES)


def is_break_glass(action: str) -> bool:
    return action in BREAK_GLASS_ACTIONS or "break_glass" in action


@dataclass
class Filters:
    """What the review page was asked for; ``first``/``last`` are Seoul days (inclusive)."""

    month: Month
    first: date
    last: date
    staff_id: int | None = None
    client_id: int | None = None
    action: str = ""
    ip: str = ""
    flag: str = ""

    @classmethod
    def from_args(cls, args) -> Filters:
        """Read the query string; anything malformed falls back to the default."""
        try:
            month = Month.parse(args.get("month", ""))
        except ValueError:
            month = Month.of(local_today())
        first = _day(args.get("from")) or month.first
        last = _day(args.get("to")) or month.span.last
        if last < first:
            first, last = last, first
        flag = args.get("flag", "")
        return cls(month, first, last, staff_id=args.get("staff", type=int),
                   client_id=args.get("person", type=int),
                   action=args.get("action", "").strip()[:64], ip=args.get("ip", "").strip()[:45],
                   flag=flag if flag in FLAGS else "")

    def as_args(self) -> dict:
        """The filters as query-string arguments (for pages and the CSV link)."""
        args = {"month": self.month.key, "from": self.first.isoformat(),
                "to": self.last.isoformat(), "staff": self.staff_id, "person": self.client_id,
                "action": self.action, "ip": self.ip, "flag": self.flag}
        return {name: value for name, value in args.items() if value}


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@dataclass
class Review:
    """The filtered events (their ids, newest first) and the flags of every event."""

    ids: list[int]
    flags: dict[int, set[str]]
    counts: Counter = field(default_factory=Counter)


def events_visible_to(actor: Staff) -> sa.Select:
    query = sa.select(AuditEvent)
    if actor.role == Role.ADMIN:
        return query
    if actor.role == Role.MANAGER and actor.centre_id is not None:
        return query.where(AuditEvent.centre_id == actor.centre_id)
    return query.where(sa.false())


def review(actor: Staff, filters: Filters) -> Review:
    """The events of the period matching the filters, with flags.

    Flags are worked out over every event of the period in the actor's view (a burst of
    reads stays a burst when the list is narrowed to one person), from light rows: id,
    staff, time, person and action.
    """
    start = local_day_bounds(filters.first)[0]
    end = local_day_bounds(filters.last)[1]
    scope = events_visible_to(actor).where(AuditEvent.at >= start, AuditEvent.at < end)
    rows = db.session.execute(scope.with_only_columns(
        AuditEvent.id, AuditEvent.staff_id, AuditEvent.at, AuditEvent.client_id,
        AuditEvent.action, AuditEvent.ip).order_by(AuditEvent.id)).all()
    flags = _flags(rows)
    ids, counts = [], Counter()
    for row in rows:
        if filters.staff_id and row.staff_id != filters.staff_id:
            continue
        if filters.client_id and row.client_id != filters.client_id:
            continue
        if filters.action and not row.action.startswith(filters.action):
            continue
        if filters.ip and not (row.ip or "").startswith(filters.ip):
            continue
        marks = flags.get(row.id, set())
        if filters.flag and filters.flag not in marks:
            continue
        ids.append(row.id)
        counts.update(marks)
    ids.reverse()
    return Review(ids, flags, counts)


def _flags(rows) -> dict[int, set[str]]:
    settings = current_app.config
    people, window = settings["ACCESS_REVIEW_BULK_PEOPLE"], timedelta(
        minutes=settings["ACCESS_REVIEW_BULK_MINUTES"])
    days_off = holiday_days()
    flags: dict[int, set[str]] = defaultdict(set)
    reads: dict[int, list] = defaultdict(list)
    for row in rows:
        if row.staff_id is not None and _after_hours(row.at, days_off):
            flags[row.id].add("after_hours")
        if is_download(row.action):
            flags[row.id].add("download")
        if is_break_glass(row.action):
            flags[row.id].add("break_glass")
        if row.staff_id is not None and row.client_id is not None:
            reads[row.staff_id].append(row)
    for staff_reads in reads.values():
        for row_id in _bursts(staff_reads, people, window):
            flags[row_id].add("bulk")
    return flags


def _after_hours(moment: datetime, days_off: set[date]) -> bool:
    local = moment.astimezone(SEOUL)
    return not (is_working_day(local.date(), days_off) and DAY_START <= local.time() < DAY_END)


def _bursts(reads: list, people: int, window: timedelta) -> set[int]:
    """Ids of one staff member's reads (in time order) that fall in a window of ``window``
    in which ``people`` or more different people were opened."""
    flagged: set[int] = set()
    inside: deque = deque()
    seen: Counter = Counter()
    for row in sorted(reads, key=lambda r: (r.at, r.id)):
        inside.append(row)
        seen[row.client_id] += 1
        while row.at - inside[0].at > window:
            gone = inside.popleft()
            seen[gone.client_id] -= 1
            if not seen[gone.client_id]:
                del seen[gone.client_id]
        if len(seen) >= people:
            flagged.update(r.id for r in inside)
    return flagged


#: Detail keys whose text is a code, a field name or a state, never what somebody wrote: what
#: the administrator is shown of an event's detail besides numbers and yes/no.
PLAIN_KEYS = frozenset({
    "understood_as", "page", "kind", "from", "to", "via", "flag", "same", "ticket", "urgency",
    "type", "method", "action", "code", "role", "month", "prefix", "domain", "crisis",
    "purposes", "fields", "items", "filters", "username", "contact_preference", "outcome",
    "starts_at", "opens_at", "closes_at", "days", "version",
})


def may_read_detail(actor: Staff) -> bool:
    """The centre's manager reads what staff wrote into an event (a stated reason, a
    withdrawal note may name the person); the administrator, who sees no personal data,
    reads only its codes and numbers."""
    return actor.role == Role.MANAGER


def detail_for(actor: Staff, event: AuditEvent) -> dict:
    """The event's detail as the actor may read it (see :func:`may_read_detail`)."""
    if may_read_detail(actor):
        return event.detail
    return {key: _plain(key, value) for key, value in event.detail.items()}


def _plain(key: str, value):
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list) and all(isinstance(v, bool | int | float) for v in value):
        return value
    if key in PLAIN_KEYS:
        return value
    if isinstance(value, dict):
        return {k: _plain(k, v) for k, v in value.items()}
    return _("(가림)")


def load(ids: list[int]) -> list[AuditEvent]:
    """The events of one page, in the order of ``ids``."""
    if not ids:
        return []
    events = {e.id: e for e in db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id.in_(ids)))}
    return [events[i] for i in ids if i in events]


def staff_choices(actor: Staff) -> list[Staff]:
    query = sa.select(Staff).order_by(Staff.display_name)
    if actor.role != Role.ADMIN:
        query = query.where(Staff.centre_id == actor.centre_id)
    return list(db.session.scalars(query))


# --- who viewed my record (PIPA 제35조) --------------------------------------------------------

READ_SUFFIXES = (".view", "_view", "_viewed", "_opened", ".opened", ".edit", ".rrn_revealed")
PARTNER_USERNAME = "partner:"  # how the log names a partner outside the centre (no staff id)


def what_was_done(action: str) -> str:
    """열람 (read), 출력 (printed or downloaded) or 변경 (changed), for the person's list."""
    if is_download(action):
        return "printed"
    if action.endswith(READ_SUFFIXES):
        return "viewed"
    return "changed"


def access_history(client) -> list[dict]:
    """Every access-log event about ``client`` by a staff member, newest first: when, which
    agency (or the centre's desk or manager), who, and whether they read, printed or changed.
    Plain data, for the page and the PDF alike."""
    from centers.models import Agency
    from partners.models import Partner

    rows = db.session.execute(
        sa.select(AuditEvent.at, AuditEvent.action, AuditEvent.username, Staff.display_name,
                  Staff.role, Agency.name.label("agency"))
        .outerjoin(Staff, Staff.id == AuditEvent.staff_id)
        .outerjoin(Agency, Agency.id == Staff.agency_id)
        .where(AuditEvent.client_id == client.id,
               sa.or_(AuditEvent.staff_id.is_not(None),
                      AuditEvent.username.startswith(PARTNER_USERNAME)))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())).all()
    # A partner outside the centre opened the referral's link or read it through its system.
    partner_ids = {int(row.username.removeprefix(PARTNER_USERNAME)) for row in rows
                   if row.display_name is None}
    partners = dict(db.session.execute(
        sa.select(Partner.id, Partner.name).where(Partner.id.in_(partner_ids))).all())
    return [{"at": row.at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M"),
             "agency": (row.agency or Role(row.role).label if row.display_name is not None
                        else partners.get(int(row.username.removeprefix(PARTNER_USERNAME)), "")),
             "staff": row.display_name or _("센터 밖 협력기관"),
             "what": what_was_done(row.action)} for row in rows]


# --- sign-off ----------------------------------------------------------------------------

def sign_off_of(centre_id: int | None, month: Month) -> AccessReview | None:
    if centre_id is None:
        return None
    return db.session.scalar(sa.select(AccessReview).where(
        AccessReview.centre_id == centre_id, AccessReview.month == month.key))


def may_sign_month(actor: Staff, month: Month) -> bool:
    """A complete month not yet signed, by its centre's manager."""
    return (may_sign_off(actor) and month < Month.of(local_today())
            and sign_off_of(actor.centre_id, month) is None)


def sign_off(actor: Staff, month: Month, remark: str) -> AccessReview:
    """Record that ``actor`` reviewed their centre's access log of ``month``.

    :raise ReviewError: not the centre's manager, the month not over, or already signed.
    """
    if not may_sign_off(actor):
        raise ReviewError(_("센터 관리자만 점검 확인을 할 수 있습니다."))
    if month >= Month.of(local_today()):
        raise ReviewError(_("끝난 달만 점검 확인을 할 수 있습니다."))
    if sign_off_of(actor.centre_id, month) is not None:
        raise ReviewError(_("이 달은 이미 점검 확인을 했습니다."))
    result = review(actor, Filters(month, month.first, month.span.last))
    signed = AccessReview(centre_id=actor.centre_id, month=month.key, reviewed_by_id=actor.id,
                          remark=remark.strip()[:2000], events=len(result.ids),
                          flagged=sum(1 for i in result.ids if result.flags.get(i)))
    db.session.add(signed)
    db.session.flush()
    audit.record("audit.review_signed", actor=actor, subject=signed, centre_id=actor.centre_id,
                 detail={"month": month.key, "events": signed.events, "flagged": signed.flagged,
                         "remark": signed.remark})
    return signed


# --- CSV ---------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral(value) -> str:
    """A cell a spreadsheet shows as text: a leading formula character gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(actor: Staff, filters: Filters, result: Review, labels: dict[str, str]) -> bytes:
    """The filtered list as CSV (UTF-8 with BOM for Excel); the export is an audit event."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", _("일시"), _("직원"), "IP", _("동작"), _("대상"), _("사람 번호"), _("표시"),
                     _("내용")])
    for start in range(0, len(result.ids), 1000):
        for event in load(result.ids[start:start + 1000]):
            marks = ", ".join(labels[f] for f in FLAGS if f in result.flags.get(event.id, ()))
            subject = f"{event.subject_type} #{event.subject_id}" if event.subject_type else ""
            writer.writerow([neutral(v) for v in (
                event.id, event.at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M:%S"),
                event.username, event.ip, event.action, subject, event.client_id, marks,
                json.dumps(detail_for(actor, event), ensure_ascii=False) if event.detail else "")])
    audit.record("audit.exported", actor=actor, centre_id=actor.centre_id,
                 detail={"filters": filters.as_args(), "rows": len(result.ids)})
    return ("\ufeff" + out.getvalue()).encode()
