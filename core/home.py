"""The start page each role lands on, and the health check."""

from flask import Blueprint, jsonify, render_template
from flask_login import login_required

from core.database import database_is_reachable

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    return render_template("home/index.html")


@bp.get("/healthz")
def health():
    """For load balancers and monitoring: no login, nothing disclosed beyond up or down."""
    if database_is_reachable():
        return jsonify(status="ok", db="ok")
    return jsonify(status="error", db="error"), 503
