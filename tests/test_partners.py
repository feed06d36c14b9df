"""Partner organisations (issue 19 point 1): the manager's list, and the list in and out as
HSDS 3.0 JSON, every row checked, nothing lost on the way back."""

from __future__ import annotations

import io
import json

import sqlalchemy as sa

from centers.models import AgencyKind
from core.extensions import db
from core.roles import Role
from factories import (
    audit_actions,
    login,
    make_agency,
    make_centre,
    make_partner,
    make_service,
    make_staff,
)
from partners.models import Partner, PartnerKind


def _signed_in(app, staff):
    client = app.test_client()
    assert login(client, staff.username).status_code == 302
    return client


def _partners() -> list[Partner]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Partner).order_by(Partner.id)))


def _upload(client, document) -> object:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    return client.post("/partners/import", data={"file": (io.BytesIO(raw), "partners.json")},
                       content_type="multipart/form-data")


def test_a_manager_lists_a_partner_linked_to_a_service_the_centre_offers(app):
    centre = make_centre()
    service = make_service(centre=centre, name="긴급복지 생계지원", external_id="WII000001")
    manager = _signed_in(app, make_staff(Role.MANAGER, centre=centre))
    response = manager.post("/partners/new", data={
        "name": "  남양주시 정신건강복지센터 ", "kind": "mental_health", "contact_name": "이마음",
        "phone": "031-592-5891", "email": "Mind@Example.org", "services_offered": "우울 상담\n\n위기 개입",
        "services": [service.id], "response_target_hours": 24, "is_active": "y"})
    assert response.status_code == 302
    [partner] = _partners()
    assert (partner.name, partner.kind, partner.email) == (
        "남양주시 정신건강복지센터", PartnerKind.MENTAL_HEALTH, "Mind@example.org")
    assert partner.offered_lines == ["우울 상담", "위기 개입"]
    assert [s.name for s in partner.services] == ["긴급복지 생계지원"]
    page = manager.get("/partners").text
    assert "남양주시 정신건강복지센터" in page and "긴급복지 생계지원" in page
    assert "partner.created" in audit_actions()


def test_a_refused_partner_form_says_why_and_keeps_what_was_typed(app):
    centre = make_centre()
    make_partner(centre, name="가족센터")
    manager = _signed_in(app, make_staff(Role.MANAGER, centre=centre))
    page = manager.post("/partners/new", data={"name": "가족센터", "kind": "family",
                                               "email": "not-an-address",
                                               "response_target_hours": 16}).text
    assert "전자우편 주소 &#39;not-an-address&#39;의 형식이 맞지 않습니다." in page
    page = manager.post("/partners/new", data={"name": "가족센터", "kind": "family",
                                               "response_target_hours": 16}).text
    assert "같은 이름의 협력기관이 이미 목록에 있습니다." in page
    assert len(_partners()) == 1


def test_caseworkers_read_the_list_but_only_the_manager_keeps_it(app):
    centre = make_centre()
    partner = make_partner(centre, name="지역아동센터 햇살")
    worker = _signed_in(app, make_staff(Role.CASEWORKER, centre=centre,
                                        agency=make_agency(centre, AgencyKind.WELFARE)))
    page = worker.get("/partners").text
    assert "지역아동센터 햇살" in page and "/partners/new" not in page
    assert "/edit" not in worker.get(f"/partners/{partner.id}").text
    assert worker.post("/partners/new", data={"name": "몰래", "kind": "other",
                                              "response_target_hours": 16}).status_code == 403
    assert worker.post(f"/partners/{partner.id}/edit", data={
        "name": "바뀜", "kind": "other", "response_target_hours": 16}).status_code == 403
    assert worker.get("/partners/export.json").status_code == 403
    other_manager = _signed_in(app, make_staff(Role.MANAGER, centre=make_centre(code="suwon")))
    assert other_manager.get(f"/partners/{partner.id}").status_code == 404
    assert other_manager.post(f"/partners/{partner.id}/edit", data={
        "name": "바뀜", "kind": "other", "response_target_hours": 16}).status_code == 404
    assert [p.name for p in _partners()] == ["지역아동센터 햇살"]


def test_an_export_read_back_changes_nothing(app):
    centre = make_centre()
    linked = make_service(centre=centre, name="통합사례관리", external_id="WII000777")
    hand = make_service(centre=centre, name="면접 정장 대여")
    make_partner(centre, name="진접읍 맞춤형복지팀", kind=PartnerKind.COMMUNITY_WELFARE,
                 contact_name="김복지", phone="031-590-0000", website="https://example.org",
                 services_offered="방문 상담\n긴급복지 안내", service_ids=[linked.id, hand.id],
                 response_target_hours=8)
    make_partner(centre, name="쉼터", kind=PartnerKind.PRIVATE_WELFARE, is_active=False, email="")
    manager = _signed_in(app, make_staff(Role.MANAGER, centre=centre))
    exported = manager.get("/partners/export.json")
    assert exported.status_code == 200 and exported.mimetype == "application/json"
    document = exported.json
    assert {o["name"] for o in document["organizations"]} == {"진접읍 맞춤형복지팀", "쉼터"}
    assert {s["name"] for s in document["services"]} >= {"방문 상담", "통합사례관리"}

    def snapshot():
        return [(p.name, p.kind, p.contact_name, p.phone, p.email, p.website, p.services_offered,
                 p.response_target_hours, p.is_active, sorted(s.id for s in p.services))
                for p in _partners()]

    before = snapshot()
    response = _upload(manager, document)
    assert response.status_code == 302
    assert snapshot() == before
    assert manager.get("/partners/export.json").json == document


def test_an_import_checks_every_row_and_refuses_the_file_with_each_reason(app):
    centre = make_centre()
    manager = _signed_in(app, make_staff(Role.MANAGER, centre=centre))

    def org(number, **fields):
        return {"id": f"org-{number}", "name": f"기관 {number}",
                "attributes": [{"taxonomy_term": {"taxonomy": "hanjari-partner-kind",
                                                  "code": "family"}}], **fields}

    document = {"organizations": [
        org(1),
        org(2, email="nobody"),
        org(3, name=""),
        org(4, attributes=[{"taxonomy_term": {"taxonomy": "hanjari-partner-kind",
                                              "code": "hospital"}}]),
        org(5, attributes=[]),
        org(1),
    ], "services": [{"organization_id": "org-1", "name": "없는 서비스", "attributes": [
        {"taxonomy_term": {"taxonomy": "kr-public-service-id", "code": "WII999999"}}]}]}
    page = _upload(manager, document).text
    assert "가져오지 않았습니다" in page
    for expected in ("1번째 기관(기관 1): 서비스 &#39;없는 서비스&#39;(WII999999)이(가) "
                     "센터 서비스 목록에 없습니다",
                     "2번째 기관(기관 2): 전자우편 주소 &#39;nobody&#39;의 형식이 맞지 않습니다.",
                     "3번째 기관(이름 없음): 기관 이름이 없습니다.",
                     "4번째 기관(기관 4): 기관 종류 &#39;hospital&#39;을(를) 알 수 없습니다.",
                     "5번째 기관(기관 5): 기관 종류가 없습니다",
                     "6번째 기관: 같은 id(org-1)가 파일에 두 번 이상 있습니다."):
        assert expected in page, expected
    assert _partners() == []
    assert "JSON 파일로 읽을 수 없습니다" in _upload(manager, b"\xff{").text
    assert "organizations 목록이 없습니다" in _upload(manager, {"services": []}).text


def test_an_import_from_another_directory_adds_and_then_updates_by_its_id(app):
    centre = make_centre()
    service = make_service(centre=centre, name="아동 돌봄", external_id="WII000123")
    manager = _signed_in(app, make_staff(Role.MANAGER, centre=centre))
    document = {"organizations": [{
        "id": "b6a0c3e2-0000-4000-8000-000000000001", "name": "햇살 지역아동센터",
        "email": "sun@example.org", "phones": [{"number": "031-111-2222"}],
        "contacts": [{"name": "최아동"}],
        "attributes": [{"taxonomy_term": {"taxonomy": "hanjari-partner-kind", "code": "children"}}],
    }], "services": [
        {"organization_id": "b6a0c3e2-0000-4000-8000-000000000001", "name": "방과 후 돌봄"},
        {"organization_id": "b6a0c3e2-0000-4000-8000-000000000001", "name": "아동 돌봄",
         "attributes": [{"taxonomy_term": {"taxonomy": "kr-public-service-id",
                                           "code": "WII000123"}}]},
    ]}
    assert _upload(manager, document).status_code == 302
    [partner] = _partners()
    assert (partner.kind, partner.phone, partner.contact_name, partner.offered_lines) == (
        PartnerKind.CHILDREN, "031-111-2222", "최아동", ["방과 후 돌봄"])
    assert [s.id for s in partner.services] == [service.id]
    document["organizations"][0]["name"] = "햇살 지역아동센터 (이전)"
    assert _upload(manager, document).status_code == 302
    assert [p.name for p in _partners()] == ["햇살 지역아동센터 (이전)"]
    assert audit_actions().count("partners.imported") == 2
