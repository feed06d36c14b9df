"""Settings: defaults in code, secrets from the environment, tests pass a dict.

For the embedded (SQLite) default, missing secrets are generated once into
``instance/secrets.json`` so a fresh clone starts without any key in the repository. With
``HANJARI_PRODUCTION=1`` a missing secret stops the start-up instead (one line, see
:mod:`core.startup`). ``HANJARI_INSTANCE_PATH`` moves the instance folder (``create_app``).
"""

from __future__ import annotations

import binascii
import json
import os
import re
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

from flask import Flask

from core.crypto import decode_key
from core.startup import StartupError, instance_folder_problem

SECRET_NAMES = ("SECRET_KEY", "FIELD_ENCRYPTION_KEY")
NEW_KEY_COMMAND = 'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'
_URLSAFE_BASE64 = re.compile(r"[A-Za-z0-9_-]+={0,2}")


class Defaults:
    # hide_parameters: a database error's message must not carry the values of the statement
    # (names, birth dates, note text) into the server log.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    BABEL_DEFAULT_LOCALE = "ko"
    BABEL_DEFAULT_TIMEZONE = "Asia/Seoul"
    LANGUAGES = ("ko", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "hanjari_session"
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    IDLE_TIMEOUT_MINUTES = 30
    SESSION_MAX_HOURS = 12  # a session ends this long after sign-in, however busy
    LOCKOUT_THRESHOLD = 5
    LOCKOUT_MINUTES = 15
    LOGIN_RATE_LIMIT = "30 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    PASSWORD_MIN_LENGTH = 10
    PASSWORD_MAX_LENGTH = 128
    PASSWORD_HASH_TIME_COST = 3  # argon2-cffi's defaults (RFC 9106 second recommendation)
    PASSWORD_HASH_MEMORY_KIB = 65536
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    API_TOKEN_DAYS = 90  # lifetime of a new API token unless its maker chooses another
    BOARD_TOKEN_DAYS = 180  # a lobby board's address stops working; the manager makes a new one
    ENROLMENT_CODE_HOURS = 72  # a new or reset account's one-time code (centers.enrolment)
    ENROLMENT_MAX_ATTEMPTS = 5  # wrong entries before the code stops working
    # An enrolment from the IP that made the code is refused (the creator's own PC). Turn it off
    # only where every PC shares one address (a NAT in front of the server).
    ENROLMENT_REFUSE_CREATOR_IP = True
    # At start-up, ask the database and Redis to answer (core.startup); the tests turn it off.
    STARTUP_CHECKS = True
    # The access-log review flags one staff member opening this many different people's
    # records within this many minutes (reports.access_review).
    ACCESS_REVIEW_BULK_PEOPLE = 30
    ACCESS_REVIEW_BULK_MINUTES = 10
    # Retention (flask purge-expired): a person is anonymised this many years after their
    # last activity; access-log events are dropped after this many years (at least 2, as the
    # 안전성 확보조치 기준 제8조 asks).
    # Monthly reports (reports.closing): a month its manager has not closed closes by itself
    # after this day of the next month (flask close-months, or when first asked for). None:
    # only managers close months.
    REPORT_CLOSE_DAY = None
    PERSON_RETENTION_YEARS = 5
    ACCESS_LOG_RETENTION_YEARS = 2
    # Appointment text messages (appointments.messaging): "outbox" keeps them in a table the
    # manager sees; "nhncloud" sends through NHN Cloud SMS with the keys below.
    SMS_BACKEND = "outbox"
    SMS_NHN_URL = "https://api-sms.cloud.toast.com"
    SMS_NHN_APP_KEY = ""
    SMS_NHN_SECRET_KEY = ""
    SMS_SENDER_NUMBER = ""  # the 발신번호 registered with the provider
    SMS_TIMEOUT_SECONDS = 10
    # The cover of a report PDF (reports.documents): the defaults of 수신 and of the national
    # roll-up's 발신 until a manager / the administrator sets them on the 수신·발신 screen.
    REPORT_RECIPIENT = "고용노동부 고용서비스정책과"
    REPORT_NATIONAL_SENDER = "한자리 운영지원단"


def load(app: Flask, test_config: dict | None) -> None:
    """Fill ``app.config`` in order: defaults, environment, then the test dict.

    Where each value came from is kept in ``app.extensions["hanjari.setting_sources"]`` for
    ``flask check-config``.

    :raise StartupError: a missing secret in production, a field key that is not one, or an
        instance folder that cannot be written.
    """
    app.config.from_object(Defaults)
    sources = {name: "기본값" for name in vars(Defaults) if name.isupper()}
    env = os.environ
    if env.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(env["DATABASE_URL"])
        sources["SQLALCHEMY_DATABASE_URI"] = "환경 변수 DATABASE_URL"
    if env.get("REDIS_URL"):
        app.config["RATELIMIT_STORAGE_URI"] = env["REDIS_URL"]
        sources["RATELIMIT_STORAGE_URI"] = "환경 변수 REDIS_URL"
    for name in SECRET_NAMES:
        if env.get(name):
            app.config[name] = env[name]
            sources[name] = f"환경 변수 {name}"
    app.config["PRODUCTION"] = env.get("HANJARI_PRODUCTION") == "1"
    sources["PRODUCTION"] = "기본값"
    app.config.from_prefixed_env("HANJARI")
    for key in env:
        if key.startswith("HANJARI_"):
            sources[key.removeprefix("HANJARI_").split("__")[0]] = f"환경 변수 {key}"
    if test_config:
        app.config.update(test_config)
        sources.update({name: "시험 설정" for name in test_config})

    if "SQLALCHEMY_DATABASE_URI" not in app.config:
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'hanjari.sqlite'}")
        sources["SQLALCHEMY_DATABASE_URI"] = "기본값 (인스턴스 폴더의 SQLite 파일)"
    problem = instance_folder_problem(Path(app.instance_path))
    if problem:
        raise StartupError(
            f"인스턴스 폴더 {app.instance_path}에 쓸 수 없습니다 ({problem}). 한자리를 실행하는 "
            "사용자가 쓸 수 있는 폴더로 만들거나 HANJARI_INSTANCE_PATH로 다른 폴더를 지정하세요.")
    _ensure_secrets(app, sources)
    _check_field_key(app.config["FIELD_ENCRYPTION_KEY"])
    minutes = app.config["IDLE_TIMEOUT_MINUTES"]
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=minutes)
    sources["PERMANENT_SESSION_LIFETIME"] = "IDLE_TIMEOUT_MINUTES에서"
    # matplotlib keeps its font list in its config folder: without one it would build the list
    # again in every process (a HOME the service user cannot write, a fresh container).
    os.environ.setdefault("MPLCONFIGDIR", str(Path(app.instance_path) / "cache" / "matplotlib"))
    app.extensions["hanjari.setting_sources"] = sources


def _normalise_db_url(url: str) -> str:
    """Accept the usual ``postgres://`` / ``postgresql://`` forms and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _ensure_secrets(app: Flask, sources: dict[str, str]) -> None:
    missing = [name for name in SECRET_NAMES if not app.config.get(name)]
    if not missing:
        return
    if app.config["PRODUCTION"]:
        raise StartupError(
            f"운영 모드(HANJARI_PRODUCTION=1)인데 {', '.join(missing)} 설정이 없습니다. 환경 "
            f"변수로 주세요 (새 값 만들기: {NEW_KEY_COMMAND}). FIELD_ENCRYPTION_KEY는 이미 "
            "암호화한 데이터의 키여야 합니다.")
    path = Path(app.instance_path) / "secrets.json"
    stored = _read_secrets(path)
    if any(name not in stored for name in missing):
        stored = _write_secrets(path, stored, missing)
    for name in missing:
        app.config[name] = stored[name]
        sources[name] = "인스턴스 파일 instance/secrets.json"


def _read_secrets(path: Path) -> dict[str, str]:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise StartupError(f"{path}를 읽을 수 없습니다 ({error}). 파일을 고치거나, 그 키로 "
                           "암호화한 데이터가 없다면 지우세요.") from None


def _write_secrets(path: Path, stored: dict[str, str], missing: list[str]) -> dict[str, str]:
    """Generate the missing secrets once; of workers starting together, the first one wins.

    The file appears whole (written aside, then linked into place), so a worker never reads
    half of it, and no worker replaces another's key once it exists.
    """
    new = {**stored, **{name: secrets.token_urlsafe(32) for name in missing if name not in stored}}
    handle, aside = tempfile.mkstemp(dir=path.parent, prefix=".secrets-")
    try:
        with os.fdopen(handle, "w") as file:
            json.dump(new, file, indent=2)
        if stored:
            os.replace(aside, path)
            return new
        try:
            os.link(aside, path)
        except FileExistsError:
            return _read_secrets(path)
        return new
    finally:
        Path(aside).unlink(missing_ok=True)


def _check_field_key(text: str) -> None:
    """:raise StartupError: the key is not URL-safe base64 of at least 32 bytes."""
    fix = f"새 키는 {NEW_KEY_COMMAND} 로 만듭니다 (이미 암호화한 데이터가 있으면 그 키를 써야 합니다)"
    if not isinstance(text, str) or not _URLSAFE_BASE64.fullmatch(text):
        raise StartupError("FIELD_ENCRYPTION_KEY가 URL-safe base64(영문자, 숫자, -, _)가 "
                           f"아닙니다. {fix}.")
    try:
        key = decode_key(text)
    except binascii.Error:
        raise StartupError(f"FIELD_ENCRYPTION_KEY의 base64 길이가 맞지 않습니다. {fix}.") from None
    if len(key) < 32:
        raise StartupError(f"FIELD_ENCRYPTION_KEY가 {len(key)}바이트입니다. 32바이트 이상이어야 "
                           f"합니다. {fix}.")
