"""Screens of booked consultations: the day's and the week's appointments per desk, finding
the person and booking, moving, cancelling, arrival; the manager's hours and messages."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appointments import services
from appointments.forms import BookForm, CancelForm, HoursForm, MoveForm
from appointments.models import AppointmentStatus
from appointments.queries import appointments_between, get_appointment_or_404, messages_of_centre
from cases.queries import get_client_or_404, search_clients, understand
from centers.models import Agency
from core import audit
from core.clock import SEOUL, local_today
from core.extensions import db
from core.forms import EmptyForm
from core.roles import allowed_if
from core.views import commit_or_flash, committed, current_staff, redirect_back
from intake.forms import SearchForm
from intake.queries import last_visit_dates

bp = Blueprint("appointments", __name__, url_prefix="/appointments")

centre_staff = allowed_if(services.may_see_appointments)
booking_staff = allowed_if(services.may_book)
manager = allowed_if(services.may_see_messages)


def _day_arg(name: str = "day") -> date:
    """``?day=YYYY-MM-DD``, today when absent or not a date."""
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return local_today()


def _agency_arg(*, default_own: bool = True) -> Agency | None:
    """``?agency=ID`` among the centre's desks (404 for another centre's); a caseworker's
    own desk when absent."""
    actor = current_staff()
    agencies = {a.id: a for a in actor.centre.visible_agencies()}
    agency_id = request.args.get("agency", type=int)
    if agency_id is None and default_own:
        agency_id = actor.agency_id
    if not agency_id:
        return None
    if agency_id not in agencies:
        abort(404)
    return agencies[agency_id]


def _slot_choices(slots) -> list[tuple[str, str]]:
    return [(slot.starts_at.isoformat(), _("%(t)s (남은 자리 %(n)d)", t=slot.local_time, n=slot.free))
            for slot in slots if slot.free > 0]


def _slot_value(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else None


# --- the lists -------------------------------------------------------------------------------

@bp.get("/")
@centre_staff
def day():
    """The day's appointments of the centre or of one desk; booked people not checked in by
    the end of their day are marked 미방문 first."""
    actor = current_staff()
    if services.mark_no_shows(actor.centre_id):
        db.session.commit()
    shown = _day_arg()
    agency = _agency_arg()
    found = appointments_between(actor, shown, shown, agency.id if agency else None)
    audit.record_listing("appointment.listed", [a.client_id for a in found], page="appointments.day")
    return committed(render_template(
        "appointments/day.html", appointments=found, day=shown, agency=agency,
        agencies=actor.centre.visible_agencies(), today=local_today(), timedelta=timedelta,
        buttons=EmptyForm(), SEOUL=SEOUL, Status=AppointmentStatus,
        may_check_in=lambda a: services.may_check_in(actor, a),
        may_change=lambda a: services.may_change(actor, a),
        may_book=services.may_book(actor)))


@bp.get("/week")
@centre_staff
def week():
    """Monday to Friday of the week of ``?day=``, one desk (or the centre), by day."""
    actor = current_staff()
    if services.mark_no_shows(actor.centre_id):
        db.session.commit()
    first, last = services.week_of(_day_arg())
    agency = _agency_arg()
    found = appointments_between(actor, first, last, agency.id if agency else None)
    days = [first + timedelta(days=n) for n in range(5)]
    by_day = {d: [a for a in found if a.day == d] for d in days}
    audit.record_listing("appointment.listed", [a.client_id for a in found], page="appointments.week")
    return committed(render_template(
        "appointments/week.html", days=days, by_day=by_day, agency=agency, first=first,
        agencies=actor.centre.visible_agencies(), timedelta=timedelta, SEOUL=SEOUL,
        today=local_today()))


# --- booking -----------------------------------------------------------------------------------

@bp.route("/find", methods=["GET", "POST"])
@booking_staff
def find_person():
    """The desk's own search (terms in the POST body, never the URL), leading to booking."""
    form = SearchForm()
    results, terms, last_visits = None, None, {}
    if form.validate_on_submit():
        terms = understand(form.q.data, rrn_allowed=current_staff().centre.processes_rrn)
        results = search_clients(current_staff(), terms)
        last_visits = last_visit_dates([c.id for c in results])
        audit.record_listing("client.searched", [c.id for c in results],
                             understood_as=terms.kind, page="appointments.find_person")
    return committed(render_template("appointments/find.html", form=form, results=results,
                                      terms=terms, last_visits=last_visits))


def _bookable_agencies(actor):
    return [a for a in actor.centre.visible_agencies() if services.may_book(actor, a)]


@bp.route("/people/<int:client_id>/new", methods=["GET", "POST"])
@booking_staff
def book(client_id: int):
    """예약: choose the desk and the day (a GET form), then a free slot and the purpose."""
    actor = current_staff()
    client = get_client_or_404(client_id, actor, purpose="appointment_form")
    agencies = _bookable_agencies(actor)
    agency = _agency_arg()
    if agency is not None and agency not in agencies:
        abort(403)
    if agency is None:
        agency = agencies[0] if agencies else None
    shown = _day_arg()
    slots = services.slots_of(agency, shown) if agency else []
    form = BookForm()
    form.starts_at.choices = _slot_choices(slots)
    if agency is not None and form.validate_on_submit():
        moment = _slot_value(form.starts_at.data)
        try:
            if moment is None:
                raise services.AppointmentError(_("예약할 수 없는 시간입니다. 다른 시간을 고르세요."))
            appointment = services.book(actor, agency, client, moment, purpose=form.purpose.data,
                                        notify_by_sms=form.notify_by_sms.data)
        except services.AppointmentError as error:
            db.session.rollback()
            flash(str(error), "danger")
            return redirect(url_for("appointments.book", client_id=client_id, agency=agency.id,
                                    day=shown.isoformat()))
        db.session.commit()
        flash(_("예약했습니다."), "success")
        return redirect(url_for("appointments.show", appointment_id=appointment.id))
    return committed(render_template(
        "appointments/book.html", form=form, client=client, agencies=agencies, agency=agency,
        day=shown, slots=slots, today=local_today(),
        bookable=agency is not None and services.bookable_day(agency, shown)))


@bp.get("/<int:appointment_id>")
@centre_staff
def show(appointment_id: int):
    actor = current_staff()
    appointment = get_appointment_or_404(appointment_id, actor)
    cancel_form = CancelForm(version=appointment.version)
    return committed(render_template(
        "appointments/show.html", appointment=appointment, cancel_form=cancel_form,
        buttons=EmptyForm(), SEOUL=SEOUL,
        may_change=services.may_change(actor, appointment),
        may_check_in=services.may_check_in(actor, appointment)))


@bp.route("/<int:appointment_id>/move", methods=["GET", "POST"])
@centre_staff
def move(appointment_id: int):
    """예약 변경: another slot of the same desk, with the reason."""
    actor = current_staff()
    appointment = get_appointment_or_404(
        appointment_id, actor, purpose="move_form" if request.method == "GET" else None)
    if not services.may_change(actor, appointment):
        abort(403)
    shown = _day_arg() if request.args.get("day") else appointment.day
    slots = [s for s in services.slots_of(appointment.agency, shown)
             if s.starts_at != appointment.starts_at]
    form = MoveForm(version=appointment.version)
    form.starts_at.choices = _slot_choices(slots)
    if form.validate_on_submit():
        moment = _slot_value(form.starts_at.data)
        if moment is not None and commit_or_flash(
                lambda: services.move(actor, appointment, moment, reason=form.reason.data,
                                      version=form.version.data), _("예약을 변경했습니다.")):
            return redirect(url_for("appointments.show", appointment_id=appointment.id))
        return redirect(url_for("appointments.move", appointment_id=appointment.id,
                                day=shown.isoformat()))
    return committed(render_template(
        "appointments/move.html", appointment=appointment, form=form, day=shown, slots=slots,
        SEOUL=SEOUL, today=local_today()))


@bp.post("/<int:appointment_id>/cancel")
@centre_staff
def cancel(appointment_id: int):
    """예약 취소, with the reason."""
    actor = current_staff()
    appointment = get_appointment_or_404(appointment_id, actor, purpose=None)
    form = CancelForm()
    if not services.may_change(actor, appointment):
        abort(403)
    if form.validate_on_submit():
        commit_or_flash(lambda: services.cancel(actor, appointment, reason=form.reason.data,
                                                version=form.version.data),
                        _("예약을 취소했습니다."))
    else:
        flash(_("취소 사유를 적으세요."), "danger")
    return redirect(url_for("appointments.show", appointment_id=appointment.id))


@bp.post("/<int:appointment_id>/check-in")
@centre_staff
def check_in(appointment_id: int):
    """도착 확인 from the day's list: one press registers the visit and its ticket."""
    actor = current_staff()
    appointment = get_appointment_or_404(appointment_id, actor, purpose=None)
    if not services.may_check_in(actor, appointment):
        abort(403)
    if EmptyForm().validate_on_submit():
        try:
            visit = services.check_in(actor, appointment)
        except services.AppointmentError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("도착 확인했습니다. 번호표 %(t)s", t=visit.ticket_number), "success")
    return redirect_back({"day": "appointments.day"}, "appointments.show",
                         appointment_id=appointment.id)


# --- the manager's screens --------------------------------------------------------------------

@bp.get("/hours")
@manager
def hours():
    actor = current_staff()
    agencies = actor.centre.visible_agencies()
    return render_template("appointments/hours.html", agencies=agencies,
                           hours=services.hours_of(a.id for a in agencies))


@bp.route("/hours/<int:agency_id>", methods=["GET", "POST"])
@manager
def edit_hours(agency_id: int):
    actor = current_staff()
    agency = db.get_or_404(Agency, agency_id)
    if agency.centre_id != actor.centre_id:
        abort(404)
    if not services.may_set_hours(actor, agency):
        abort(403)
    current = services.hours_of([agency.id]).get(agency.id)
    form = HoursForm(obj=current)
    if request.method == "GET" and current is None:
        form.opens_at.data, form.closes_at.data = services.DEFAULT_OPENS, services.DEFAULT_CLOSES
        form.slot_minutes.data, form.capacity.data = 30, 1
    if form.validate_on_submit() and commit_or_flash(
            lambda: services.set_hours(actor, agency, opens_at=form.opens_at.data,
                                       closes_at=form.closes_at.data,
                                       slot_minutes=form.slot_minutes.data,
                                       capacity=form.capacity.data,
                                       is_bookable=form.is_bookable.data),
            _("예약 시간을 저장했습니다.")):
        return redirect(url_for("appointments.hours"))
    return render_template("appointments/edit_hours.html", form=form, agency=agency)


@bp.get("/messages")
@manager
def messages():
    """The centre's text messages and, for the default gateway, the outbox (numbers masked)."""
    found, outbox = messages_of_centre(current_staff())
    return render_template("appointments/messages.html", messages=found, outbox=outbox,
                           SEOUL=SEOUL)
