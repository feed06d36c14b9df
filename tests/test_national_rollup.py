"""The national roll-up at scale's two safeguards, through HTTP: a centre's desk figures are
read from its own run of visit ids, whatever order the centres' visits were written in, and
each figure is computed once per request (the rows and the targets' actual columns share
their counts)."""

from __future__ import annotations

import io
from datetime import date, datetime, time

import sqlalchemy as sa
from openpyxl import load_workbook

from centers.models import AgencyKind
from core.clock import SEOUL
from core.extensions import db
from core.roles import Role
from factories import make_agency, make_centre, make_staff
from intake.models import StopStatus, Visit, VisitStatus, VisitStop

ROLL_UP = "/reports/national/2025-03"


def add_visit(centre, day: date, *waits: tuple) -> Visit:
    """A finished visit on ``day`` served at a desk per (agency, minutes waited) from 10:00."""
    desk = make_staff(Role.FRONT_DESK, centre=centre)
    arrived = datetime.combine(day, time(10, 0), tzinfo=SEOUL)
    visit = Visit(centre_id=centre.id, visit_date=day, status=VisitStatus.DONE,
                  ticket_number=f"T-{db.session.scalar(sa.select(sa.func.count(Visit.id))) + 1}",
                  arrived_at=arrived, registered_by_id=desk.id)
    for position, (agency, minutes) in enumerate(waits):
        called = arrived.replace(minute=minutes)
        visit.stops.append(VisitStop(agency_id=agency.id, position=position,
                                     status=StopStatus.DONE, queued_at=arrived,
                                     called_at=called, started_at=called))
    db.session.add(visit)
    db.session.commit()
    return visit


def national_rows(client) -> dict[str, dict[str, object]]:
    response = client.get(f"{ROLL_UP}.xlsx")
    assert response.status_code == 200
    rows = [row for row in load_workbook(io.BytesIO(response.data))["전국 현황"]
            .iter_rows(values_only=True) if row]
    header = next(row for row in rows if row[0] == "센터 코드")
    column = {name.split(" (")[0]: index for index, name in enumerate(header) if name}
    wanted = ("방문 건수", "평균 대기 시간", "두 기관 이상 이용 비율", "줄어든 기관 방문")
    return {("total" if row[1] == "전국 합계" else row[0]): {name: row[column[name]]
                                                          for name in wanted}
            for row in rows if row[0] in ("north", "south") or row[1] == "전국 합계"}


def test_each_centre_reads_its_own_run_of_visit_ids(client, login_as):
    north, south = make_centre(code="north"), make_centre(code="south")
    n_jobs, n_welfare = make_agency(north), make_agency(north, AgencyKind.WELFARE)
    s_jobs = make_agency(south)
    # North's March visits on both sides of south's (the runs overlap), a north visit in
    # April between south's two March visits (its stops lie inside south's run), and
    # south's history written after north's in one go (runs apart).
    add_visit(north, date(2025, 3, 3), (n_jobs, 10), (n_welfare, 5))
    add_visit(south, date(2025, 3, 3), (s_jobs, 2))
    add_visit(north, date(2025, 3, 4), (n_jobs, 1))
    add_visit(north, date(2025, 4, 1), (n_jobs, 50), (n_welfare, 50))
    add_visit(south, date(2025, 3, 5), (s_jobs, 4))
    add_visit(south, date(2025, 3, 6), (s_jobs, 6), (s_jobs, 8))
    login_as(Role.ADMIN)

    rows = national_rows(client)

    assert rows["north"] == {"방문 건수": 2, "평균 대기 시간": 5.3,  # (10 + 5 + 1) / 3
                             "두 기관 이상 이용 비율": 50.0, "줄어든 기관 방문": 1}
    assert rows["south"] == {"방문 건수": 3, "평균 대기 시간": 5.0,  # (2 + 4 + 6 + 8) / 4
                             "두 기관 이상 이용 비율": 0.0, "줄어든 기관 방문": 0}
    assert rows["total"] == {"방문 건수": 5, "평균 대기 시간": 5.1,  # 36 / 7
                             "두 기관 이상 이용 비율": 20.0, "줄어든 기관 방문": 1}


def test_the_roll_up_computes_each_figure_once(client, login_as, app):
    north = make_centre(code="north")
    jobs = make_agency(north)
    add_visit(north, date(2025, 3, 3), (jobs, 10))
    login_as(Role.ADMIN)
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert client.get(ROLL_UP).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)

    figure_statements = [s for s in statements if "visit_stops" in s or "FROM cases" in s]
    assert figure_statements
    assert len(figure_statements) == len(set(figure_statements))
