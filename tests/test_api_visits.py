"""Visits through the JSON API: the ticket, today's queue, the desk's transitions and the
versions that keep two desks from overwriting each other."""

import pytest
import sqlalchemy as sa

from centers.models import AgencyKind
from core.extensions import db
from core.roles import Role
from factories import (
    audit_actions,
    bearer,
    login,
    make_agency,
    make_centre,
    make_client,
    make_staff,
    make_token,
    make_visit,
)
from intake.models import StopStatus, Visit, VisitStatus

PROBLEM = "urn:hanjari:problem:"


@pytest.fixture
def centre(centre):
    make_agency(centre, AgencyKind.CULTURE, name="문화누리 창구")  # add-on switched off
    return centre


def agencies(centre):
    return {a.kind: a for a in centre.agencies}


def headers_for(role, centre, **kw):
    return bearer(make_token(make_staff(role, centre=centre, **kw)))


def test_register_a_visit_returns_its_ticket(client, centre):
    person = make_client(centre)
    a = agencies(centre)
    response = client.post("/api/v1/visits", json={
        "person_id": person.id, "purposes": ["jobs", "welfare"],
        "plan": [a[AgencyKind.EMPLOYMENT].id, a[AgencyKind.WELFARE].id], "note": "실업급여 문의",
    }, headers=headers_for(Role.FRONT_DESK, centre))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["ticket_number"] == "A-001" and body["status"] == "waiting"
    assert response.headers["ETag"] == f'W/"{body["version"]}"'
    assert [s["status"] for s in body["stops"]] == ["waiting", "planned"]
    assert body["person"] == {"id": person.id, "masked_name": "홍*동"}
    assert body["allowed_actions"] == ["call", "start", "leave"]
    assert "visit.registered" in audit_actions(client_id=person.id)


def test_anonymous_visit_and_the_rules_of_registration(client, centre):
    a = agencies(centre)
    headers = headers_for(Role.FRONT_DESK, centre)
    anonymous = client.post("/api/v1/visits", json={
        "purposes": ["welfare"], "plan": [a[AgencyKind.WELFARE].id], "party_size": 2},
        headers=headers)
    assert anonymous.status_code == 201
    assert anonymous.get_json()["person"] is None and anonymous.get_json()["party_size"] == 2

    addon_off = client.post("/api/v1/visits", json={
        "purposes": ["culture"], "plan": [a[AgencyKind.CULTURE].id]}, headers=headers)
    assert addon_off.status_code == 422
    assert addon_off.get_json()["type"] == PROBLEM + "rule-violation"
    assert addon_off.get_json()["detail"] == "이 센터에서 제공하지 않는 방문 목적이 있습니다."

    other_agency = make_agency(make_centre())
    foreign = client.post("/api/v1/visits", json={"purposes": ["jobs"], "plan": [other_agency.id]},
                          headers=headers)
    assert foreign.status_code == 422
    assert foreign.get_json()["errors"][0]["field"] == "plan"

    without_consent = make_client(centre, consent=False, name="이몽룡")
    refused = client.post("/api/v1/visits", json={
        "person_id": without_consent.id, "purposes": ["jobs"],
        "plan": [a[AgencyKind.EMPLOYMENT].id]}, headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["detail"].startswith("개인정보 수집·이용 동의가 없거나 철회되었습니다.")

    stranger = make_client(make_centre())
    unknown = client.post("/api/v1/visits", json={
        "person_id": stranger.id, "purposes": ["jobs"], "plan": [a[AgencyKind.EMPLOYMENT].id]},
        headers=headers)
    # Another centre's person is not found, as GET /api/v1/people/<id> answers.
    assert unknown.status_code == 404
    assert unknown.get_json()["type"].endswith("not-found")
    assert unknown.get_json()["errors"] == [{"field": "person_id", "pointer": "#/person_id",
                                             "detail": "그 번호의 사람이 없거나 볼 수 없습니다."}]
    too_many = client.post("/api/v1/visits", json={
        "purposes": ["jobs"], "plan": [a[AgencyKind.EMPLOYMENT].id], "party_size": 21},
        headers=headers)
    assert too_many.get_json()["errors"][0]["detail"] == "1에서 20 사이로 입력하세요."
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1


def test_todays_queue_is_the_callers_centre_paged_with_the_total_and_filtered_by_desk(client, centre):
    a = agencies(centre)
    for _ in range(3):
        make_visit(centre, [a[AgencyKind.EMPLOYMENT]])
    make_visit(centre, [a[AgencyKind.WELFARE]])
    elsewhere = make_centre()
    make_visit(elsewhere, [make_agency(elsewhere)])
    headers = headers_for(Role.FRONT_DESK, centre)
    page = client.get("/api/v1/queue?per_page=3", headers=headers).get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (4, 2, 3)
    assert [v["ticket_number"] for v in page["items"]] == ["A-001", "A-002", "A-003"]
    welfare = client.get(f"/api/v1/queue?agency={a[AgencyKind.WELFARE].id}", headers=headers)
    assert [v["ticket_number"] for v in welfare.get_json()["items"]] == ["B-001"]
    # A caseworker sees their own desk unless they name another.
    worker = headers_for(Role.CASEWORKER, centre, agency=a[AgencyKind.WELFARE])
    assert client.get("/api/v1/queue", headers=worker).get_json()["total"] == 1
    other = client.get(f"/api/v1/queue?agency={elsewhere.agencies[0].id}", headers=headers)
    # Another centre's desk is no queue of ours: 404, as the web page answers.
    assert other.status_code == 404
    login(client, make_staff(Role.FRONT_DESK, centre=centre).username)
    assert client.get(f"/intake/queue?agency={elsewhere.agencies[0].id}").status_code == 404


def test_visits_of_another_centre_are_not_found(client, centre):
    elsewhere = make_centre()
    visit = make_visit(elsewhere, [make_agency(elsewhere)])
    headers = headers_for(Role.FRONT_DESK, centre)
    assert client.get(f"/api/v1/visits/{visit.id}", headers=headers).status_code == 404
    response = client.post(f"/api/v1/visits/{visit.id}/call", json={"version": visit.version},
                           headers=headers)
    assert response.status_code == 404


def test_desk_transitions_with_if_match_and_the_next_desk(client, centre):
    a = agencies(centre)
    visit = make_visit(centre, [a[AgencyKind.EMPLOYMENT], a[AgencyKind.WELFARE]])
    headers = headers_for(Role.CASEWORKER, centre, agency=a[AgencyKind.EMPLOYMENT])
    shown = client.get(f"/api/v1/visits/{visit.id}", headers=headers)
    etag = shown.headers["ETag"]
    called = client.post(f"/api/v1/visits/{visit.id}/call", headers={**headers, "If-Match": etag})
    assert called.status_code == 200, called.get_json()
    assert called.get_json()["status"] == "called" and called.headers["ETag"] != etag
    started = client.post(f"/api/v1/visits/{visit.id}/start",
                          headers={**headers, "If-Match": called.headers["ETag"]})
    assert started.get_json()["status"] == "in_service"
    finished = client.post(f"/api/v1/visits/{visit.id}/finish",
                           json={"version": started.get_json()["version"]}, headers=headers)
    body = finished.get_json()
    assert finished.status_code == 200
    assert body["status"] == "waiting" and [s["status"] for s in body["stops"]] == ["done", "waiting"]
    # The next desk belongs to another agency: this caseworker may do nothing more with it,
    # not even send the visitor home (that is for the desk now serving them, or the front desk).
    assert body["allowed_actions"] == []
    refused = client.post(f"/api/v1/visits/{visit.id}/call", json={"version": body["version"]},
                          headers=headers)
    assert refused.status_code == 403
    assert refused.get_json()["detail"] == "다른 기관 창구의 방문자입니다."
    assert audit_actions(subject_id=visit.id, subject_type="visits")[-3:] == [
        "visit.call", "visit.start", "visit.finish"]


def test_a_stale_or_missing_version_loses_no_update(client, centre):
    a = agencies(centre)
    visit = make_visit(centre, [a[AgencyKind.EMPLOYMENT]])
    headers = headers_for(Role.FRONT_DESK, centre)
    seen = visit.version
    assert client.post(f"/api/v1/visits/{visit.id}/call", json={"version": seen},
                       headers=headers).status_code == 200
    stale_header = client.post(f"/api/v1/visits/{visit.id}/start",
                               headers={**headers, "If-Match": f'W/"{seen}"'})
    assert stale_header.status_code == 412
    assert stale_header.get_json()["type"] == PROBLEM + "precondition-failed"
    assert stale_header.headers["ETag"] == f'W/"{seen + 1}"'
    stale_body = client.post(f"/api/v1/visits/{visit.id}/start", json={"version": seen},
                             headers=headers)
    assert stale_body.status_code == 409
    assert stale_body.get_json()["type"] == PROBLEM + "version-conflict"
    missing = client.post(f"/api/v1/visits/{visit.id}/start", headers=headers)
    assert missing.status_code == 428
    assert missing.get_json()["type"] == PROBLEM + "precondition-required"
    db.session.refresh(visit)
    assert visit.status == VisitStatus.CALLED
    anything = client.post(f"/api/v1/visits/{visit.id}/start", headers={**headers, "If-Match": "*"})
    assert anything.status_code == 200


def test_transitions_not_possible_now_answer_409(client, centre):
    visit = make_visit(centre, [agencies(centre)[AgencyKind.EMPLOYMENT]])
    headers = headers_for(Role.MANAGER, centre)
    finish = client.post(f"/api/v1/visits/{visit.id}/finish", json={"version": visit.version},
                         headers=headers)
    assert finish.status_code == 409
    assert finish.get_json()["type"] == PROBLEM + "state-conflict"
    assert finish.get_json()["detail"] == "지금 상태(대기)에서는 할 수 없는 처리입니다."
    left = client.post(f"/api/v1/visits/{visit.id}/leave", json={"version": visit.version},
                       headers=headers)
    assert left.status_code == 200 and left.get_json()["status"] == "left"
    assert left.get_json()["allowed_actions"] == []
    db.session.refresh(visit)
    assert [s.status for s in visit.stops] == [StopStatus.SKIPPED]
    again = client.post(f"/api/v1/visits/{visit.id}/leave", json={"version": visit.version},
                        headers=headers)
    assert again.status_code == 409 and again.get_json()["detail"] == "이미 끝난 방문입니다."


def test_a_retry_with_the_same_idempotency_key_issues_no_second_ticket(client, centre):
    a = agencies(centre)
    person = make_client(centre)
    headers = headers_for(Role.FRONT_DESK, centre)
    body = {"person_id": person.id, "purposes": ["jobs"], "plan": [a[AgencyKind.EMPLOYMENT].id],
            "note": "재시도"}
    first = client.post("/api/v1/visits", json=body,
                        headers=headers | {"Idempotency-Key": "3f1c-visit-1"})
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = client.post("/api/v1/visits", json=body,
                        headers=headers | {"Idempotency-Key": "3f1c-visit-1"})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["ticket_number"] == first.get_json()["ticket_number"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1

    changed = client.post("/api/v1/visits", json=body | {"note": "다른 내용"},
                          headers=headers | {"Idempotency-Key": "3f1c-visit-1"})
    assert changed.status_code == 422
    assert changed.get_json()["type"] == PROBLEM + "idempotency-key-reused"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1

    # Another caller's same key is another key; no key, or a new one, is a new visit.
    other = client.post("/api/v1/visits", json=body, headers=headers_for(Role.FRONT_DESK, centre)
                        | {"Idempotency-Key": "3f1c-visit-1"})
    assert other.status_code == 201 and other.get_json()["id"] != first.get_json()["id"]
    assert client.post("/api/v1/visits", json=body, headers=headers).status_code == 201
    too_long = client.post("/api/v1/visits", json=body,
                           headers=headers | {"Idempotency-Key": "k" * 201})
    assert too_long.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 3


def test_the_idempotency_key_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    parameters = spec["paths"]["/api/v1/visits"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in parameters)
