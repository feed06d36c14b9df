"""Sign-in, lockout, password policy, forced change, idle expiry and session revocation."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from centers.models import Staff
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from factories import PASSWORD, audit_actions, csrf_token, login, make_staff

GENERIC = "아이디 또는 비밀번호가 올바르지 않습니다."


def test_login_lands_on_home_and_logout_ends_session(client):
    staff = make_staff(Role.FRONT_DESK, display_name="이안내")
    response = login(client, staff.username, follow=True)
    assert "이안내 님, 안녕하세요." in response.text
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302  # back to the login page
    assert audit_actions(staff_id=staff.id) == ["auth.login", "auth.logout"]


def test_unknown_user_and_wrong_password_get_the_same_message(client):
    staff = make_staff()
    wrong_password = login(client, staff.username, "wrong password here")
    unknown_user = login(client, "nobody-here", PASSWORD)
    assert GENERIC in wrong_password.text
    assert GENERIC in unknown_user.text
    assert wrong_password.status_code == unknown_user.status_code == 200


def test_five_failures_lock_the_account_and_the_lock_is_shown_and_audited(client):
    staff = make_staff()
    for _ in range(4):
        assert GENERIC in login(client, staff.username, "bad password!").text
    fifth = login(client, staff.username, "bad password!")
    assert "계정이 15분 동안 잠겼습니다" in fifth.text
    # Even the right password is refused while locked.
    locked = login(client, staff.username, PASSWORD)
    assert "계정이 잠겨 있습니다" in locked.text
    assert "auth.locked" in audit_actions(subject_id=staff.id)
    db.session.refresh(staff)
    assert staff.locked_until > utcnow() + timedelta(minutes=14)


def test_lock_expires_after_its_time(client):
    staff = make_staff(locked_until=utcnow() - timedelta(seconds=1))
    assert login(client, staff.username).status_code == 302


@pytest.mark.parametrize("app_settings", [{"LOCKOUT_THRESHOLD": 2, "LOCKOUT_MINUTES": 60}])
def test_lockout_threshold_and_duration_are_configurable(client):
    staff = make_staff()
    login(client, staff.username, "bad password!")
    response = login(client, staff.username, "bad password!")
    assert "2번 실패하여 계정이 60분 동안 잠겼습니다" in response.text


def test_successful_login_resets_the_failure_count(client):
    staff = make_staff()
    for _ in range(4):
        login(client, staff.username, "bad password!")
    assert login(client, staff.username).status_code == 302
    db.session.refresh(staff)
    assert staff.failed_logins == 0


def test_deactivated_account_cannot_sign_in(client):
    staff = make_staff(is_active_account=False)
    assert GENERIC in login(client, staff.username).text


def test_password_is_stored_as_argon2_hash():
    staff = make_staff()
    assert staff.password_hash.startswith("$argon2id$")
    assert PASSWORD not in staff.password_hash


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short1", "10자 이상"),
        ("x" * 129, "128자 이하"),
        ("password1234", "너무 흔한 비밀번호"),
        ("iloveyou12", "너무 흔한 비밀번호"),
    ],
)
def test_password_policy_refuses_weak_passwords(client, login_as, new, message):
    login_as(Role.FRONT_DESK)
    response = client.post(
        "/account/password", data={"current": PASSWORD, "new": new, "confirm": new}
    )
    assert response.status_code == 200
    assert message in response.text


def test_password_equal_to_username_is_refused(client):
    staff = make_staff(username="desk-officer")
    login(client, staff.username)
    response = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "desk-officer", "confirm": "desk-officer"},
    )
    assert "아이디와 같은 비밀번호" in response.text


def test_long_passphrase_without_composition_rules_is_accepted(client, login_as):
    staff = login_as(Role.FRONT_DESK)
    passphrase = "우리 센터 앞 은행나무는 가을마다 노랗다 " * 2  # 46 characters, no digits
    response = client.post(
        "/account/password", data={"current": PASSWORD, "new": passphrase, "confirm": passphrase}
    )
    assert response.status_code == 302
    client.post("/logout")
    assert login(client, staff.username, passphrase).status_code == 302
    assert "account.password_changed" in audit_actions(subject_id=staff.id)


def test_forced_password_change_blocks_every_page_until_done(client):
    staff = make_staff(Role.MANAGER, must_change_password=True)
    response = login(client, staff.username)
    assert response.status_code == 302
    assert client.get("/staff").headers["Location"].endswith("/account/password")
    assert client.get("/").headers["Location"].endswith("/account/password")
    new = "a fresh passphrase for work"
    client.post("/account/password", data={"current": PASSWORD, "new": new, "confirm": new})
    assert client.get("/staff").status_code == 200


def test_idle_session_expires(client, app):
    make_staff(username="idle-user")
    login(client, "idle-user")
    with client.session_transaction() as session:
        session["last_seen"] -= 31 * 60
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert client.get("/").status_code == 302  # still signed out


@pytest.mark.parametrize("app_settings", [{"IDLE_TIMEOUT_MINUTES": 5}])
def test_idle_timeout_is_configurable(client):
    make_staff(username="idle-five")
    login(client, "idle-five")
    with client.session_transaction() as session:
        session["last_seen"] -= 6 * 60
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/staff", "/staff"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_redirect_only_goes_to_local_paths(client, target, expected):
    staff = make_staff(Role.MANAGER)
    response = client.post(
        "/login", query_string={"next": target},
        data={"username": staff.username, "password": PASSWORD},
    )
    assert response.headers["Location"] == expected


def test_logout_ends_the_session_on_every_device(app):
    staff = make_staff(Role.MANAGER)
    phone, desk = app.test_client(), app.test_client()
    login(phone, staff.username)
    login(desk, staff.username)
    phone.post("/logout")
    assert desk.get("/staff").status_code == 302  # the other device is signed out too


def test_login_issues_a_new_session_id(client):
    staff = make_staff()
    with client.session_transaction() as session:
        session["sid"] = "planted-by-attacker"
        session["planted"] = True
    login(client, staff.username)
    with client.session_transaction() as session:
        assert session["sid"] != "planted-by-attacker"
        assert "planted" not in session


def test_session_cookie_flags(client):
    staff = make_staff()
    response = login(client, staff.username)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    https = client.post(
        "/login", base_url="https://localhost",
        data={"username": staff.username, "password": PASSWORD},
    )
    assert "Secure" in https.headers["Set-Cookie"]


@pytest.mark.parametrize("app_settings", [{"WTF_CSRF_ENABLED": True}])
def test_forms_need_a_csrf_token(client):
    staff = make_staff()
    refused = client.post("/login", data={"username": staff.username, "password": PASSWORD})
    assert refused.status_code == 400
    assert "잘못된 요청입니다" in refused.text
    token = csrf_token(client.get("/login").text)
    accepted = client.post(
        "/login", data={"username": staff.username, "password": PASSWORD, "csrf_token": token}
    )
    assert accepted.status_code == 302


@pytest.mark.parametrize("app_settings", [{"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}])
def test_login_attempts_are_throttled_per_ip(client):
    for _ in range(3):
        assert login(client, "someone", "whatever password").status_code == 200
    assert login(client, "someone", "whatever password").status_code == 429


def test_failed_logins_are_counted_in_the_database(client):
    staff = make_staff()
    login(client, staff.username, "bad password!")
    login(client, staff.username, "bad password!")
    count = db.session.scalar(sa.select(Staff.failed_logins).where(Staff.id == staff.id))
    assert count == 2


def test_login_throttle_is_shared_between_workers_through_redis(db_url):
    """A second app instance (a second gunicorn worker) starts with a new storage client;
    it sees the first one's count only because the count lives in Redis."""
    import redis

    from app import create_app
    from factories import app_config

    redis.Redis.from_url("redis://127.0.0.1:6379/15").flushdb()
    settings = app_config(
        db_url, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15",
    )
    first = create_app(settings).test_client()
    assert login(first, "someone", "whatever password").status_code == 200
    assert login(first, "someone", "whatever password").status_code == 200
    second = create_app(settings).test_client()
    assert login(second, "someone", "whatever password").status_code == 429


def test_the_sign_in_page_follows_the_browsers_language_until_staff_choose(client):
    assert "Sign in" in client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).text
    assert "로그인" in client.get("/login", headers={"Accept-Language": "ko-KR,ko;q=0.9"}).text
    assert "로그인" in client.get("/login", headers={"Accept-Language": "fr-FR"}).text
    assert "로그인" in client.get("/login").text
    staff = make_staff(Role.FRONT_DESK)  # a staff member's own choice (Korean) wins after sign-in
    login(client, staff.username)
    home = client.get("/", headers={"Accept-Language": "en"}).text
    assert "로그아웃" in home


def test_policy_customer_types_are_shown_in_the_readers_language(client):
    from catalogue.models import CustomerType

    types = db.session.scalars(sa.select(CustomerType)).all()
    assert len(types) == 18
    from factories import make_centre, make_consent_documents

    centre = make_centre()
    make_consent_documents(centre)
    staff = make_staff(Role.FRONT_DESK, centre=centre, locale="en")
    login(client, staff.username)
    page = client.get("/intake/people/new").text
    assert "Job seekers" in page and "Single parents" in page and "구직자" not in page
