"""The headline figures of the reports: the front page's key numbers, their change against the
previous month and the same month a year before, and the national roll-up's columns.

Each headline figure (``HEADLINES``) is computed from additive counts that the functions in
``COUNTERS`` return per centre, so a national total is the sum of the centres' counts. A
closed month's counts are read from its latest edition (:mod:`reports.editions`); a month
still open is counted now.

A feature that adds headline figures (referrals, say) adds a counter with
:func:`register_counter` and the figures with :func:`register_headline`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from centers.models import Centre
from core.types import utcnow
from reports import case_figures, editions, figures
from reports.periods import Month, Span

# --- headline figures --------------------------------------------------------------------

Counts = dict[str, float]
Counter = Callable[[list[int], Span, datetime], dict[int, Counts]]
COUNTERS: list[Counter] = []


def register_counter(counter: Counter) -> Counter:
    if counter not in COUNTERS:
        COUNTERS.append(counter)
    return counter


@dataclass(frozen=True)
class Headline:
    key: str
    label: object
    unit: str
    value: Callable[[Counts], int | float | None]


HEADLINES: list[Headline] = []


def register_headline(headline: Headline) -> None:
    if all(existing.key != headline.key for existing in HEADLINES):
        HEADLINES.append(headline)


def month_end(month: Month, now: datetime | None = None) -> datetime:
    """The instant "at month end" figures are taken: the month's end, or now before it."""
    return min(month.span.end_utc, now or utcnow())


def live_counts(centre_ids: list[int], month: Month) -> dict[int, Counts]:
    """The additive counts behind the headline figures, per centre, computed from the data
    now (as of the month's end). A centre with no activity at all has ``{}``."""
    span, as_of = month.span, month_end(month)
    counts: dict[int, Counts] = {cid: {} for cid in centre_ids}
    for counter in COUNTERS:
        for cid, values in counter(centre_ids, span, as_of).items():
            counts.setdefault(cid, {}).update(values)
    return counts


def headline_counts(centre_ids: list[int], month: Month) -> dict[int, Counts]:
    """The additive counts behind the headline figures, per centre: those stored with the
    month's latest edition where the centre closed it, computed now for the others."""
    closed = editions.latest_editions(centre_ids, month)
    counts = {cid: dict(edition.counts) for cid, edition in closed.items()}
    open_ids = [cid for cid in centre_ids if cid not in closed]
    if open_ids:
        counts.update(live_counts(open_ids, month))
    return counts


def total_counts(per_centre: dict[int, Counts]) -> Counts:
    total: Counts = {}
    for values in per_centre.values():
        for name, value in values.items():
            total[name] = total.get(name, 0) + (value or 0)
    return total


def headline_values(counts: Counts, *, none_without_data: bool = False
                    ) -> dict[str, int | float | None]:
    """Each headline figure from the counts. With ``none_without_data``, all "no value" for
    a centre without any data that month (a comparison month before it opened shows —, not
    0)."""
    if not counts and none_without_data:
        return dict.fromkeys(headline.key for headline in HEADLINES)
    return {headline.key: headline.value(counts) for headline in HEADLINES}


def ratio(part: float | None, whole: float | None, scale: float = 1.0,
           digits: int = 1) -> float | None:
    if not whole:
        return None
    return round((part or 0) * scale / whole, digits)


@register_counter
def _visit_counts(ids, span, as_of):
    result: dict[int, Counts] = {}
    for cid, values in figures.visit_totals(ids, span).items():
        result.setdefault(cid, {}).update(values)
    for cid, people in figures.first_time_people(ids, span).items():
        result.setdefault(cid, {})["first_time"] = people
    for cid, (seconds, stops) in figures.wait_sums(ids, span).items():
        result.setdefault(cid, {}).update(wait_seconds=float(seconds or 0), wait_stops=stops)
    for cid, values in figures.one_stop(ids, span).items():
        result.setdefault(cid, {}).update(values)
    return result


@register_counter
def _case_counts(ids, span, as_of):
    result: dict[int, Counts] = {cid: dict(values) for cid, values in
                                 case_figures.case_totals(ids, span).items()}
    for cid, values in case_figures.past_targets(ids, as_of).items():
        result.setdefault(cid, {})["past_targets"] = values["any"]
    for cid, goals in case_figures.unmet_needs(ids, span).items():
        result.setdefault(cid, {})["unmet"] = goals
    return result


def count_of(name: str) -> Callable[[Counts], int]:
    return lambda counts: int(counts.get(name, 0))


for _headline in (
    Headline("visits", _l("방문 건수"), "count", count_of("visits")),
    Headline("people", _l("방문 인원"), "people", count_of("people")),
    Headline("first_time", _l("처음 방문한 사람"), "people", count_of("first_time")),
    Headline("avg_wait", _l("평균 대기 시간"), "minutes",
             lambda c: ratio(c.get("wait_seconds"), c.get("wait_stops"), 1 / 60)),
    Headline("multi_agency_share", _l("두 기관 이상 이용 비율"), "percent",
             lambda c: ratio(c.get("multi_agency"), c.get("visits"), 100)),
    Headline("trips_saved", _l("줄어든 기관 방문"), "count", count_of("trips_saved")),
    Headline("cases_opened", _l("신규 사례"), "count", count_of("opened")),
    Headline("cases_closed", _l("종결 사례"), "count", count_of("closed")),
    Headline("employed", _l("취업 종결"), "count", count_of("employed")),
    Headline("open_at_end", _l("월말 진행 사례"), "count", count_of("open_at_end")),
    Headline("past_targets", _l("기한 지난 사례"), "count", count_of("past_targets")),
    Headline("unmet", _l("서비스 없음 욕구"), "count", count_of("unmet")),
):
    register_headline(_headline)


@dataclass
class HeadlineRow:
    key: str
    label: str
    unit: str
    value: int | float | None
    previous: int | float | None
    year_before: int | float | None

    @property
    def change_previous(self):
        return _difference(self.value, self.previous)

    @property
    def change_previous_pct(self):
        return _relative(self.value, self.previous, self.unit)

    @property
    def change_year(self):
        return _difference(self.value, self.year_before)

    @property
    def change_year_pct(self):
        return _relative(self.value, self.year_before, self.unit)


def _difference(now, then):
    if now is None or then is None:
        return None
    return round(now - then, 1) if isinstance(now, float) or isinstance(then, float) else now - then


def _relative(now, then, unit):
    """Change in percent of the earlier value; none for percentages (the points say it)."""
    if unit == "percent" or now is None or not then:
        return None
    return round((now - then) * 100 / then, 1)


def headline_rows(centre: Centre, month: Month) -> list[HeadlineRow]:
    """The headline figures of the month (computed now) against the previous month and the
    same month a year before (from their latest editions where closed)."""
    values = {m: headline_values(headline_counts([centre.id], m).get(centre.id, {}),
                                 none_without_data=True)
              for m in (month.previous(), month.year_before())}
    values[month] = headline_values(live_counts([centre.id], month).get(centre.id, {}))
    return [
        HeadlineRow(h.key, str(h.label), h.unit, values[month][h.key],
                    values[month.previous()][h.key], values[month.year_before()][h.key])
        for h in HEADLINES
    ]
