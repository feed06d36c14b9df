"""Catalogue screens: browse and search, service pages, a centre's list, hand-entered services,
and the HSDS directory export."""

import json
import re
import uuid

import pytest
import sqlalchemy as sa

from catalogue.models import CentreService, Service, ServiceSource
from centers.models import AgencyKind, Domain
from core.audit import AuditEvent
from core.extensions import db
from core.roles import Role
from factories import audit_actions, make_agency, make_centre, make_service, make_staff

SERVICE_FORM = {
    "name": "남양주 고용복지+센터 통합상담", "domain": "welfare", "purpose": "고용·복지 통합 상담",
    "target": "고용·복지 서비스가 함께 필요한 시민", "how_to_apply": "센터 방문",
    "provider": "남양주시", "contact": "031-000-0000", "apply_url": "https://example.go.kr/apply",
    "customer_types": ["low_income", "job_seeker"], "min_age": "18", "max_age": "",
    "sex": "", "is_active": "y",
}


def offers_of(centre) -> dict[str, CentreService]:
    rows = db.session.scalars(sa.select(CentreService).where(CentreService.centre_id == centre.id))
    return {row.service.name: row for row in rows}


# --- browse and search --------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.CASEWORKER])
def test_desk_and_caseworkers_search_their_centres_list_with_reasons(client, login_as, role):
    centre = make_centre()
    agency = make_agency(centre, name="남양주고용센터", desk_location="1층 1~6번 창구")
    make_service(name="청년 구직 지원", customer_types=["youth", "job_seeker"], max_age=34,
                 centre=centre, agency=agency)
    make_service(name="기초연금", min_age=65, centre=centre)
    make_service(name="목록 밖 서비스")
    login_as(role, centre=centre)
    page = client.get("/services", query_string={"age": "30", "customer_types": "youth"}).text
    assert "청년 구직 지원" in page and "기초연금" not in page and "목록 밖 서비스" not in page
    assert "청년 대상" in page and "만 34세 이하" in page
    assert "남양주고용센터" in page and "1층 1~6번 창구" in page
    national = client.get("/services", query_string={"centre": ""}).text
    assert "목록 밖 서비스" in national and "기초연금" in national


def test_an_invalid_filter_is_explained(client, login_as):
    login_as(Role.FRONT_DESK)
    page = client.get("/services", query_string={"age": "많음", "domain": "nonsense"}).text
    assert "올바르지 않은 정수 값입니다." in page
    assert "올바르지 않은 선택값입니다." in page


def test_browse_is_for_signed_in_staff_only(client):
    assert client.get("/services").status_code == 302


def test_service_page_shows_conditions_source_and_the_desk(client, login_as):
    centre = make_centre()
    agency = make_agency(centre, name="남양주고용센터", desk_location="1층 1~6번 창구")
    service = make_service(name="국민취업지원제도", source=ServiceSource.IMPORTED,
                           external_id="000000465790", min_age=15, max_age=69,
                           condition_codes=["JA0201", "JA0327"], customer_types=["job_seeker"],
                           apply_url="https://www.gov.kr/x", centre=centre, agency=agency)
    login_as(Role.FRONT_DESK, centre=centre)
    page = client.get(f"/services/{service.id}").text
    assert "만 15~69세" in page and "기준 중위소득 50% 이하" in page and "구직자·실업자" in page
    assert "000000465790" in page and "이 센터에서 안내합니다." in page and "1층 1~6번 창구" in page
    assert 'rel="noopener noreferrer"' in page
    assert "센터 서비스 목록에 추가" not in page and "서비스 정보 수정" not in page
    assert client.get("/services/999999").status_code == 404


# --- a centre's list ----------------------------------------------------------------------

def test_manager_adds_changes_and_removes_services_on_the_centres_list(client, login_as):
    centre = make_centre()
    jobs = make_agency(centre, name="고용센터", desk_location="1층")
    welfare = make_agency(centre, name="복지지원팀", desk_location="2층")
    service = make_service(name="실업급여")
    login_as(Role.MANAGER, centre=centre)
    assert "센터 서비스 목록에 추가" in client.get(f"/services/{service.id}").text
    response = client.post(f"/centres/{centre.id}/services",
                           data={"service_id": service.id, "agency_id": jobs.id, "desk": ""})
    assert response.status_code == 302
    offer = offers_of(centre)["실업급여"]
    assert (offer.agency_id, offer.desk_location) == (jobs.id, "1층")
    again = client.post(f"/centres/{centre.id}/services",
                        data={"service_id": service.id, "agency_id": 0}, follow_redirects=True)
    assert "이미 이 센터의 서비스 목록에 있습니다." in again.text
    prefix = f"offer{offer.id}-"
    client.post(f"/centres/{centre.id}/services/{offer.id}",
                data={prefix + "service_id": service.id, prefix + "agency_id": welfare.id,
                      prefix + "desk": "2층 7번 창구"})
    db.session.expire_all()
    offer = offers_of(centre)["실업급여"]
    assert (offer.agency_id, offer.desk_location) == (welfare.id, "2층 7번 창구")
    page = client.get(f"/centres/{centre.id}/services").text
    assert "실업급여" in page and "안내 중" in page
    client.post(f"/centres/{centre.id}/services/{offer.id}/remove")
    assert offers_of(centre) == {}
    assert audit_actions(subject_type="centre_services") == [
        "centre_service.added", "centre_service.updated", "centre_service.removed"
    ]


def test_the_list_says_why_an_entry_is_not_offered(client, login_as):
    centre = make_centre()
    make_service(name="문화누리카드", domain=Domain.CULTURE, centre=centre)
    make_service(name="끝난 서비스", is_active=False, centre=centre)
    login_as(Role.MANAGER, centre=centre)
    page = client.get(f"/centres/{centre.id}/services").text
    assert "부가 서비스 꺼짐" in page and "운영이 끝난 서비스" in page


def test_a_centres_list_is_maintained_by_its_manager_or_the_administrator_only(client, login_as):
    own, other = make_centre(), make_centre()
    other_agency = make_agency(other)
    service = make_service(name="실업급여")
    listed = make_service(name="남의 목록", centre=other)
    offer = offers_of(other)["남의 목록"]
    login_as(Role.MANAGER, centre=own)
    assert client.get(f"/centres/{other.id}/services").status_code == 404
    assert client.post(f"/centres/{other.id}/services",
                       data={"service_id": service.id, "agency_id": 0}).status_code == 404
    assert client.post(f"/centres/{other.id}/services/{offer.id}/remove").status_code == 404
    assert client.post(f"/centres/{own.id}/services/{offer.id}/remove").status_code == 404
    # Another centre's agency cannot give a service here.
    response = client.post(f"/centres/{own.id}/services",
                           data={"service_id": service.id, "agency_id": other_agency.id},
                           follow_redirects=True)
    assert offers_of(own) == {}
    assert "올바르지 않은 선택값입니다." in response.text
    assert listed.id in [o.service_id for o in offers_of(other).values()]


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.CASEWORKER])
def test_desk_and_caseworkers_cannot_change_the_list(client, login_as, role):
    centre = make_centre()
    service = make_service()
    login_as(role, centre=centre)
    assert client.get(f"/centres/{centre.id}/services").status_code == 403
    assert client.post(f"/centres/{centre.id}/services",
                       data={"service_id": service.id, "agency_id": 0}).status_code == 403
    assert "센터 서비스 목록" not in client.get("/").text


def test_admin_maintains_any_centres_list(client, login_as):
    centre = make_centre()
    service = make_service(name="실업급여")
    login_as(Role.ADMIN)
    client.post(f"/centres/{centre.id}/services", data={"service_id": service.id, "agency_id": 0})
    assert list(offers_of(centre)) == ["실업급여"]


# --- hand-entered services ----------------------------------------------------------------

def test_a_managers_service_is_local_and_on_the_centres_list(client, login_as):
    centre = make_centre()
    manager = login_as(Role.MANAGER, centre=centre)
    response = client.post("/services/new", data=SERVICE_FORM)
    assert response.status_code == 302
    service = db.session.scalar(sa.select(Service))
    assert (service.source, service.owner_centre_id, service.min_age) == (
        ServiceSource.MANUAL, centre.id, 18
    )
    assert {t.code for t in service.customer_types} == {"low_income", "job_seeker"}
    assert list(offers_of(centre)) == [SERVICE_FORM["name"]]
    client.post(f"/services/{service.id}/edit",
                data=dict(SERVICE_FORM, name="통합상담", customer_types=["low_income"]))
    db.session.expire_all()
    assert service.name == "통합상담" and [t.code for t in service.customer_types] == ["low_income"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "service.updated"))
    assert event.username == manager.username
    assert event.detail["customer_types"] == [["job_seeker", "low_income"], ["low_income"]]


def test_service_form_keeps_input_and_explains_errors(client, login_as):
    login_as(Role.ADMIN)
    response = client.post("/services/new", data=dict(SERVICE_FORM, min_age="40", max_age="30",
                                                      apply_url="javascript:alert(1)"))
    assert response.status_code == 200
    assert "http:// 또는 https:// 로 시작하는 주소를 입력하세요." in response.text
    assert 'value="남양주 고용복지+센터 통합상담"' in response.text
    response = client.post("/services/new", data=dict(SERVICE_FORM, min_age="40", max_age="30"))
    assert "최대 연령이 최소 연령보다 작습니다." in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Service)) == 0


def test_who_may_edit_a_service(client, login_as):
    own, other = make_centre(), make_centre()
    imported = make_service(source=ServiceSource.IMPORTED, external_id="000000465790")
    national = make_service()
    theirs = make_service(owner_centre_id=other.id)
    mine = make_service(owner_centre_id=own.id)
    login_as(Role.MANAGER, centre=own)
    for service in (imported, national, theirs):
        assert client.get(f"/services/{service.id}/edit").status_code == 403
    assert client.get(f"/services/{mine.id}/edit").status_code == 200
    client.post("/logout")
    login_as(Role.ADMIN)
    assert client.get(f"/services/{national.id}/edit").status_code == 200
    assert client.get(f"/services/{imported.id}/edit").status_code == 403
    client.post("/logout")
    login_as(Role.FRONT_DESK, centre=own)
    assert client.get("/services/new").status_code == 403


# --- the HSDS directory export ------------------------------------------------------------

def test_directory_export_in_the_hsds_shape(client, login_as):
    centre = make_centre(code="guri", name="구리 고용복지+센터", address="경기도 구리시 건원대로 1",
                         sido="경기도", sigungu="구리시", phone="031-111-2222")
    jobs = make_agency(centre, name="구리고용센터", desk_location="1층", phone="031-1")
    make_agency(centre, AgencyKind.CULTURE, name="문화 창구")
    make_service(name="실업급여", purpose="구직급여 지급", contact="1350", min_age=18,
                 apply_url="https://www.work24.go.kr", centre=centre, agency=jobs)
    make_service(name="기초연금", provider="보건복지부", centre=centre, desk="2층 7번")
    make_service(name="문화누리카드", provider="문화체육관광부", domain=Domain.CULTURE,
                 centre=centre)
    manager = login_as(Role.MANAGER, centre=centre)
    response = client.get("/centres/guri/directory.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = json.loads(response.text)
    assert set(document) == {"organizations", "services", "locations", "service_at_locations"}
    organizations = {o["name"]: o for o in document["organizations"]}
    # The agencies (the culture desk's add-on is off) and the providers of linked services.
    assert set(organizations) == {"구리고용센터", "보건복지부", "문화체육관광부"}
    assert organizations["구리고용센터"]["phones"][0]["number"] == "031-1"
    services = {s["name"]: s for s in document["services"]}
    assert services["실업급여"]["organization_id"] == organizations["구리고용센터"]["id"]
    assert services["기초연금"]["organization_id"] == organizations["보건복지부"]["id"]
    assert services["실업급여"]["url"] == "https://www.work24.go.kr"
    assert services["실업급여"]["phones"][0]["number"] == "1350"
    assert services["실업급여"]["minimum_age"] == 18
    assert services["실업급여"]["status"] == "active"
    assert services["문화누리카드"]["status"] == "inactive"
    for item in document["organizations"] + document["services"]:
        uuid.UUID(item["id"])
    (location,) = document["locations"]
    assert location["location_type"] == "physical"
    assert location["addresses"][0] == {
        "id": location["addresses"][0]["id"], "location_id": location["id"],
        "address_1": "경기도 구리시 건원대로 1", "city": "구리시", "state_province": "경기도",
        "postal_code": "", "country": "KR", "address_type": "physical",
    }
    desks = {s["service_id"]: s["description"] for s in document["service_at_locations"]}
    assert desks[services["실업급여"]["id"]] == "1층"
    assert desks[services["기초연금"]["id"]] == "2층 7번"
    assert {s["location_id"] for s in document["service_at_locations"]} == {location["id"]}
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "directory.exported"))
    assert (event.username, event.centre_id, event.detail["services"]) == (
        manager.username, centre.id, 3
    )
    # The same identifiers on the next export, so other directories update instead of adding.
    assert json.loads(client.get("/centres/guri/directory.json").text) == document


def test_directory_export_is_for_that_centres_manager_or_the_administrator(client, login_as):
    own = make_centre(code="own")
    make_centre(code="other")
    login_as(Role.MANAGER, centre=own)
    assert client.get("/centres/other/directory.json").status_code == 404
    assert client.get("/centres/nowhere/directory.json").status_code == 404
    client.post("/logout")
    login_as(Role.FRONT_DESK, centre=own)
    assert client.get("/centres/own/directory.json").status_code == 403
    client.post("/logout")
    login_as(Role.ADMIN)
    assert client.get("/centres/other/directory.json").status_code == 200


def test_navigation_offers_the_catalogue_by_role(client, login_as):
    centre = make_centre()
    make_staff(Role.MANAGER, centre=centre)
    login_as(Role.FRONT_DESK, centre=centre)
    home = client.get("/").text
    assert "서비스 찾기" in home and "센터 서비스 목록" not in home
    client.post("/logout")
    login_as(Role.MANAGER, centre=centre)
    home = client.get("/").text
    assert "센터 서비스 목록" in home
    assert re.search(r'href="/centre-services"', home)
    assert client.get("/centre-services").headers["Location"].endswith(f"/centres/{centre.id}/services")


def test_manager_finds_catalogue_services_and_adds_them_from_the_list_page(client, login_as):
    centre = make_centre()
    agency = make_agency(centre, name="고용센터")
    make_service(name="청년월세 특별지원", target="무주택 청년")
    make_service(name="청년 마음건강", centre=centre)
    make_service(name="기초연금")
    login_as(Role.MANAGER, centre=centre)
    page = client.get(f"/centres/{centre.id}/services", query_string={"q": "청년"}).text
    found = page[page.find("카탈로그에서 찾아 넣기"):page.find("<table")]
    assert "청년월세 특별지원" in found
    assert "청년 마음건강" not in found and "기초연금" not in found  # listed already / no match
    service = db.session.scalar(sa.select(Service).where(Service.name == "청년월세 특별지원"))
    response = client.post(f"/centres/{centre.id}/services",
                           data={"service_id": service.id, "agency_id": agency.id, "desk": "",
                                 "q": "청년"})
    assert response.headers["Location"].endswith(f"/centres/{centre.id}/services?q=%EC%B2%AD%EB%85%84")
    assert offers_of(centre)["청년월세 특별지원"].agency_id == agency.id


def test_blank_looking_sex_is_no_condition_and_a_bad_offer_is_explained(client, login_as):
    """Found by fuzzing: "   " as the sex gave a 500, and a refused offer's lazy messages could
    not be joined into the flash."""
    centre = make_centre()
    login_as(Role.MANAGER, centre=centre)
    response = client.post("/services/new", data=dict(SERVICE_FORM, sex="   "))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Service)).sex is None
    assert client.get("/services?sex=%20%20%20").status_code == 200
    offer = offers_of(centre)[SERVICE_FORM["name"]]
    refused = client.post(f"/centres/{centre.id}/services/{offer.id}",
                          data={f"offer{offer.id}-service_id": ""},
                          follow_redirects=True)
    assert refused.status_code == 200
    assert "alert-danger" in refused.text
