"""How much synthetic history to make: a module without numpy, so the commands that name
the scale load at start-up without the generator (see tests/test_startup.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    centres: int = 1
    people: int = 200_000
    visits: int = 1_000_000
    years: int = 3
    seed: int = 2013


TINY = Scale(centres=1, people=300, visits=1_500, years=1)
