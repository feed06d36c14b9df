"""Settings: defaults in code, secrets from the environment, tests pass a dict.

For the embedded (SQLite) default, missing secrets are generated once into
``instance/secrets.json`` so a fresh clone starts without any key in the repository. With
``HANJARI_PRODUCTION=1`` a missing secret stops the start-up instead.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

SECRET_NAMES = ("SECRET_KEY", "FIELD_ENCRYPTION_KEY")


class Defaults:
    # hide_parameters: a database error's message must not carry the values of the statement
    # (names, birth dates, note text) into the server log.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    BABEL_DEFAULT_LOCALE = "ko"
    BABEL_DEFAULT_TIMEZONE = "Asia/Seoul"
    LANGUAGES = ("ko", "en")
    BOOTSTRAP_SERVE_LOCAL = True  # centre intranets have no internet: no CDN
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "hanjari_session"
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    IDLE_TIMEOUT_MINUTES = 30
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


def load(app: Flask, test_config: dict | None) -> None:
    """Fill ``app.config`` in order: defaults, environment, then the test dict."""
    app.config.from_object(Defaults)
    env = os.environ
    if env.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(env["DATABASE_URL"])
    if env.get("REDIS_URL"):
        app.config["RATELIMIT_STORAGE_URI"] = env["REDIS_URL"]
    for name in SECRET_NAMES:
        if env.get(name):
            app.config[name] = env[name]
    app.config["PRODUCTION"] = env.get("HANJARI_PRODUCTION") == "1"
    app.config.from_prefixed_env("HANJARI")
    if test_config:
        app.config.update(test_config)

    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", f"sqlite:///{Path(app.instance_path) / 'hanjari.sqlite'}"
    )
    _ensure_secrets(app)
    minutes = app.config["IDLE_TIMEOUT_MINUTES"]
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=minutes)


def _normalise_db_url(url: str) -> str:
    """Accept the usual ``postgres://`` / ``postgresql://`` forms and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _ensure_secrets(app: Flask) -> None:
    missing = [name for name in SECRET_NAMES if not app.config.get(name)]
    if not missing:
        return
    if app.config["PRODUCTION"]:
        raise RuntimeError(f"missing secret settings in production: {', '.join(missing)}")
    path = Path(app.instance_path) / "secrets.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    for name in missing:
        if name not in stored:
            stored[name] = secrets.token_urlsafe(32)
        app.config[name] = stored[name]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stored, indent=2))
    path.chmod(0o600)
