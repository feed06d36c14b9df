"""Organisation screens: centres, agencies and add-ons (admin), staff (manager)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _

from centers import accounts, queries, services, tokens
from centers.forms import (
    AddonsForm,
    AgencyForm,
    CentreForm,
    PlacementForm,
    RrnSettingForm,
    StaffActiveForm,
    StaffForm,
    TimeTargetsForm,
)
from centers.models import Addon, Agency, AgencyKind, Staff
from core.extensions import db
from core.forms import EmptyForm
from core.roles import Role, allowed_if, roles_required
from core.types import utcnow
from core.views import current_staff

bp = Blueprint("centers", __name__)

managers = roles_required(Role.MANAGER, Role.ADMIN)


# --- centres -----------------------------------------------------------------------------

@bp.get("/centres")
@managers
def list_centres():
    centres = db.session.scalars(services.centres_visible_to(current_staff())).all()
    return render_template("centers/list.html", centres=centres,
                           may_create=services.may_create_centre(current_staff()))


@bp.route("/centres/new", methods=["GET", "POST"])
@allowed_if(services.may_create_centre)
def new_centre():
    form = CentreForm()
    if form.validate_on_submit():
        try:
            centre = services.create_centre(current_staff(), _form_values(form, services.CENTRE_FIELDS))
        except services.CentreError as error:
            form.code.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("센터를 등록했습니다."), "success")
            return redirect(url_for("centers.show_centre", centre_id=centre.id))
    return render_template("centers/centre_form.html", form=form, centre=None)


@bp.get("/centres/<int:centre_id>")
@managers
def show_centre(centre_id: int):
    centre = queries.get_centre_or_404(centre_id, current_staff())
    return _render_centre(centre)


def _render_centre(centre, *, rrn_form: RrnSettingForm | None = None,
                   targets_form: TimeTargetsForm | None = None):
    actor = current_staff()
    return render_template(
        "centers/show.html", centre=centre, addons=list(Addon), form=EmptyForm(),
        rrn_form=rrn_form or RrnSettingForm(obj=centre),
        targets_form=targets_form or TimeTargetsForm(obj=centre),
        may_edit=services.may_edit_centre(actor, centre),
        may_configure=services.may_configure_centre(actor, centre),
        may_manage_agencies=services.may_manage_agencies(actor, centre),
    )


def _centre_or_403(centre_id: int, rule):
    """:raise 404: a centre the actor does not see; :raise 403: ``rule`` says no."""
    centre = queries.get_centre_or_404(centre_id, current_staff())
    if not rule(current_staff(), centre):
        abort(403)
    return centre


@bp.route("/centres/<int:centre_id>/edit", methods=["GET", "POST"])
@managers
def edit_centre(centre_id: int):
    centre = _centre_or_403(centre_id, services.may_edit_centre)
    form = CentreForm(obj=centre)
    if form.validate_on_submit():
        try:
            services.update_centre(current_staff(), centre, _form_values(form, services.CENTRE_FIELDS))
        except services.CentreError as error:
            form.code.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("센터 정보를 저장했습니다."), "success")
            return redirect(url_for("centers.show_centre", centre_id=centre.id))
    return render_template("centers/centre_form.html", form=form, centre=centre)


@bp.post("/centres/<int:centre_id>/addons")
@managers
def set_addons(centre_id: int):
    """Switch add-ons: the administrator for any centre, a manager for their own."""
    centre = _centre_or_403(centre_id, services.may_configure_centre)
    form = AddonsForm()
    if form.validate_on_submit():
        wanted = set(form.addon.data or ())  # none posted: every add-on off
        for addon in Addon:
            services.set_addon(current_staff(), centre, addon, addon.value in wanted)
        db.session.commit()
        flash(_("부가 서비스 설정을 저장했습니다."), "success")
    return redirect(url_for("centers.show_centre", centre_id=centre.id))


@bp.post("/centres/<int:centre_id>/rrn")
@managers
def set_rrn(centre_id: int):
    """Resident numbers are processed only with a recorded legal basis (consent is none)."""
    centre = _centre_or_403(centre_id, services.may_configure_centre)
    form = RrnSettingForm()
    if form.validate_on_submit():
        try:
            services.set_rrn_processing(current_staff(), centre, form.rrn_enabled.data,
                                        form.rrn_legal_basis.data or "")
        except services.CentreError as error:
            form.rrn_legal_basis.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("주민등록번호 처리 설정을 저장했습니다."), "success")
            return redirect(url_for("centers.show_centre", centre_id=centre.id))
    return _render_centre(centre, rrn_form=form)


@bp.post("/centres/<int:centre_id>/time-targets")
@managers
def set_time_targets(centre_id: int):
    centre = _centre_or_403(centre_id, services.may_configure_centre)
    form = TimeTargetsForm()
    if form.validate_on_submit():
        services.set_time_targets(current_staff(), centre, assessment_days=form.assessment_due_days.data,
                                  plan_days=form.plan_due_days.data)
        db.session.commit()
        flash(_("사례 기한을 저장했습니다."), "success")
        return redirect(url_for("centers.show_centre", centre_id=centre.id))
    return _render_centre(centre, targets_form=form)


# --- agencies ----------------------------------------------------------------------------

@bp.route("/centres/<int:centre_id>/agencies/new", methods=["GET", "POST"])
@managers
def new_agency(centre_id: int):
    centre = _centre_or_403(centre_id, services.may_manage_agencies)
    form = AgencyForm()
    if form.validate_on_submit():
        services.create_agency(current_staff(), centre, _agency_values(form))
        db.session.commit()
        flash(_("기관을 등록했습니다."), "success")
        return redirect(url_for("centers.show_centre", centre_id=centre.id))
    return render_template("centers/agency_form.html", form=form, centre=centre, agency=None)


@bp.route("/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
@managers
def edit_agency(agency_id: int):
    agency = queries.get_agency_or_404(agency_id, current_staff())
    if not services.may_manage_agencies(current_staff(), agency.centre):
        abort(403)
    form = AgencyForm(obj=agency)
    if form.validate_on_submit():
        services.update_agency(current_staff(), agency, _agency_values(form))
        db.session.commit()
        flash(_("기관 정보를 저장했습니다."), "success")
        return redirect(url_for("centers.show_centre", centre_id=agency.centre_id))
    return render_template(
        "centers/agency_form.html", form=form, centre=agency.centre, agency=agency
    )


def _form_values(form, fields) -> dict:
    return {name: getattr(form, name).data for name in fields if hasattr(form, name)}


def _agency_values(form: AgencyForm) -> dict:
    values = _form_values(form, services.AGENCY_FIELDS)
    values["kind"] = AgencyKind(values["kind"])
    return values


# --- staff -------------------------------------------------------------------------------

@bp.get("/staff")
@managers
def list_staff():
    staff = db.session.scalars(
        accounts.staff_visible_to(current_staff()).options(
            sa.orm.selectinload(Staff.agency), sa.orm.selectinload(Staff.centre)
        )
    ).all()
    return render_template("staff/list.html", staff=staff, form=EmptyForm(),
                           every_centre=services.sees_every_centre(current_staff()))


def _centre_choices(actor: Staff) -> list[tuple[int, str]]:
    centres = db.session.scalars(services.centres_visible_to(actor)).all()
    return [(centre.id, centre.name) for centre in centres]


def _agency_choices(centre_ids: list[int]) -> list[tuple[int, str]]:
    agencies = db.session.scalars(
        sa.select(Agency)
        .where(Agency.centre_id.in_(centre_ids), Agency.is_active)
        .options(sa.orm.selectinload(Agency.centre))
        .order_by(Agency.centre_id, Agency.id)
    ).all()
    several = len(set(centre_ids)) > 1
    return [(0, _("(없음)"))] + [
        (a.id, f"{a.centre.name} · {a.name}" if several else a.name) for a in agencies
    ]


@bp.route("/staff/new", methods=["GET", "POST"])
@managers
def new_staff():
    actor = current_staff()
    form = StaffForm()
    form.role.choices = [(role.value, role.label) for role in accounts.assignable_roles(actor)]
    form.centre_id.choices = _centre_choices(actor)
    form.agency_id.choices = _agency_choices([cid for cid, _name in form.centre_id.choices])
    every_centre = services.sees_every_centre(actor)
    if not every_centre:
        form.centre_id.data = actor.centre_id
    if form.validate_on_submit():
        try:
            staff, code = accounts.create_staff(
                actor,
                username=form.username.data,
                display_name=form.display_name.data,
                role=Role(form.role.data),
                centre_id=form.centre_id.data,
                agency=db.session.get(Agency, form.agency_id.data) if form.agency_id.data else None,
            )
        except accounts.AccountError as error:
            form.role.errors = [str(error)]
        else:
            db.session.commit()
            return _render_code(staff, code, created=True)
    return render_template("staff/new.html", form=form, every_centre=every_centre)


@bp.route("/staff/<int:staff_id>", methods=["GET", "POST"])
@managers
def edit_staff(staff_id: int):
    actor = current_staff()
    staff = queries.get_staff_or_404(staff_id, actor)
    form = PlacementForm(role=staff.role, agency_id=staff.agency_id or 0)
    form.role.choices = [(role.value, role.label) for role in accounts.assignable_roles(actor)]
    form.agency_id.choices = _agency_choices([staff.centre_id] if staff.centre_id else [])
    if form.validate_on_submit():
        agency = db.session.get(Agency, form.agency_id.data) if form.agency_id.data else None
        try:
            accounts.change_placement(actor, staff, role=Role(form.role.data), agency=agency)
        except accounts.AccountError as error:
            form.role.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("%(name)s 님의 역할과 소속을 저장했습니다.", name=staff.display_name), "success")
            return redirect(url_for("centers.list_staff"))
    return _render_staff_page(staff, form)


def _render_staff_page(staff: Staff, form: PlacementForm, status: int = 200):
    actor = current_staff()
    return render_template("staff/edit.html", form=form, staff=staff, buttons=EmptyForm(),
                           tokens=tokens.tokens_of(staff), now=utcnow(),
                           may_manage_account=accounts.may_manage_account(actor, staff),
                           may_revoke=lambda token: tokens.may_revoke(actor, token)), status


def _placement_form(actor: Staff, staff: Staff) -> PlacementForm:
    form = PlacementForm(role=staff.role, agency_id=staff.agency_id or 0, formdata=None)
    form.role.choices = [(role.value, role.label) for role in accounts.assignable_roles(actor)]
    form.agency_id.choices = _agency_choices([staff.centre_id] if staff.centre_id else [])
    return form


@bp.post("/staff/<int:staff_id>/api-tokens/<int:token_id>/revoke")
@managers
def revoke_staff_token(staff_id: int, token_id: int):
    staff = queries.get_staff_or_404(staff_id, current_staff())
    token = tokens.get_token_of(staff, token_id)
    if token is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        try:
            tokens.revoke_token(current_staff(), token)
        except accounts.AccountError as error:
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("토큰 %(prefix)s…을 폐기했습니다.", prefix=token.prefix), "success")
    return redirect(url_for("centers.edit_staff", staff_id=staff.id))


@bp.post("/staff/<int:staff_id>/reset-password")
@managers
def reset_password(staff_id: int):
    staff = queries.get_staff_or_404(staff_id, current_staff())
    if not accounts.may_manage_account(current_staff(), staff):
        abort(403)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("centers.edit_staff", staff_id=staff.id))
    code = accounts.reset_password(current_staff(), staff)
    db.session.commit()
    return _render_code(staff, code, created=False)


def _render_code(staff: Staff, code, *, created: bool):
    """The one-time enrolment code, shown once to be printed or handed to the staff member;
    never cached (it is a credential until used)."""
    response = make_response(render_template("staff/enrolment_code.html", staff=staff,
                                             code=code, created=created))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/staff/<int:staff_id>/active")
@managers
def set_staff_active(staff_id: int):
    staff = queries.get_staff_or_404(staff_id, current_staff())
    if not accounts.may_manage_account(current_staff(), staff):
        abort(403)
    form = StaffActiveForm()
    if form.validate_on_submit():
        active = form.active.data == "1"
        try:
            accounts.set_active(current_staff(), staff, active)
        except accounts.AccountError as error:
            flash(str(error), "danger")
        else:
            db.session.commit()
            message = _("계정을 다시 사용하게 했습니다.") if active else _("계정을 비활성화했습니다.")
            flash(message, "success")
    return redirect(url_for("centers.edit_staff", staff_id=staff.id))
