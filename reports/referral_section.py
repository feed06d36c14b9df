"""The referral parts of the reports: section 3, its headline figures, dashboard columns."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalogue.models import Service
from core.extensions import db
from referrals.models import DeclineReason, Outcome, Referral, ReferralStatus
from referrals.queries import referrals_visible_to
from reports import dashboard, figures
from reports import referral_figures as rf
from reports.headlines import Headline, count_of, ratio, register_counter, register_headline
from reports.sections import (
    Chart,
    Figure,
    ReportContext,
    Section,
    SectionResult,
    Table,
    register_section,
)


def build_referrals(context: ReportContext) -> SectionResult:
    """3. Referrals: sending × receiving matrix, acceptance, first response, within target,
    outcomes, overdue at month end; and the services suggested at intake that led to one."""
    cid, span = context.centre.id, context.span
    totals = rf.referral_totals(context.ids, span, context.as_of).get(cid, {})
    grid = rf.matrix(cid, span)
    agencies = [a for a in figures.agency_labels(context.ids).values()
                if a.is_visible or any(a.id in pair for pair in grid)]
    outcomes = rf.outcomes(cid, span)
    median = rf.median_response_seconds(cid, span)
    answered = totals.get("answered", 0)
    suggested = rf.referrals_for_suggested(cid, span)
    names = dict(db.session.execute(
        sa.select(Service.id, Service.name).where(Service.id.in_(list(suggested)))).all())
    ranked = sorted(suggested.items(), key=lambda item: (-item[1][1], -item[1][0]))[:15]
    states = rf.states_at(cid, span, context.as_of)
    declined = rf.decline_reasons(cid, span, context.as_of)
    per_receiver = rf.referral_totals(context.ids, span, context.as_of, by="agency")
    receivers = [a for a in agencies if a.id in per_receiver]
    state_labels = {"awaiting": _("응답 대기"), "accepted": _("수락(진행 중)"),
                    "declined": _("반려"), "completed": _("완료"), "cancelled": _("취소")}
    return SectionResult(
        key="referrals", title=_("기관 간 의뢰"),
        figures=[
            Figure(_("보낸 의뢰"), totals.get("sent", 0)),
            Figure(_("수락률"), ratio(totals.get("accepted"), answered, 100), "percent"),
            Figure(_("첫 응답까지 걸린 시간(중앙값)"),
                   None if median is None else round(median / 3600, 1), "hours"),
            Figure(_("기한 안 응답 비율"), ratio(totals.get("within_target"), answered, 100),
                   "percent"),
            Figure(_("완료"), totals.get("completed", 0)),
            Figure(_("월말 기한 지난 의뢰"), totals.get("overdue_at_end", 0)),
        ],
        tables=[
            Table(_("보낸 기관 × 받는 기관"), [_("보낸 기관 \\ 받는 기관")]
                  + [a.name for a in agencies] + [_("합계")],
                  [[sender.name] + [grid.get((sender.id, receiver.id), 0) for receiver in agencies]
                   + [sum(grid.get((sender.id, r.id), 0) for r in agencies)]
                   for sender in agencies],
                  footer=[_("합계")] + [sum(grid.get((s.id, r.id), 0) for s in agencies)
                                        for r in agencies] + [sum(grid.values())]),
            Table(_("월말 상태별 의뢰"), [_("상태"), _("건수")],
                  [[state_labels[name], states.get(name, 0)] for name in rf.STATES_AT_END],
                  footer=[_("합계"), totals.get("sent", 0)]),
            Table(_("반려 사유별"), [_("사유"), _("건수")],
                  [[reason.label, declined.get(reason, 0)] for reason in DeclineReason],
                  footer=[_("합계"), totals.get("declined", 0)]),
            Table(_("받는 기관별 응답"),
                  [_("받는 기관"), _("받은 의뢰"), _("응답"), _("평균 응답 시간(시간)"),
                   _("기한 안 응답"), _("월말 기한 지난 의뢰")],
                  [[a.name, per_receiver[a.id].get("sent", 0), per_receiver[a.id].get("answered", 0),
                    ratio(per_receiver[a.id].get("response_seconds"),
                           per_receiver[a.id].get("answered"), 1 / 3600),
                    per_receiver[a.id].get("within_target", 0),
                    per_receiver[a.id].get("overdue_at_end", 0)] for a in receivers]),
            Table(_("결과"), [_("결과"), _("건수")],
                  [[o.label, outcomes.get(o, 0)] for o in Outcome]),
            Table(_("접수 때 제안한 서비스와 그 서비스로 보낸 의뢰"),
                  [_("서비스"), _("제안 건수"), _("의뢰 건수")],
                  [[names.get(sid, ""), times, referred] for sid, (times, referred) in ranked]),
        ],
        charts=[Chart("categories", _("의뢰 결과"), [o.label for o in Outcome],
                      [outcomes.get(o, 0) for o in Outcome], _("결과"), _("의뢰 건수"))],
        note=_("의뢰는 보낸 달에 셉니다. 응답(수락·반려)과 완료는 말일 자정까지 온 것만 셉니다"
               "(다음 달에 온 응답은 그달에는 응답 대기로 남습니다). 기한은 받는 기관의 "
               "응답 목표(근무시간)입니다. 월말 기한 지난 의뢰는 월말에 아직 응답이 없고 "
               "기한이 지난 의뢰입니다."),
    )


@register_counter
def _referral_counts(ids, span, as_of):
    result = {cid: dict(values) for cid, values in rf.referral_totals(ids, span, as_of).items()}
    for cid, visits in rf.one_stop_visits(ids, span).items():
        result.setdefault(cid, {})["one_stop_visits"] = visits
    return result


for _headline in (
    Headline("referrals_sent", _l("보낸 의뢰"), "count", count_of("sent")),
    Headline("acceptance_rate", _l("의뢰 수락률"), "percent",
             lambda c: ratio(c.get("accepted"), c.get("answered"), 100)),
    Headline("within_target", _l("기한 안 응답 비율"), "percent",
             lambda c: ratio(c.get("within_target"), c.get("answered"), 100)),
    Headline("overdue_referrals", _l("월말 기한 지난 의뢰"), "count", count_of("overdue_at_end")),
    Headline("one_stop_share", _l("원스톱 방문 비율(두 기관 이상·의뢰)"), "percent",
             lambda c: ratio(c.get("one_stop_visits"), c.get("visits"), 100)),
):
    register_headline(_headline)


# --- dashboard ---------------------------------------------------------------------------

def _new_referrals(context: dashboard.DashboardContext):
    rows = dict(db.session.execute(
        sa.select(Referral.to_agency_id, sa.func.count())
        .where(Referral.centre_id == context.centre.id, Referral.status == ReferralStatus.SENT)
        .group_by(Referral.to_agency_id)).all())
    return rows, sum(rows.values())


def _overdue_referrals(context: dashboard.DashboardContext):
    rows = dict(db.session.execute(
        sa.select(Referral.to_agency_id, sa.func.count())
        .where(Referral.centre_id == context.centre.id, rf.overdue_at(context.now))
        .group_by(Referral.to_agency_id)).all())
    return rows, sum(rows.values())


def _referral_list(condition):
    def query(actor, context, agency_id):
        select = referrals_visible_to(actor).where(Referral.centre_id == context.centre.id,
                                                   condition(context))
        if agency_id:
            select = select.where(Referral.to_agency_id == agency_id)
        return select.order_by(Referral.due_at)
    return query


def install() -> None:
    """Add the referral figures to the report, the headlines and the dashboard."""
    register_section(Section("referrals", build_referrals), after="one_stop")
    dashboard.register_column(dashboard.Column(
        "referrals_new", dashboard.NOW, _l("새 의뢰"), _new_referrals, list_key="referrals_new"),
        after="past_targets")
    dashboard.register_column(dashboard.Column(
        "referrals_overdue", dashboard.NOW, _l("기한 지난 의뢰"), _overdue_referrals,
        list_key="referrals_overdue"), after="referrals_new")
    dashboard.register_list("referrals_new", dashboard.ListSpec(
        "referrals", _l("아직 접수확인 안 된 의뢰"),
        _referral_list(lambda context: Referral.status == ReferralStatus.SENT)))
    dashboard.register_list("referrals_overdue", dashboard.ListSpec(
        "referrals", _l("기한 지난 의뢰"), _referral_list(lambda c: rf.overdue_at(c.now))))
