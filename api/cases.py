"""Case records: open a case, read it, add a note, close it — the same loaders and rules as
the caseworker's pages (``cases.views``)."""

from __future__ import annotations

from api.auth import blueprint, current_staff
from api.errors import invalid, referenced, refusals
from api.people import agency_ref
from api.schemas import cases as schemas
from api.schemas.base import ROUTE_ID
from api.versions import CREATED_HEADERS, ETAG_HEADER, IF_MATCH, etag_headers, expected_version
from cases import services as casework
from cases.models import Case, CaseNote, ClosureReason, NoteKind, Priority
from cases.queries import get_case_or_404, get_client_or_404
from centers.models import Staff
from core.extensions import db

blp = blueprint("api_cases", __name__, "사례: 열기, 기록 보기, 메모, 종결")
ID = ROUTE_ID


def staff_ref(staff: Staff) -> dict:
    return {"id": staff.id, "display_name": staff.display_name}


def note_data(note: CaseNote, actor: Staff) -> dict:
    visible = casework.note_visible_to(note, actor)
    return {
        "id": note.id, "kind": note.kind.value, "body": note.body if visible else None,
        "is_confidential": note.is_confidential, "author": staff_ref(note.author),
        "agency_id": note.agency_id, "created_at": note.created_at,
        "updated_at": note.updated_at, "version": note.version,
    }


def case_data(case: Case, actor: Staff) -> dict:
    return {
        "id": case.id, "status": case.status.value, "priority": case.priority.value,
        "summary": case.summary, "person": {"id": case.client.id, "name": case.client.name},
        "agency": agency_ref(case.agency), "caseworker": staff_ref(case.caseworker),
        "opened_at": case.opened_at, "closed_at": case.closed_at,
        "closure_reason": case.closure_reason.value if case.closure_reason else None,
        "closure_note": case.closure_note, "follow_up_on": case.follow_up_on,
        "last_contact_at": case.last_contact_at,
        "allowed_transitions": casework.status_actions(actor, case),
        "events": [{"at": e.at, "from_status": e.from_status.value if e.from_status else None,
                    "to_status": e.to_status.value, "note": e.note, "actor": staff_ref(e.actor)}
                   for e in case.events],
        "notes": [note_data(n, actor) for n in case.notes],
        "version": case.version,
    }


@blp.route("/cases", methods=["POST"])
@blp.arguments(schemas.CaseCreate)
@blp.response(201, schemas.Case, headers=CREATED_HEADERS)
@blp.alt_response(404, response="NOT_FOUND")
def open_case(args):
    """Open a case for a person at the caller's agency (caseworkers only).

    At most one open case per person per agency: a second answers 409 ``state-conflict``.
    A ``person_id`` that does not exist or that the caller may not see answers 404, as
    ``GET /people/{id}`` does.
    """
    actor = current_staff(casework.CASE_WRITERS)
    client = referenced(lambda: get_client_or_404(args["person_id"], actor), "person_id",
                        "그 번호의 사람이 없거나 볼 수 없습니다.")
    caseworker = None
    if args["caseworker_id"] is not None:
        caseworker = db.session.get(Staff, args["caseworker_id"])
        if caseworker is None or caseworker.centre_id != actor.centre_id:
            db.session.rollback()
            raise invalid("caseworker_id", "그 번호의 직원이 이 센터에 없습니다.")
    with refusals():
        case = casework.open_case(actor, client, priority=Priority(args["priority"]),
                                  summary=args["summary"], caseworker=caseworker,
                                  visit_id=args["visit_id"])
    db.session.commit()
    return case_data(case, actor), 201, {**etag_headers(case),
                                         "Location": f"/api/v1/cases/{case.id}"}


@blp.route(f"/cases/<{ID}:case_id>", methods=["GET"])
@blp.response(200, schemas.Case, headers={"ETag": ETAG_HEADER})
def show(case_id: int):
    """A case record with its notes (another agency's confidential notes without their text)
    and lifecycle events; the read is written to the access log."""
    actor = current_staff(casework.CASE_READERS)
    case = get_case_or_404(case_id, actor)
    data = case_data(case, actor)
    db.session.commit()
    return data, 200, etag_headers(case)


@blp.route(f"/cases/<{ID}:case_id>/notes", methods=["POST"])
@blp.arguments(schemas.NoteCreate)
@blp.response(201, schemas.Note)
def add_note(args, case_id: int):
    """Add a note (caseworkers of the lead agency and of agencies the case was referred to)."""
    actor = current_staff(casework.CASE_WRITERS)
    case = get_case_or_404(case_id, actor)
    with refusals():
        note = casework.add_note(actor, case, kind=NoteKind(args["kind"]), body=args["body"],
                                 is_confidential=args["is_confidential"])
    db.session.commit()
    return note_data(note, actor), 201


@blp.route(f"/cases/<{ID}:case_id>/close", methods=["POST"])
@blp.arguments(schemas.CaseClose)
@blp.response(200, schemas.Case, headers={"ETag": ETAG_HEADER})
@blp.doc(parameters=[IF_MATCH])
def close(args, case_id: int):
    """Close the case with a reason (caseworkers of the lead agency); needs the version."""
    actor = current_staff(casework.CASE_WRITERS)
    case = get_case_or_404(case_id, actor, need="edit")
    version = expected_version(case, args["version"])
    with refusals():
        casework.transition(actor, case, "close", version=version,
                            reason=ClosureReason(args["reason"]), note=args["note"],
                            follow_up_on=args["follow_up_on"])
    db.session.commit()
    return case_data(case, actor), 200, etag_headers(case)
