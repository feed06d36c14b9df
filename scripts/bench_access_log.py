"""How fast the access log is written, verified and reviewed: prints seconds and rates.

    .venv/bin/python scripts/bench_access_log.py [--events 50000] [--people 3000]

Builds a new SQLite database in a temporary folder (or uses ``DATABASE_URL``: its ``public``
schema must be empty; it is left filled), migrates it, writes ``--events`` access-log events
for one centre spread over last month (a commit per 20 events, as requests would, each event
about one of ``--people`` people by one of 20 staff members), then times
``audit-verify``'s walk of the chain and the manager's review of the month (filters and flags).
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from centers.models import Centre, Staff  # noqa: E402
from core import audit  # noqa: E402
from core.clock import local_today  # noqa: E402
from core.extensions import db  # noqa: E402
from core.roles import Role  # noqa: E402
from reports import access_review  # noqa: E402
from reports.periods import Month  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--people", type=int, default=3_000)
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="hanjari-bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(b"k" * 32).decode(),
                      "STARTUP_CHECKS": False})
    with app.app_context():
        upgrade()
        centre = Centre(code="bench", name="벤치 센터", sido="경기도", sigungu="남양주시")
        db.session.add(centre)
        db.session.flush()
        staff = [Staff(username=f"s{n}", display_name=f"직원{n}", role=Role.CASEWORKER,
                       centre_id=centre.id, password_hash="x") for n in range(20)]
        manager = Staff(username="manager", display_name="센터장", role=Role.MANAGER,
                        centre_id=centre.id, password_hash="x")
        db.session.add_all([*staff, manager])
        db.session.commit()
        month = Month.of(local_today()).previous()
        start = month.span.start_utc
        span = (month.span.end_utc - start).total_seconds()
        rng = random.Random(7)
        began = time.perf_counter()
        for n in range(options.events):
            event = audit.record(rng.choice(("client.view", "case.view", "visit.view")),
                                 actor=rng.choice(staff), client_id=rng.randrange(options.people))
            event.at = start + timedelta(seconds=span * n / options.events)
            if n % 20 == 19:
                db.session.commit()
        db.session.commit()
        written = time.perf_counter() - began
        began = time.perf_counter()
        result = audit.verify()
        verified = time.perf_counter() - began
        db.session.rollback()
        began = time.perf_counter()
        with app.test_request_context():
            review = access_review.review(manager, access_review.Filters(
                month, month.first, month.span.last))
        reviewed = time.perf_counter() - began
    print(f"engine: {url.split(':')[0]}; events: {options.events}")
    print(f"write: {written:.1f} s ({options.events / written:.0f} events/s, commit per 20)")
    print(f"audit-verify: {verified:.2f} s ({result.checked} events, broken: {result.first_broken})")
    print(f"review of the month: {reviewed:.2f} s ({len(review.ids)} events, "
          f"{sum(1 for i in review.ids if review.flags.get(i))} flagged)")


if __name__ == "__main__":
    main()
