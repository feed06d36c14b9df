"""Browser tests: the app served on 127.0.0.1 from a thread, driven by Playwright.

The browser is the system's Chromium (``/usr/bin/chromium``, from Debian), never a
downloaded one; without it the browser tests skip.
"""

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from core.extensions import db
from factories import app_config

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DEMO_PASSWORD = "demo-pass-2026"


def serve(db_url):
    """Serve the app on a free local port from a thread until the test ends; yields its URL."""
    served = create_app(app_config(db_url, WTF_CSRF_ENABLED=True))
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with served.app_context():
        db.engine.dispose()


@pytest.fixture
def live_app(db_url, runner):
    """The app on a free local port, with the demo data, served from a thread."""
    assert runner.invoke(args=["seed-demo", "--password", DEMO_PASSWORD]).exit_code == 0
    yield from serve(db_url)


@pytest.fixture
def live_server(db_url):
    """The app on a free local port without the demo data: what the test's factories made."""
    yield from serve(db_url)


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium"):
        pytest.skip("no system Chromium")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def sign_in():
    """``sign_in(page, base, username)``: through the login form, with the demo password."""
    def sign_in(page, base, username):
        page.goto(f"{base}/login")
        page.fill("#username", username)
        page.fill("#password", DEMO_PASSWORD)
        page.click("input[type=submit], button[type=submit]")
    return sign_in
