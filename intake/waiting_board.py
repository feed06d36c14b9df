"""The lobby waiting board's rules: its secret (issued by the manager, checked on every feed
request, expiring) and what it shows: called numbers with their windows and waiting counts, no
names. Its pages are in :mod:`intake.board`."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from centers.models import Agency, Centre, Staff
from core import audit
from core.clock import local_today
from core.crypto import cipher
from core.extensions import db
from core.types import utcnow
from intake.models import StopStatus, Visit, VisitStop, WaitingBoard


def issue_board_token(actor: Staff, centre: Centre) -> str:
    """A new secret for the lobby TV's URL; the previous one stops working."""
    token = secrets.token_urlsafe(24)
    board = db.session.get(WaitingBoard, centre.id)
    if board is None:
        board = WaitingBoard(centre_id=centre.id, token_hash="", created_by_id=actor.id)
        db.session.add(board)
    board.token_hash = cipher().keyed_hash(token)
    board.created_at = utcnow()
    board.created_by_id = actor.id
    audit.record("board.token_issued", actor=actor, subject=centre, centre_id=centre.id)
    return token


def board_token_valid(centre: Centre, token: str | None) -> bool:
    board = db.session.get(WaitingBoard, centre.id)
    if board is None or not token:
        return False
    lifetime = timedelta(days=current_app.config["BOARD_TOKEN_DAYS"])
    if board.created_at + lifetime <= utcnow():
        return False
    return secrets.compare_digest(board.token_hash, cipher().keyed_hash(token))


def board_snapshot(centre: Centre, limit: int = 8) -> dict:
    """What the lobby TV shows: numbers called and not yet in service, with the window to go
    to, and waiting counts. No names. A number leaves the board once its desk starts serving
    it: the "호출 번호" slot is for those still walking to a window."""
    today = local_today()
    called = db.session.execute(
        sa.select(Visit.ticket_number, Agency.name, Agency.desk_location, VisitStop.status,
                  VisitStop.called_at)
        .join(VisitStop, VisitStop.visit_id == Visit.id)
        .join(Agency, Agency.id == VisitStop.agency_id)
        .where(Visit.centre_id == centre.id, Visit.visit_date == today,
               VisitStop.status == StopStatus.CALLED)
        .order_by(VisitStop.called_at.desc())
        .limit(limit)
    ).all()
    waiting = db.session.execute(
        sa.select(Agency.name, sa.func.count(VisitStop.id))
        .join(VisitStop, VisitStop.agency_id == Agency.id)
        .join(Visit, Visit.id == VisitStop.visit_id)
        .where(Visit.centre_id == centre.id, Visit.visit_date == today,
               VisitStop.status == StopStatus.WAITING)
        .group_by(Agency.name)
        .order_by(Agency.name)
    ).all()
    return {
        "called": [
            {"ticket": t, "desk": name, "location": location,
             "status": status.value if hasattr(status, "value") else status}
            for t, name, location, status, _at in called
        ],
        "waiting": [{"desk": name, "count": count} for name, count in waiting],
    }
