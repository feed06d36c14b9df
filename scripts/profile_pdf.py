"""CPU seconds of a report PDF on the configured database (the demo's, by default), per run.

    nice -n 19 .venv/bin/python scripts/profile_pdf.py [--national] [--runs 3] [--profile FILE]

Signs in as the demo's ``manager`` (``admin`` for ``--national``), asks for this month's
provisional monthly PDF of ``namyangju`` (last month's national PDF) once to warm up, then
``--runs`` times, printing ``time.process_time()`` around each request and around
``core.pdf.render_pdf`` alone (WeasyPrint's share), the pages and the bytes. CPU time, not
wall time, so another job on the machine inflates the figures less; still note ``uptime``.
Pages are counted by poppler's ``pdfinfo`` when it is installed.
``--profile FILE`` keeps a cProfile of the first measured run (timer: CPU time) in FILE.
"""

from __future__ import annotations

import argparse
import cProfile
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEMO_PASSWORD = "demo-pass-2026"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--national", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile")
    args = parser.parse_args()

    import core.pdf
    from app import create_app
    from reports.periods import Month

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    inside: list[float] = []
    render_pdf = core.pdf.render_pdf

    def timed_render_pdf(*positional, **named):
        start = time.process_time()
        try:
            return render_pdf(*positional, **named)
        finally:
            inside.append(time.process_time() - start)

    core.pdf.render_pdf = timed_render_pdf  # the views import it at the first PDF
    with app.app_context():
        month = Month.current().previous() if args.national else Month.current()
    url = (f"/reports/national/{month}.pdf" if args.national
           else f"/reports/monthly/namyangju/{month}.pdf")
    client = app.test_client()
    user = "admin" if args.national else "manager"
    if client.post("/login", data={"username": user, "password": DEMO_PASSWORD}).status_code != 302:
        raise SystemExit(f"sign-in of {user} refused: run seed-demo first")
    if client.get(url).status_code != 200:
        raise SystemExit(f"{url} did not answer 200")
    inside.clear()
    totals = []
    for run in range(args.runs):
        profile = cProfile.Profile(time.process_time) if args.profile and run == 0 else None
        start = time.process_time()
        if profile:
            profile.enable()
        response = client.get(url)
        if profile:
            profile.disable()
            profile.dump_stats(args.profile)
        totals.append(time.process_time() - start)
    pages = "?"
    if shutil.which("pdfinfo"):  # poppler-utils
        info = subprocess.run(["pdfinfo", "-"], input=response.data, capture_output=True).stdout
        pages = (re.findall(rb"Pages:\s+(\d+)", info) or [b"?"])[0].decode()
    print(f"{url}: request CPU s {' '.join(f'{t:.2f}' for t in totals)}"
          f" | render_pdf CPU s {' '.join(f'{t:.2f}' for t in inside)}"
          f" | {pages} pages, {len(response.data):,} bytes")


if __name__ == "__main__":
    main()
