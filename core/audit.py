"""The append-only audit trail required by the Personal Information Protection Act.

Every read of a person's record, every export/print, every login and every permission change
writes one :class:`AuditEvent` through :func:`record`. Rows are never updated or deleted by the
application: the ORM refuses it (see the listeners at the bottom).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

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

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} by {self.username}>"


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
    db.session.add(event)
    return event


def record_listing(action: str, client_ids, *, actor: Any = None, **detail: Any) -> AuditEvent:
    """One event for a page or answer that showed several people at once (a list, a search's
    results): how many and which (their ids), never the terms searched with."""
    ids = sorted({client_id for client_id in client_ids if client_id is not None})
    return record(action, actor=actor, detail={**detail, "count": len(ids), "client_ids": ids})


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


@sa.event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


@sa.event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise RuntimeError("audit events are append-only")
