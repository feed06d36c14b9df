"""A manager runs the staff of their own centre; every grant and revoke is audited."""

import pytest
import sqlalchemy as sa

from centers.models import AgencyKind, Staff
from core.audit import AuditEvent
from core.extensions import db
from core.roles import Role
from factories import (
    PASSWORD,
    audit_actions,
    enrol,
    enrolment_code,
    login,
    make_agency,
    make_centre,
    make_staff,
)


def test_manager_creates_staff_who_enrol_with_a_one_time_code(client, login_as, app):
    centre = make_centre()
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT)
    manager = login_as(Role.MANAGER, centre=centre)
    response = client.post(
        "/staff/new",
        data={"username": "new-worker", "display_name": "신입", "role": "caseworker",
              "centre_id": centre.id, "agency_id": jobs.id},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    code = enrolment_code(response.text)
    staff = db.session.scalar(sa.select(Staff).where(Staff.username == "new-worker"))
    assert (staff.role, staff.centre_id, staff.agency_id) == (Role.CASEWORKER, centre.id, jobs.id)
    assert staff.must_change_password
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.created"))
    assert (event.staff_id, event.subject_id, event.detail["role"]) == (
        manager.id, staff.id, "caseworker"
    )

    newcomer = app.test_client()
    assert login(newcomer, "new-worker", code).status_code == 200  # the code is no password
    assert enrol(newcomer, "new-worker", code).status_code == 302
    assert newcomer.get("/").status_code == 200  # signed in, nothing more owed
    db.session.refresh(staff)
    assert not staff.must_change_password
    assert enrol(app.test_client(), "new-worker", code, "another good passphrase"
                 ).status_code == 200  # used up
    assert login(app.test_client(), "new-worker").status_code == 302


def test_manager_cannot_grant_admin(client, login_as):
    login_as(Role.MANAGER)
    admin_try = client.post(
        "/staff/new",
        data={"username": "sneaky", "display_name": "x", "role": "admin", "agency_id": 0},
    )
    assert admin_try.status_code == 200
    assert db.session.scalar(sa.select(Staff).where(Staff.username == "sneaky")) is None


def test_managers_new_staff_always_join_their_own_centre(client, login_as):
    own, other = make_centre(), make_centre()
    login_as(Role.MANAGER, centre=own)
    client.post(
        "/staff/new",
        data={"username": "placed", "display_name": "x", "role": "front_desk",
              "centre_id": other.id, "agency_id": 0},
    )
    placed = db.session.scalar(sa.select(Staff).where(Staff.username == "placed"))
    assert placed.centre_id == own.id


def test_caseworker_needs_an_agency_of_the_same_centre(client, login_as):
    own, other = make_centre(), make_centre()
    foreign = make_agency(other)
    login_as(Role.MANAGER, centre=own)
    no_agency = client.post(
        "/staff/new",
        data={"username": "cw-new", "display_name": "x", "role": "caseworker", "centre_id": own.id,
              "agency_id": 0},
    )
    assert "사례관리자는 소속 기관이 있어야 합니다." in no_agency.text
    assert 'value="cw-new"' in no_agency.text  # the form keeps what was typed
    wrong = client.post(
        f"/staff/{make_staff(Role.FRONT_DESK, centre=own).id}",
        data={"role": "caseworker", "agency_id": foreign.id},
    )
    assert wrong.status_code == 200  # refused: the agency is not a choice here


def test_another_centres_staff_is_not_found(client, login_as):
    own, other = make_centre(), make_centre()
    stranger = make_staff(Role.FRONT_DESK, centre=other, display_name="남의직원")
    login_as(Role.MANAGER, centre=own)
    assert client.get(f"/staff/{stranger.id}").status_code == 404
    assert client.post(f"/staff/{stranger.id}/reset-password").status_code == 404
    assert client.post(f"/staff/{stranger.id}/active", data={"active": "0"}).status_code == 404
    assert client.post(f"/staff/{stranger.id}", data={"role": "manager"}).status_code == 404
    assert "남의직원" not in client.get("/staff").text
    db.session.refresh(stranger)
    assert stranger.is_active_account and stranger.role == Role.FRONT_DESK


def test_role_change_is_audited_and_ends_the_old_sessions(client, login_as, app):
    centre = make_centre()
    welfare = make_agency(centre, AgencyKind.WELFARE)
    login_as(Role.MANAGER, centre=centre)
    worker = make_staff(Role.MANAGER, centre=centre)
    their_device = app.test_client()
    login(their_device, worker.username)
    assert their_device.get("/staff").status_code == 200

    response = client.post(
        f"/staff/{worker.id}", data={"role": "caseworker", "agency_id": welfare.id}
    )
    assert response.status_code == 302
    db.session.refresh(worker)
    assert (worker.role, worker.agency_id) == (Role.CASEWORKER, welfare.id)
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "account.role_changed")
    )
    assert event.detail == {
        "before": {"role": "manager", "agency_id": None},
        "after": {"role": "caseworker", "agency_id": welfare.id},
    }
    assert their_device.get("/staff").status_code == 302  # the revoked role is gone at once


def test_deactivation_ends_sessions_and_blocks_login(client, login_as, app):
    centre = make_centre()
    login_as(Role.MANAGER, centre=centre)
    worker = make_staff(Role.FRONT_DESK, centre=centre)
    their_device = app.test_client()
    login(their_device, worker.username)
    client.post(f"/staff/{worker.id}/active", data={"active": "0"})
    assert their_device.get("/").status_code == 302
    assert login(app.test_client(), worker.username).status_code == 200  # refused
    client.post(f"/staff/{worker.id}/active", data={"active": "1"})
    assert login(app.test_client(), worker.username).status_code == 302
    actions = audit_actions(subject_id=worker.id, subject_type="staff")
    assert [a for a in actions if a.startswith("account.")] == [
        "account.deactivated", "account.reactivated"
    ]


def test_password_reset_ends_sessions_and_gives_a_new_enrolment_code(client, login_as, app):
    centre = make_centre()
    login_as(Role.MANAGER, centre=centre)
    worker = make_staff(Role.FRONT_DESK, centre=centre)
    their_device = app.test_client()
    login(their_device, worker.username)
    response = client.post(f"/staff/{worker.id}/reset-password")
    code = enrolment_code(response.text)
    assert their_device.get("/").status_code == 302
    assert login(app.test_client(), worker.username, PASSWORD).status_code == 200  # old refused
    fresh = app.test_client()
    assert enrol(fresh, worker.username, code, "a new password of mine").status_code == 302
    assert fresh.get("/").status_code == 200
    assert "account.password_reset" in audit_actions(subject_id=worker.id)


def test_manager_cannot_deactivate_or_demote_themself(client, login_as):
    manager = login_as(Role.MANAGER)
    client.post(f"/staff/{manager.id}/active", data={"active": "0"})
    client.post(f"/staff/{manager.id}", data={"role": "front_desk", "agency_id": 0})
    db.session.refresh(manager)
    assert manager.is_active_account and manager.role == Role.MANAGER


def test_admin_creates_a_manager_for_any_centre(client, login_as):
    login_as(Role.ADMIN)
    centre = make_centre()
    response = client.post(
        "/staff/new",
        data={"username": "boss", "display_name": "센터장", "role": "manager",
              "centre_id": centre.id, "agency_id": 0},
    )
    assert response.status_code == 200
    boss = db.session.scalar(sa.select(Staff).where(Staff.username == "boss"))
    assert (boss.role, boss.centre_id) == (Role.MANAGER, centre.id)


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.CASEWORKER])
def test_staff_pages_are_forbidden_and_hidden_for_other_roles(client, login_as, role):
    login_as(role)
    assert client.get("/staff").status_code == 403
    assert client.get("/centres").status_code == 403
    assert client.get("/audit").status_code == 403
    home = client.get("/").text
    assert "직원 관리" not in home and 'href="/staff"' not in home


def test_manager_navigation_shows_staff_and_audit(client, login_as):
    login_as(Role.MANAGER)
    home = client.get("/").text
    assert 'href="/staff"' in home and 'href="/audit"' in home and 'href="/centres"' in home
