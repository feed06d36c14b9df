"""``flask backup`` while the app keeps writing, ``flask restore`` into a fresh database, and the
two compared table by table; encrypted fields stay encrypted and no key is in the file.

On SQLite the fresh database is a new file; on PostgreSQL it is ``<test database>_restore_check``
on the same server (like the migration check), dropped again at the end.
"""

from __future__ import annotations

import hashlib
import subprocess
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from cases.models import Client
from centers.models import AgencyKind
from core.database import drop_database
from core.extensions import db
from core.roles import Role
from factories import (
    TEST_KEY,
    app_config,
    bearer,
    fresh_database_url,
    make_agency,
    make_centre,
    make_client,
    make_consent_documents,
    make_staff,
    make_token,
    valid_rrn,
)

WRITERS = 2
TEST_SECRET_KEY = app_config("sqlite://")["SECRET_KEY"]
RRN = valid_rrn("900517", "2", "34567")


# --- helpers -----------------------------------------------------------------------------------

def snapshot(engine: sa.Engine) -> dict[str, dict[tuple, tuple]]:
    """Every table's rows, keyed by primary key (by the whole row where there is none)."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    tables = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            keys = [column.name for column in table.primary_key.columns or table.columns]
            rows = connection.execute(sa.select(table)).mappings().all()
            tables[table.name] = {tuple(row[key] for key in keys): tuple(row.items())
                                  for row in rows}
    return tables


def checksum(rows: dict[tuple, tuple]) -> str:
    return hashlib.sha256(repr(sorted(rows.items(), key=lambda item: repr(item[0]))).encode()
                          ).hexdigest()


def restore_into_fresh_database(db_url: str, tmp_path: Path, backup: Path):
    """Restore ``backup`` with the command into an empty database; its output and rows."""
    folder = tmp_path / backup.stem  # SQLite: a new file for each restore
    folder.mkdir()
    url = fresh_database_url(db_url, folder, "restore_check")
    restored_app = create_app(app_config(url))
    with restored_app.app_context():
        result = restored_app.test_cli_runner().invoke(args=["restore", str(backup)])
        rows = snapshot(db.engine) if result.exit_code == 0 else {}
        db.engine.dispose()
    if not url.startswith("sqlite"):
        drop_database(url)
    return result, rows


def backup_text(db_url: str, backup: Path) -> bytes:
    """What the backup holds, as bytes that can be searched: the SQLite file itself, or the SQL
    that pg_restore makes of a (compressed) custom-format dump."""
    if db_url.startswith("sqlite"):
        return backup.read_bytes()
    return subprocess.run(["pg_restore", "--file=-", str(backup)], check=True,
                          capture_output=True).stdout


class Writers:
    """Threads registering people through the JSON API until told to stop."""

    def __init__(self, app, centre):
        self.app, self.centre = app, centre
        self.tokens = [make_token(make_staff(Role.FRONT_DESK, centre=centre))
                       for _ in range(WRITERS)]
        self.done = 0
        self.done_by = [0] * WRITERS
        self.failures: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.write, args=(n,)) for n in range(WRITERS)]

    def write(self, n: int) -> None:
        client = self.app.test_client()
        for i in range(10_000):
            if self.stop.is_set():
                return
            body = {"name": f"백{chr(0xAC00 + n)}{chr(0xAC00 + i)}",
                    "birth_date": (date(1950, 1, 1) + timedelta(days=i * WRITERS + n)).isoformat(),
                    "sex": "F", "confirmed_new": True,
                    "consent": {"collection": True, "method": "written"}}
            response = client.post("/api/v1/people", json=body, headers=bearer(self.tokens[n]))
            with self.lock:
                if response.status_code == 201:
                    self.done += 1
                    self.done_by[n] += 1
                else:
                    self.failures.append(f"{response.status_code} {response.text}")

    def wait_for(self, count: int, *, each: int = 0) -> None:
        """Until ``count`` people are registered in all, and by each writer ``each``."""
        while True:
            with self.lock:
                if (self.done >= count and min(self.done_by) >= each) or self.failures:
                    return
            self.stop.wait(0.02)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


@pytest.fixture
def centre():
    centre = make_centre(code="namyangju", rrn_enabled=True,
                         rrn_legal_basis="고용보험법 시행령 제145조의2")
    make_agency(centre, AgencyKind.EMPLOYMENT, name="남양주고용센터")
    make_agency(centre, AgencyKind.WELFARE, name="남양주시 복지지원팀")
    make_consent_documents(centre)
    return centre


# --- the round trip ------------------------------------------------------------------------------

def test_backup_during_writes_restores_every_table_exactly(app, runner, centre, db_url, tmp_path):
    with_rrn = make_client(centre, name="주민번호", birth_date=date(1990, 5, 17), rrn=RRN)
    for n in range(5):
        make_client(centre, name=f"홍길{'동순철영미'[n]}", birth_date=date(1980 + n, 1, 2))
    backup = tmp_path / "hanjari.backup"

    with Writers(app, centre) as writers:
        # Each token's first use sets its last_used_at (once a minute): before the snapshot,
        # for every writer (SQLite's immediate write transactions may let one run ahead).
        writers.wait_for(2 * WRITERS, each=1)
        before = snapshot(db.engine)  # every row committed before the backup starts
        result = runner.invoke(args=["backup", str(backup)])
        written_during = writers.done
        writers.wait_for(written_during + 2 * WRITERS)  # and the writers went on after it
    assert writers.failures == []
    assert result.exit_code == 0, result.output
    after = snapshot(db.engine)

    restore, restored = restore_into_fresh_database(db_url, tmp_path, backup)
    assert restore.exit_code == 0, restore.output
    assert "스키마 버전" in restore.output and "같습니다" in restore.output

    assert set(restored) == set(after)
    for table, rows in restored.items():
        # The rows that existed when the backup started are all there, unchanged...
        kept = {key: rows.get(key) for key in before[table]}
        assert (len(kept), checksum(kept)) == (len(before[table]), checksum(before[table])), table
        # ...and every restored row is the source's row: nothing torn, nothing invented.
        source = {key: after[table].get(key) for key in rows}
        assert (len(rows), checksum(rows)) == (len(source), checksum(source)), table
    # The writers added people before, during and after the backup...
    assert len(before["clients"]) < len(after["clients"])
    assert len(before["clients"]) <= len(restored["clients"]) < len(after["clients"])
    # ...and the copy is one instant: each restored person comes with their consent.
    consented = {dict(row)["client_id"] for row in restored["consents"].values()}
    assert {key[0] for key in restored["clients"]} <= consented

    # The resident number is in the backup only as the ciphertext; the keys are not in it.
    ciphertext = db.session.scalar(sa.select(Client.rrn_encrypted).where(Client.id == with_rrn.id))
    held = backup_text(db_url, backup)
    assert ciphertext.encode() in held
    for plaintext in (RRN, RRN.replace("-", ""), TEST_KEY, TEST_SECRET_KEY):
        assert plaintext.encode() not in held
        assert plaintext.encode() not in backup.read_bytes()
    assert backup.stat().st_mode & 0o777 == 0o600


# --- refusals --------------------------------------------------------------------------------

def test_restore_refuses_a_database_that_is_not_empty(runner, centre, tmp_path):
    backup = tmp_path / "hanjari.backup"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    result = runner.invoke(args=["restore", str(backup)])
    assert result.exit_code == 1
    assert "복원은 빈 데이터베이스에만 합니다" in result.output
    assert db.session.get(type(centre), centre.id) is not None


def test_backup_never_overwrites_and_restore_refuses_other_files(runner, tmp_path):
    existing = tmp_path / "old.backup"
    existing.write_bytes(b"yesterday")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code == 1 and "이미 있습니다" in result.output
    assert existing.read_bytes() == b"yesterday"
    assert list(tmp_path.iterdir()) == [existing]  # no half-written file left beside it
    refused = runner.invoke(args=["restore", str(existing)])
    assert refused.exit_code == 1 and "백업 파일이 아닙니다" in refused.output


def test_restore_says_when_the_backup_is_older_or_unknown(runner, db_url, tmp_path):
    head = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    versions = {"older": "0007", "unknown": "ffff"}
    outputs = {}
    try:
        for name, version in versions.items():
            db.session.execute(sa.text("UPDATE alembic_version SET version_num = :v"),
                               {"v": version})
            db.session.commit()
            backup = tmp_path / f"{name}.backup"
            assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
            outputs[name] = restore_into_fresh_database(db_url, tmp_path, backup)[0]
    finally:
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": head})
        db.session.commit()
    assert outputs["older"].exit_code == 0
    assert "0007" in outputs["older"].output and "db upgrade" in outputs["older"].output
    assert outputs["unknown"].exit_code == 1
    assert "ffff" in outputs["unknown"].output and "모릅니다" in outputs["unknown"].output


def test_postgresql_backup_without_pg_dump_says_what_to_install(runner, db_url, tmp_path,
                                                                monkeypatch):
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite is copied by the app itself; only PostgreSQL needs pg_dump")
    monkeypatch.setenv("PATH", str(tmp_path))
    result = runner.invoke(args=["backup", str(tmp_path / "x.backup")])
    assert result.exit_code == 1
    assert "pg_dump을(를) 찾을 수 없습니다" in result.output and "postgresql-client" in result.output
    assert not list(tmp_path.glob("*.backup*"))
