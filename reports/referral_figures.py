"""Referral figures for the reports, all SQL aggregates (see :mod:`reports.figures`).

Definitions: a referral belongs to the month in which it was sent (Seoul time). Everything
about it is taken as of the month's end: an answer (accepted or declined) or a completion
that came next month counts as not there yet, so a referral sent on the last day and
answered next month is unanswered in this month's figures, and they never change later.
"Overdue at month end" is taken at the month's end: sent before it, still awaiting an
answer then, and past its due time.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from core.database import dialect_name, percentile, seconds_between
from core.extensions import db
from intake.models import Visit, VisitSuggestion
from referrals.models import Outcome, Referral, ReferralStatus
from reports.figures import (
    _agencies_served_per_visit,
    _count_if,
    _keyed,
    once,
    visit_rows_in,
    visits_in,
)
from reports.periods import Span


def sent_in(centre_ids, span: Span) -> tuple:
    return (Referral.centre_id.in_(centre_ids), Referral.sent_at >= span.start_utc,
            Referral.sent_at < span.end_utc)


def awaiting_at(moment: datetime):
    """SQL: at ``moment`` the referral had been sent, not answered and not closed."""
    return sa.and_(Referral.sent_at < moment,
                   sa.or_(Referral.responded_at.is_(None), Referral.responded_at > moment),
                   sa.or_(Referral.closed_at.is_(None), Referral.closed_at > moment))


def overdue_at(moment: datetime):
    return sa.and_(awaiting_at(moment), Referral.due_at < moment)


def answered_by(moment: datetime):
    """SQL: accepted or declined before ``moment``."""
    return sa.and_(Referral.responded_at.is_not(None), Referral.responded_at < moment)


def completed_by(moment: datetime):
    return sa.and_(Referral.status == ReferralStatus.COMPLETED, Referral.closed_at < moment)


def cancelled_by(moment: datetime):
    return sa.and_(Referral.status == ReferralStatus.CANCELLED, Referral.closed_at < moment)


STATES_AT_END = ("awaiting", "accepted", "declined", "completed", "cancelled")


@once
def states_at(centre_id: int, span: Span, as_of: datetime) -> dict[str, int]:
    """The month's referrals by where they stood at ``as_of``: awaiting an answer,
    accepted (in progress), declined, completed, cancelled."""
    state = sa.case(
        (completed_by(as_of), "completed"), (cancelled_by(as_of), "cancelled"),
        (sa.and_(answered_by(as_of), Referral.decline_reason.is_not(None)), "declined"),
        (answered_by(as_of), "accepted"), else_="awaiting")
    return {name: int(count) for name, count in db.session.execute(
        sa.select(state, sa.func.count()).where(*sent_in([centre_id], span)).group_by(state))}


@once
def decline_reasons(centre_id: int, span: Span, as_of: datetime) -> dict:
    """The month's referrals declined by ``as_of``, per decline reason."""
    return _keyed(db.session.execute(
        sa.select(Referral.decline_reason, sa.func.count())
        .where(*sent_in([centre_id], span), answered_by(as_of),
               Referral.decline_reason.is_not(None))
        .group_by(Referral.decline_reason)))


@once
def referral_totals(centre_ids, span: Span, as_of: datetime, *,
                    by: str = "centre") -> dict[int, dict[str, int]]:
    """Per centre (or per receiving agency): sent, answered, accepted, declined, answered
    within target, completed, seconds to the answer (summed), and overdue at month end.

    Everything is as of ``as_of`` (the month's end): an answer or a completion that came
    later counts as not yet there, so a month's figures do not change afterwards.
    """
    key = Referral.centre_id if by == "centre" else Referral.to_agency_id
    answered = answered_by(as_of)
    rows = db.session.execute(
        sa.select(key, sa.func.count(), _count_if(answered),
                  _count_if(sa.and_(answered, Referral.decline_reason.is_(None))),
                  _count_if(sa.and_(answered, Referral.decline_reason.is_not(None))),
                  _count_if(sa.and_(answered, Referral.responded_at <= Referral.due_at)),
                  _count_if(completed_by(as_of)),
                  sa.func.coalesce(sa.func.sum(sa.case(
                      (answered, seconds_between(Referral.sent_at, Referral.responded_at)))), 0))
        .where(*sent_in(centre_ids, span)).group_by(key))
    names = ("sent", "answered", "accepted", "declined", "within_target", "completed",
             "response_seconds")
    result = {row[0]: dict(zip(names, (*map(int, row[1:-1]), float(row[-1] or 0)), strict=True))
              for row in rows}
    overdue = db.session.execute(
        sa.select(key, sa.func.count()).where(Referral.centre_id.in_(centre_ids),
                                              overdue_at(as_of)).group_by(key))
    for owner, count in overdue:
        result.setdefault(owner, dict.fromkeys(names, 0))["overdue_at_end"] = count
    return result


@once
def matrix(centre_id: int, span: Span) -> dict[tuple[int, int], int]:
    """(sending agency, receiving agency) → referrals sent in the month."""
    rows = db.session.execute(
        sa.select(Referral.from_agency_id, Referral.to_agency_id, sa.func.count())
        .where(*sent_in([centre_id], span))
        .group_by(Referral.from_agency_id, Referral.to_agency_id))
    return {(sender, receiver): count for sender, receiver, count in rows}


@once
def outcomes(centre_id: int, span: Span) -> dict[Outcome, int]:
    return _keyed(db.session.execute(
        sa.select(Referral.outcome, sa.func.count())
        .where(*sent_in([centre_id], span), Referral.outcome.is_not(None),
               Referral.closed_at < span.end_utc)
        .group_by(Referral.outcome)))


@once
def median_response_seconds(centre_id: int, span: Span, *, method: str | None = None
                            ) -> float | None:
    """The median time from sending to the first answer, in seconds.

    See core.database.percentile for how each engine computes it.
    """
    seconds = seconds_between(Referral.sent_at, Referral.responded_at).label("seconds")
    answers = (sa.select(seconds).where(*sent_in([centre_id], span),
                                        answered_by(span.end_utc)).subquery())
    return percentile(answers, 0.5, method=method)


def _referred_on_visit_day(span: Span):
    """SQL: a referral of the visit's person was sent on the visit's (Seoul) day.

    For visits of ``span``, such a referral was sent within the span's UTC instants too;
    saying so changes no answer but lets the database read only the span's referrals from
    the ``sent_at`` index, where the Seoul day of each referral cannot be indexed.
    """
    if dialect_name() == "postgresql":
        sent_day = sa.func.date(sa.func.timezone("Asia/Seoul", Referral.sent_at))
    else:  # SQLite keeps naive UTC text; Seoul is UTC+9 all year (no daylight saving)
        sent_day = sa.func.date(Referral.sent_at, "+9 hours")
    return sa.exists().where(Referral.client_id == Visit.client_id, sent_day == Visit.visit_date,
                             Referral.sent_at >= span.start_utc, Referral.sent_at < span.end_utc)


@once
def visits_leading_to_referral(centre_ids, span: Span) -> dict[int, int]:
    """Per centre: visits of a person on a day a referral of that person was sent."""
    return _keyed(db.session.execute(
        sa.select(Visit.centre_id, sa.func.count())
        .where(*visits_in(centre_ids, span), _referred_on_visit_day(span))
        .group_by(Visit.centre_id)))


@once
def one_stop_visits(centre_ids, span: Span) -> dict[int, int]:
    """Per centre: visits served by two or more agencies OR that led to a referral."""
    served = _agencies_served_per_visit(centre_ids, span)
    multi = sa.select(served.c.visit_id).where(served.c.agencies >= 2)
    return _keyed(db.session.execute(
        sa.select(Visit.centre_id, sa.func.count())
        .where(*visits_in(centre_ids, span), sa.or_(Visit.id.in_(multi), _referred_on_visit_day(span)))
        .group_by(Visit.centre_id)))


@once
def referrals_for_suggested(centre_id: int, span: Span) -> dict[int, tuple[int, int]]:
    """Per service suggested at intake in the month: (times suggested, referrals made for
    that service for a person it was suggested to, sent on or after the visit)."""
    suggested = db.session.execute(
        sa.select(VisitSuggestion.service_id, sa.func.count())
        .join(Visit, Visit.id == VisitSuggestion.visit_id)
        .where(*visit_rows_in([centre_id], span, VisitSuggestion.visit_id))
        .group_by(VisitSuggestion.service_id)).all()
    followed = dict(db.session.execute(
        sa.select(Referral.service_id, sa.func.count(sa.distinct(Referral.id)))
        .join(Visit, Visit.client_id == Referral.client_id)
        .join(VisitSuggestion, sa.and_(VisitSuggestion.visit_id == Visit.id,
                                       VisitSuggestion.service_id == Referral.service_id))
        .where(*visit_rows_in([centre_id], span, VisitSuggestion.visit_id),
               Referral.sent_at >= Visit.arrived_at)
        .group_by(Referral.service_id)).all())
    return {service_id: (times, followed.get(service_id, 0)) for service_id, times in suggested}

