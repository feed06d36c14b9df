"""Engine set-up that both engines need to serve several desks at once."""

import sqlite3
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.extensions import db


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
    cursor.close()


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
