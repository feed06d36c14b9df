"""Many staff at once: simulated desk clerks, caseworkers and a manager against a running server.

Issue 12 asks what a centre's 50 staff do to one server: 29 at the front desk (searching people
by name, opening a person, watching today's queue), 20 caseworkers (their case list, a case,
the referral inbox) and one manager (the dashboard), each waiting 0.5–2 s between requests as a
person does. Every simulated person signs in through ``/login`` like a browser (session cookie,
CSRF token from the form) and then loops until the time is up. The script prints throughput,
latency per page and errors; ``--no-think`` drops the waits to show what this machine sustains.

Run it against the synthetic centre (``seed-synthetic``; staff ``synth-001-desk01`` …, password
``demo-pass-2026``) served by gunicorn as in the README's production section, for example::

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/synth_scale \\
      HANJARI_LOGIN_RATE_LIMIT="1000 per minute" REDIS_URL=redis://127.0.0.1:6379/0 \\
      .venv/bin/gunicorn --workers 4 --bind 127.0.0.1:8000 'app:create_app()' &
    .venv/bin/python scripts/load_test.py --users 50 --seconds 60
    .venv/bin/python scripts/load_test.py --users 50 --seconds 60 --no-think

(50 people sign in from one address within seconds: above the sign-in limit of 30 a minute
per address, hence the raised limit for this run.) Only 127.0.0.1 / localhost is accepted as
the target: this is not a tool to point at a centre.
Needs the test extras (``pip install -e '.[test]'`` brings ``requests``).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from cases.demo_people import GIVEN_NAMES, SURNAMES  # noqa: E402  (the synthetic names)
from perf.synthetic import AGENCIES, DESK_STAFF  # noqa: E402  (its staff accounts)

PASSWORD = "demo-pass-2026"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PERSON_LINK = re.compile(r'href="/intake/people/(\d+)"')
CASE_LINK = re.compile(r'href="/cases/(\d+)"')


@dataclass
class Tally:
    """Every request's page, status and time, shared by the simulated people."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    #: Seconds each step took (a step: what a person does between two pauses, 1–2 requests).
    steps: list[float] = field(default_factory=list)

    def add(self, page: str, status: int, ms: float) -> None:
        with self.lock:
            self.times[page].append(ms)
            if status >= 400 or status == 0:
                self.errors[f"{page} {status}"] += 1


class Person:
    """One member of staff: a signed-in session and the pages their role visits."""

    def __init__(self, base: str, username: str, role: str, tally: Tally, rng: random.Random):
        self.base, self.username, self.role, self.tally, self.rng = base, username, role, tally, rng
        self.http = requests.Session()
        self.csrf = ""

    def request(self, page: str, method: str, path: str, **kwargs) -> str:
        started = time.perf_counter()
        try:
            response = self.http.request(method, self.base + path, timeout=30,
                                         allow_redirects=False, **kwargs)
            status, text = response.status_code, response.text
        except requests.RequestException:
            status, text = 0, ""
        self.tally.add(page, status, (time.perf_counter() - started) * 1000)
        if match := CSRF.search(text):
            self.csrf = match.group(1)
        return text

    def sign_in(self) -> bool:
        """True when ``/login`` answered with the redirect to the home page."""
        self.request("login_form", "GET", "/login")
        response = self.http.post(self.base + "/login", allow_redirects=False, timeout=30, data={
            "username": self.username, "password": PASSWORD, "csrf_token": self.csrf})
        self.csrf = ""
        return response.status_code == 302 and "login" not in response.headers.get("Location", "")

    def step(self) -> None:
        {"desk": self.desk_step, "caseworker": self.caseworker_step,
         "manager": self.manager_step}[self.role]()

    def desk_step(self) -> None:
        if self.rng.random() < 0.2:
            self.request("queue", "GET", "/intake/queue")
            return
        if not self.csrf:
            self.request("search_form", "GET", "/intake/")
        name = self.rng.choice(SURNAMES) + self.rng.choice(
            GIVEN_NAMES[self.rng.choice(list(GIVEN_NAMES))].split())
        found = self.request("search", "POST", "/intake/", data={"q": name, "csrf_token": self.csrf})
        people = PERSON_LINK.findall(found)
        if people:
            self.request("person", "GET", f"/intake/people/{self.rng.choice(people[:10])}")

    def caseworker_step(self) -> None:
        roll = self.rng.random()
        if roll < 0.3:
            self.request("inbox", "GET", "/referrals/inbox")
            return
        listing = self.request("caseload", "GET", "/cases/")
        cases = CASE_LINK.findall(listing)
        if cases and roll < 0.8:
            self.request("case", "GET", f"/cases/{self.rng.choice(cases[:25])}")

    def manager_step(self) -> None:
        self.request("dashboard", "GET", "/reports/dashboard")


def staff_mix(centre: str, users: int) -> list[tuple[str, str]]:
    """The manager, then the centre's caseworkers and desk clerks in turn (20 and 29 at a full
    centre), as many as ``users``; accounts are reused beyond the centre's staff."""
    caseworkers = [f"{centre}-{kind.value}{i:02d}"
                   for kind, _name, _desk, count in AGENCIES for i in range(1, count + 1)]
    desk = [f"{centre}-desk{i:02d}" for i in range(1, DESK_STAFF + 1)]
    share = len(caseworkers) / (len(caseworkers) + len(desk))
    mix = [(f"{centre}-manager", "manager")]
    taken = {"caseworker": 0, "desk": 0}
    while len(mix) < users:
        role = "caseworker" if taken["caseworker"] < round(len(mix) * share) else "desk"
        accounts = caseworkers if role == "caseworker" else desk
        mix.append((accounts[taken[role] % len(accounts)], role))
        taken[role] += 1
    return mix[:users]


def run(base: str, centre: str, users: int, seconds: float, think: tuple[float, float] | None,
        seed: int) -> tuple[Tally, float, int]:
    tally = Tally()
    people = [Person(base, username, role, tally, random.Random(seed + i))
              for i, (username, role) in enumerate(staff_mix(centre, users))]
    refused = [p.username for p in people if not p.sign_in()]
    if refused:
        raise SystemExit(f"sign-in refused for {len(refused)} accounts, e.g. {refused[:3]}: "
                         f"run seed-synthetic, and check the rate limit and the centre code")
    for times in tally.times.values():
        times.clear()  # the sign-ins are not the load
    stop_at = time.monotonic() + seconds

    def loop(person: Person) -> None:
        while time.monotonic() < stop_at:
            began = time.perf_counter()
            person.step()
            with tally.lock:
                tally.steps.append(time.perf_counter() - began)
            if think:
                time.sleep(person.rng.uniform(*think))

    threads = [threading.Thread(target=loop, args=(p,), daemon=True) for p in people]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.monotonic() - started, len(people)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(tally: Tally, elapsed: float, think: tuple[float, float] | None, users: int) -> None:
    every = [ms for times in tally.times.values() for ms in times]
    total, errors = len(every), sum(tally.errors.values())
    pause = f"{think[0]:.1f}–{think[1]:.1f} s" if think else "none"
    print(f"{users} users, {elapsed:.0f} s, think time {pause}")
    print(f"requests {total}, {total / elapsed:.1f}/s, errors {errors}")
    if every:
        print(f"all pages: p50 {statistics.median(every):.0f} ms, p95 {percentile(every, 95):.0f} ms, "
              f"max {max(every):.0f} ms")
    if think and tally.steps:
        # Each person does a step (one or two requests), waits for it, then thinks: the load
        # they offer is one step per (think time + step time); the server keeps up when the
        # steps done come close to that.
        mean_step = statistics.mean(tally.steps)
        instant = users / (sum(think) / 2)
        offered = users / (sum(think) / 2 + mean_step)
        done = len(tally.steps) / elapsed
        print(f"steps {len(tally.steps)}, {done:.1f}/s; {users} people at this think time ask "
              f"{instant:.1f}/s if every answer were instant, {offered:.1f}/s at the measured "
              f"step time of {mean_step * 1000:.0f} ms ({100 * done / instant:.0f} % of instant)")
    print(f"{'page':<12} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for page, times in sorted(tally.times.items()):
        if times:
            print(f"{page:<12} {len(times):8d} {statistics.median(times):8.0f} "
                  f"{percentile(times, 95):8.0f}")
    for what, count in sorted(tally.errors.items()):
        print(f"error: {what} × {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--centre", default="synth-001", help="the synthetic centre's code")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--no-think", action="store_true", help="no waiting between requests")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if urlparse(args.base_url).hostname not in ("127.0.0.1", "localhost"):
        parser.error("the target must be 127.0.0.1 or localhost")
    if not 1 <= args.users <= 500 or not 1 <= args.seconds <= 3600:
        parser.error("--users 1–500 and --seconds 1–3600")
    think = None if args.no_think else (0.5, 2.0)
    tally, elapsed, users = run(args.base_url.rstrip("/"), args.centre, args.users, args.seconds,
                                think, args.seed)
    report(tally, elapsed, think, users)


if __name__ == "__main__":
    main()
