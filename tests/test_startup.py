"""Start-up: a wrong or missing setting stops ``flask`` and ``gunicorn`` with one line and no
traceback; ``check-config`` lists every setting's source with the secrets hidden.

These run the real commands in a subprocess, with an instance folder and a SQLite file of
their own, so nothing here depends on (or touches) the test database.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from factories import TEST_KEY

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
STOPPED = "한자리를 시작할 수 없습니다: "
NEVER_SHOWN = "pw-never-shown"
ENV_SECRET = "an-env-secret-for-this-test"
GUNICORN_APP_LOAD_ERROR = 4


def environment(tmp_path: Path, **settings: str | None) -> dict[str, str]:
    """A clean environment that starts: own instance folder and SQLite file, both secrets set;
    ``settings`` change it (``None`` removes a variable)."""
    env = {name: value for name, value in os.environ.items()
           if name not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEY")
           and not name.startswith("HANJARI_")}
    env.update({"HANJARI_INSTANCE_PATH": str(tmp_path / "instance"),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'start.sqlite'}",
                "SECRET_KEY": ENV_SECRET, "FIELD_ENCRYPTION_KEY": TEST_KEY})
    for name, value in settings.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=180)


def flask(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run([str(BIN / "flask"), "--app", "app", *args], env)


def assert_stopped_with_one_line(result: subprocess.CompletedProcess, *expected: str) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == GUNICORN_APP_LOAD_ERROR, output
    assert "Traceback" not in output
    lines = [line for line in result.stderr.splitlines() if line.startswith(STOPPED)]
    assert len(lines) == 1, output
    for text in expected:
        assert text in lines[0]
    for secret in (NEVER_SHOWN, ENV_SECRET, TEST_KEY):
        assert secret not in output
    return lines[0]


SHORT_KEY = base64.urlsafe_b64encode(b"k" * 16).decode()

PROBLEMS = {
    "production without secrets": (
        {"HANJARI_PRODUCTION": "1", "SECRET_KEY": None, "FIELD_ENCRYPTION_KEY": None},
        ["HANJARI_PRODUCTION=1", "SECRET_KEY, FIELD_ENCRYPTION_KEY", "token_urlsafe(32)"]),
    "production without the field key": (
        {"HANJARI_PRODUCTION": "1", "FIELD_ENCRYPTION_KEY": None},
        ["FIELD_ENCRYPTION_KEY 설정이 없습니다"]),
    "key too short": ({"FIELD_ENCRYPTION_KEY": SHORT_KEY}, ["16바이트", "32바이트 이상"]),
    "key not base64": ({"FIELD_ENCRYPTION_KEY": "not base64 at all!"}, ["URL-safe base64"]),
    "key of an impossible length": ({"FIELD_ENCRYPTION_KEY": "abcde"}, ["base64 길이"]),
    "database does not answer": (
        {"DATABASE_URL": f"postgresql://hanjari:{NEVER_SHOWN}@127.0.0.1:1/hanjari"},
        ["PostgreSQL 데이터베이스 hanjari", "127.0.0.1:1", "사용자 hanjari", "DATABASE_URL"]),
    "redis does not answer": (
        {"REDIS_URL": f"redis://:{NEVER_SHOWN}@127.0.0.1:1/0"},
        ["Redis(127.0.0.1:1)", "REDIS_URL"]),
}


@pytest.mark.parametrize("problem", PROBLEMS)
def test_a_wrong_setting_stops_flask_with_one_line(tmp_path, problem):
    settings, expected = PROBLEMS[problem]
    result = flask("routes", env=environment(tmp_path, **settings))
    assert_stopped_with_one_line(result, *expected)


def test_an_instance_folder_that_cannot_be_written_stops_flask(tmp_path):
    (tmp_path / "a-file").write_text("")  # root may write anywhere; a file in the way stops all
    folder = tmp_path / "a-file" / "instance"
    result = flask("routes", env=environment(tmp_path, HANJARI_INSTANCE_PATH=str(folder)))
    assert_stopped_with_one_line(result, str(folder), "HANJARI_INSTANCE_PATH")


def test_a_command_runs_when_the_settings_are_right(tmp_path):
    result = flask("routes", env=environment(tmp_path, REDIS_URL="redis://127.0.0.1:6379/6"))
    assert result.returncode == 0, result.stderr
    assert "/healthz" in result.stdout


def test_gunicorn_stops_with_the_one_line_instead_of_restarting_workers(tmp_path):
    env = environment(tmp_path, HANJARI_PRODUCTION="1", SECRET_KEY=None)
    # From the repository, so its gunicorn.conf.py applies (the app is loaded in the master).
    result = run([str(BIN / "gunicorn"), "--workers", "2", "--bind", "127.0.0.1:0",
                  "app:create_app()"], env)
    assert_stopped_with_one_line(result, "SECRET_KEY 설정이 없습니다")


def test_gunicorn_without_preloading_stops_too(tmp_path):
    """Each worker then meets the problem: status 4 makes the master stop, not respawn them."""
    config = tmp_path / "plain.conf.py"
    config.write_text("")
    env = environment(tmp_path, HANJARI_PRODUCTION="1", SECRET_KEY=None)
    result = run([str(BIN / "gunicorn"), "--config", str(config), "--workers", "1",
                  "--bind", "127.0.0.1:0", "app:create_app()"], env)
    assert_stopped_with_one_line(result, "SECRET_KEY 설정이 없습니다")
    assert "App failed to load" in result.stderr


def test_check_config_shows_each_settings_source_and_hides_secrets(tmp_path):
    env = environment(tmp_path, FIELD_ENCRYPTION_KEY=None, HANJARI_IDLE_TIMEOUT_MINUTES="20")
    result = flask("check-config", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert f"  SECRET_KEY = (숨김, {len(ENV_SECRET)}자)  [환경 변수 SECRET_KEY]" in lines
    assert ("  FIELD_ENCRYPTION_KEY = (숨김, 43자)  [인스턴스 파일 instance/secrets.json]"
            in lines)
    assert "  IDLE_TIMEOUT_MINUTES = 20  [환경 변수 HANJARI_IDLE_TIMEOUT_MINUTES]" in lines
    assert "  PASSWORD_MIN_LENGTH = 10  [기본값]" in lines
    assert (f"  SQLALCHEMY_DATABASE_URI = sqlite:///{tmp_path / 'start.sqlite'}  "
            "[환경 변수 DATABASE_URL]") in lines
    assert any(line.startswith("  OK   SQLite 파일") for line in lines)
    generated = json.loads((tmp_path / "instance" / "secrets.json").read_text())
    for secret in (ENV_SECRET, generated["FIELD_ENCRYPTION_KEY"]):
        assert secret not in result.stdout


def test_check_config_lists_everything_and_fails_when_a_connection_fails(tmp_path):
    env = environment(tmp_path, DATABASE_URL=f"postgresql://hanjari:{NEVER_SHOWN}@127.0.0.1:1/x",
                      REDIS_URL=f"redis://:{NEVER_SHOWN}@127.0.0.1:1/0")
    result = flask("check-config", env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert NEVER_SHOWN not in result.stdout + result.stderr
    assert "  SQLALCHEMY_DATABASE_URI = postgresql+psycopg://hanjari:***@127.0.0.1:1/x" in \
        result.stdout
    assert "  RATELIMIT_STORAGE_URI = redis://:***@127.0.0.1:1/0  [환경 변수 REDIS_URL]" in \
        result.stdout
    failures = [line for line in result.stdout.splitlines() if line.startswith("  실패 ")]
    assert len(failures) == 2
    assert "127.0.0.1:1" in failures[0] and "Redis(127.0.0.1:1)" in failures[1]


def test_check_config_in_the_test_suite_names_the_test_settings(runner):
    result = runner.invoke(args=["check-config"])
    assert result.exit_code == 0, result.output
    assert "  TESTING = True  [시험 설정]" in result.output
    assert "  SECRET_KEY = (숨김, " in result.output
    assert "test-secret-key-not-for-production" not in result.output


def test_the_app_starts_without_the_report_libraries(tmp_path):
    """WeasyPrint, matplotlib and openpyxl (with numpy) are imported at the first report: they
    were most of every worker's start-up time."""
    code = ("import sys; from app import create_app; create_app(); "
            "print(sorted({'weasyprint', 'matplotlib', 'openpyxl', 'numpy'} & set(sys.modules)))")
    result = run([sys.executable, "-c", code], environment(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_workers_starting_together_share_the_generated_secrets(tmp_path):
    """Without keys in the environment, the first of several processes writes
    instance/secrets.json and the others read it whole (never half, never their own)."""
    code = ("import sys; from flask import Flask; from core import settings; "
            "app = Flask('a', instance_path=sys.argv[1]); settings.load(app, None); "
            "print(app.config['SECRET_KEY'], app.config['FIELD_ENCRYPTION_KEY'])")
    env = environment(tmp_path, SECRET_KEY=None, FIELD_ENCRYPTION_KEY=None)
    processes = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "shared")],
                                  cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
                 for _ in range(6)]
    answers = {process.communicate(timeout=120)[0] for process in processes}
    assert [process.returncode for process in processes] == [0] * 6
    assert len(answers) == 1
    assert not list((tmp_path / "shared").glob(".secrets-*"))


def test_gunicorn_answers_without_a_server_banner(tmp_path):
    """From the repository, so its gunicorn.conf.py applies."""
    import socket
    import time
    import urllib.request

    env = environment(tmp_path)
    assert flask("db", "upgrade", env=env).returncode == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", "1", "--bind",
                               f"127.0.0.1:{port}", "app:create_app()"], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _attempt in range(600):  # until it answers (a minute at most); nothing is timed
            if server.poll() is not None:
                raise AssertionError("gunicorn stopped")
            try:
                response = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("gunicorn did not answer")
        assert response.status == 200
        assert "Server" not in response.headers, response.headers["Server"]
        assert response.headers["X-Frame-Options"] == "DENY"
    finally:
        server.terminate()
        server.wait(timeout=30)
