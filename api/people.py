"""People: search (terms in the body, never the URL), registration with consent and the
duplicate guard, one person's record, consent and its withdrawal.

The same loaders, services and audit events as the desk's pages (``intake.views``).
"""

from __future__ import annotations

from werkzeug.exceptions import NotFound

from api.auth import blueprint, current_staff
from api.errors import Problem, invalid, refusals
from api.schemas import people as schemas
from api.schemas.base import ROUTE_ID
from api.versions import CREATED_HEADERS, ETAG_HEADER, etag_headers
from cases import identity, people
from cases.models import Client, Consent, ConsentKind, ConsentMethod, Sex
from cases.people import DESK_ROLES
from cases.queries import CENTRE_ROLES, get_client_or_404, search_query, understand
from core import audit
from core.clock import local_today
from core.extensions import db
from intake.queries import last_visit_dates

blp = blueprint("api_people", __name__, "사람: 찾기, 등록(동의와 중복 확인), 기록, 동의와 철회")
ID = ROUTE_ID


def person_data(client: Client) -> dict:
    today = local_today()
    return {
        "id": client.id, "name": client.name, "birth_date": client.birth_date,
        "sex": client.sex.value,
        "phone": identity.format_phone(client.phone) if client.phone else None,
        "address_sigungu": client.address_sigungu, "address_detail": client.address_detail,
        "household_size": client.household_size,
        "customer_types": [t.code for t in client.customer_types],
        "masked_rrn": people.masked_rrn(client), "created_at": client.created_at,
        "version": client.version,
        "consents": [consent_data(c, today) for c in client.consents],
    }


def consent_data(consent: Consent, today=None) -> dict:
    return {
        "id": consent.id, "kind": consent.document.kind.value,
        "document_version": consent.document.version, "method": consent.method.value,
        "given_on": consent.given_on, "expires_on": consent.expires_on,
        "recorded_at": consent.recorded_at, "withdrawn_at": consent.withdrawn_at,
        "withdrawal_note": consent.withdrawal_note,
        "in_force": consent.is_in_force(today or local_today()),
        "agencies": [agency_ref(a) for a in consent.agencies],
    }


def agency_ref(agency) -> dict:
    return {"id": agency.id, "name": agency.name, "desk_location": agency.desk_location}


@blp.route("/people/search", methods=["POST"])
@blp.arguments(schemas.PersonSearchArgs)
@blp.response(200, schemas.PersonSearchResult)
def search(args):
    """Find people of the caller's centre (the desk's one search box).

    Search terms are personal data: they travel in the body, never in the URL or its log.
    """
    actor = current_staff(DESK_ROLES)
    terms = understand(args["q"], rrn_allowed=actor.centre.processes_rrn)
    query = search_query(actor, terms)
    if query is None:
        audit.record_listing("client.searched", [], understood_as=terms.kind, results=0,
                             page="api.people.search", actor=actor)
        db.session.commit()
        return {"items": [], "total": 0, "page": args["page"], "per_page": args["per_page"],
                "pages": 0, "understood_as": terms.kind}
    page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False,
                       count=True)
    last_visits = last_visit_dates([c.id for c in page.items])
    items = [{"id": c.id, "masked_name": c.masked_name, "birth_date": c.birth_date,
              "masked_phone": c.masked_phone or None, "last_visit_on": last_visits.get(c.id)}
             for c in page.items]
    audit.record_listing("client.searched", [c.id for c in page.items], understood_as=terms.kind,
                         results=page.total, page="api.people.search", actor=actor)
    db.session.commit()
    return {"items": items, "total": page.total, "page": page.page, "per_page": page.per_page,
            "pages": page.pages, "understood_as": terms.kind}


@blp.route("/people", methods=["POST"])
@blp.arguments(schemas.PersonCreate)
@blp.response(201, schemas.Person, headers=CREATED_HEADERS)
def register(args):
    """Register a person with their consent, together or not at all.

    People who may be the same person (same RRN or phone, same birth date and a similar
    name) are answered with 409 ``duplicate-person`` and their masked details; send again
    with ``confirmed_new: true`` once a person has checked.
    """
    actor = current_staff(DESK_ROLES)
    centre = actor.centre
    consent = args["consent"]
    candidates = people.likely_duplicates(
        centre, name=args["name"], birth_date=args["birth_date"], phone=args["phone"],
        rrn_digits=args["rrn"])
    if candidates and not args["confirmed_new"]:
        raise Problem("duplicate-person", "이미 등록된 사람일 수 있습니다. 확인한 뒤 새로 등록하려면 "
                      "confirmed_new를 true로 보내세요.", candidates=[
                          {"id": c.client.id, "masked_name": c.client.masked_name,
                           "birth_date": c.client.birth_date.isoformat(), "score": c.score,
                           "reasons": [str(r) for r in c.reasons]} for c in candidates])
    values = {name: args[name] for name in (
        "name", "birth_date", "phone", "address_sigungu", "address_detail", "household_size",
        "customer_types")}
    values["sex"] = Sex(args["sex"])
    with refusals():
        client = people.register_with_consent(
            actor, centre, values, rrn=args["rrn"], method=ConsentMethod(consent["method"]),
            expires_on=consent["expires_on"],
            third_party_agency_ids=consent["third_party_agency_ids"])
    db.session.commit()
    return person_data(client), 201, {**etag_headers(client),
                                      "Location": f"/api/v1/people/{client.id}"}


@blp.route(f"/people/<{ID}:person_id>", methods=["GET"])
@blp.response(200, schemas.Person, headers={"ETag": ETAG_HEADER})
def show(person_id: int):
    """One person's record; the read is written to the access log."""
    actor = current_staff(CENTRE_ROLES)
    client = get_client_or_404(person_id, actor)
    data = person_data(client)
    db.session.commit()  # the audit event of this read
    return data, 200, etag_headers(client)


@blp.route(f"/people/<{ID}:person_id>/consents", methods=["POST"])
@blp.arguments(schemas.ConsentCreate)
@blp.response(201, schemas.Consent)
def record_consent(args, person_id: int):
    """Record a consent on the centre's current text of that kind."""
    actor = current_staff(DESK_ROLES)
    client = get_client_or_404(person_id, actor, purpose="consent_opened")
    document = people.current_document(client.centre_id, ConsentKind(args["kind"]))
    if document is None:
        db.session.commit()
        raise invalid("kind", "이 센터에는 아직 그 동의서가 없습니다.")
    with refusals():
        consent = people.record_consent(
            actor, client, document, method=ConsentMethod(args["method"]),
            given_on=args["given_on"] or local_today(), expires_on=args["expires_on"],
            agency_ids=args["agency_ids"])
    db.session.commit()
    return consent_data(consent), 201


@blp.route(f"/people/<{ID}:person_id>/consents/<{ID}:consent_id>/withdraw",
           methods=["POST"])
@blp.arguments(schemas.ConsentWithdraw, required=False)
@blp.response(200, schemas.Consent)
def withdraw_consent(args, person_id: int, consent_id: int):
    """Record the withdrawal of a consent; the consent and its history stay."""
    actor = current_staff(DESK_ROLES)
    client = get_client_or_404(person_id, actor, purpose="consent_opened")
    consent = next((c for c in client.consents if c.id == consent_id), None)
    if consent is None:
        db.session.commit()
        raise NotFound()
    with refusals():
        people.withdraw_consent(actor, consent, args.get("note", ""))
    db.session.commit()
    return consent_data(consent)
