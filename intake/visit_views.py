"""Front-desk screens of the visit: registration with its ticket, the visit page, its desk
steps, today's queue and calling the next visitor. Routes of the ``intake`` blueprint."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from cases.queries import get_client_or_404, visible_client_ids
from centers.models import Agency, Domain
from core import audit
from core.clock import minutes_since
from core.extensions import db
from core.forms import EmptyForm
from core.roles import Role
from core.views import commit_or_flash, committed, current_staff, redirect_back
from intake import services
from intake.forms import (
    AddStopForm,
    VisitForm,
)
from intake.models import StopStatus, Visit
from intake.queries import (
    get_visit_or_404,
    todays_finished_count,
    todays_queue_query,
    visible_visit_ids,
)
from intake.views import bp, centre_staff, desk


def _centre():
    return current_staff().centre


# --- visits ------------------------------------------------------------------------------

def _visit_form(centre) -> VisitForm:
    form = VisitForm()
    form.purposes.choices = [(d.value, d.label) for d in centre.offered_domains()]
    desks = [(0, _("(없음)"))] + [
        (a.id, f"{a.name} · {a.desk_location}" if a.desk_location else a.name)
        for a in centre.visible_agencies()
    ]
    for name in VisitForm.DESKS:
        getattr(form, name).choices = desks
    return form


@bp.route("/people/<int:client_id>/visits/new", methods=["GET", "POST"], endpoint="new_visit")
@bp.route("/visits/anonymous/new", methods=["GET", "POST"], endpoint="new_anonymous_visit")
@desk
def new_visit(client_id: int | None = None):
    centre = _centre()
    client = get_client_or_404(client_id, current_staff(), purpose="visit_opened") if client_id else None
    if not services.may_register_visit(current_staff(), centre, client):
        db.session.commit()
        flash(_("개인정보 수집·이용 동의가 없거나 철회되었습니다. 동의를 받거나 익명 방문으로 접수하세요."),
              "warning")
        return redirect(url_for("intake.show_person", client_id=client.id))
    form = _visit_form(centre)
    if _wants_proposal(form):
        # Purposes ticked, desks left empty: fill them in, issue nothing yet; the desk checks
        # the plan and presses 접수 again.
        form.propose_plan([a.id for a in services.propose_plan(centre, form.purposes.data)])
        db.session.commit()
        return render_template("intake/visit_form.html", form=form, client=client, proposed=True,
                               plan_by_purpose=services.plan_by_purpose(centre))
    if form.validate_on_submit():
        earlier = services.submitted_visit(centre, form.submission.data)
        if earlier is not None:
            return _already_registered(earlier)
        agencies = {a.id: a for a in centre.visible_agencies()}
        plan = [agencies[i] for i in form.plan_ids() if i in agencies]
        try:
            visit = services.register_visit(
                current_staff(), centre, client=client,
                purposes=[Domain(p) for p in form.purposes.data],
                plan=plan, note=form.note.data or "", party_size=form.party_size.data,
                submission_key=form.submission.data,
            )
            db.session.commit()
        except services.VisitError as error:
            db.session.rollback()
            form.desk_1.errors = [str(error)]
        except sa.exc.IntegrityError:
            # The same form posted at the same moment: the other post's visit stands.
            db.session.rollback()
            earlier = services.submitted_visit(centre, form.submission.data)
            if earlier is None:
                raise
            return _already_registered(earlier)
        else:
            flash(_("접수했습니다. 번호표 %(t)s", t=visit.ticket_number), "success")
            return redirect(url_for("intake.show_visit", visit_id=visit.id))
    else:
        db.session.commit()
    return render_template("intake/visit_form.html", form=form, client=client,
                           plan_by_purpose=services.plan_by_purpose(centre))


def _wants_proposal(form: VisitForm) -> bool:
    """접수 pressed with purposes ticked and no desk chosen, and the purposes have desks here:
    the server proposes them (what the form's script does as purposes are ticked)."""
    if request.method != "POST" or not form.purposes.data or form.desk_1.data:
        return False
    return bool(services.propose_plan(_centre(), form.purposes.data))


def _already_registered(visit: Visit):
    db.session.commit()
    flash(_("이미 접수된 방문입니다. 번호표 %(t)s", t=visit.ticket_number), "info")
    return redirect(url_for("intake.show_visit", visit_id=visit.id))


@bp.get("/visits/<int:visit_id>")
@centre_staff
def show_visit(visit_id: int):
    visit = get_visit_or_404(visit_id, current_staff())
    form = AddStopForm()
    planned = {s.agency_id for s in visit.open_stops}
    form.agency_id.choices = [(a.id, a.name) for a in visit.centre.visible_agencies()
                              if a.id not in planned]
    actor = current_staff()
    return committed(render_template(
        "intake/visit.html", visit=visit, add_form=form, buttons=EmptyForm(),
        minutes_since=minutes_since, actions=services.visit_actions(actor, visit),
        may_manage=services.may_manage_visit(actor, visit),
        person_visible=bool(visible_client_ids(actor, [visit.client_id])),
        may_remove=lambda stop: services.may_remove_stop(actor, visit, stop),
        may_open_case=lambda stop: services.may_open_case_from(actor, visit, stop)))


@bp.get("/visits/<int:visit_id>/ticket")
@centre_staff
def print_ticket(visit_id: int):
    visit = get_visit_or_404(visit_id, current_staff(), purpose="ticket_printed")
    return committed(render_template("intake/ticket.html", visit=visit))


@bp.get("/visits/<int:visit_id>/checklist")
@centre_staff
def print_checklist(visit_id: int):
    """The suggested services on paper, each with the desk that handles it."""
    visit = get_visit_or_404(visit_id, current_staff(), purpose="checklist_printed")
    return committed(render_template("intake/checklist.html", visit=visit))


def _after_action(visit: Visit):
    return redirect_back({"queue": "intake.queue"}, "intake.show_visit", visit_id=visit.id)


@bp.post("/visits/<int:visit_id>/<any(call, start, finish):action>")
@centre_staff
def act_on_visit(visit_id: int, action: str):
    visit = get_visit_or_404(visit_id, current_staff(), purpose=None)
    if EmptyForm().validate_on_submit():
        commit_or_flash(lambda: services.transition(current_staff(), visit, action))
    return _after_action(visit)


@bp.post("/visits/<int:visit_id>/leave")
@centre_staff
def leave_visit(visit_id: int):
    visit = get_visit_or_404(visit_id, current_staff(), purpose=None)
    if EmptyForm().validate_on_submit():
        commit_or_flash(lambda: services.leave(current_staff(), visit),
                        _("%(t)s 번 방문자를 돌아간 것으로 기록했습니다.", t=visit.ticket_number))
    return _after_action(visit)


@bp.post("/visits/<int:visit_id>/stops")
@desk
def add_stop(visit_id: int):
    visit = get_visit_or_404(visit_id, current_staff(), purpose=None)
    form = AddStopForm()
    form.agency_id.choices = [(a.id, a.name) for a in visit.centre.visible_agencies()]
    if form.validate_on_submit():
        agency = db.session.get(Agency, form.agency_id.data)
        commit_or_flash(lambda: services.add_stop(current_staff(), visit, agency))
    return redirect(url_for("intake.show_visit", visit_id=visit.id))


@bp.post("/visits/<int:visit_id>/stops/<int:stop_id>/remove")
@desk
def remove_stop(visit_id: int, stop_id: int):
    visit = get_visit_or_404(visit_id, current_staff(), purpose=None)
    stop = next((s for s in visit.stops if s.id == stop_id), None)
    if stop is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        commit_or_flash(lambda: services.remove_stop(current_staff(), visit, stop))
    return redirect(url_for("intake.show_visit", visit_id=visit.id))


# --- today's queue -----------------------------------------------------------------------

#: Visits per page of the queue: more than a desk acts on at once, few enough to stay quick
#: when a busy day has over a thousand.
QUEUE_PAGE = 50


@bp.get("/queue")
@centre_staff
def queue():
    """Today's visits still in the building, in arrival order (a desk's own: those at its
    desk); ``?finished=1`` lists the day's finished visits, latest first."""
    actor = current_staff()
    agency_id = request.args.get("agency", type=int)
    if agency_id is None and actor.role == Role.CASEWORKER:
        agency_id = actor.agency_id
    agencies = actor.centre.visible_agencies()
    if agency_id and agency_id not in {a.id for a in agencies}:
        abort(404)
    finished = request.args.get("finished") == "1" and not agency_id
    page = db.paginate(todays_queue_query(actor, agency_id, finished=finished),
                       per_page=QUEUE_PAGE, error_out=False)
    finished_count = None if agency_id or finished else todays_finished_count(actor)
    agency = next((a for a in agencies if a.id == agency_id), None)
    audit.record_listing("visit.listed", [v.client_id for v in page.items], page="intake.queue")
    return committed(render_template(
        "intake/queue.html", page=page, visits=page.items, agencies=agencies,
        agency_id=agency_id, finished=finished, finished_count=finished_count,
        buttons=EmptyForm(), minutes_since=minutes_since, StopStatus=StopStatus,
        openable=visible_visit_ids(actor, [visit.id for visit in page.items]),
        actions=lambda visit: services.visit_actions(actor, visit),
        may_call_next=agency is not None and services.may_call_next(actor, agency),
    ))


@bp.post("/agencies/<int:agency_id>/call-next")
@centre_staff
def call_next(agency_id: int):
    agency = db.get_or_404(Agency, agency_id)
    if agency.centre_id != current_staff().centre_id:
        abort(404)
    if not services.may_call_next(current_staff(), agency):
        abort(403)
    if EmptyForm().validate_on_submit():
        try:
            visit = services.call_next(current_staff(), agency)
        except services.VisitError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            if visit is None:
                flash(_("기다리는 방문자가 없습니다."), "info")
            else:
                flash(_("%(t)s 번을 호출했습니다.", t=visit.ticket_number), "success")
    return redirect(url_for("intake.queue", agency=agency.id))
