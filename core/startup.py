"""Start-up checks: a wrong or missing setting stops the start with one line, not a traceback.

``create_app`` loads the settings inside :func:`stop_on_problem`: ``core.settings`` raises
:class:`StartupError` for what the values alone show (a missing secret in production, a key
that is not one, an instance folder that cannot be written), then :func:`check_startup` asks
the database and Redis to answer, with short timeouts (``STARTUP_CHECKS``, off in the test
suite's settings). A problem is printed as one line on stderr and the process exits with
status 4 — gunicorn's "App failed to load", the status that stops its master instead
of making it start new workers forever. The same holds for every ``flask --app app`` command.

``flask --app app check-config`` lists every setting with its source and the result of every
check, and exits non-zero when one fails. It is also installed as a ``flask.commands`` plugin,
so that Flask finds it before loading the app and the app it loads reports its connection
problems instead of stopping at the first.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask

#: gunicorn's ``Arbiter.APP_LOAD_ERROR``: a worker exiting with it halts the master.
APP_LOAD_ERROR = 4
#: Seconds a check waits for an address that does not answer; a start must not hang.
CONNECT_TIMEOUT = 3

SECRET_NAME_PARTS = {"SECRET", "KEY", "PASSWORD", "SALT", "TOKEN"}
SHOWN_LENGTH = 120  # check-config shortens longer values (the API's description) to one line
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]*@", re.IGNORECASE)

_reporting: ContextVar[bool] = ContextVar("hanjari_startup_reporting", default=False)


class StartupError(Exception):
    """A setting that stops the start; the message is one line: what is wrong, how to fix it."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@contextmanager
def stop_on_problem() -> Iterator[None]:
    """Turn a :class:`StartupError` into its one line on stderr and exit status 4."""
    try:
        yield
    except StartupError as problem:
        print(f"한자리를 시작할 수 없습니다: {problem}", file=sys.stderr, flush=True)
        raise SystemExit(APP_LOAD_ERROR) from None


def check_startup(app: Flask) -> None:
    """Stop at the first connection check that fails (unless ``STARTUP_CHECKS`` is off, as in
    the test suite, or ``check-config`` is the command: it reports them all).

    :raise StartupError: the database or Redis does not answer.
    """
    if _reporting.get() or not app.config["STARTUP_CHECKS"]:
        return
    for check in connection_checks(app):
        if not check.ok:
            raise StartupError(check.detail)


def connection_checks(app: Flask) -> list[Check]:
    checks = [check_database(app.config["SQLALCHEMY_DATABASE_URI"])]
    redis_url = app.config.get("RATELIMIT_STORAGE_URI") or ""
    if redis_url.split(":", 1)[0] in ("redis", "rediss", "unix"):
        checks.append(check_redis(redis_url))
    return checks


def check_database(url: str) -> Check:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        where = f"SQLite 파일 {parsed.database}"
        fix = "파일이 있을 폴더가 있고 쓸 수 있는지 확인하세요"
        connect_args = {"timeout": CONNECT_TIMEOUT}
    else:
        where = (f"PostgreSQL 데이터베이스 {parsed.database} "
                 f"({parsed.host or 'localhost'}:{parsed.port or 5432}, 사용자 {parsed.username})")
        fix = "DATABASE_URL과 데이터베이스 서버를 확인하세요 (없는 데이터베이스는 createdb로 만듭니다)"
        connect_args = {"connect_timeout": CONNECT_TIMEOUT}
    engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool, connect_args=connect_args)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        reason = _first_line(getattr(error, "orig", error), parsed.password)
        return Check("database", False, f"{where}에 연결할 수 없습니다 ({reason}). {fix}.")
    finally:
        engine.dispose()
    return Check("database", True, f"{where}: 연결됨")


def check_redis(url: str) -> Check:
    import redis  # only where Redis is configured

    client = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT,
                                  socket_timeout=CONNECT_TIMEOUT)
    kwargs = client.connection_pool.connection_kwargs
    address = kwargs.get("path") or f"{kwargs.get('host')}:{kwargs.get('port')}"
    where = f"Redis({address})"
    try:
        client.ping()
    except redis.RedisError as error:
        reason = _first_line(error, kwargs.get("password"))
        return Check("redis", False, f"{where}가 응답하지 않습니다 ({reason}). REDIS_URL과 "
                                     "Redis 서버를 확인하세요.")
    finally:
        client.close()
    return Check("redis", True, f"{where}: 응답함")


def _first_line(error: BaseException, password: str | None) -> str:
    """The driver's own reason, one line, without the password should a driver ever echo it."""
    line = next((part.strip() for part in str(error).splitlines() if part.strip()),
                type(error).__name__)
    return line.replace(password, "***") if password else line


# --- flask check-config ----------------------------------------------------------------------

def shown_value(name: str, value) -> str:
    """A setting as check-config prints it: secrets hidden, passwords in URLs masked, one line."""
    if isinstance(value, str | bytes) and value and SECRET_NAME_PARTS & set(name.split("_")):
        return f"(숨김, {len(value)}자)"
    text = _URL_PASSWORD.sub(r"\g<head>***@", value if isinstance(value, str) else repr(value))
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1] + "…"


@click.command("check-config")
@click.pass_context
def check_config(ctx: click.Context) -> None:
    """List every setting with its source (secrets hidden) and check the connections."""
    from flask.cli import ScriptInfo

    token = _reporting.set(True)
    try:
        app = ctx.ensure_object(ScriptInfo).load_app()
    finally:
        _reporting.reset(token)
    sources = app.extensions.get("hanjari.setting_sources", {})
    click.echo(f"인스턴스 폴더: {app.instance_path}")
    click.echo("설정 [출처]:")
    for name in sorted(app.config):
        source = sources.get(name, "기본값")
        click.echo(f"  {name} = {shown_value(name, app.config[name])}  [{source}]")
    click.echo("점검:")
    with app.app_context():
        checks = connection_checks(app)
    if not any(check.name == "redis" for check in checks):
        click.echo("  - Redis: 설정 안 됨 (REDIS_URL이 없으면 로그인 제한을 작업자마다 따로 셉니다)")
    for check in checks:
        click.echo(f"  {'OK  ' if check.ok else '실패'} {check.detail}")
    if not all(check.ok for check in checks):
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(check_config)


def instance_folder_problem(folder: Path) -> str | None:
    """Why the instance folder cannot be used, or ``None``: it must exist and take a file."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as error:
        return error.strerror or type(error).__name__
    return None
