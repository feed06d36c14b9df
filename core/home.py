"""The start page each role lands on, and the health check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, jsonify, render_template
from flask_login import login_required

from core.database import database_is_reachable
from core.hooks import Hook
from core.views import current_staff

bp = Blueprint("home", __name__)


@dataclass(frozen=True)
class Notice:
    """Something the signed-in staff member must act on, shown on top of the start page."""

    text: str
    url: str
    level: str = "warning"  # an alert colour: info, warning or danger (hanjari.css)


# Features add what their users must see first (outreach: visits not checked out in time).
home_notices: Hook[Callable[[object], list[Notice]]] = Hook("core.home_notices")


@bp.get("/")
@login_required
def index():
    actor = current_staff()
    notices = [notice for function in home_notices.functions() for notice in function(actor)]
    return render_template("home/index.html", notices=notices)


@bp.get("/healthz")
def health():
    """For load balancers and monitoring: no login, nothing disclosed beyond up or down."""
    if database_is_reachable():
        return jsonify(status="ok", db="ok")
    return jsonify(status="error", db="error"), 503
