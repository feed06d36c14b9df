"""Every figure of the dashboard and the reports, as SQL aggregates.

Nothing here loads rows to count them: each function runs one ``SELECT … GROUP BY`` (or a
few) and returns plain numbers keyed by centre, agency, day or category. Most take
``centre_ids`` and group by centre, so the monthly report (one centre) and the national
roll-up (all centres) share the same queries.

Definitions used throughout:

- a visit belongs to the Seoul day of its ``visit_date`` (a visit crossing midnight stays on
  the day it started);
- a desk stop was *served* when its consultation started (``started_at``), whatever its
  status now (a visitor who left during the consultation was still served);
- the *wait* at a desk is ``called_at`` (or ``started_at`` when the desk started without
  calling) minus ``queued_at``;

The case figures (cases, time targets, unmet needs) are in :mod:`reports.case_figures`, the
referral figures in :mod:`reports.referral_figures`, the people and per-month figures in
:mod:`reports.people_figures`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

import sqlalchemy as sa

from cases.models import client_customer_types
from catalogue.models import CustomerType, Service
from centers.models import Agency, Domain
from core.database import percentile, seconds_between
from core.extensions import db
from intake.models import FirstVisit, StopStatus, Visit, VisitPurpose, VisitStop, VisitSuggestion
from reports.periods import Span

# --- each figure once per report ------------------------------------------------------------

_answers: ContextVar[dict | None] = ContextVar("report_figure_answers", default=None)


@contextmanager
def computed_once() -> Iterator[None]:
    """While a report (or the dashboard) is assembled, each figure is computed once.

    The headline rows, the sections and the add-ons ask for the same counts (visits, first
    visits, cases past their targets …) many times; inside this block a figure function
    asked again with the same arguments answers with its first result instead of running
    its query again. The answers live only as long as the block (one request), so they
    cannot outlive the data they were read from. Nested blocks share the outer answers.
    """
    if _answers.get() is not None:
        yield
        return
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def _hashable(value):
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(_hashable(item) for item in value)
    return value


def once(function: Callable) -> Callable:
    """Make ``function`` (a figure: plain data from the database) answer repeated calls
    from memory inside :func:`computed_once`; outside it, every call runs its query."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        answers = _answers.get()
        if answers is None:
            return function(*args, **kwargs)
        key = (function.__module__, function.__qualname__, _hashable(args),
               _hashable(sorted(kwargs.items())))
        if key not in answers:
            answers[key] = function(*args, **kwargs)
        return answers[key]

    return wrapper


# --- SQL building blocks -----------------------------------------------------------------

WAIT_END = sa.func.coalesce(VisitStop.called_at, VisitStop.started_at)


def visits_in(centre_ids, span: Span) -> tuple:
    """Where-conditions: the visits of these centres on the span's days."""
    return (Visit.centre_id.in_(centre_ids), Visit.visit_date >= span.first,
            Visit.visit_date < span.end)


def visit_rows_in(centre_ids, span: Span, visit_id) -> tuple:
    """Where-conditions: the rows of a table of visit details (stops, purposes, suggestions;
    ``visit_id`` its column) that belong to the visits of these centres on the span's days.

    Besides the visits' own conditions, the details' ``visit_id`` is bounded by each centre's
    lowest and highest id of those visits. It changes no answer (the join already says which
    visit a row belongs to), but visits are numbered as they arrive, so a centre's month is
    one short run of ids and the database reads that run of each detail table through its
    ``visit_id`` index, instead of hashing every stop of the history. Per centre, because
    the centres' runs interleave only when their visits were registered live: a centre whose
    history was loaded in one go (a migration from its old system, ``seed-synthetic``) has
    its own run, and one run from the lowest to the highest id of a month of all centres is
    then the whole table (docs/performance.md, "The national roll-up at 12,000,000 visits").
    Overlapping runs are merged, so interleaved centres read one run.
    """
    ranges = _visit_id_ranges(centre_ids, span)
    return (*visits_in(centre_ids, span),
            sa.or_(sa.false(), *(visit_id.between(low, high) for low, high in ranges)))


@once
def _visit_id_ranges(centre_ids, span: Span) -> list[tuple[int, int]]:
    """The runs of ids of the span's visits: each centre's lowest to highest, overlapping
    runs merged, in order."""
    # "id + 0", not "id": PostgreSQL answers a plain min(id)/max(id) by walking the primary
    # key from either end until a row of the span turns up (half the table for a month a
    # year and a half ago); on an expression it reads the span's rows from the day index.
    runs = sorted((low, high) for _centre, low, high in db.session.execute(
        sa.select(Visit.centre_id, sa.func.min(Visit.id + 0), sa.func.max(Visit.id + 0))
        .where(*visits_in(centre_ids, span)).group_by(Visit.centre_id)))
    merged: list[tuple[int, int]] = []
    for low, high in runs:
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def probe(*conditions):
    """SQL: 1 if a row meets the conditions, else NULL: "has one", for conditions on the rows
    of one outer row (a case's goals, a visitor's customer types).

    Unlike ``EXISTS``, a sub-query with ``LIMIT`` is never turned into a hash of the whole
    inner table: PostgreSQL probes its index once per outer row (the ~10,000 open cases,
    the month's ~27,000 visits: a few ms) instead of reading the centre's whole history."""
    return sa.select(sa.literal(1)).where(*conditions).limit(1).scalar_subquery()


def served_stop():
    return VisitStop.started_at.is_not(None)


def waited_stop():
    return sa.and_(VisitStop.queued_at.is_not(None), WAIT_END.is_not(None))


def _count_if(condition):
    """SQL: how many rows meet ``condition``, an integer on every engine (PostgreSQL's sum
    of integers is a ``bigint`` or ``numeric``, which the API would send as text)."""
    return sa.cast(sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0),
                   sa.Integer)


def _keyed(rows) -> dict:
    """``[(key, value), …]`` → ``{key: value}``; ``[(key, v1, v2…)]`` → ``{key: (v1, v2…)}``."""
    return {row[0]: (row[1] if len(row) == 2 else tuple(row[1:])) for row in rows}


# --- visits ------------------------------------------------------------------------------

@once
def visit_totals(centre_ids, span: Span) -> dict[int, dict[str, int]]:
    """Per centre: visits, distinct people, anonymous visits."""
    rows = db.session.execute(
        sa.select(Visit.centre_id, sa.func.count(Visit.id),
                  sa.func.count(sa.distinct(Visit.client_id)),
                  _count_if(Visit.client_id.is_(None)))
        .where(*visits_in(centre_ids, span))
        .group_by(Visit.centre_id)
    )
    return {cid: {"visits": v, "people": p, "anonymous": a} for cid, v, p, a in rows}


@once
def first_time_people(centre_ids, span: Span) -> dict[int, int]:
    """Per centre: people whose first visit to the centre fell in the span."""
    return _keyed(db.session.execute(
        sa.select(FirstVisit.centre_id, sa.func.count())
        .where(*_first_visits_in(centre_ids, span))
        .group_by(FirstVisit.centre_id)))


def _first_visits_in(centre_ids, span: Span) -> tuple:
    """Where-conditions on :class:`FirstVisit`: the people of these centres whose first visit
    there fell on the span's days.

    The same people as "the span's visits by people not seen at the centre before it": a
    person with a visit in the span and none before has the first visit in the span, and the
    reverse. The table is kept with every visit written (``intake.models``), so this reads
    one range of its (centre, day) index instead of each visitor's history.
    """
    return (FirstVisit.centre_id.in_(centre_ids), FirstVisit.first_date >= span.first,
            FirstVisit.first_date < span.end)


def first_visit_ids(centre_ids, span: Span):
    """SQL: the client ids of :func:`first_time_people` (for the list behind the figure)."""
    return sa.select(FirstVisit.client_id).where(*_first_visits_in(centre_ids, span))


@once
def visits_per_day(centre_id: int, span: Span) -> dict:
    return _keyed(db.session.execute(
        sa.select(Visit.visit_date, sa.func.count(Visit.id))
        .where(*visits_in([centre_id], span))
        .group_by(Visit.visit_date)
    ))


def visits_by_purpose(centre_id: int, span: Span, domains=None) -> dict[Domain, int]:
    """Visits per purpose domain (a visit with two purposes counts under each); only the
    ``domains`` given, if any."""
    counts = _visits_by_purpose(centre_id, span)
    if domains is None:
        return counts
    return {domain: count for domain, count in counts.items() if domain in domains}


@once
def _visits_by_purpose(centre_id: int, span: Span) -> dict[Domain, int]:
    return _keyed(db.session.execute(
        sa.select(VisitPurpose.domain, sa.func.count(Visit.id))
        .join(Visit, Visit.id == VisitPurpose.visit_id)
        .where(*visit_rows_in([centre_id], span, VisitPurpose.visit_id))
        .group_by(VisitPurpose.domain)
    ))


@once
def visits_by_customer_type(centre_id: int, span: Span) -> tuple[list[tuple[str, int]], int]:
    """Visits per policy-customer type of the visitor, in the vocabulary's order, and the
    number of visits whose visitor has at least one type.

    The month's visits are counted per visitor first (~19,000 people for ~27,000 visits), so
    the join with the people's types starts from them."""
    per_person = (sa.select(Visit.client_id, sa.func.count().label("visits"))
                  .where(*visits_in([centre_id], span)).group_by(Visit.client_id).subquery())
    rows = db.session.execute(
        sa.select(CustomerType.name, sa.func.sum(per_person.c.visits))
        .select_from(per_person)
        .join(client_customer_types, client_customer_types.c.client_id == per_person.c.client_id)
        .join(CustomerType, CustomerType.code == client_customer_types.c.customer_type_code)
        .group_by(CustomerType.code, CustomerType.name, CustomerType.sort_order)
        .order_by(CustomerType.sort_order)
    ).all()
    typed = db.session.scalar(
        sa.select(sa.func.count()).select_from(Visit)
        .where(*visits_in([centre_id], span),
               probe(client_customer_types.c.client_id == Visit.client_id).is_not(None)))
    return [(name, int(count)) for name, count in rows], typed or 0


@once
def visits_per_agency(centre_ids, span: Span, *, served: bool) -> dict[int, int]:
    """Per agency: visits served there (``served``), or visits that queued there."""
    condition = served_stop() if served else VisitStop.queued_at.is_not(None)
    return _keyed(db.session.execute(
        sa.select(VisitStop.agency_id, sa.func.count(sa.distinct(Visit.id)))
        .join(Visit, Visit.id == VisitStop.visit_id)
        .where(*visit_rows_in(centre_ids, span, VisitStop.visit_id), condition)
        .group_by(VisitStop.agency_id)
    ))


@once
def waiting_now(centre_id: int, day) -> dict[int, int]:
    """Per agency: visitors waiting at the desk now (today's visits)."""
    return _keyed(db.session.execute(
        sa.select(VisitStop.agency_id, sa.func.count(VisitStop.id))
        .join(Visit, Visit.id == VisitStop.visit_id)
        .where(Visit.centre_id == centre_id, Visit.visit_date == day,
               VisitStop.status == StopStatus.WAITING)
        .group_by(VisitStop.agency_id)
    ))


# --- waits -------------------------------------------------------------------------------

@once
def wait_sums(centre_ids, span: Span, *, by: str = "centre") -> dict[int, tuple[float, int]]:
    """Per centre (or per agency with ``by="agency"``): (sum of wait seconds, desk stops)."""
    key = Visit.centre_id if by == "centre" else VisitStop.agency_id
    return _keyed(db.session.execute(
        sa.select(key, sa.func.sum(seconds_between(VisitStop.queued_at, WAIT_END)),
                  sa.func.count(VisitStop.id))
        .join(Visit, Visit.id == VisitStop.visit_id)
        .where(*visit_rows_in(centre_ids, span, VisitStop.visit_id), waited_stop())
        .group_by(key)
    ))


@once
def wait_percentile(centre_id: int, span: Span, fraction: float = 0.9, *,
                    method: str | None = None) -> float | None:
    """The ``fraction`` percentile of desk waits in seconds (see core.database.percentile);
    None when nobody waited."""
    seconds = seconds_between(VisitStop.queued_at, WAIT_END).label("seconds")
    waits = (sa.select(seconds).join(Visit, Visit.id == VisitStop.visit_id)
             .where(*visit_rows_in([centre_id], span, VisitStop.visit_id), waited_stop()).subquery())
    return percentile(waits, fraction, method=method)


# --- the one-stop effect -----------------------------------------------------------------

def _agencies_served_per_visit(centre_ids, span: Span):
    """(centre_id, visit_id, agencies): the span's visits served at a desk, with how many
    agencies served each.

    Grouped by ``id + 0``, not the visit's key: by the key, PostgreSQL underestimated the
    groups (the stops' 100 id runs of a national month) and walked the whole primary key of
    ``visits`` in order for a sorted aggregate (2.3 s of the statement's 4.2 s at 12,000,000
    visits); by an expression it hashes the month's visits."""
    visit_id = (Visit.id + 0).label("visit_id")
    return (
        sa.select(Visit.centre_id.label("centre_id"), visit_id,
                  sa.func.count(sa.distinct(VisitStop.agency_id)).label("agencies"))
        .join(VisitStop, VisitStop.visit_id == Visit.id)
        .where(*visit_rows_in(centre_ids, span, VisitStop.visit_id), served_stop())
        .group_by(Visit.centre_id, visit_id)
        .subquery()
    )


@once
def one_stop(centre_ids, span: Span) -> dict[int, dict[str, int]]:
    """Per centre: visits served by 2+ agencies, trips saved (agencies served beyond the
    first, summed over visits), visits served at all, and desk-to-desk hand-offs (a later
    desk of the same visit where the visitor was queued)."""
    served = _agencies_served_per_visit(centre_ids, span)
    result = {
        cid: {"multi_agency": multi, "trips_saved": saved, "served_visits": visits,
              "handoffs": 0}
        for cid, multi, saved, visits in db.session.execute(
            sa.select(served.c.centre_id, _count_if(served.c.agencies >= 2),
                      sa.cast(sa.func.coalesce(sa.func.sum(served.c.agencies - 1), 0),
                              sa.Integer),
                      sa.func.count())
            .group_by(served.c.centre_id))
    }
    for cid, queued, visits in db.session.execute(
        sa.select(Visit.centre_id, sa.func.count(VisitStop.id),
                  sa.func.count(sa.distinct(VisitStop.visit_id)))
        .join(VisitStop, VisitStop.visit_id == Visit.id)
        .where(*visit_rows_in(centre_ids, span, VisitStop.visit_id), VisitStop.queued_at.is_not(None))
        .group_by(Visit.centre_id)
    ):
        result.setdefault(cid, {"multi_agency": 0, "trips_saved": 0, "served_visits": 0})
        result[cid]["handoffs"] = queued - visits
    return result


@once
def agencies_served_distribution(centre_id: int, span: Span) -> dict[int, int]:
    """Visits by the number of agencies that served them (1, 2, 3 …)."""
    served = _agencies_served_per_visit([centre_id], span)
    return _keyed(db.session.execute(
        sa.select(served.c.agencies, sa.func.count()).group_by(served.c.agencies)
        .order_by(served.c.agencies)))


# --- suggestions and unmet needs ---------------------------------------------------------

def suggestions_by_domain(centre_id: int, span: Span, domains=None) -> dict[Domain, tuple[int, int]]:
    """Per service domain: (services suggested at intake, visits they were suggested in);
    only the ``domains`` given, if any."""
    counts = _suggestions_by_domain(centre_id, span)
    if domains is None:
        return counts
    return {domain: count for domain, count in counts.items() if domain in domains}


@once
def _suggestions_by_domain(centre_id: int, span: Span) -> dict[Domain, tuple[int, int]]:
    return _keyed(db.session.execute(
        sa.select(Service.domain, sa.func.count(),
                  sa.func.count(sa.distinct(VisitSuggestion.visit_id)))
        .select_from(VisitSuggestion)
        .join(Visit, Visit.id == VisitSuggestion.visit_id)
        .join(Service, Service.id == VisitSuggestion.service_id)
        .where(*visit_rows_in([centre_id], span, VisitSuggestion.visit_id))
        .group_by(Service.domain)
    ))


@once
def suggestion_totals(centre_id: int, span: Span) -> tuple[int, int]:
    """(suggestions made, visits with at least one suggestion)."""
    row = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(VisitSuggestion.visit_id)))
        .select_from(VisitSuggestion)
        .join(Visit, Visit.id == VisitSuggestion.visit_id)
        .where(*visit_rows_in([centre_id], span, VisitSuggestion.visit_id))
    ).one()
    return row[0], row[1]


@once
def top_suggested_services(centre_id: int, span: Span, limit: int = 15,
                           domains=None) -> list[tuple[str, Domain, int]]:
    """The services suggested most often: (name, domain, times suggested)."""
    times = sa.func.count().label("times")
    query = (sa.select(Service.name, Service.domain, times)
             .select_from(VisitSuggestion)
             .join(Visit, Visit.id == VisitSuggestion.visit_id)
             .join(Service, Service.id == VisitSuggestion.service_id)
             .where(*visit_rows_in([centre_id], span, VisitSuggestion.visit_id))
             .group_by(Service.id, Service.name, Service.domain)
             .order_by(times.desc(), Service.name)
             .limit(limit))
    if domains is not None:
        query = query.where(Service.domain.in_(domains))
    return [tuple(row) for row in db.session.execute(query)]


# --- labels ------------------------------------------------------------------------------

@once
def agency_labels(centre_ids) -> dict[int, Agency]:
    """The centres' agencies by id, in their order (names for the tables, not counts)."""
    return {a.id: a for a in db.session.scalars(
        sa.select(Agency).where(Agency.centre_id.in_(centre_ids)).order_by(Agency.id))}
