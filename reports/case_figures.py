"""The case figures of the reports, as SQL aggregates (see :mod:`reports.figures` for the
conventions): cases opened, closed and open at a moment, past their time targets, and unmet
needs recorded in plans.

Definitions:

- a case is *closed at* a moment when its last status change before then closed it (a case
  reopened later was still closed then), and *open at* a moment when it was opened before
  and not closed then;
- a case was *closed in* a span when it was closed then, even if reopened since; the reason
  counted is the one of that closing (kept on its event);
- a case is *past its time targets* at a moment when, open then, it had no assessment
  recorded within the centre's assessment days, no plan goal within its plan days, or a
  plan goal whose target date had passed while still open;
- an *unmet need* belongs to the span in which a plan goal was first recorded as "no
  service available".
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from cases.models import (
    OPEN_GOAL_STATUSES,
    Case,
    CaseEvent,
    CaseStatus,
    ClosureReason,
    GoalStatus,
    PlanGoal,
)
from centers.models import Agency, Centre, Staff
from core.clock import SEOUL
from core.database import dialect_name
from core.extensions import db
from reports.figures import _count_if, _keyed, once, probe
from reports.periods import Span

# --- a case's state at a moment ------------------------------------------------------------

def case_closed_at(moment: datetime):
    """SQL: the case was closed at ``moment``.

    Its status then is the one its last status change before ``moment`` gave it. A case
    with no change since (the usual case) needs no look at its history: closed then when
    it is closed now and was closed before ``moment``. A case reopened after ``moment`` was
    still closed at ``moment`` (November's closure is not undone by a reopening in December).
    """
    changed_since = changed_status_since(moment)
    status_then = (sa.select(CaseEvent.to_status)
                   .where(CaseEvent.case_id == Case.id, CaseEvent.at < moment)
                   .order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).limit(1)
                   .scalar_subquery())
    # Both branches are true or false, never NULL (a NOT of NULL would drop open cases).
    return sa.or_(
        sa.and_(Case.closed_at.is_not(None), Case.closed_at < moment, ~changed_since),
        sa.and_(changed_since,
                sa.func.coalesce(status_then, sa.literal("")) == CaseStatus.CLOSED.value))


def changed_status_since(moment: datetime, case=Case):
    """SQL: the case's status changed at or after ``moment`` (its last event's instant, kept
    on the case row; never NULL, so a NOT of it is safe)."""
    return sa.and_(case.status_changed_at.is_not(None), case.status_changed_at >= moment)


def case_open_at(moment: datetime):
    return sa.and_(Case.opened_at < moment, ~case_closed_at(moment))


def may_count_since(moment: datetime):
    """SQL: the case may count in a figure from ``moment`` on: it was not closed before then
    and left alone since (still open, closed at or after ``moment``, opened then or later, or
    changed since).

    It adds nothing to a figure's own conditions: a case closed before ``moment`` with no
    status change since was closed all along, so it is neither opened, closed nor open in
    any span from ``moment`` on, nor open at any later moment. But each condition is a case
    column with its own index (the last status change is kept on the case row), so the
    database reads the few thousand cases of the span from four index ranges instead of
    every case of the centres' history: PostgreSQL combines them (``BitmapOr``); SQLite,
    given the same OR, reads the centre's whole index instead, so there it is a union of
    the four ranges' ids.
    """
    if dialect_name() == "postgresql":
        return sa.or_(*_may_count_conditions(Case, moment))
    case = sa.orm.aliased(Case)
    return Case.id.in_(sa.union(*(sa.select(case.id).where(condition)
                                  for condition in _may_count_conditions(case, moment))))


def _may_count_conditions(case, moment: datetime) -> tuple:
    return (case.closed_at.is_(None), case.closed_at >= moment, case.opened_at >= moment,
            changed_status_since(moment, case))


def _closed_now_in(span: Span):
    return sa.and_(Case.status == CaseStatus.CLOSED, Case.closed_at >= span.start_utc,
                   Case.closed_at < span.end_utc)


def _closing_events_in(span: Span):
    return (CaseEvent.case_id == Case.id, CaseEvent.to_status == CaseStatus.CLOSED,
            CaseEvent.at >= span.start_utc, CaseEvent.at < span.end_utc)


def case_closed_in(span: Span):
    """SQL: the case was closed in the span (and stays counted there if reopened later).

    Only a case whose status changed since the span began can have a closing event in it,
    so the events are looked at for those alone."""
    return sa.or_(_closed_now_in(span), sa.and_(changed_status_since(span.start_utc),
                                                sa.exists().where(*_closing_events_in(span))))


def closure_reason_in(span: Span):
    """SQL: the reason of the case's closing in the span: the case's own while it is still
    closed from then, else the one its closing event kept."""
    kept = (sa.select(CaseEvent.closure_reason).where(*_closing_events_in(span))
            .order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).limit(1).scalar_subquery())
    return sa.case((_closed_now_in(span), Case.closure_reason), else_=kept)


def _late_cases(centre_ids, moment: datetime) -> sa.Subquery:
    """(case_id, centre_id, agency_id, assessment, plan, goals): each case of the centres
    open at ``moment``, with 1 for each time target it was past then (0 otherwise).

    One pass over the open cases (:func:`may_count_since` finds them through indexes). The
    assessment and plan targets compare the instants kept on the case row (its first
    assessment, its first goal); the goals' target dates are probed by the goals'
    ``case_id`` index for the cases that had a goal then.
    The instant before which a case had to be opened to be late is computed here from the
    centre's target days, so the database compares with a plain timestamp.

    A goal's past status is not kept: one achieved or stopped after ``moment`` (its last
    change, ``updated_at``, is later) counts as still open then.
    """
    today = moment.astimezone(SEOUL).date()
    no_assessment = sa.and_(_opened_before_target(centre_ids, moment, "assessment_due_days"),
                            _not_before(Case.first_assessment_at, moment))
    no_plan = sa.and_(_opened_before_target(centre_ids, moment, "plan_due_days"),
                      _not_before(Case.first_goal_at, moment))
    goals_late = sa.and_(Case.first_goal_at < moment, probe(
        PlanGoal.case_id == Case.id, PlanGoal.created_at < moment, PlanGoal.target_date < today,
        sa.or_(PlanGoal.status.in_(OPEN_GOAL_STATUSES), PlanGoal.updated_at >= moment)
    ).is_not(None))
    return (sa.select(Case.id.label("case_id"), Case.centre_id, Case.agency_id,
                      _flag(no_assessment).label("assessment"), _flag(no_plan).label("plan"),
                      _flag(goals_late).label("goals"))
            .where(Case.centre_id.in_(centre_ids), may_count_since(moment),
                   case_open_at(moment))
            .subquery())


def _not_before(instant, moment: datetime):
    """SQL: the instant (a case column) had not come yet at ``moment``, or never came."""
    return sa.or_(instant.is_(None), instant >= moment)


def _flag(condition):
    return sa.case((condition, 1), else_=0)


def _opened_before_target(centre_ids, moment: datetime, target: str):
    """SQL: the case was opened more than its centre's ``target`` days (a column of
    :class:`Centre`) before ``moment``: one condition per distinct number of days."""
    centres_by_days: dict[int, list[int]] = {}
    for centre_id, days in _target_days(centre_ids, target).items():
        centres_by_days.setdefault(days, []).append(centre_id)
    return sa.or_(sa.false(), *(
        sa.and_(Case.centre_id.in_(ids), Case.opened_at < moment - timedelta(days=days))
        for days, ids in sorted(centres_by_days.items())))


@once
def _target_days(centre_ids, target: str) -> dict[int, int]:
    column = getattr(Centre, target)
    return dict(db.session.execute(
        sa.select(Centre.id, column).where(Centre.id.in_(centre_ids))).all())


def past_target_case_ids(centre_ids, moment: datetime) -> sa.Select:
    """SQL: the ids of the centres' cases open and past a time target at ``moment``."""
    late = _late_cases(centre_ids, moment)
    return sa.select(late.c.case_id).where(late.c.assessment + late.c.plan + late.c.goals > 0)


# --- cases -------------------------------------------------------------------------------

def _case_measures(span: Span):
    start, end = span.start_utc, span.end_utc
    opened = sa.and_(Case.opened_at >= start, Case.opened_at < end)
    closed = case_closed_in(span)
    return (_count_if(opened), _count_if(closed),
            _count_if(sa.and_(closed, closure_reason_in(span) == ClosureReason.EMPLOYED.value)),
            _count_if(case_open_at(end)))


CASE_MEASURES = ("opened", "closed", "employed", "open_at_end")


def case_totals(centre_ids, span: Span, *, by: str = "centre",
                agency_kinds=None) -> dict[int, dict[str, int]]:
    """Per centre (or ``by="agency"``/``"caseworker"``): cases opened and closed in the
    span, closed as employed, open at its end; only cases of the ``agency_kinds`` if given.

    Every grouping is a sum of the same counts per (centre, agency, caseworker), counted
    once per span (:func:`_case_totals_by_desk`)."""
    position = {"centre": 0, "agency": 1, "caseworker": 2}[by]
    kinds = _agency_kinds() if agency_kinds is not None else {}
    result: dict[int, dict[str, int]] = {}
    for key, values in _case_totals_by_desk(centre_ids, span).items():
        if agency_kinds is not None and kinds.get(key[1]) not in agency_kinds:
            continue
        sums = result.setdefault(key[position], dict.fromkeys(CASE_MEASURES, 0))
        for measure in CASE_MEASURES:
            sums[measure] += values[measure]
    return result


@once
def _case_totals_by_desk(centre_ids, span: Span) -> dict[tuple, dict[str, int]]:
    """Per (centre, agency, caseworker) with a case opened before the span's end: the
    measures of :func:`case_totals` (zeros included), counted over the cases that can count
    in the span (:func:`may_count_since`)."""
    keys = (Case.centre_id, Case.agency_id, Case.caseworker_id)
    totals = {key: dict.fromkeys(CASE_MEASURES, 0)
              for key, first in _desks_first_opened(centre_ids).items() if first < span.end_utc}
    # The centre as an expression: grouped by the column, PostgreSQL read every case of the
    # centres from the centre index for its order (1.0 s at 2,000,000 cases) instead of the
    # few thousand that can count from their own indexes.
    keys = (Case.centre_id + 0, Case.agency_id, Case.caseworker_id)
    measured = (sa.select(*keys, *_case_measures(span))
                .where(Case.centre_id.in_(centre_ids), Case.opened_at < span.end_utc,
                       may_count_since(span.start_utc))
                .group_by(*keys))
    for centre_id, agency_id, caseworker_id, *values in db.session.execute(measured):
        totals[(centre_id, agency_id, caseworker_id)] = dict(zip(CASE_MEASURES, values,
                                                                 strict=True))
    return totals


@once
def _desks_first_opened(centre_ids) -> dict[tuple, datetime]:
    """(centre, agency, caseworker) → when its first case was opened: one scan of the
    centres' cases per report, however many spans it counts."""
    keys = (Case.centre_id, Case.agency_id, Case.caseworker_id)
    return {(centre_id, agency_id, caseworker_id): first
            for centre_id, agency_id, caseworker_id, first in db.session.execute(
                sa.select(*keys, sa.func.min(Case.opened_at))
                .where(Case.centre_id.in_(centre_ids)).group_by(*keys))}


@once
def _agency_kinds() -> dict[int, object]:
    return dict(db.session.execute(sa.select(Agency.id, Agency.kind)).all())


@once
def closures_by_reason(centre_id: int, span: Span) -> dict[ClosureReason, int]:
    reason = closure_reason_in(span).label("reason")
    rows = db.session.execute(
        sa.select(reason, sa.func.count(Case.id))
        .where(Case.centre_id == centre_id, case_closed_in(span),
               may_count_since(span.start_utc))
        .group_by(reason))
    return {ClosureReason(value) if value else None: count for value, count in rows}


@once
def caseworker_names(centre_id: int) -> dict[int, tuple[str, str]]:
    """Staff id → (display name, agency name) for the centre's caseworkers (labels only)."""
    rows = db.session.execute(
        sa.select(Staff.id, Staff.display_name, sa.func.coalesce(Agency.name, ""))
        .outerjoin(Agency, Agency.id == Staff.agency_id)
        .where(Staff.centre_id == centre_id)
    )
    return {sid: (name, agency) for sid, name, agency in rows}


PAST_TARGETS = ("assessment", "plan", "goals", "any")


def past_targets(centre_ids, moment: datetime, *, by: str = "centre") -> dict[int, dict[str, int]]:
    """Per centre (or agency): open cases past each time target at ``moment``, and in all.

    A case belongs to one centre and one agency, so both are sums of the same per-agency
    counts (one query for the report's two tables).
    """
    result: dict[int, dict[str, int]] = {}
    for (centre_id, agency_id), counts in _past_targets(centre_ids, moment).items():
        totals = result.setdefault(centre_id if by == "centre" else agency_id,
                                   dict.fromkeys(PAST_TARGETS, 0))
        for name in PAST_TARGETS:
            totals[name] += counts[name]
    return result


@once
def _past_targets(centre_ids, moment: datetime) -> dict[tuple[int, int], dict[str, int]]:
    """Per (centre, agency): the counts of :func:`past_targets`.

    The open cases are grouped by which targets they are past (at most eight groups per
    agency) and summed here, so each case's flags are worked out once."""
    late = _late_cases(centre_ids, moment)
    flags = (late.c.assessment, late.c.plan, late.c.goals)
    keys = (late.c.centre_id, late.c.agency_id, *flags)
    result: dict[tuple[int, int], dict[str, int]] = {}
    for centre_id, agency_id, *past, cases in db.session.execute(
            sa.select(*keys, sa.func.count()).group_by(*keys)):
        counts = result.setdefault((centre_id, agency_id), dict.fromkeys(PAST_TARGETS, 0))
        for name, flag in zip(PAST_TARGETS, past, strict=False):
            counts[name] += flag * cases
        counts["any"] += cases if any(past) else 0
    return result


def open_now(centre_id: int) -> tuple:
    """Where-conditions: the centre's cases not closed now.

    ``closed_at IS NULL`` says nothing more (closing sets it, reopening clears it) but lets
    both engines read the ~10,000 open cases from its index instead of every case of the
    centre (SQLite took 140 ms for that at 163,000 cases, 8 ms from the index)."""
    return (Case.centre_id == centre_id, Case.closed_at.is_(None),
            Case.status != CaseStatus.CLOSED)


@once
def open_cases_now(centre_id: int) -> dict[int, int]:
    """Per agency: cases not closed now."""
    return _keyed(db.session.execute(
        sa.select(Case.agency_id, sa.func.count(Case.id))
        .where(*open_now(centre_id))
        .group_by(Case.agency_id)
    ))


def _unmet_goals(centre_ids, span: Span):
    """The goals first recorded as "no service available" in the span (a goal re-planned
    later stays counted there); for goals written before that time was kept, the last
    change of a goal that is still "no service"."""
    start, end = span.start_utc, span.end_utc
    # Two ranges (the no-service time, or status and last change), so each is read from its
    # index, not a scan of every goal as one expression of both would be.
    marked = sa.or_(
        sa.and_(PlanGoal.no_service_at >= start, PlanGoal.no_service_at < end),
        sa.and_(PlanGoal.status == GoalStatus.NO_SERVICE, PlanGoal.updated_at >= start,
                PlanGoal.updated_at < end, PlanGoal.no_service_at.is_(None)))
    return (Case.centre_id.in_(centre_ids), marked)


@once
def unmet_needs(centre_ids, span: Span) -> dict[int, int]:
    """Per centre: plan goals recorded as "no service available" in the span (the goal's
    last change, which is when its status was set)."""
    return _keyed(db.session.execute(
        sa.select(Case.centre_id, sa.func.count(PlanGoal.id))
        .join(Case, Case.id == PlanGoal.case_id)
        .where(*_unmet_goals(centre_ids, span))
        .group_by(Case.centre_id)
    ))


@once
def unmet_needs_by_domain(centre_id: int, span: Span) -> dict:
    """Per need domain: (goals with no service available, distinct people)."""
    return _keyed(db.session.execute(
        sa.select(PlanGoal.domain, sa.func.count(PlanGoal.id),
                  sa.func.count(sa.distinct(Case.client_id)))
        .join(Case, Case.id == PlanGoal.case_id)
        .where(*_unmet_goals([centre_id], span))
        .group_by(PlanGoal.domain)
    ))
