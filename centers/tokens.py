"""API tokens: per-staff credentials for the JSON API, made, listed, revoked and checked here.

A token is 32 random bytes (URL-safe text, ``hj_…``). It is shown once, when it is made;
the database keeps only its SHA-256 hash, which is enough for a value with that much
randomness (no key needed, so it survives a change of ``FIELD_ENCRYPTION_KEY``). A token acts
with its staff account's *current* role and centre and stops working when it expires, is
revoked, or the account is deactivated.

Like every service module it changes rows, writes audit events and flushes; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from centers.accounts import AccountError, AccountNotAllowed, may_manage_staff
from centers.models import ApiToken, Staff
from core import audit
from core.extensions import db
from core.types import utcnow

TOKEN_PREFIX = "hj_"
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
MAX_DAYS = 366
# Recording every use would turn each API read into a write; once a minute is enough to
# tell a token that is in use from a forgotten one.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass
class NewToken:
    token: ApiToken
    secret: str  # the token itself: shown once, never stored


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def default_days() -> int:
    return int(current_app.config["API_TOKEN_DAYS"])


def create_token(actor: Staff, staff: Staff, *, name: str, days: int | None = None,
                 source: str = "web") -> NewToken:
    """Make a token for ``staff``; ``source`` says where: ``"web"`` or ``"cli"``.

    On the web only the staff member makes their own: a token acts with its holder's role,
    so a manager minting one for a caseworker would read that agency's confidential notes
    without the stated, audited reason the pages require. The CLI runs on the server.

    :raise AccountError: someone else's token, no name, or a lifetime outside 1..366 days.
    """
    if source != "cli" and actor.id != staff.id:
        raise AccountError(_("API 토큰은 직원 본인만 만들 수 있습니다."))
    name = " ".join((name or "").split())[:100]
    if not name:
        raise AccountError(_("토큰 이름을 적으세요. 예: 모바일 상담 앱"))
    days = default_days() if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise AccountError(_("유효 기간은 1일에서 %(n)d일 사이로 정하세요.", n=MAX_DAYS))
    if not staff.is_active_account:
        raise AccountError(_("비활성 계정에는 토큰을 만들 수 없습니다."))
    if staff.must_change_password:
        # Not yet enrolled, or a reset still owed: a token would bypass setting a password.
        raise AccountError(_("직원이 비밀번호를 정한 뒤에 토큰을 만들 수 있습니다."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        staff_id=staff.id, name=name, prefix=secret[:SHOWN_PREFIX_LENGTH],
        token_hash=hash_token(secret), created_at=utcnow(), created_by_id=actor.id,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    audit.record("account.api_token_created", actor=actor, subject=staff,
                 centre_id=staff.centre_id,
                 detail={"token_id": token.id, "prefix": token.prefix, "name": name,
                         "expires_at": token.expires_at.isoformat(), "source": source})
    return NewToken(token, secret)


def may_revoke(actor: Staff, token: ApiToken) -> bool:
    """A live token is stopped by its holder, or by whoever manages the holder's account."""
    return token.revoked_at is None and (token.staff_id == actor.id
                                         or may_manage_staff(actor, token.staff))


def revoke_token(actor: Staff, token: ApiToken) -> None:
    """Stop a token at once; the row stays, so the list shows when and by whom."""
    if token.revoked_at is not None:
        raise AccountError(_("이미 폐기된 토큰입니다."))
    if not may_revoke(actor, token):
        raise AccountNotAllowed(_("다른 센터 직원의 토큰은 폐기할 수 없습니다."))
    token.revoked_at = utcnow()
    token.revoked_by_id = actor.id
    audit.record("account.api_token_revoked", actor=actor, subject=token.staff,
                 centre_id=token.staff.centre_id,
                 detail={"token_id": token.id, "prefix": token.prefix, "name": token.name})


def tokens_of(staff: Staff) -> list[ApiToken]:
    """The staff member's tokens, newest first (revoked and expired ones too)."""
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.staff_id == staff.id).order_by(ApiToken.id.desc())
    ))


def get_token_of(staff: Staff, token_id: int) -> ApiToken | None:
    return db.session.scalar(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.staff_id == staff.id)
    )


def authenticate(secret: str) -> tuple[Staff, ApiToken] | None:
    """The staff member a bearer token stands for, or None when it does not (any reason).

    Records the use (at most once per ``LAST_USED_RESOLUTION``); the caller commits.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    now = utcnow()
    if token is None or not token.is_usable(now):
        return None
    staff = db.session.get(Staff, token.staff_id)
    if staff is None or not staff.is_active_account:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.flush()
    return staff, token


def revoke_all(actor: Staff, staff: Staff) -> int:
    """Stop every live token of an account (its password was reset or it was deactivated)."""
    live = [t for t in tokens_of(staff) if t.revoked_at is None]
    for token in live:
        revoke_token(actor, token)
    return len(live)
