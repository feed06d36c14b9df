"""``flask backup FILE`` and ``flask restore FILE``: a consistent copy taken while the app serves.

- **SQLite**: the online backup API (``sqlite3.Connection.backup``) copies every page in one
  read transaction, so the copy is the database as of one instant while the desks keep writing
  (WAL lets them). The backup is itself a SQLite file.
- **PostgreSQL**: ``pg_dump`` in its custom format, which reads in one snapshot transaction (the
  same guarantee); ``restore`` hands the file to ``pg_restore``. Both must be installed, at the
  server's major version or newer.

``restore`` writes only into an empty database (it never mixes two states), then compares the
restored schema revision with the migrations. Encrypted columns are copied as the ciphertext
they are; the keys are settings, never stored in the database, so never in a backup.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from core.extensions import db

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(file: Path) -> None:
    """Copy the database to FILE (a new file) while the app keeps serving."""
    if file.exists():
        raise click.ClickException(f"{file}이(가) 이미 있습니다. 백업은 덮어쓰지 않으니 새 이름을 주세요.")
    if not file.parent.is_dir():
        raise click.ClickException(f"폴더 {file.parent}이(가) 없습니다.")
    url = db.engine.url
    # Written beside FILE and renamed at the end: FILE is never half a backup. Only the owner
    # may read it: it holds personal data.
    handle, aside = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.", suffix=".part")
    os.close(handle)
    try:
        if url.get_backend_name() == "sqlite":
            _backup_sqlite(_sqlite_path(url), Path(aside))
        elif url.get_backend_name() == "postgresql":
            _backup_postgresql(url, Path(aside))
        else:
            raise click.ClickException(f"{url.get_backend_name()} 데이터베이스는 백업할 수 없습니다.")
        os.replace(aside, file)
    finally:
        Path(aside).unlink(missing_ok=True)
    click.echo(f"백업했습니다: {file} ({file.stat().st_size:,} 바이트). 키(FIELD_ENCRYPTION_KEY, "
               "SECRET_KEY)는 들어 있지 않으니 따로 보관하세요.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore(file: Path) -> None:
    """Restore FILE (made by ``flask backup``) into the configured database, which must be empty."""
    url = db.engine.url
    engine_name = url.get_backend_name()
    kind = _backup_kind(file)
    if kind is None:
        raise click.ClickException(f"{file}은(는) 한자리 백업 파일이 아닙니다 (SQLite 파일도, "
                                   "pg_dump custom 형식도 아닙니다).")
    if kind != engine_name:
        raise click.ClickException(f"{file}은(는) {kind} 백업인데 설정된 데이터베이스는 "
                                   f"{engine_name}입니다. 같은 종류의 데이터베이스에 복원하세요.")
    tables = sa.inspect(db.engine).get_table_names()
    if tables:
        raise click.ClickException(
            f"복원은 빈 데이터베이스에만 합니다. {_describe(url)}에 표가 {len(tables)}개 있습니다. "
            "새 데이터베이스(PostgreSQL: createdb, SQLite: 없는 파일)를 가리키고 다시 하세요.")
    db.engine.dispose()  # no pooled connection may see the database change under it
    if engine_name == "sqlite":
        _restore_sqlite(file, _sqlite_path(url))
    else:
        _restore_postgresql(url, file)
    db.engine.dispose()
    click.echo(f"복원했습니다: {file} → {_describe(url)}.")
    click.echo(_schema_state())


def _backup_sqlite(source_path: Path, target: Path) -> None:
    if not source_path.is_file():
        raise click.ClickException(f"데이터베이스 파일 {source_path}이(가) 없습니다.")
    source = sqlite3.connect(source_path, timeout=15)
    copy = sqlite3.connect(target)
    try:
        # pages=-1: every page in one step, hence one read transaction — one instant's state.
        source.backup(copy, pages=-1)
        # A self-contained file: no -wal beside it is needed to read it.
        copy.execute("PRAGMA journal_mode=DELETE")
        _check_sqlite(copy, target)
    finally:
        copy.close()
        source.close()


def _restore_sqlite(file: Path, target_path: Path) -> None:
    backup_file = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    target = sqlite3.connect(target_path, timeout=15)
    try:
        _check_sqlite(backup_file, file)
        backup_file.backup(target, pages=-1)
    finally:
        target.close()
        backup_file.close()


def _check_sqlite(connection: sqlite3.Connection, path: Path) -> None:
    verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
    if verdict != "ok":
        raise click.ClickException(f"{path}의 SQLite 점검이 실패했습니다: {verdict}")


def _backup_postgresql(url: sa.engine.URL, target: Path) -> None:
    click.echo(f"PostgreSQL: pg_dump로 {_describe(url)}을(를) 백업합니다 "
               "(custom 형식, 되돌리기: flask --app app restore FILE).")
    _run_pg_tool("pg_dump", url, ["--format=custom", f"--file={target}"])


def _restore_postgresql(url: sa.engine.URL, file: Path) -> None:
    click.echo(f"PostgreSQL: pg_restore로 {_describe(url)}에 되돌립니다.")
    _run_pg_tool("pg_restore", url, ["--no-owner", "--no-privileges", "--exit-on-error",
                                     "--single-transaction", str(file)])


def _run_pg_tool(tool: str, url: sa.engine.URL, arguments: list[str]) -> None:
    """Run pg_dump or pg_restore on ``url``; the password goes in the environment, not argv."""
    program = shutil.which(tool)
    if program is None:
        raise click.ClickException(
            f"{tool}을(를) 찾을 수 없습니다. 서버와 같은 주 버전 이상의 PostgreSQL 클라이언트를 "
            "설치하세요 (Debian: postgresql-client).")
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    result = subprocess.run([program, *arguments, f"--dbname={conninfo}"], env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"종료 코드 {result.returncode}"
        if url.password:
            reason = reason.replace(str(url.password), "***")
        raise click.ClickException(f"{tool}이(가) 실패했습니다: {reason}")


def _backup_kind(file: Path) -> str | None:
    with file.open("rb") as handle:
        start = handle.read(len(SQLITE_MAGIC))
    if start == SQLITE_MAGIC:
        return "sqlite"
    if start.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    return None


def _schema_state() -> str:
    """Where the restored schema stands against this code's migrations.

    :raise click.ClickException: a revision these migrations do not know (a newer release).
    """
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    heads = set(scripts.get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current == heads:
        return f"스키마 버전 {', '.join(sorted(current))}: 이 코드의 마이그레이션과 같습니다."
    known = {script.revision for script in scripts.walk_revisions()}
    if not current or not current <= known:
        raise click.ClickException(
            f"복원한 스키마 버전({', '.join(sorted(current)) or '없음'})을 이 코드의 마이그레이션이 "
            "모릅니다. 백업을 만든 버전의 한자리로 여세요.")
    return (f"스키마 버전 {', '.join(sorted(current))}: 이 코드보다 오래되었습니다. "
            "flask --app app db upgrade 를 실행하세요.")


def _sqlite_path(url: sa.engine.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise click.ClickException("메모리 안의 SQLite 데이터베이스는 백업하거나 복원할 수 없습니다.")
    return Path(url.database)


def _describe(url: sa.engine.URL) -> str:
    if url.get_backend_name() == "sqlite":
        return f"SQLite 파일 {url.database}"
    return f"PostgreSQL 데이터베이스 {url.database} ({url.host or 'localhost'}:{url.port or 5432})"


def init_app(app: Flask) -> None:
    app.cli.add_command(backup)
    app.cli.add_command(restore)
