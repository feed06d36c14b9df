"""The instants kept on each case row (first assessment, first plan goal, last status change):
whatever writes the rows — the case pages, rows written with their own time as the report
tests do, the migration that fills them, the synthetic bulk load — they agree with a
recomputation from the assessments, goals and events, and the caseload's time-target flags
follow them."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_migrate import stamp, upgrade

from app import create_app
from cases import services as casework
from cases.models import (
    Assessment,
    Case,
    CaseEvent,
    CaseStatus,
    Level,
    NeedDomain,
    PlanGoal,
    Priority,
)
from centers.models import AgencyKind
from core.clock import local_today
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from factories import (
    app_config,
    fresh_database_url,
    make_agency,
    make_case,
    make_centre,
    make_client,
    make_staff,
)

RATINGS = {f"rating_{domain.value}": "none" for domain in NeedDomain}


def kept() -> set[tuple]:
    return set(db.session.execute(sa.select(
        Case.id, Case.first_assessment_at, Case.first_goal_at, Case.status_changed_at)).all())


def recomputed() -> set[tuple]:
    def earliest(model, instant, compare=sa.func.min):
        return (sa.select(compare(instant)).where(model.case_id == Case.id)
                .correlate(Case).scalar_subquery())
    return set(db.session.execute(sa.select(
        Case.id, earliest(Assessment, Assessment.created_at),
        earliest(PlanGoal, PlanGoal.created_at),
        earliest(CaseEvent, CaseEvent.at, sa.func.max))).all())


def assess(client, case, day: date):
    return client.post(f"/cases/{case.id}/assessments", data={
        **RATINGS, "rating_employment": "high", "crisis_level": "medium",
        "assessed_on": day.isoformat()})


def add_goal(client, case):
    return client.post(f"/cases/{case.id}/goals", data={
        "domain": "employment", "description": "직업훈련 수료", "status": "in_progress",
        "target_date": (local_today() + timedelta(days=60)).isoformat(), "service_name": ""})


def test_kept_through_the_case_pages_and_the_caseload_follows(client, login_as):
    centre = make_centre(code="namyangju")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT)
    worker = login_as(Role.CASEWORKER, centre=centre, agency=jobs)
    late = make_case(make_client(centre), jobs, caseworker=worker,
                     opened_at=utcnow() - timedelta(days=40))
    assessed = make_case(make_client(centre, name="김철수"), jobs, caseworker=worker,
                         opened_at=utcnow() - timedelta(days=40))
    assert assess(client, assessed, local_today()).status_code == 302
    assert kept() == recomputed()
    assert late.status_changed_at is not None and late.first_assessment_at is None
    flagged = client.get("/cases/?overdue=assessment").text
    assert f'/cases/{late.id}"' in flagged and "초기 조사 기한 지남" in flagged
    assert f'/cases/{assessed.id}"' not in flagged
    unplanned = client.get("/cases/?overdue=plan").text
    assert f'/cases/{late.id}"' in unplanned and f'/cases/{assessed.id}"' in unplanned

    assert assess(client, late, local_today() - timedelta(days=3)).status_code == 302
    assert add_goal(client, late).status_code == 302
    assert client.post(f"/cases/{late.id}/activate",
                       data={"version": late.version}).status_code == 302
    assert kept() == recomputed()
    first = db.session.get(Case, late.id).first_assessment_at
    assert first is not None
    # A second assessment and goal keep the first instants; each status change moves the last.
    assess(client, late, local_today())
    add_goal(client, late)
    db.session.expire_all()
    case = db.session.get(Case, late.id)
    for action, extra in (("close", {"reason": "employed"}), ("reopen", {})):
        client.post(f"/cases/{late.id}/{action}", data={"version": case.version, **extra})
        db.session.refresh(case)
    assert kept() == recomputed()
    db.session.expire_all()
    assert db.session.get(Case, late.id).first_assessment_at == first
    assert db.session.get(Case, late.id).status == CaseStatus.ACTIVE  # closed, then reopened
    assert f'/cases/{late.id}"' not in client.get("/cases/?overdue=assessment").text
    unplanned = client.get("/cases/?overdue=plan").text
    assert f'/cases/{late.id}"' not in unplanned and f'/cases/{assessed.id}"' in unplanned


def test_rows_written_with_their_own_time_move_the_instants(app):
    """Rows written straight into the tables (the report tests backdate this way): an earlier
    one moves the first instant back, a later one does not; the case object in the session
    shows the new value without a save of its own (its version stays)."""
    centre = make_centre()
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT)
    worker = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    case = make_case(make_client(centre), jobs, caseworker=worker)
    version, now = case.version, utcnow()
    for days in (5, 20, 10):
        db.session.add(Assessment(case_id=case.id, assessed_on=local_today(), ratings={},
                                  crisis_level=Level.LOW, author_id=worker.id,
                                  created_at=now - timedelta(days=days)))
        db.session.add(PlanGoal(case_id=case.id, domain=NeedDomain.HOUSING, description="주거",
                                created_by_id=worker.id, created_at=now - timedelta(days=days)))
        db.session.add(CaseEvent(case_id=case.id, actor_id=worker.id, from_status=CaseStatus.OPEN,
                                 to_status=CaseStatus.OPEN, at=now - timedelta(days=days)))
        db.session.flush()
    assert case.first_assessment_at == case.first_goal_at == now - timedelta(days=20)
    assert case.status_changed_at > now - timedelta(days=1)  # the opening event stays the last
    db.session.commit()
    assert case.version == version
    assert kept() == recomputed()
    # An event's instant changed afterwards (backdated): the last change is recomputed.
    latest = max(case.events, key=lambda event: event.at)
    latest.at = now - timedelta(days=30)
    db.session.commit()
    assert kept() == recomputed()
    assert case.status_changed_at == now - timedelta(days=5)


def test_a_case_opened_in_the_same_transaction_reads_its_instants(app):
    """The services open a case, then assess it, before anything is committed: the case in
    hand says it was assessed; an assessment rolled back with its savepoint is forgotten."""
    centre = make_centre()
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT)
    worker = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    case = casework.open_case(worker, make_client(centre), priority=Priority.NORMAL, summary="")
    db.session.flush()
    assert case.status_changed_at is not None and case.first_assessment_at is None
    casework.record_assessment(worker, case, assessed_on=local_today(), ratings={},
                               crisis_level=Level.LOW, notes="")
    assert case.first_assessment_at is not None
    assert not casework.is_assessment_overdue(case, utcnow() + timedelta(days=30))
    db.session.commit()
    other = casework.open_case(worker, make_client(centre, name="김철수"),
                               priority=Priority.NORMAL, summary="")
    db.session.commit()
    try:
        with db.session.begin_nested():
            casework.add_goal(worker, other, {"domain": NeedDomain.HOUSING, "description": "주거"})
            assert other.first_goal_at is not None
            raise RuntimeError("the desk's next step failed")
    except RuntimeError:
        pass
    assert other.first_goal_at is None
    db.session.commit()
    assert kept() == recomputed()


def test_the_migration_fills_them_from_the_rows_already_stored(db_url, tmp_path):
    app = create_app(app_config(fresh_database_url(db_url, tmp_path, "case_instants")))
    with app.app_context():
        upgrade()
        centre = make_centre()
        jobs = make_agency(centre, AgencyKind.EMPLOYMENT)
        worker = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
        plain = make_case(make_client(centre), jobs, caseworker=worker)
        worked = make_case(make_client(centre, name="김철수"), jobs, caseworker=worker)
        for days in (3, 9):
            db.session.add(Assessment(case_id=worked.id, assessed_on=local_today(), ratings={},
                                      crisis_level=Level.LOW, author_id=worker.id,
                                      created_at=utcnow() - timedelta(days=days)))
        db.session.add(PlanGoal(case_id=worked.id, domain=NeedDomain.HOUSING, description="주거",
                                created_by_id=worker.id))
        db.session.commit()
        before = kept()
        assert before == recomputed() and len(before) == 2 and plain.first_goal_at is None
        # Back to 0028 with the data kept: the columns dropped by plain SQL (SQLite's batch
        # downgrade rebuilds the table, which its foreign keys refuse while rows point at it).
        db.session.execute(sa.text("DROP INDEX ix_cases_status_changed_at"))
        for column in ("first_assessment_at", "first_goal_at", "status_changed_at"):
            db.session.execute(sa.text(f"ALTER TABLE cases DROP COLUMN {column}"))
        db.session.commit()
        db.session.remove()
        stamp(revision="0028")
        upgrade()
        assert kept() == before
        db.session.remove()
        db.engine.dispose()
