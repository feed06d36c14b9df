"""Case records and the service catalogue through the JSON API."""

from datetime import timedelta

import sqlalchemy as sa

from cases.models import Case, CaseStatus
from centers.models import AgencyKind, Domain
from core.clock import local_today
from core.extensions import db
from core.roles import Role
from factories import (
    audit_actions,
    bearer,
    make_case,
    make_centre,
    make_client,
    make_service,
    make_staff,
    make_token,
    make_visit,
)

PROBLEM = "urn:hanjari:problem:"


def agency(centre, kind):
    return next(a for a in centre.agencies if a.kind == kind)


def worker(centre, kind=AgencyKind.EMPLOYMENT):
    staff = make_staff(Role.CASEWORKER, centre=centre, agency=agency(centre, kind))
    return staff, bearer(make_token(staff))


def test_open_a_case_at_the_callers_agency(client, centre):
    person = make_client(centre)
    visit = make_visit(centre, [agency(centre, AgencyKind.EMPLOYMENT)], client=person)
    staff, headers = worker(centre)
    response = client.post("/api/v1/cases", json={
        "person_id": person.id, "summary": "구직 상담", "priority": "high", "visit_id": visit.id},
        headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "open" and body["priority"] == "high"
    assert body["caseworker"]["id"] == staff.id and body["agency"]["name"] == "고용센터"
    assert body["allowed_transitions"] == ["activate", "hold", "close"]
    assert response.headers["ETag"] == 'W/"1"'
    assert db.session.get(Case, body["id"]).opened_from_visit_id == visit.id
    second = client.post("/api/v1/cases", json={"person_id": person.id, "summary": "또"},
                         headers=headers)
    assert second.status_code == 409
    assert second.get_json()["type"] == PROBLEM + "state-conflict"
    assert "이미 열린 사례가 있습니다" in second.get_json()["detail"]


def test_only_caseworkers_open_cases_and_references_are_checked(client, centre):
    person = make_client(centre, share_with=[agency(centre, AgencyKind.EMPLOYMENT)])
    desk = bearer(make_token(make_staff(Role.FRONT_DESK, centre=centre)))
    refused = client.post("/api/v1/cases", json={"person_id": person.id, "summary": "x"},
                          headers=desk)
    assert refused.status_code == 403
    _staff, headers = worker(centre)
    other_agency_worker, _h = worker(centre, AgencyKind.WELFARE)
    wrong_worker = client.post("/api/v1/cases", json={
        "person_id": person.id, "summary": "x", "caseworker_id": other_agency_worker.id},
        headers=headers)
    assert wrong_worker.status_code == 422
    assert wrong_worker.get_json()["detail"] == "담당자는 같은 기관의 사례관리자여야 합니다."
    stranger = make_client(make_centre())
    unknown = client.post("/api/v1/cases", json={"person_id": stranger.id, "summary": "x"},
                          headers=headers)
    assert unknown.get_json()["errors"][0]["field"] == "person_id"
    empty = client.post("/api/v1/cases", json={"person_id": person.id, "summary": ""},
                        headers=headers)
    assert empty.get_json()["errors"] == [
        {"field": "summary", "pointer": "#/summary", "detail": "1자 이상 4000자 이하로 입력하세요."}]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_read_a_case_front_desk_403_other_agency_404_manager_200(client, centre):
    person = make_client(centre)
    staff, headers = worker(centre)
    case = make_case(person, agency(centre, AgencyKind.EMPLOYMENT), caseworker=staff)
    response = client.get(f"/api/v1/cases/{case.id}", headers=headers)
    assert response.status_code == 200
    assert response.headers["ETag"] == f'W/"{case.version}"'
    assert response.get_json()["person"] == {"id": person.id, "name": "홍길동"}
    assert "case.view" in audit_actions(client_id=person.id, staff_id=staff.id)

    desk = bearer(make_token(make_staff(Role.FRONT_DESK, centre=centre)))
    forbidden = client.get(f"/api/v1/cases/{case.id}", headers=desk)
    assert forbidden.status_code == 403 and forbidden.get_json()["type"] == PROBLEM + "forbidden"
    _w, welfare = worker(centre, AgencyKind.WELFARE)
    assert client.get(f"/api/v1/cases/{case.id}", headers=welfare).status_code == 404
    elsewhere = make_centre()
    stranger = make_staff(Role.MANAGER, centre=elsewhere)
    assert client.get(f"/api/v1/cases/{case.id}",
                      headers=bearer(make_token(stranger))).status_code == 404
    manager = bearer(make_token(make_staff(Role.MANAGER, centre=centre)))
    seen = client.get(f"/api/v1/cases/{case.id}", headers=manager).get_json()
    assert seen["allowed_transitions"] == []  # managers read, the lead agency writes


def test_notes_and_confidentiality(client, centre):
    person = make_client(centre)
    staff, headers = worker(centre)
    case = make_case(person, agency(centre, AgencyKind.EMPLOYMENT), caseworker=staff)
    note = client.post(f"/api/v1/cases/{case.id}/notes", json={
        "kind": "counselling", "body": "이력서 작성 지원", "is_confidential": True}, headers=headers)
    assert note.status_code == 201, note.get_json()
    assert note.get_json()["body"] == "이력서 작성 지원"
    db.session.refresh(case)
    assert case.last_contact_at is not None
    manager = bearer(make_token(make_staff(Role.MANAGER, centre=centre)))
    seen = client.get(f"/api/v1/cases/{case.id}", headers=manager).get_json()
    assert seen["notes"][0]["is_confidential"] and seen["notes"][0]["body"] is None
    bad = client.post(f"/api/v1/cases/{case.id}/notes", json={"kind": "gossip", "body": ""},
                      headers=headers)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.get_json()["errors"]} == {"kind", "body"}
    assert client.post(f"/api/v1/cases/{case.id}/notes", json={"kind": "phone", "body": "x"},
                       headers=manager).status_code == 403


def test_close_a_case_with_the_version(client, centre):
    person = make_client(centre)
    staff, headers = worker(centre)
    case = make_case(person, agency(centre, AgencyKind.EMPLOYMENT), caseworker=staff)
    seen = case.version
    no_reason = client.post(f"/api/v1/cases/{case.id}/close", json={"version": seen},
                            headers=headers)
    assert no_reason.status_code == 422
    assert no_reason.get_json()["errors"][0] == {"field": "reason", "pointer": "#/reason",
                                                 "detail": "필수 항목입니다."}
    missing = client.post(f"/api/v1/cases/{case.id}/close", json={"reason": "employed"},
                          headers=headers)
    assert missing.status_code == 428
    past = client.post(f"/api/v1/cases/{case.id}/close", json={
        "reason": "employed", "version": seen,
        "follow_up_on": (local_today() - timedelta(days=1)).isoformat()}, headers=headers)
    assert past.status_code == 422 and past.get_json()["type"] == PROBLEM + "rule-violation"
    stale = client.post(f"/api/v1/cases/{case.id}/close", json={"reason": "employed"},
                        headers={**headers, "If-Match": f'W/"{seen + 5}"'})
    assert stale.status_code == 412
    closed = client.post(f"/api/v1/cases/{case.id}/close", json={
        "reason": "employed", "note": "정규직 취업"}, headers={**headers, "If-Match": f'W/"{seen}"'})
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["status"] == "closed" and closed.get_json()["closure_reason"] == "employed"
    assert closed.headers["ETag"] == f'W/"{seen + 1}"'
    again = client.post(f"/api/v1/cases/{case.id}/close", json={"reason": "employed",
                                                                 "version": seen}, headers=headers)
    assert again.status_code == 409
    assert again.get_json()["type"] == PROBLEM + "state-conflict"
    db.session.refresh(case)
    assert case.status == CaseStatus.CLOSED and case.closure_note == "정규직 취업"
    assert "case.close" in audit_actions(client_id=person.id)


def test_stale_body_version_on_close_is_a_409_from_the_service(client, centre):
    person = make_client(centre)
    staff, headers = worker(centre)
    case = make_case(person, agency(centre, AgencyKind.EMPLOYMENT), caseworker=staff)
    response = client.post(f"/api/v1/cases/{case.id}/close", json={
        "reason": "moved", "version": case.version + 1}, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["type"] == PROBLEM + "version-conflict"
    other_worker = make_staff(Role.CASEWORKER, centre=centre,
                              agency=agency(centre, AgencyKind.EMPLOYMENT))
    # A caseworker of the same agency who is not the case's lead still writes in it.
    same_agency = client.post(f"/api/v1/cases/{case.id}/close", json={
        "reason": "moved", "version": case.version}, headers=bearer(make_token(other_worker)))
    assert same_agency.status_code == 200


# --- the service catalogue --------------------------------------------------------------------

def test_services_filtered_like_the_browse_page_and_paged_with_the_total(client, centre):
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    make_service(["youth"], centre=centre, agency=jobs, name="청년 구직 지원", min_age=19, max_age=34)
    make_service([], centre=centre, agency=jobs, name="일반 취업 상담")
    make_service(["youth"], centre=centre, name="청년 복지", domain=Domain.WELFARE)
    make_service(["youth"], name="전국에만 있는 청년 서비스")
    headers = bearer(make_token(make_staff(Role.FRONT_DESK, centre=centre)))
    mine = client.get("/api/v1/services?per_page=2", headers=headers).get_json()
    assert (mine["total"], mine["pages"], len(mine["items"])) == (3, 2, 2)
    youth = client.get("/api/v1/services?customer_type=youth&domain=jobs&age=25",
                       headers=headers).get_json()
    assert youth["items"][0]["name"] == "청년 구직 지원"
    assert youth["items"][0]["agency"]["name"] == "고용센터"
    assert "청년 대상" in youth["items"][0]["reasons"]
    national = client.get("/api/v1/services?centre=&q=청년", headers=headers).get_json()
    assert national["total"] == 3 and all(item["agency"] is None for item in national["items"])
    unknown = client.get("/api/v1/services?customer_type=aliens", headers=headers)
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"][0]["parameter"] == "customer_type"
    other = client.get(f"/api/v1/services?centre={make_centre().code}", headers=headers)
    assert other.status_code == 422
