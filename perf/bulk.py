"""Bulk loading for both engines: PostgreSQL ``COPY`` and SQLite ``executemany``.

Rows are plain tuples in the column order given; timestamps and dates come already as text in
the form SQLAlchemy itself writes on that engine (see :meth:`BulkWriter.ts`), so what is
loaded here reads back exactly like what the app writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

import sqlalchemy as sa

from core import audit
from core.extensions import db

_EPOCH = date(1970, 1, 1)


class BulkWriter:
    """One raw DBAPI connection held for the whole load, committed chunk by chunk."""

    def __init__(self) -> None:
        self.engine = db.engine
        self.dialect = self.engine.dialect.name
        self.is_pg = self.dialect == "postgresql"
        self.raw = self.engine.raw_connection()
        self.dbapi = self.raw.driver_connection
        self._day_text: dict[int, str] = {}
        self._minute_text: dict[int, str] = {}  # the history has about 300,000 minutes
        self._suffix = "+00" if self.is_pg else ".000000"
        self.counts: dict[str, int] = {}
        with self.engine.connect() as connection:
            self.audit_chain = audit.chain_head(connection)  # where new events chain on
        self.checks_foreign_keys = True
        if self.is_pg:
            from psycopg.errors import InsufficientPrivilege

            cursor = self.dbapi.cursor()
            # The rows are written parents first and the loader keeps every rule, so, as
            # pg_restore --disable-triggers does, the per-row foreign-key triggers are skipped
            # where the account may (a superuser); unique and check constraints still apply.
            cursor.execute("SET synchronous_commit = off")
            try:
                cursor.execute("SET session_replication_role = replica")
                self.checks_foreign_keys = False
            except InsufficientPrivilege:  # not a superuser: keep the checks
                self.dbapi.rollback()
                cursor.execute("SET synchronous_commit = off")
            self.dbapi.commit()
            cursor.close()
        else:
            cursor = self.dbapi.cursor()
            # Speed over durability while loading: a crash means loading again anyway.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-200000")
            cursor.close()

    # --- values ------------------------------------------------------------------------

    def day(self, ordinal_from_epoch: int) -> str:
        text = self._day_text.get(ordinal_from_epoch)
        if text is None:
            text = self._day_text[ordinal_from_epoch] = (
                _EPOCH + timedelta(days=ordinal_from_epoch)).isoformat()
        return text

    def ts(self, epoch: int | None) -> str | None:
        """A UTC instant (whole seconds since 1970) as the engine's UTCDateTime text."""
        if epoch is None:
            return None
        minute, secs = divmod(epoch, 60)
        head = self._minute_text.get(minute)
        if head is None:
            days, rest = divmod(minute, 1440)
            hours, minutes = divmod(rest, 60)
            head = self._minute_text[minute] = f"{self.day(days)} {hours:02d}:{minutes:02d}:"
        return f"{head}{secs:02d}{self._suffix}"

    # --- writing -----------------------------------------------------------------------

    def next_id(self, table: str) -> int:
        with self.engine.connect() as connection:
            return (connection.execute(sa.text(f"SELECT max(id) FROM {table}")).scalar() or 0) + 1

    def write(self, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
        rows = rows if isinstance(rows, list) else list(rows)
        if not rows:
            return
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        cursor = self.dbapi.cursor()
        if self.is_pg:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        cursor.close()

    def commit(self) -> None:
        self.dbapi.commit()

    def finish(self, tables: Iterable[str]) -> None:
        """Sequences past the ids written (PostgreSQL), fresh planner statistics (both)."""
        cursor = self.dbapi.cursor()
        if self.is_pg:
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("SET synchronous_commit = on")
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")
            self.dbapi.commit()
            self.dbapi.autocommit = True
            cursor.execute("ANALYZE")
            self.dbapi.autocommit = False
        else:
            self.dbapi.commit()
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Whole statistics after a bulk load, not the app's 1,000-row samples: sampled,
            # SQLite took the one centre's 163,000 cases for 1,001 and started every case
            # figure from the centre index (the monthly report 1.06 s; 0.77 s after this).
            cursor.execute("PRAGMA analysis_limit=0")
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA analysis_limit=1000")
            self.dbapi.commit()
        cursor.close()
        self.raw.close()
