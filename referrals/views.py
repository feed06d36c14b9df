"""Referral screens: send from a case, inbox, sent list, the referral, notifications."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from cases.queries import get_case_or_404, visible_case_ids
from catalogue.models import CentreService, Service
from centers.models import Agency, Staff
from core import audit
from core import holidays as holidays_service
from core.clock import SEOUL
from core.errors import RefusedError
from core.extensions import db
from core.forms import EmptyForm, error_text
from core.roles import Role, roles_required
from core.types import utcnow
from core.views import commit_or_flash, committed, current_staff
from referrals import services
from referrals.forms import ActionForm, HolidayForm, ReadNotificationsForm, ResendForm, SendForm
from referrals.models import (
    ContactPreference,
    DeclineReason,
    Notification,
    Outcome,
    Referral,
    ReferralStatus,
    Urgency,
)
from referrals.notifications import mark_read, unread_about
from referrals.queries import get_referral_or_404, overdue_clause, referrals_visible_to

bp = Blueprint("referrals", __name__, url_prefix="/referrals")

caseworkers = roles_required(Role.CASEWORKER)
case_staff = roles_required(Role.CASEWORKER, Role.MANAGER)


def _other_agencies(centre_id: int, except_ids: set[int]) -> list[Agency]:
    agencies = db.session.scalars(sa.select(Agency).where(Agency.centre_id == centre_id)
                                  .order_by(Agency.id)).all()
    return [a for a in agencies if a.is_visible and a.id not in except_ids]


# --- sending -----------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@caseworkers
def send():
    case = get_case_or_404(request.args.get("case_id", type=int) or 0, current_staff(), need="edit")
    if not services.may_send(current_staff(), case):  # the lead agency's, but closed
        db.session.commit()
        flash(_("종결된 사례에서는 의뢰할 수 없습니다."), "warning")
        return redirect(url_for("cases.show", case_id=case.id))
    form = SendForm()
    agencies = _other_agencies(case.centre_id, {case.agency_id})
    form.to_agency_id.choices = [(a.id, a.name) for a in agencies]
    services_offered = db.session.execute(
        sa.select(Service.id, Service.name, CentreService.agency_id)
        .join(CentreService, CentreService.service_id == Service.id)
        .where(CentreService.centre_id == case.centre_id, Service.is_active)
        .order_by(Service.name)).all()
    form.service_id.choices = [(0, _("(특정 서비스 없음)"))] + [
        (sid, name) for sid, name, _agency in services_offered]
    if form.validate_on_submit():
        try:
            referral = services.send(
                current_staff(), case, db.session.get(Agency, form.to_agency_id.data),
                reason=form.reason.data, needs=form.needs.data or "",
                urgency=Urgency(form.urgency.data),
                contact_preference=ContactPreference(form.contact_preference.data),
                service_id=form.service_id.data or None)
        except services.ReferralError as error:
            db.session.rollback()
            case = get_case_or_404(case.id, current_staff(), need="edit")
            form.to_agency_id.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("의뢰를 보냈습니다. 응답 기한: %(d)s",
                    d=referral.due_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")), "success")
            return redirect(url_for("referrals.show", referral_id=referral.id))
    else:
        db.session.commit()
    return render_template("referrals/send.html", form=form, case=case)


# --- lists -------------------------------------------------------------------------------

INBOX_VIEWS = ("new", "received", "mine", "overdue", "all")


@bp.get("/inbox")
@caseworkers
def inbox():
    """The receiving agency's referrals: new, received, accepted by me, overdue."""
    actor = current_staff()
    view = request.args.get("view", "new")
    query = (referrals_visible_to(actor).where(Referral.to_agency_id == actor.agency_id)
             .options(selectinload(Referral.client), selectinload(Referral.from_agency))
             .order_by(Referral.urgency.desc(), Referral.due_at))
    if view == "new":
        query = query.where(Referral.status == ReferralStatus.SENT)
    elif view == "received":
        query = query.where(Referral.status == ReferralStatus.RECEIVED)
    elif view == "mine":
        query = query.where(Referral.assigned_to_id == actor.id,
                            Referral.status.in_([ReferralStatus.ACCEPTED,
                                                 ReferralStatus.IN_PROGRESS]))
    elif view == "overdue":
        query = query.where(overdue_clause())
    query, filters = _filters(query)
    page = db.paginate(query, per_page=25, error_out=False)
    audit.record_listing("referral.listed", [r.client_id for r in page.items],
                         page="referrals.inbox")
    return committed(render_template("referrals/list.html", page=page, view=view, views=INBOX_VIEWS,
                           box="inbox", filters=filters, now=utcnow(),
                           agencies=_other_agencies(actor.centre_id, {actor.agency_id})))


@bp.get("/sent")
@case_staff
def sent():
    """The sender's view: outgoing referrals with status and outcome (the closed loop)."""
    actor = current_staff()
    query = referrals_visible_to(actor)
    if actor.role == Role.CASEWORKER:
        query = query.where(Referral.from_agency_id == actor.agency_id)
    view = request.args.get("view", "all")
    if view == "overdue":
        query = query.where(overdue_clause())
    query, filters = _filters(query.options(selectinload(Referral.client),
                                            selectinload(Referral.to_agency)))
    page = db.paginate(query.order_by(Referral.sent_at.desc()), per_page=25, error_out=False)
    audit.record_listing("referral.listed", [r.client_id for r in page.items],
                         page="referrals.sent")
    return committed(render_template("referrals/list.html", page=page, view=view,
                           views=("all", "overdue"), box="sent", filters=filters, now=utcnow(),
                           agencies=_other_agencies(actor.centre_id, set())))


def _filters(query):
    filters = {"agency": request.args.get("agency", type=int),
               "urgency": request.args.get("urgency", "")}
    if filters["agency"]:
        query = query.where(sa.or_(Referral.from_agency_id == filters["agency"],
                                   Referral.to_agency_id == filters["agency"]))
    if filters["urgency"] in Urgency._value2member_map_:
        query = query.where(Referral.urgency == filters["urgency"])
    return query, filters


# --- one referral ------------------------------------------------------------------------

@bp.get("/<int:referral_id>")
@case_staff
def show(referral_id: int):
    # A GET changes no state but the access log: 접수확인 is a button, and so is marking the
    # reader's notifications about the referral read (or "열기" on the notifications page).
    referral = get_referral_or_404(referral_id, current_staff())
    form = ActionForm()
    form.assignee_id.choices = [
        (s.id, s.display_name) for s in db.session.scalars(
            sa.select(Staff).where(Staff.agency_id == referral.to_agency_id,
                                   Staff.role == Role.CASEWORKER, Staff.is_active_account))]
    form.assignee_id.data = current_staff().id
    resend_form = ResendForm()
    resend_form.to_agency_id.choices = [
        (a.id, a.name) for a in _other_agencies(referral.centre_id,
                                                {referral.from_agency_id, referral.to_agency_id})]
    return committed(render_template(
        "referrals/show.html", referral=referral, form=form, resend_form=resend_form,
        actions=services.allowed_actions(current_staff(), referral), rules=services.TRANSITIONS,
        may_resend=services.may_resend(current_staff(), referral),
        decline_reasons=list(DeclineReason), outcomes=list(Outcome), now=utcnow(),
        in_building=services.todays_open_visit(referral) is not None,
        unread=unread_about(current_staff(), referral.id), read_form=EmptyForm(),
        open_cases=visible_case_ids(current_staff(), [referral.from_case_id, referral.to_case_id])))


@bp.post(f"/<int:referral_id>/<any({', '.join(services.TRANSITIONS)}):action>")
@caseworkers
def act(referral_id: int, action: str):
    referral = get_referral_or_404(referral_id, current_staff())
    form = ActionForm()
    if not form.validate_on_submit():
        flash(error_text(form), "danger")
        return redirect(url_for("referrals.show", referral_id=referral_id))
    assignee = db.session.get(Staff, form.assignee_id.data) if form.assignee_id.data else None
    try:
        handed_off = services.act(
            current_staff(), referral, action, hand_off=bool(form.add_to_visit.data),
            note=form.note.data or "",
            decline_reason=DeclineReason._value2member_map_.get(form.decline_reason.data or ""),
            outcome=Outcome._value2member_map_.get(form.outcome.data or ""), assignee=assignee)
    except RefusedError as error:  # the referral's, the case's or the visit's rules
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(_("처리했습니다: %(s)s", s=referral.status.label), "success")
        if handed_off:
            flash(_("오늘 방문 계획에 우리 창구를 추가했습니다. 방문자가 바로 이 창구로 옵니다."), "info")
    return redirect(url_for("referrals.show", referral_id=referral_id))


@bp.post("/<int:referral_id>/resend")
@caseworkers
def resend(referral_id: int):
    referral = get_referral_or_404(referral_id, current_staff())
    form = ResendForm()
    form.to_agency_id.choices = [(a.id, a.name) for a in _other_agencies(referral.centre_id, set())]
    if form.validate_on_submit():
        try:
            new = services.resend(current_staff(), referral, db.session.get(Agency, form.to_agency_id.data))
        except services.ReferralError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("다른 기관에 다시 의뢰했습니다."), "success")
            return redirect(url_for("referrals.show", referral_id=new.id))
    return redirect(url_for("referrals.show", referral_id=referral_id))


@bp.get("/<int:referral_id>/slip.pdf")
@case_staff
def slip(referral_id: int):
    """The referral slip the person can carry to the next desk; printing it is audited."""
    from core.pdf import render_pdf  # WeasyPrint: imported at the first PDF, not at start-up

    referral = get_referral_or_404(referral_id, current_staff())
    audit.record("referral.slip_printed", actor=current_staff(), subject=referral,
                 client_id=referral.client_id)
    body = render_pdf("referrals/slip_pdf.html", slip=services.slip_data(referral))
    return committed(Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="referral-{referral.id}.pdf"',
        "Cache-Control": "no-store"}))


# --- notifications -----------------------------------------------------------------------

@bp.get("/notifications")
@case_staff
def notifications():
    items = db.session.scalars(
        sa.select(Notification).where(Notification.staff_id == current_staff().id)
        .order_by(Notification.created_at.desc()).limit(100)).all()
    # Not "items": base.html sets that name for the menu, and a block would see the menu.
    return render_template("referrals/notifications.html", notifications=items, form=EmptyForm())


@bp.post("/notifications/read")
@case_staff
def read_notifications():
    form = ReadNotificationsForm()
    if form.validate_on_submit():
        if form.about.data:
            mark_read(current_staff(), referral_id=form.about.data)
        else:
            mark_read(current_staff(), form.id.data or None)
        db.session.commit()
    target = form.referral.data or form.about.data
    if target:
        return redirect(url_for("referrals.show", referral_id=target))
    if form.partner_referral.data:
        return redirect(url_for("partner_referrals.show", referral_id=form.partner_referral.data))
    return redirect(url_for("referrals.notifications"))


# --- public holidays ---------------------------------------------------------------------

@bp.route("/holidays", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def holidays():
    """The administrator keeps the public holidays that working hours skip."""
    form = HolidayForm()
    if form.validate_on_submit():
        try:
            holidays_service.add_holiday(current_staff(), form.day.data, form.name.data)
        except holidays_service.HolidayError as error:
            db.session.rollback()
            form.day.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("공휴일을 추가했습니다."), "success")
            return redirect(url_for("referrals.holidays"))
    return render_template("referrals/holidays.html", form=form,
                           days=holidays_service.list_holidays(), buttons=EmptyForm())


@bp.post("/holidays/<day>/delete")
@roles_required(Role.ADMIN)
def delete_holiday(day: str):
    holiday = db.get_or_404(holidays_service.PublicHoliday, _parse_day(day))
    if EmptyForm().validate_on_submit():
        commit_or_flash(lambda: holidays_service.remove_holiday(current_staff(), holiday),
                        _("공휴일을 지웠습니다."))
    return redirect(url_for("referrals.holidays"))


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(404)
