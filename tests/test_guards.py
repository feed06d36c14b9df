"""Input nobody could type is refused with a 4xx, never a 500 (both engines)."""

import json

import pytest

from core.roles import Role
from factories import audit_actions, bearer, make_staff, make_token


@pytest.mark.parametrize("path", ["/cases/2147483648", "/cases/99999999999999999999",
                                  "/intake/visits/2147483648", "/referrals/4294967296"])
def test_an_id_beyond_the_database_range_is_not_found(client, login_as, path):
    login_as(Role.MANAGER)
    assert client.get(path).status_code == 404


def test_a_page_number_beyond_any_list_is_not_found(client, login_as):
    login_as(Role.MANAGER)
    assert client.get("/cases/?page=99999999999999999999").status_code == 404
    assert client.get("/cases/?page=2").status_code == 200


def test_a_nul_in_a_form_is_refused_with_a_korean_message(client):
    make_staff(Role.FRONT_DESK, username="desk1")
    response = client.post("/login", data={"username": "desk\x001", "password": "x"})
    assert response.status_code == 400
    assert "쓸 수 없는 문자(NUL)" in response.text
    assert "auth.login_failed" not in audit_actions()


def test_a_nul_in_the_query_string_is_refused(client, login_as):
    login_as(Role.CASEWORKER)
    assert client.get("/cases/?status=open%00").status_code == 400


def nested(depth: int):
    value = "x"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("body", [
    "[" * 50_000 + "]" * 50_000,  # would exhaust the parser's recursion
    json.dumps({"q": "홍길동\u0000"}),
    json.dumps({"q": nested(40)}),  # deeper than any documented body
])
def test_an_api_body_too_deep_or_with_a_nul_is_a_400_problem(client, body):
    headers = bearer(make_token(make_staff(Role.FRONT_DESK)))
    response = client.post("/api/v1/people/search", data=body,
                           headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
