"""README's commands run as written from a fresh clone.

The fenced ``sh`` blocks are run in order, each block as one ``bash -e`` script, in a copy of
the checkout (the files a clone has: no ``instance/``, no ``__pycache__``) against one temporary
SQLite database (``HANJARI_SQLALCHEMY_DATABASE_URI``, which wins over any ``DATABASE_URL`` a
block exports). ``.venv/bin/`` is this interpreter's bin folder. A line chaining commands with
``&&`` is judged command by command. Commands that ask for a password get one on stdin.

Skipped, each for the reason beside it in ``SKIPPED``: starting a server, creating the
virtualenv and installing (CI's ``.ci/run`` does both, and this test runs inside the result),
running the test suite (CI again), and PostgreSQL's own tools or a command pointed at a
PostgreSQL database (they would create databases on a shared server outside the suite's own;
backup and restore on PostgreSQL are tested by ``tests/test_backup.py``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
PASSWORD = "a readme admin passphrase"

SKIPPED = {
    r"^python3 -m venv\b": "creates the virtualenv (CI does; this test runs inside it)",
    r"^\.venv/bin/pip install\b": "installs (CI does; this test runs inside the install)",
    r"\bflask --app app run\b": "starts a server",
    r"\bgunicorn\b": "starts a server (tests/test_startup.py starts gunicorn)",
    r"\bbench_startup\.py\b": "starts gunicorn several times",
    r"\bpytest\b": "runs the test suite (CI does)",
    r"^(createdb|dropdb|psql)\b|^DATABASE_URL=postgresql": "needs a PostgreSQL server",
}


def sh_blocks() -> list[list[str]]:
    """The commands of each fenced ``sh`` block, ``&&`` chains split."""
    blocks = re.findall(r"^```sh\n(.*?)^```", README.read_text(), flags=re.DOTALL | re.MULTILINE)
    return [[command.strip() for line in block.splitlines() if line.strip()
             for command in line.split(" && ")] for block in blocks]


def skip_reason(command: str) -> str | None:
    return next((reason for pattern, reason in SKIPPED.items() if re.search(pattern, command)),
                None)


def copy_checkout(target: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, check=True, capture_output=True).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (REPO / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name)


def test_readme_commands_run_from_a_fresh_clone(tmp_path):
    clone = tmp_path / "hanjari"
    copy_checkout(clone)
    env = {name: value for name, value in os.environ.items()
           if name not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEY")
           and not name.startswith("HANJARI_")}
    env["HANJARI_SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'readme.sqlite'}"
    bin_folder = f"{Path(sys.executable).parent}/"
    ran, skipped = [], []
    for block in sh_blocks():
        commands = [command for command in block if not skip_reason(command)]
        skipped += [command for command in block if skip_reason(command)]
        if not commands:
            continue
        script = "set -ex\n" + "\n".join(c.replace(".venv/bin/", bin_folder) for c in commands)
        result = subprocess.run(["bash", "-c", script], cwd=clone, env=env, text=True,
                                input=f"{PASSWORD}\n" * 4, capture_output=True, timeout=600)
        assert result.returncode == 0, f"{result.stderr}\n{result.stdout}"
        ran += commands
    # What was run: the demo set-up, the production walk-through, the sample import, a backup.
    assert any("seed-demo" in command for command in ran)
    assert any("create-admin" in command for command in ran)
    assert any("import-services" in command for command in ran)
    assert any(" backup " in command for command in ran)
    assert any("flask --app app run" in command for command in skipped)
    assert (clone / "instance" / "hanjari.env").stat().st_mode & 0o777 == 0o600
    assert len(list((clone / "backups").iterdir())) == 1


def test_readme_sample_paths_are_inside_the_repository():
    pairs = re.findall(r"import-services (\S+\.(?:csv|json))(?: --conditions (\S+\.(?:csv|json)))?",
                       README.read_text())
    paths = {path for pair in pairs for path in pair if path}
    assert paths
    for path in paths:
        assert not path.startswith(("/", "..")), path
        assert (REPO / path).is_file(), path


def test_readme_names_the_port_options_and_every_database_the_tests_create():
    text = README.read_text()
    assert "flask --app app run --port" in text
    assert re.search(r"gunicorn [^\n`]*--bind 127\.0\.0\.1:\d+", text)
    purposes = {purpose for test in (REPO / "tests").glob("*.py")
                for purpose in re.findall(r'fresh_database_url\([^)]*"(\w+)"\)', test.read_text())}
    assert purposes >= {"migration_check", "restore_check"}
    for purpose in purposes:
        assert f"<name>_{purpose}" in text, purpose
