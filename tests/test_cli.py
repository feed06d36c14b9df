"""``flask seed-demo``: the demo centres and staff, and its refusal on a non-empty database.

These use ``--no-activity`` (the centres, staff and service list only); the months of
activity are tested, seeded once, in ``test_demo.py``.
"""

import sqlalchemy as sa

from centers.models import Addon, AgencyKind, Centre, Staff
from core.extensions import db
from core.roles import Role
from factories import login, make_centre

DEMO_USERS = {"admin", "manager", "desk", "jobs", "jobs2", "welfare", "welfare2", "jahwal", "saeil",
              "finance", "culture", "suwon-desk", "suwon-jobs", "suwon-welfare"}


def test_seed_demo_fills_an_empty_database(runner, client):
    result = runner.invoke(args=["seed-demo", "--no-activity"])
    assert result.exit_code == 0, result.output
    staff = {s.username: s for s in db.session.scalars(sa.select(Staff))}
    assert set(staff) == DEMO_USERS
    namyangju = db.session.scalar(sa.select(Centre).where(Centre.code == "namyangju"))
    assert namyangju.addons == {Addon.CULTURE}
    assert {a.kind for a in namyangju.agencies} >= {
        AgencyKind.EMPLOYMENT, AgencyKind.WELFARE, AgencyKind.SELF_SUPPORT, AgencyKind.WOMEN,
        AgencyKind.FINANCE,
    }
    assert staff["jobs"].agency.kind == AgencyKind.EMPLOYMENT
    assert staff["welfare"].agency.kind == AgencyKind.WELFARE
    assert staff["jahwal"].agency.kind == AgencyKind.SELF_SUPPORT
    assert staff["suwon-desk"].centre.code == "suwon"
    assert staff["admin"].role == Role.ADMIN and staff["admin"].centre_id is None
    # Demo accounts sign in with the documented password and are not forced to change it.
    assert login(client, "manager", "demo-pass-2026").status_code == 302
    assert client.get("/staff").status_code == 200


def test_seed_demo_refuses_a_database_with_data(runner):
    make_centre()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "비어 있지 않아" in result.output and "--force" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Staff)) == 0


def test_seed_demo_force_and_if_empty(runner):
    make_centre()
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Staff)) == 0
    assert runner.invoke(args=["seed-demo", "--force", "--no-activity"]).exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Staff)) == len(DEMO_USERS)


def test_seed_demo_with_own_password(runner, client):
    result = runner.invoke(args=["seed-demo", "--no-activity", "--password", "another long demo pass"])
    assert result.exit_code == 0
    assert login(client, "desk", "another long demo pass").status_code == 302


def test_seed_demo_refuses_a_weak_password(runner):
    result = runner.invoke(args=["seed-demo", "--password", "short"])
    assert result.exit_code != 0 and "10자 이상" in result.output


def test_seed_demo_fills_each_centres_service_list_so_intake_can_suggest(runner):
    from catalogue.models import CentreService, Service

    assert runner.invoke(args=["seed-demo", "--no-activity"]).exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Service)) == 40
    namyangju = db.session.scalar(sa.select(Centre).where(Centre.code == "namyangju"))
    listed = db.session.scalars(sa.select(CentreService).where(
        CentreService.centre_id == namyangju.id)).all()
    assert listed and all(offer.agency.centre_id == namyangju.id for offer in listed)
    assert {offer.agency.kind.domain for offer in listed} <= {
        a.kind.domain for a in namyangju.agencies}
