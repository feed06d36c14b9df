"""The figures whose queries were rewritten for speed, at the edges of a Seoul month: first-time
people (no earlier visit at the centre) and cases past their time targets (at the month's
end, Seoul midnight), each as the report counts them and as the list behind the figure."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from cases.models import Assessment, Case, CaseStatus, GoalStatus, NeedDomain, PlanGoal
from centers.models import AgencyKind
from core.clock import SEOUL
from core.extensions import db
from core.roles import Role
from factories import make_agency, make_centre, make_client, make_staff
from intake.models import Visit, VisitPurpose, VisitStatus
from reports import case_figures, figures, sections
from reports.periods import Month, Span

MARCH = Month(2025, 3)
#: 1 April 2025 00:00 in Seoul: the moment "at the end of March" figures are taken.
MARCH_END = MARCH.span.end_utc
#: 1 March 2025 00:00 in Seoul.
MARCH_START = MARCH.span.start_utc


def kst(day: date, clock: str = "00:00") -> datetime:
    hours, minutes = map(int, clock.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=SEOUL)


def add_visit(centre, person, day: date) -> Visit:
    desk = make_staff(Role.FRONT_DESK, centre=centre)
    visit = Visit(centre_id=centre.id, client_id=person.id if person else None, visit_date=day,
                  ticket_number=f"T-{db.session.scalar(sa.select(sa.func.count(Visit.id))) + 1}",
                  status=VisitStatus.DONE, arrived_at=kst(day, "09:00"), registered_by_id=desk.id)
    visit.purposes = [VisitPurpose(domain="jobs")]
    db.session.add(visit)
    db.session.commit()
    return visit


def person(centre, n: int):
    return make_client(centre, name=f"가나{chr(0xB2E4 + n)}", birth_date=date(1980, 1, 1 + n))


def test_first_time_people_are_those_with_no_visit_at_the_centre_before_the_month():
    centre, other = make_centre(code="namyangju"), make_centre(code="suwon")
    on_last_of_february, on_first, twice, on_last, before, only_april, elsewhere = (
        person(centre, n) for n in range(7))
    add_visit(centre, on_last_of_february, date(2025, 2, 28))  # first seen the day before
    add_visit(centre, on_last_of_february, date(2025, 3, 1))
    add_visit(centre, on_first, date(2025, 3, 1))
    add_visit(centre, twice, date(2025, 3, 10))
    add_visit(centre, twice, date(2025, 3, 20))
    add_visit(centre, on_last, date(2025, 3, 31))
    add_visit(centre, on_last, date(2025, 4, 1))
    add_visit(centre, before, date(2024, 3, 31))
    add_visit(centre, before, date(2025, 3, 15))
    add_visit(centre, only_april, date(2025, 4, 1))
    add_visit(centre, None, date(2025, 3, 5))  # anonymous: nobody to count
    stranger = person(other, 9)
    add_visit(other, stranger, date(2025, 3, 31))

    ids = [centre.id, other.id]
    assert figures.first_time_people(ids, MARCH.span) == {centre.id: 3, other.id: 1}
    assert figures.first_time_people(ids, Month(2025, 2).span) == {centre.id: 1}
    assert figures.first_time_people(ids, Month(2025, 4).span) == {centre.id: 1}
    listed = set(db.session.scalars(figures.first_visit_ids([centre.id], MARCH.span)))
    assert listed == {on_first.id, twice.id, on_last.id}
    first_of_march = Span.day(date(2025, 3, 1))
    assert figures.first_time_people([centre.id], first_of_march) == {centre.id: 1}

    report = sections.monthly_report(centre, MARCH)
    rows = {row.key: row for row in report.headlines}
    assert (rows["first_time"].value, rows["first_time"].previous,
            rows["first_time"].year_before) == (3, 1, 1)


@pytest.fixture
def cases():
    """Cases of one agency around the end of March, Seoul midnight (targets: 10 and 30 days).

    Returns the case ids by name; ``late`` says which targets each is past at the month end.
    """
    centre = make_centre(code="namyangju")
    agency = make_agency(centre, AgencyKind.WELFARE)
    worker = make_staff(Role.CASEWORKER, centre=centre, agency=agency)
    made = {}

    def case(name, opened, *, closed=None, assessed=None, planned=None, goal=None):
        client = person(centre, len(made))
        row = Case(centre_id=centre.id, client_id=client.id, agency_id=agency.id,
                   caseworker_id=worker.id, opened_at=opened, closed_at=closed,
                   status=CaseStatus.CLOSED if closed else CaseStatus.ACTIVE)
        db.session.add(row)
        db.session.flush()
        if assessed:
            db.session.add(Assessment(case_id=row.id, assessed_on=assessed.date(), ratings={},
                                      crisis_level="low", author_id=worker.id,
                                      created_at=assessed))
        if planned:
            target, status, updated = goal or (date(2025, 12, 31), GoalStatus.PLANNED, planned)
            db.session.add(PlanGoal(case_id=row.id, domain=NeedDomain.EMPLOYMENT,
                                    description="취업", target_date=target, status=status,
                                    created_by_id=worker.id, created_at=planned,
                                    updated_at=updated))
        db.session.commit()
        made[name] = row.id

    long_ago = MARCH_END - timedelta(days=60)
    # Opened exactly at the month's end: not open "at" it.
    case("opened_at_end", MARCH_END)
    # Closed exactly at the month's end: still open at it, and past both targets.
    case("closed_at_end", long_ago, closed=MARCH_END)
    # Closed a second before: not open at the month end.
    case("closed_before_end", long_ago, closed=MARCH_END - timedelta(seconds=1))
    # Opened exactly 10 days before the end, nothing recorded: not yet past (strictly before).
    case("assessment_due_at_end", MARCH_END - timedelta(days=10))
    # A second earlier: past the assessment target, not the plan one.
    case("assessment_late", MARCH_END - timedelta(days=10, seconds=1))
    # Assessed and planned exactly at the month end: not yet recorded then, so past both.
    case("recorded_at_end", long_ago, assessed=MARCH_END, planned=MARCH_END)
    # Assessed and planned a second before the end, goal in the future: within targets.
    case("on_time", long_ago, assessed=MARCH_END - timedelta(seconds=1),
         planned=MARCH_END - timedelta(seconds=1))
    # A goal due 31 March, achieved exactly at the month end: still open then, and its
    # target day (31 March) is before "today" at the end (1 April): late.
    case("goal_achieved_at_end", long_ago, assessed=long_ago, planned=long_ago,
         goal=(date(2025, 3, 31), GoalStatus.ACHIEVED, MARCH_END))
    # The same goal achieved a second before: not late.
    case("goal_achieved_before_end", long_ago, assessed=long_ago, planned=long_ago,
         goal=(date(2025, 3, 31), GoalStatus.ACHIEVED, MARCH_END - timedelta(seconds=1)))
    # A goal due 1 April, still planned: not past at the end of March.
    case("goal_due_next_day", long_ago, assessed=long_ago, planned=long_ago,
         goal=(date(2025, 4, 1), GoalStatus.PLANNED, long_ago))
    # Opened at the start of March (Seoul midnight), nothing recorded: past both at the end.
    case("opened_at_start", MARCH_START)
    return centre, agency, made


def test_past_targets_at_the_seoul_midnight_that_ends_the_month(cases):
    centre, agency, made = cases
    late = {
        "closed_at_end": ("assessment", "plan"),
        "assessment_late": ("assessment",),
        "recorded_at_end": ("assessment", "plan"),
        "goal_achieved_at_end": ("goals",),
        "opened_at_start": ("assessment", "plan"),
    }
    expected = {"assessment": 4, "plan": 3, "goals": 1, "any": len(late)}
    assert case_figures.past_targets([centre.id], MARCH_END) == {centre.id: expected}
    assert case_figures.past_targets([centre.id], MARCH_END, by="agency") == {agency.id: expected}
    listed = set(db.session.scalars(case_figures.past_target_case_ids([centre.id], MARCH_END)))
    assert listed == {made[name] for name in late}

    report = sections.monthly_report(centre, MARCH)
    rows = {row.key: row for row in report.headlines}
    assert rows["past_targets"].value == len(late)
    cases_section = next(s for s in report.sections if s.key == "cases")
    table = next(t for t in cases_section.tables if t.title == "기한 지난 사례(월말 기준)")
    assert [row[1] for row in table.rows] == [4, 3, 1] and table.footer[1] == len(late)


def test_past_targets_list_agrees_with_the_dashboard_count(cases, client, login_as):
    centre, _agency, made = cases
    login_as(Role.MANAGER, centre=centre)
    from reports.dashboard import dashboard

    _per_agency, total = dashboard(centre).cells["past_targets"]
    page = client.get("/reports/dashboard/past_targets")
    assert page.status_code == 200
    shown = {case_id for case_id in made.values() if f"/cases/{case_id}\"" in page.text}
    assert len(shown) == total


def test_visits_leading_to_a_referral_sent_on_their_seoul_day_at_both_month_ends():
    from factories import make_case, make_referral
    from reports import referral_figures

    centre = make_centre(code="namyangju")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT)
    welfare = make_agency(centre, AgencyKind.WELFARE)

    def referred(n: int, visit_day: date, sent: datetime):
        someone = make_client(centre, name=f"라마{chr(0xBC14 + n)}",
                              birth_date=date(1970, 1, 1 + n), share_with=[welfare])
        add_visit(centre, someone, visit_day)
        referral = make_referral(make_case(someone, jobs), welfare)
        referral.sent_at = sent
        db.session.commit()

    referred(0, date(2025, 3, 1), MARCH_START)                         # 1 March 00:00 KST
    referred(1, date(2025, 3, 31), MARCH_END - timedelta(seconds=1))   # 31 March 23:59:59
    referred(2, date(2025, 3, 31), MARCH_END)                          # 1 April 00:00: no
    referred(3, date(2025, 3, 1), MARCH_START - timedelta(seconds=1))  # 28 Feb: no
    referred(4, date(2025, 4, 1), MARCH_END)                           # April's visit

    assert referral_figures.visits_leading_to_referral([centre.id], MARCH.span) == {centre.id: 2}
    assert referral_figures.one_stop_visits([centre.id], MARCH.span) == {centre.id: 2}
    april = Month(2025, 4).span
    assert referral_figures.visits_leading_to_referral([centre.id], april) == {centre.id: 1}
