"""Commands: ``seed-synthetic`` (a history at a real centre's volume) and ``bench``."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

import click
from flask import Flask, current_app
from tqdm import tqdm

from core.database import drop_database, empty_database_beside
from core.extensions import db
from perf.scale import TINY, Scale


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_synthetic_command)
    app.cli.add_command(bench_command)


@click.command("seed-synthetic")
@click.option("--centres", type=int, default=Scale.centres, show_default=True)
@click.option("--people", type=int, default=Scale.people, show_default=True)
@click.option("--visits", type=int, default=Scale.visits, show_default=True)
@click.option("--years", type=int, default=Scale.years, show_default=True)
@click.option("--seed", type=int, default=Scale.seed, show_default=True,
              help="The same seed on the same day gives the same history.")
def seed_synthetic_command(centres: int, people: int, visits: int, years: int, seed: int) -> None:
    """Add centres with years of synthetic history (people, visits, cases, referrals, audit
    events) ending today, written in bulk into the migrated database. Staff accounts are
    synth-NNN-manager, synth-NNN-desk01 …, password demo-pass-2026."""
    scale = Scale(centres=centres, people=people, visits=visits, years=years, seed=seed)
    started = time.monotonic()
    with tqdm(total=2 * people + visits, unit="행", unit_scale=True, desc="합성 데이터") as bar:
        try:
            from perf.synthetic import seed_synthetic  # numpy: only when asked

            counts = seed_synthetic(scale, bar.update)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    summary = ", ".join(f"{table} {count:,}" for table, count in counts.items())
    click.echo(f"합성 데이터를 넣었습니다 ({time.monotonic() - started:.0f}초): {summary}")


@click.command("bench")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, writable=True),
              help="Also write the results to this file as JSON.")
@click.option("--scale", type=click.Choice(["configured", "tiny"]), default="configured",
              show_default=True,
              help="tiny: make a throw-away database beside the configured one, fill it with a "
                   "small synthetic history, measure it and drop it.")
@click.option("--runs", type=int, default=30, show_default=True, help="Timed runs per page.")
@click.option("--budget", type=float, default=None,
              help="Seconds per page after which a slow page stops (after at least five runs).")
@click.option("--only", multiple=True, metavar="PREFIX",
              help="Measure only the pages whose name starts with PREFIX (repeatable), "
                   "e.g. --only desk_search --only api_people.")
def bench_command(json_file: str | None, scale: str, runs: int, budget: float | None,
                  only: tuple[str, ...]) -> None:
    """p50/p95 and query counts of every daily page and report, with two baselines."""
    from perf.bench import run_bench

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    throwaway = folder = None
    if scale == "tiny":
        folder = Path(tempfile.mkdtemp(prefix="hanjari-bench-"))  # SQLite's file goes here
        url = throwaway = empty_database_beside(url, "bench", folder)
    try:
        bench_app = _bench_app(url)
        if throwaway:
            with bench_app.app_context():
                from flask_migrate import upgrade

                upgrade(directory=str(Path(bench_app.root_path) / "migrations"))
                with tqdm(total=2 * TINY.people + TINY.visits, unit="행", desc="합성 데이터",
                          leave=False) as bar:
                    from perf.synthetic import seed_synthetic

                    seed_synthetic(TINY, bar.update)
                db.session.remove()
        try:
            results = run_bench(bench_app, runs, budget, say=click.echo, only=only)
        except LookupError as error:
            raise click.ClickException(str(error)) from None
        finally:
            with bench_app.app_context():
                db.engine.dispose()
    finally:
        if throwaway:
            drop_database(throwaway)
            shutil.rmtree(folder, ignore_errors=True)
    if json_file:
        Path(json_file).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")


def _bench_app(url: str) -> Flask:
    """The app as configured, on ``url``, with CSRF and rate limits off for the scripted client."""
    from app import create_app

    config = {key: value for key, value in current_app.config.items()
              if key.isupper() and key not in ("PERMANENT_SESSION_LIFETIME",)}
    config.update(SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False,
                  STARTUP_CHECKS=False)
    return create_app(config)
