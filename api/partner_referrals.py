"""The referral-out exchange for partner systems: poll the referrals sent to the partner,
read one, answer it — states as HL7 FHIR Task.status (requested, accepted, rejected,
in-progress, completed, cancelled; docs/partner-exchange.md). The same services as the
partner's one-time link (``referrals.outward``), authenticated by the partner's own API key.
"""

from __future__ import annotations

from flask import g, request
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy.orm import selectinload

from api.errors import Problem, refusals, register_refusal
from api.schemas import base as schemas
from api.versions import ETAG_HEADER, IF_MATCH, etag_headers, expected_version
from core import audit
from core.extensions import csrf, db
from partners.services import authenticate_partner
from referrals import exchange, outward
from referrals.models import DeclineReason, Outcome, PartnerReferral

PARTNER_SCHEME = "partnerKey"

blp = Blueprint("api_partner_referrals", __name__, description=(
    "협력기관 시스템: 받은 의뢰 읽기(폴링), 수락·반려·진행·완료 — 협력기관 API 키(hjp_…)로 인증"))
csrf.exempt(blp)
ID = schemas.ROUTE_ID
SECURITY = [{PARTNER_SCHEME: []}]

register_refusal(outward.PartnerReferralError, "rule-violation")
register_refusal(outward.PartnerReferralConflict, "version-conflict")


@blp.before_request
def authenticate() -> None:
    """:raise 401: no partner key, or one that is unknown, replaced or of an inactive partner."""
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    partner = authenticate_partner(secret.strip()) if scheme.lower() == "bearer" else None
    if partner is None:
        raise Problem("unauthorized", "협력기관 API 키(hjp_…)를 Authorization: Bearer로 보내세요. "
                      "키는 센터 관리자가 협력기관 화면에서 만듭니다.",
                      headers={"WWW-Authenticate": 'Bearer realm="hanjari-partner"'})
    g.api_partner = partner
    g.audit_via = f"partner-api:{partner.api_key_prefix}"


class ListArgs(schemas.PageArgs):
    since = fields.AwareDateTime(load_default=None, metadata={
        "description": "이 시각 뒤에 바뀐 의뢰만 (폴링: 지난번 응답의 가장 늦은 last_modified)"})
    status = fields.String(load_default=None, validate=schemas.one_of(exchange.FHIR_STATUS.values()))


class PartnerRequester(schemas.Schema):
    centre = fields.String(required=True)
    agency = fields.String(required=True)
    agency_phone = fields.String(required=True, allow_none=True)
    caseworker = fields.String(required=True)


class PartnerConsent(schemas.Schema):
    method = fields.String(required=True)
    given_on = fields.String(required=True)
    withdrawn = fields.Boolean(required=True)


class PartnerServiceRef(schemas.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    external_id = fields.String(required=True, allow_none=True)


class PartnerReferralSchema(schemas.Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=schemas.one_of(exchange.FHIR_STATUS.values()),
                           metadata={"description": "FHIR Task.status"})
    hanjari_status = fields.String(required=True)
    intent = fields.String(required=True)
    priority = fields.String(required=True)
    authored_on = fields.DateTime(required=True)
    due = fields.DateTime(required=True)
    last_modified = fields.DateTime(required=True)
    version = fields.Integer(required=True)
    requester = fields.Nested(PartnerRequester, required=True)
    consent = fields.Nested(PartnerConsent, required=True)
    subject = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                          allow_none=True, metadata={
                              "description": "의뢰가 보여 주는 항목만 (name, reason, birth_date, "
                                             "phone, address, needs). 동의 철회 뒤에는 null"})
    shared_items = fields.List(fields.String(), required=True)
    service = fields.Nested(PartnerServiceRef, required=True, allow_none=True)
    contact_preference = fields.String(required=True)
    status_reason = fields.String(required=True, allow_none=True)
    outcome = fields.String(required=True, allow_none=True)
    note = fields.String(required=True)
    allowed_statuses = fields.List(fields.String(), required=True)


PartnerReferralPage = schemas.page_of(PartnerReferralSchema, "PartnerReferralPage")


class StatusChange(schemas.VersionArgs):
    status = fields.String(required=True, validate=schemas.one_of(exchange.ACTION_FOR_STATUS))
    status_reason = schemas.enum_field(DeclineReason, load_default=None, allow_none=True,
                                       metadata={"description": "rejected일 때 반려 사유 코드"})
    outcome = schemas.enum_field(Outcome, load_default=None, allow_none=True,
                                 metadata={"description": "completed일 때 결과 코드"})
    note = fields.String(load_default="", validate=schemas.max_length(4000))
    responder = fields.String(load_default="", validate=schemas.max_length(100))


def _get(referral_id: int) -> PartnerReferral:
    """:raise 404: not a referral to the calling partner."""
    referral = db.session.scalar(
        db.select(PartnerReferral).where(PartnerReferral.id == referral_id,
                                         PartnerReferral.partner_id == g.api_partner.id))
    if referral is None:
        db.session.commit()
        raise Problem("not-found")
    audit.record("partner_referral.opened", actor=outward.partner_actor(referral),
                 subject=referral, client_id=referral.client_id, centre_id=referral.centre_id,
                 detail={"via": "api"})
    return referral


@blp.route("/partner/referrals", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.arguments(ListArgs, location="query")
@blp.response(200, PartnerReferralPage)
def listing(args):
    """The referrals sent to the calling partner, last changed first; ``since`` for polling."""
    partner = g.api_partner
    query = db.select(PartnerReferral).where(PartnerReferral.partner_id == partner.id)
    if args["since"] is not None:
        query = query.where(PartnerReferral.updated_at > args["since"])
    if args["status"]:
        wanted = [ours for ours, theirs in exchange.FHIR_STATUS.items() if theirs == args["status"]]
        query = query.where(PartnerReferral.status.in_(wanted))
    query = query.options(selectinload(PartnerReferral.client),
                          selectinload(PartnerReferral.from_agency),
                          selectinload(PartnerReferral.sent_by),
                          selectinload(PartnerReferral.service)).order_by(
        PartnerReferral.updated_at.desc(), PartnerReferral.id.desc())
    page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)
    answer = {"items": [exchange.referral_json(r) for r in page.items], "total": page.total,
              "page": page.page, "per_page": page.per_page, "pages": page.pages}
    audit.record_listing("partner_referral.listed", [r.client_id for r in page.items],
                         page="api.partner_referrals",
                         actor=outward.partner_actor(page.items[0]) if page.items else None)
    db.session.commit()
    return answer


@blp.route(f"/partner/referrals/<{ID}:referral_id>", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.response(200, PartnerReferralSchema, headers={"ETag": ETAG_HEADER})
def show(referral_id: int):
    """One referral: only what it shares (nothing of the person after a withdrawn consent)."""
    referral = _get(referral_id)
    answer = exchange.referral_json(referral)
    db.session.commit()
    return answer, 200, etag_headers(referral)


@blp.route(f"/partner/referrals/<{ID}:referral_id>/status", methods=["POST"])
@blp.doc(security=SECURITY, parameters=[IF_MATCH])
@blp.arguments(StatusChange)
@blp.response(200, PartnerReferralSchema, headers={"ETag": ETAG_HEADER})
def change_status(args, referral_id: int):
    """Move the referral: ``accepted`` or ``rejected`` (with ``status_reason`` and ``note``)
    from requested, ``in-progress`` from accepted, ``completed`` (with ``outcome``).
    Needs the version (If-Match or ``version``)."""
    referral = _get(referral_id)
    version = expected_version(referral, args["version"])
    with refusals():
        outward.partner_transition(
            referral, exchange.ACTION_FOR_STATUS[args["status"]], note=args["note"],
            responder=args["responder"],
            decline_reason=DeclineReason(args["status_reason"]) if args["status_reason"] else None,
            outcome=Outcome(args["outcome"]) if args["outcome"] else None, version=version)
    db.session.commit()
    return exchange.referral_json(referral), 200, etag_headers(referral)
