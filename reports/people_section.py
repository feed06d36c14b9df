"""The report's sections on who came (registrations, sex and age, anonymous visitors) and
on the year (year-to-date totals, the 12-month trend), with their headline counts."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from centers.models import Sex
from reports import editions, figures
from reports import people_figures as pf
from reports.headlines import Headline, count_of, ratio, register_counter, register_headline
from reports.periods import Month
from reports.sections import (
    Chart,
    Figure,
    ReportContext,
    Section,
    SectionResult,
    Table,
    register_section,
)

AGE_LABELS = {"under20": _l("19세 이하"), "20s": _l("20대"), "30s": _l("30대"), "40s": _l("40대"),
              "50s": _l("50대"), "60+": _l("60세 이상")}
TREND = (("visits", _l("방문 건수")), ("people", _l("방문 인원")), ("registered", _l("신규 등록")),
         ("opened", _l("신규 사례")), ("sent", _l("보낸 의뢰")))


def build_people(context: ReportContext) -> SectionResult:
    """Who came: registrations, anonymous visits, visitors by sex and age band, and the wait
    of those who went home before being called."""
    cid, span = context.centre.id, context.span
    totals = figures.visit_totals(context.ids, span).get(cid, {})
    registered = pf.registrations(context.ids, span).get(cid, 0)
    left_seconds, left_stops = pf.left_waits(context.ids, span).get(cid, (0.0, 0))
    seconds, stops = figures.wait_sums(context.ids, span).get(cid, (None, 0))
    grid = pf.sex_and_age(cid, span)
    bands = [key for key, _age in reversed(pf.AGE_BANDS)]
    rows = [[str(AGE_LABELS[band]), *(grid.get((sex.value, band), 0) for sex in Sex),
             sum(grid.get((sex.value, band), 0) for sex in Sex)] for band in bands]
    return SectionResult(
        key="people", title=_("이용자"),
        figures=[
            Figure(_("신규 등록"), registered, "people"),
            Figure(_("방문 인원"), totals.get("people", 0), "people"),
            Figure(_("익명 방문"), totals.get("anonymous", 0)),
            Figure(_("상담 전 돌아간 창구 대기"), left_stops),
            Figure(_("상담 전 돌아간 사람의 대기 시간"), ratio(left_seconds, left_stops, 1 / 60),
                   "minutes"),
            Figure(_("돌아간 사람 포함 평균 대기 시간"),
                   ratio((seconds or 0) + left_seconds, stops + left_stops, 1 / 60), "minutes"),
        ],
        tables=[Table(_("성별·연령대별 방문 인원"),
                      [_("연령대"), *(sex.label for sex in Sex), _("합계")], rows,
                      footer=[_("합계"), *(sum(v for (s, _b), v in grid.items() if s == sex.value)
                                           for sex in Sex), sum(grid.values())])],
        note=_("익명 방문 %(n)d건은 방문 건수에는 들어가고 방문 인원과 성별·연령대에는 들어가지 "
               "않습니다. 나이는 말일 기준 만 나이입니다.", n=totals.get("anonymous", 0)),
    )


def _trend_months(month: Month) -> list[Month]:
    months = [month]
    while len(months) < 12:
        months.insert(0, months[0].previous())
    return months


def build_trend(context: ReportContext) -> SectionResult:
    """The year: each of the last 12 months (closed months as closed) and this year's total."""
    cid, month = context.centre.id, context.month
    months = _trend_months(month)
    closed = {m: editions.latest_editions([cid], m).get(cid) for m in months[:-1]}
    # Only the months from the first one not closed on are counted now (one query per
    # figure over those months, not over the whole year once the earlier ones are closed).
    first_open = next(i for i, m in enumerate(months) if closed.get(m) is None)
    live = pf.per_month(cid, tuple(months[first_open:]))
    values: dict[Month, dict[str, int]] = {}
    for index, m in enumerate(months):
        edition = closed.get(m)
        counts = edition.counts if edition is not None else None
        values[m] = {key: int(counts.get(key, 0)) if counts is not None
                     else live[key][index - first_open] for key, _label in TREND}
    this_year = [m for m in months if m.year == month.year]
    ytd = {key: sum(values[m][key] for m in this_year) for key, _label in TREND}
    return SectionResult(
        key="trend", title=_("추이와 올해 누계"),
        figures=[Figure(_("올해 누계 방문 건수"), ytd["visits"]),
                 Figure(_("올해 누계 신규 등록"), ytd["registered"], "people"),
                 Figure(_("올해 누계 신규 사례"), ytd["opened"]),
                 Figure(_("올해 누계 보낸 의뢰"), ytd["sent"])],
        charts=[Chart("categories", _("최근 12개월 방문 건수"), [m.key for m in months],
                      [values[m]["visits"] for m in months])],
        tables=[Table(_("최근 12개월 추이"), [_("월"), *(str(label) for _k, label in TREND)],
                      [[m.key, *(values[m][key] for key, _label in TREND)] for m in months],
                      footer=[_("올해 누계"), *(None if key == "people" else ytd[key]
                                               for key, _label in TREND)])],
        note=_("마감한 달은 마감한 판의 수치입니다. 방문 인원은 달마다 센 것이라 누계를 내지 "
               "않습니다."),
    )


@register_counter
def _people_counts(ids, span, as_of):
    result: dict[int, dict] = {cid: {"registered": n} for cid, n in
                               pf.registrations(ids, span).items()}
    for cid, (seconds, stops) in pf.left_waits(ids, span).items():
        result.setdefault(cid, {}).update(left_wait_seconds=seconds, left_stops=stops)
    return result


def install() -> None:
    """Add the people and trend sections and the registrations headline."""
    register_section(Section("people", build_people), after="visits")
    register_section(Section("trend", build_trend), after="unmet_needs")
    register_headline(Headline("registered", _l("신규 등록"), "people", count_of("registered")))
