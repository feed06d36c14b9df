"""A database error must not carry personal data into the server log.

The failures are real database errors: a trigger refuses the insert (and, on PostgreSQL,
quotes the value in its DETAIL line the way a unique-key violation does).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.roles import Role
from factories import make_case, make_client, make_consent_documents

SECRET_NAME = "비밀로하나"
SECRET_PHONE = "010-9876-5432"
SECRET_NOTE = "가정폭력 피해로 쉼터 입소 상담"


def refuse_inserts_into(table: str, column: str):
    """A trigger that makes every insert into ``table`` fail inside the database."""
    if db.engine.dialect.name == "postgresql":
        statements = [
            f"""CREATE FUNCTION refuse_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'refused by the test trigger'
                      USING DETAIL = 'Key ({column})=(' || NEW.{column} || ') already exists.';
                END $$""",
            f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION refuse_{table}()",
        ]
        undo = [f"DROP TRIGGER refuse_{table} ON {table}", f"DROP FUNCTION refuse_{table}()"]
    else:
        statements = [f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                      "BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END"]
        undo = [f"DROP TRIGGER refuse_{table}"]
    with db.engine.begin() as connection:
        for statement in statements:
            connection.execute(sa.text(statement))
    return undo


@pytest.fixture
def refused():
    undo_all = []

    def _refuse(table: str, column: str) -> None:
        undo_all.extend(refuse_inserts_into(table, column))

    yield _refuse
    with db.engine.begin() as connection:
        for statement in undo_all:
            connection.execute(sa.text(statement))


@pytest.fixture
def centre(centre):
    make_consent_documents(centre)
    return centre


def test_a_failed_registration_logs_no_name_phone_or_birth_date(client, login_as, centre, refused,
                                                                capfd):
    login_as(Role.FRONT_DESK, centre=centre)
    refused("clients", "name")
    response = client.post("/intake/people/new", data={
        "name": SECRET_NAME, "birth_date": "1977-07-17", "sex": "F", "phone": SECRET_PHONE,
        "address_sigungu": "남양주시", "household_size": "1", "collection_consent": "y",
        "consent_method": "written"})
    assert response.status_code == 500
    log = capfd.readouterr().err
    assert "unhandled error on POST /intake/people/new" in log
    assert "refused by the test trigger" in log  # the error itself is still there to debug
    for secret in (SECRET_NAME, "1977-07-17", SECRET_PHONE, "01098765432"):
        assert secret not in log


def test_a_failed_confidential_note_logs_no_text(client, centre, refused, capfd):
    from factories import login

    person = make_client(centre)
    case = make_case(person, centre.agencies[0])
    login(client, case.caseworker.username)
    refused("case_notes", "body")
    response = client.post(f"/cases/{case.id}/notes", data={
        "kind": "counselling", "body": SECRET_NOTE, "is_confidential": "y"})
    assert response.status_code == 500
    log = capfd.readouterr().err
    assert "refused by the test trigger" in log
    assert SECRET_NOTE not in log
