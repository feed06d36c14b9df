"""The lobby waiting board: a TV page, no staff login, no names.

The board's secret never travels in a URL the server sees: the manager's address carries it
in the ``#fragment`` (which browsers keep to themselves), and the page's script sends it in
the ``X-Board-Token`` header of each feed request. So it is in no access log, no Referer and
no proxy cache; and it expires after ``BOARD_TOKEN_DAYS``.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_login import current_user

from centers.models import Centre
from core.extensions import db
from core.forms import EmptyForm
from core.roles import Role, roles_required
from intake import waiting_board

bp = Blueprint("board", __name__)


TOKEN_HEADER = "X-Board-Token"


def _centre_or_404(code: str) -> Centre:
    centre = db.session.scalar(sa.select(Centre).where(Centre.code == code))
    if centre is None:
        abort(404)
    return centre


@bp.get("/board/<code>")
def show(code: str):
    """The page itself shows nothing of the centre's day: its script asks the feed."""
    return render_template("intake/board.html", centre=_centre_or_404(code))


@bp.get("/board/<code>/now.json")
def feed(code: str):
    """:raise 404: unknown centre, or a missing, wrong or expired token (no hint which)."""
    centre = _centre_or_404(code)
    if not waiting_board.board_token_valid(centre, request.headers.get(TOKEN_HEADER)):
        abort(404)
    response = jsonify(waiting_board.board_snapshot(centre))
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
        token = waiting_board.issue_board_token(current_user._get_current_object(), centre)
        db.session.commit()
        url = url_for("board.show", code=centre.code, _external=True) + "#" + token
    return render_template("intake/board_settings.html", centre=centre, form=form, url=url)
