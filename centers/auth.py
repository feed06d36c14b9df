"""Sign-in, sign-out, password change and the session rules around them.

Sessions are Flask's signed cookies; what makes them revocable is the per-user
``session_version`` inside the Flask-Login id (see ``Staff.get_id``): logout, deactivation and
a password reset bump it, and every cookie carrying the old number stops working on every
worker at once.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from centers import accounts, enrolment, tokens
from centers.forms import ApiTokenForm, ChangePasswordForm, EnrolForm, LocaleForm, LoginForm
from centers.models import Staff
from core.extensions import db, limiter, login_manager
from core.forms import EmptyForm
from core.types import utcnow

bp = Blueprint("auth", __name__)

# Reachable while a password change is still owed.
_OPEN_WHILE_FORCED = {"auth.change_password", "auth.logout", "auth.enrol", "static",
                      "health"}


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("로그인이 필요합니다.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    app.before_request(_enforce_session_rules)
    app.after_request(enrolment.set_browser_cookie)


@login_manager.user_loader
def load_staff(user_id: str) -> Staff | None:
    """Find the staff member of a session; a stale session version means signed out."""
    staff_id, _sep, version = user_id.partition(":")
    if not staff_id.isdigit() or not version.isdigit():
        return None
    staff = db.session.get(Staff, int(staff_id))
    if staff is None or staff.session_version != int(version) or not staff.is_active_account:
        return None
    return staff


def _enforce_session_rules():
    """Expire idle sessions and hold a forced password change before anything else."""
    if not current_user.is_authenticated:
        return None
    now = utcnow().timestamp()
    idle_limit = current_app.config["IDLE_TIMEOUT_MINUTES"] * 60
    absolute_limit = current_app.config["SESSION_MAX_HOURS"] * 3600
    last_seen = session.get("last_seen", now)
    # A session from before the absolute limit existed has no start: it ends now.
    started = session.get("started", 0)
    if now - last_seen > idle_limit or now - started > absolute_limit:
        logout_user()
        session.clear()
        message = (_("오랫동안 사용하지 않아 로그아웃되었습니다. 다시 로그인하세요.")
                   if now - last_seen > idle_limit else
                   _("로그인한 지 %(h)d시간이 지나 로그아웃되었습니다. 다시 로그인하세요.",
                     h=current_app.config["SESSION_MAX_HOURS"]))
        flash(message, "warning")
        return redirect(url_for("auth.login", next=_local_path(request.full_path)))
    session["last_seen"] = now
    if current_user.must_change_password and request.endpoint not in _OPEN_WHILE_FORCED:
        flash(_("처음 로그인했거나 비밀번호가 초기화되었습니다. 비밀번호를 바꾸세요."), "warning")
        return redirect(url_for("auth.change_password"))
    return None


def _local_path(target: str | None) -> str | None:
    """Only a path on this site may be a ``next`` target (no scheme, host or ``//``)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target.rstrip("?") or "/"


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = accounts.authenticate(form.username.data, form.password.data,
                                       request.remote_addr)
        db.session.commit()
        if result.staff is None:
            flash(result.error, "danger")
            return render_template("auth/login.html", form=form), 200
        _start_session(result.staff)
        return redirect(_local_path(request.args.get("next")) or url_for("home.index"))
    return render_template("auth/login.html", form=form)


def _start_session(staff: Staff) -> None:
    """Fresh session contents and a new session id, so nothing from before sign-in survives."""
    session.clear()
    login_user(staff)
    session.permanent = True
    session["sid"] = secrets.token_urlsafe(16)
    session["last_seen"] = session["started"] = utcnow().timestamp()


@bp.route("/enrol", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def enrol():
    """A new or reset account: its holder sets their own password with the one-time code."""
    form = EnrolForm()
    if form.validate_on_submit():
        signed_in = current_user.id if current_user.is_authenticated else None
        try:
            staff = enrolment.enrol(form.username.data, form.code.data, form.new.data,
                                    signed_in_id=signed_in)
        except accounts.AccountError as error:
            db.session.commit()  # the failed attempt and a flagged refusal are kept
            form.code.errors = [str(error)]
        else:
            db.session.commit()
            logout_user()
            _start_session(staff)
            flash(_("비밀번호를 정했습니다. 환영합니다."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/enrol.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    accounts.logout(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("로그아웃되었습니다."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        staff = current_user._get_current_object()
        try:
            accounts.change_password(staff, form.current.data, form.new.data)
        except accounts.AccountError as error:
            db.session.commit()  # a wrong current password counts towards the throttle
            form.new.errors = [str(error)]
        else:
            accounts.end_sessions(staff)  # other devices sign in again with the new password
            db.session.commit()
            _start_session(staff)
            flash(_("비밀번호를 바꾸었습니다."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/api-tokens", methods=["GET", "POST"])
@login_required
def api_tokens():
    """The signed-in staff member's own API tokens: list, make (shown once), revoke."""
    staff = current_user._get_current_object()
    form = ApiTokenForm() if request.method == "POST" else \
        ApiTokenForm(days=tokens.default_days())
    if form.validate_on_submit():
        try:
            new = tokens.create_token(staff, staff, name=form.name.data, days=form.days.data)
        except accounts.AccountError as error:
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            return render_template("staff/api_token_created.html", staff=staff, token=new.token,
                                   secret=new.secret, back_url=url_for("auth.api_tokens"))
    return render_template("account/api_tokens.html", tokens=tokens.tokens_of(staff), form=form,
                           buttons=EmptyForm(), now=utcnow(),
                           may_revoke=lambda token: tokens.may_revoke(staff, token))


@bp.post("/account/api-tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int):
    staff = current_user._get_current_object()
    token = tokens.get_token_of(staff, token_id)
    if token is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        try:
            tokens.revoke_token(staff, token)
        except accounts.AccountError as error:
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("토큰 %(prefix)s…을 폐기했습니다.", prefix=token.prefix), "success")
    return redirect(url_for("auth.api_tokens"))


@bp.post("/account/locale")
@login_required
def set_locale():
    form = LocaleForm()
    if form.validate_on_submit():
        db.session.execute(
            sa.update(Staff).where(Staff.id == current_user.id).values(locale=form.locale.data)
        )
        db.session.commit()
    return redirect(_local_path(request.form.get("next")) or url_for("home.index"))
