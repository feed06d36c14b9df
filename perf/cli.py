"""Commands: ``seed-synthetic`` (a history at a real centre's volume) and ``bench``."""

from __future__ import annotations

import time

import click
from flask import Flask
from tqdm import tqdm

from perf.synthetic import Scale, seed_synthetic


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_synthetic_command)


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
            counts = seed_synthetic(scale, bar.update)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    summary = ", ".join(f"{table} {count:,}" for table, count in counts.items())
    click.echo(f"합성 데이터를 넣었습니다 ({time.monotonic() - started:.0f}초): {summary}")

