"""Closing a month's report (마감), correcting it (재작성) and its editions side by side."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from centers.queries import get_centre_by_code_or_404
from core.forms import EmptyForm, error_text
from core.roles import Role, allowed_if, roles_required
from core.views import commit_or_flash, current_staff
from reports import closing
from reports import editions as ed
from reports.periods import Month

bp = Blueprint("closing", __name__, url_prefix="/reports")


class CorrectionForm(FlaskForm):
    reason = TextAreaField(_l("재작성 사유"), validators=[
        InputRequired(_l("재작성 사유를 적으세요.")), Length(max=closing.REASON_MAX)])


@bp.post("/monthly/<code>/<month:month>/close")
@allowed_if(closing.may_close)
def close(code: str, month: Month):
    centre = get_centre_by_code_or_404(code, current_staff())
    if EmptyForm().validate_on_submit():
        commit_or_flash(lambda: closing.close_month(current_staff(), centre, month),
                        _("%(month)s 월간 보고서를 마감했습니다(제1판).", month=month.key))
    return redirect(url_for("reports.monthly", code=centre.code, month=month))


@bp.post("/monthly/<code>/<month:month>/correct")
@allowed_if(closing.may_close)
def correct(code: str, month: Month):
    centre = get_centre_by_code_or_404(code, current_staff())
    form = CorrectionForm()
    if form.validate_on_submit():
        commit_or_flash(
            lambda: closing.correct_month(current_staff(), centre, month, form.reason.data),
            _("%(month)s 월간 보고서를 재작성했습니다.", month=month.key))
    elif form.errors:
        flash(error_text(form), "danger")
    return redirect(url_for("reports.monthly", code=centre.code, month=month))


@bp.get("/monthly/<code>/<month:month>/editions")
@roles_required(Role.MANAGER, Role.ADMIN)
def editions(code: str, month: Month):
    """Every edition of a closed month, and what changed between two of them."""
    centre = get_centre_by_code_or_404(code, current_staff())
    found = ed.editions(centre.id, month)
    if not found:
        abort(404)
    by_version = {edition.version: edition for edition in found}
    new = by_version.get(request.args.get("to", found[-1].version, type=int))
    old = by_version.get(request.args.get(
        "from", found[-2].version if len(found) > 1 else found[-1].version, type=int))
    if old is None or new is None:
        abort(404)
    return render_template(
        "reports/editions.html", centre=centre, month=month, found=found, old=old, new=new,
        changes=closing.differences(old, new), stamps={e.version: ed.stamp_of(e, found[-1].version)
                                                     for e in found})
