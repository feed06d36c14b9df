"""Targets and actual (목표 대비 실적): the centre's manager sets yearly targets (and, where
they want, monthly ones) for the figures a ministry asks a centre about; the monthly report
shows, for the month and for the year to date, target, actual and attainment.

The figures with a target (:data:`MEASURES`) are the ones a centre is held to and that add
up over a year: visits (방문 건수), new registrations, closed cases, closures into work,
completed referrals (연계 완료) and the one-stop share (서비스 연계율: a visit served by two
or more agencies or leading to a referral). 방문 인원 has no target: people are counted per
month, and one person coming in three months is one person in each, so a year's total
cannot be added up from the months (nor from the closed editions that keep them).

A month's target is the monthly target where the manager set one, else the yearly target
less the months set, spread evenly over the other months (whole numbers, the first months
taking the remainder); a share's month target is its yearly target. The year-to-date target
is the sum of the month targets from January; actual year to date is the months' counts
added up (closed months as closed, the month itself as the report computes it), so a share
is the year's visits and one-stop visits, not an average of months. A centre without targets
for the year gets no year-to-date columns (there is nothing to hold them against, and the
trend section has the year's totals); an earlier month still open is computed from the data
(a dozen queries each), a closed one read from its edition, so a centre that closes its
months pays one query for the whole year.

The rows are part of the report (a section, and ``data`` for the API and the national
roll-up): a closed month keeps the targets that were in force when it was closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cases.models import Client
from centers.models import Centre, Staff
from core import audit
from core.clock import SEOUL
from core.errors import RefusedError
from core.extensions import db
from core.roles import Role
from core.states import check_version, flush_or_conflict
from core.types import utcnow
from intake.models import Visit
from reports import definitions as terms
from reports import editions, figures
from reports.headlines import Counts, headline_counts, live_counts, ratio
from reports.models import MonthClosing, ReportTargets
from reports.periods import Month
from reports.sections import ReportContext, Section, SectionResult, Table, register_section

SECTION_KEY = "targets"
#: The largest target a form takes (a year of visits at the largest centre is ~100,000).
MAX_COUNT = 10_000_000


@dataclass(frozen=True)
class Measure:
    key: str
    label: object  # lazy string: the figure's label as the report prints it
    unit: str  # "count", "people" or "percent"
    actual: Callable[[Counts], int | float | None]


def _count(name: str) -> Callable[[Counts], int]:
    return lambda counts: int(counts.get(name, 0) or 0)


MEASURES: tuple[Measure, ...] = (
    Measure("visits", _l("방문 건수"), "count", _count("visits")),
    Measure("registered", _l("신규 등록"), "people", _count("registered")),
    Measure("cases_closed", _l("종결 사례"), "count", _count("closed")),
    Measure("employed", _l("취업 종결"), "count", _count("employed")),
    Measure("referrals_completed", _l("완료한 의뢰(연계 완료)"), "count", _count("completed")),
    Measure("one_stop_share", _l("원스톱 방문 비율(두 기관 이상·의뢰)"), "percent",
            lambda c: ratio(c.get("one_stop_visits"), c.get("visits"), 100)),
)
BY_KEY = {measure.key: measure for measure in MEASURES}

terms.define(_l("완료한 의뢰(연계 완료)"),
             _l("그달 보낸 의뢰 가운데 말일 자정까지 받는 기관이 완료(서비스 제공 등 결과 기록) "
                "처리한 의뢰 수."))
terms.define(_l("목표 대비 실적"),
             _l("센터 관리자가 정한 그해 목표와 실적. 그달 목표는 월 목표를 정한 달은 그 값, "
                "아니면 연간 목표에서 정한 달의 목표를 뺀 나머지를 다른 달에 고르게 나눈 값"
                "(비율은 연간 목표 그대로)입니다. 올해 누계 목표는 1월부터 그달까지 월 목표의 "
                "합, 누계 실적은 달마다의 수치의 합(비율은 합한 건수로 계산)입니다. 달성률은 "
                "실적 ÷ 목표 × 100입니다. 마감한 달은 마감할 때의 목표로 남습니다."))


# --- who may ---------------------------------------------------------------------------------

def may_set_targets(actor: Staff) -> bool:
    """A centre's targets are its manager's."""
    return actor.role == Role.MANAGER and actor.centre_id is not None


# --- reading and checking what was typed -------------------------------------------------------

def parse_value(text: str | None, unit: str) -> int | float | None:
    """A target as typed (``1,200``, ``65.5``), or None for an empty box.

    :raise ValueError: with the Korean message to show next to the box.
    """
    text = (text or "").strip().replace(",", "")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise ValueError(_("숫자로 적으세요.")) from None
    if number != number or number < 0:  # NaN, negative
        raise ValueError(_("0 이상의 숫자로 적으세요."))
    if unit == "percent":
        if number > 100:
            raise ValueError(_("비율은 0에서 100 사이로 적으세요."))
        return round(number, 1)
    if number != int(number):
        raise ValueError(_("건수·인원은 소수점 없이 적으세요."))
    if number > MAX_COUNT:
        raise ValueError(_("%(n)s 이하로 적으세요.", n=f"{MAX_COUNT:,}"))
    return int(number)


def check_sheet(values: dict[str, dict]) -> dict[str, str]:
    """Rules across one figure's boxes: monthly targets need the yearly one, and a count's
    monthly targets may not add up to more than its year. Returns {field name: message}."""
    errors: dict[str, str] = {}
    for measure in MEASURES:
        spec = values.get(measure.key) or {}
        year, months = spec.get("year"), spec.get("months") or {}
        if not months:
            continue
        if year is None:
            errors[f"{measure.key}_year"] = _("월 목표를 적으려면 연간 목표도 적으세요.")
        elif measure.unit != "percent" and sum(months.values()) > year:
            errors[f"{measure.key}_year"] = _(
                "월 목표의 합(%(sum)s)이 연간 목표(%(year)s)보다 큽니다.",
                sum=f"{sum(months.values()):,}", year=f"{year:,}")
        elif measure.unit != "percent" and len(months) == 12 and sum(months.values()) != year:
            errors[f"{measure.key}_year"] = _(
                "열두 달의 월 목표를 모두 적으면 그 합(%(sum)s)이 연간 목표(%(year)s)와 같아야 "
                "합니다.", sum=f"{sum(months.values()):,}", year=f"{year:,}")
    return errors


# --- keeping them ------------------------------------------------------------------------------

class TargetsConflict(RefusedError):
    """Someone else saved the year's targets since the form was opened."""


def targets_of(centre_id: int, year: int) -> ReportTargets | None:
    return db.session.scalar(sa.select(ReportTargets).where(
        ReportTargets.centre_id == centre_id, ReportTargets.year == year))


def save_targets(actor: Staff, centre: Centre, year: int, values: dict[str, dict],
                 seen_version: str | None) -> ReportTargets:
    """Keep a centre's targets for ``year`` (``values`` as :func:`check_sheet` passed them:
    ``{key: {"year": n | None, "months": {"3": n}}}``). Flushes and writes the audit event;
    the caller commits.

    :raise RefusedError: not the centre's manager.
    :raise TargetsConflict: someone saved the year since ``seen_version`` was read.
    """
    if not may_set_targets(actor) or actor.centre_id != centre.id:
        raise RefusedError(_("목표는 센터 관리자가 정합니다."))
    conflict = TargetsConflict(_("다른 사람이 먼저 이 해의 목표를 고쳤습니다. 적은 내용은 그대로 "
                                 "두었으니 확인하고 다시 저장하세요."))
    row = targets_of(centre.id, year)
    if row is None:
        if seen_version:
            raise conflict
        row = ReportTargets(centre_id=centre.id, year=year, targets={})
        db.session.add(row)
    else:
        check_version(row, seen_version, conflict)
    before = row.targets or {}
    row.targets = {key: {"year": spec.get("year"),
                         "months": {str(m): v for m, v in sorted(
                             (spec.get("months") or {}).items(), key=lambda i: int(i[0]))}}
                   for key, spec in values.items() if key in BY_KEY
                   and (spec.get("year") is not None or spec.get("months"))}
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    flush_or_conflict(conflict)
    audit.record("report.targets_saved", actor=actor, subject=row, centre_id=centre.id,
                 detail={"year": year, "before": before, "after": row.targets})
    return row


# --- target, actual, attainment ----------------------------------------------------------------

def month_targets(spec: dict | None, unit: str) -> list[int | float | None]:
    """The twelve month targets of one figure (January first)."""
    spec = spec or {}
    year = spec.get("year")
    months = {int(m): v for m, v in (spec.get("months") or {}).items() if v is not None}
    if unit == "percent":
        return [months.get(m, year) for m in range(1, 13)]
    if year is None:
        return [months.get(m) for m in range(1, 13)]
    free = [m for m in range(1, 13) if m not in months]
    share, extra = divmod(max(int(year) - sum(months.values()), 0), len(free) or 1)
    spread = {m: share + (1 if index < extra else 0) for index, m in enumerate(free)}
    return [months[m] if m in months else spread[m] for m in range(1, 13)]


def attainment(actual, target) -> float | None:
    """Actual ÷ target × 100, one decimal; none without a target (or a target of 0)."""
    if actual is None or not target:
        return None
    return round(actual * 100 / target, 1)


def _first_activity(centre_ids: list[int]) -> dict[int, Month]:
    """Per centre: the month of its first visit or registration (nothing counts before)."""
    first: dict[int, Month] = {}
    for cid, day in db.session.execute(
            sa.select(Visit.centre_id, sa.func.min(Visit.visit_date))
            .where(Visit.centre_id.in_(centre_ids)).group_by(Visit.centre_id)):
        first[cid] = Month.of(day)
    for cid, moment in db.session.execute(
            sa.select(Client.centre_id, sa.func.min(Client.created_at))
            .where(Client.centre_id.in_(centre_ids)).group_by(Client.centre_id)):
        registered = Month.of(moment.astimezone(SEOUL).date())
        first[cid] = min(first.get(cid, registered), registered)
    return first


def _ytd_counts(centre_ids: list[int], month: Month,
                current: dict[int, Counts]) -> dict[int, Counts]:
    """Per centre: the counts of January up to ``month`` added up, ``month`` itself from
    ``current``; the earlier months from their latest editions where closed (one query for
    all), computed for the others only from the centre's first activity on."""
    total: dict[int, Counts] = {cid: dict(current.get(cid, {})) for cid in centre_ids}
    earlier = [Month(month.year, number) for number in range(1, month.month)]
    if not earlier or not centre_ids:
        return total
    stored: dict[tuple[int, str], dict] = {}
    for cid, key, counts in db.session.execute(
            sa.select(MonthClosing.centre_id, MonthClosing.month, MonthClosing.counts)
            .where(MonthClosing.centre_id.in_(centre_ids),
                   MonthClosing.month.in_([m.key for m in earlier]))
            .order_by(MonthClosing.version)):
        stored[(cid, key)] = counts  # the latest edition comes last
    first = _first_activity(centre_ids)
    for m in earlier:
        open_ids = [cid for cid in centre_ids
                    if (cid, m.key) not in stored and cid in first and first[cid] <= m]
        live = live_counts(open_ids, m) if open_ids else {}
        for cid in centre_ids:
            for name, value in (stored.get((cid, m.key)) or live.get(cid) or {}).items():
                total[cid][name] = total[cid].get(name, 0) + (value or 0)
    return total


def rows_for(centre_ids: list[int], month: Month,
             current: dict[int, Counts]) -> dict[int, list[dict]]:
    """Per centre: one row per :data:`MEASURES` figure: target, actual and attainment for
    the month and the year to date (plain data, as stored in an edition)."""
    sheets = {row.centre_id: row.targets for row in db.session.scalars(
        sa.select(ReportTargets).where(ReportTargets.centre_id.in_(centre_ids),
                                       ReportTargets.year == month.year))}
    # The year so far is worth adding up only where there is a target to hold it against.
    year_to_date = _ytd_counts([cid for cid in centre_ids if sheets.get(cid)], month, current)
    result = {}
    for cid in centre_ids:
        rows = []
        for measure in MEASURES:
            targets = month_targets((sheets.get(cid) or {}).get(measure.key), measure.unit)
            month_target = targets[month.month - 1]
            so_far = targets[:month.month]
            if measure.unit == "percent":
                ytd_target = ((sheets.get(cid) or {}).get(measure.key) or {}).get("year")
            else:
                ytd_target = None if None in so_far else sum(so_far)
            actual = measure.actual(current.get(cid, {}))
            ytd_actual = measure.actual(year_to_date[cid]) if cid in year_to_date else None
            rows.append({"key": measure.key, "label": str(measure.label), "unit": measure.unit,
                         "month_target": month_target, "month_actual": actual,
                         "month_attainment": attainment(actual, month_target),
                         "ytd_target": ytd_target, "ytd_actual": ytd_actual,
                         "ytd_attainment": attainment(ytd_actual, ytd_target)})
        result[cid] = rows
    return result


@figures.once
def centre_rows(centre_id: int, month: Month) -> list[dict]:
    """A centre's rows for its monthly report: the month computed now (as the report is)."""
    return rows_for([centre_id], month, live_counts([centre_id], month))[centre_id]


def stored_rows(edition) -> list[dict] | None:
    """The rows an edition kept (None for an edition stored before targets existed)."""
    for section in edition.report.get("sections", []):
        if section.get("key") == SECTION_KEY:
            return section.get("data")
    return None


def national_rows(centres: list[Centre], month: Month) -> dict[int, list[dict] | None]:
    """Per centre: its rows as its latest edition of ``month`` kept them where it closed the
    month (the targets then in force), computed now for the others."""
    ids = [c.id for c in centres]
    closed = editions.latest_editions(ids, month)
    result: dict[int, list[dict] | None] = {cid: stored_rows(e) for cid, e in closed.items()}
    open_ids = [cid for cid in ids if cid not in closed]
    if open_ids:
        with figures.computed_once():
            result.update(rows_for(open_ids, month, headline_counts(open_ids, month)))
    return result


# --- the report's section ----------------------------------------------------------------------

def build_targets(context: ReportContext) -> SectionResult:
    """Target, actual and attainment of each figure, for the month and the year to date."""
    rows = centre_rows(context.centre.id, context.month)
    has_targets = any(row["month_target"] is not None or row["ytd_target"] is not None
                      for row in rows)
    if has_targets:
        note = _("목표는 센터 관리자가 '목표 설정'에서 정합니다. 비율의 달성률은 실적 비율 ÷ "
                 "목표 비율 × 100입니다.")
    else:
        note = _("%(year)d년 목표를 정하지 않았습니다. 센터 관리자가 '목표 설정'에서 정합니다.",
                 year=context.month.year)
    return SectionResult(
        key=SECTION_KEY, title=_("목표 대비 실적"),
        tables=[Table(
            _("이번 달과 올해 누계"),
            [_("항목"), _("이번 달 목표"), _("이번 달 실적"), _("달성률(%)"),
             _("올해 누계 목표"), _("올해 누계 실적"), _("누계 달성률(%)")],
            [[row["label"], row["month_target"],
              row["month_actual"], row["month_attainment"], row["ytd_target"],
              row["ytd_actual"], row["ytd_attainment"]] for row in rows])],
        note=note, data=rows,
    )


def install() -> None:
    """Add the targets section to the report, after the year's trend."""
    register_section(Section(SECTION_KEY, build_targets), after="trend")
