"""Time ``flask import-services`` on a generated national-size file (not a test: run it by hand).

    .venv/bin/python tests/bench/bench_import.py --rows 20000

It writes a service list and a support-conditions table of ``--rows`` rows (the sample rows of
tests/data repeated under new 서비스IDs, in CP949 so the decoding fallback is measured too),
migrates a fresh SQLite file in a temporary directory, and runs the real command three times:
the first import, a re-import with every tenth row changed, and a full import of a list with
the last tenth missing (deactivations). It prints rows/s and seconds for each.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


def sample(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with (DATA / name).open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def write(path: Path, fields: list[str], rows: list[dict[str, str]], encoding: str) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def generate(directory: Path, rows: int, encoding: str, change_every: int = 0,
             keep: int | None = None) -> tuple[Path, Path, int]:
    service_fields, services = sample("services.csv")
    condition_fields, conditions = sample("conditions.csv")
    out_services, out_conditions = [], []
    for n in range(keep if keep is not None else rows):
        service_id = f"B{n:011d}"
        template = services[n % len(services)]
        row = dict(template, 서비스ID=service_id, 서비스명=f"{template['서비스명']} {n}")
        if change_every and n % change_every == 0:
            row["지원내용"] = row["지원내용"] + " (개정)"
        out_services.append(row)
        out_conditions.append(dict(conditions[n % len(conditions)], 서비스ID=service_id))
    services_path = directory / "services.csv"
    conditions_path = directory / "conditions.csv"
    write(services_path, service_fields, out_services, encoding)
    write(conditions_path, condition_fields, out_conditions, encoding)
    return services_path, conditions_path, len(out_services)


def flask(env: dict[str, str], *args: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )
    return completed.stdout.strip().splitlines()[-1] if completed.stdout.strip() else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--encoding", default="cp949", help="cp949, utf-8 or utf-8-sig")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        env = dict(os.environ, HANJARI_SQLALCHEMY_DATABASE_URI=f"sqlite:///{directory / 'bench.sqlite'}")
        env.pop("DATABASE_URL", None)
        flask(env, "db", "upgrade")
        runs = [
            ("first import", {}),
            ("re-import, every 10th row changed", {"change_every": 10}),
            ("full import, last 10% missing", {"keep": options.rows * 9 // 10}),
        ]
        print(f"{options.rows} rows, {options.encoding}, SQLite")
        for label, variant in runs:
            services, conditions, count = generate(directory, options.rows, options.encoding,
                                                   **variant)
            started = time.perf_counter()
            summary = flask(env, "import-services", str(services), "--conditions", str(conditions))
            seconds = time.perf_counter() - started
            print(f"{label:36} {count:6} rows {seconds:6.2f} s {count / seconds:7.0f} rows/s  {summary}")


if __name__ == "__main__":
    main()
