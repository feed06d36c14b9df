"""Catalogue screens: browse and search (all staff), service pages, hand-entered services and
each centre's service list (managers), the open-data import (administrator), the HSDS export."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from catalogue import directory, importer, open_data
from catalogue import queries as catalogue_queries
from catalogue import services as catalogue
from catalogue.forms import ImportForm, OfferForm, ServiceForm, ServiceSearchForm
from catalogue.matching import Criteria, search_services
from catalogue.models import CentreService, Service
from centers import queries as centre_queries
from centers import services
from centers.accounts import agencies_for_staff
from centers.models import Agency, Domain, Sex
from core.extensions import db
from core.forms import EmptyForm, error_text
from core.roles import Role, allowed_if, roles_required
from core.views import commit_or_flash, committed, current_staff

bp = Blueprint("catalogue", __name__)

all_staff = roles_required(*Role)
managers = roles_required(Role.MANAGER, Role.ADMIN)

ADD_RESULTS = 20  # catalogue matches offered for adding on a centre's list page


# --- browse and search --------------------------------------------------------------------

@bp.get("/services")
@all_staff
def browse():
    """The catalogue through the suggestion engine: a centre's list or the national one."""
    actor = current_staff()
    centres = db.session.scalars(services.centres_visible_to(actor)).all()
    form = ServiceSearchForm(request.args, centres=centres,
                             customer_types=catalogue.customer_types())
    if "centre" not in request.args and actor.centre is not None:
        form.centre.data = actor.centre.code
    # A refused filter shows its error and the unfiltered list, never a guess.
    criteria = _criteria(form) if form.validate() else Criteria()
    centre = next((c for c in centres if c.code == form.centre.data), None)
    page = search_services(centre, criteria, page=request.args.get("page", 1, type=int))
    return render_template("catalogue/browse.html", form=form, page=page, centre=centre,
                           args=_paging_args(), may_create=catalogue.may_create_service(actor),
                           may_import=catalogue.may_import_services(actor))


def _criteria(form: ServiceSearchForm) -> Criteria:
    return Criteria(
        customer_types=frozenset(form.customer_types.data or ()),
        domains=frozenset([form.domain.data] if form.domain.data else ()),
        age=form.age.data,
        sex=form.sex.data or None,
        text=form.q.data or None,
    )


def _paging_args() -> dict:
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    return args


@bp.get("/services/<int:service_id>")
@all_staff
def show_service(service_id: int):
    actor = current_staff()
    service = catalogue_queries.get_service_or_404(service_id)
    offer = catalogue.offer_at(actor.centre, service) if actor.centre else None
    form = None
    if actor.centre and offer is None and catalogue.may_manage_centre_services(actor, actor.centre):
        form = _offer_form(actor.centre.id, service_id=service.id)
    return render_template("catalogue/show.html", service=service, offer=offer, form=form,
                           may_edit=catalogue.may_edit_service(actor, service))


# --- hand-entered services ----------------------------------------------------------------

@bp.route("/services/new", methods=["GET", "POST"])
@allowed_if(catalogue.may_create_service)
def new_service():
    form = ServiceForm(customer_types=catalogue.customer_types())
    if form.validate_on_submit():
        try:
            service = catalogue.create_service(current_staff(), _service_values(form),
                                               form.customer_types.data)
        except catalogue.CatalogueError as error:
            form.max_age.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("서비스를 등록했습니다."), "success")
            return redirect(url_for("catalogue.show_service", service_id=service.id))
    return render_template("catalogue/service_form.html", form=form, service=None,
                           local=catalogue.new_service_owner(current_staff()) is not None)


@bp.route("/services/<int:service_id>/edit", methods=["GET", "POST"])
@managers
def edit_service(service_id: int):
    service = catalogue_queries.get_service_or_404(service_id)
    if not catalogue.may_edit_service(current_staff(), service):
        abort(403)
    form = ServiceForm(obj=service, customer_types=catalogue.customer_types())
    if not form.is_submitted():
        form.customer_types.data = [t.code for t in service.customer_types]
        form.sex.data = service.sex.value if service.sex else ""
    if form.validate_on_submit():
        try:
            catalogue.update_service(current_staff(), service, _service_values(form),
                                     form.customer_types.data)
        except catalogue.CatalogueError as error:
            form.max_age.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("서비스 정보를 저장했습니다."), "success")
            return redirect(url_for("catalogue.show_service", service_id=service.id))
    return render_template("catalogue/service_form.html", form=form, service=service,
                           local=catalogue.new_service_owner(current_staff()) is not None)


def _service_values(form: ServiceForm) -> dict:
    values = {name: getattr(form, name).data for name in catalogue.SERVICE_FIELDS}
    for name in ("purpose", "target", "criteria", "support", "how_to_apply", "deadline",
                 "provider", "contact", "apply_url"):
        values[name] = (values[name] or "").strip()
    values["domain"] = Domain(values["domain"])
    values["sex"] = Sex(values["sex"]) if values["sex"] else None
    return values


# --- a centre's service list --------------------------------------------------------------

@bp.get("/centre-services")
@roles_required(Role.MANAGER)
def own_centre_services():
    return redirect(url_for("catalogue.centre_services", centre_id=current_staff().centre_id))


@bp.get("/centres/<int:centre_id>/services")
@managers
def centre_services(centre_id: int):
    """The list, and a search of the national catalogue to add from (what is not listed yet)."""
    centre = centre_queries.get_centre_or_404(centre_id, current_staff())
    offers = catalogue.centre_list(centre)
    forms = {offer.id: _offer_form(centre.id, offer=offer) for offer in offers}
    query = request.args.get("q", "").strip()[:100]
    found = []
    if query:
        listed = {offer.service_id for offer in offers}
        # Ask for as many more as are listed, so dropping those still leaves a full page.
        page = search_services(None, Criteria(text=query), per_page=ADD_RESULTS + len(listed))
        found = [item.service for item in page.items if item.service.id not in listed]
        found = found[:ADD_RESULTS]
    return render_template("catalogue/centre_services.html", centre=centre, offers=offers,
                           forms=forms, remove_form=EmptyForm(), query=query, found=found,
                           add_form=_offer_form(centre.id))


@bp.post("/centres/<int:centre_id>/services")
@managers
def add_centre_service(centre_id: int):
    """Add from a service's page, or from the search on the list page (which sends ``q``
    so the manager returns to the same search)."""
    centre = _list_keeper_centre_or_404(centre_id)
    form = _offer_form(centre.id)
    service = db.session.get(Service, form.service_id.data or 0)
    if service is None:
        abort(404)
    search = form.q.data
    if form.validate_on_submit():
        if commit_or_flash(
                lambda: catalogue.add_to_centre(current_staff(), centre, service, _agency(form),
                                                form.desk.data or ""),
                _("%(name)s을(를) 센터 서비스 목록에 넣었습니다.", name=service.name)):
            return redirect(url_for("catalogue.centre_services", centre_id=centre.id,
                                    q=search or None))
    else:
        flash(error_text(form), "danger")
    if search is not None:
        return redirect(url_for("catalogue.centre_services", centre_id=centre.id, q=search))
    return redirect(url_for("catalogue.show_service", service_id=service.id))


@bp.post("/centres/<int:centre_id>/services/<int:offer_id>")
@managers
def update_centre_service(centre_id: int, offer_id: int):
    centre = _list_keeper_centre_or_404(centre_id)
    offer = catalogue_queries.get_offer_or_404(centre, offer_id)
    form = _offer_form(centre.id, offer=offer)
    if form.validate_on_submit():
        commit_or_flash(
            lambda: catalogue.update_offer(current_staff(), offer, _agency(form), form.desk.data or ""),
            _("%(name)s의 담당 기관과 창구를 저장했습니다.", name=offer.service.name))
    else:
        flash(error_text(form), "danger")
    return redirect(url_for("catalogue.centre_services", centre_id=centre.id))


@bp.post("/centres/<int:centre_id>/services/<int:offer_id>/remove")
@managers
def remove_centre_service(centre_id: int, offer_id: int):
    centre = _list_keeper_centre_or_404(centre_id)
    offer = catalogue_queries.get_offer_or_404(centre, offer_id)
    if EmptyForm().validate_on_submit():
        commit_or_flash(lambda: catalogue.remove_from_centre(current_staff(), offer),
                        _("%(name)s을(를) 센터 서비스 목록에서 뺐습니다.", name=offer.service.name))
    return redirect(url_for("catalogue.centre_services", centre_id=centre.id))


def _list_keeper_centre_or_404(centre_id: int):
    """:raise 404: a centre the actor does not see; :raise 403: one whose list they do not keep."""
    centre = centre_queries.get_centre_or_404(centre_id, current_staff())
    if not catalogue.may_manage_centre_services(current_staff(), centre):
        abort(403)
    return centre


def _offer_form(centre_id: int, offer: CentreService | None = None, **data) -> OfferForm:
    """The add form, or (with ``offer``) one row's edit form, prefixed so a page of rows
    keeps its field ids apart."""
    prefix = ""
    if offer is not None:
        prefix = f"offer{offer.id}"
        data = {"service_id": offer.service_id, "agency_id": offer.agency_id or 0,
                "desk": offer.desk}
    form = OfferForm(data=data, prefix=prefix)
    agencies = agencies_for_staff(centre_id)
    form.agency_id.choices = [(0, _("(없음: 연계만)"))] + [(a.id, a.name) for a in agencies]
    if offer is not None:
        form.submit.label.text = _("저장")
    return form


def _agency(form: OfferForm) -> Agency | None:
    return db.session.get(Agency, form.agency_id.data) if form.agency_id.data else None


# --- import and export --------------------------------------------------------------------

@bp.route("/services/import", methods=["GET", "POST"])
@allowed_if(catalogue.may_import_services)
def import_services():
    """The administrator's upload; a refused file leaves everything as it was."""
    form = ImportForm()
    if form.validate_on_submit():
        conditions = form.conditions.data
        try:
            files = open_data.read_files(
                form.services.data.read(), form.services.data.filename,
                conditions.read() if conditions else None,
                conditions.filename if conditions else "",
            )
            result = importer.import_services(files, actor=current_staff(), full=not form.partial.data)
        except open_data.ImportRefused as error:
            form.services.errors = [str(error)]
        else:
            db.session.commit()
            return render_template("catalogue/import_result.html", result=result, files=files,
                                   full=not form.partial.data)
    chosen = [f.filename for f in (form.services.data, form.conditions.data)
              if f and getattr(f, "filename", "")]
    return render_template("catalogue/import.html", form=form, chosen=chosen)


@bp.get("/centres/<code>/directory.json")
@managers
def export_directory(code: str):
    """The centre's directory in the Open Referral HSDS 3.0 shape (audited as an export)."""
    centre = centre_queries.get_centre_by_code_or_404(code, current_staff())
    document = directory.export_directory(current_staff(), centre)
    return committed(Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{centre.code}-directory.json"'},
    ))
