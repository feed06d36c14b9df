"""People through the JSON API: search, registration with consent and the duplicate guard,
the record, consent and withdrawal — the same rules as the desk's pages."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from cases.models import Client, Consent, ConsentKind
from centers.models import AgencyKind
from core.clock import local_today
from core.extensions import db
from core.roles import Role
from factories import (
    audit_actions,
    bearer,
    make_centre,
    make_client,
    make_consent_documents,
    make_staff,
    make_token,
    make_visit,
    valid_rrn,
)

PROBLEM = "urn:hanjari:problem:"


@pytest.fixture
def centre(centre):
    make_consent_documents(centre)
    return centre


def desk_headers(centre, role=Role.FRONT_DESK):
    return bearer(make_token(make_staff(role, centre=centre)))


def registration(**overrides):
    body = {"name": "김영희", "birth_date": "1990-05-17", "sex": "F", "phone": "010-2222-3333",
            "consent": {"collection": True, "method": "written"}}
    body.update(overrides)
    return body


# --- search ----------------------------------------------------------------------------------

def test_search_takes_its_terms_in_the_body_and_pages_with_the_total(client, centre):
    for n in range(3):
        make_client(centre, name=f"홍길{'동순철'[n]}", birth_date=date(1985, 3, 2))
    make_client(make_centre(), name="홍길동", birth_date=date(1985, 3, 2))  # another centre
    headers = desk_headers(centre)
    assert client.get("/api/v1/people/search?q=홍길동", headers=headers).status_code == 405
    response = client.post("/api/v1/people/search",
                           json={"q": "850302", "per_page": 2, "page": 1}, headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["understood_as"] == "birth_date"
    assert (body["total"], body["pages"], len(body["items"])) == (3, 2, 2)
    assert body["items"][0]["masked_name"].startswith("홍*")
    assert "홍길" not in str(body["items"])  # names are masked in the list
    second = client.post("/api/v1/people/search", json={"q": "ㅎㄱㄷ", "per_page": 2, "page": 2},
                         headers=headers).get_json()
    assert second["understood_as"] == "initials" and second["total"] == 1


def test_search_with_a_resident_number_where_the_centre_does_not_process_them(client, centre):
    response = client.post("/api/v1/people/search", json={"q": "850302-1234567"},
                           headers=desk_headers(centre))
    assert response.get_json()["understood_as"] == "rrn_disabled"
    assert response.get_json()["items"] == []


def test_caseworkers_do_not_use_the_desk_search(client, centre):
    response = client.post("/api/v1/people/search", json={"q": "홍길동"},
                           headers=desk_headers(centre, Role.CASEWORKER))
    assert response.status_code == 403
    assert response.get_json()["type"] == PROBLEM + "forbidden"


# --- registration ----------------------------------------------------------------------------

def test_register_a_person_with_consent(client, centre):
    welfare = next(a for a in centre.agencies if a.kind == AgencyKind.WELFARE)
    response = client.post("/api/v1/people", json=registration(
        customer_types=["youth"], household_size=2,
        consent={"collection": True, "method": "oral", "third_party_agency_ids": [welfare.id]}),
        headers=desk_headers(centre))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["ETag"] == 'W/"1"' and body["version"] == 1
    assert response.headers["Location"] == f"/api/v1/people/{body['id']}"
    assert body["phone"] == "010-2222-3333" and body["customer_types"] == ["youth"]
    assert body["birth_date"] == "1990-05-17" and body["masked_rrn"] is None
    kinds = sorted(c["kind"] for c in body["consents"])
    assert kinds == ["collection", "third_party"]
    client_row = db.session.get(Client, body["id"])
    assert client_row.phone == "+821022223333"
    assert audit_actions(client_id=client_row.id) == [
        "client.registered", "consent.recorded", "consent.recorded"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "김영희2", "이름에 숫자를 쓸 수 없습니다."),
    ("name", "   ", "이름을 입력하세요."),
    ("birth_date", "1985-02-30", "있을 수 없는 날짜입니다. 예: 1985-03-02"),
    ("birth_date", "2999-01-01", "생년월일이 오늘보다 뒤일 수 없습니다."),
    ("phone", "010-12", "있을 수 없는 전화번호입니다. 예: 010-1234-5678"),
    ("sex", "X", "다음 가운데 하나여야 합니다: M, F"),
    ("household_size", 31, "1에서 30 사이로 입력하세요."),
    ("customer_types", ["nobody"], "알 수 없는 정책고객 유형입니다: nobody"),
    ("name", "가" * 51, "50자 이하로 입력하세요."),
])
def test_registration_answers_422_per_field_in_korean(client, centre, field, value, message):
    response = client.post("/api/v1/people", json=registration(**{field: value}),
                           headers=desk_headers(centre))
    assert response.status_code == 422
    body = response.get_json()
    assert body["type"] == PROBLEM + "validation"
    assert {"field": field, "pointer": f"#/{field}", "detail": message} in body["errors"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Client)) == 0


def test_registration_without_collection_consent_is_refused(client, centre):
    response = client.post("/api/v1/people", json=registration(
        consent={"collection": False, "method": "written"}), headers=desk_headers(centre))
    assert response.status_code == 422
    error = response.get_json()["errors"][0]
    assert error["field"] == "consent.collection" and error["pointer"] == "#/consent/collection"
    assert error["detail"].startswith("개인정보 수집·이용 동의 없이는")
    missing = client.post("/api/v1/people", json={"name": "김영희"}, headers=desk_headers(centre))
    fields = {e["field"]: e["detail"] for e in missing.get_json()["errors"]}
    assert fields == {"birth_date": "필수 항목입니다.", "sex": "필수 항목입니다.",
                      "consent": "필수 항목입니다."}


def test_registration_needs_the_centres_consent_text(client):
    centre = make_centre()
    response = client.post("/api/v1/people", json=registration(), headers=desk_headers(centre))
    assert response.status_code == 422
    assert response.get_json()["type"] == PROBLEM + "rule-violation"
    assert "동의서가 아직 없습니다" in response.get_json()["detail"]


def test_likely_duplicate_answers_409_until_confirmed(client, centre):
    existing = make_client(centre, name="김영희", birth_date=date(1990, 5, 17))
    headers = desk_headers(centre)
    response = client.post("/api/v1/people", json=registration(phone=None), headers=headers)
    assert response.status_code == 409
    body = response.get_json()
    assert body["type"] == PROBLEM + "duplicate-person"
    assert body["candidates"][0]["id"] == existing.id
    assert body["candidates"][0]["masked_name"] == "김*희"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Client)) == 1
    confirmed = client.post("/api/v1/people", json=registration(phone=None, confirmed_new=True),
                            headers=headers)
    assert confirmed.status_code == 201


def test_resident_numbers_only_where_the_centre_processes_them(client, centre):
    rrn = valid_rrn("900517", "2")
    headers = desk_headers(centre)
    refused = client.post("/api/v1/people", json=registration(rrn=rrn), headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["detail"] == "이 센터는 주민등록번호를 처리하지 않습니다."
    centre.rrn_enabled, centre.rrn_legal_basis = True, "고용보험법 시행령 제145조의2"
    db.session.commit()
    mismatch = client.post("/api/v1/people", json=registration(rrn=valid_rrn("900518", "2")),
                           headers=headers)
    assert mismatch.get_json()["errors"] == [{"field": "rrn", "pointer": "#/rrn",
                                              "detail": "주민등록번호와 생년월일이 서로 다릅니다."}]
    created = client.post("/api/v1/people", json=registration(rrn=rrn), headers=headers)
    assert created.status_code == 201
    assert created.get_json()["masked_rrn"] == "900517-2******"
    again = client.post("/api/v1/people", json=registration(rrn=rrn, confirmed_new=True),
                        headers=headers)
    assert again.status_code == 409
    assert again.get_json()["type"] == PROBLEM + "state-conflict"


# --- the record --------------------------------------------------------------------------------

def test_read_a_person_with_etag_and_audit(client, centre):
    caseworker = make_staff(Role.CASEWORKER, centre=centre)
    person = make_client(centre, phone="+821012345678")
    make_visit(centre, [caseworker.agency], client=person)  # at their desk today: need to know
    response = client.get(f"/api/v1/people/{person.id}", headers=bearer(make_token(caseworker)))
    assert response.status_code == 200
    assert response.headers["ETag"] == f'W/"{person.version}"'
    body = response.get_json()
    assert body["name"] == "홍길동" and body["phone"] == "010-1234-5678"
    assert body["consents"][0]["kind"] == "collection" and body["consents"][0]["in_force"]
    assert audit_actions(client_id=person.id, staff_id=caseworker.id) == ["client.view"]


def test_people_of_another_centre_are_not_found_and_the_administrator_sees_none(client, centre):
    other = make_client(make_centre())
    response = client.get(f"/api/v1/people/{other.id}", headers=desk_headers(centre))
    assert response.status_code == 404
    assert response.get_json()["type"] == PROBLEM + "not-found"
    admin = make_staff(Role.ADMIN)
    mine = make_client(centre)
    assert client.get(f"/api/v1/people/{mine.id}",
                      headers=bearer(make_token(admin))).status_code == 403


# --- consent -------------------------------------------------------------------------------------

def test_record_and_withdraw_consent(client, centre):
    person = make_client(centre)
    headers = desk_headers(centre)
    welfare = next(a for a in centre.agencies if a.kind == AgencyKind.WELFARE)
    response = client.post(f"/api/v1/people/{person.id}/consents", json={
        "kind": "third_party", "method": "electronic", "agency_ids": [welfare.id]},
        headers=headers)
    assert response.status_code == 201, response.get_json()
    consent = response.get_json()
    assert consent["kind"] == "third_party" and consent["agencies"][0]["id"] == welfare.id
    assert consent["given_on"] == local_today().isoformat()

    url = f"/api/v1/people/{person.id}/consents/{consent['id']}/withdraw"
    withdrawn = client.post(url, json={"note": "본인 요청"}, headers=headers)
    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["withdrawn_at"] and not withdrawn.get_json()["in_force"]
    again = client.post(url, headers=headers)
    assert again.status_code == 409
    assert again.get_json()["detail"] == "이미 철회된 동의입니다."
    assert db.session.get(Consent, consent["id"]).withdrawal_note == "본인 요청"
    assert "consent.withdrawn" in audit_actions(client_id=person.id)


def test_consent_rules_are_the_services(client, centre):
    person = make_client(centre)
    headers = desk_headers(centre)
    future = client.post(f"/api/v1/people/{person.id}/consents", json={
        "kind": "collection", "method": "written",
        "given_on": (local_today() + timedelta(days=5)).isoformat()}, headers=headers)
    assert future.status_code == 422
    assert future.get_json()["errors"][0] == {
        "field": "given_on", "pointer": "#/given_on", "detail": "동의일이 오늘보다 뒤일 수 없습니다."}
    no_agency = client.post(f"/api/v1/people/{person.id}/consents", json={
        "kind": "third_party", "method": "written"}, headers=headers)
    assert no_agency.status_code == 422
    assert no_agency.get_json()["detail"] == "동의서에 적힌 받는 기관 가운데 하나 이상을 고르세요."
    other_person = make_client(centre, name="이몽룡", birth_date=date(1980, 1, 1))
    consent = db.session.scalar(sa.select(Consent).where(Consent.client_id == other_person.id))
    wrong = client.post(f"/api/v1/people/{person.id}/consents/{consent.id}/withdraw",
                        headers=headers)
    assert wrong.status_code == 404
    assert db.session.get(Consent, consent.id).withdrawn_at is None
    assert db.session.scalar(sa.select(Consent).where(
        Consent.client_id == person.id, Consent.document.has(kind=ConsentKind.THIRD_PARTY))) is None
