"""``seed-synthetic``: a small history written in bulk, checked the way the app reads it."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
import test_case_instants as case_instants
import time_machine

from cases.identity import parse_rrn
from cases.models import Case, CaseNote, Client, Consent, ConsentDocument, ConsentKind
from centers.models import Centre, Staff
from core import audit
from core.audit import AuditEvent
from core.clock import local_today
from core.crypto import cipher
from core.extensions import db
from core.types import utcnow
from factories import login
from intake.models import FirstVisit, Visit, VisitStop
from perf.synthetic import DEMO_PASSWORD
from referrals.models import Referral


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_seed_synthetic_writes_a_consistent_history(runner, client):
    result = runner.invoke(args=["seed-synthetic", "--people", "150", "--visits", "900",
                                 "--years", "1", "--seed", "7"])
    assert result.exit_code == 0, result.output
    centre = db.session.scalar(sa.select(Centre).where(Centre.code == "synth-001"))
    assert centre is not None and centre.processes_rrn
    assert count(Client) == 150 and count(Visit) == 900
    assert count(Case) > 50 and count(CaseNote) > count(Case) and count(Referral) > 10
    assert count(AuditEvent) > 900
    # The summary line reports what was written (first visits counted, not a rowcount).
    assert f"first_visits {count(FirstVisit):,}" in result.output
    # The instants kept on each case row agree with its assessments, goals and events.
    assert case_instants.kept() == case_instants.recomputed()
    # The bulk-written events extend the access log's hash chain like any other.
    assert audit.verify().first_broken is None
    # Nothing happened after now; today has visitors.
    now = utcnow()
    assert db.session.scalar(sa.select(sa.func.max(Visit.arrived_at))) <= now
    assert db.session.scalar(sa.select(sa.func.max(CaseNote.created_at))) <= now
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit).where(
        Visit.visit_date == local_today())) > 0
    # Every named visitor had agreed to collection before their first visit.
    first_visit = (sa.select(Visit.client_id, sa.func.min(Visit.arrived_at).label("first"))
                   .where(Visit.client_id.is_not(None)).group_by(Visit.client_id).subquery())
    unconsented = db.session.scalar(
        sa.select(sa.func.count()).select_from(first_visit).where(~sa.exists().where(
            Consent.client_id == first_visit.c.client_id,
            Consent.document_id == ConsentDocument.id,
            ConsentDocument.kind == ConsentKind.COLLECTION,
            Consent.recorded_at <= first_visit.c.first)))
    assert unconsented == 0
    # Served desks have their times in order.
    for stop in db.session.scalars(sa.select(VisitStop).where(VisitStop.finished_at.is_not(None))):
        assert stop.queued_at <= stop.called_at <= stop.started_at <= stop.finished_at
    # Resident numbers as the app's cipher writes them: decrypted, valid, hashed the same.
    person = db.session.scalar(sa.select(Client).where(Client.rrn_encrypted.is_not(None)).limit(1))
    digits = cipher().decrypt(person.rrn_encrypted)
    assert parse_rrn(digits)[1] == person.birth_date
    assert cipher().keyed_hash(digits) == person.rrn_hash
    # An accepted referral leads to the person's case at the receiving agency.
    for referral in db.session.scalars(sa.select(Referral).where(Referral.to_case_id.is_not(None))):
        assert referral.to_case.client_id == referral.client_id
        assert referral.to_case.agency_id == referral.to_agency_id
        assert referral.due_at > referral.sent_at
    # The staff can sign in and find the people.
    desk = db.session.scalar(sa.select(Staff).where(Staff.username == "synth-001-desk01"))
    assert login(client, desk.username, DEMO_PASSWORD).status_code == 302
    response = client.post("/intake/", data={"q": person.name})
    assert response.status_code == 200 and person.masked_name in response.text


def test_seed_synthetic_adds_a_second_centre_beside_the_first(runner):
    for _ in range(2):
        result = runner.invoke(args=["seed-synthetic", "--people", "40", "--visits", "120",
                                     "--years", "1"])
        assert result.exit_code == 0, result.output
    assert set(db.session.scalars(sa.select(Centre.code))) == {"synth-001", "synth-002"}
    assert count(Client) == 80


def test_same_seed_at_the_same_moment_gives_the_same_history(runner):
    def history(code: str) -> list[tuple]:
        centre_id = db.session.scalar(sa.select(Centre.id).where(Centre.code == code))
        people = db.session.execute(sa.select(Client.name, Client.birth_date, Client.sex)
                                    .where(Client.centre_id == centre_id).order_by(Client.id)).all()
        visits = db.session.execute(sa.select(Visit.visit_date, Visit.ticket_number, Visit.status,
                                              Visit.arrived_at)
                                    .where(Visit.centre_id == centre_id).order_by(Visit.id)).all()
        cases = db.session.execute(sa.select(Case.status, Case.opened_at, Case.closed_at)
                                   .where(Case.centre_id == centre_id).order_by(Case.id)).all()
        return [*people, *visits, *cases]

    with time_machine.travel(datetime(2026, 3, 4, 5, 6, tzinfo=UTC), tick=False):
        for _ in range(2):
            result = runner.invoke(args=["seed-synthetic", "--people", "60", "--visits", "300",
                                         "--years", "1", "--seed", "11"])
            assert result.exit_code == 0, result.output
    assert history("synth-001") == history("synth-002")
