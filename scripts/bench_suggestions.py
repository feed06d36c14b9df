"""Precision and recall of the service suggestions on the hand-made visitor profiles.

    .venv/bin/python scripts/bench_suggestions.py [--database-url URL]

Imports the bundled open-data sample into an empty database (a temporary SQLite file, or
``--database-url``/``DATABASE_URL``, which must be an empty PostgreSQL database — its schema
is migrated), puts every service on one 남양주 centre's list, and runs the 44 profiles of
``tests/suggestion_profiles.py`` through ``suggest_services``: once with no limit (the rules
alone) and once with the visit page's limit of 8. Precision: of the judged services offered,
the share that should be; recall: of the services that should be offered, the share that is.
The rules are described, and the numbers kept, in docs/suggestions.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from flask_migrate import upgrade  # noqa: E402
from suggestion_profiles import PROFILES, score, setup_sample_centre  # noqa: E402

from app import create_app  # noqa: E402
from core.settings import _normalise_db_url  # noqa: E402
from factories import app_config  # noqa: E402
from intake.services import SUGGESTIONS_PER_VISIT  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = _normalise_db_url(args.database_url) if args.database_url else (
            f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        app = create_app(app_config(url))
        with app.app_context():
            with contextlib.redirect_stderr(io.StringIO()):  # the migration log
                upgrade()
            centre = setup_sample_centre()
            judged = sum(len(set(p.should)) + len(set(p.should_not)) for p in PROFILES)
            print(f"profiles={len(PROFILES)} judged_pairs={judged} engine={url.split(':')[0]}")
            for label, limit in (("all", 1000), (f"top{SUGGESTIONS_PER_VISIT}",
                                                 SUGGESTIONS_PER_VISIT)):
                total, misses = score(centre, limit)
                print(f"{label}: precision={total.precision:.3f} recall={total.recall:.3f} "
                      f"tp={total.true_positives} fp={total.false_positives} "
                      f"fn={total.false_negatives}")
                if args.misses:
                    for miss in misses:
                        print(f"  {miss}")


if __name__ == "__main__":
    main()
