"""The report settings a manager and the administrator keep on screens: the centre's yearly
targets (목표 설정) and the covers' 수신/발신."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from core.clock import local_today
from core.errors import RefusedError
from core.extensions import db
from core.roles import Role, allowed_if, roles_required
from core.views import current_staff
from reports import documents, targets

bp = Blueprint("report_settings", __name__, url_prefix="/reports")

MONTHS = range(1, 13)


def _field_name(key: str, month: int | None) -> str:
    return f"{key}_{'year' if month is None else month}"


class TargetsForm(FlaskForm):
    """A year's targets: per figure a yearly box and twelve monthly boxes, all optional,
    checked by :func:`reports.targets.parse_value` and :func:`reports.targets.check_sheet`
    (the typed text comes back as typed when something is wrong)."""

    version = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.values: dict[str, dict] = {}
        for measure in targets.MEASURES:
            spec: dict = {"year": None, "months": {}}
            for month in (None, *MONTHS):
                field = self[_field_name(measure.key, month)]
                try:
                    value = targets.parse_value(field.data, measure.unit)
                except ValueError as error:
                    field.errors = [*field.errors, str(error)]
                    ok = False
                    continue
                if month is None:
                    spec["year"] = value
                elif value is not None:
                    spec["months"][str(month)] = value
            self.values[measure.key] = spec
        if ok:
            for name, message in targets.check_sheet(self.values).items():
                self[name].errors = [*self[name].errors, message]
                ok = False
        return ok


def _month_label(month: int):
    return _l("%(m)d월", m=month)


for _measure in targets.MEASURES:
    setattr(TargetsForm, _field_name(_measure.key, None),
            StringField(_l("%(figure)s 연간 목표", figure=_measure.label)))
    for _month in MONTHS:
        setattr(TargetsForm, _field_name(_measure.key, _month),
                StringField(_l("%(figure)s %(m)d월 목표", figure=_measure.label, m=_month)))


def _text(value) -> str:
    return "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


def _year_or_404() -> int:
    """The year asked for (``?year=``), this year by default; only years near today.

    :raise 404: a year far from today.
    """
    year = request.values.get("year", type=int) or local_today().year
    if abs(year - local_today().year) > 5:
        abort(404)
    return year


def _render_targets(form: TargetsForm, year: int, status: int = 200):
    centre = current_staff().centre
    row = targets.targets_of(centre.id, year)
    return render_template(
        "reports/targets.html", form=form, year=year, centre=centre, row=row,
        measures=targets.MEASURES, months=MONTHS, field_name=_field_name,
        spread={m.key: targets.month_targets((row.targets if row else {}).get(m.key), m.unit)
                for m in targets.MEASURES}), status


@bp.get("/targets")
@allowed_if(targets.may_set_targets)
def edit_targets():
    """The centre's targets for a year, with each month's target as the report will use it."""
    year = _year_or_404()
    row = targets.targets_of(current_staff().centre_id, year)
    data = {"version": str(row.version) if row else ""}
    for key, spec in (row.targets if row else {}).items():
        data[_field_name(key, None)] = _text(spec.get("year"))
        for month, value in (spec.get("months") or {}).items():
            data[_field_name(key, int(month))] = _text(value)
    return _render_targets(TargetsForm(data=data), year)


@bp.post("/targets")
@allowed_if(targets.may_set_targets)
def save_targets():
    year = _year_or_404()
    form = TargetsForm()
    if not form.validate_on_submit():
        return _render_targets(form, year, 422)
    try:
        targets.save_targets(current_staff(), current_staff().centre, year, form.values,
                             form.version.data)
    except RefusedError as error:
        db.session.rollback()
        flash(str(error), "danger")
        row = targets.targets_of(current_staff().centre_id, year)
        form.version.data = str(row.version) if row else ""  # saving again overwrites
        return _render_targets(form, year, 409)
    db.session.commit()
    flash(_("%(year)d년 목표를 저장했습니다.", year=year), "success")
    return redirect(url_for("report_settings.edit_targets", year=year))


# --- 수신 and 발신 -----------------------------------------------------------------------------

class AddresseeForm(FlaskForm):
    recipient = StringField(_l("수신"), validators=[
        DataRequired(_l("수신(받는 기관·부서)을 적으세요.")),
        Length(max=200, message=_l("200자까지 적을 수 있습니다."))])
    sender = StringField(_l("발신"), validators=[Length(max=200, message=_l(
        "200자까지 적을 수 있습니다."))])
    version = HiddenField()

    def validate_sender(self, field) -> None:
        if self.national and not (field.data or "").strip():
            raise ValidationError(_("발신(보내는 기관·부서)을 적으세요."))

    national = False


def _addressee_centre():
    """The manager's centre, or None for the administrator (the national roll-up)."""
    actor = current_staff()
    return None if actor.role == Role.ADMIN else actor.centre


def _render_addressee(form: AddresseeForm, centre, status: int = 200):
    recipient, sender = documents.default_addressee(centre)
    return render_template("reports/addressee.html", form=form, centre=centre,
                           default_recipient=recipient, default_sender=sender,
                           current=documents.addressee(centre)), status


@bp.get("/addressee")
@roles_required(Role.MANAGER, Role.ADMIN)
def edit_addressee():
    """수신 (and 발신 of the national roll-up) of the report covers; the defaults until set."""
    centre = _addressee_centre()
    row = documents.addressee_row(centre)
    recipient, sender = documents.addressee(centre)
    form = AddresseeForm(data={"recipient": recipient, "sender": sender,
                               "version": str(row.version) if row else ""})
    return _render_addressee(form, centre)


@bp.post("/addressee")
@roles_required(Role.MANAGER, Role.ADMIN)
def save_addressee():
    centre = _addressee_centre()
    if not documents.may_set_addressee(current_staff(), centre):
        abort(403)
    form = AddresseeForm()
    form.national = centre is None
    if not form.validate_on_submit():
        return _render_addressee(form, centre, 422)
    try:
        documents.save_addressee(current_staff(), centre, form.recipient.data,
                                 form.sender.data or "", form.version.data)
    except RefusedError as error:
        db.session.rollback()
        flash(str(error), "danger")
        row = documents.addressee_row(centre)
        form.version.data = str(row.version) if row else ""
        return _render_addressee(form, centre, 409)
    db.session.commit()
    flash(_("수신·발신을 저장했습니다."), "success")
    return redirect(url_for("report_settings.edit_addressee"))
