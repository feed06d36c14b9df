"""Caseworker screens of the person: the integrated page of all their cases, reaching someone
outside the agency's need to know (break the glass, the reasoned search), the case conference.
Routes of the ``cases`` blueprint."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import Forbidden

from cases import services as casework
from cases.forms import (
    BreakGlassForm,
    CarriedTermsForm,
    ConferenceForm,
    OpenFoundForm,
    ReasonedSearchForm,
)
from cases.models import Case, CaseStatus, Conference
from cases.queries import (
    NeedToKnow,
    break_glass,
    get_client_or_404,
    may_break_glass,
    open_found,
    reasoned_terms,
    referral_counts,
    search_with_reason,
    visible_case_ids,
)
from cases.views import bp, case_staff, caseworkers
from centers.models import Staff
from core.extensions import db
from core.roles import Role
from core.sessions import is_api_request
from core.views import commit_or_flash, committed, current_staff


@bp.get("/people/<int:client_id>")
@case_staff
def person(client_id: int):
    """Every case of the person at this centre; details only where the viewer may see."""
    client = get_client_or_404(client_id, current_staff(), purpose="integrated_view")
    all_cases = db.session.scalars(
        sa.select(Case).where(Case.client_id == client.id)
        .options(selectinload(Case.agency), selectinload(Case.caseworker))
        .order_by(Case.opened_at.desc())
    ).all()
    visible = visible_case_ids(current_staff(), [case.id for case in all_cases])
    conferences = db.session.scalars(
        sa.select(Conference).where(Conference.client_id == client.id)
        .order_by(Conference.held_on.desc())).all()
    return committed(render_template(
        "cases/person.html", client=client, cases=all_cases, visible=visible,
        open_referrals=_open_referral_counts([c.id for c in all_cases]), conferences=conferences,
        may_open_case=casework.may_open_case(current_staff(), client),
        may_hold_conference=casework.may_hold_conference(current_staff(), client)))


@bp.app_errorhandler(NeedToKnow)
def need_to_know_refused(error: NeedToKnow):
    """A page refused for want of a need to know offers the reasoned step (the API answers a
    plain 403)."""
    db.session.rollback()
    if is_api_request():
        return current_app.handle_http_exception(Forbidden())
    form = BreakGlassForm(next=request.path if request.method == "GET" else "")
    return render_template("cases/break_glass.html", form=form, client_id=error.client_id), 403


@bp.post("/people/<int:client_id>/break-glass")
@caseworkers
def open_with_reason(client_id: int):
    """Break the glass: the stated reason is audited and flagged in the access review; the
    person stays open to this caseworker until the end of the day."""
    form = BreakGlassForm()
    if not form.validate_on_submit():
        db.session.rollback()
        return render_template("cases/break_glass.html", form=form, client_id=client_id), 400
    client = break_glass(current_staff(), client_id, form.reason.data)
    db.session.commit()
    allowed = {url_for("cases.person", client_id=client.id),
               url_for("intake.show_person", client_id=client.id)}
    return redirect(form.next.data if form.next.data in allowed
                    else url_for("cases.person", client_id=client.id))


@bp.route("/people/search-with-reason", methods=["GET", "POST"])
@caseworkers
def reasoned_search():
    """Find someone outside the agency's need to know: the reason and the search go into the
    access log (flagged in the monthly review) before anything is shown; the terms come in a
    POST body, never in the URL. Each person found opens through the break-the-glass step on
    that reason."""
    actor = current_staff()
    if not may_break_glass(actor):
        abort(403)
    carried = CarriedTermsForm().carried()
    if carried:  # "찾는 분이 없으면" from the caseload: start with what was typed there
        return render_template("cases/reasoned_search.html",
                               form=ReasonedSearchForm(formdata=None, data={"q": carried}),
                               found=None, open_form=None)
    form = ReasonedSearchForm()
    found = None
    if form.validate_on_submit():
        terms = reasoned_terms(form.q.data)
        if terms.kind in ("name", "initials", "birth_date", "phone"):
            found = search_with_reason(actor, terms, form.reason.data)
        else:
            form.q.errors.append(
                _("이름은 두 글자 이상, 또는 생년월일(예: 1985-03-02)이나 전화번호로 찾으세요.")
                if terms.kind == "too_broad" else
                _("입력한 내용을 이해하지 못했습니다. 이름, 생년월일(예: 1985-03-02) 또는 "
                  "전화번호(예: 010-1234-5678)를 입력하세요."))
    status = 400 if request.method == "POST" and found is None else 200
    page = render_template(
        "cases/reasoned_search.html", form=form, found=found,
        open_form=OpenFoundForm(formdata=None, data={"search": found.event.id}) if found else None)
    if found is None:
        db.session.rollback()
        return page, status
    return committed(page)


@bp.post("/people/<int:client_id>/open-found")
@caseworkers
def open_found_person(client_id: int):
    """Open a person found by one's own reasoned search today, on that search's reason."""
    form = OpenFoundForm()
    if not form.validate_on_submit() or form.search.data is None:
        abort(404)
    client = open_found(current_staff(), form.search.data, client_id)
    db.session.commit()
    return redirect(url_for("cases.person", client_id=client.id))


def _open_referral_counts(case_ids: list[int]) -> dict[int, int]:
    return referral_counts.ask(case_ids, default={}) if case_ids else {}


# --- case conference ---------------------------------------------------------------------

@bp.route("/people/<int:client_id>/conferences/new", methods=["GET", "POST"])
@caseworkers
def new_conference(client_id: int):
    actor = current_staff()
    client = get_client_or_404(client_id, actor, purpose="conference_opened")
    if not casework.may_hold_conference(actor, client):
        abort(403)
    open_cases = db.session.scalars(
        sa.select(Case).where(Case.client_id == client.id, Case.status != CaseStatus.CLOSED)
        .options(selectinload(Case.agency))).all()
    staff = db.session.scalars(
        sa.select(Staff).where(Staff.centre_id == actor.centre_id, Staff.is_active_account,
                               Staff.role.in_([Role.CASEWORKER, Role.MANAGER]))
        .order_by(Staff.display_name)).all()
    form = ConferenceForm()
    form.offer(open_cases, staff)
    if form.validate_on_submit():
        if commit_or_flash(lambda: casework.hold_conference(
                actor, client, held_on=form.held_on.data, agenda=form.agenda.data,
                decisions=form.decisions.data or "",
                cases=[c for c in open_cases if c.id in form.case_ids.data],
                participants=[s for s in staff if s.id in form.staff_ids.data],
                actions=form.actions()), _("통합사례회의를 기록했습니다.")):
            return redirect(url_for("cases.person", client_id=client.id))
    else:
        db.session.commit()
    return render_template("cases/conference_form.html", form=form, client=client,
                           open_cases=open_cases, staff=staff)
