"""Retention: ``flask --app app purge-expired`` anonymises people past their retention and
drops old access-log events as a checkpointed prefix of the chain; each run is logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from cases import services as casework
from cases.models import Case, CaseNote, Client, ClientSearchGram, NoteKind
from cases.retention import ERASED, years_before
from centers.models import AgencyKind
from core import audit
from core.audit import AuditCheckpoint, AuditEvent
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from factories import audit_actions, make_agency, make_case, make_centre, make_client, make_staff
from intake.models import Visit


def backdate(client: Client, years: int) -> None:
    """Move all of a person's activity ``years`` years back (the rows are ours to move)."""
    then = years_before(utcnow(), years)
    db.session.execute(sa.update(Client).where(Client.id == client.id)
                       .values(created_at=then, updated_at=then))
    for model, column in ((Case, "opened_at"), (Case, "last_contact_at")):
        db.session.execute(sa.update(model).where(model.client_id == client.id)
                           .values({column: then}))
    db.session.execute(sa.update(CaseNote).where(CaseNote.case_id.in_(
        sa.select(Case.id).where(Case.client_id == client.id))).values(created_at=then))
    from cases.models import Consent
    db.session.execute(sa.update(Consent).where(Consent.client_id == client.id)
                       .values(recorded_at=then))
    db.session.execute(sa.update(Visit).where(Visit.client_id == client.id).values(arrived_at=then))
    db.session.commit()


def event_at(action: str, years_ago: float) -> int:
    written = audit.record(action, detail={"n": 1})
    written.at = utcnow() - timedelta(days=365.25 * years_ago)
    db.session.commit()
    return written.id


@pytest.fixture
def people():
    centre = make_centre(code="namyangju")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT)
    worker = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    old = make_client(centre, name="오래된", phone="+821011112222", address_detail="행복로 1")
    case = make_case(old, jobs, worker, summary="생계 곤란")
    casework.add_note(worker, case, kind=NoteKind.COUNSELLING, body="가족 사정", is_confidential=False)
    db.session.commit()
    backdate(old, 6)
    recent = make_client(centre, name="최근")
    return old, recent


def test_a_dry_run_changes_nothing_but_is_logged(app, runner, people):
    old, recent = people
    result = runner.invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    assert "사람 1명" in result.output and "--apply" in result.output
    assert db.session.get(Client, old.id).name == "오래된"
    checked = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "retention.checked"))
    assert checked.detail["people"] == 1


def test_people_past_their_retention_are_anonymised_with_what_was_written_about_them(
        app, runner, people):
    old, recent = people
    birth_year = old.birth_date.year
    result = runner.invoke(args=["purge-expired", "--apply"])
    assert result.exit_code == 0, result.output
    gone = db.session.get(Client, old.id)
    assert (gone.name, gone.phone, gone.address_detail, gone.rrn_hash) == (ERASED, None, "", None)
    assert (gone.birth_date.year, gone.birth_date.month, gone.birth_date.day) == (birth_year, 1, 1)
    assert gone.anonymised_at is not None
    assert not db.session.scalars(sa.select(ClientSearchGram.gram)
                                  .where(ClientSearchGram.client_id == old.id)).all()
    case = db.session.scalar(sa.select(Case).where(Case.client_id == old.id))
    assert case.summary == "" and all(note.body == ERASED for note in case.notes)
    assert db.session.get(Client, recent.id).name == "최근"
    assert audit_actions(client_id=old.id)[-1] == "client.anonymised"
    assert "retention.purged" in audit_actions()
    again = runner.invoke(args=["purge-expired", "--apply"])
    assert "사람 0명" in again.output


def test_a_person_with_a_recent_visit_is_kept(app, runner, people):
    old, _recent = people
    db.session.execute(sa.update(Visit).where(Visit.client_id == old.id).values(arrived_at=utcnow()))
    from factories import make_visit
    make_visit(old.centre, [old.centre.agencies[0]], client=old)
    runner.invoke(args=["purge-expired", "--apply"])
    assert db.session.get(Client, old.id).name == "오래된"


def test_old_access_log_events_are_dropped_and_the_chain_still_verifies(app, runner):
    ancient = [event_at("client.view", 3), event_at("auth.login", 2.5), event_at("case.view", 2.4)]
    recent = [event_at("client.view", 1), event_at("client.view", 0)]
    result = runner.invoke(args=["purge-expired", "--apply"])
    assert result.exit_code == 0, result.output
    remaining = db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()
    # The rights event of 2.5 years ago stays (three years), and with it what follows it.
    assert ancient[0] not in remaining and ancient[1] in remaining and recent[0] in remaining
    checkpoint = db.session.scalar(sa.select(AuditCheckpoint))
    assert (checkpoint.upto_id, checkpoint.dropped) == (ancient[0], 1)
    verified = runner.invoke(args=["audit-verify"])
    assert verified.exit_code == 0, verified.output
    event_at("client.view", 0)
    assert runner.invoke(args=["audit-verify"]).exit_code == 0


def test_everything_old_dropped_and_new_events_chain_on_from_the_checkpoint(app, runner):
    event_at("client.view", 4)
    event_at("auth.login", 3.5)
    runner.invoke(args=["purge-expired", "--apply"])
    assert db.session.scalar(sa.select(AuditCheckpoint.dropped)) == 2
    kept = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert kept == ["retention.purged"]
    assert runner.invoke(args=["audit-verify"]).exit_code == 0


def test_access_log_retention_below_two_years_is_refused(app, runner):
    app.config["ACCESS_LOG_RETENTION_YEARS"] = 1
    result = runner.invoke(args=["purge-expired", "--apply"])
    assert result.exit_code != 0 and "2년 이상" in result.output
