"""``create-admin`` (the first way into an empty installation) and ``create-staff`` (scripted
roll-outs): the password policy, the placement rules and the audit trail of the staff page."""

import sqlalchemy as sa

from centers.models import AgencyKind, Staff
from core.audit import AuditEvent
from core.extensions import db
from core.roles import Role
from factories import enrol, login, make_agency, make_centre, make_staff

PASSWORD = "a long admin passphrase"


def staff_named(username: str) -> Staff | None:
    return db.session.scalar(sa.select(Staff).where(Staff.username == username))


def test_create_admin_on_an_empty_database_then_sign_in(runner, client):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Staff)) == 0
    result = runner.invoke(args=["create-admin", "chief", "--password-stdin"],
                           input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    admin = staff_named("chief")
    assert admin.role == Role.ADMIN and admin.centre_id is None
    assert admin.display_name == "시스템 관리자" and not admin.must_change_password
    assert PASSWORD not in admin.password_hash
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.created"))
    assert (event.staff_id, event.username) == (None, "cli")
    assert (event.subject_type, event.subject_id) == ("staff", admin.id)
    # Signed in, straight to work: no forced change of the password just chosen.
    assert login(client, "chief", PASSWORD).status_code == 302
    assert client.get("/centres").status_code == 200


def test_create_admin_asks_twice_on_a_terminal(runner):
    result = runner.invoke(args=["create-admin", "chief", "--display-name", "김관리"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "비밀번호 확인" in result.output and PASSWORD not in result.output
    assert staff_named("chief").display_name == "김관리"


def test_create_admin_refuses_two_different_entries(runner):
    result = runner.invoke(args=["create-admin", "chief"], input=f"{PASSWORD}\nanother one\n")
    assert result.exit_code != 0
    assert staff_named("chief") is None


def test_create_admin_applies_the_password_policy_one_problem_a_line(runner):
    result = runner.invoke(args=["create-admin", "password", "--password-stdin"],
                           input="password\n")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == ["Error: 비밀번호는 10자 이상이어야 합니다.",
                     "아이디와 같은 비밀번호는 쓸 수 없습니다.",
                     "너무 흔한 비밀번호입니다. 다른 비밀번호를 고르세요."]
    assert staff_named("password") is None


def test_create_admin_refuses_an_existing_username_and_a_bad_one(runner):
    make_staff(Role.MANAGER, username="chief")
    taken = runner.invoke(args=["create-admin", "chief", "--password-stdin"], input=PASSWORD)
    assert taken.exit_code == 1 and "이미 있습니다" in taken.output
    assert staff_named("chief").role == Role.MANAGER
    bad = runner.invoke(args=["create-admin", "Chief Admin", "--password-stdin"], input=PASSWORD)
    assert bad.exit_code == 1 and "영문 소문자" in bad.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_create_staff_prints_an_enrolment_code_for_the_staff_member(runner, client):
    centre = make_centre(code="namyangju")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT, name="남양주고용센터")
    result = runner.invoke(args=["create-staff", "kim", "--centre", "namyangju", "--role",
                                 "caseworker", "--agency", "남양주고용센터",
                                 "--display-name", "김상담"])
    assert result.exit_code == 0, result.output
    kim = staff_named("kim")
    assert (kim.role, kim.centre_id, kim.agency_id) == (Role.CASEWORKER, centre.id, jobs.id)
    assert kim.must_change_password and kim.display_name == "김상담"
    code = result.output.strip().splitlines()[-1]
    assert login(client, "kim", code).status_code == 200  # a code, not a password
    assert enrol(client, "kim", code, PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.subject_id == kim.id))
    assert (event.action, event.username, event.centre_id) == ("account.created", "cli", centre.id)


def test_create_staff_with_a_password_from_stdin_still_changes_it_first(runner, client):
    centre = make_centre(code="suwon")
    result = runner.invoke(args=["create-staff", "desk1", "--centre", "suwon", "--role",
                                 "front_desk", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    desk = staff_named("desk1")
    assert desk.centre_id == centre.id and desk.agency_id is None and desk.must_change_password
    assert login(client, "desk1", PASSWORD).status_code == 302
    assert client.get("/").location.endswith("/account/password")


def test_create_staff_checks_centre_agency_and_role(runner):
    centre = make_centre(code="namyangju")
    other = make_agency(make_centre(code="suwon"), AgencyKind.WELFARE, name="수원시 복지지원팀")
    make_agency(centre, AgencyKind.WELFARE, name="남양주시 복지지원팀")
    cases = {
        ("--centre", "nowhere", "--role", "manager"): "코드가 nowhere인 센터가 없습니다.",
        ("--centre", "namyangju", "--role", "caseworker"): "사례관리자는 소속 기관이 있어야 합니다.",
        ("--centre", "namyangju", "--role", "caseworker", "--agency", str(other.id)):
            "선택한 기관은 이 센터에 속하지 않습니다.",
        ("--centre", "namyangju", "--role", "caseworker", "--agency", "수원시 복지지원팀"):
            "남양주시 복지지원팀",  # the centre's agencies are listed to choose from
    }
    for options, message in cases.items():
        result = runner.invoke(args=["create-staff", "lee", *options])
        assert result.exit_code == 1 and message in result.output, (options, result.output)
    admin = runner.invoke(args=["create-staff", "lee", "--centre", "namyangju", "--role", "admin"])
    assert admin.exit_code == 2 and "admin" in admin.output
    assert staff_named("lee") is None
