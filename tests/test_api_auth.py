"""The JSON API's door: bearer tokens only, problem details, the generated OpenAPI document,
and the tokens' life on the staff page, the user's own page and the command line."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from centers.models import ApiToken
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from factories import audit_actions, bearer, login, make_centre, make_staff, make_token

PROBLEM = "urn:hanjari:problem:"


def api_operations(client):
    """(method, path) of every operation in the document, with 1 for each path parameter."""
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, item in spec["paths"].items():
        for method in ("get", "post"):
            if method in item:
                yield method, re.sub(r"\{[a-z_]+\}", "1", path)


def test_openapi_document_is_generated_with_a_schema_for_every_request_and_response(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearerAuth": []}]
    expected = {
        ("post", "/api/v1/people/search"), ("post", "/api/v1/people"),
        ("get", "/api/v1/people/{person_id}"), ("post", "/api/v1/people/{person_id}/consents"),
        ("post", "/api/v1/people/{person_id}/consents/{consent_id}/withdraw"),
        ("post", "/api/v1/visits"), ("get", "/api/v1/queue"), ("get", "/api/v1/visits/{visit_id}"),
        ("post", "/api/v1/visits/{visit_id}/call"), ("post", "/api/v1/visits/{visit_id}/start"),
        ("post", "/api/v1/visits/{visit_id}/finish"), ("post", "/api/v1/visits/{visit_id}/leave"),
        ("post", "/api/v1/cases"), ("get", "/api/v1/cases/{case_id}"),
        ("post", "/api/v1/cases/{case_id}/notes"), ("post", "/api/v1/cases/{case_id}/close"),
        ("get", "/api/v1/services"),
        ("post", "/api/v1/referrals"), ("get", "/api/v1/referrals"),
        ("get", "/api/v1/referrals/{referral_id}"),
        *(("post", f"/api/v1/referrals/{{referral_id}}/{action}")
          for action in ("receive", "accept", "decline", "start", "complete", "cancel")),
        ("get", "/api/v1/reports/monthly/{code}/{month}"),
        # Partner systems outside the centre (docs/partner-exchange.md), with their own keys.
        ("get", "/api/v1/partner/referrals"), ("get", "/api/v1/partner/referrals/{referral_id}"),
        ("post", "/api/v1/partner/referrals/{referral_id}/status"),
    }
    found = {(m, p) for p, item in spec["paths"].items() for m in item if m in ("get", "post")}
    assert found == expected
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method not in ("get", "post"):
                continue
            success = next(code for code in operation["responses"] if code.startswith("2"))
            assert "$ref" in operation["responses"][success]["content"]["application/json"]["schema"]
            assert operation["responses"]["default"]["$ref"] == "#/components/responses/DEFAULT_ERROR"
            if method == "post":
                assert "$ref" in operation["requestBody"]["content"]["application/json"]["schema"]
    error = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert error["application/problem+json"]["schema"]["$ref"] == "#/components/schemas/Problem"
    # Search terms never travel in the URL.
    search = spec["paths"]["/api/v1/people/search"]["post"]
    assert not [p for p in search.get("parameters", []) if p["in"] == "query"]


def test_a_session_cookie_alone_gets_401_on_every_api_route(client):
    centre = make_centre()
    manager = make_staff(Role.MANAGER, centre=centre)
    assert login(client, manager.username).status_code == 302
    assert client.get("/intake/queue").status_code == 200  # the session works on the pages
    for method, path in api_operations(client):
        response = client.open(path, method=method.upper(), json={})
        assert response.status_code == 401, (method, path)
        assert response.content_type == "application/problem+json"
        assert response.get_json()["type"] == PROBLEM + "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("app_settings", [{"WTF_CSRF_ENABLED": True}])
def test_api_writes_need_no_csrf_token_but_a_bearer_token(client):
    centre = make_centre()
    desk = make_staff(Role.FRONT_DESK, centre=centre)
    response = client.post("/api/v1/people/search", json={"q": "홍길동"},
                           headers=bearer(make_token(desk)))
    assert response.status_code == 200, response.get_json()
    # The pages still refuse a POST without the CSRF token.
    assert client.post("/login", data={"username": "x", "password": "y"}).status_code == 400


def test_expired_revoked_or_unknown_tokens_and_deactivated_accounts_get_401(client):
    centre = make_centre()
    desk = make_staff(Role.FRONT_DESK, centre=centre)
    good = make_token(desk)
    assert client.get("/api/v1/queue", headers=bearer(good)).status_code == 200

    expired = make_token(desk)
    token = db.session.scalar(sa.select(ApiToken).order_by(ApiToken.id.desc()))
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    revoked = make_token(desk)
    from centers.tokens import get_token_of, revoke_token
    revoke_token(desk, get_token_of(desk, db.session.scalar(sa.select(sa.func.max(ApiToken.id)))))
    db.session.commit()
    for secret in (expired, revoked, good + "x", "hj_nothing", ""):
        response = client.get("/api/v1/queue", headers=bearer(secret))
        assert response.status_code == 401, secret
        assert response.get_json()["type"] == PROBLEM + "unauthorized"
    assert client.get("/api/v1/queue", headers={"Authorization": f"Basic {good}"}).status_code == 401

    desk.is_active_account = False
    db.session.commit()
    assert client.get("/api/v1/queue", headers=bearer(good)).status_code == 401


def test_token_use_is_recorded_and_api_reads_are_audited_with_the_token(client):
    from factories import make_client

    centre = make_centre()
    desk = make_staff(Role.FRONT_DESK, centre=centre)
    person = make_client(centre)
    secret = make_token(desk)
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.staff_id == desk.id))
    assert token.last_used_at is None and token.token_hash != secret
    assert secret not in str(token.__dict__)
    assert client.get(f"/api/v1/people/{person.id}", headers=bearer(secret)).status_code == 200
    db.session.refresh(token)
    assert token.last_used_at is not None
    from core.audit import AuditEvent

    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "client.view"))
    assert event.staff_id == desk.id and event.client_id == person.id
    assert event.detail["via"] == f"api:{token.prefix}"


def test_errors_are_problem_details_in_korean(client):
    desk = make_staff(Role.FRONT_DESK, centre=make_centre())
    headers = bearer(make_token(desk))
    missing = client.get("/api/v1/nowhere", headers=headers)
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"
    body = missing.get_json()
    assert body["type"] == PROBLEM + "not-found" and body["status"] == 404
    assert body["title"] == "찾는 자료가 없거나 볼 수 없습니다." and body["request_id"]
    wrong_method = client.delete("/api/v1/queue", headers=headers)
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["Allow"]
    broken = client.post("/api/v1/people/search", data="{not json", headers=headers,
                         content_type="application/json")
    assert broken.status_code == 400
    assert broken.get_json()["type"] == PROBLEM + "bad-request"
    invalid = client.post("/api/v1/people/search", json={"q": "", "extra": 1}, headers=headers)
    assert invalid.status_code == 422
    errors = {e["field"]: e["detail"] for e in invalid.get_json()["errors"]}
    assert errors == {"q": "1자 이상 50자 이하로 입력하세요.", "extra": "알 수 없는 항목입니다."}
    assert {e["pointer"] for e in invalid.get_json()["errors"]} == {"#/q", "#/extra"}
    bad_query = client.get("/api/v1/queue?per_page=1000", headers=headers)
    assert bad_query.status_code == 422
    assert bad_query.get_json()["errors"] == [
        {"field": "per_page", "parameter": "per_page", "detail": "1에서 100 사이로 입력하세요."}]


# --- managing tokens ---------------------------------------------------------------------------

def test_manager_sees_and_revokes_a_staff_members_tokens_but_cannot_make_one(client, login_as):
    """A token acts with its holder's role: a manager making one for a caseworker would read
    that agency's confidential notes without the stated reason the pages require."""
    centre = make_centre()
    login_as(Role.MANAGER, centre=centre)
    worker = make_staff(Role.CASEWORKER, centre=centre)
    secret = make_token(worker, name="모바일 앱")
    token = db.session.scalar(sa.select(ApiToken))
    page = client.get(f"/staff/{worker.id}").text
    assert token.prefix in page and secret not in page and "모바일 앱" in page
    assert "토큰 만들기" not in page
    assert client.post(f"/staff/{worker.id}/api-tokens",
                       data={"name": "x", "days": 30}).status_code in (404, 405)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1
    client.post(f"/staff/{worker.id}/api-tokens/{token.id}/revoke")
    assert client.get("/api/v1/queue", headers=bearer(secret)).status_code == 401
    assert audit_actions(subject_id=worker.id, subject_type="staff") == [
        "account.api_token_created", "account.api_token_revoked"]


def test_password_reset_and_deactivation_stop_the_accounts_tokens(client, login_as):
    centre = make_centre()
    login_as(Role.MANAGER, centre=centre)
    worker = make_staff(Role.FRONT_DESK, centre=centre)
    first = make_token(worker)
    client.post(f"/staff/{worker.id}/reset-password")
    assert client.get("/api/v1/queue", headers=bearer(first)).status_code == 401
    db.session.refresh(worker)
    worker.must_change_password = False  # the worker enrolled again and chose a password
    db.session.commit()
    second = make_token(worker)
    client.post(f"/staff/{worker.id}/active", data={"active": "0"})
    client.post(f"/staff/{worker.id}/active", data={"active": "1"})
    assert client.get("/api/v1/queue", headers=bearer(second)).status_code == 401


def test_manager_cannot_touch_tokens_of_another_centre(client, login_as):
    login_as(Role.MANAGER, centre=make_centre())
    other = make_staff(Role.FRONT_DESK, centre=make_centre())
    make_token(other)
    token = db.session.scalar(sa.select(ApiToken))
    assert client.post(f"/staff/{other.id}/api-tokens/{token.id}/revoke").status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_staff_manage_their_own_tokens_on_the_api_token_page(client, login_as):
    worker = login_as(Role.CASEWORKER)
    page = client.get("/account/api-tokens")
    assert page.status_code == 200 and "API 토큰" in page.text
    assert "/account/api-tokens" in client.get("/").text  # in the menu
    refused = client.post("/account/api-tokens", data={"name": "앱", "days": 999})
    assert "1에서 366 사이로 입력하세요." in refused.text
    created = client.post("/account/api-tokens", data={"name": "앱", "days": 90})
    secret = created.text.split("<code>")[1].split("</code>")[0]
    assert client.get("/api/v1/queue", headers=bearer(secret)).status_code == 200
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.staff_id == worker.id))
    others = make_staff(Role.CASEWORKER)
    make_token(others)
    foreign = db.session.scalar(sa.select(ApiToken).where(ApiToken.staff_id == others.id))
    assert client.post(f"/account/api-tokens/{foreign.id}/revoke").status_code == 404
    client.post(f"/account/api-tokens/{token.id}/revoke")
    assert client.get("/api/v1/queue", headers=bearer(secret)).status_code == 401


def test_create_token_command_prints_the_token_alone_on_its_last_line(runner, client):
    desk = make_staff(Role.FRONT_DESK, centre=make_centre(), username="desk-api")
    result = runner.invoke(args=["create-token", "desk-api", "--days", "7"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("hj_") and " " not in secret
    assert client.get("/api/v1/queue", headers=bearer(secret)).status_code == 200
    token = db.session.scalar(sa.select(ApiToken))
    assert token.staff_id == desk.id and (token.expires_at - utcnow()).days in (6, 7)
    assert audit_actions(action="account.api_token_created")
    unknown = runner.invoke(args=["create-token", "nobody"])
    assert unknown.exit_code != 0 and "직원이 없습니다" in unknown.output
    # An account that has not set its own password yet gets no token (it would skip that step).
    make_staff(Role.FRONT_DESK, centre=desk.centre, username="new-desk", must_change_password=True)
    pending = runner.invoke(args=["create-token", "new-desk"])
    assert pending.exit_code != 0 and "비밀번호를 정한 뒤에" in pending.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1
