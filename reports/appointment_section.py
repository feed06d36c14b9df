"""The appointments part of the monthly report: bookings, arrivals, no-shows and the wait at
the first desk of booked visitors against walk-ins, per agency."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from appointments.models import Appointment, AppointmentStatus, BookingHours
from centers.models import Agency, Centre
from core.database import seconds_between
from core.extensions import db
from intake.models import Visit, VisitStop
from reports import definitions as terms
from reports import figures
from reports.headlines import ratio
from reports.periods import Span
from reports.sections import (
    Chart,
    Figure,
    ReportContext,
    Section,
    SectionResult,
    Table,
    _agency_rows,
    register_section,
)

S = AppointmentStatus


@figures.once
def bookings_by_agency(centre_id: int, span: Span) -> dict[int, dict[str, int]]:
    """Per agency: the bookings for the month's days by what became of them."""
    rows = db.session.execute(
        sa.select(Appointment.agency_id, Appointment.status, sa.func.count())
        .where(Appointment.centre_id == centre_id, Appointment.day >= span.first,
               Appointment.day < span.end)
        .group_by(Appointment.agency_id, Appointment.status))
    found: dict[int, dict[str, int]] = {}
    for agency_id, status, count in rows:
        found.setdefault(agency_id, {})[S(status).value] = count
    return found


@figures.once
def first_desk_waits(centre_id: int, span: Span, *, booked: bool) -> dict[int, tuple[float, int]]:
    """Per agency: (sum of wait seconds, visits) at the first desk of the month's visits that
    came by appointment (``booked``) or walked in."""
    came_booked = sa.exists().where(Appointment.visit_id == Visit.id)
    return figures._keyed(db.session.execute(
        sa.select(VisitStop.agency_id,
                  sa.func.sum(seconds_between(VisitStop.queued_at, figures.WAIT_END)),
                  sa.func.count(VisitStop.id))
        .join(Visit, Visit.id == VisitStop.visit_id)
        .where(*figures.visit_rows_in([centre_id], span, VisitStop.visit_id),
               figures.waited_stop(), VisitStop.position == 0,
               came_booked if booked else ~came_booked)
        .group_by(VisitStop.agency_id)))


def _minutes(pair) -> float | None:
    seconds, count = pair if pair else (None, 0)
    return ratio(seconds, count, 1 / 60)


def _sum(pairs: dict) -> tuple[float, int]:
    return (sum(float(s or 0) for s, _n in pairs.values()), sum(n for _s, n in pairs.values()))


def build_appointments(context: ReportContext) -> SectionResult:
    """Bookings: how many, kept, not kept (no-show rate of those due), cancelled; the wait
    at the first desk of booked visitors and of walk-ins."""
    cid, span = context.centre.id, context.span
    by_agency = bookings_by_agency(cid, span)
    booked_waits = first_desk_waits(cid, span, booked=True)
    walk_in_waits = first_desk_waits(cid, span, booked=False)
    agencies = [a for a in _agency_rows(context, by_agency, booked_waits)
                if a.id in by_agency or a.id in booked_waits]

    def total(status: AppointmentStatus) -> int:
        return sum(values.get(status.value, 0) for values in by_agency.values())

    arrived, no_show = total(S.ARRIVED), total(S.NO_SHOW)
    rows = []
    for agency in agencies:
        values = by_agency.get(agency.id, {})
        kept, missed = values.get(S.ARRIVED.value, 0), values.get(S.NO_SHOW.value, 0)
        rows.append([agency.name, sum(values.values()), kept, missed,
                     ratio(missed, kept + missed, 100), values.get(S.CANCELLED.value, 0),
                     _minutes(booked_waits.get(agency.id)),
                     _minutes(walk_in_waits.get(agency.id))])
    return SectionResult(
        key="appointments", title=_("예약 상담"),
        figures=[
            Figure(_("예약"), sum(sum(v.values()) for v in by_agency.values())),
            Figure(_("도착"), arrived),
            Figure(_("미방문(노쇼)"), no_show),
            Figure(_("미방문 비율"), ratio(no_show, arrived + no_show, 100), "percent"),
            Figure(_("예약 취소"), total(S.CANCELLED)),
            Figure(_("예약 방문자 첫 창구 평균 대기"), _minutes(_sum(booked_waits)), "minutes"),
            Figure(_("바로 온 방문자 첫 창구 평균 대기"), _minutes(_sum(walk_in_waits)),
                   "minutes"),
        ],
        tables=[Table(_("기관별 예약"),
                      [_("기관"), _("예약"), _("도착"), _("미방문"), _("미방문 비율(%)"),
                       _("취소"), _("예약 방문 평균 대기(분)"), _("바로 온 방문 평균 대기(분)")],
                      rows)],
        charts=[Chart("categories", _("예약 결과"),
                      [S.ARRIVED.label, S.NO_SHOW.label, S.CANCELLED.label, S.BOOKED.label],
                      [arrived, no_show, total(S.CANCELLED), total(S.BOOKED)])],
        note=_("예약은 예약일(서울 기준)이 속한 달에 셉니다. 미방문 비율은 도착과 미방문을 합한 "
               "예약 가운데 미방문의 비율입니다. 대기 시간은 첫 창구에서 번호를 받은 때부터 "
               "호출까지이며, 예약 방문자는 도착 확인으로 접수된 방문입니다."),
    )


def takes_bookings(centre: Centre) -> bool:
    """The section is shown at a centre where a desk has bookable hours (or had: the rows
    stay when booking is switched off)."""
    return db.session.scalar(sa.select(sa.exists().where(
        BookingHours.agency_id == Agency.id, Agency.centre_id == centre.id)))


for _label, _text in (
    (_l("예약"), _l("예약일(서울)이 그달인 예약 수. 취소한 예약도 셉니다.")),
    (_l("미방문 비율"), _l("도착 확인한 예약과 미방문(노쇼) 예약을 합한 수 가운데 미방문의 "
                        "비율. 미방문은 예약일 업무 종료(18시)까지 도착 확인이 없는 예약입니다.")),
    (_l("예약 방문자 첫 창구 평균 대기"), _l("도착 확인으로 접수된 방문이 첫 창구에서 번호를 "
                                    "받은 때부터 호출까지 걸린 시간의 평균.")),
    (_l("바로 온 방문자 첫 창구 평균 대기"), _l("예약 없이 온 방문이 첫 창구에서 번호를 받은 "
                                     "때부터 호출까지 걸린 시간의 평균.")),
):
    terms.define(_label, _text)


def install() -> None:
    """Add the appointments section to the monthly report, after the visits."""
    register_section(Section("appointments", build_appointments, applies=takes_bookings),
                     after="visits")
