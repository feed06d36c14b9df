"""Who is calling: a staff member's API token in ``Authorization: Bearer …``, nothing else.

Every resource blueprint is made by :func:`blueprint`, which authenticates each request
before its view runs (401 otherwise) and exempts it from the CSRF check: a bearer token is
not sent by the browser on its own, so a forged cross-site request cannot carry it. The
session cookie is not even read under ``/api/`` (see :mod:`core.sessions`), so a signed-in
browser gets 401 here too.
"""

from __future__ import annotations

from collections.abc import Collection

from flask import g, request
from flask_smorest import Blueprint

from api.errors import Problem
from centers import tokens
from centers.models import Staff
from core.extensions import csrf, db
from core.roles import Role

SECURITY_SCHEME = "bearerAuth"


def blueprint(name: str, import_name: str, description: str) -> Blueprint:
    """A resource's blueprint: token-authenticated, CSRF-exempt, documented as such."""
    blp = Blueprint(name, import_name, description=description)
    blp.before_request(authenticate)
    csrf.exempt(blp)
    return blp


def authenticate() -> None:
    """:raise 401: no bearer token, or one that is unknown, expired, revoked or whose account
    is deactivated (the same answer for each, so a guess learns nothing)."""
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Problem("unauthorized", headers={"WWW-Authenticate": 'Bearer realm="hanjari"'})
    found = tokens.authenticate(secret.strip())
    if found is None:
        raise Problem(
            "unauthorized", "API 토큰이 없거나 만료·폐기되었습니다. 새 토큰을 만드세요.",
            headers={"WWW-Authenticate": 'Bearer realm="hanjari", error="invalid_token"'},
        )
    staff, token = found
    db.session.commit()  # the token's last use, kept even if the request is then refused
    g.api_staff, g.api_token = staff, token
    g.audit_via = f"api:{token.prefix}"


def current_staff(roles: Collection[Role] | None = None) -> Staff:
    """The caller; with ``roles``, one of them.

    :raise 403: the caller's role may not use this endpoint.
    """
    staff: Staff = g.api_staff
    if roles is not None and staff.role not in roles:
        raise Problem("forbidden", "이 역할로는 쓸 수 없는 기능입니다.")
    return staff
