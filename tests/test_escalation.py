"""No role gives itself (or a peer) an agency or a role, and whoever creates or resets an account
never learns a password that signs in as it (issue 14, escalation paths)."""

from datetime import timedelta

import sqlalchemy as sa
import time_machine

from cases.models import CaseNote, NoteKind
from centers import accounts
from centers.models import AgencyKind, EnrolmentCode, Staff
from core.audit import AuditEvent
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from factories import (
    STAFF_PC,
    audit_actions,
    enrol,
    enrolment_code,
    login,
    make_agency,
    make_case,
    make_centre,
    make_client,
    make_staff,
)

REFUSED = "계정을 만든 사람의 컴퓨터"
GENERIC = "아이디 또는 등록 코드가 올바르지 않거나 만료되었습니다."


def new_account(client, centre, role="manager", agency_id=0, username="newcomer"):
    response = client.post("/staff/new", data={
        "username": username, "display_name": "새 직원", "role": role, "centre_id": centre.id,
        "agency_id": agency_id})
    assert response.status_code == 200, response.text
    return enrolment_code(response.text)


def flagged() -> list[AuditEvent]:
    return list(db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "account.enrolment_refused")))


def test_a_manager_cannot_give_their_own_account_an_agency(client, login_as):
    centre = make_centre()
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT)
    manager = login_as(Role.MANAGER, centre=centre)
    person = make_client(centre)
    case = make_case(person, jobs)
    db.session.add(CaseNote(case_id=case.id, author_id=case.caseworker_id, agency_id=jobs.id,
                            kind=NoteKind.COUNSELLING, body="비밀 상담 내용", is_confidential=True,
                            created_at=utcnow(), updated_at=utcnow()))
    db.session.commit()
    response = client.post(f"/staff/{manager.id}", data={"role": "manager", "agency_id": jobs.id})
    assert response.status_code in (200, 403)
    db.session.refresh(manager)
    assert manager.agency_id is None and manager.role == Role.MANAGER
    assert "비밀 상담 내용" not in client.get(f"/cases/{case.id}").text
    assert "account.role_changed" not in audit_actions(subject_id=manager.id)


def test_no_manager_or_desk_holds_an_agency_not_even_a_peers(client, login_as):
    centre = make_centre()
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT)
    login_as(Role.MANAGER, centre=centre)
    peer = make_staff(Role.MANAGER, centre=centre)
    desk = make_staff(Role.FRONT_DESK, centre=centre)
    for member in (peer, desk):
        response = client.post(f"/staff/{member.id}",
                               data={"role": member.role.value, "agency_id": jobs.id})
        assert "소속 기관은 사례관리자에게만 지정합니다." in response.text
        db.session.refresh(member)
        assert member.agency_id is None
    response = client.post("/staff/new", data={
        "username": "deputy", "display_name": "부센터장", "role": "manager",
        "centre_id": centre.id, "agency_id": jobs.id})
    assert db.session.scalar(sa.select(Staff).where(Staff.username == "deputy")) is None
    assert "소속 기관은 사례관리자에게만 지정합니다." in response.text


def test_a_manager_cannot_change_their_own_role_even_by_a_service_call(app, login_as):
    manager = make_staff(Role.MANAGER)
    try:
        accounts.change_placement(manager, manager, role=Role.CASEWORKER,
                                  agency=make_agency(manager.centre))
    except accounts.AccountNotAllowed:
        pass
    else:
        raise AssertionError("a manager changed their own placement")


def test_the_administrator_never_learns_a_password_of_an_account_they_create(client, login_as,
                                                                              app):
    centre = make_centre()
    admin = login_as(Role.ADMIN)
    code = new_account(client, centre)
    boss = db.session.scalar(sa.select(Staff).where(Staff.username == "newcomer"))
    # The code is no password, and the page showed nothing else that signs in.
    assert login(app.test_client(), "newcomer", code).status_code == 200
    # Enrolling in the administrator's own signed-in browser: refused and flagged.
    response = enrol(client, "newcomer", code, environ=STAFF_PC)
    assert REFUSED in response.text
    event, = flagged()
    assert (event.subject_id, event.detail["same"], event.detail["flag"],
            event.detail["creator_id"]) == (boss.id, "session", "creator_enrolment", admin.id)
    # After signing out, the same browser is still recognised.
    client.post("/logout")
    assert REFUSED in enrol(client, "newcomer", code, environ=STAFF_PC).text
    # Another browser on the administrator's PC (same IP): refused too.
    assert REFUSED in enrol(app.test_client(), "newcomer", code,
                            environ={"REMOTE_ADDR": "127.0.0.1"}).text
    assert [e.detail["same"] for e in flagged()] == ["session", "browser", "ip"]
    db.session.refresh(boss)
    assert boss.must_change_password and boss.last_login_at is None
    # The manager on their own PC: signed in, with their own password.
    theirs = app.test_client()
    assert enrol(theirs, "newcomer", code).status_code == 302
    assert theirs.get("/").status_code == 200
    assert audit_actions(subject_id=boss.id)[-2:] == ["account.enrolled", "auth.login"]


def test_a_manager_who_resets_a_caseworkers_password_cannot_sign_in_as_them(client, login_as,
                                                                             app):
    centre = make_centre()
    login_as(Role.MANAGER, centre=centre)
    worker = make_staff(Role.CASEWORKER, centre=centre)
    response = client.post(f"/staff/{worker.id}/reset-password")
    code = enrolment_code(response.text)
    assert response.headers["Cache-Control"] == "no-store"
    assert REFUSED in enrol(client, worker.username, code).text
    assert login(app.test_client(), worker.username, code).status_code == 200
    assert len(flagged()) == 1
    assert enrol(app.test_client(), worker.username, code).status_code == 302


def test_an_enrolment_code_expires_and_is_used_only_once(client, login_as, app):
    centre = make_centre()
    login_as(Role.MANAGER, centre=centre)
    code = new_account(client, centre, role="front_desk")
    expiry = db.session.scalar(sa.select(EnrolmentCode.expires_at))
    with time_machine.travel(expiry + timedelta(seconds=1), tick=False):
        assert GENERIC in enrol(app.test_client(), "newcomer", code).text
    assert enrol(app.test_client(), "newcomer", code.lower().replace("-", " ")).status_code == 302
    assert GENERIC in enrol(app.test_client(), "newcomer", code, "yet another passphrase").text


def test_a_new_code_replaces_the_old_one(client, login_as, app):
    centre = make_centre()
    login_as(Role.MANAGER, centre=centre)
    first = new_account(client, centre, role="front_desk")
    member = db.session.scalar(sa.select(Staff).where(Staff.username == "newcomer"))
    second = enrolment_code(client.post(f"/staff/{member.id}/reset-password").text)
    assert GENERIC in enrol(app.test_client(), "newcomer", first).text
    assert enrol(app.test_client(), "newcomer", second).status_code == 302


def test_wrong_codes_use_the_code_up_and_unknown_users_get_the_same_answer(client, login_as,
                                                                           app):
    centre = make_centre()
    login_as(Role.MANAGER, centre=centre)
    code = new_account(client, centre, role="front_desk")
    unknown = enrol(app.test_client(), "nobody-here", code).text
    assert GENERIC in unknown
    for _attempt in range(app.config["ENROLMENT_MAX_ATTEMPTS"]):
        assert GENERIC in enrol(app.test_client(), "newcomer", "AAAA-BBBB-CCCC").text
    assert GENERIC in enrol(app.test_client(), "newcomer", code).text  # voided


def test_the_password_policy_applies_at_enrolment(client, login_as, app):
    centre = make_centre()
    login_as(Role.MANAGER, centre=centre)
    code = new_account(client, centre, role="front_desk")
    response = enrol(app.test_client(), "newcomer", code, "newcomer")
    assert "10자 이상" in response.text
    assert enrol(app.test_client(), "newcomer", code).status_code == 302  # still usable


def test_the_login_page_leads_to_enrolment(client):
    login_page = client.get("/login").text
    assert 'href="/enrol"' in login_page
    page = client.get("/enrol")
    assert page.status_code == 200 and "등록 코드" in page.text
