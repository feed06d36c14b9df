"""Caseworker screens: the caseload and the case record (plan, notes). The person's pages are in
:mod:`cases.people_views`."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from cases import services as casework
from cases.forms import (
    AssessmentForm,
    CaseloadSearchForm,
    ConfidentialReasonForm,
    EditCaseForm,
    GoalForm,
    GoalStatusForm,
    NoteForm,
    OpenCaseForm,
    TransitionForm,
)
from cases.models import (
    Case,
    CaseEvent,
    CaseNote,
    CaseStatus,
    ClosureReason,
    Conference,
    GoalStatus,
    Level,
    NeedDomain,
    NoteKind,
    PlanGoal,
    Priority,
    conference_cases,
)
from cases.queries import (
    CaseloadFilter,
    case_referrals,
    caseload_query,
    get_case_or_404,
    get_client_or_404,
    may_break_glass,
    understand,
)
from catalogue.models import CentreService, Service
from centers.models import Staff
from core import audit
from core.clock import local_today
from core.extensions import db
from core.forms import EmptyForm, error_text
from core.roles import Role, roles_required
from core.types import utcnow
from core.views import commit_or_flash, committed, current_staff

bp = Blueprint("cases", __name__, url_prefix="/cases")

case_staff = roles_required(*casework.CASE_READERS)
caseworkers = roles_required(*casework.CASE_WRITERS)


def _fail(error: Exception) -> None:
    db.session.rollback()
    flash(str(error), "danger")


# --- caseload ----------------------------------------------------------------------------

@bp.route("/", methods=["GET", "POST"])
@case_staff
def caseload():
    """My caseload: filters by status, overdue items, stale contact; search; pages."""
    actor = current_staff()
    # A name is personal data: it comes in a POST body, never in the URL (like the desk's
    # search box, whose rules it shares: name, initials, birth date, phone).
    search_form = CaseloadSearchForm()
    text = (search_form.q.data or "") if search_form.validate_on_submit() else ""
    wanted = CaseloadFilter.from_args(request.args, actor, text)
    query = caseload_query(actor, wanted)
    page = db.paginate(query, per_page=25, error_out=False)
    shown = [case.client_id for case in page.items]
    if wanted.text:
        audit.record_listing("client.searched", shown, results=page.total, page="cases.caseload",
                             understood_as=understand(wanted.text, rrn_allowed=False).kind)
    else:
        audit.record_listing("case.listed", shown, page="cases.caseload")
    return committed(render_template(
        "cases/caseload.html", page=page, mine=wanted.mine, status=wanted.status,
        overdue=wanted.overdue, stale=wanted.stale, q=wanted.text, statuses=list(CaseStatus),
        now=utcnow(),
        search_form=search_form,
        today=local_today(), casework=casework, may_search_with_reason=may_break_glass(actor),
    ))


# --- opening -----------------------------------------------------------------------------

def _caseworker_choices(agency_id: int) -> list[tuple[int, str]]:
    staff = db.session.scalars(
        sa.select(Staff).where(Staff.agency_id == agency_id, Staff.role == Role.CASEWORKER,
                               Staff.is_active_account).order_by(Staff.display_name))
    return [(s.id, s.display_name) for s in staff]


@bp.route("/new", methods=["GET", "POST"])
@caseworkers
def open_case():
    actor = current_staff()
    client = get_client_or_404(request.args.get("client_id", type=int) or 0, actor)
    if not casework.may_open_case(actor, client):
        abort(403)
    visit_id = request.args.get("visit_id", type=int)
    existing = casework.find_open_case(client.id, actor.agency_id)
    if existing is not None:
        db.session.commit()
        flash(_("이 기관에 이미 열린 사례가 있어 그 사례로 왔습니다."), "info")
        return redirect(url_for("cases.show", case_id=existing.id))
    form = OpenCaseForm(caseworker_id=actor.id)
    form.caseworker_id.choices = _caseworker_choices(actor.agency_id)
    if form.validate_on_submit():
        try:
            case = casework.open_case(
                actor, client, priority=Priority(form.priority.data), summary=form.summary.data,
                caseworker=db.session.get(Staff, form.caseworker_id.data), visit_id=visit_id)
        except casework.CaseError as error:
            _fail(error)
        else:
            db.session.commit()
            flash(_("사례를 열었습니다."), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    else:
        db.session.commit()
    return render_template("cases/open.html", form=form, client=client)


# --- the case record ---------------------------------------------------------------------

@bp.get("/<int:case_id>")
@case_staff
def show(case_id: int):
    actor = current_staff()
    case = get_case_or_404(case_id, actor)
    return committed(_render_case(case, page=max(1, request.args.get("page", 1, type=int))))


#: Notes per page of the case's timeline; a long case (hundreds of notes) pages back.
NOTES_PER_PAGE = 30


def _render_case(case: Case, *, note_form: NoteForm | None = None,
                 edit_form: EditCaseForm | None = None, status: int = 200, page: int = 1):
    actor = current_staff()
    # One page of the timeline in three queries, whatever the case's length (authors and
    # edits loaded along): the page's notes, newest first, with the note just before them
    # (where the newer page ended) and one after (whether there are older ones).
    skip = (page - 1) * NOTES_PER_PAGE
    window = db.session.scalars(
        sa.select(CaseNote).where(CaseNote.case_id == case.id)
        .options(selectinload(CaseNote.author), selectinload(CaseNote.revisions))
        .order_by(CaseNote.created_at.desc(), CaseNote.id.desc())
        .offset(max(0, skip - 1)).limit(NOTES_PER_PAGE + 2)).all()
    newer_end = window.pop(0).created_at if skip and window else None
    notes, older = window[:NOTES_PER_PAGE], len(window) > NOTES_PER_PAGE
    db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case.id)
                       .options(selectinload(CaseEvent.actor))).all()
    # Events and conferences go on the page whose notes surround them in time.
    since = notes[-1].created_at if older and notes else None
    timeline = [item for item in _timeline(case, notes, actor)
                if (since is None or item["at"] >= since)
                and (newer_end is None or item["at"] < newer_end)]
    if edit_form is None:
        edit_form = EditCaseForm(obj=case, version=case.version)
        edit_form.caseworker_id.choices = _caseworker_choices(case.agency_id)
    goal_form = GoalForm()
    goal_form.service_id.choices = _service_choices(case.centre_id)
    assessment_form = AssessmentForm()
    return render_template(
        "cases/show.html", case=case, timeline=timeline,
        may_edit=casework.may_edit_case(actor, case), may_plan=casework.may_write_plan(actor, case),
        may_note=casework.may_add_note(actor, case),
        may_edit_note=lambda note: casework.may_edit_note(actor, note),
        may_open_confidential=lambda note: casework.may_open_confidential(actor, note),
        note_form=note_form or NoteForm(), edit_form=edit_form, goal_form=goal_form,
        assessment_form=assessment_form, transition_form=TransitionForm(version=case.version),
        transitions=casework.status_actions(actor, case), rules=casework.CASE_TRANSITIONS,
        domains=list(NeedDomain), goal_statuses=list(GoalStatus), today=local_today(),
        assessment_overdue=casework.is_assessment_overdue(case),
        plan_overdue=casework.is_plan_overdue(case), buttons=EmptyForm(),
        reason_form=ConfidentialReasonForm(),
        case_referrals=case_referrals.ask(case.id, actor, default=[]),
        timeline_page=page, older_notes=older,
    ), status


def _timeline(case: Case, notes: list[CaseNote], actor: Staff) -> list[dict]:
    """Notes, lifecycle events and conferences, newest first, confidential ones masked."""
    items = []
    for note in notes:
        items.append({"at": note.created_at, "kind": "note", "note": note,
                      "visible": casework.note_visible_to(note, actor)})
    for event in case.events:
        items.append({"at": event.at, "kind": "event", "event": event})
    conferences = db.session.scalars(
        sa.select(Conference).join(conference_cases)
        .where(conference_cases.c.case_id == case.id)).all()
    for conference in conferences:
        items.append({"at": conference.created_at, "kind": "conference", "conference": conference})
    return sorted(items, key=lambda item: item["at"], reverse=True)


@bp.post("/<int:case_id>/edit")
@caseworkers
def edit(case_id: int):
    case = get_case_or_404(case_id, current_staff(), need="edit")
    form = EditCaseForm()
    form.caseworker_id.choices = _caseworker_choices(case.agency_id)
    if form.validate_on_submit():
        try:
            casework.update_case(current_staff(), case, version=form.version.data,
                                 priority=Priority(form.priority.data), summary=form.summary.data,
                                 caseworker=db.session.get(Staff, form.caseworker_id.data))
        except casework.CaseError as error:
            _fail(error)
            case = get_case_or_404(case_id, current_staff(), need="edit")
            form.version.data = str(case.version)
            return _render_case(case, edit_form=form, status=409)
        db.session.commit()
        flash(_("저장했습니다."), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.post("/<int:case_id>/<any(activate, hold, close, reopen):action>")
@caseworkers
def change_status(case_id: int, action: str):
    case = get_case_or_404(case_id, current_staff(), need="edit")
    form = TransitionForm()
    if form.validate_on_submit():
        try:
            casework.transition(
                current_staff(), case, action, version=form.version.data,
                reason=ClosureReason._value2member_map_.get(form.reason.data or ""),
                note=form.note.data or "", follow_up_on=form.follow_up_on.data)
        except casework.CaseError as error:
            _fail(error)
        else:
            db.session.commit()
            flash(_("사례 상태를 바꾸었습니다: %(s)s", s=case.status.label), "success")
    else:
        flash(error_text(form), "danger")
    return redirect(url_for("cases.show", case_id=case_id))


@bp.post("/<int:case_id>/assessments")
@caseworkers
def assess(case_id: int):
    case = get_case_or_404(case_id, current_staff(), need="edit")
    form = AssessmentForm()
    if form.validate_on_submit():
        ratings = {d: Level(getattr(form, f"rating_{d.value}").data) for d in NeedDomain}
        commit_or_flash(lambda: casework.record_assessment(
            current_staff(), case, assessed_on=form.assessed_on.data, ratings=ratings,
            crisis_level=Level(form.crisis_level.data), notes=form.notes.data or ""),
            _("욕구·위기도 조사를 기록했습니다."))
    else:
        flash(error_text(form), "danger")
    return redirect(url_for("cases.show", case_id=case_id, _anchor="assessments"))


def _service_choices(centre_id: int) -> list[tuple[int, str]]:
    """The services on the centre's list, for linking a plan goal to one."""
    rows = db.session.execute(
        sa.select(Service.id, Service.name).join(CentreService, CentreService.service_id == Service.id)
        .where(CentreService.centre_id == centre_id, Service.is_active).order_by(Service.name))
    return [(0, _("(없음)"))] + [(service_id, name) for service_id, name in rows]


@bp.post("/<int:case_id>/goals")
@caseworkers
def add_goal(case_id: int):
    case = get_case_or_404(case_id, current_staff(), need="edit")
    form = GoalForm()
    offered = dict(_service_choices(case.centre_id))
    if form.validate_on_submit():
        service_id = form.service_id.data if form.service_id.data in offered else 0
        values = {
            "domain": NeedDomain(form.domain.data), "description": form.description.data,
            "target_date": form.target_date.data, "service_id": service_id or None,
            "service_name": offered[service_id] if service_id else (form.service_name.data or ""),
            "status": GoalStatus(form.status.data)}
        commit_or_flash(lambda: casework.add_goal(current_staff(), case, values),
                        _("목표를 추가했습니다."))
    else:
        flash(error_text(form), "danger")
    return redirect(url_for("cases.show", case_id=case_id, _anchor="plan"))


@bp.post("/<int:case_id>/goals/<int:goal_id>/status")
@caseworkers
def goal_status(case_id: int, goal_id: int):
    case = get_case_or_404(case_id, current_staff(), need="edit")
    goal = db.get_or_404(PlanGoal, goal_id)
    form = GoalStatusForm()
    if form.validate_on_submit():
        status = GoalStatus(form.status.data)
        commit_or_flash(lambda: casework.set_goal_status(current_staff(), case, goal, status))
    return redirect(url_for("cases.show", case_id=case_id, _anchor="plan"))


# --- notes -------------------------------------------------------------------------------

@bp.post("/<int:case_id>/notes")
@caseworkers
def add_note(case_id: int):
    """Caseworkers of the lead agency and of agencies the case was referred to write notes."""
    case = get_case_or_404(case_id, current_staff())
    form = NoteForm()
    if form.validate_on_submit():
        try:
            casework.add_note(current_staff(), case, kind=NoteKind(form.kind.data), body=form.body.data,
                              is_confidential=form.is_confidential.data)
        except casework.CaseError as error:
            _fail(error)
        else:
            db.session.commit()
            flash(_("메모를 저장했습니다."), "success")
            return redirect(url_for("cases.show", case_id=case_id, _anchor="timeline"))
    db.session.commit()
    return _render_case(case, note_form=form, status=200 if not form.errors else 422)


def _note_or_404(note_id: int) -> tuple[CaseNote, Case]:
    """:raise 404: no such note, or its case is invisible; :raise 403: another agency's
    confidential note."""
    note = db.get_or_404(CaseNote, note_id)
    case = get_case_or_404(note.case_id, current_staff(), need="view")
    if not casework.note_visible_to(note, current_staff()):
        abort(403)
    return note, case


@bp.route("/notes/<int:note_id>/edit", methods=["GET", "POST"])
@caseworkers
def edit_note(note_id: int):
    note, case = _note_or_404(note_id)
    if not casework.may_edit_note(current_staff(), note):
        abort(403)
    form = NoteForm(obj=note) if request.method == "GET" else NoteForm()
    if request.method == "GET":
        form.version.data = str(note.version)
    conflict = None
    if form.validate_on_submit():
        try:
            casework.edit_note(current_staff(), note, version=form.version.data,
                               kind=NoteKind(form.kind.data), body=form.body.data,
                               is_confidential=form.is_confidential.data)
        except casework.CaseConflict as error:
            db.session.rollback()
            note = db.session.get(CaseNote, note_id)
            conflict = {"message": str(error), "current": note}
            form.version.data = str(note.version)  # saving again now overwrites knowingly
        except casework.CaseError as error:
            _fail(error)
        else:
            db.session.commit()
            flash(_("메모를 고쳤습니다. 이전 내용은 기록에 남습니다."), "success")
            return redirect(url_for("cases.show", case_id=case.id, _anchor="timeline"))
    return committed(render_template("cases/edit_note.html", form=form, note=note, case=case,
                                     conflict=conflict)), (409 if conflict else 200)


@bp.get("/notes/<int:note_id>/history")
@case_staff
def note_history(note_id: int):
    note, case = _note_or_404(note_id)
    return committed(render_template(
        "cases/note_history.html", note=note, case=case,
        revision_visible=lambda revision: casework.revision_visible_to(
            note, revision, current_staff())))


@bp.post("/notes/<int:note_id>/open")
@roles_required(Role.MANAGER)
def open_confidential(note_id: int):
    """A manager may read a confidential note after stating why; the reason is audited."""
    note = db.get_or_404(CaseNote, note_id)
    case = get_case_or_404(note.case_id, current_staff())
    if not casework.may_open_confidential(current_staff(), note):
        abort(403)
    form = ConfidentialReasonForm()
    if not form.validate_on_submit():
        db.session.rollback()
        flash(error_text(form), "danger")
        return redirect(url_for("cases.show", case_id=case.id, _anchor="timeline"))
    audit.record("case.confidential_note_opened", actor=current_staff(), subject=note,
                 client_id=case.client_id, detail={"reason": form.reason.data.strip()})
    db.session.commit()
    return render_template("cases/confidential_note.html", note=note, case=case,
                           reason=form.reason.data)
