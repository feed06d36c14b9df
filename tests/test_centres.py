"""Centres, agencies and add-ons: the administrator's and manager's screens."""

import sqlalchemy as sa

from centers.models import Addon, Agency, AgencyKind, Centre
from core.extensions import db
from core.roles import Role
from factories import audit_actions, make_agency, make_centre

CENTRE_FORM = {
    "code": "guri", "name": "구리 고용복지+센터", "sido": "경기도", "sigungu": "구리시",
    "address": "경기도 구리시 건원대로 1", "phone": "031-111-2222", "opened_on": "2016-05-02",
    "is_pilot": "y",
}


def test_admin_creates_and_edits_a_centre(client, login_as):
    login_as(Role.ADMIN)
    response = client.post("/centres/new", data=CENTRE_FORM)
    assert response.status_code == 302
    centre = db.session.scalar(sa.select(Centre).where(Centre.code == "guri"))
    assert (centre.name, centre.sigungu, str(centre.opened_on), centre.is_pilot) == (
        "구리 고용복지+센터", "구리시", "2016-05-02", True
    )
    edited = dict(CENTRE_FORM, name="구리 고용복지+센터(이전)", is_pilot="")
    client.post(f"/centres/{centre.id}/edit", data=edited)
    db.session.refresh(centre)
    assert centre.name == "구리 고용복지+센터(이전)"
    assert centre.is_pilot is False
    assert audit_actions(subject_type="centres") == ["centre.created", "centre.updated"]


def test_centre_form_keeps_input_and_explains_errors(client, login_as):
    login_as(Role.ADMIN)
    make_centre(code="guri")
    response = client.post("/centres/new", data=dict(CENTRE_FORM, name="새 이름"))
    assert response.status_code == 200
    assert "이미 쓰이고 있는 센터 코드입니다." in response.text
    assert 'value="새 이름"' in response.text
    bad = client.post("/centres/new", data=dict(CENTRE_FORM, code="Guri Centre", sido=""))
    assert "영문 소문자, 숫자, 하이픈만" in bad.text
    assert "필수 항목입니다." in bad.text


def test_admin_adds_and_edits_an_agency(client, login_as):
    login_as(Role.ADMIN)
    centre = make_centre()
    client.post(
        f"/centres/{centre.id}/agencies/new",
        data={"kind": "self_support", "name": "구리지역자활센터", "desk_location": "2층",
              "phone": "031-1", "response_target_hours": "24", "is_active": "y"},
    )
    agency = db.session.scalar(sa.select(Agency).where(Agency.centre_id == centre.id))
    assert (agency.kind, agency.response_target_hours) == (AgencyKind.SELF_SUPPORT, 24)
    client.post(
        f"/agencies/{agency.id}/edit",
        data={"kind": "self_support", "name": "구리지역자활센터", "desk_location": "3층",
              "response_target_hours": "8", "is_active": "y"},
    )
    db.session.refresh(agency)
    assert (agency.desk_location, agency.response_target_hours) == ("3층", 8)
    page = client.get(f"/centres/{centre.id}").text
    assert "구리지역자활센터" in page and "8 근무시간" in page


def test_agency_response_target_must_be_a_positive_number(client, login_as):
    login_as(Role.ADMIN)
    centre = make_centre()
    response = client.post(
        f"/centres/{centre.id}/agencies/new",
        data={"kind": "employment", "name": "고용센터", "response_target_hours": "0"},
    )
    assert "1에서 400 사이로 입력하세요." in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agency)) == 0


def test_addon_switch_hides_the_addons_agencies(client, login_as):
    login_as(Role.ADMIN)
    centre = make_centre()
    culture = make_agency(centre, AgencyKind.CULTURE, name="문화누리 창구")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT)
    assert not culture.is_visible and jobs.is_visible
    client.post(f"/centres/{centre.id}/addons", data={"addon": ["culture"]})
    db.session.expire_all()
    assert centre.has_addon(Addon.CULTURE) and not centre.has_addon(Addon.CREATIVE_ECONOMY)
    assert culture in centre.visible_agencies()
    client.post(f"/centres/{centre.id}/addons", data={})
    db.session.expire_all()
    assert culture not in centre.visible_agencies() and jobs in centre.visible_agencies()
    assert audit_actions(subject_type="centres") == [
        "centre.addon_enabled", "centre.addon_disabled"
    ]


def test_manager_switches_addons_of_own_centre_only(client, login_as):
    own = make_centre()
    other = make_centre()
    login_as(Role.MANAGER, centre=own)
    assert client.post(f"/centres/{own.id}/addons", data={"addon": "creative_economy"}).status_code == 302
    assert client.post(f"/centres/{other.id}/addons", data={"addon": "culture"}).status_code == 404
    db.session.expire_all()
    assert own.addons == {Addon.CREATIVE_ECONOMY}
    assert other.addons == set()


def test_manager_cannot_create_or_edit_centres(client, login_as):
    centre = make_centre()
    login_as(Role.MANAGER, centre=centre)
    assert client.get("/centres/new").status_code == 403
    assert client.post(f"/centres/{centre.id}/edit", data=CENTRE_FORM).status_code == 403
    page = client.get(f"/centres/{centre.id}").text
    assert "센터 정보 수정" not in page and "기관 등록" not in page


def test_manager_sees_only_own_centre_in_the_list(client, login_as):
    own = make_centre(name="우리 센터")
    make_centre(name="남의 센터")
    login_as(Role.MANAGER, centre=own)
    page = client.get("/centres").text
    assert "우리 센터" in page and "남의 센터" not in page


def test_rrn_processing_needs_a_legal_basis_and_is_audited(client, login_as):
    centre = make_centre()
    login_as(Role.MANAGER, centre=centre)
    refused = client.post(f"/centres/{centre.id}/rrn", data={"rrn_enabled": "y", "rrn_legal_basis": " "})
    assert "법적 근거를 적어야 합니다" in refused.text
    db.session.refresh(centre)
    assert not centre.processes_rrn
    client.post(f"/centres/{centre.id}/rrn",
                data={"rrn_enabled": "y", "rrn_legal_basis": "「국민기초생활 보장법」 시행령 제41조"})
    db.session.refresh(centre)
    assert centre.processes_rrn
    assert "centre.rrn_processing_changed" in audit_actions(subject_type="centres")


def test_manager_sets_the_centres_case_time_targets(client, login_as):
    centre = make_centre()
    login_as(Role.MANAGER, centre=centre)
    bad = client.post(f"/centres/{centre.id}/time-targets",
                      data={"assessment_due_days": "0", "plan_due_days": "30"})
    assert "1에서 365 사이로" in bad.text
    client.post(f"/centres/{centre.id}/time-targets",
                data={"assessment_due_days": "7", "plan_due_days": "21"})
    db.session.refresh(centre)
    assert (centre.assessment_due_days, centre.plan_due_days) == (7, 21)
    assert "centre.time_targets_changed" in audit_actions(subject_type="centres")
