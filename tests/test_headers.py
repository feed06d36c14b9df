"""Security headers on every response; nothing but static files may be cached; no inline code
in the pages the CSP would block (the crawl checks every page for the last two)."""

import pytest

from core.roles import Role
from factories import make_centre, make_client

HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@pytest.mark.parametrize("url", ["/login", "/enrol", "/healthz", "/nowhere", "/api/v1/openapi.json"])
def test_every_answer_carries_the_security_headers(client, url):
    response = client.get(url)
    for name, value in HEADERS.items():
        assert response.headers[name] == value, (url, name)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: HSTS means nothing
    assert response.headers["Cache-Control"] == "no-store"


def test_hsts_only_over_https(client):
    assert "max-age=" in client.get("/login", base_url="https://localhost").headers[
        "Strict-Transport-Security"]


def test_a_persons_page_is_never_stored_but_static_files_may_be(client, login_as):
    centre = make_centre()
    person = make_client(centre)
    login_as(Role.FRONT_DESK, centre=centre)
    page = client.get(f"/intake/people/{person.id}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    static = client.get("/static/js/hanjari.js")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
    static.close()
