"""CPU time of one request on PostgreSQL: what a page costs a quiet core.

On a shared machine a page's wall time says more about the other jobs than about the page.
This script requests pages through the test client, as a staff member signed in through
``/login``, on a single pooled connection with parallel workers off (so that connection's
backend does all of the database's work), and prints for each run the app process's CPU
(``time.process_time()``) and the backend's (``utime + stime`` of ``/proc/<pid>/stat``: the
PostgreSQL server must run on this machine, readable by this user). One warm-up request
comes first. With ``--slowest N`` it also prints the N slowest statements of the last run,
and with ``--explain`` their ``EXPLAIN (ANALYZE, BUFFERS)`` on the same connection settings.

    export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/national_scale
    nice -n 19 .venv/bin/python scripts/cpu_per_request.py --user synth-admin \\
        /reports/national/2026-11 --runs 3 --slowest 8 --explain
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float:
    """Seconds of CPU (user + system) the backend process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="pages to request (GET), e.g. /reports/national/2026-11")
    parser.add_argument("--user", required=True, help="username to sign in as")
    parser.add_argument("--password", default="demo-pass-2026")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--slowest", type=int, default=0,
                        help="print the N slowest statements of the last run")
    parser.add_argument("--explain", action="store_true",
                        help="EXPLAIN (ANALYZE, BUFFERS) the --slowest statements")
    args = parser.parse_args()

    from app import create_app
    from core.extensions import db

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "STARTUP_CHECKS": False,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0,
                                                    "hide_parameters": True}})
    timings: list[tuple[float, str, object]] = []
    backend: dict[str, int] = {}
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "postgresql":
            raise SystemExit("PostgreSQL only: the backend's CPU is read from /proc")

        @sa.event.listens_for(engine, "connect")
        def _one_backend(dbapi_connection, _record):
            autocommit = dbapi_connection.autocommit
            dbapi_connection.autocommit = True
            dbapi_connection.execute("SET max_parallel_workers_per_gather = 0")
            backend["pid"] = dbapi_connection.execute("SELECT pg_backend_pid()").fetchone()[0]
            dbapi_connection.autocommit = autocommit

        @sa.event.listens_for(engine, "before_cursor_execute")
        def _started(conn, cursor, statement, parameters, context, executemany):
            conn.info.setdefault("started", []).append(time.perf_counter())

        @sa.event.listens_for(engine, "after_cursor_execute")
        def _finished(conn, cursor, statement, parameters, context, executemany):
            started = conn.info["started"].pop()
            timings.append((time.perf_counter() - started, statement, parameters))

        engine.dispose()
    client = app.test_client()
    response = client.post("/login", data={"username": args.user, "password": args.password})
    if response.status_code != 302:
        raise SystemExit(f"sign-in of {args.user} refused ({response.status_code})")
    for path in args.paths:
        response = client.get(path)  # warm-up
        print(f"{path}: HTTP {response.status_code}, {len(response.data):,} bytes (warm-up)")
        for run in range(1, args.runs + 1):
            timings.clear()
            app_before, db_before = time.process_time(), backend_cpu(backend["pid"])
            wall = time.perf_counter()
            response = client.get(path)
            wall = time.perf_counter() - wall
            app_cpu = time.process_time() - app_before
            db_cpu = backend_cpu(backend["pid"]) - db_before
            print(f"  run {run}: CPU {app_cpu + db_cpu:6.2f} s (app {app_cpu:.2f} + db "
                  f"{db_cpu:.2f}), wall {wall:6.2f} s, {len(timings)} statements, "
                  f"HTTP {response.status_code}")
    if args.slowest:
        slowest = sorted(timings, key=lambda item: -item[0])[:args.slowest]
        print(f"\nslowest {len(slowest)} of {len(timings)} statements (last run):")
        for seconds, statement, _parameters in slowest:
            print(f"\n-- {seconds * 1000:.1f} ms\n{statement}")
        if args.explain:
            with app.app_context():
                raw = db.engine.raw_connection()
                try:
                    cursor = raw.cursor()
                    for seconds, statement, parameters in slowest:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                        plan = "\n".join(row[0] for row in cursor.fetchall())
                        print(f"\n-- EXPLAIN of the {seconds * 1000:.1f} ms statement\n{plan}")
                    raw.rollback()
                finally:
                    raw.close()


if __name__ == "__main__":
    main()
