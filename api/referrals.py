"""Referrals between agencies: send, the inbox and outbox, and each transition — the same
loaders and state machine as the referral pages (``referrals.views``)."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from api.auth import blueprint, current_staff
from api.cases import staff_ref
from api.errors import invalid, referenced, refusals, register_refusal
from api.people import agency_ref
from api.schemas import referrals as schemas
from api.schemas.base import ROUTE_ID
from api.versions import CREATED_HEADERS, ETAG_HEADER, IF_MATCH, etag_headers, expected_version
from cases.queries import get_case_or_404
from centers.models import Agency, Staff
from core import audit
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from referrals import notifications, services
from referrals.models import (
    ContactPreference,
    DeclineReason,
    Outcome,
    Referral,
    ReferralEvent,
    Urgency,
)
from referrals.queries import get_referral_or_404, overdue_clause, referrals_visible_to

blp = blueprint("api_referrals", __name__, "의뢰: 보내기, 받은·보낸 의뢰, 수락·반려·진행·완료·취소")
ID = ROUTE_ID
READERS = (Role.CASEWORKER, Role.MANAGER)

register_refusal(services.ReferralError, "rule-violation")
register_refusal(services.ReferralConflict, "version-conflict")


def referral_data(referral: Referral, actor: Staff) -> dict:
    return {
        "id": referral.id, "status": referral.status.value,
        "person": {"id": referral.client.id, "masked_name": referral.client.masked_name},
        "from_case_id": referral.from_case_id, "to_case_id": referral.to_case_id,
        "from_agency": agency_ref(referral.from_agency), "to_agency": agency_ref(referral.to_agency),
        "service_id": referral.service_id, "reason": referral.reason, "needs": referral.needs,
        "urgency": referral.urgency.value, "contact_preference": referral.contact_preference.value,
        "sent_by": staff_ref(referral.sent_by), "sent_at": referral.sent_at,
        "due_at": referral.due_at, "is_overdue": referral.is_overdue(utcnow()),
        "assigned_to": staff_ref(referral.assigned_to) if referral.assigned_to else None,
        "decline_reason": referral.decline_reason.value if referral.decline_reason else None,
        "outcome": referral.outcome.value if referral.outcome else None,
        "closing_note": referral.closing_note,
        "allowed_actions": services.allowed_actions(actor, referral),
        "events": [{"at": e.at, "from_status": e.from_status.value if e.from_status else None,
                    "to_status": e.to_status.value, "note": e.note, "actor": staff_ref(e.actor)}
                   for e in referral.events],
        "version": referral.version,
    }


@blp.route("/referrals", methods=["POST"])
@blp.arguments(schemas.ReferralCreate)
@blp.response(201, schemas.Referral, headers=CREATED_HEADERS)
@blp.alt_response(404, response="NOT_FOUND")
def send(args):
    """Refer the person of one of the caller's agency's cases to another agency.

    Refused (422) without sharing consent for that agency, or with an open referral there.
    A ``case_id`` that does not exist or that the caller may not change answers 404.
    """
    actor = current_staff((Role.CASEWORKER,))
    case = referenced(lambda: get_case_or_404(args["case_id"], actor, need="edit"), "case_id",
                      "그 번호의 사례가 없거나 볼 수 없습니다.")
    to_agency = db.session.get(Agency, args["to_agency_id"])
    if to_agency is None or to_agency.centre_id != actor.centre_id:
        db.session.rollback()
        raise invalid("to_agency_id", "그 번호의 기관이 이 센터에 없습니다.")
    with refusals():
        referral = services.send(
            actor, case, to_agency, reason=args["reason"], needs=args["needs"],
            urgency=Urgency(args["urgency"]),
            contact_preference=ContactPreference(args["contact_preference"]),
            service_id=args["service_id"])
    db.session.commit()
    return referral_data(referral, actor), 201, {
        **etag_headers(referral), "Location": f"/api/v1/referrals/{referral.id}"}


@blp.route("/referrals", methods=["GET"])
@blp.arguments(schemas.ReferralListArgs, location="query")
@blp.response(200, schemas.ReferralPage)
def listing(args):
    """``box=incoming``: referrals to the caller's agency; ``outgoing``: from it (a manager
    sees the centre's). Filters: status, urgency, the other agency, overdue."""
    actor = current_staff(READERS)
    query = referrals_visible_to(actor)
    if actor.role == Role.CASEWORKER:
        own = Referral.to_agency_id if args["box"] == "incoming" else Referral.from_agency_id
        query = query.where(own == actor.agency_id)
    if args["status"]:
        query = query.where(Referral.status == args["status"])
    if args["urgency"]:
        query = query.where(Referral.urgency == args["urgency"])
    if args["agency"]:
        other = Referral.from_agency_id if args["box"] == "incoming" else Referral.to_agency_id
        query = query.where(other == args["agency"])
    if args["overdue"]:
        query = query.where(overdue_clause())
    # Everything referral_data shows, a query per relation, whatever the page's length.
    query = query.options(
        selectinload(Referral.events).selectinload(ReferralEvent.actor),
        selectinload(Referral.client), selectinload(Referral.from_agency),
        selectinload(Referral.to_agency), selectinload(Referral.sent_by),
        selectinload(Referral.assigned_to),
    ).order_by(Referral.sent_at.desc(), Referral.id.desc())
    page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)
    answer = {"items": [referral_data(r, actor) for r in page.items], "total": page.total,
              "page": page.page, "per_page": page.per_page, "pages": page.pages}
    audit.record_listing("referral.listed", [r.client_id for r in page.items],
                         page="api.referrals", actor=actor)
    db.session.commit()
    return answer


@blp.route(f"/referrals/<{ID}:referral_id>", methods=["GET"])
@blp.response(200, schemas.Referral, headers={"ETag": ETAG_HEADER})
def show(referral_id: int):
    """One referral with its timeline (reading it is no step: ``POST …/receive`` confirms)."""
    actor = current_staff(READERS)
    referral = get_referral_or_404(referral_id, actor)
    notifications.mark_read(actor, referral_id=referral.id)
    db.session.commit()
    return referral_data(referral, actor), 200, etag_headers(referral)


def _transition(action: str):
    def view(args, referral_id: int):
        actor = current_staff((Role.CASEWORKER,))
        referral = get_referral_or_404(referral_id, actor)
        version = expected_version(referral, args["version"])
        assignee = None
        if args["assignee_id"] is not None:
            assignee = db.session.get(Staff, args["assignee_id"])
            if assignee is None:
                db.session.rollback()
                raise invalid("assignee_id", "그 번호의 직원이 없습니다.")
        with refusals():
            services.check_version(referral, version)
            services.transition(
                actor, referral, action, note=args["note"], assignee=assignee,
                decline_reason=DeclineReason(args["decline_reason"])
                if args["decline_reason"] else None,
                outcome=Outcome(args["outcome"]) if args["outcome"] else None)
        db.session.commit()
        return referral_data(referral, actor), 200, etag_headers(referral)

    view.__name__ = action
    view.__doc__ = {
        "receive": "Confirm receipt (receiving agency): 접수확인.",
        "accept": "Accept (receiving agency): assigns a caseworker and opens or links a case.",
        "decline": "Decline (receiving agency) with a coded ``decline_reason`` and a ``note``.",
        "start": "Mark in progress (receiving agency).",
        "complete": "Complete (receiving agency) with a coded ``outcome``.",
        "cancel": "Cancel (sending agency) with a ``note`` saying why.",
    }[action] + " Needs the version (If-Match or ``version``)."
    return view


for _action in services.TRANSITIONS:
    blp.route(f"/referrals/<{ID}:referral_id>/{_action}", methods=["POST"])(
        blp.doc(parameters=[IF_MATCH])(
            blp.response(200, schemas.Referral, headers={"ETag": ETAG_HEADER})(
                blp.arguments(schemas.ReferralAction)(_transition(_action)))))



