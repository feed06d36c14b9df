"""``flask seed-demo``: three months of a lived-in demo, made through the services.

The demo is seeded once for this module (this module's ``app`` fixture replaces the
per-test one), with the clock pinned to a minute, so a second seed in a fresh database at
the same moment can be compared with it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app import create_app
from cases.models import (
    Assessment,
    Case,
    CaseNote,
    CaseStatus,
    Client,
    ClosureReason,
    Conference,
    Consent,
    PlanGoal,
)
from centers.models import Agency, Centre, Staff
from conftest import RequestIsolatingClient, _empty_tables
from core.audit import AuditEvent
from core.clock import SEOUL, local_today
from core.extensions import db
from core.holidays import PublicHoliday
from core.types import utcnow
from factories import app_config
from intake.models import Visit, VisitStatus, VisitStop
from referrals.models import Notification, Referral, ReferralStatus
from reports.periods import Month

DEMO_PASSWORD = "demo-pass-2026"


def seed_demo(app, moment: datetime, *args: str) -> str:
    with time_machine.travel(moment, tick=False):
        result = app.test_cli_runner().invoke(args=["seed-demo", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def seeded_at() -> datetime:
    return utcnow().replace(second=0, microsecond=0)


@pytest.fixture(scope="module")
def app(db_url, seeded_at):
    """One app for the module, on the demo seeded once (the database is empty before)."""
    app = create_app(app_config(db_url))
    app.test_client_class = RequestIsolatingClient
    with app.app_context():
        app.config["SEED_OUTPUT"] = seed_demo(app, seeded_at)
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def sign_in(app):
    """A browser of its own signed in as that demo account."""
    def sign_in(username: str):
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, response.text
        return client

    return sign_in


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def namyangju() -> Centre:
    return db.session.scalar(sa.select(Centre).where(Centre.code == "namyangju"))


def working_days(first: date, last: date) -> list[date]:
    holidays = set(db.session.scalars(sa.select(PublicHoliday.day)))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [d for d in days if d.weekday() < 5 and d not in holidays]


def last_three_months() -> list[Month]:
    month = Month.current()
    months = []
    for _ in range(3):
        month = month.previous()
        months.append(month)
    return months


# --- (a) how much there is ---------------------------------------------------------------

def test_three_months_of_activity_in_plausible_amounts(app):
    assert "활동:" in app.config["SEED_OUTPUT"]
    assert 140 <= count(Client) <= 160
    assert 150 <= count(Case) <= 240
    assert 50 <= count(Referral) <= 100
    assert count(Assessment) >= 100 and count(PlanGoal) >= 150 and count(CaseNote) >= 300
    assert count(CaseNote, CaseNote.is_confidential) >= 3
    assert count(Conference) >= 1
    assert count(Consent, Consent.withdrawn_at.is_not(None)) >= 1
    assert count(Notification) >= 100 and count(Notification, Notification.read_at.is_(None)) >= 1
    assert count(AuditEvent) > count(Visit) * 4  # every step of every visit was audited

    staff = set(db.session.scalars(sa.select(Staff.username)))
    assert {"admin", "manager", "desk", "jobs", "welfare", "jahwal", "suwon-desk"} <= staff
    # Every person has a consent and a customer type, a realistic name and phone.
    for client in db.session.scalars(sa.select(Client)):
        assert client.consents and client.customer_types
        assert re.fullmatch(r"[가-힣 ]{2,12}", client.name)
        assert client.phone is None or re.fullmatch(r"\+8210\d{8}", client.phone)


def test_visits_on_every_working_day_with_desk_plans_and_waits(app):
    centre = namyangju()
    first = history_first_day()
    per_day = dict(db.session.execute(
        sa.select(Visit.visit_date, sa.func.count()).where(Visit.centre_id == centre.id)
        .group_by(Visit.visit_date)).all())
    days = working_days(first, local_today() - timedelta(days=1))
    assert len(days) >= 55
    assert set(per_day) - {local_today()} == set(days)  # no weekend, no public holiday
    assert all(3 <= per_day[day] <= 60 for day in days)
    assert count(Visit, Visit.client_id.is_(None)) >= 100  # anonymous visitors too
    several = sa.select(VisitStop.visit_id).group_by(VisitStop.visit_id).having(sa.func.count() > 1)
    assert count(Visit, Visit.id.in_(several)) >= 100
    assert count(Visit, Visit.status == VisitStatus.LEFT) >= 1
    past = Visit.visit_date < local_today()
    assert count(Visit, past, Visit.status.not_in([VisitStatus.DONE, VisitStatus.LEFT])) == 0

    stops = db.session.execute(
        sa.select(VisitStop.queued_at, VisitStop.called_at, VisitStop.started_at,
                  VisitStop.finished_at).join(Visit).where(past, VisitStop.started_at.is_not(None))
    ).all()
    waits = [(called - queued).total_seconds() / 60 for queued, called, _s, _f in stops]
    assert 4 <= sum(waits) / len(waits) <= 30
    starts = {started.astimezone(SEOUL).hour for _q, _c, started, _f in stops}
    assert min(starts) == 9 and max(starts) >= 16  # spread through office hours
    assert all(q <= c <= s < f for q, c, s, f in stops)


def history_first_day() -> date:
    return db.session.scalar(sa.select(sa.func.min(Visit.visit_date)))


# --- (b) every state -----------------------------------------------------------------------

def test_every_case_and_referral_state_and_closure_reason(app):
    statuses = set(db.session.scalars(sa.select(Case.status).distinct()))
    assert statuses == set(CaseStatus)
    reasons = set(db.session.scalars(sa.select(Case.closure_reason).where(
        Case.centre_id == namyangju().id, Case.status == CaseStatus.CLOSED).distinct()))
    assert reasons == set(ClosureReason)
    for agency in namyangju().visible_agencies():
        at_agency = set(db.session.scalars(
            sa.select(Case.status).where(Case.agency_id == agency.id).distinct()))
        assert at_agency == set(CaseStatus), agency.name

    assert set(db.session.scalars(sa.select(Referral.status).distinct())) == set(ReferralStatus)
    now = utcnow()
    waiting = Referral.status.in_([ReferralStatus.SENT, ReferralStatus.RECEIVED])
    assert count(Referral, waiting, Referral.due_at < now) >= 3  # past the working-hour target
    assert count(Referral, waiting, Referral.due_at >= now) >= 3
    declined = Referral.status == ReferralStatus.DECLINED
    assert count(Referral, declined) >= 2
    assert count(Referral, declined, Referral.decline_reason.is_(None)) == 0
    assert count(Referral, declined, Referral.closing_note == "") == 0
    assert count(Referral, Referral.status == ReferralStatus.CANCELLED,
                 Referral.closing_note == "") == 0
    assert count(Referral, Referral.outcome.is_not(None)) >= 10
    # An accepted referral opened the person's case at the receiving agency.
    accepted = db.session.scalars(sa.select(Referral).where(Referral.to_case_id.is_not(None))).all()
    assert accepted and all(r.to_case.agency_id == r.to_agency_id for r in accepted)


# --- (c) what the manager sees ----------------------------------------------------------

def dashboard_totals(html: str) -> dict[str, str]:
    labels = re.findall(r'<th class="num">([^<]+)</th>', html.split("<tbody>")[0])
    foot = html.split("<tfoot>")[1].split("</tfoot>")[0]
    values = [re.sub(r"<[^>]+>", "", cell).strip()
              for cell in re.findall(r'<th class="num">(.*?)</th>', foot, re.S)]
    return dict(zip(labels, values, strict=True))


def test_manager_dashboard_shows_real_figures(app, sign_in):
    client = sign_in("manager")
    page = client.get("/reports/dashboard")
    assert page.status_code == 200
    totals = dashboard_totals(page.text)
    for label in ("진행 사례", "새 의뢰", "기한 지난 의뢰"):
        assert int(totals[label].replace(",", "")) > 0, label
    month = Month.current()
    if working_days(month.first, local_today() - timedelta(days=1)):
        visits = re.findall(r'href="/reports/dashboard/visits_month">([\d,]+)<', page.text)
        assert visits and int(visits[0].replace(",", "")) > 0


def test_the_last_three_monthly_reports_have_visits_cases_and_referrals(app, runner):
    token = runner.invoke(args=["create-token", "manager"]).output.strip().splitlines()[-1]
    client = app.test_client()
    for month in last_three_months():
        response = client.get(f"/api/v1/reports/monthly/namyangju/{month}",
                              headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        headlines = {h["key"]: h["value"] for h in response.json["headlines"]}
        for key in ("visits", "people", "first_time", "cases_opened", "cases_closed",
                    "referrals_sent", "avg_wait"):
            assert headlines[key], (month, key)


def test_the_report_menu_opens_a_month_with_activity(app, sign_in):
    client = sign_in("manager")
    opened = client.get("/reports/monthly").headers["Location"]
    page = client.get(opened)
    assert page.status_code == 200
    assert re.search(r"/reports/monthly/namyangju/\d{4}-\d{2}$", opened)


# --- (d) what each role sees first --------------------------------------------------------

def test_caseworkers_find_referrals_in_their_inbox_and_cases_in_their_caseload(app, sign_in):
    client = sign_in("jobs")
    jobs = db.session.scalar(sa.select(Staff).where(Staff.username == "jobs"))
    for view in ("new", "overdue", "all"):
        page = client.get(f"/referrals/inbox?view={view}")
        assert page.status_code == 200
        assert re.search(r'href="/referrals/\d+"', page.text), view
    caseload = client.get("/cases/")
    assert caseload.status_code == 200
    mine = count(Case, Case.caseworker_id == jobs.id, Case.status != CaseStatus.CLOSED)
    assert mine >= 5 and caseload.text.count('href="/cases/') >= 5


def test_the_desk_and_the_administrator_land_on_real_lists(app, sign_in):
    desk = sign_in("desk")
    assert desk.get("/intake/queue").status_code == 200
    search = desk.post("/intake/", data={"q": "김"})
    assert search.status_code == 200 and search.text.count('href="/intake/people/') >= 5
    admin = sign_in("admin")
    national = admin.get(f"/reports/national/{last_three_months()[0]}")
    assert national.status_code == 200 and "남양주 고용복지+센터" in national.text


# --- (e) and (f): the same seed, the same history; once only ----------------------------
# These seed again, so they come last (pytest keeps the file's order).

def fingerprint() -> tuple:
    people = db.session.execute(
        sa.select(Client.name, Client.birth_date, Client.phone).order_by(Client.id)).all()
    visits = db.session.execute(
        sa.select(Visit.visit_date, sa.func.count()).group_by(Visit.visit_date)
        .order_by(Visit.visit_date)).all()
    states = db.session.execute(
        sa.select(Referral.status, sa.func.count()).group_by(Referral.status)
        .order_by(Referral.status)).all()
    return [tuple(p) for p in people], [tuple(v) for v in visits], [tuple(s) for s in states]


def test_if_empty_leaves_a_seeded_database_alone(app):
    before = (count(Client), count(Visit), count(Case), count(Referral), count(Staff))
    output = seed_demo(app, utcnow(), "--if-empty")
    assert "이미 있어" in output
    assert (count(Client), count(Visit), count(Case), count(Referral), count(Staff)) == before


def test_the_same_seed_gives_the_same_history_in_a_fresh_database(app, seeded_at):
    first = fingerprint()
    db.session.remove()
    _empty_tables()
    seed_demo(app, seeded_at)
    assert fingerprint() == first
    assert len(first[0]) >= 140


def test_another_seed_gives_other_people(app, seeded_at):
    names = {name for (name, _birth, _phone) in fingerprint()[0]}
    db.session.remove()
    _empty_tables()
    seed_demo(app, seeded_at, "--seed", "7")
    other = {name for (name, _birth, _phone) in fingerprint()[0]}
    assert names != other and len(other) >= 100


def test_no_activity_gives_the_centres_and_staff_only(app, seeded_at):
    db.session.remove()
    _empty_tables()
    seed_demo(app, seeded_at, "--no-activity")
    assert count(Centre) == 2 and count(Agency) == 8 and count(Staff) >= 7
    assert count(Client) == count(Visit) == count(Case) == 0
