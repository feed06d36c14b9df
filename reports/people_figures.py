"""Figures about the people a centre serves, and figures per month over a year, as SQL
aggregates (see :mod:`reports.figures` for the conventions).

- a person is *registered* in the month their record was created at the centre;
- a visitor *left before being called* when a desk stop they queued at was cancelled
  without being called or started and the visit ended as "went home"; their wait is from
  the ticket to the visit's end;
- sex and age band are those of the month's (named) visitors; age is the age reached by
  the month's last day;
- a month's counts in a year's trend come from one query each, bucketing rows by the
  month they fall in (a ``CASE`` over the months' bounds, the same on every engine).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from cases.models import Case, Client
from core.database import seconds_between
from core.extensions import db
from intake.models import StopStatus, Visit, VisitStatus, VisitStop
from referrals.models import Referral
from reports.figures import _keyed, once, visit_rows_in, visits_in
from reports.periods import Month, Span

#: Age bands: (label key, lowest age) from the oldest down; "under 20" below the last.
AGE_BANDS = (("60+", 60), ("50s", 50), ("40s", 40), ("30s", 30), ("20s", 20), ("under20", 0))


@once
def registrations(centre_ids, span: Span) -> dict[int, int]:
    """Per centre: people registered in the span."""
    return _keyed(db.session.execute(
        sa.select(Client.centre_id, sa.func.count(Client.id))
        .where(Client.centre_id.in_(centre_ids), Client.created_at >= span.start_utc,
               Client.created_at < span.end_utc)
        .group_by(Client.centre_id)))


def _left_before_call():
    return sa.and_(VisitStop.status == StopStatus.SKIPPED, VisitStop.queued_at.is_not(None),
                   VisitStop.called_at.is_(None), VisitStop.started_at.is_(None),
                   Visit.status == VisitStatus.LEFT, Visit.finished_at.is_not(None))


@once
def left_waits(centre_ids, span: Span) -> dict[int, tuple[float, int]]:
    """Per centre: (sum of wait seconds, desk stops) of visitors who left before being called."""
    return {cid: (float(seconds or 0), int(stops)) for cid, seconds, stops in db.session.execute(
        sa.select(Visit.centre_id, sa.func.sum(seconds_between(VisitStop.queued_at,
                                                               Visit.finished_at)),
                  sa.func.count(VisitStop.id))
        .join(Visit, Visit.id == VisitStop.visit_id)
        .where(*visit_rows_in(centre_ids, span, VisitStop.visit_id), _left_before_call())
        .group_by(Visit.centre_id))}


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@once
def sex_and_age(centre_id: int, span: Span) -> dict[tuple[str, str], int]:
    """(sex, age band) → distinct named visitors of the span."""
    last = span.last
    band = sa.case(*((Client.birth_date <= _years_before(last, age), key)
                     for key, age in AGE_BANDS if age), else_="under20")
    people = (sa.select(Visit.client_id.label("client_id")).distinct()
              .where(*visits_in([centre_id], span), Visit.client_id.is_not(None)).subquery())
    rows = db.session.execute(
        sa.select(Client.sex, band, sa.func.count())
        .join(people, people.c.client_id == Client.id)
        .group_by(Client.sex, band))
    return {(str(sex), key): int(count) for sex, key, count in rows}


def _bucket(column, months: list[Month], *, dates: bool = False):
    """SQL: the index in ``months`` (consecutive) of the month ``column`` falls in."""
    return sa.case(*((column < (m.next().first if dates else m.span.end_utc), index)
                     for index, m in enumerate(months)))


@once
def per_month(centre_id: int, months: tuple[Month, ...]) -> dict[str, list[int]]:
    """Visits, visitors, registrations, cases opened and referrals sent in each month of
    ``months`` (consecutive, oldest first)."""
    months = list(months)
    first, end = months[0].span, months[-1].span
    span = Span(first.first, end.end)
    result = {name: [0] * len(months) for name in
              ("visits", "people", "registered", "opened", "sent")}
    visit_month = _bucket(Visit.visit_date, months, dates=True)
    for index, visits, people in db.session.execute(
            sa.select(visit_month, sa.func.count(Visit.id),
                      sa.func.count(sa.distinct(Visit.client_id)))
            .where(*visits_in([centre_id], span)).group_by(visit_month)):
        result["visits"][index], result["people"][index] = int(visits), int(people)
    for name, model, column in (("registered", Client, Client.created_at),
                                ("opened", Case, Case.opened_at),
                                ("sent", Referral, Referral.sent_at)):
        bucket = _bucket(column, months)
        for index, count in db.session.execute(
                sa.select(bucket, sa.func.count())
                .where(model.centre_id == centre_id, column >= span.start_utc,
                       column < span.end_utc).group_by(bucket)):
            result[name][index] = int(count)
    return result
