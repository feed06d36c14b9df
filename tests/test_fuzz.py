"""Fuzzing every form POST and every API body as a manager and as a front desk (issue 14,
point 6): no answer is a 5xx, and a refused request (4xx) writes nothing but its audit trail.

Hypothesis draws the endpoint (every POST rule of the URL map, every API write), the values
of its URL converters (ids that exist, ids that do not, odd text) and a body built from the
field names the app's forms and API schemas use, with values from empty to hostile (NUL,
control characters, very long text, huge numbers, nested JSON). It runs derandomized (a
fixed seed) with a bounded number of examples, so CI takes well under a minute; a longer
exploring run: ``HANJARI_FUZZ_EXAMPLES=5000 HANJARI_FUZZ_SEED=random pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import os
import re

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema
from test_crawl import build_world

from core.extensions import db
from factories import bearer, login, make_token

EXAMPLES = int(os.environ.get("HANJARI_FUZZ_EXAMPLES", "100"))
RANDOM = os.environ.get("HANJARI_FUZZ_SEED") == "random"
# Ending one's own session would only stop the fuzzing, not find anything.
SKIPPED = {"auth.logout", "auth.login", "static"}
# Refused requests may still record that they happened (and count towards throttles).
TRAIL = {"audit_events", "throttles", "notifications", "enrolment_codes"}
ODD_TEXT = ["", " ", "0", "-1", "1", "2147483648", "99999999999999999999", "1e309", "NaN",
            "x" * 3000, "<script>alert(1)</script>", "' OR 1=1 --", "%00", "\x00", "\u202e",
            "=HYPERLINK(\"http://x\")", "2026-13-45", "2026-11-01", "010-1234-5678",
            "900101-1234567", "홍길동", "ㅎㄱㄷ", "../../etc/passwd", "true", "null"]


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _form_field_names() -> list[str]:
    import cases.forms  # noqa: F401  (the app's forms, so that every subclass is known)
    import catalogue.forms  # noqa: F401
    import centers.forms  # noqa: F401
    import intake.forms  # noqa: F401
    import referrals.forms  # noqa: F401

    names = set()
    for form in _subclasses(FlaskForm):
        names |= {name for name in dir(form) if not name.startswith("_")
                  and hasattr(getattr(form, name), "field_class")}
    return sorted(names)


def _schema_field_names() -> list[str]:
    import importlib
    import pkgutil

    import api.schemas

    for module in pkgutil.iter_modules(api.schemas.__path__, "api.schemas."):
        importlib.import_module(module.name)

    return sorted({name for schema in _subclasses(Schema)
                   if schema.__module__.startswith("api")
                   for name in schema._declared_fields})


text_values = st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=40),
                        st.integers(-(2**70), 2**70).map(str))
json_leaves = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                        st.floats(allow_nan=False), st.sampled_from(ODD_TEXT), st.text(max_size=30))
json_values = st.recursive(json_leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)),
    max_leaves=8)


def _rules(app, api: bool):
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED:
            continue
        is_api = rule.rule.startswith("/api/")
        methods = {"POST", "PUT", "PATCH", "DELETE"} & rule.methods
        if methods and is_api == api:
            rules.extend((rule, method) for method in sorted(methods))
    return sorted(rules, key=lambda pair: (pair[0].rule, pair[1]))


def _path_value(converter, draw) -> str:
    kind = type(converter).__name__
    if "Int" in kind:
        return str(draw(st.one_of(st.integers(1, 60), st.integers(0, 2**40))))
    if kind == "AnyConverter":
        return draw(st.sampled_from(re.findall(r"[\w-]+", converter.regex)))
    if kind == "MonthConverter":
        return draw(st.sampled_from(["2026-11", "2026-12", "1999-01", "2026-13"]))
    return draw(st.sampled_from(["namyangju", "suwon", "nowhere", "x" * 40]))


def _url(rule, draw) -> str:
    values = {name: _path_value(rule._converters[name], draw) for name in rule.arguments}
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: values[m.group(1)], rule.rule)


def _counts(tables) -> dict[str, int]:
    with db.engine.connect() as connection:
        return {t.name: connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in tables}


def _check(response, method: str, url: str, before: dict, tables) -> None:
    assert response.status_code < 500, f"{method} {url} → {response.status_code}"
    if 400 <= response.status_code < 500:
        after = _counts(tables)
        changed = {name for name in before if before[name] != after[name]}
        assert not changed, f"{method} {url} → {response.status_code} changed {changed}"


def _fuzz_settings():
    return settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not RANDOM,
                    suppress_health_check=list(HealthCheck), print_blob=True)


@pytest.fixture
def world(app):
    world = build_world()
    tables = [t for t in db.metadata.sorted_tables if t.name not in TRAIL]
    return world, tables


@pytest.mark.parametrize("role", ["manager", "desk"])
def test_no_form_post_answers_5xx_or_writes_when_refused(app, world, role):
    world, tables = world
    client = app.test_client()
    assert login(client, world.usernames[role]).status_code == 302
    rules, fields = _rules(app, api=False), _form_field_names()

    @_fuzz_settings()
    @given(st.data())
    def post_something(data):
        rule, method = data.draw(st.sampled_from(rules), label="rule")
        url = _url(rule, data.draw)
        body = data.draw(st.dictionaries(st.sampled_from(fields), text_values, max_size=8),
                         label="body")
        before = _counts(tables)
        response = client.open(url, method=method, data=body)
        _check(response, method, url, before, tables)
        if "/login" in response.headers.get("Location", ""):
            login(client, world.usernames[role])  # a password change ended the session

    post_something()


@pytest.mark.parametrize("role", ["manager", "desk"])
def test_no_api_body_answers_5xx_or_writes_when_refused(app, client, world, role):
    world, tables = world
    from centers.models import Staff

    staff = db.session.scalar(sa.select(Staff).where(Staff.username == world.usernames[role]))
    headers = bearer(make_token(staff))
    rules, fields = _rules(app, api=True), _schema_field_names()

    @_fuzz_settings()
    @given(st.data())
    def send_something(data):
        rule, method = data.draw(st.sampled_from(rules), label="rule")
        url = _url(rule, data.draw)
        body = data.draw(st.one_of(
            st.dictionaries(st.sampled_from(fields), json_values, max_size=8), json_values),
            label="body")
        extra = data.draw(st.sampled_from([{}, {"If-Match": 'W/"1"'}, {"If-Match": "junk"}]))
        before = _counts(tables)
        response = client.open(url, method=method, json=body, headers=headers | extra)
        _check(response, method, url, before, tables)

    send_something()
