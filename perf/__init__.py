"""Performance tooling: a synthetic history at a real centre's volume and the benchmark.

It sits above every feature package on the dependency line (``perf → api → reports → …``):
it reads each package's models to write their rows in bulk, and drives the pages through the
app as staff would. Nothing imports it but ``app.py``, which registers its commands.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from perf import cli

    cli.init_app(app)
