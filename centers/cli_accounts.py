"""Accounts from the command line: ``create-admin`` (the first way into a new installation) and
``create-staff`` (scripted roll-outs).

Both go through :func:`centers.accounts.create_staff`, so the same rules and the same audit
event apply as on the staff page. The command line acts with an administrator's authority and
is recorded as the actor ``cli`` (no staff id): whoever can run it already holds the server.
"""

from __future__ import annotations

import re
import sys

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from centers import accounts, enrolment
from centers.models import Agency, Centre, Staff
from core.clock import SEOUL
from core.extensions import db
from core.roles import Role
from core.types import utcnow

# The rule of the staff page's form (centers.forms.StaffForm.username).
USERNAME = re.compile(r"[a-z0-9._-]{3,64}")
STAFF_ROLES = (Role.FRONT_DESK, Role.CASEWORKER, Role.MANAGER)


def init_app(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(create_staff)


def _command_line_actor() -> Staff:
    """Who the audit trail names for a command: never stored, only its name is."""
    return Staff(username="cli", display_name="명령줄", role=Role.ADMIN)


def _read_password(username: str, from_stdin: bool) -> str:
    """The new password, from one line of stdin or typed twice on the terminal.

    :raise click.ClickException: it breaks the password policy (each problem on its own line).
    """
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("비밀번호", hide_input=True, confirmation_prompt="비밀번호 확인")
    problems = accounts.password_problems(password, username)
    if problems:
        raise click.ClickException("\n".join(problems))
    return password


def _check_username(username: str) -> str:
    username = username.strip()
    if not USERNAME.fullmatch(username):
        raise click.ClickException("아이디는 3~64자의 영문 소문자, 숫자, . _ - 로 씁니다.")
    if db.session.scalar(sa.select(Staff.id).where(Staff.username == username)):
        raise click.ClickException(f"아이디 {username}은(는) 이미 있습니다.")
    return username


def _create(username: str, display_name: str, role: Role, centre: Centre | None,
            agency: Agency | None) -> tuple[Staff, enrolment.NewCode]:
    try:
        return accounts.create_staff(
            _command_line_actor(), username=username, display_name=display_name, role=role,
            centre_id=centre.id if centre else None, agency=agency)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None


@click.command("create-admin")
@click.argument("username")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from one line of stdin instead of asking twice.")
@click.option("--display-name", default="시스템 관리자", show_default=True,
              help="The name shown in the app and the audit log.")
@with_appcontext
def create_admin(username: str, password_stdin: bool, display_name: str) -> None:
    """Create an administrator (national: centres, agencies, catalogue, staff).

    On a new installation this is the first account; sign in with it and make the centres
    and their managers on the pages.
    """
    username = _check_username(username)
    password = _read_password(username, password_stdin)
    staff, _code = _create(username, display_name, Role.ADMIN, None, None)
    # The administrator chose this password just now: no change forced at the first sign-in.
    enrolment.void_codes(staff)
    staff.password_hash = accounts.hash_password(password)
    staff.password_changed_at = utcnow()
    staff.must_change_password = False
    db.session.commit()
    click.echo(f"관리자 {staff.display_name} ({staff.username}) 계정을 만들었습니다. 이 아이디로 "
               "로그인하세요.")


@click.command("create-staff")
@click.argument("username")
@click.option("--centre", "centre_code", required=True, help="The centre's code, e.g. namyangju.")
@click.option("--role", "role_name", required=True,
              type=click.Choice([role.value for role in STAFF_ROLES]))
@click.option("--agency", "agency_ref",
              help="The agency at that centre, by id or by name (caseworkers need one).")
@click.option("--display-name", help="The name shown in the app (default: USERNAME).")
@click.option("--password-stdin", is_flag=True,
              help="Read the first password from one line of stdin instead of generating one.")
@with_appcontext
def create_staff(username: str, centre_code: str, role_name: str, agency_ref: str | None,
                 display_name: str | None, password_stdin: bool) -> None:
    """Create a staff account at a centre.

    Without --password-stdin a one-time enrolment code is printed once, alone on the last
    line: the staff member sets their own password with it at /enrol (nobody else learns
    it). With --password-stdin that password must be changed at the first sign-in.
    """
    username = _check_username(username)
    centre = db.session.scalar(sa.select(Centre).where(Centre.code == centre_code.strip()))
    if centre is None:
        raise click.ClickException(f"코드가 {centre_code}인 센터가 없습니다.")
    agency = _agency(centre, agency_ref) if agency_ref else None
    password = _read_password(username, True) if password_stdin else None
    staff, code = _create(username, display_name or username, Role(role_name), centre, agency)
    if password is not None:
        enrolment.void_codes(staff)
        staff.password_hash = accounts.hash_password(password)
    db.session.commit()
    where = f"{centre.name}" + (f" · {agency.name}" if agency else "")
    click.echo(f"{staff.username} ({staff.role.label}, {where}) 계정을 만들었습니다.")
    if password is None:
        expires = code.expires_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")
        click.echo(f"직원 본인이 /enrol 에서 아이디와 아래 등록 코드로 비밀번호를 정합니다 (한 번만, "
                   f"{expires}까지). 다시 볼 수 없으니 지금 전하세요:")
        click.echo(code.secret)
    else:
        click.echo("첫 로그인 때 비밀번호를 바꿔야 합니다.")


def _agency(centre: Centre, reference: str) -> Agency:
    """The agency ``reference`` names, by id or by its name at ``centre``.

    An id of another centre's agency is returned as it is, for the service to refuse.
    """
    reference = reference.strip()
    if reference.isdigit():
        found = [agency] if (agency := db.session.get(Agency, int(reference))) else []
    else:
        found = list(db.session.scalars(sa.select(Agency).where(
            Agency.centre_id == centre.id, Agency.name == reference)))
    if len(found) != 1:
        names = ", ".join(f"{a.id} {a.name}" for a in centre.agencies) or "없음"
        problem = "이름이 같은 기관이 여럿 있으니 번호로 고르세요" if found else "없습니다"
        raise click.ClickException(f"{centre.name}에 {reference} 기관이 {problem}. 이 센터의 기관: "
                                   f"{names}.")
    return found[0]
