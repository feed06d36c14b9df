"""Front-desk screens: search, registration, the person's page and consent.

The blueprint ``intake`` is made here; its visit and queue screens are in
:mod:`intake.visit_views`."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from cases import people
from cases import services as casework
from cases.consent_texts import DEFAULT_TEXTS, RECIPIENT_DEFAULT
from cases.models import Client, ClientLink, Consent, ConsentDocument, ConsentKind, ConsentMethod
from cases.queries import (
    CENTRE_ROLES,
    clients_visible_to,
    get_client_or_404,
    search_clients,
    understand,
    visible_client_ids,
)
from catalogue.models import CustomerType
from core import audit
from core.clock import local_today
from core.extensions import db
from core.forms import EmptyForm, choices, error_text
from core.roles import Role, roles_required
from core.views import commit_or_flash, committed, current_staff
from intake import services
from intake.forms import (
    CarriedSearchForm,
    ClientEditForm,
    ConsentDocumentForm,
    ConsentForm,
    LinkForm,
    RegistrationForm,
    SearchForm,
    WithdrawForm,
)
from intake.models import Visit, VisitStop
from intake.queries import last_visit_dates

bp = Blueprint("intake", __name__, url_prefix="/intake")

desk = roles_required(*services.DESK_ROLES)
centre_staff = roles_required(*CENTRE_ROLES)
manager_only = roles_required(Role.MANAGER)


def _centre():
    return current_staff().centre


# --- search ------------------------------------------------------------------------------

@bp.route("/", methods=["GET", "POST"], endpoint="search")
@desk
def search():
    """Search terms are personal data: they come in a POST body, never in the URL."""
    form = SearchForm()
    results, terms, last_visits = None, None, {}
    if form.validate_on_submit():
        terms = understand(form.q.data, rrn_allowed=_centre().processes_rrn)
        results = search_clients(current_staff(), terms)
        last_visits = last_visit_dates([c.id for c in results])
        audit.record_listing("client.searched", [c.id for c in results],
                             understood_as=terms.kind, page="intake.search")
    return committed(render_template("intake/search.html", form=form, results=results,
                                      terms=terms, last_visits=last_visits))


# --- registration ------------------------------------------------------------------------

def _customer_type_choices():
    types = db.session.scalars(sa.select(CustomerType).order_by(CustomerType.sort_order))
    return choices((t.code, t.label) for t in types)


@bp.route("/people/new", methods=["GET", "POST"])
@desk
def register_person():
    centre = _centre()
    collection = people.current_document(centre.id, ConsentKind.COLLECTION)
    third_party = people.current_document(centre.id, ConsentKind.THIRD_PARTY)
    carried = CarriedSearchForm().carried()
    form = RegistrationForm(formdata=None, data=carried) if carried else RegistrationForm()
    form.customer_types.choices = _customer_type_choices()
    form.third_party_agencies.choices = (
        [(r.agency_id, r.agency.name) for r in third_party.recipients] if third_party else []
    )
    if not centre.processes_rrn:
        del form.rrn
    candidates = []
    if not carried and collection is not None and form.validate_on_submit():
        rrn = form.rrn.data if "rrn" in form else None
        candidates = people.likely_duplicates(
            centre, name=form.name.data, birth_date=form.parsed_birth_date,
            phone=form.normalised_phone,
            rrn_digits=rrn.replace("-", "") if rrn else None,
        )
        if candidates and form.confirmed_new.data != "1":
            form.confirmed_new.data = "1"
            return render_template("intake/register.html", form=form, candidates=candidates,
                                   collection=collection, third_party=third_party)
        try:
            client = people.register_with_consent(
                current_staff(), centre, form.values(), rrn=rrn,
                method=ConsentMethod(form.consent_method.data),
                expires_on=form.consent_expires_on.data,
                third_party_agency_ids=form.third_party_agencies.data if third_party else None,
            )
        except people.ClientError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("%(name)s 님을 등록했습니다.", name=client.name), "success")
            return redirect(url_for("intake.new_visit", client_id=client.id))
    return render_template("intake/register.html", form=form, candidates=candidates,
                           collection=collection, third_party=third_party)


# --- the person's page -------------------------------------------------------------------

@bp.get("/people/<int:client_id>")
@centre_staff
def show_person(client_id: int):
    client = get_client_or_404(client_id, current_staff())
    visits = db.session.scalars(
        services.visits_visible_to(current_staff())
        .where(Visit.client_id == client.id)
        .options(selectinload(Visit.purposes), selectinload(Visit.stops).selectinload(VisitStop.agency))
        .order_by(Visit.arrived_at.desc())
        .limit(20)
    ).all()
    actor = current_staff()
    links = people.active_links(client)
    return committed(render_template(
        "intake/person.html", client=client, visits=visits, links=links,
        visible_links=visible_client_ids(
            actor, [link.client_id if link.other_client_id == client.id else link.other_client_id
                    for link in links]),
        masked_rrn=people.masked_rrn(client), today=local_today(), withdraw_form=WithdrawForm(),
        link_form=LinkForm(), buttons=EmptyForm(),
        may_edit=people.may_edit_person(actor, client),
        may_print_access_history=people.may_print_access_history(actor, client),
        may_reveal=people.may_reveal_rrn(actor, client),
        may_withdraw=lambda consent: people.may_withdraw_consent(actor, consent),
        may_read_cases=casework.may_read_cases(actor),
        may_register_visit=services.may_register_visit(actor, actor.centre, client),
    ))


@bp.route("/people/<int:client_id>/edit", methods=["GET", "POST"])
@desk
def edit_person(client_id: int):
    client = get_client_or_404(client_id, current_staff(), purpose="edit_opened")
    if not people.may_edit_person(current_staff(), client):
        abort(403)
    form = ClientEditForm(obj=client)
    del form.rrn
    form.customer_types.choices = _customer_type_choices()
    if request.method == "GET":
        form.customer_types.data = [t.code for t in client.customer_types]
        form.birth_date.data = client.birth_date.isoformat()
        form.phone.data = people.identity.format_phone(client.phone) if client.phone else ""
        form.version.data = str(client.version)
        db.session.commit()
    elif form.validate_on_submit():
        try:
            people.update_client(current_staff(), client, form.values(),
                                 version=form.version.data)
        except people.ClientError as error:
            db.session.rollback()
            flash(str(error), "warning")
            form.version.data = str(db.session.get(Client, client_id).version)
        else:
            db.session.commit()
            flash(_("저장했습니다."), "success")
            return redirect(url_for("intake.show_person", client_id=client.id))
    return render_template("intake/edit_person.html", form=form, client=client)


@bp.post("/people/<int:client_id>/reveal-rrn")
@desk
def reveal_rrn(client_id: int):
    client = get_client_or_404(client_id, current_staff())
    if not people.may_reveal_rrn(current_staff(), client):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    rrn = people.reveal_rrn(current_staff(), client)
    db.session.commit()
    return render_template("intake/rrn.html", client=client, rrn=rrn)


@bp.post("/people/<int:client_id>/links")
@desk
def link_person(client_id: int):
    client = get_client_or_404(client_id, current_staff())
    if not people.may_edit_person(current_staff(), client):
        abort(403)
    form = LinkForm()
    if form.validate_on_submit():
        other = db.session.scalar(clients_visible_to(current_staff()).where(Client.id == form.other_id.data))
        if other is None:
            flash(_("그 번호의 기록이 이 센터에 없습니다."), "danger")
        else:
            commit_or_flash(lambda: people.link_clients(current_staff(), client, other,
                                                        form.reason.data),
                            _("두 기록을 같은 사람으로 연결했습니다. 합치거나 지우지 않았습니다."))
    else:
        flash(error_text(form), "danger")
    return redirect(url_for("intake.show_person", client_id=client.id))


@bp.post("/links/<int:link_id>/unlink")
@desk
def unlink_person(link_id: int):
    link = db.get_or_404(ClientLink, link_id)
    client = get_client_or_404(link.client_id, current_staff())
    if not people.may_edit_person(current_staff(), client):
        abort(403)
    if EmptyForm().validate_on_submit():
        commit_or_flash(lambda: people.unlink_clients(current_staff(), link), _("연결을 해제했습니다."))
    return redirect(url_for("intake.show_person", client_id=client.id))


# --- consent -----------------------------------------------------------------------------

@bp.route("/people/<int:client_id>/consents/new", methods=["GET", "POST"])
@desk
def record_consent(client_id: int):
    client = get_client_or_404(client_id, current_staff())
    if not people.may_edit_person(current_staff(), client):
        abort(403)
    documents = {kind: people.current_document(client.centre_id, kind) for kind in ConsentKind}
    form = ConsentForm()
    form.kind.choices = [(k.value, f"{k.label} ({_('제%(v)d판', v=d.version)})")
                         for k, d in documents.items() if d]
    third_party = documents[ConsentKind.THIRD_PARTY]
    form.agencies.choices = [(r.agency_id, r.agency.name) for r in third_party.recipients] \
        if third_party else []
    if form.validate_on_submit():
        try:
            people.record_consent(
                current_staff(), client, documents[ConsentKind(form.kind.data)],
                method=ConsentMethod(form.method.data), given_on=form.given_on.data,
                expires_on=form.expires_on.data, agency_ids=form.agencies.data,
            )
        except people.ClientError as error:
            db.session.rollback()
            form.kind.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("동의를 기록했습니다."), "success")
            return redirect(url_for("intake.show_person", client_id=client.id))
    else:
        db.session.commit()
    return render_template("intake/consent_form.html", form=form, client=client,
                           documents=documents)


def _consent_or_404(consent_id: int) -> Consent:
    consent = db.get_or_404(Consent, consent_id)
    get_client_or_404(consent.client_id, current_staff(), purpose="consent_opened")
    return consent


@bp.post("/consents/<int:consent_id>/withdraw")
@desk
def withdraw_consent(consent_id: int):
    consent = _consent_or_404(consent_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        commit_or_flash(lambda: people.withdraw_consent(current_staff(), consent, form.note.data or ""),
                        _("동의 철회를 기록했습니다. 기록은 지워지지 않습니다."))
    return redirect(url_for("intake.show_person", client_id=consent.client_id))


@bp.get("/consents/<int:consent_id>/receipt")
@centre_staff
def consent_receipt(consent_id: int):
    consent = _consent_or_404(consent_id)
    audit.record("consent.receipt_printed", actor=current_staff(), subject=consent,
                 client_id=consent.client_id)
    return committed(render_template("intake/consent_receipt.html", consent=consent,
                                     document=consent.document, client=consent.client))


@bp.get("/consent-documents")
@manager_only
def consent_documents():
    documents = db.session.scalars(
        sa.select(ConsentDocument)
        .where(ConsentDocument.centre_id == current_staff().centre_id)
        .order_by(ConsentDocument.kind, ConsentDocument.version.desc())
    ).all()
    return render_template("intake/consent_documents.html", documents=documents,
                           kinds=list(ConsentKind))


@bp.route("/consent-documents/<kind>/new", methods=["GET", "POST"])
@manager_only
def publish_consent_document(kind: str):
    if kind not in ConsentKind._value2member_map_:
        abort(404)
    kind = ConsentKind(kind)
    centre = _centre()
    previous = people.current_document(centre.id, kind)
    form = ConsentDocumentForm(obj=previous) if previous else \
        ConsentDocumentForm(data=DEFAULT_TEXTS[kind])
    if kind == ConsentKind.THIRD_PARTY:
        form.offer_recipients(centre.visible_agencies(),
                              {r.agency_id: r for r in previous.recipients} if previous else {},
                              RECIPIENT_DEFAULT)
    if form.validate_on_submit():
        recipients = form.recipients() if kind == ConsentKind.THIRD_PARTY else None
        try:
            values = {name: getattr(form, name).data for name in
                      ("title", "purpose", "items", "retention", "refusal_notice")}
            people.publish_document(current_staff(), centre, kind, values, recipients)
        except people.ClientError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("새 판을 게시했습니다. 이제부터 받는 동의는 이 판으로 기록됩니다."), "success")
            return redirect(url_for("intake.consent_documents"))
    return render_template("intake/consent_document_form.html", form=form, kind=kind,
                           previous=previous)


@bp.get("/consent-documents/<int:document_id>/print")
@centre_staff
def print_consent_document(document_id: int):
    document = db.get_or_404(ConsentDocument, document_id)
    if document.centre_id != current_staff().centre_id:
        abort(404)
    return render_template("intake/consent_document_print.html", document=document)
