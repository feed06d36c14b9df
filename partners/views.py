"""Partner screens: the list (everyone at the centre), adding and editing (its manager), and
the list in and out as HSDS 3.0 JSON."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from core.extensions import db
from core.forms import EmptyForm, error_text
from core.roles import allowed_if
from core.views import committed, current_staff
from partners import hsds
from partners import services as partners
from partners.forms import PartnerForm, PartnerImportForm, WebhookForm
from partners.queries import get_partner_or_404

bp = Blueprint("partners", __name__, url_prefix="/partners")

keepers = allowed_if(partners.may_manage_partners)


@bp.get("")
@allowed_if(partners.may_read_partners)
def index():
    actor = current_staff()
    return render_template("partners/index.html", partners=partners.partner_list(actor),
                           may_manage=partners.may_manage_partners(actor, actor.centre))


@bp.get("/<int:partner_id>")
@allowed_if(partners.may_read_partners)
def show(partner_id: int):
    actor = current_staff()
    return _show(get_partner_or_404(partner_id, actor))


def _show(partner, **shown_once):
    """The partner's page; ``shown_once``: a new API key or webhook secret, shown on this
    answer only (never stored in the clear, never in a redirect or the session)."""
    actor = current_staff()
    return render_template("partners/show.html", partner=partner, form=EmptyForm(),
                           webhook_form=WebhookForm(url=partner.webhook_url),
                           may_manage=partners.may_manage_partners(actor, partner.centre),
                           **shown_once)


@bp.post("/<int:partner_id>/<any(api_key, revoke_api_key, webhook):step>")
@keepers
def system(partner_id: int, step: str):
    """The partner's own system: a new API key, its revocation, the webhook address."""
    actor = current_staff()
    partner = get_partner_or_404(partner_id, actor)
    form = WebhookForm() if step == "webhook" else EmptyForm()
    if not form.validate_on_submit():
        flash(error_text(form) or _("다시 시도하세요."), "danger")
        return redirect(url_for("partners.show", partner_id=partner.id))
    try:
        if step == "api_key":
            shown = {"new_api_key": partners.issue_api_key(actor, partner)}
        elif step == "revoke_api_key":
            partners.revoke_api_key(actor, partner)
            shown = {}
        else:
            shown = {"new_webhook_secret": partners.set_webhook(actor, partner,
                                                                form.url.data or "")}
    except partners.PartnerError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for("partners.show", partner_id=partner_id))
    db.session.commit()
    if not shown or not any(shown.values()):
        flash(_("저장했습니다."), "success")
        return redirect(url_for("partners.show", partner_id=partner.id))
    return _show(partner, **shown)


@bp.route("/new", methods=["GET", "POST"])
@keepers
def new():
    actor = current_staff()
    form = _form(actor.centre)
    if form.validate_on_submit():
        try:
            partner = partners.create_partner(actor, actor.centre, _values(form),
                                              form.services.data)
        except partners.PartnerError as error:
            db.session.rollback()
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("협력기관을 등록했습니다."), "success")
            return redirect(url_for("partners.show", partner_id=partner.id))
    return render_template("partners/form.html", form=form, partner=None)


@bp.route("/<int:partner_id>/edit", methods=["GET", "POST"])
@keepers
def edit(partner_id: int):
    actor = current_staff()
    partner = get_partner_or_404(partner_id, actor)
    if not partners.may_manage_partners(actor, partner.centre):
        abort(403)
    form = _form(partner.centre, obj=partner)
    if not form.is_submitted():
        form.kind.data = partner.kind.value
        form.services.data = [s.id for s in partner.services]
    if form.validate_on_submit():
        try:
            partners.update_partner(actor, partner, _values(form), form.services.data)
        except partners.PartnerError as error:
            db.session.rollback()
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("협력기관 정보를 저장했습니다."), "success")
            return redirect(url_for("partners.show", partner_id=partner.id))
    return render_template("partners/form.html", form=form, partner=partner)


def _form(centre, **kwargs) -> PartnerForm:
    form = PartnerForm(**kwargs)
    form.services.choices = [(s.id, s.name) for s in partners.linkable_services(centre)]
    return form


def _values(form: PartnerForm) -> dict:
    return {name: getattr(form, name).data for name in partners.FIELDS}


@bp.get("/export.json")
@keepers
def export():
    """The centre's partners as HSDS 3.0 JSON (audited as an export)."""
    actor = current_staff()
    document = hsds.export_partners(actor, actor.centre)
    return committed(Response(
        json.dumps(document, ensure_ascii=False, indent=2), mimetype="application/json",
        headers={"Content-Disposition":
                 f'attachment; filename="{actor.centre.code}-partners.json"'}))


@bp.route("/import", methods=["GET", "POST"])
@keepers
def import_file():
    """Read an HSDS 3.0 file; every row is checked, and one refused row changes nothing."""
    actor = current_staff()
    form = PartnerImportForm()
    result = None
    if form.validate_on_submit():
        try:
            document = hsds.read_document(form.file.data.read())
            result = hsds.import_partners(actor, actor.centre, document)
        except hsds.ImportRefused as error:
            form.file.errors = [str(error)]
        else:
            if result.refused:
                db.session.rollback()
            else:
                db.session.commit()
                flash(_("협력기관 %(c)d곳을 새로 넣고 %(u)d곳을 고쳤습니다.", c=result.created,
                        u=result.updated), "success")
                return redirect(url_for("partners.index"))
    return render_template("partners/import.html", form=form, result=result,
                           kinds=hsds.kinds_help())
