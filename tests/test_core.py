"""Health check, error pages, audit trail, field encryption, language switch."""

import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag

from app import create_app
from core.audit import AuditEvent, record
from core.crypto import FieldCipher, cipher, decode_key
from core.extensions import db
from core.roles import Role
from factories import app_config, make_staff


def test_healthz_reports_ok_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "db": "ok"}


def test_healthz_reports_503_when_the_database_is_down(db_url, tmp_path):
    if db_url.startswith("sqlite"):
        unreachable = f"sqlite:///{tmp_path}/missing-dir/nothing.sqlite"
    else:
        unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2"
    down = create_app(app_config(unreachable))
    response = down.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "db": "error"}


def test_unknown_page_is_a_korean_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "찾을 수 없습니다" in response.text


def test_unexpected_error_shows_korean_page_with_request_id_and_no_trace(app, capfd):
    @app.get("/boom")
    def boom():
        raise ZeroDivisionError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "일시적인 오류가 발생했습니다" in response.text
    assert "ZeroDivisionError" not in response.text and "secret internals" not in response.text
    request_id = response.headers["X-Request-ID"]
    assert request_id in response.text
    logged = capfd.readouterr().err
    assert f"[{request_id}]" in logged and "ZeroDivisionError: secret internals" in logged


def test_audit_events_are_append_only(client):
    staff = make_staff()
    record("test.event", actor=staff, subject=staff, detail={"n": 1})
    db.session.commit()
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "test.event"))
    assert (event.staff_id, event.username, event.subject_type) == (staff.id, staff.username, "staff")
    event.action = "tampered"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_login_audit_event_records_ip_and_centre(client):
    staff = make_staff(Role.FRONT_DESK)
    client.post("/login", data={"username": staff.username, "password": "correct horse battery"},
                environ_base={"REMOTE_ADDR": "10.1.2.3"})
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "auth.login"))
    assert (event.ip, event.centre_id, event.staff_id) == ("10.1.2.3", staff.centre_id, staff.id)
    assert event.request_id


def test_field_encryption_round_trip_and_keyed_hash():
    token = cipher().encrypt("850302-1234567")
    assert "850302" not in token
    assert cipher().decrypt(token) == "850302-1234567"
    assert cipher().encrypt("850302-1234567") != token  # a fresh nonce every time
    assert cipher().keyed_hash("8503021234567") == cipher().keyed_hash("8503021234567")
    assert cipher().keyed_hash("8503021234567") != cipher().keyed_hash("8503021234568")


def test_ciphertext_from_another_key_or_tampered_is_refused():
    other = FieldCipher(decode_key("b" * 43))
    token = cipher().encrypt("secret")
    with pytest.raises(InvalidTag):
        other.decrypt(token)
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises((InvalidTag, ValueError)):
        cipher().decrypt(tampered)
    assert other.keyed_hash("x") != cipher().keyed_hash("x")


def test_embedded_default_generates_secrets_once_into_the_instance_folder(tmp_path):
    from flask import Flask

    from core import settings

    first, second = Flask("a", instance_path=str(tmp_path)), Flask("b", instance_path=str(tmp_path))
    settings.load(first, None)
    settings.load(second, None)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(decode_key(first.config["FIELD_ENCRYPTION_KEY"])) == 32
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000


def test_staff_can_switch_to_english(client, login_as):
    login_as(Role.MANAGER)
    assert "직원 관리" in client.get("/").text
    client.post("/account/locale", data={"locale": "en", "next": "/"})
    page = client.get("/").text
    assert "Staff" in page and "직원 관리" not in page
    assert '<html lang="en">' in page
