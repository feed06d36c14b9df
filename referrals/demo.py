"""Demo history of referrals between the agencies, made through the referral services.

From the planned cases (:mod:`cases.demo_plan`) caseworkers refer people to other agencies of
the centre that the person's consent names, at the end of a consultation or from the
office. Referrals end in every state: answered in time or late, accepted (which opens the
person's case at the receiving agency, then assessed there), worked on, completed with an
outcome (and that case closed), declined with a reason (now and then sent on to another
agency), cancelled by the sender, or still waiting for an answer, some past their
working-hour target. Notifications are made by the services; staff read them some hours
later, so the most recent stay unread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from cases import demo_plan
from cases import services as casework
from cases.demo_plan import CasePlan
from cases.demo_texts import NEED_OF_AGENCY
from cases.models import CaseStatus, ClosureReason, GoalStatus, Level, NeedDomain, NoteKind
from catalogue.models import CentreService, Service
from centers.models import Agency, AgencyKind, Centre, Staff
from core.clock import local_today
from core.demo import DemoRun
from core.extensions import db
from core.roles import Role
from core.working_time import add_working_hours
from referrals import notifications, services
from referrals.models import (
    ContactPreference,
    DeclineReason,
    Outcome,
    Referral,
    ReferralStatus,
    Urgency,
)

K, S = AgencyKind, ReferralStatus

REFERRALS_PER_CASE = 0.6
#: The mix after each inbox has its waiting ones: mostly closed loops.
STATE_WEIGHTS = {S.COMPLETED: 40, S.IN_PROGRESS: 12, S.ACCEPTED: 6, S.DECLINED: 9,
                 S.CANCELLED: 5, S.SENT: 3, S.RECEIVED: 4}
OUTCOME_WEIGHTS = {Outcome.SERVICE_PROVIDED: 30, Outcome.EMPLOYED: 20, Outcome.BENEFIT_GRANTED: 25,
                   Outcome.INELIGIBLE: 8, Outcome.GAVE_UP: 9, Outcome.LOST_CONTACT: 8}
CASE_CLOSURE = {Outcome.SERVICE_PROVIDED: ClosureReason.GOALS_MET,
                Outcome.EMPLOYED: ClosureReason.EMPLOYED,
                Outcome.BENEFIT_GRANTED: ClosureReason.GOALS_MET,
                Outcome.INELIGIBLE: ClosureReason.OTHER, Outcome.GAVE_UP: ClosureReason.DECLINED,
                Outcome.LOST_CONTACT: ClosureReason.LOST_CONTACT}

#: (why, what the person needs, the catalogue service asked for) by receiving agency.
REASONS = {
    K.EMPLOYMENT: [("취업 의욕이 높아 구직 상담과 취업 지원 연계 요청", "이력서 작성, 구인처 알선",
                    "국민취업지원제도"),
                   ("실직 후 소득 없음. 구직급여 수급 자격 확인과 재취업 상담 필요", "",
                    "구직급여(실업급여)"),
                   ("직업훈련 희망. 훈련 과정 안내와 내일배움카드 발급 요청",
                    "전산회계, 요양보호사 과정 관심", "국민내일배움카드")],
    K.WELFARE: [("생계 곤란 호소. 긴급복지와 기초생활보장 신청 상담 필요", "월세 2개월 체납",
                 "긴급복지 생계지원"),
                ("의료비 부담으로 치료 중단 우려. 의료 지원 검토 요청", "", "긴급복지 의료지원"),
                ("주거 불안. 주거급여 대상 여부 확인 요청", "", "주거급여")],
    K.SELF_SUPPORT: [("근로 능력 있으나 취업 준비 부족. 자활근로 참여 검토 요청", "오전 근무 희망",
                      "자활근로사업")],
    K.WOMEN: [("경력단절 여성. 직업교육훈련과 구직 상담 희망", "아이 하원 전까지 근무 희망",
               "여성새로일하기센터 취업지원")],
    K.FINANCE: [("카드 대출 연체로 독촉에 시달림. 채무조정 상담 필요", "채무 약 2,800만 원",
                 "개인채무조정(신용회복)"),
                ("고금리 대출 이용 중. 정책 서민금융 상담 요청", "", "햇살론15")],
    K.CULTURE: [("수급 가구. 문화누리카드 발급 안내 요청", "", "문화누리카드")],
}
DECLINE_NOTES = {
    DeclineReason.NOT_ELIGIBLE: "소득 기준 초과로 지원 대상이 아님. 다른 제도 안내 바람.",
    DeclineReason.CAPACITY: "이번 분기 참여 정원이 찼음. 다음 모집 때 우선 안내 예정.",
    DeclineReason.DUPLICATE: "같은 내용으로 이미 지원 중인 사례가 있음.",
    DeclineReason.REFUSED: "전화로 안내했으나 본인이 지원을 원하지 않음.",
    DeclineReason.OTHER: "요청 내용이 우리 기관 업무가 아님. 관할 기관 확인 필요.",
}
CANCEL_NOTES = ["본인이 다른 기관 이용을 원해 의뢰 취소.", "의뢰 대상 기관을 잘못 골라 취소.",
                "본인이 이미 직접 신청함. 의뢰 취소."]
COMPLETE_NOTES = {
    Outcome.SERVICE_PROVIDED: "상담과 서비스 제공 완료.", Outcome.EMPLOYED: "취업 확인, 지원 종료.",
    Outcome.BENEFIT_GRANTED: "급여 지급 결정 통보.", Outcome.INELIGIBLE: "심사 결과 부적격.",
    Outcome.GAVE_UP: "본인이 참여를 포기함.", Outcome.LOST_CONTACT: "여러 차례 연락했으나 닿지 않음.",
}
RECEIVED_NOTE = "의뢰로 연계된 분. 전화 초기 상담, 욕구 확인."
LOOP_NOTE = "의뢰 결과 회신 받음: {outcome}."


@dataclass(eq=False)
class ReferralPlan:
    source: CasePlan
    to_agency: Agency
    receiver: Staff
    sent_at: datetime
    urgency: Urgency
    contact: ContactPreference
    reason: tuple[str, str, str]
    resend_of: ReferralPlan | None = None
    referral: Referral | None = None

    @property
    def sender(self) -> Staff:
        return self.source.caseworker


def seed(run: DemoRun) -> None:
    """Plan the referrals of the run's demo centres."""
    run.count("의뢰", Referral)
    plan = demo_plan.plan_of(run)
    for centre in run.centres:
        _CentreReferrals(run, centre, [c for c in plan.cases if c.person.centre is centre]).plan()


class _CentreReferrals:
    def __init__(self, run: DemoRun, centre: Centre, cases: list[CasePlan]) -> None:
        self.run, self.rng, self.centre = run, run.rng, centre
        self.cases = cases
        # The person's case at an agency, planned or opened by a referral: never two.
        self.taken = {(c.person, c.agency) for c in cases}
        staff = db.session.scalars(sa.select(Staff).where(
            Staff.centre_id == centre.id, Staff.role == Role.CASEWORKER,
            Staff.is_active_account).order_by(Staff.id)).all()
        self.caseworkers = {a.id: [s for s in staff if s.agency_id == a.id]
                            for a in centre.visible_agencies()}
        self.holidays = run.holidays
        self.today_start = run.moment(run.today, 0)
        self.days = run.working_days(last=run.today - timedelta(days=1))

    def plan(self) -> None:
        """Every agency's inbox has a new referral and one past its target; then every
        state once; then a mix, most of them completed."""
        sources = [c for c in self.cases if c.person.sharing and not c.person.withdraws]
        if not sources or len(self.days) < 20:
            return
        count = round(len(self.cases) * REFERRALS_PER_CASE)
        wanted = []  # (state, past its due time, to which agency)
        for index, (agency_id, staff) in enumerate(self.caseworkers.items()):
            if staff:
                wanted += [(S.SENT, False, agency_id),
                           ((S.SENT, S.RECEIVED)[index % 2], True, agency_id)]
        wanted += [(state, False, None) for state in STATE_WEIGHTS]
        wanted += [(state, state in (S.SENT, S.RECEIVED) and self.rng.random() < 0.5, None)
                   for state in self.rng.choices(list(STATE_WEIGHTS), weights=list(
                       STATE_WEIGHTS.values()), k=max(0, count - len(wanted)))]
        for state, overdue, agency_id in wanted:
            for _attempt in range(40):
                referral = self._draw(sources, state, overdue, agency_id)
                if referral is not None and self._plan_life(referral, state, overdue):
                    break

    # --- drawing one -----------------------------------------------------------------------

    def _draw(self, sources: list[CasePlan], state: S, overdue: bool,
              agency_id: int | None) -> ReferralPlan | None:
        rng = self.rng
        source = rng.choice(sources)
        person = source.person
        targets = [a for a in person.sharing if a is not source.agency
                   and (person, a) not in self.taken and self.caseworkers.get(a.id)
                   and agency_id in (None, a.id)]
        if not targets:
            return None
        weights = [4 if a in person.needs else 1 for a in targets]
        to_agency = rng.choices(targets, weights=weights)[0]
        sent_at = self._send_moment(source, state, overdue)
        if sent_at is None:
            return None
        reason = rng.choice(REASONS.get(to_agency.kind, REASONS[K.WELFARE]))
        return ReferralPlan(
            source, to_agency, rng.choice(self.caseworkers[to_agency.id]), sent_at,
            Urgency.URGENT if rng.random() < 0.12 else Urgency.NORMAL,
            rng.choices(list(ContactPreference), weights=[70, 20, 10])[0], reason)

    def _send_moment(self, source: CasePlan, state: S, overdue: bool) -> datetime | None:
        """At the end of one of the case's consultations, or from the office, on a day that
        leaves the referral time to reach its state before today."""
        rng, days = self.rng, self.days
        if state in (S.SENT, S.RECEIVED):
            window = days[-14:-4] if overdue else days[-1:]
        elif state in (S.COMPLETED, S.DECLINED):
            window = days[:-12]
        else:
            window = days[-40:-3]
        in_window = [a for a in source.appointments
                     if self.run.day_of(a.moment) in window and source.is_open_at(a.ends)]
        if in_window and rng.random() < 0.5:
            return rng.choice(in_window).ends - timedelta(minutes=3)
        day = rng.choice(window)
        moment = self.run.moment(day, rng.randint(9, 16), rng.randint(0, 59))
        return moment if source.is_open_at(moment) else None

    # --- its life ------------------------------------------------------------------------

    def _after(self, start: datetime, hours: float) -> datetime:
        return add_working_hours(start, hours, self.holidays)

    def _plan_life(self, plan: ReferralPlan, state: S, overdue: bool) -> bool:
        """Plan the referral's steps to ``state``; False (nothing planned) when they would
        not all fall before today, or it would not be on the wanted side of its due time."""
        rng, target = self.rng, plan.to_agency.response_target_hours
        due = self._after(plan.sent_at, target)
        if state in (S.SENT, S.RECEIVED) and (due < self.run.now) != overdue:
            return False
        # Most answers come within the target, one in five late.
        answer_hours = rng.uniform(target + 1, target + 16) if rng.random() < 0.2 \
            else rng.uniform(0.5, target * 0.8)
        answered = self._after(plan.sent_at, answer_hours)
        steps: list[tuple[datetime, object, tuple]] = [(plan.sent_at, _send, (plan,))]
        if state == S.RECEIVED:
            steps.append((self._after(plan.sent_at, rng.uniform(0.3, 3)), _receive, (plan,)))
        elif state in (S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED, S.DECLINED) and rng.random() < 0.6:
            received = self._after(plan.sent_at, rng.uniform(0.1, 0.9) * answer_hours)
            steps.append((received, _receive, (plan,)))
        if state in (S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED):
            steps += self._accepted_life(plan, state, answered)
        elif state == S.DECLINED:
            why = rng.choice(list(DeclineReason))
            steps.append((answered, _act, (plan, "decline", DECLINE_NOTES[why], why)))
            steps.append((self._after(answered, rng.uniform(1, 20)), _read_outcome, (plan,)))
        elif state == S.CANCELLED:
            cancelled = self._after(plan.sent_at, rng.uniform(1, target * 0.7))
            steps.append((cancelled, _act, (plan, "cancel", rng.choice(CANCEL_NOTES))))
        if any(moment >= self.today_start for moment, _step, _args in steps[1:]
               if _step is not _read_outcome):
            return False
        # The other caseworkers of the receiving agency see the new referral within hours.
        steps += [(self._after(plan.sent_at, rng.uniform(1, 20)), _read, (plan, reader))
                  for reader in self.caseworkers[plan.to_agency.id] if reader is not plan.receiver]
        for moment, step, args in steps:
            self.run.at(moment, step, *args)
        self.taken.add((plan.source.person, plan.to_agency))
        if state == S.DECLINED and rng.random() < 0.4:
            self._plan_resend(plan, answered)
        return True

    def _accepted_life(self, plan: ReferralPlan, state: S, accepted: datetime) -> list[tuple]:
        """Accepted (the receiving case opens), read by the sender, the person assessed;
        then started, and completed with an outcome."""
        rng = self.rng
        steps = [(accepted, _act, (plan, "accept", "")),
                 (self._after(accepted, rng.uniform(1, 20)), _read_outcome, (plan,))]
        assessed = self._after(accepted, rng.uniform(4, 24))
        steps.append((assessed, _start_receiving_case, (plan, rng.choice([Level.LOW, Level.MEDIUM]))))
        if state == S.ACCEPTED:
            return steps
        started = self._after(assessed, rng.uniform(0.5, 8))
        steps.append((started, _act, (plan, "start", "")))
        if state == S.COMPLETED:
            outcome = rng.choices(list(OUTCOME_WEIGHTS), weights=list(OUTCOME_WEIGHTS.values()))[0]
            done = self._after(started, rng.uniform(20, 180))
            steps.append((done, _complete, (plan, outcome)))
            steps.append((self._after(done, rng.uniform(1, 20)), _read_outcome, (plan,)))
        return steps

    def _plan_resend(self, declined: ReferralPlan, declined_at: datetime) -> None:
        """The sender sends the declined referral on to another agency, which accepts it."""
        person = declined.source.person
        targets = [a for a in person.sharing if a is not declined.source.agency
                   and (person, a) not in self.taken and self.caseworkers.get(a.id)]
        if not targets:
            return
        to_agency = self.rng.choice(targets)
        resent_at = self._after(declined_at, self.rng.uniform(2, 16))
        plan = ReferralPlan(declined.source, to_agency,
                            self.rng.choice(self.caseworkers[to_agency.id]), resent_at,
                            declined.urgency, declined.contact, declined.reason, resend_of=declined)
        steps = [(resent_at, _resend, (plan,))] + self._accepted_life(
            plan, S.ACCEPTED, self._after(resent_at, self.rng.uniform(1, 12)))
        if any(moment >= self.today_start for moment, _step, _args in steps
               if _step is not _read_outcome) or not declined.source.is_open_at(resent_at):
            return
        self.taken.add((person, to_agency))
        for moment, step, args in steps:
            self.run.at(moment, step, *args)


# --- the steps (run at their moment, the clock moved there) --------------------------------

def _service_id(plan: ReferralPlan) -> int | None:
    return db.session.scalar(
        sa.select(Service.id).join(CentreService, CentreService.service_id == Service.id)
        .where(CentreService.centre_id == plan.to_agency.centre_id,
               CentreService.agency_id == plan.to_agency.id, Service.name == plan.reason[2]))


def _send(plan: ReferralPlan) -> None:
    why, needs, _service = plan.reason
    plan.referral = services.send(
        plan.sender, plan.source.case, plan.to_agency, reason=why, needs=needs,
        urgency=plan.urgency, contact_preference=plan.contact, service_id=_service_id(plan))


def _resend(plan: ReferralPlan) -> None:
    plan.referral = services.resend(plan.sender, plan.resend_of.referral, plan.to_agency)


def _receive(plan: ReferralPlan) -> None:
    """The receiving caseworker opens it: 접수확인, and its notification is read."""
    services.mark_received(plan.receiver, plan.referral)
    notifications.mark_read(plan.receiver, referral_id=plan.referral.id)


def _read(plan: ReferralPlan, reader: Staff) -> None:
    notifications.mark_read(reader, referral_id=plan.referral.id)


def _read_outcome(plan: ReferralPlan) -> None:
    notifications.mark_read(plan.sender, referral_id=plan.referral.id)


def _act(plan: ReferralPlan, action: str, note: str, decline_reason: DeclineReason | None = None,
         outcome: Outcome | None = None) -> None:
    """One transition by the side it belongs to, who has then read about it."""
    actor = plan.sender if action == "cancel" else plan.receiver
    services.transition(actor, plan.referral, action, note=note, decline_reason=decline_reason,
                        outcome=outcome, assignee=plan.receiver if action == "accept" else None)
    notifications.mark_read(actor, referral_id=plan.referral.id)


def _start_receiving_case(plan: ReferralPlan, crisis: Level) -> None:
    """The receiving caseworker calls the person, assesses and starts the case."""
    case = plan.referral.to_case
    casework.add_note(plan.receiver, case, kind=NoteKind.PHONE, body=RECEIVED_NOTE,
                      is_confidential=False)
    ratings = {domain: Level.LOW for domain in NeedDomain}
    ratings[NEED_OF_AGENCY.get(plan.to_agency.kind, NeedDomain.INCOME)] = Level.HIGH
    casework.record_assessment(plan.receiver, case, assessed_on=local_today(), ratings=ratings,
                               crisis_level=crisis, notes=plan.reason[0])
    casework.transition(plan.receiver, case, "activate", version=case.version)
    casework.add_goal(plan.receiver, case, {
        "domain": NEED_OF_AGENCY.get(plan.to_agency.kind, NeedDomain.INCOME),
        "description": plan.reason[0], "service_id": _service_id(plan),
        "service_name": plan.reason[2], "target_date": local_today() + timedelta(weeks=12),
        "status": GoalStatus.IN_PROGRESS})


def _complete(plan: ReferralPlan, outcome: Outcome) -> None:
    """The loop closes: the outcome goes back to the sender, the receiving case ends with
    it, and the sender notes the result on their case if it is still open."""
    _act(plan, "complete", COMPLETE_NOTES[outcome], outcome=outcome)
    case = plan.referral.to_case
    casework.transition(plan.receiver, case, "close", version=case.version,
                        reason=CASE_CLOSURE[outcome], note=COMPLETE_NOTES[outcome])
    source = plan.source.case
    if source.status != CaseStatus.CLOSED:
        casework.add_note(plan.sender, source, kind=NoteKind.OTHER,
                          body=LOOP_NOTE.format(outcome=outcome.label), is_confidential=False)
