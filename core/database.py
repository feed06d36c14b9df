"""Engine set-up that both engines need to serve several desks at once."""

import contextlib
import sqlite3
from datetime import UTC, datetime
from math import floor
from pathlib import Path

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from core.extensions import db


@sa.event.listens_for(Engine, "connect")
def _tune_postgresql(dbapi_connection, connection_record):
    """No JIT compilation: PostgreSQL compiles a query to machine code when its estimated
    cost is high, which the report's aggregates over a month of visits always are; at a
    centre's volume that took 1.3 s of a 1.5 s query, every time, for queries that then run
    in tens of milliseconds. An OLTP app's queries gain nothing from it."""
    if type(dbapi_connection).__module__.split(".")[0] != "psycopg":
        return
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # a plain SET inside a rolled-back transaction is undone
    dbapi_connection.execute("SET jit = off")
    dbapi_connection.autocommit = autocommit


@sa.event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, connection_record):
    """WAL lets readers work while one desk writes; FKs are off by default in SQLite."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Statistics gathering samples at most this many rows per index, so the occasional
    # ANALYZE that ``PRAGMA optimize`` runs stays a few milliseconds on millions of rows.
    cursor.execute("PRAGMA analysis_limit=1000")
    cursor.close()


@sa.event.listens_for(Engine, "begin")
def _begin_sqlite(connection):
    """A posted request's transaction takes SQLite's write lock when it begins
    (``BEGIN IMMEDIATE``).

    A transaction that read first and writes later cannot wait for the lock: if another
    desk wrote in between, SQLite answers "database is locked" at once, whatever the busy
    timeout — 4 of 9 simultaneous call-next posts failed so (their savepoint began the
    transaction before the read). Beginning immediately makes concurrent posts queue on the
    lock for up to ``busy_timeout`` instead.

    Reads (GET) and work outside a request (commands, a test's own factories) keep the
    driver's default, which is safe for them: statements run outside a transaction until the
    first write, which begins one and waits for the lock (a page's audit event), so a long
    GET such as a PDF does not hold the lock. (Turning off the driver's own BEGIN is
    SQLAlchemy's documented recipe for pysqlite.)
    """
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.driver_connection
    if has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS"):
        driver.isolation_level = None
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        driver.isolation_level = ""


#: A pooled SQLite connection runs ``PRAGMA optimize`` after this many requests.
OPTIMIZE_EVERY = 500


@sa.event.listens_for(Engine, "checkin")
def _optimize_sqlite_now_and_then(dbapi_connection, connection_record):
    """SQLite never gathers planner statistics by itself; without them it walks the wrong
    index (the phone search scanned the centre index). SQLite's advice for long-lived
    connections is ``PRAGMA optimize`` now and then and before closing: it re-analyses only
    the tables this connection used whose size changed a lot, usually doing nothing."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    uses = connection_record.info.get("uses_since_optimize", 0) + 1
    if uses >= OPTIMIZE_EVERY:
        _optimize(dbapi_connection)
        uses = 0
    connection_record.info["uses_since_optimize"] = uses


@sa.event.listens_for(Engine, "close")
def _optimize_sqlite_before_closing(dbapi_connection, connection_record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        _optimize(dbapi_connection)


def _optimize(dbapi_connection: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):  # busy or read-only: the next time will do
        dbapi_connection.execute("PRAGMA optimize")


def empty_database_beside(url: str, purpose: str, folder: Path) -> str:
    """The URL of an empty database beside ``url``, on the same engine: a new SQLite file in
    ``folder``, or the PostgreSQL database ``<url's database>_<purpose>``, dropped and created
    again. Named after ``url``'s database, so two checkouts on one server never drop each
    other's (the benchmark's throw-away data, the tests' migration and restore checks)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:///{Path(folder) / f'{purpose}.sqlite'}"
    name = f"{parsed.database}_{purpose}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Remove a database made by :func:`empty_database_beside` (its SQLite file, or the
    PostgreSQL database, even with connections left open)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def database_is_reachable() -> bool:
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        return False


def days_before(moment: datetime, days_expr):
    """SQL: the instant ``days_expr`` days (an SQL integer) before ``moment``."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.literal(moment, sa.DateTime(timezone=True)) - sa.func.make_interval(
            0, 0, 0, days_expr)
    # SQLite keeps UTCDateTime values as naive UTC text; datetime() answers in the same form.
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    return sa.func.datetime(naive.isoformat(sep=" "), sa.func.printf("-%d days", days_expr))


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


def insert_if_missing(model, values: dict, *, index_elements: list[str] | None = None) -> None:
    """``INSERT … ON CONFLICT DO NOTHING`` on either engine: make sure the row exists (a
    counter, a slot, a throttle window) before one atomic UPDATE changes it, however many
    desks do the same at once."""
    insert = postgresql.insert if dialect_name() == "postgresql" else sqlite.insert
    db.session.execute(insert(model).values(**values)
                       .on_conflict_do_nothing(index_elements=index_elements))


def holds_text(column, text: str) -> sa.ColumnElement[bool]:
    """SQL: ``column`` contains ``text`` literally (no wildcards, nothing to escape).

    Written as a position test rather than ``LIKE '%…%'`` for the planner's sake: next to an
    index that already narrows the rows, PostgreSQL reads a column's LIKE statistics as very
    selective and would rather scan every row; a function's result it does not guess at."""
    position = sa.func.strpos if dialect_name() == "postgresql" else sa.func.instr
    return position(column, text) > 0


def seconds_between(start, end):
    """SQL: the seconds from ``start`` to ``end`` (two timestamp columns), on both engines."""
    if dialect_name() == "postgresql":
        # EXTRACT answers numeric (Decimal in Python): reports want floats, as SQLite gives.
        return sa.cast(sa.extract("epoch", end - start), sa.Float)
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0


def percentile(values: sa.Subquery, fraction: float, *, method: str | None = None
               ) -> float | None:
    """The ``fraction`` percentile of the one column of ``values``, interpolated like
    PostgreSQL's ``percentile_cont``; None when there are no values.

    PostgreSQL computes it with ``percentile_cont``. SQLite has no such aggregate: there the
    values stay in the database, which sorts them, and only the one or two around the wanted
    rank are fetched (``ORDER BY … LIMIT 2 OFFSET k``) and interpolated here.
    ``method="offset"`` forces that path, so both are tested on PostgreSQL too.
    """
    column = next(iter(values.c))
    method = method or ("percentile_cont" if dialect_name() == "postgresql" else "offset")
    if method == "percentile_cont":
        value = db.session.scalar(sa.select(sa.func.percentile_cont(fraction).within_group(column)))
        return None if value is None else float(value)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(values))
    if not count:
        return None
    position = fraction * (count - 1)
    below = floor(position)
    found = [float(v) for v in db.session.scalars(
        sa.select(column).order_by(column).limit(2).offset(below))]
    if len(found) == 1:
        return found[0]
    return found[0] + (found[1] - found[0]) * (position - below)
