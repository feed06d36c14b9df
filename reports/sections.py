"""The monthly centre report, assembled from :mod:`reports.figures`.

A report is a list of sections; each section is built by one function registered in
``SECTIONS`` and comes back as plain data (:class:`SectionResult`: key numbers, tables,
charts), which the page, the PDF, the XLSX and the CSV all render the same generic way.
A section that belongs to an add-on says so with ``applies`` and is left out at centres
where the add-on is off. The headline figures above the sections are
:mod:`reports.headlines`; the national roll-up is :mod:`reports.national`.

A feature that adds figures (referrals, say) adds one builder to ``SECTIONS`` at its place
with :func:`register_section`, and headline figures with
:func:`reports.headlines.register_counter` and :func:`reports.headlines.register_headline`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _

from cases.models import ClosureReason, NeedDomain
from centers.models import Addon, AgencyKind, Centre, Domain
from core.types import utcnow
from reports import case_figures, editions, figures, referral_figures
from reports import definitions as terms
from reports.headlines import HeadlineRow, headline_rows, month_end, ratio
from reports.periods import Month, Span

# --- what a section hands to the renderers ------------------------------------------------


@dataclass
class Figure:
    """One key number: ``unit`` is "count", "people", "minutes", "hours" or "percent"."""

    label: str
    value: int | float | None
    unit: str = "count"


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list]
    footer: list | None = None
    #: False for long tables (every day of the month) kept to the XLSX and CSV.
    in_print: bool = True


@dataclass
class Chart:
    """A bar chart: ``kind`` "days" (vertical bars, one per day) or "categories"."""

    kind: str
    title: str
    labels: list[str]
    values: list[float]
    #: Axis titles: what the categories (or days) are, and what the bars count.
    category_axis: str = ""
    value_axis: str = ""


@dataclass
class SectionResult:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class ReportContext:
    """What every section builder gets: the centre, the month and when "month end" is."""

    centre: Centre
    month: Month
    span: Span
    #: The month's end, or now while the month is still running.
    as_of: datetime

    @property
    def ids(self) -> list[int]:
        return [self.centre.id]


@dataclass(frozen=True)
class Section:
    key: str
    build: Callable[[ReportContext], SectionResult]
    applies: Callable[[Centre], bool] = lambda centre: True


SECTIONS: list[Section] = []


def register_section(section: Section, *, after: str | None = None) -> None:
    """Add a section to the report, at the end or right after the section ``after``."""
    if any(existing.key == section.key for existing in SECTIONS):
        return
    keys = [existing.key for existing in SECTIONS]
    SECTIONS.insert(keys.index(after) + 1 if after in keys else len(SECTIONS), section)


# --- the monthly report ------------------------------------------------------------------

@dataclass
class MonthlyReport:
    centre_code: str
    centre_name: str
    month: Month
    is_partial: bool
    generated_at: datetime
    headlines: list[HeadlineRow]
    sections: list[SectionResult]
    #: Closed (which edition) or provisional (as of when): the line every format prints.
    stamp: editions.ReportStamp | None = None
    #: (figure, definition) of every figure, printed as footnotes (a sheet in the XLSX).
    definitions: list[tuple[str, str]] = field(default_factory=list)
    #: A stored edition's charts, drawn when it was stored (see reports.closing.chart_images).
    images: dict[str, str] = field(default_factory=dict)

    @property
    def period_label(self) -> str:
        return _("%(y)d년 %(m)d월", y=self.month.year, m=self.month.month)


def live_report(centre: Centre, month: Month) -> MonthlyReport:
    """Every section that applies at the centre, in order, for one Seoul calendar month,
    computed from the data now (a provisional report; see reports.closing for closed ones)."""
    context = ReportContext(centre, month, month.span, month_end(month))
    with figures.computed_once():
        now = utcnow()
        return MonthlyReport(
            centre_code=centre.code, centre_name=centre.name, month=month,
            is_partial=context.as_of < month.span.end_utc, generated_at=now,
            headlines=headline_rows(centre, month),
            sections=[s.build(context) for s in SECTIONS if s.applies(centre)],
            stamp=editions.provisional(now), definitions=terms.definitions(),
        )


monthly_report = live_report


def _agency_rows(context: ReportContext, *figures_by_agency: dict) -> list:
    """The centre's agencies to list: those shown at the centre and any that has figures."""
    agencies = figures.agency_labels(context.ids)
    with_figures = {aid for values in figures_by_agency for aid in values}
    return [a for a in agencies.values() if a.is_visible or a.id in with_figures]


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def build_visits(context: ReportContext) -> SectionResult:
    """1. Visits: totals, people, first-time people, per day, purpose, customer type,
    agency served; average and 90th-percentile wait."""
    cid, span = context.centre.id, context.span
    totals = figures.visit_totals(context.ids, span).get(cid, {})
    visits, people = totals.get("visits", 0), totals.get("people", 0)
    first_time = figures.first_time_people(context.ids, span).get(cid, 0)
    seconds, stops = figures.wait_sums(context.ids, span).get(cid, (None, 0))
    per_day = figures.visits_per_day(cid, span)
    by_purpose = figures.visits_by_purpose(cid, span)
    by_type, typed = figures.visits_by_customer_type(cid, span)
    served = figures.visits_per_agency(context.ids, span, served=True)
    agency_waits = figures.wait_sums(context.ids, span, by="agency")

    offered = set(context.centre.offered_domains()) | set(by_purpose)
    purposes = [d for d in Domain if d in offered]
    agencies = _agency_rows(context, served, agency_waits)
    return SectionResult(
        key="visits", title=_("방문"),
        figures=[
            Figure(_("방문 건수"), visits),
            Figure(_("방문 인원"), people, "people"),
            Figure(_("처음 방문한 사람"), first_time, "people"),
            Figure(_("다시 방문한 사람"), people - first_time, "people"),
            Figure(_("익명 방문"), totals.get("anonymous", 0)),
            Figure(_("평균 대기 시간"), ratio(seconds, stops, 1 / 60), "minutes"),
            Figure(_("대기 시간 90번째 백분위"),
                   _minutes(figures.wait_percentile(cid, span)), "minutes"),
        ],
        charts=[
            Chart("days", _("일별 방문 건수"), [str(d.day) for d in span.days()],
                  [per_day.get(d, 0) for d in span.days()], _("날짜(일)"), _("방문 건수")),
            Chart("categories", _("방문 목적 분야별 방문 건수"), [d.label for d in purposes],
                  [by_purpose.get(d, 0) for d in purposes], _("방문 목적 분야"), _("방문 건수")),
        ],
        tables=[
            Table(_("방문 목적 분야별"), [_("분야"), _("방문 건수")],
                  [[d.label, by_purpose.get(d, 0)] for d in purposes]),
            Table(_("정책고객 유형별"), [_("유형"), _("방문 건수")],
                  [[name, count] for name, count in by_type]
                  + [[_("유형 정보 없음(익명 포함)"), visits - typed]]),
            Table(_("이용 기관별"), [_("기관"), _("상담한 방문"), _("평균 대기 시간(분)")],
                  [[a.name, served.get(a.id, 0),
                    ratio(*agency_waits.get(a.id, (None, 0)), 1 / 60)] for a in agencies]),
            Table(_("일별 방문"), [_("날짜"), _("방문 건수")],
                  [[d.isoformat(), per_day.get(d, 0)] for d in span.days()], in_print=False),
        ],
        note=_("방문은 방문일(서울 기준) 달에 셉니다. 대기 시간은 창구마다 번호를 받은 때부터 "
               "호출(또는 상담 시작)까지입니다. 한 사람이 여러 유형이면 유형마다 셉니다."),
    )


def build_one_stop(context: ReportContext) -> SectionResult:
    """2. One-stop effect: visits served by two or more agencies, desk-to-desk hand-offs
    on the same visit, trips saved."""
    cid, span = context.centre.id, context.span
    visits = figures.visit_totals(context.ids, span).get(cid, {}).get("visits", 0)
    effect = figures.one_stop(context.ids, span).get(cid, {})
    distribution = figures.agencies_served_distribution(cid, span)
    rows = [[_("상담 전 귀가"), visits - effect.get("served_visits", 0)]]
    rows += [[_("%(n)d곳", n=n), count] for n, count in sorted(distribution.items())]
    return SectionResult(
        key="one_stop", title=_("원스톱 효과"),
        figures=[
            Figure(_("두 기관 이상 이용한 방문"), effect.get("multi_agency", 0)),
            Figure(_("두 기관 이상 이용 비율"), ratio(effect.get("multi_agency"), visits, 100),
                   "percent"),
            Figure(_("기관 의뢰로 이어진 방문"),
                   referral_figures.visits_leading_to_referral(context.ids, span).get(cid, 0)),
            Figure(_("원스톱 방문 비율(두 기관 이상 또는 의뢰)"),
                   ratio(referral_figures.one_stop_visits(context.ids, span).get(cid, 0),
                          visits, 100), "percent"),
            Figure(_("창구 간 연계(같은 방문)"), effect.get("handoffs", 0)),
            Figure(_("줄어든 기관 방문"), effect.get("trips_saved", 0)),
        ],
        tables=[Table(_("이용(상담)한 기관 수별 방문"), [_("기관 수"), _("방문 건수")], rows)],
        note=_("줄어든 기관 방문은 한 번의 방문에서 첫 기관 다음으로 상담한 기관의 수를 "
               "모두 더한 것입니다. 각 기관을 따로 찾아갔다면 그만큼 더 다녀야 했습니다."),
    )


def build_cases(context: ReportContext) -> SectionResult:
    """4. Cases: opened, closed by reason, open at month end, per agency and caseworker;
    past their time targets; employment outcomes."""
    cid, span, as_of = context.centre.id, context.span, context.as_of
    totals = case_figures.case_totals(context.ids, span).get(cid, {})
    reasons = case_figures.closures_by_reason(cid, span)
    late = case_figures.past_targets(context.ids, as_of).get(cid, {})
    per_agency = case_figures.case_totals(context.ids, span, by="agency")
    late_per_agency = case_figures.past_targets(context.ids, as_of, by="agency")
    per_worker = case_figures.case_totals(context.ids, span, by="caseworker")
    names = case_figures.caseworker_names(cid)
    measures = ("opened", "closed", "employed", "open_at_end")

    def _row(values: dict) -> list[int]:
        return [values.get(m, 0) for m in measures]

    agencies = _agency_rows(context, per_agency, late_per_agency)
    workers = sorted(per_worker.items(), key=lambda item: names.get(item[0], ("", ""))[::-1])
    header = [_("신규"), _("종결"), _("취업 종결"), _("월말 진행")]
    return SectionResult(
        key="cases", title=_("사례관리"),
        figures=[
            Figure(_("신규 사례"), totals.get("opened", 0)),
            Figure(_("종결 사례"), totals.get("closed", 0)),
            Figure(_("취업 종결"), totals.get("employed", 0)),
            Figure(_("월말 진행 사례"), totals.get("open_at_end", 0)),
            Figure(_("기한 지난 사례"), late.get("any", 0)),
        ],
        charts=[Chart("categories", _("종결 사유별 사례 수"), [r.label for r in ClosureReason],
                      [reasons.get(r, 0) for r in ClosureReason], _("종결 사유"), _("사례 수"))],
        tables=[
            Table(_("종결 사유별"), [_("사유"), _("사례 수")],
                  [[r.label, reasons.get(r, 0)] for r in ClosureReason],
                  footer=[_("합계"), totals.get("closed", 0)]),
            Table(_("기관별"), [_("기관"), *header, _("기한 지난 사례")],
                  [[a.name, *_row(per_agency.get(a.id, {})),
                    late_per_agency.get(a.id, {}).get("any", 0)] for a in agencies],
                  footer=[_("합계"), *_row(totals), late.get("any", 0)]),
            Table(_("사례관리자별"), [_("사례관리자"), _("기관"), *header],
                  [[*names.get(sid, (_("알 수 없음"), "")), *_row(values)]
                   for sid, values in workers]),
            Table(_("기한 지난 사례(월말 기준)"), [_("기한"), _("사례 수")], [
                [_("욕구조사 기한"), late.get("assessment", 0)],
                [_("계획 수립 기한"), late.get("plan", 0)],
                [_("목표 달성 예정일"), late.get("goals", 0)],
            ], footer=[_("사례 수(중복 제외)"), late.get("any", 0)]),
        ],
        note=_("월말 진행 사례와 기한 지난 사례는 그달 말일 자정(진행 중인 달은 지금) "
               "기준입니다. 욕구조사·계획 기한은 센터 설정(개설 후 %(a)d일, %(p)d일)을 따릅니다.",
               a=context.centre.assessment_due_days, p=context.centre.plan_due_days),
    )


def build_suggestions(context: ReportContext) -> SectionResult:
    """5. Services suggested at intake, per domain and the most suggested services."""
    cid, span = context.centre.id, context.span
    made, visits = figures.suggestion_totals(cid, span)
    by_domain = figures.suggestions_by_domain(cid, span)
    domains = [d for d in Domain if d in by_domain or d in context.centre.offered_domains()]
    return SectionResult(
        key="suggestions", title=_("서비스 제안"),
        figures=[Figure(_("제안한 서비스"), made), Figure(_("제안받은 방문"), visits)],
        tables=[
            Table(_("분야별 제안"), [_("분야"), _("제안 건수"), _("제안받은 방문")],
                  [[d.label, *by_domain.get(d, (0, 0))] for d in domains],
                  footer=[_("합계"), made, visits]),
            Table(_("많이 제안된 서비스"), [_("서비스"), _("분야"), _("제안 건수")],
                  [[name, Domain(domain).label, times]
                   for name, domain, times in figures.top_suggested_services(cid, span)]),
        ],
        note=_("접수 때 방문자의 유형·목적으로 찾아 창구에 보여 준 서비스입니다."),
    )


def build_unmet_needs(context: ReportContext) -> SectionResult:
    """6. Unmet needs: plan goals recorded as "no service available", by need domain."""
    by_domain = case_figures.unmet_needs_by_domain(context.centre.id, context.span)
    goals = sum(count for count, _people in by_domain.values())
    return SectionResult(
        key="unmet_needs", title=_("충족되지 않은 욕구"),
        figures=[Figure(_("서비스 없음 목표"), goals)],
        tables=[Table(_("욕구 영역별"), [_("영역"), _("목표 수"), _("해당 인원")],
                      [[d.label, *by_domain.get(d, (0, 0))] for d in NeedDomain],
                      footer=[_("합계"), goals, None])],
        note=_("계획 목표를 '서비스 없음'으로 기록한 것입니다. 지역사회보장협의체에 "
               "보내는 지역의 부족한 서비스 목록으로 씁니다."),
    )


def build_addon(addon: Addon) -> Callable[[ReportContext], SectionResult]:
    """An add-on's own section: its visits, desk, suggestions and cases."""

    def build(context: ReportContext) -> SectionResult:
        cid, span = context.centre.id, context.span
        domain, kind = Domain(addon.value), AgencyKind(addon.value)
        purpose = figures.visits_by_purpose(cid, span, domains=[domain]).get(domain, 0)
        agencies = {a.id for a in figures.agency_labels(context.ids).values() if a.kind == kind}
        served = figures.visits_per_agency(context.ids, span, served=True)
        suggested = figures.suggestions_by_domain(cid, span, domains=[domain]).get(domain, (0, 0))
        cases = case_figures.case_totals(context.ids, span, agency_kinds=[kind]).get(cid, {})
        return SectionResult(
            key=f"addon_{addon.value}", title=_("부가 서비스: %(name)s", name=addon.label),
            figures=[
                Figure(_("%(name)s 목적 방문", name=domain.label), purpose),
                Figure(_("%(name)s 창구 상담", name=kind.label),
                       sum(served.get(aid, 0) for aid in agencies)),
                Figure(_("제안한 %(name)s 서비스", name=domain.label), suggested[0]),
                Figure(_("신규 사례"), cases.get("opened", 0)),
            ],
            tables=[Table(_("많이 제안된 %(name)s 서비스", name=domain.label),
                          [_("서비스"), _("제안 건수")],
                          [[name, times] for name, _d, times in
                           figures.top_suggested_services(cid, span, domains=[domain])])],
        )

    return build


for _section in (
    Section("visits", build_visits),
    Section("one_stop", build_one_stop),
    Section("cases", build_cases),
    Section("suggestions", build_suggestions),
    Section("unmet_needs", build_unmet_needs),
    *(Section(f"addon_{addon.value}", build_addon(addon),
              applies=lambda centre, addon=addon: centre.has_addon(addon)) for addon in Addon),
):
    register_section(_section)
