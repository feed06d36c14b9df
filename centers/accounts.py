"""Staff accounts: passwords, sign-in with lockout, and the manager's account changes.

Like every service module it changes rows, writes audit events and flushes; the view commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from centers import throttle
from centers.models import Agency, Centre, Staff
from centers.services import sees_every_centre
from core import audit
from core.errors import NotAllowedError, RefusedError
from core.extensions import db
from core.roles import Role
from core.types import utcnow

if TYPE_CHECKING:
    from centers.enrolment import NewCode


@cache
def _hasher_with(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)  # argon2id, memory-hard


def _hasher() -> PasswordHasher:
    """argon2id with the cost from the settings (the tests lower it to run faster)."""
    config = current_app.config
    return _hasher_with(config["PASSWORD_HASH_TIME_COST"], config["PASSWORD_HASH_MEMORY_KIB"])


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against when the username is unknown, so both failures take the same time."""
    return hasher.hash("hanjari-dummy-password")

# Korean keyboard habits that the English list does not cover, and the demo data's published
# password (README, seed-demo).
_LOCAL_COMMON = {"qwer1234!@", "q1w2e3r4t5", "1q2w3e4r5t", "asdf1234!@", "a123456789", "password12",
                 "demo-pass-2026"}
# The product's own words: a password made of them is the first an attacker tries here.
PRODUCT_WORDS = ("hanjari", "한자리", "gkswkfl", "demo", "고용복지", "employment", "welfare",
                 "centre", "center", "caseworker", "manager", "admin")
# zxcvbn's score (0-4) below which a password is refused: 3 = "safely unguessable" (about
# 10^8 guesses and more), what its authors advise for an online-attack setting.
MIN_GUESSABILITY_SCORE = 3
_ZXCVBN_MAX = 72  # zxcvbn refuses longer input; the first 72 characters decide


class AccountError(RefusedError):
    """A refused account change; the message is shown to the user."""


class AccountNotAllowed(NotAllowedError, AccountError):
    """The actor does not manage this account."""


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"]) | _LOCAL_COMMON


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def password_problems(password: str, username: str) -> list[str]:
    """What is wrong with a new password, in Korean; empty when it is acceptable.

    Length and a deny-list only, no composition rules (OWASP ASVS 2.1 and the Korean
    safety-measure standard both accept this).
    """
    config = current_app.config
    problems = []
    if len(password) < config["PASSWORD_MIN_LENGTH"]:
        problems.append(_("비밀번호는 %(n)d자 이상이어야 합니다.", n=config["PASSWORD_MIN_LENGTH"]))
    if len(password) > config["PASSWORD_MAX_LENGTH"]:
        problems.append(_("비밀번호는 %(n)d자 이하여야 합니다.", n=config["PASSWORD_MAX_LENGTH"]))
    if password.strip().lower() == username.strip().lower():
        problems.append(_("아이디와 같은 비밀번호는 쓸 수 없습니다."))
    if password.lower() in _common_passwords():
        problems.append(_("너무 흔한 비밀번호입니다. 다른 비밀번호를 고르세요."))
    elif password:
        weakness = _guessable(password, username)
        if weakness:
            problems.append(weakness)
    return problems


def _guessable(password: str, username: str) -> str | None:
    """Why zxcvbn (its breached-password, name and word lists; repeats, sequences, keyboard
    patterns and dates) finds the password easy to guess, in Korean; None when it is not."""
    centres = db.session.execute(sa.select(Centre.code, Centre.name)).all()
    words = [username, *PRODUCT_WORDS, *(value for row in centres for value in row)]
    result = zxcvbn(password[:_ZXCVBN_MAX], user_inputs=[w for w in words if w])
    if result["score"] >= MIN_GUESSABILITY_SCORE:
        return None
    patterns = {match["pattern"] for match in result["sequence"]}
    dictionaries = {match.get("dictionary_name") for match in result["sequence"]}
    if "user_inputs" in dictionaries:
        reason = _("아이디, 센터 이름이나 이 프로그램의 이름이 들어 있어 짐작하기 쉽습니다.")
    elif "passwords" in dictionaries:
        reason = _("유출된 비밀번호 목록에 있는 낱말이 들어 있어 짐작하기 쉽습니다.")
    elif patterns & {"repeat", "sequence", "spatial"}:
        reason = _("같은 글자의 반복, 연속된 글자나 자판 배열은 짐작하기 쉽습니다.")
    elif "date" in patterns:
        reason = _("날짜나 연도가 대부분이라 짐작하기 쉽습니다.")
    else:
        reason = _("짐작하기 쉬운 비밀번호입니다.")
    return reason + " " + _("서로 관계없는 낱말 서너 개를 이어 쓰면 기억하기 쉽고 안전합니다.")


@dataclass
class SignIn:
    staff: Staff | None
    error: str | None = None


def authenticate(username: str, password: str, ip: str | None = None) -> SignIn:
    """Check a sign-in attempt, throttled per username and IP (``centers.throttle``).

    The same answers are given whether the username exists or not — a wrong password, and
    after ``LOCKOUT_THRESHOLD`` failures "too many attempts, wait" — and the throttle holds
    only that username from that IP: nobody can lock another person out of their account.
    """
    generic = _("아이디 또는 비밀번호가 올바르지 않습니다.")
    key = throttle.sign_in_key(username, ip)
    minutes = throttle.minutes_blocked(key)
    if minutes:
        audit.record("auth.login_throttled", detail={"username": username[:64]})
        return SignIn(None, _too_many(minutes))
    staff = db.session.scalar(sa.select(Staff).where(Staff.username == username.strip()))
    if staff is None:
        _verify(_dummy_hash(_hasher()), password)
        audit.record("auth.login_failed", detail={"username": username[:64], "reason": "unknown"})
        return SignIn(None, _record_failure(key, username) or generic)
    if not _verify(staff.password_hash, password) or not staff.is_active_account:
        audit.record("auth.login_failed", actor=staff, subject=staff)
        return SignIn(None, _record_failure(key, username) or generic)
    if _hasher().check_needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    throttle.clear(key)
    staff.last_login_at = utcnow()
    audit.record("auth.login", actor=staff, subject=staff)
    db.session.flush()
    return SignIn(staff)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _too_many(minutes: int) -> str:
    return _("시도가 너무 많습니다. %(m)d분 뒤에 다시 시도하세요.", m=minutes)


def _record_failure(key: str, username: str) -> str | None:
    """Count the failure; the message once it blocks further attempts."""
    if not throttle.record_failure(key):
        return None
    minutes = current_app.config["LOCKOUT_MINUTES"]
    audit.record("auth.throttled", detail={"username": username[:64], "minutes": minutes})
    return _too_many(minutes)


def end_sessions(staff: Staff) -> None:
    """Invalidate every session of this staff member on every device and worker."""
    staff.session_version += 1


def logout(staff: Staff) -> None:
    end_sessions(staff)
    audit.record("auth.logout", actor=staff, subject=staff)


def change_password(staff: Staff, current: str, new: str) -> None:
    """The user's own change; also clears the forced change after a reset.

    The current-password check is throttled per account like sign-in (someone at an
    unattended, signed-in PC must not get unlimited guesses); the caller commits even when
    this raises, so that a failure counts.

    :raise AccountError: too many wrong current passwords, current password wrong, or the
        new one breaks the policy.
    """
    key = throttle.password_check_key(staff.id)
    minutes = throttle.minutes_blocked(key)
    if minutes:
        raise AccountError(_too_many(minutes))
    if not _verify(staff.password_hash, current):
        audit.record("account.password_check_failed", actor=staff, subject=staff)
        if throttle.record_failure(key):
            audit.record("account.password_check_throttled", actor=staff, subject=staff)
            raise AccountError(_too_many(current_app.config["LOCKOUT_MINUTES"]))
        raise AccountError(_("현재 비밀번호가 올바르지 않습니다."))
    throttle.clear(key)
    if new == current:
        raise AccountError(_("새 비밀번호는 현재 비밀번호와 달라야 합니다."))
    problems = password_problems(new, staff.username)
    if problems:
        raise AccountError(" ".join(problems))
    staff.password_hash = hash_password(new)
    staff.password_changed_at = utcnow()
    staff.must_change_password = False
    audit.record("account.password_changed", actor=staff, subject=staff)


# --- the manager's and administrator's side ------------------------------------------------

def may_manage_staff(actor: Staff, staff: Staff | None = None) -> bool:
    """A manager keeps their centre's staff accounts, the administrator everyone's; without
    ``staff``: may the actor manage accounts at all (the staff list, a new account)."""
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.MANAGER and (staff is None or staff.centre_id == actor.centre_id)


def may_manage_account(actor: Staff, staff: Staff) -> bool:
    """Reset the password of, or (de)activate, someone else's account (one's own password is
    changed on the password page, and nobody locks themselves out)."""
    return staff.id != actor.id and may_manage_staff(actor, staff)


def assignable_roles(actor: Staff) -> list[Role]:
    if actor.role == Role.ADMIN:
        return list(Role)
    return [Role.FRONT_DESK, Role.CASEWORKER, Role.MANAGER]


def staff_visible_to(actor: Staff) -> sa.Select:
    """The one scoped query for staff accounts: a manager sees only their own centre."""
    query = sa.select(Staff).order_by(Staff.centre_id, Staff.username)
    if not sees_every_centre(actor):
        query = query.where(Staff.centre_id == actor.centre_id)
    return query


def _check_placement(actor: Staff, role: Role, centre_id: int | None, agency: Agency | None):
    if role not in assignable_roles(actor):
        raise AccountError(_("이 역할은 부여할 수 없습니다."))
    if not sees_every_centre(actor) and centre_id != actor.centre_id:
        raise AccountNotAllowed(_("다른 센터의 직원은 관리할 수 없습니다."))
    if role == Role.ADMIN:
        return
    if centre_id is None:
        raise AccountError(_("센터를 선택하세요."))
    if agency is not None and agency.centre_id != centre_id:
        raise AccountError(_("선택한 기관은 이 센터에 속하지 않습니다."))
    if role == Role.CASEWORKER and agency is None:
        raise AccountError(_("사례관리자는 소속 기관이 있어야 합니다."))
    if role != Role.CASEWORKER and agency is not None:
        # An agency is what opens its confidential notes: a manager or desk holding one would
        # read them without the reasoned, audited step.
        raise AccountError(_("소속 기관은 사례관리자에게만 지정합니다."))


def create_staff(
    actor: Staff,
    *,
    username: str,
    display_name: str,
    role: Role,
    centre_id: int | None,
    agency: Agency | None,
) -> tuple[Staff, NewCode]:
    """Create an account that nobody can sign in to until its holder enrols with the code.

    :return: the account and its one-time enrolment code (shown once, stored hashed); the
        creator never learns a password (see :mod:`centers.enrolment`).
    :raise AccountError: username taken or a placement the actor may not make.
    """
    from centers import enrolment  # enrolment builds on this module (the password policy)

    if not may_manage_staff(actor):
        raise AccountNotAllowed(_("직원 계정은 센터 관리자와 시스템 관리자가 만듭니다."))
    username = username.strip()
    if db.session.scalar(sa.select(Staff.id).where(Staff.username == username)):
        raise AccountError(_("이미 쓰이고 있는 아이디입니다."))
    if role == Role.ADMIN:
        centre_id, agency = None, None
    _check_placement(actor, role, centre_id, agency)
    staff = Staff(
        username=username,
        display_name=display_name.strip(),
        password_hash="!",  # replaced by enrolment.issue with a hash of a random secret
        role=role,
        centre_id=centre_id,
        agency_id=agency.id if agency else None,
        must_change_password=True,
    )
    db.session.add(staff)
    db.session.flush()
    audit.record(
        "account.created",
        actor=actor,
        subject=staff,
        centre_id=centre_id,
        detail={"username": username, "role": role.value, "agency_id": staff.agency_id},
    )
    return staff, enrolment.issue(actor, staff)


def change_placement(actor: Staff, staff: Staff, *, role: Role, agency: Agency | None) -> None:
    """Change role and agency; a grant or revoke of a role is audited with before and after."""
    if not may_manage_staff(actor, staff):
        raise AccountNotAllowed(_("다른 센터의 직원은 관리할 수 없습니다."))
    if staff.id == actor.id and (role != staff.role or (agency.id if agency else None)
                                 != staff.agency_id):
        raise AccountNotAllowed(_("자기 자신의 역할과 소속은 바꿀 수 없습니다."))
    centre_id = None if role == Role.ADMIN else staff.centre_id
    _check_placement(actor, role, centre_id, agency)
    before = {"role": staff.role, "agency_id": staff.agency_id}
    staff.role = role
    staff.agency_id = agency.id if agency else None
    staff.centre_id = centre_id
    after = {"role": staff.role, "agency_id": staff.agency_id}
    if before != after:
        if before["role"] != after["role"]:
            end_sessions(staff)  # a revoked role must not live on in an open session
        audit.record(
            "account.role_changed",
            actor=actor,
            subject=staff,
            centre_id=staff.centre_id,
            detail={"before": before, "after": after},
        )


def reset_password(actor: Staff, staff: Staff) -> NewCode:
    """Make the password unusable, end the account's sessions and give a new enrolment code,
    with which the staff member sets a new password themselves.

    :raise AccountNotAllowed: one's own account, or one the actor does not manage.
    """
    if not may_manage_account(actor, staff):
        raise AccountNotAllowed(_("자기 비밀번호는 '비밀번호 변경'에서 바꿉니다. 다른 센터의 직원은 "
                                  "관리할 수 없습니다."))
    from centers import enrolment

    code = enrolment.issue(actor, staff)
    end_sessions(staff)
    # A reset often answers a suspected compromise: a stolen API token must stop too.
    _revoke_api_tokens(actor, staff)
    audit.record("account.password_reset", actor=actor, subject=staff, centre_id=staff.centre_id)
    return code


def set_active(actor: Staff, staff: Staff, active: bool) -> None:
    """Deactivate (ending every session) or reactivate an account."""
    if staff.id == actor.id:
        raise AccountNotAllowed(_("자기 자신의 계정은 비활성화할 수 없습니다."))
    if not may_manage_account(actor, staff):
        raise AccountNotAllowed(_("다른 센터의 직원은 관리할 수 없습니다."))
    if staff.is_active_account == active:
        return
    staff.is_active_account = active
    if not active:
        end_sessions(staff)
        _revoke_api_tokens(actor, staff)
    audit.record(
        "account.reactivated" if active else "account.deactivated",
        actor=actor,
        subject=staff,
        centre_id=staff.centre_id,
    )


def agencies_for_staff(centre_id: int | None) -> list[Agency]:
    if centre_id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Agency)
            .where(Agency.centre_id == centre_id, Agency.is_active)
            .order_by(Agency.id)
        )
    )



def _revoke_api_tokens(actor: Staff, staff: Staff) -> None:
    from centers import tokens  # tokens builds on this module (AccountError)

    tokens.revoke_all(actor, staff)
