"""One-time enrolment codes: how a new or reset account gets its first password.

Whoever creates or resets an account (a manager, the administrator) must never learn a
password that signs in as it — otherwise the administrator, who sees no personal data, could
mint a manager account and read people and cases, and a manager could become any caseworker.
So the account gets an unusable random password and its creator is shown only a short code,
valid once and for ``ENROLMENT_CODE_HOURS``; with it the staff member sets their own password
on ``/enrol``. An enrolment from the creator's own session, browser or IP is refused and
recorded as the flagged event ``account.enrolment_refused`` (the access-log review lists it).

Like every service module it changes rows, writes audit events and flushes; the caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request
from flask_babel import gettext as _

from centers.accounts import AccountError, hash_password, password_problems
from centers.models import EnrolmentCode, Staff
from core import audit
from core.extensions import db
from core.types import utcnow

# No 0/O, 1/I/L: the code is read off paper and typed.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # ~59 bits; with a few attempts per code, guessing is hopeless
BROWSER_COOKIE = "hanjari_browser"
# Flag on a refused enrolment, for the access-log review.
FLAG = "creator_enrolment"


@dataclass
class NewCode:
    code: EnrolmentCode
    secret: str  # the code itself, grouped for reading: shown once, never stored

    @property
    def expires_at(self):
        return self.code.expires_at


def _hash(secret: str) -> str:
    return hashlib.sha256(normalise(secret).encode()).hexdigest()


def normalise(secret: str) -> str:
    """What the user typed, without the grouping dashes, spaces and case."""
    return "".join(ch for ch in secret.upper() if ch.isalnum())


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def browser_id(*, create: bool = False) -> str | None:
    """This browser's long-lived random id (its own cookie, kept across sign-out), so a code
    cannot be used in the browser that made it even after the creator signs out."""
    if not has_request_context():
        return None
    value = request.cookies.get(BROWSER_COOKIE) or g.get("new_browser_id")
    if value is None and create:
        value = g.new_browser_id = secrets.token_urlsafe(24)
    return value


def set_browser_cookie(response):
    """``after_request``: hand out the browser id made during this request."""
    value = g.get("new_browser_id")
    if value and not request.cookies.get(BROWSER_COOKIE):
        response.set_cookie(BROWSER_COOKIE, value, max_age=400 * 24 * 3600, httponly=True,
                            samesite="Lax", secure=request.is_secure)
    return response


def issue(actor: Staff, staff: Staff) -> NewCode:
    """A new code for ``staff``; earlier unused ones stop working. The account's password
    becomes one nobody knows and a password change stays owed until enrolment."""
    now = utcnow()
    db.session.execute(
        sa.update(EnrolmentCode)
        .where(EnrolmentCode.staff_id == staff.id, EnrolmentCode.used_at.is_(None),
               EnrolmentCode.voided_at.is_(None))
        .values(voided_at=now)
    )
    staff.password_hash = hash_password(secrets.token_urlsafe(32))
    staff.must_change_password = True
    secret = "".join(secrets.choice(ALPHABET) for _i in range(CODE_LENGTH))
    browser = browser_id(create=True)
    code = EnrolmentCode(
        staff_id=staff.id,
        code_hash=_hash(secret),
        created_at=now,
        expires_at=now + timedelta(hours=current_app.config["ENROLMENT_CODE_HOURS"]),
        created_by_id=actor.id,
        created_ip=request.remote_addr if has_request_context() else None,
        created_browser=_fingerprint(browser) if browser else None,
    )
    db.session.add(code)
    db.session.flush()
    grouped = "-".join(secret[i:i + 4] for i in range(0, CODE_LENGTH, 4))
    return NewCode(code, grouped)


def void_codes(staff: Staff) -> None:
    """The account got a password another way (the command line): no code may replace it."""
    db.session.execute(
        sa.update(EnrolmentCode)
        .where(EnrolmentCode.staff_id == staff.id, EnrolmentCode.used_at.is_(None),
               EnrolmentCode.voided_at.is_(None))
        .values(voided_at=utcnow())
    )


def _pending_code(staff: Staff) -> EnrolmentCode | None:
    return db.session.scalar(
        sa.select(EnrolmentCode)
        .where(EnrolmentCode.staff_id == staff.id, EnrolmentCode.used_at.is_(None),
               EnrolmentCode.voided_at.is_(None), EnrolmentCode.expires_at > utcnow())
        .order_by(EnrolmentCode.id.desc())
        .limit(1)
    )


def _same_place(code: EnrolmentCode, signed_in_id: int | None) -> str | None:
    """Why this request looks like the code's creator, or None."""
    if code.created_by_id is not None and signed_in_id == code.created_by_id:
        return "session"
    browser = browser_id()
    if code.created_browser and browser and hmac.compare_digest(
            code.created_browser, _fingerprint(browser)):
        return "browser"
    if (current_app.config["ENROLMENT_REFUSE_CREATOR_IP"] and code.created_ip
            and request.remote_addr == code.created_ip):
        return "ip"
    return None


def enrol(username: str, secret: str, new_password: str, *,
          signed_in_id: int | None = None) -> Staff:
    """Set the staff member's own password with their code; the code is used up.

    The same message is given for an unknown user, a wrong, used or expired code, so the page
    tells nobody which accounts exist or wait for enrolment.

    :raise AccountError: no such pending enrolment, the creator's own session, browser or IP
        (flagged in the audit log), or a password that breaks the policy.
    """
    generic = _("아이디 또는 등록 코드가 올바르지 않거나 만료되었습니다.")
    staff = db.session.scalar(sa.select(Staff).where(Staff.username == username.strip()))
    code = _pending_code(staff) if staff is not None and staff.is_active_account else None
    if code is None:
        audit.record("account.enrolment_failed", detail={"username": username[:64]})
        raise AccountError(generic)
    if not hmac.compare_digest(code.code_hash, _hash(secret)):
        db.session.execute(
            sa.update(EnrolmentCode).where(EnrolmentCode.id == code.id)
            .values(failed_attempts=EnrolmentCode.failed_attempts + 1))
        db.session.refresh(code, ["failed_attempts"])
        if code.failed_attempts >= current_app.config["ENROLMENT_MAX_ATTEMPTS"]:
            code.voided_at = utcnow()
        audit.record("account.enrolment_failed", actor=staff, subject=staff,
                     centre_id=staff.centre_id, detail={"count": code.failed_attempts})
        raise AccountError(generic)
    place = _same_place(code, signed_in_id)
    if place is not None:
        audit.record("account.enrolment_refused", actor=staff, subject=staff,
                     centre_id=staff.centre_id,
                     detail={"flag": FLAG, "same": place, "creator_id": code.created_by_id})
        raise AccountError(_("이 등록 코드는 계정을 만든 사람의 컴퓨터에서 쓸 수 없습니다. 직원 "
                             "본인이 자기 컴퓨터에서 등록하세요."))
    problems = password_problems(new_password, staff.username)
    if problems:
        raise AccountError(" ".join(problems))
    now = utcnow()
    code.used_at = now
    staff.password_hash = hash_password(new_password)
    staff.password_changed_at = now
    staff.must_change_password = False
    staff.last_login_at = now
    staff.session_version += 1
    audit.record("account.enrolled", actor=staff, subject=staff, centre_id=staff.centre_id)
    audit.record("auth.login", actor=staff, subject=staff, centre_id=staff.centre_id,
                 detail={"via": "enrolment"})
    db.session.flush()
    return staff
