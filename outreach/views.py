"""Outreach screens: the day's visits, planning, the visit with its safety steps, and the
record made on a tablet (note, assessment items, document photos, signed consent)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from cases import people
from cases.models import Case, CaseStatus
from cases.queries import cases_visible_to, get_case_or_404
from core import audit
from core.clock import SEOUL, local_today
from core.extensions import db
from core.forms import EmptyForm, error_text
from core.roles import Role, allowed_if
from core.types import utcnow
from core.views import commit_or_flash, committed, current_staff
from outreach import services
from outreach.forms import CancelForm, PhotoForm, PlanForm, RecordForm, SignatureForm
from outreach.models import DocumentType, OutreachKind, OutreachVisit
from outreach.queries import get_photo_or_404, get_visit_or_404, may_see_record

bp = Blueprint("outreach", __name__, url_prefix="/outreach")

outreach_staff = allowed_if(services.may_use_outreach)
STEPS = {"check-in": "check_in", "check-out": "check_out", "cancel": "cancel"}


def _day() -> date:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return local_today()


# --- the day's list ------------------------------------------------------------------------

@bp.get("/")
@outreach_staff
def day():
    """A caseworker's visits of the day (their own and those they go along on); a manager's
    view of the whole centre's day, with the visits not checked out in time on top."""
    actor = current_staff()
    shown = _day()
    visits = db.session.scalars(services.day_query(actor, shown).options(
        selectinload(OutreachVisit.caseworker), selectinload(OutreachVisit.companions),
        selectinload(OutreachVisit.client))).all()
    alerts = services.overdue_alerts(actor.centre_id) if actor.role == Role.MANAGER else []
    can_plan = db.session.scalar(_plannable_cases(actor).limit(1)) is not None
    audit.record_listing("outreach.listed", [visit.client_id for visit in visits],
                         page="outreach.day")
    return committed(render_template("outreach/day.html", visits=visits, day=shown, alerts=alerts,
                           can_plan=can_plan, previous=date.fromordinal(shown.toordinal() - 1),
                           following=date.fromordinal(shown.toordinal() + 1),
                           is_overdue=services.is_overdue))


def _plannable_cases(actor) -> sa.Select:
    return (cases_visible_to(actor)
            .where(Case.agency_id == actor.agency_id, Case.status != CaseStatus.CLOSED)
            .order_by(Case.opened_at.desc()))


# --- planning ------------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@outreach_staff
def plan():
    actor = current_staff()
    cases = [case for case in db.session.scalars(
        _plannable_cases(actor).options(selectinload(Case.client)))
        if services.may_plan_visit(actor, case)]
    if not cases:
        abort(403)
    form = PlanForm()
    form.case_id.choices = [(case.id, f"{case.client.name} · {case.summary[:30]}")
                            for case in cases]
    companions = services.companion_choices(actor)
    form.companion_ids.choices = [(s.id, f"{s.display_name} ({s.agency.name})")
                                  for s in companions]
    if request.method == "GET" and request.args.get("case_id", type=int):
        form.case_id.data = request.args.get("case_id", type=int)
    if form.validate_on_submit():
        case = get_case_or_404(form.case_id.data, actor, need="edit")
        start = _instant(form.day.data, form.start.data)
        end = _instant(form.day.data, form.end.data)
        try:
            visit = services.plan_visit(
                actor, case, kind=OutreachKind(form.kind.data), address=form.address.data,
                purpose=form.purpose.data, start=start, end=end,
                companion_ids=form.companion_ids.data or [])
        except services.OutreachError as error:
            db.session.rollback()
            flash(str(error), "danger")
            audit.record_listing("case.listed", [case.client_id for case in cases],
                                 page="outreach.plan")
            return committed(render_template("outreach/plan.html", form=form)), 422
        else:
            db.session.commit()
            flash(_("방문 계획을 저장했습니다."), "success")
            return redirect(url_for("outreach.show", visit_id=visit.id))
    audit.record_listing("case.listed", [case.client_id for case in cases], page="outreach.plan")
    return committed(render_template("outreach/plan.html", form=form)), (422 if form.errors else 200)


def _instant(day: date, moment) -> datetime:
    """A wall-clock time in Seoul on ``day`` (stored as UTC)."""
    return datetime.combine(day, moment, tzinfo=SEOUL).astimezone(UTC)


# --- one visit -----------------------------------------------------------------------------

@bp.get("/<int:visit_id>")
@outreach_staff
def show(visit_id: int):
    actor = current_staff()
    visit = get_visit_or_404(visit_id, actor)
    return committed(render_template(
        "outreach/show.html", visit=visit, step_form=EmptyForm(), cancel_form=CancelForm(),
        steps=[(slug, services.OUTREACH_TRANSITIONS[action].label) for slug, action in STEPS.items()
               if slug != "cancel" and services.may_step(actor, visit, action)],
        may_cancel=services.may_step(actor, visit, "cancel"),
        may_record=services.may_record(actor, visit),
        sees_record=may_see_record(actor, visit),
        overdue=services.is_overdue(visit), now=utcnow()))


@bp.post("/<int:visit_id>/<any('check-in', 'check-out', cancel):slug>")
@outreach_staff
def step(visit_id: int, slug: str):
    visit = get_visit_or_404(visit_id, current_staff())
    form = CancelForm() if slug == "cancel" else EmptyForm()
    if not form.validate_on_submit():
        db.session.rollback()
        flash(error_text(form) or _("다시 시도하세요."), "danger")
    else:
        reason = (form.reason.data or "") if slug == "cancel" else ""
        done = {"check_in": _("출발/도착을 확인했습니다."), "check_out": _("복귀를 확인했습니다."),
                "cancel": _("방문을 취소했습니다.")}
        action = STEPS[slug]
        try:
            services.step(current_staff(), visit, action, reason=reason)
        except services.OutreachNotAllowed:
            db.session.rollback()
            abort(403)
        except services.OutreachError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(done[action], "success")
    return redirect(url_for("outreach.show", visit_id=visit_id))


# --- the record on the tablet -------------------------------------------------------------------

def _record_form(visit: OutreachVisit) -> RecordForm:
    form = RecordForm()
    if request.method == "GET":
        form.version.data = str(visit.version)
        form.body.data = visit.note.body if visit.note else ""
        for item in services.ASSESSMENT_ITEMS:
            getattr(form, f"item_{item}").data = visit.assessment.get(item, "")
    return form


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "hanjari-outreach"


@bp.route("/<int:visit_id>/record", methods=["GET", "POST"])
@outreach_staff
def record(visit_id: int):
    """The tablet page. Its script keeps what was typed, encrypted, while the connection is
    down and posts it here (as JSON-answered form data) when it is back."""
    actor = current_staff()
    visit = get_visit_or_404(visit_id, actor)
    if not services.may_record(actor, visit):
        db.session.rollback()
        if _wants_json():
            return jsonify(status="refused", message=_("이 방문의 기록을 쓸 수 없습니다.")), 403
        abort(403)
    form = _record_form(visit)
    conflict = None
    if request.method == "POST":
        if form.validate_on_submit():
            assessment = {item: getattr(form, f"item_{item}").data or ""
                          for item in services.ASSESSMENT_ITEMS}
            try:
                services.save_record(actor, visit, version=form.version.data,
                                     body=form.body.data or "", assessment=assessment)
            except services.OutreachConflict as error:
                db.session.rollback()
                visit = db.session.get(OutreachVisit, visit_id)
                conflict = str(error)
                if _wants_json():
                    return jsonify(status="stale", message=conflict,
                                   version=visit.version), 409
                form.version.data = str(visit.version)
            except services.OutreachError as error:
                db.session.rollback()
                if _wants_json():
                    return jsonify(status="refused", message=str(error)), 422
                flash(str(error), "danger")
            else:
                db.session.commit()
                if _wants_json():
                    return jsonify(status="saved", version=visit.version)
                flash(_("방문 기록을 저장했습니다. 메모는 사례 기록에 들어갔습니다."), "success")
                return redirect(url_for("outreach.record", visit_id=visit_id))
        elif _wants_json():
            db.session.rollback()
            return jsonify(status="refused", message=error_text(form)), 422
    key = services.offline_key(current_app.config["SECRET_KEY"], actor)
    page = render_template(
        "outreach/record.html", visit=visit, form=form, conflict=conflict,
        photo_form=PhotoForm(), signature_form=SignatureForm(), offline_key=key,
        may_sign=people.may_take_signed_consent(actor, visit.client),
        assessment_fields=[getattr(form, f"item_{item}") for item in services.ASSESSMENT_ITEMS])
    return committed(page), (409 if conflict else 422 if form.errors else 200)


@bp.post("/<int:visit_id>/photos")
@outreach_staff
def add_photo(visit_id: int):
    actor = current_staff()
    visit = get_visit_or_404(visit_id, actor)
    if not services.may_record(actor, visit):
        db.session.rollback()
        abort(403)
    form = PhotoForm()
    if form.validate_on_submit():
        upload = form.photo.data
        data = upload.read(services.PHOTO_MAX_BYTES + 1) if upload else b""
        commit_or_flash(lambda: services.add_photo(
            actor, visit, document_type=DocumentType(form.document_type.data), data=data,
            directory=services.photo_directory()), _("서류 사진을 올렸습니다."))
    else:
        db.session.rollback()
        flash(error_text(form), "danger")
    return redirect(url_for("outreach.record", visit_id=visit_id, _anchor="photos"))


@bp.get("/photos/<int:photo_id>")
@outreach_staff
def photo(photo_id: int):
    """The file, only to those who may read the case; never cached (no-store, like every page)."""
    found = get_photo_or_404(photo_id, current_staff())
    path = services.photo_directory() / found.stored_name
    db.session.commit()
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=found.content_type, max_age=0, etag=False,
                         conditional=False)
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.post("/<int:visit_id>/consent")
@outreach_staff
def consent(visit_id: int):
    """The person's consent to the collection of their data, signed on the tablet."""
    actor = current_staff()
    visit = get_visit_or_404(visit_id, actor)
    if not (services.may_record(actor, visit)
            and people.may_take_signed_consent(actor, visit.client)):
        db.session.rollback()
        abort(403)
    form = SignatureForm()
    if form.validate_on_submit():
        commit_or_flash(lambda: services.take_signed_consent(actor, visit, form.signature.data),
                        _("서명으로 동의를 받았습니다."))
    else:
        db.session.rollback()
        flash(error_text(form), "danger")
    return redirect(url_for("outreach.record", visit_id=visit_id, _anchor="consent"))
