"""Commands: ``seed-demo`` (the demo centres and staff) and ``create-token`` (an API token for a
staff member); ``create-admin`` and ``create-staff`` are in :mod:`centers.cli_accounts`."""

from __future__ import annotations

from datetime import date

import click
import sqlalchemy as sa
from flask import Flask
from tqdm import tqdm

from centers import cli_accounts, tokens
from centers.accounts import AccountError, hash_password, password_problems
from centers.models import Addon, Agency, AgencyKind, Centre, CentreAddon, Staff
from core import audit
from core.demo import DemoRun, demo_seeders
from core.extensions import db
from core.holidays import holiday_days
from core.roles import Role
from core.types import utcnow

DEMO_PASSWORD = "demo-pass-2026"
DEMO_SEED = 2013  # the year the first centre opened, in Namyangju

DEMO_CENTRES = [
    {
        "code": "namyangju", "name": "남양주 고용복지+센터", "sido": "경기도", "sigungu": "남양주시",
        "address": "경기도 남양주시 경춘로 1037", "phone": "031-000-0000",
        "opened_on": date(2013, 8, 26), "is_pilot": True, "addons": [Addon.CULTURE],
        "agencies": [
            (AgencyKind.EMPLOYMENT, "남양주고용센터", "1층 1~6번 창구"),
            (AgencyKind.WELFARE, "남양주시 복지지원팀", "1층 7~9번 창구"),
            (AgencyKind.SELF_SUPPORT, "남양주지역자활센터", "2층 상담실"),
            (AgencyKind.WOMEN, "남양주여성새로일하기센터", "2층 3번 창구"),
            (AgencyKind.FINANCE, "서민금융 상담창구", "1층 10번 창구"),
            (AgencyKind.CULTURE, "문화누리 안내창구", "1층 안내데스크 옆"),
        ],
        "staff": [
            ("manager", "김센터", Role.MANAGER, None),
            ("desk", "이안내", Role.FRONT_DESK, None),
            ("jobs", "박고용", Role.CASEWORKER, AgencyKind.EMPLOYMENT),
            ("jobs2", "임취업", Role.CASEWORKER, AgencyKind.EMPLOYMENT),
            ("welfare", "최복지", Role.CASEWORKER, AgencyKind.WELFARE),
            ("welfare2", "강돌봄", Role.CASEWORKER, AgencyKind.WELFARE),
            ("jahwal", "정자활", Role.CASEWORKER, AgencyKind.SELF_SUPPORT),
            ("saeil", "윤새일", Role.CASEWORKER, AgencyKind.WOMEN),
            ("finance", "서금융", Role.CASEWORKER, AgencyKind.FINANCE),
            ("culture", "문누리", Role.CASEWORKER, AgencyKind.CULTURE),
        ],
    },
    {
        "code": "suwon", "name": "수원 고용복지+센터", "sido": "경기도", "sigungu": "수원시",
        "address": "경기도 수원시 권선구 호매실로 1", "phone": "031-000-0001",
        "opened_on": date(2015, 3, 2), "is_pilot": False, "addons": [],
        "agencies": [
            (AgencyKind.EMPLOYMENT, "수원고용센터", "1층"),
            (AgencyKind.WELFARE, "수원시 복지지원팀", "1층"),
        ],
        "staff": [
            ("suwon-desk", "한수원", Role.FRONT_DESK, None),
            ("suwon-jobs", "송고용", Role.CASEWORKER, AgencyKind.EMPLOYMENT),
            ("suwon-welfare", "배복지", Role.CASEWORKER, AgencyKind.WELFARE),
        ],
    },
]


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_token)
    cli_accounts.init_app(app)


@click.command("seed-demo")
@click.option("--password", default=DEMO_PASSWORD, show_default=True,
              help="Password for every demo account.")
@click.option("--force", is_flag=True, help="Add the demo even if the database has data.")
@click.option("--if-empty", is_flag=True,
              help="Do nothing (and succeed) when the database already has data.")
@click.option("--seed", type=int, default=DEMO_SEED, show_default=True,
              help="Random seed of the demo history: the same seed gives the same history.")
@click.option("--no-activity", is_flag=True,
              help="Only the centres, staff and service list, without the months of activity.")
def seed_demo(password: str, force: bool, if_empty: bool, seed: int, no_activity: bool) -> None:
    """Fill an empty database with the demo centres (namyangju, suwon), their staff and
    three months of activity up to today, made through the same rules as the screens."""
    has_data = db.session.scalar(sa.select(sa.func.count()).select_from(Centre)) or \
        db.session.scalar(sa.select(sa.func.count()).select_from(Staff))
    if has_data and if_empty:
        click.echo("데이터가 이미 있어 데모 데이터를 넣지 않았습니다.")
        return
    if has_data and not force:
        raise click.ClickException(
            "데이터베이스가 비어 있지 않아 데모 데이터를 넣지 않았습니다. "
            "그래도 넣으려면 --force 를 붙이세요."
        )
    if password != DEMO_PASSWORD and password_problems(password, "demo"):
        raise click.ClickException(" ".join(password_problems(password, "demo")))
    password_hash = hash_password(password)  # once: every demo account shares it
    holidays = holiday_days()
    run = DemoRun(seed, utcnow(), holidays, with_activity=not no_activity)
    # The demo centres open on the first morning of their history.
    with run.clock_at(run.start):
        created = _create_admin(password_hash)
        for spec in DEMO_CENTRES:
            created += _create_centre(spec, password_hash, run)
        for seeder in demo_seeders.functions():
            seeder(run)
    with tqdm(total=run.due, unit="건", desc="데모 활동", leave=False) as bar:
        run.play(bar.update)
    audit.record("demo.seeded", detail={"staff": created, "seed": seed,
                                        "activity": not no_activity})
    db.session.commit()
    click.echo(f"데모 데이터를 넣었습니다: 센터 {len(DEMO_CENTRES)}곳, 직원 {len(created)}명 "
               f"({', '.join(created)}).")
    if run.with_activity and run.centres:
        counts = ", ".join(
            f"{label} {db.session.scalar(sa.select(sa.func.count()).select_from(model)):,}"
            for label, model in run.counted)
        click.echo(f"{run.first_day:%Y-%m-%d}부터 오늘까지의 활동: {counts}.")


def _create_admin(password_hash: str) -> list[str]:
    if db.session.scalar(sa.select(Staff.id).where(Staff.username == "admin")):
        return []
    db.session.add(_demo_staff("admin", "관리자", Role.ADMIN, None, None, password_hash))
    return ["admin"]


def _create_centre(spec: dict, password_hash: str, run: DemoRun) -> list[str]:
    """The centre, its agencies and staff; a centre made here gets the run's history."""
    centre = db.session.scalar(sa.select(Centre).where(Centre.code == spec["code"]))
    if centre is None:
        centre = Centre(**{k: v for k, v in spec.items() if k not in ("addons", "agencies", "staff")})
        centre.addon_rows = [CentreAddon(addon=addon) for addon in spec["addons"]]
        centre.agencies = [
            Agency(kind=kind, name=name, desk_location=desk) for kind, name, desk in spec["agencies"]
        ]
        db.session.add(centre)
        db.session.flush()
        run.centres.append(centre)
    by_kind = {agency.kind: agency for agency in centre.agencies}
    created = []
    for username, name, role, kind in spec["staff"]:
        if db.session.scalar(sa.select(Staff.id).where(Staff.username == username)):
            continue
        agency = by_kind.get(kind) if kind else None
        db.session.add(_demo_staff(username, name, role, centre, agency, password_hash))
        created.append(username)
    return created


def _demo_staff(username, name, role, centre, agency, password_hash) -> Staff:
    return Staff(
        username=username, display_name=name, role=role, password_hash=password_hash,
        centre_id=centre.id if centre else None, agency_id=agency.id if agency else None,
        must_change_password=False,
    )


@click.command("create-token")
@click.argument("username")
@click.option("--name", default="명령줄에서 만든 토큰", show_default=True,
              help="What the token is for, shown on the staff page.")
@click.option("--days", type=int, default=None,
              help="Lifetime in days (default: the API_TOKEN_DAYS setting, 90).")
def create_token(username: str, name: str, days: int | None) -> None:
    """Make an API token for USERNAME. The token is printed once, alone on the last line."""
    staff = db.session.scalar(sa.select(Staff).where(Staff.username == username.strip()))
    if staff is None:
        raise click.ClickException(f"아이디가 {username}인 직원이 없습니다.")
    try:
        new = tokens.create_token(staff, staff, name=name, days=days, source="cli")
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"{staff.display_name} ({staff.username}, {staff.role.label}) 님의 API 토큰을 "
               f"만들었습니다. 만료: {new.token.expires_at:%Y-%m-%d}. 다시 볼 수 없으니 지금 복사하세요.")
    click.echo(new.secret)
