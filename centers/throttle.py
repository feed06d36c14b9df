"""Throttling of guessed secrets: sign-in per username and IP, the current-password check per
account. Counts live in the database (every worker sees them) under a hash of the key.

Like every service module it changes rows and flushes; the caller commits.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from centers.models import Throttle
from core.extensions import db
from core.types import utcnow


def key(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()


def sign_in_key(username: str, ip: str | None) -> str:
    return key("sign-in", username.strip().lower(), ip or "")


def password_check_key(staff_id: int) -> str:
    return key("password-check", staff_id)


def minutes_blocked(key_hash: str) -> int | None:
    """Minutes left (rounded up) while ``key_hash`` is blocked, else None."""
    until = db.session.scalar(sa.select(Throttle.blocked_until).where(Throttle.key_hash == key_hash))
    now = utcnow()
    if until is None or until <= now:
        return None
    return max(1, int((until - now).total_seconds() // 60) + 1)


def record_failure(key_hash: str) -> bool:
    """Count one failure atomically (two workers must not lose one); at ``LOCKOUT_THRESHOLD``
    failures within ``LOCKOUT_MINUTES`` the key is blocked for ``LOCKOUT_MINUTES``.

    :return: whether this failure blocked the key.
    """
    config = current_app.config
    now = utcnow()
    window = timedelta(minutes=config["LOCKOUT_MINUTES"])
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert
    db.session.execute(insert(Throttle).values(key_hash=key_hash, failures=0,
                                               window_started_at=now)
                       .on_conflict_do_nothing(index_elements=["key_hash"]))
    stale = Throttle.window_started_at <= now - window
    failures = db.session.execute(
        sa.update(Throttle).where(Throttle.key_hash == key_hash)
        .values(failures=sa.case((stale, 1), else_=Throttle.failures + 1),
                window_started_at=sa.case((stale, now), else_=Throttle.window_started_at))
        .returning(Throttle.failures)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    if failures < config["LOCKOUT_THRESHOLD"]:
        return False
    db.session.execute(
        sa.update(Throttle).where(Throttle.key_hash == key_hash)
        .values(failures=0, window_started_at=now, blocked_until=now + window)
        .execution_options(synchronize_session=False))
    return True


def clear(key_hash: str) -> None:
    db.session.execute(sa.delete(Throttle).where(Throttle.key_hash == key_hash)
                       .execution_options(synchronize_session=False))
