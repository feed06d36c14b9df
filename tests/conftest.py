"""Fixtures: a migrated database per test session, a clean one per test, factories.

The suite runs on SQLite by default and on PostgreSQL when ``DATABASE_URL`` points at it,
e.g. ``DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test pytest``.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from centers.models import AgencyKind
from core.extensions import db
from core.roles import Role
from core.settings import _normalise_db_url
from factories import app_config, login, make_agency, make_centre, make_staff

# Tables filled by migrations (reference vocabularies): kept between tests.
REFERENCE_TABLES = {"alembic_version", "customer_types", "public_holidays"}


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return _normalise_db_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def reset_schema(url: str) -> None:
    """Leave an empty database, so the session starts from ``upgrade`` on nothing."""
    if url.startswith("sqlite"):
        return
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def db_url(tmp_path_factory):
    url = database_url(tmp_path_factory)
    reset_schema(url)
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def app_settings():
    """Override in a test module (or with ``@pytest.mark.parametrize``) to change settings."""
    return {}


class RequestIsolatingClient(FlaskClient):
    """Each request gets its own app context, as in production.

    The test body keeps an app context for its factories; without this, requests would reuse
    it and share ``g`` (Flask-Login's cached user) and the test's database session.
    Afterwards the test's session is expired so it reads what the request committed.
    """

    _following = False

    def open(self, *args, **kwargs):
        if self._following:
            # Werkzeug follows a redirect from inside the first request's context: that
            # request is over, so its session ends as a real request's would.
            db.session.remove()
            return self._open_in_own_context(*args, **kwargs)
        self._following = True
        try:
            response = self._open_in_own_context(*args, **kwargs)
        finally:
            self._following = False
        if has_app_context():  # not in a helper thread of a concurrency test
            db.session.expire_all()
        return response

    def _open_in_own_context(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def app(db_url, app_settings):
    """Every test runs inside a fresh app on an emptied database."""
    app = create_app(app_config(db_url, **app_settings))
    app.test_client_class = RequestIsolatingClient
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _empty_tables() -> None:
    """Empty every table; the access log's append-only triggers are set aside meanwhile."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
            triggers = []
        else:
            triggers = connection.execute(sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
            for name, _sql in triggers:
                connection.execute(sa.text(f'DROP TRIGGER "{name}"'))
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                connection.execute(table.delete())
        for _name, sql in triggers:
            connection.execute(sa.text(sql))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login_as(client):
    """``login_as(Role.MANAGER, centre=...)`` makes that staff member and signs them in."""

    def _login_as(role: Role, **kw):
        staff = make_staff(role, **kw)
        response = login(client, staff.username)
        assert response.status_code == 302, response.text
        return staff

    return _login_as


@pytest.fixture
def centre():
    """The 남양주 centre of most tests: the employment desk (고용센터, 1번 창구) and the welfare
    desk (복지지원팀, 7번 창구). A module that needs more extends it with a fixture of the same
    name taking ``centre`` (an add-on agency, the consent texts)."""
    centre = make_centre(code="namyangju")
    make_agency(centre, AgencyKind.EMPLOYMENT, name="고용센터", desk_location="1번 창구")
    make_agency(centre, AgencyKind.WELFARE, name="복지지원팀", desk_location="7번 창구")
    return centre
