"""The manager's dashboard: today and this month at the centre, per agency.

Each column is one entry of ``COLUMNS``: how to count it per agency and for the centre
(SQL aggregates from :mod:`reports.figures`) and, for counts, which list is behind it
(:func:`list_query`, the same conditions as a select of the rows). A feature that adds
figures (referrals, say) appends its columns with :func:`register_column` and its lists
with :func:`register_list`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cases.models import Case, Client
from cases.queries import cases_visible_to, clients_visible_to
from centers.models import Centre, Staff
from core.clock import local_today
from core.types import utcnow
from intake.models import StopStatus, Visit, VisitStop
from intake.services import visits_visible_to
from reports import case_figures, figures
from reports.periods import Month, Span


@dataclass(frozen=True)
class DashboardContext:
    centre: Centre
    today: date
    now: datetime

    @property
    def ids(self) -> list[int]:
        return [self.centre.id]

    @property
    def today_span(self) -> Span:
        return Span.day(self.today)

    @property
    def month_span(self) -> Span:
        return Span(Month.of(self.today).first, self.today_span.end)


#: A column's figures: per agency (None when the figure has no per-agency meaning), total.
Cells = tuple[dict[int, int | float | None] | None, int | float | None]


@dataclass(frozen=True)
class Column:
    key: str
    group: object
    label: object
    compute: Callable[[DashboardContext], Cells]
    unit: str = "count"
    #: The list behind the figure (a key of ``LISTS``); None for averages.
    list_key: str | None = None


def _visits(span_of):
    def compute(context: DashboardContext) -> Cells:
        span = span_of(context)
        per_agency = figures.visits_per_agency(context.ids, span, served=False)
        total = figures.visit_totals(context.ids, span).get(context.centre.id, {})
        return per_agency, total.get("visits", 0)
    return compute


def _average_wait(span_of):
    def compute(context: DashboardContext) -> Cells:
        span = span_of(context)
        per_agency = {aid: _minutes(s, n) for aid, (s, n) in
                      figures.wait_sums(context.ids, span, by="agency").items()}
        total = figures.wait_sums(context.ids, span).get(context.centre.id, (None, 0))
        return per_agency, _minutes(*total)
    return compute


def _minutes(seconds, stops) -> float | None:
    return round(seconds / stops / 60, 1) if stops else None


def _new_people(span_of):
    def compute(context: DashboardContext) -> Cells:
        return None, figures.first_time_people(context.ids, span_of(context)).get(
            context.centre.id, 0)
    return compute


def _waiting(context: DashboardContext) -> Cells:
    per_agency = figures.waiting_now(context.centre.id, context.today)
    return per_agency, sum(per_agency.values())


def _open_cases(context: DashboardContext) -> Cells:
    per_agency = case_figures.open_cases_now(context.centre.id)
    return per_agency, sum(per_agency.values())


def _past_targets(context: DashboardContext) -> Cells:
    per_agency = {aid: values["any"] for aid, values in
                  case_figures.past_targets(context.ids, context.now, by="agency").items()}
    return per_agency, sum(per_agency.values())


def _today(context):
    return context.today_span


def _month(context):
    return context.month_span


TODAY, MONTH, NOW = _l("오늘"), _l("이번 달"), _l("지금")
COLUMNS: list[Column] = [
    Column("visits_today", TODAY, _l("방문"), _visits(_today), list_key="visits_today"),
    Column("wait_today", TODAY, _l("평균 대기(분)"), _average_wait(_today), unit="minutes"),
    Column("new_today", TODAY, _l("처음 온 사람"), _new_people(_today), list_key="new_today"),
    Column("visits_month", MONTH, _l("방문"), _visits(_month), list_key="visits_month"),
    Column("wait_month", MONTH, _l("평균 대기(분)"), _average_wait(_month), unit="minutes"),
    Column("new_month", MONTH, _l("처음 온 사람"), _new_people(_month), list_key="new_month"),
    Column("waiting", NOW, _l("대기 중"), _waiting, list_key="waiting"),
    Column("open_cases", NOW, _l("진행 사례"), _open_cases, list_key="open_cases"),
    Column("past_targets", NOW, _l("기한 지난 사례"), _past_targets, list_key="past_targets"),
]


def register_column(column: Column, *, after: str | None = None) -> None:
    keys = [existing.key for existing in COLUMNS]
    if column.key not in keys:
        COLUMNS.insert(keys.index(after) + 1 if after in keys else len(COLUMNS), column)


@dataclass
class Dashboard:
    centre_name: str
    today: date
    columns: list[Column]
    agencies: list[tuple[int, str]]
    cells: dict[str, Cells]

    @property
    def groups(self) -> list[tuple[str, int]]:
        """The column groups (오늘, 이번 달, 지금) with how many columns each spans."""
        groups: list[list] = []
        for column in self.columns:
            if groups and groups[-1][0] == str(column.group):
                groups[-1][1] += 1
            else:
                groups.append([str(column.group), 1])
        return [(label, width) for label, width in groups]


def dashboard(centre: Centre) -> Dashboard:
    context = DashboardContext(centre, local_today(), utcnow())
    with figures.computed_once():
        cells = {column.key: column.compute(context) for column in COLUMNS}
    return Dashboard(centre.name, context.today, list(COLUMNS),
                     [(a.id, a.name) for a in centre.visible_agencies()], cells)


# --- the lists behind the figures --------------------------------------------------------

@dataclass(frozen=True)
class ListSpec:
    """What a list shows ("visits", "people" or "cases") and its select for an actor."""

    kind: str
    title: object
    query: Callable[[Staff, DashboardContext, int | None], sa.Select]
    per_agency: bool = True


def _visit_list(span_of):
    def query(actor, context, agency_id):
        select = visits_visible_to(actor).where(*figures.visits_in(context.ids, span_of(context)))
        if agency_id:
            select = select.where(Visit.stops.any(sa.and_(
                VisitStop.agency_id == agency_id, VisitStop.queued_at.is_not(None))))
        return select.order_by(Visit.visit_date.desc(), Visit.arrived_at.desc())
    return query


def _waiting_list(actor, context, agency_id):
    waiting = VisitStop.status == StopStatus.WAITING
    if agency_id:
        waiting = sa.and_(waiting, VisitStop.agency_id == agency_id)
    return (visits_visible_to(actor)
            .where(Visit.centre_id == context.centre.id, Visit.visit_date == context.today,
                   Visit.stops.any(waiting))
            .order_by(Visit.arrived_at))


def _people_list(span_of):
    def query(actor, context, agency_id):
        firsts = figures.first_visit_ids(context.ids, span_of(context))
        return clients_visible_to(actor).where(Client.id.in_(firsts)).order_by(Client.id.desc())
    return query


def _open_case_list(actor, context, agency_id):
    select = cases_visible_to(actor).where(*case_figures.open_now(context.centre.id))
    if agency_id:
        select = select.where(Case.agency_id == agency_id)
    return select.order_by(Case.opened_at)


def _past_target_list(actor, context, agency_id):
    select = cases_visible_to(actor).where(
        Case.id.in_(case_figures.past_target_case_ids(context.ids, context.now)))
    if agency_id:
        select = select.where(Case.agency_id == agency_id)
    return select.order_by(Case.opened_at)


LISTS: dict[str, ListSpec] = {
    "visits_today": ListSpec("visits", _l("오늘 방문"), _visit_list(_today)),
    "visits_month": ListSpec("visits", _l("이번 달 방문"), _visit_list(_month)),
    "waiting": ListSpec("visits", _l("지금 대기 중인 방문"), _waiting_list),
    "new_today": ListSpec("people", _l("오늘 처음 온 사람"), _people_list(_today), False),
    "new_month": ListSpec("people", _l("이번 달 처음 온 사람"), _people_list(_month), False),
    "open_cases": ListSpec("cases", _l("진행 중인 사례"), _open_case_list),
    "past_targets": ListSpec("cases", _l("기한 지난 사례"), _past_target_list),
}


def register_list(key: str, spec: ListSpec) -> None:
    LISTS.setdefault(key, spec)


def list_query(key: str, actor: Staff, centre: Centre, agency_id: int | None) -> sa.Select:
    """The rows behind dashboard figure ``key``, as the actor may see them.

    :raise KeyError: no such list.
    """
    spec = LISTS[key]
    context = DashboardContext(centre, local_today(), utcnow())
    return spec.query(actor, context, agency_id if spec.per_agency else None)
