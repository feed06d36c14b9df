"""Visits: registration with its ticket, today's queue, one visit, and the desk's transitions
(call, start, finish, leave) — the same services as the desk's pages (``intake.views``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from api.auth import blueprint, current_staff
from api.errors import Problem, invalid, referenced, refusals
from api.people import agency_ref
from api.schemas import visits as schemas
from api.schemas.base import ROUTE_ID, VersionArgs
from api.versions import CREATED_HEADERS, ETAG_HEADER, IF_MATCH, etag_headers, expected_version
from cases.queries import CENTRE_ROLES, get_client_or_404
from centers.models import Domain, Staff
from core import audit
from core.extensions import db
from core.roles import Role
from intake import services
from intake.models import Visit, VisitStop, VisitSuggestion
from intake.queries import get_visit_or_404, todays_queue_query

IDEMPOTENCY_KEY_MAX = 200

blp = blueprint("api_visits", __name__, "방문: 접수와 번호표, 오늘 대기 현황, 창구 처리")
ID = ROUTE_ID

_LOAD = (
    selectinload(Visit.stops).selectinload(VisitStop.agency),
    selectinload(Visit.purposes), selectinload(Visit.client),
    selectinload(Visit.suggestions).selectinload(VisitSuggestion.service),
    selectinload(Visit.suggestions).selectinload(VisitSuggestion.agency),
)


def visit_data(visit: Visit, actor: Staff) -> dict:
    stop = visit.current_stop
    return {
        "id": visit.id, "ticket_number": visit.ticket_number, "status": visit.status.value,
        "visit_date": visit.visit_date, "arrived_at": visit.arrived_at,
        "finished_at": visit.finished_at, "party_size": visit.party_size, "note": visit.note,
        "person": ({"id": visit.client.id, "masked_name": visit.client.masked_name}
                   if visit.client else None),
        "purposes": [p.domain.value for p in visit.purposes],
        "stops": [{"id": s.id, "agency": agency_ref(s.agency), "position": s.position,
                   "status": s.status.value, "queued_at": s.queued_at, "called_at": s.called_at,
                   "started_at": s.started_at, "finished_at": s.finished_at}
                  for s in visit.stops],
        "current_stop_id": stop.id if stop else None,
        "allowed_actions": services.visit_actions(actor, visit),
        "suggestions": [{"service_id": s.service_id, "name": s.service.name,
                         "reasons": s.reason_texts,
                         "agency": agency_ref(s.agency) if s.agency else None, "desk": s.desk}
                        for s in visit.suggestions],
        "version": visit.version,
    }


IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX},
    "description": "한 번의 접수에 하나씩 만든 값(예: UUID). 응답을 못 받아 같은 키와 같은 본문으로 "
                   "다시 보내면 처음 접수한 방문을 그대로 돌려주고(번호표를 새로 주지 않음, "
                   "Idempotent-Replayed: true), 같은 키로 다른 본문을 보내면 422 "
                   "idempotency-key-reused. 키는 보낸 직원마다 따로 셉니다.",
}


@blp.route("/visits", methods=["POST"])
@blp.arguments(schemas.VisitCreate)
@blp.response(201, schemas.Visit, headers=CREATED_HEADERS)
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.alt_response(404, response="NOT_FOUND")
def register(args):
    """Register today's visit and issue its ticket number (``ticket_number``).

    Without ``person_id`` the visit is anonymous. A person needs collection consent in force.
    With an ``Idempotency-Key`` header, a retry of the same request issues no second ticket.
    """
    actor = current_staff(services.DESK_ROLES)
    centre = actor.centre
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 0 < len(key) <= IDEMPOTENCY_KEY_MAX:
        raise invalid("Idempotency-Key", f"1자 이상 {IDEMPOTENCY_KEY_MAX}자 이하로 보내세요.",
                      location="header")
    submission = services.api_submission_key(actor, key) if key else None
    client = None
    if args["person_id"] is not None:
        client = referenced(lambda: get_client_or_404(args["person_id"], actor,
                                                      purpose="visit_opened"), "person_id",
                        "그 번호의 사람이 없거나 볼 수 없습니다.")
    agencies = {agency.id: agency for agency in centre.agencies}
    unknown = [agency_id for agency_id in args["plan"] if agency_id not in agencies]
    if unknown:
        db.session.rollback()
        raise invalid("plan", "이 센터에 없는 창구 번호가 있습니다: "
                      + ", ".join(str(i) for i in unknown))
    wanted = {"client": client, "purposes": [Domain(p) for p in args["purposes"]],
              "plan": [agencies[i] for i in args["plan"]], "note": args["note"],
              "party_size": args["party_size"]}
    earlier = services.submitted_visit(centre, submission)
    if earlier is not None:
        return _replayed(earlier, actor, wanted)
    try:
        with refusals():
            visit = services.register_visit(actor, centre, submission_key=submission, **wanted)
        db.session.commit()
    except sa.exc.IntegrityError:
        # The same key sent twice at the same moment: the other request's visit stands.
        db.session.rollback()
        earlier = services.submitted_visit(centre, submission)
        if earlier is None:
            raise
        return _replayed(earlier, actor, wanted)
    visit = get_visit_or_404(visit.id, actor, purpose=None)
    return visit_data(visit, actor), 201, {**etag_headers(visit),
                                           "Location": f"/api/v1/visits/{visit.id}"}


def _replayed(earlier: Visit, actor: Staff, wanted: dict):
    """The answer to a retry: the first visit again, or 422 when the body differs."""
    if not services.same_registration(earlier, **wanted):
        db.session.rollback()
        raise Problem("idempotency-key-reused", "이 Idempotency-Key로 이미 다른 내용의 방문을 "
                      "접수했습니다. 새 접수에는 새 키를 쓰세요.")
    visit = get_visit_or_404(earlier.id, actor, purpose=None)
    db.session.commit()
    return visit_data(visit, actor), 201, {**etag_headers(visit), "Idempotent-Replayed": "true",
                                           "Location": f"/api/v1/visits/{visit.id}"}


@blp.route("/queue", methods=["GET"])
@blp.arguments(schemas.QueueArgs, location="query")
@blp.response(200, schemas.VisitPage)
@blp.alt_response(404, response="NOT_FOUND")
def queue(args):
    """Today's visits at the caller's centre in arrival order, like the desk's queue page.

    With ``agency``, only visitors waiting, called or in service at that desk; a caseworker
    sees their own agency's desk unless they name another.
    """
    actor = current_staff(CENTRE_ROLES)
    agency_id = args["agency"]
    if agency_id is None and actor.role == Role.CASEWORKER:
        agency_id = actor.agency_id
    if agency_id and agency_id not in {a.id for a in actor.centre.visible_agencies()}:
        raise NotFound()  # as the web queue: another centre's desk is no queue of ours
    query = todays_queue_query(actor, agency_id).options(*_LOAD[3:])
    page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)
    answer = {"items": [visit_data(v, actor) for v in page.items], "total": page.total,
              "page": page.page, "per_page": page.per_page, "pages": page.pages}
    audit.record_listing("visit.listed", [v.client_id for v in page.items], page="api.queue",
                         actor=actor)
    db.session.commit()
    return answer


@blp.route(f"/visits/<{ID}:visit_id>", methods=["GET"])
@blp.response(200, schemas.Visit, headers={"ETag": ETAG_HEADER})
def show(visit_id: int):
    """One visit of the caller's centre, with its desk plan and what the caller can do now."""
    actor = current_staff(CENTRE_ROLES)
    visit = get_visit_or_404(visit_id, actor)
    answer, headers = visit_data(visit, actor), etag_headers(visit)
    db.session.commit()  # the audit event of this read
    return answer, 200, headers


def _act(visit_id: int, args: dict, action: str):
    actor = current_staff(CENTRE_ROLES)
    visit = get_visit_or_404(visit_id, actor, purpose=None)
    version = expected_version(visit, args.get("version"))
    with refusals():
        if action == "leave":
            services.leave(actor, visit, version=version)
        else:
            services.transition(actor, visit, action, version=version)
    db.session.commit()
    visit = get_visit_or_404(visit_id, actor, purpose=None)
    return visit_data(visit, actor), 200, etag_headers(visit)


_TRANSITION_DOC = {"parameters": [IF_MATCH]}


@blp.route(f"/visits/<{ID}:visit_id>/call", methods=["POST"])
@blp.arguments(VersionArgs, required=False)
@blp.response(200, schemas.Visit, headers={"ETag": ETAG_HEADER})
@blp.doc(**_TRANSITION_DOC)
def call(args, visit_id: int):
    """Call the visitor to the current desk (the waiting board shows the number)."""
    return _act(visit_id, args, "call")


@blp.route(f"/visits/<{ID}:visit_id>/start", methods=["POST"])
@blp.arguments(VersionArgs, required=False)
@blp.response(200, schemas.Visit, headers={"ETag": ETAG_HEADER})
@blp.doc(**_TRANSITION_DOC)
def start(args, visit_id: int):
    """Start serving the visitor at the current desk."""
    return _act(visit_id, args, "start")


@blp.route(f"/visits/<{ID}:visit_id>/finish", methods=["POST"])
@blp.arguments(VersionArgs, required=False)
@blp.response(200, schemas.Visit, headers={"ETag": ETAG_HEADER})
@blp.doc(**_TRANSITION_DOC)
def finish(args, visit_id: int):
    """Finish at the current desk; the visitor moves on to the next desk of the plan."""
    return _act(visit_id, args, "finish")


@blp.route(f"/visits/<{ID}:visit_id>/leave", methods=["POST"])
@blp.arguments(VersionArgs, required=False)
@blp.response(200, schemas.Visit, headers={"ETag": ETAG_HEADER})
@blp.doc(**_TRANSITION_DOC)
def leave(args, visit_id: int):
    """The visitor went home: the open desks of the plan are cancelled."""
    return _act(visit_id, args, "leave")
