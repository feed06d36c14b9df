"""The clock pinned at the instants that broke things: days and months are Seoul's, not the
machine's or UTC's.

Seoul is UTC+9 all year, so from 15:00 UTC the Seoul date is a day ahead of the UTC date. Each
test travels there with ``time_machine`` (which moves every clock the app could read) and
checks what a user sees through the pages and the API.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from centers.models import AgencyKind
from core.clock import SEOUL, local_today
from core.extensions import db
from core.roles import Role
from factories import (
    bearer,
    login,
    make_case,
    make_client,
    make_consent_documents,
    make_staff,
    make_token,
)
from intake.models import Visit
from referrals.models import Referral


def seoul(*args) -> datetime:
    """A Seoul wall-clock time as the aware instant it is."""
    return datetime(*args, tzinfo=SEOUL)


# The instants: a minute either side of Seoul midnight at a month's end (still 30 November in
# UTC on both sides), and the same around New Year.
BEFORE_MONTH_END = seoul(2026, 11, 30, 23, 59)
AFTER_MONTH_END = seoul(2026, 12, 1, 0, 1)
BEFORE_NEW_YEAR = seoul(2026, 12, 31, 23, 59)
AFTER_NEW_YEAR = seoul(2027, 1, 1, 0, 1)


def at(moment: datetime):
    """Stop the clock at ``moment`` for the block (it does not tick on its own).

    Given as a UTC instant: with a zoned destination time-machine would also switch the
    process's local zone to Seoul and hide a machine-clock read.
    """
    return time_machine.travel(moment.astimezone(UTC), tick=False)


def register_visit(client, person, agency) -> Visit:
    response = client.post(f"/intake/people/{person.id}/visits/new", data={
        "purposes": ["jobs"], "desk_1": agency.id, "desk_2": 0, "desk_3": 0, "desk_4": 0,
        "party_size": 1})
    assert response.status_code == 302, response.text
    assert "/login" not in response.location, response.location
    return db.session.scalar(sa.select(Visit).order_by(Visit.id.desc()))


def employment(centre):
    return next(a for a in centre.agencies if a.kind == AgencyKind.EMPLOYMENT)


def test_the_instants_straddle_seoul_midnight_but_not_utc_midnight():
    assert BEFORE_MONTH_END.astimezone(UTC).date() == AFTER_MONTH_END.astimezone(UTC).date()
    with at(BEFORE_MONTH_END):
        assert local_today().isoformat() == "2026-11-30"
    with at(AFTER_MONTH_END):
        assert local_today().isoformat() == "2026-12-01"


@pytest.mark.parametrize(("before", "after"), [(BEFORE_MONTH_END, AFTER_MONTH_END),
                                               (BEFORE_NEW_YEAR, AFTER_NEW_YEAR)])
def test_tickets_and_the_queue_start_afresh_at_seoul_midnight(client, centre, before, after):
    desk = make_staff(Role.FRONT_DESK, centre=centre)
    with at(before):
        person = make_client(centre, name="김하나")
        sign_in(client, desk)
        assert register_visit(client, person, employment(centre)).ticket_number == "A-001"
        assert register_visit(client, person, employment(centre)).ticket_number == "A-002"
        assert tickets_in_queue(client) == ["A-001", "A-002"]
    with at(after):
        sign_in(client, desk)
        assert tickets_in_queue(client) == []
        visit = register_visit(client, person, employment(centre))
        assert visit.ticket_number == "A-001"
        assert visit.visit_date == after.date()
        assert tickets_in_queue(client) == ["A-001"]


def tickets_in_queue(client) -> list[str]:
    return sorted(set(re.findall(r">([A-Z]-\d{3})<", client.get("/intake/queue").text)))


def sign_in(client, staff) -> None:
    """A fresh sign-in at the pinned time (a session signed at another time is not valid)."""
    client.post("/logout")
    assert login(client, staff.username).status_code == 302


@pytest.mark.parametrize(
    ("moment", "birth_date", "accepted"),
    [
        (AFTER_MONTH_END, "2026-12-01", True),    # Seoul's today, though UTC is still 30 Nov
        (AFTER_MONTH_END, "2026-12-02", False),
        (BEFORE_MONTH_END, "2026-12-01", False),  # Seoul's tomorrow
        (BEFORE_MONTH_END, "2026-11-30", True),
        (AFTER_NEW_YEAR, "2027-01-01", True),
    ],
)
def test_a_birth_date_is_in_the_future_by_seoul_days(client, centre, moment, birth_date, accepted):
    make_consent_documents(centre)
    desk = make_staff(Role.FRONT_DESK, centre=centre)
    with at(moment):
        sign_in(client, desk)
        response = client.post("/intake/people/new", data={
            "name": "신생아", "birth_date": birth_date, "sex": "F", "address_sigungu": "남양주시",
            "household_size": "1", "collection_consent": "y", "consent_method": "written"})
    if accepted:
        assert response.status_code == 302, response.text
    else:
        assert response.status_code == 200
        assert "오늘보다 뒤일 수 없습니다" in response.text


def visits_in_month(client, headers, month: str) -> int:
    response = client.get(f"/api/v1/reports/monthly/namyangju/{month}", headers=headers)
    assert response.status_code == 200, response.text
    return {h["key"]: h["value"] for h in response.json["headlines"]}["visits"]


@pytest.mark.parametrize(("before", "after"), [(BEFORE_MONTH_END, AFTER_MONTH_END),
                                               (BEFORE_NEW_YEAR, AFTER_NEW_YEAR)])
def test_the_report_counts_a_visit_in_the_seoul_month_it_happened(client, centre, before, after):
    desk = make_staff(Role.FRONT_DESK, centre=centre)
    with at(before):
        person = make_client(centre)
        sign_in(client, desk)
        register_visit(client, person, employment(centre))
    with at(after):
        sign_in(client, desk)
        register_visit(client, person, employment(centre))
        headers = bearer(make_token(make_staff(Role.MANAGER, centre=centre)))
        old_month = before.strftime("%Y-%m")
        new_month = after.strftime("%Y-%m")
        assert visits_in_month(client, headers, old_month) == 1
        assert visits_in_month(client, headers, new_month) == 1


def test_a_referral_due_time_skips_the_weekend_and_a_public_holiday(client, centre):
    """Sent on Thursday 24 December 2026 at 17:00 with a 16-hour target: one hour that day,
    Christmas (Friday, a public holiday from the migration) and the weekend skipped, nine hours
    on Monday, six on Tuesday — due Tuesday 29 December at 15:00."""
    jobs = employment(centre)
    welfare = next(a for a in centre.agencies if a.kind == AgencyKind.WELFARE)
    welfare.response_target_hours = 16
    db.session.commit()
    with at(seoul(2026, 12, 24, 16, 50)):
        person = make_client(centre, share_with=[welfare])
        case = make_case(person, jobs)
    sender = case.caseworker
    with at(seoul(2026, 12, 24, 17, 0)):
        sign_in(client, sender)
        response = client.post(f"/referrals/new?case_id={case.id}", data={
            "to_agency_id": welfare.id, "reason": "긴급 생계 지원 상담", "needs": "",
            "urgency": "normal", "contact_preference": "phone"})
        assert response.status_code == 302, response.text
        referral = db.session.scalar(sa.select(Referral))
        assert referral.due_at == seoul(2026, 12, 29, 15, 0)
        page = client.get(f"/referrals/{referral.id}").text
        assert "2026-12-29 15:00" in page
    link = f'href="/referrals/{referral.id}"'
    with at(seoul(2026, 12, 29, 14, 59)):
        sign_in(client, sender)
        assert link not in client.get("/referrals/sent?view=overdue").text
    with at(seoul(2026, 12, 29, 15, 1)):
        assert link in client.get("/referrals/sent?view=overdue").text
