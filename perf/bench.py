"""The benchmark: every daily page and report through the app, with two floors to compare.

Each page is requested as the staff member who uses it (signed in through ``/login`` with
the synthetic accounts' password, so sessions carry what a real sign-in puts in them), once to
warm up and then ``runs`` times; the result is p50/p95 in milliseconds and the number of SQL
statements one request runs. In the same run two baselines: ``flask_floor``, a bare Flask
route that runs one query and renders one template (what any page costs at least), and
``report_sql``, the statements the monthly report page runs, replayed on a raw connection
(what the database needs for the report, before any Python). Requests go through the test
client, in this process, one after another; CSRF and rate limits are off for the bench's app
only (they cost microseconds and would refuse a scripted client).

Registering a visit really registers one: each run adds a visit to today's queue.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import Flask, render_template_string
from flask.testing import FlaskClient

from cases.identity import format_phone, initials
from cases.models import Case, CaseNote, Client
from centers.models import Agency, AgencyKind, Centre, Staff
from centers.tokens import create_token
from core.clock import local_today
from core.extensions import db
from core.roles import Role
from intake.models import Visit
from perf.synthetic import DEMO_PASSWORD
from referrals.models import OPEN_STATUSES, Referral
from reports.closing import close_month
from reports.editions import editions
from reports.periods import Month


@dataclass
class Page:
    name: str
    user: str  # username, or "api" for the bearer token
    method: str
    url: str
    data: dict | None = None
    json: dict | None = None


@dataclass
class Result:
    name: str
    timings: list[float] = field(default_factory=list)
    queries: int = 0
    status: int = 200

    def as_dict(self) -> dict:
        return {"p50_ms": round(percentile(self.timings, 50), 2),
                "p95_ms": round(percentile(self.timings, 95), 2),
                "runs": len(self.timings), "queries": self.queries, "status": self.status}


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


class StatementLog:
    """Every SQL statement the engine runs while :meth:`capture` is open."""

    def __init__(self, engine: sa.Engine) -> None:
        self.active = False
        self.statements: list[tuple[str, object]] = []
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.active:
            self.statements.append((statement, parameters))

    @contextmanager
    def capture(self):
        self.statements, self.active = [], True
        try:
            yield self.statements
        finally:
            self.active = False


def pages_for(centre: Centre) -> tuple[list[Page], dict[str, str]]:
    """The pages of issue 12's table at ``centre``, and who asks for each."""
    code = centre.code
    staff = {s.role: s for s in db.session.scalars(
        sa.select(Staff).where(Staff.centre_id == centre.id).order_by(Staff.id))}
    desk, manager = staff[Role.FRONT_DESK].username, staff[Role.MANAGER].username
    admin = db.session.scalar(sa.select(Staff.username).where(Staff.role == Role.ADMIN)
                              .order_by(Staff.id))
    person = db.session.scalar(
        sa.select(Client).where(Client.centre_id == centre.id, Client.phone.is_not(None))
        .order_by(Client.id).offset(db.session.scalar(
            sa.select(sa.func.count()).select_from(Client).where(
                Client.centre_id == centre.id)) // 2).limit(1))
    notes = (sa.select(CaseNote.case_id, sa.func.count().label("n")).join(Case)
             .where(Case.centre_id == centre.id).group_by(CaseNote.case_id).subquery())
    many = db.session.execute(sa.select(notes.c.case_id).order_by(notes.c.n.desc()).limit(1)).scalar()
    few = db.session.execute(sa.select(notes.c.case_id).where(notes.c.n == 4)
                             .order_by(notes.c.case_id.desc()).limit(1)).scalar() or many
    inbox_agency = db.session.execute(
        sa.select(Referral.to_agency_id).where(Referral.centre_id == centre.id,
                                               Referral.status.in_(OPEN_STATUSES))
        .group_by(Referral.to_agency_id).order_by(sa.func.count().desc()).limit(1)).scalar()
    inbox_user = db.session.scalar(sa.select(Staff.username).where(
        Staff.agency_id == inbox_agency, Staff.role == Role.CASEWORKER).order_by(Staff.id)) \
        if inbox_agency else None

    def case_user(case_id: int) -> str:
        return db.session.scalar(sa.select(Staff.username).join(Case, Case.caseworker_id == Staff.id)
                                 .where(Case.id == case_id))

    employment = db.session.scalar(sa.select(Agency).where(
        Agency.centre_id == centre.id, Agency.kind == AgencyKind.EMPLOYMENT))
    today = local_today()
    last_month = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    month = f"{last_month:%Y-%m}"
    closed = _closed_month(centre, staff[Role.MANAGER], Month.of(last_month).previous())

    pages = [
        Page("desk_search_name", desk, "POST", "/intake/", data={"q": person.name}),
        # A given name alone (two syllables, many people) and a name nobody has (every row
        # looked at unless an index answers).
        Page("desk_search_name_part", desk, "POST", "/intake/", data={"q": person.name[-2:]}),
        Page("desk_search_no_match", desk, "POST", "/intake/", data={"q": "뷁휗"}),
        Page("desk_search_phone", desk, "POST", "/intake/", data={"q": format_phone(person.phone)}),
        Page("desk_search_initials", desk, "POST", "/intake/", data={"q": initials(person.name)}),
        Page("register_visit", desk, "POST", f"/intake/people/{person.id}/visits/new",
             data={"purposes": [employment.kind.domain.value], "desk_1": employment.id,
                   "desk_2": 0, "desk_3": 0, "desk_4": 0, "party_size": 1, "note": ""}),
        Page("todays_queue", desk, "GET", "/intake/queue"),
        Page("case_page_few_notes", case_user(few), "GET", f"/cases/{few}"),
        Page("case_page_many_notes", case_user(many), "GET", f"/cases/{many}"),
        Page("referral_inbox", inbox_user or desk, "GET", "/referrals/inbox"),
        Page("manager_dashboard", manager, "GET", "/reports/dashboard"),
        Page("monthly_report", manager, "GET", f"/reports/monthly/{code}/{month}"),
        Page("monthly_pdf", manager, "GET", f"/reports/monthly/{code}/{month}.pdf"),
        Page("monthly_xlsx", manager, "GET", f"/reports/monthly/{code}/{month}.xlsx"),
        Page("closed_month_page", manager, "GET", f"/reports/monthly/{code}/{closed}"),
        Page("closed_month_pdf", manager, "GET", f"/reports/monthly/{code}/{closed}.pdf"),
        Page("api_people_search", "api", "POST", "/api/v1/people/search",
             json={"q": person.name[:2]}),
        Page("national_rollup", admin, "GET", f"/reports/national/{month}"),
        Page("national_xlsx", admin, "GET", f"/reports/national/{month}.xlsx"),
    ]
    return pages, {"api_user": desk}


def _closed_month(centre: Centre, manager: Staff, month: Month) -> Month:
    """The month before last, closed by the centre's manager (once) so the bench can time a
    closed month's page and PDF, which are read from its stored edition.

    The months last month's report reads besides its own are closed too, oldest first, as a
    centre closes month by month: the same month a year before and the months from then to
    the month before last (its comparison columns and its 12-month trend). A centre that
    closes its months reads those from their editions; timing them recomputed would time a
    centre that never closes a month."""
    first_day = db.session.scalar(sa.select(sa.func.min(Visit.visit_date))
                                  .where(Visit.centre_id == centre.id))
    earlier = month.next().year_before()
    while first_day is not None and earlier <= month:
        if earlier.span.end > first_day and not editions(centre.id, earlier):
            close_month(manager, centre, earlier)
            db.session.commit()
        earlier = earlier.next()
    return month


def scale_counts() -> dict[str, int]:
    tables = {"centres": Centre, "people": Client, "visits": Visit, "cases": Case,
              "notes": CaseNote, "referrals": Referral}
    counts = {name: db.session.scalar(sa.select(sa.func.count()).select_from(model))
              for name, model in tables.items()}
    counts["audit_events"] = db.session.scalar(sa.text("SELECT count(*) FROM audit_events"))
    return counts


def run_bench(app: Flask, runs: int, budget: float | None,
              say: Callable[[str], object] = print, only: tuple[str, ...] = ()) -> dict:
    """Measure every page (or those whose name starts with one of ``only``) and both
    baselines; ``budget`` (seconds) stops a slow page's runs early (its ``runs`` then says
    how many were made, at least five)."""
    with app.app_context():
        centre = db.session.scalar(sa.select(Centre).where(Centre.code.like("synth-%"))
                                   .order_by(Centre.id))
        if centre is None:
            raise LookupError("no synthetic centre: run seed-synthetic first")
        pages, extra = pages_for(centre)
        if only:
            pages = [page for page in pages if page.name.startswith(only)]
        api_staff = db.session.scalar(sa.select(Staff).where(Staff.username == extra["api_user"]))
        token = create_token(api_staff, api_staff, name="bench", days=1, source="cli").secret
        db.session.commit()
        counts = scale_counts()
        engine_name = db.engine.dialect.name
        log = StatementLog(db.engine)
    clients: dict[str, FlaskClient] = {}

    def client_for(user: str) -> FlaskClient:
        if user not in clients:
            client = app.test_client()
            if user != "api":
                response = client.post("/login", data={"username": user, "password": DEMO_PASSWORD})
                if response.status_code != 302:
                    raise RuntimeError(f"sign-in of {user} refused ({response.status_code})")
            clients[user] = client
        return clients[user]

    def request(page: Page):
        kwargs = {"data": page.data, "json": page.json}
        if page.user == "api":
            kwargs["headers"] = {"Authorization": f"Bearer {token}"}
        return client_for(page.user).open(page.url, method=page.method, **kwargs)

    results: dict[str, Result] = {}
    report_statements: list[tuple[str, object]] = []
    for page in pages:
        result = results[page.name] = Result(page.name)
        response = request(page)  # warm-up, and the query count
        with log.capture() as statements:
            response = request(page)
        result.status = response.status_code
        result.queries = len(statements)
        if page.name == "monthly_report":
            report_statements = list(statements)
        result.timings = _time(lambda p=page: request(p), runs, budget)
        say(_line(page.name, result))
    baselines = {"flask_floor": Result("flask_floor"), "report_sql": Result("report_sql")}
    floor = _floor_app(app.config["SQLALCHEMY_DATABASE_URI"])
    floor_client = floor.test_client()
    floor_client.get("/")
    baselines["flask_floor"].queries = 1
    baselines["flask_floor"].timings = _time(lambda: floor_client.get("/"), runs, budget)
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            def replay() -> None:
                cursor = raw.cursor()
                for statement, parameters in report_statements:
                    cursor.execute(statement, parameters)
                    if cursor.description is not None:
                        cursor.fetchall()
                cursor.close()
                raw.rollback()

            replay()
            baselines["report_sql"].queries = len(report_statements)
            baselines["report_sql"].timings = _time(replay, runs, budget)
        finally:
            raw.close()
    for name, result in baselines.items():
        say(_line(name, result))
    floor_p50 = percentile(baselines["flask_floor"].timings, 50) or 1e-9
    sql_p50 = percentile(baselines["report_sql"].timings, 50) or 1e-9
    say("")
    say(f"{'page':<24} {'p50 ms':>9} {'p95 ms':>9} {'queries':>7} {'× floor':>8} {'× report SQL':>12}")
    for name, result in results.items():
        p50 = percentile(result.timings, 50)
        ratio_sql = f"{p50 / sql_p50:12.2f}" if name.startswith("monthly") else f"{'':>12}"
        say(f"{name:<24} {p50:9.1f} {percentile(result.timings, 95):9.1f} {result.queries:7d} "
            f"{p50 / floor_p50:8.1f} {ratio_sql}")
    return {
        "scale": counts, "engine": engine_name,
        "results": {name: r.as_dict() for name, r in results.items()},
        "baselines": {name: r.as_dict() for name, r in baselines.items()},
    }


def _time(call: Callable[[], object], runs: int, budget: float | None) -> list[float]:
    timings: list[float] = []
    started = time.perf_counter()
    for _ in range(runs):
        before = time.perf_counter()
        call()
        timings.append((time.perf_counter() - before) * 1000)
        if budget and len(timings) >= 5 and time.perf_counter() - started > budget:
            break
    return timings


def _line(name: str, result: Result) -> str:
    return (f"{name:<24} p50 {percentile(result.timings, 50):9.1f} ms  p95 "
            f"{percentile(result.timings, 95):9.1f} ms  ({result.queries} queries, "
            f"{len(result.timings)} runs, HTTP {result.status})")


def _floor_app(url: str) -> Flask:
    """Hello, one select, one template: the least any page of ours can cost."""
    floor = Flask("floor")
    engine = sa.create_engine(url)

    @floor.get("/")
    def hello():
        with engine.connect() as connection:
            value = connection.execute(sa.text("SELECT 1")).scalar()
        return render_template_string("<p>{{ greeting }} {{ value }}</p>", greeting="hello",
                                      value=value)

    return floor
