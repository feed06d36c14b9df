"""The append-only audit trail required by the Personal Information Protection Act.

Every read of a person's record, every export/print, every login and every permission change
writes one :class:`AuditEvent` through :func:`record`. Rows are never updated or deleted: the ORM
refuses it (see the listeners at the bottom) and so does the database (triggers, migration 0009;
a row may be dropped only once the retention purge has recorded an :class:`AuditCheckpoint`
covering it).

Tamper evidence: each event stores ``chain_hash = sha256(prev_hash + its content)``, where
``prev_hash`` is the chain hash of the event before it (by id). The chain is extended at flush
time while holding a lock that every writer of events takes (a transaction-scoped advisory lock
on PostgreSQL, SQLite's single write lock), so concurrent requests cannot fork it, and ids grow
in chain order. :func:`verify` walks the chain; ``flask --app app audit-verify`` runs it.

The lock is held from the flush that writes events until the commit, so :func:`record` keeps
its event aside and adds it to the session only when the transaction commits
(:func:`write_pending` for a caller that needs the row sooner). Were it added at once, the
first query after it (the page's own reads, its template) would flush it and every other
worker writing an event — every page that shows a person does — would wait for this one to
finish drawing its page: at 50 staff, three of four gunicorn workers were seen waiting on it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    # SQLite: never reuse the id of a dropped event (the chain is walked in id order).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(index=True)
    username: Mapped[str | None] = mapped_column(sa.String(64))
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    request_id: Mapped[str | None] = mapped_column(sa.String(32))
    centre_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    subject_type: Mapped[str | None] = mapped_column(sa.String(32))
    subject_id: Mapped[int | None]
    client_id: Mapped[int | None] = mapped_column(index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    chain_hash: Mapped[str] = mapped_column(sa.String(64))

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} by {self.username}>"


class AuditCheckpoint(db.Model):
    """Where the retention purge cut the chain: events up to ``upto_id`` were dropped, the last
    of them had ``upto_hash``; the first remaining event must chain on from it."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    upto_id: Mapped[int] = mapped_column(index=True)
    upto_hash: Mapped[str] = mapped_column(sa.String(64))
    dropped: Mapped[int]
    cutoff: Mapped[datetime] = mapped_column(UTCDateTime)


def record(
    action: str,
    *,
    actor: Any = None,
    subject: Any = None,
    client_id: int | None = None,
    centre_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event to the session (the caller's transaction commits it).

    ``actor`` defaults to the signed-in staff member; ``subject`` is any model instance with an
    ``id`` (its table name becomes the subject type). IP and request id come from the request
    when there is one, so CLI commands are audited too, without them.
    """
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if subject is not None and subject.id is None:
        db.session.flush()
    event = AuditEvent(
        at=utcnow(),
        staff_id=getattr(actor, "id", None),
        username=getattr(actor, "username", None),
        centre_id=centre_id if centre_id is not None else getattr(actor, "centre_id", None),
        action=action,
        subject_type=subject.__tablename__ if subject is not None else None,
        subject_id=subject.id if subject is not None else None,
        client_id=client_id,
        detail=detail or {},
    )
    if has_request_context():
        event.ip = request.remote_addr
        event.request_id = g.get("request_id")
        if g.get("audit_via"):  # e.g. "api:hj_a1b2c3": which API token did it
            event.detail = {**event.detail, "via": g.audit_via}
    _pending(db.session).append(event)
    return event


def write_pending() -> None:
    """Write the events recorded so far in this transaction now (for a caller that needs an
    event's id before the commit); this transaction then holds the chain's lock."""
    _add_pending(db.session())
    db.session.flush()


def _pending(session) -> list[AuditEvent]:
    return session.info.setdefault("audit_pending", [])


@sa.event.listens_for(sa.orm.Session, "before_commit")
def _add_pending(session) -> None:
    """The events kept aside by :func:`record` join the transaction as it commits; its last
    flush writes them (and takes the chain's lock) just before the commit releases it."""
    pending = session.info.pop("audit_pending", None)
    if pending:
        session.add_all(pending)


@sa.event.listens_for(sa.orm.Session, "after_soft_rollback")
def _drop_pending(session, previous_transaction) -> None:
    """A rolled-back transaction writes none of the events it recorded (a savepoint rolled
    back inside it keeps them: they belong to the transaction, not to the savepoint)."""
    if previous_transaction.parent is None:
        session.info.pop("audit_pending", None)


def record_listing(action: str, client_ids, *, actor: Any = None, **detail: Any) -> AuditEvent | None:
    """One event for a page or answer that showed several people at once (a list, a search's
    results): how many and which (their ids), never the terms searched with.

    A list that refreshes itself in the background (the queue, the referral inbox: hanjari.js
    asks with ``X-Requested-With: hanjari-refresh`` every 30 s) is logged only when the people
    on it changed: the staff member's last event of this kind for the same page already records
    that they saw exactly these people, and a row every 30 s all day would bury the log. Returns
    None when nothing was written."""
    ids = sorted({client_id for client_id in client_ids if client_id is not None})
    if is_background_refresh():
        if actor is None and current_user.is_authenticated:
            actor = current_user._get_current_object()
        last = db.session.scalar(
            sa.select(AuditEvent.detail)
            .where(AuditEvent.staff_id == getattr(actor, "id", None), AuditEvent.action == action)
            .order_by(AuditEvent.id.desc()).limit(1))
        if last and last.get("page") == detail.get("page") and last.get("client_ids") == ids:
            return None
        detail = {**detail, "refresh": True}
    return record(action, actor=actor, detail={**detail, "count": len(ids), "client_ids": ids})


def is_background_refresh() -> bool:
    """Whether this request is a list refreshing itself (hanjari.js), not a person opening it."""
    return has_request_context() and request.headers.get("X-Requested-With") == REFRESH_HEADER


REFRESH_HEADER = "hanjari-refresh"


def changes(obj: Any, fields: tuple[str, ...], values: dict[str, Any]) -> dict[str, Any]:
    """Apply ``values`` to ``obj`` and return {field: [before, after]} for what changed: the
    ``changes`` of an audit event, in JSON."""
    changed = {}
    for field in fields:
        if field in values and getattr(obj, field) != values[field]:
            changed[field] = [_jsonable(getattr(obj, field)), _jsonable(values[field])]
            setattr(obj, field, values[field])
    return changed


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


# --- the hash chain ------------------------------------------------------------------------

GENESIS = "0" * 64
_CHAIN_LOCK = 0x48414E4A  # "HANJ": the advisory lock key every writer of events takes on PG


def content_of(event: AuditEvent) -> str:
    """The event's content as canonical JSON: what its hash covers (everything but the id and
    the hashes themselves)."""
    return content(event.at, event.staff_id, event.username, event.ip, event.request_id,
                   event.centre_id, event.action, event.subject_type, event.subject_id,
                   event.client_id, event.detail)


def content(at: datetime, staff_id, username, ip, request_id, centre_id, action, subject_type,
            subject_id, client_id, detail) -> str:
    """:func:`content_of` from the column values, for writers that bypass the ORM (the bulk
    loader of ``seed-synthetic``)."""
    detail = json.loads(json.dumps(detail or {}, default=str))
    return json.dumps(
        [at.astimezone(UTC).isoformat(timespec="microseconds"), staff_id, username, ip,
         request_id, centre_id, action, subject_type, subject_id, client_id, detail],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain(prev_hash: str, event: AuditEvent) -> str:
    return chain_of(prev_hash, content_of(event))


def chain_of(prev_hash: str, event_content: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{event_content}".encode()).hexdigest()


def chain_head(connection: sa.Connection) -> str:
    """The chain hash the next event continues from."""
    return _chain_head(connection)


def _take_chain_lock(connection: sa.Connection) -> None:
    """Make this transaction the only writer of events until it ends."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
    else:
        # A write that touches no row still takes SQLite's write lock (and begins the
        # transaction), so the last event read next cannot change before we commit.
        connection.execute(sa.text("UPDATE audit_events SET id = id WHERE 0 = 1"))


def _chain_head(connection: sa.Connection) -> str:
    last = connection.execute(
        sa.select(AuditEvent.chain_hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    if last is not None:
        return last
    checkpoint = connection.execute(
        sa.select(AuditCheckpoint.upto_hash).order_by(AuditCheckpoint.upto_id.desc()).limit(1)
    ).scalar()
    return checkpoint or GENESIS


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _extend_chain(session, _flush_context, _instances):
    new = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    if not new:
        return
    connection = session.connection()
    _take_chain_lock(connection)
    prev = _chain_head(connection)
    # In the order they were added: the unit of work inserts them (and numbers them) so.
    for event in sorted(new, key=lambda obj: sa.inspect(obj).insert_order):
        if event.at is None:
            event.at = utcnow()
        event.prev_hash = prev
        event.chain_hash = prev = chain(prev, event)


# --- retention: dropping a prefix of the chain ---------------------------------------------

def first_kept(cutoff: datetime, rights_actions: tuple[str, ...], rights_cutoff: datetime) -> int | None:
    """The id of the oldest event that must be kept: one from ``cutoff`` on, or an account or
    rights event (``rights_actions`` prefixes) from ``rights_cutoff`` on. None: none must."""
    keep = sa.or_(AuditEvent.at >= cutoff, sa.and_(
        sa.or_(*(AuditEvent.action.startswith(prefix) for prefix in rights_actions)),
        AuditEvent.at >= rights_cutoff))
    return db.session.scalar(sa.select(sa.func.min(AuditEvent.id)).where(keep))


def _before(keep_from: int | None):
    return AuditEvent.id < keep_from if keep_from is not None else sa.true()


def prefix_size(keep_from: int | None) -> int:
    """How many events come before ``keep_from`` (all of them if None)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(_before(keep_from)))


def drop_prefix(keep_from: int | None, *, cutoff: datetime) -> int:
    """Drop every event before ``keep_from`` after recording a checkpoint with the chain hash
    of the last one dropped, from which the first kept event goes on; the database's
    triggers allow the DELETE only under such a checkpoint. Returns how many were dropped."""
    connection = db.session.connection()
    _take_chain_lock(connection)
    last = connection.execute(
        sa.select(AuditEvent.id, AuditEvent.chain_hash).where(_before(keep_from))
        .order_by(AuditEvent.id.desc()).limit(1)).first()
    if last is None:
        return 0
    dropped = prefix_size(keep_from)
    db.session.add(AuditCheckpoint(at=utcnow(), upto_id=last.id, upto_hash=last.chain_hash,
                                   dropped=dropped, cutoff=cutoff))
    db.session.flush()
    connection.execute(sa.delete(AuditEvent).where(AuditEvent.id <= last.id))
    return dropped


@dataclass
class Verification:
    checked: int
    first_broken: str | None
    head_id: int | None
    head_hash: str


def verify(connection: sa.Connection | None = None, batch: int = 2000) -> Verification:
    """Walk the chain in id order from genesis (or the retention checkpoints) and say where it
    first breaks: an event whose content no longer gives its hash (altered), or whose
    ``prev_hash`` is not the hash of the event before it (one deleted or altered before it)."""
    connection = connection or db.session.connection()
    checkpoints = connection.execute(
        sa.select(AuditCheckpoint.upto_id, AuditCheckpoint.upto_hash)
        .order_by(AuditCheckpoint.upto_id)).all()
    expected, last_id, checked, position = GENESIS, None, 0, 0
    for event in _events_in_order(connection, batch):
        while position < len(checkpoints) and checkpoints[position].upto_id < event.id:
            upto_id, upto_hash = checkpoints[position]
            if last_id == upto_id and expected != upto_hash:
                return Verification(checked, f"체크포인트(#{upto_id}까지 삭제)가 기록과 맞지 않습니다",
                                    last_id, expected)
            expected = upto_hash
            position += 1
        checked += 1
        if event.prev_hash != expected:
            return Verification(checked, f"#{event.id}: 앞 기록이 삭제되었거나 바뀌었습니다 "
                                         f"({event.at.isoformat()} {event.action})",
                                last_id, expected)
        if chain(event.prev_hash, event) != event.chain_hash:
            return Verification(checked, f"#{event.id}: 내용이 바뀌었습니다 "
                                         f"({event.at.isoformat()} {event.action})",
                                last_id, expected)
        expected, last_id = event.chain_hash, event.id
    return Verification(checked, None, last_id, expected)


def _events_in_order(connection: sa.Connection, batch: int) -> Iterator[sa.Row]:
    """Every event (as a row: no ORM objects) by id, a batch at a time: the table grows by
    millions a year."""
    columns = list(AuditEvent.__table__.columns)
    after = 0
    while True:
        rows = connection.execute(
            sa.select(*columns).where(AuditEvent.id > after).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].id


@click.command("audit-verify")
def audit_verify_command() -> None:
    """Check that no access-log row was altered or deleted (the hash chain); exit 1 if one was."""
    result = verify()
    db.session.rollback()
    if result.first_broken:
        click.echo(f"접속기록이 변조되었습니다: {result.first_broken} "
                   f"(그 앞까지 {result.checked - 1}건 이상 없음)", err=True)
        raise SystemExit(1)
    click.echo(f"접속기록 {result.checked}건 이상 없음. 마지막 #{result.head_id} {result.head_hash}")


def init_app(app: Flask) -> None:
    app.cli.add_command(audit_verify_command)


@sa.event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


@sa.event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


@sa.event.listens_for(AuditCheckpoint, "before_update")
@sa.event.listens_for(AuditCheckpoint, "before_delete")
def _refuse_checkpoint_change(mapper, connection, target):
    raise RuntimeError("audit checkpoints are append-only")
