"""The access log is append-only in the database too, and a hash chain shows any row altered
or deleted behind the database's back (``flask --app app audit-verify``)."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from core import audit
from core.audit import AuditEvent
from core.extensions import db


def write_events(count: int, action: str = "test.event") -> list[int]:
    events = [audit.record(action, detail={"n": n, "text": "한글 ✓"}) for n in range(count)]
    db.session.commit()
    return [event.id for event in events]


@contextmanager
def triggers_set_aside():
    """What someone with the database's owner rights could do: switch the triggers off."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
            yield connection
            return
        triggers = connection.execute(sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
        for name, _sql in triggers:
            connection.execute(sa.text(f'DROP TRIGGER "{name}"'))
        yield connection
        for _name, sql in triggers:
            connection.execute(sa.text(sql))


def test_each_event_chains_on_the_one_before(app, runner):
    ids = write_events(3)
    write_events(2)
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert events[0].id == ids[0] and events[0].prev_hash == audit.GENESIS
    pairs = zip(events, events[1:], strict=False)
    assert all(later.prev_hash == earlier.chain_hash for earlier, later in pairs)
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0, result.output
    assert "5건 이상 없음" in result.output and events[-1].chain_hash in result.output


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET action = 'auth.login' WHERE id = :id",
    "DELETE FROM audit_events WHERE id = :id",
])
def test_the_database_refuses_to_update_or_delete_an_event(app, statement):
    event_id = write_events(1)[0]
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as connection:
        connection.execute(sa.text(statement), {"id": event_id})
    assert db.session.get(AuditEvent, event_id).action == "test.event"


def test_the_orm_refuses_too(app):
    event = db.session.get(AuditEvent, write_events(1)[0])
    event.action = "auth.login"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_audit_verify_names_the_first_altered_row(app, runner):
    ids = write_events(5)
    with triggers_set_aside() as connection:
        connection.execute(sa.text("UPDATE audit_events SET username = 'someone' WHERE id = :id"),
                           {"id": ids[2]})
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert f"#{ids[2]}: 내용이 바뀌었습니다" in result.output


def test_audit_verify_names_the_row_after_a_deleted_one(app, runner):
    ids = write_events(5)
    with triggers_set_aside() as connection:
        connection.execute(sa.text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[1]})
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert f"#{ids[2]}: 앞 기록이 삭제되었거나 바뀌었습니다" in result.output


def test_a_rewritten_hash_does_not_hide_an_alteration(app, runner):
    """Altering a row and recomputing its own hash breaks the link from the next one."""
    ids = write_events(4)
    forged = db.session.get(AuditEvent, ids[1])
    db.session.expunge(forged)
    forged.username = "someone"
    new_hash = audit.chain(forged.prev_hash, forged)
    with triggers_set_aside() as connection:
        connection.execute(sa.text(
            "UPDATE audit_events SET username = 'someone', chain_hash = :h WHERE id = :id"),
            {"h": new_hash, "id": ids[1]})
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1 and f"#{ids[2]}:" in result.output


def test_concurrent_writers_keep_one_chain(app, runner):
    """Eight writers at once, each committing events one by one: the chain does not fork."""
    errors = []

    def writer(number: int) -> None:
        try:
            with app.app_context():
                for n in range(6):
                    audit.record("test.concurrent", detail={"writer": number, "n": n})
                    db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 48
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0, result.output
