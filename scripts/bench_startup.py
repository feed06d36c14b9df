"""Seconds from launching gunicorn to the first ``200`` from ``/healthz``: cold, then warm.

    .venv/bin/python scripts/bench_startup.py [--workers 4] [--runs 1] [--repo PATH]

*Cold* is a fresh clone on a fresh machine account: the repository's files are copied into a
temporary folder (no ``__pycache__``, no ``instance/``), and ``HOME``, ``XDG_CACHE_HOME`` and
``XDG_CONFIG_HOME`` point at new empty folders (matplotlib and fontconfig keep their caches
there). *Warm* starts the same copy again, with the caches the cold start left behind.

The command is the README's production one, ``gunicorn --workers N 'app:create_app()'``, run
from the copy (so its ``gunicorn.conf.py`` applies) on a free port, with the current
environment otherwise (``DATABASE_URL`` and friends are passed on; without them the copy's
own SQLite file is used). The target is under 3 s to the first answer.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GIVE_UP_AFTER = 120.0  # seconds


def copy_checkout(repo: Path, target: Path) -> None:
    """The repository's files as a fresh clone has them (tracked and new, not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo, check=True, capture_output=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = repo / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def first_answer(checkout: Path, home: Path, workers: int) -> float:
    """Launch gunicorn, poll ``/healthz`` every 20 ms, stop it; seconds to the first 200."""
    port = free_port()
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
           "XDG_CONFIG_HOME": str(home / ".config")}
    env.pop("MPLCONFIGDIR", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = (home / f"gunicorn-{port}.log").open("w")
    started = time.perf_counter()
    server = subprocess.Popen(
        [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "app:create_app()"], cwd=checkout, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        while time.perf_counter() - started < GIVE_UP_AFTER:
            if server.poll() is not None:
                log.flush()
                tail = Path(log.name).read_text().splitlines()[-15:]
                raise SystemExit(f"gunicorn stopped (exit {server.returncode}):\n" + "\n".join(tail))
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.02)
        raise SystemExit(f"no answer from /healthz within {GIVE_UP_AFTER:.0f} s")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--runs", type=int, default=1, help="cold+warm pairs, each on a new copy")
    parser.add_argument("--repo", type=Path, default=REPO,
                        help="the checkout to copy and start, e.g. another branch's worktree "
                             "(default: this one); the current interpreter's packages are used")
    args = parser.parse_args()
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="hanjari-startup-") as folder:
            checkout, home = Path(folder) / "hanjari", Path(folder) / "home"
            checkout.mkdir()
            home.mkdir()
            copy_checkout(args.repo.resolve(), checkout)
            cold = first_answer(checkout, home, args.workers)
            warm = first_answer(checkout, home, args.workers)
        print(f"run {run}: gunicorn --workers {args.workers}: first 200 from /healthz after "
              f"cold {cold:.2f} s, warm {warm:.2f} s (target < 3 s)", flush=True)


if __name__ == "__main__":
    main()
