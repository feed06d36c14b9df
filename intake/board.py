"""The lobby waiting board: a TV page reached by a token URL, no staff login, no names."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_login import current_user

from centers.models import Centre
from core.extensions import db
from core.forms import EmptyForm
from core.roles import Role, roles_required
from intake import services

bp = Blueprint("board", __name__)


def _centre_with_token(code: str) -> Centre:
    """:raise 404: unknown centre or wrong token (no hint which of the two)."""
    centre = db.session.scalar(sa.select(Centre).where(Centre.code == code))
    if centre is None or not services.board_token_valid(centre, request.args.get("token")):
        abort(404)
    return centre


@bp.get("/board/<code>")
def show(code: str):
    centre = _centre_with_token(code)
    return render_template(
        "intake/board.html", centre=centre,
        feed_url=url_for("board.feed", code=code, token=request.args["token"]),
        snapshot=services.board_snapshot(centre),
    )


@bp.get("/board/<code>/now.json")
def feed(code: str):
    centre = _centre_with_token(code)
    response = jsonify(services.board_snapshot(centre))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/intake/board", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def settings():
    """The manager issues (or replaces) the TV's URL; it is shown once."""
    centre = current_user.centre
    form = EmptyForm()
    url = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        token = services.issue_board_token(current_user._get_current_object(), centre)
        db.session.commit()
        url = url_for("board.show", code=centre.code, token=token, _external=True)
    return render_template("intake/board_settings.html", centre=centre, form=form, url=url)
