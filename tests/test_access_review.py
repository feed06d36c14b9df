"""The manager's monthly review of the access log: own centre only, filters, flags, the
sign-off of a month and the CSV export (itself logged, formulas neutralised)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from centers.models import AgencyKind
from core import audit
from core.audit import AuditEvent
from core.clock import SEOUL, local_today
from core.extensions import db
from core.holidays import holiday_days
from core.roles import Role
from factories import audit_actions, login, make_agency, make_centre, make_staff
from reports.models import AccessReview
from reports.periods import Month


def last_month() -> Month:
    return Month.of(local_today()).previous()


def working_day(month: Month) -> date:
    days_off = holiday_days()
    return next(d for d in month.span.days() if d.weekday() < 5 and d not in days_off)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SEOUL)


def event(actor, action: str, when: datetime, client_id: int | None = None, **detail):
    """An event as ``record`` writes it, at a chosen time (the chain is made at flush)."""
    written = audit.record(action, actor=actor, client_id=client_id, detail=detail)
    written.at = when
    written.ip = "10.0.0.7"
    db.session.commit()
    return written


def place():
    centre = make_centre(code="namyangju")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT)
    other = make_centre(code="suwon")
    return {
        "centre": centre,
        "manager": make_staff(Role.MANAGER, centre=centre),
        "worker": make_staff(Role.CASEWORKER, centre=centre, agency=jobs),
        "desk": make_staff(Role.FRONT_DESK, centre=centre),
        "other_worker": make_staff(Role.CASEWORKER, centre=other,
                                   agency=make_agency(other, AgencyKind.EMPLOYMENT)),
    }


def test_a_manager_reviews_their_own_centre_only(app, client):
    p = place()
    day = working_day(last_month())
    event(p["worker"], "client.view", at(day, 10), client_id=1)
    event(p["other_worker"], "client.view", at(day, 10), client_id=2)
    login(client, p["manager"].username)
    rows = client.get("/audit", query_string={"month": last_month().key}).get_data(as_text=True)
    assert p["worker"].username in rows and p["other_worker"].username not in rows
    client.post("/logout")
    for role in ("worker", "desk"):
        login(client, p[role].username)
        assert client.get("/audit").status_code == 403
        assert client.get("/audit/export.csv").status_code == 403
        assert client.post(f"/audit/{last_month().key}/sign-off").status_code == 403
        client.post("/logout")


def test_filters_by_staff_person_action_ip_and_period(app, client):
    p = place()
    month = last_month()
    day = working_day(month)
    event(p["worker"], "client.view", at(day, 10), client_id=11)
    event(p["worker"], "case.view", at(day, 11), client_id=12)
    event(p["desk"], "client.searched", at(day, 12), client_ids=[11, 12], count=2)
    event(p["desk"], "visit.view", at(day, 13), client_id=11)
    login(client, p["manager"].username)
    base = {"month": month.key}

    def actions(**args):
        page = client.get("/audit", query_string=base | args).get_data(as_text=True)
        return sorted(a for a in ("client.view", "case.view", "client.searched", "visit.view")
                      if f"<code>{a}</code>" in page)

    assert actions(staff=p["worker"].id) == ["case.view", "client.view"]
    assert actions(person=11) == ["client.view", "visit.view"]
    assert actions(action="client.") == ["client.searched", "client.view"]
    assert actions(ip="10.0.0") == ["case.view", "client.searched", "client.view", "visit.view"]
    assert actions(ip="10.9.9.9") == []
    assert actions(**{"from": (day + timedelta(days=1)).isoformat()}) == []


def test_flags_bursts_out_of_hours_downloads_and_reasoned_reads(app, client):
    p = place()
    app.config.update(ACCESS_REVIEW_BULK_PEOPLE=5, ACCESS_REVIEW_BULK_MINUTES=10)
    month = last_month()
    day = working_day(month)
    burst = [event(p["worker"], "client.view", at(day, 10, minute), client_id=100 + minute)
             for minute in range(5)]
    spread = [event(p["worker"], "client.view", at(day, 14, 11 * n), client_id=200 + n)
              for n in range(5)]
    night = event(p["worker"], "case.view", at(day, 22), client_id=300)
    saturday = next(d for d in month.span.days() if d.weekday() == 5)
    weekend = event(p["worker"], "case.view", at(saturday, 11), client_id=301)
    slip = event(p["worker"], "referral.slip_printed", at(day, 15), client_id=302)
    glass = event(p["manager"], "case.confidential_note_opened", at(day, 16), client_id=303)
    login(client, p["manager"].username)

    from reports import access_review
    from reports.access_review import Filters
    with app.test_request_context():
        result = access_review.review(p["manager"], Filters(month, month.first, month.span.last))
    assert all(result.flags[e.id] == {"bulk"} for e in burst)
    assert not any(result.flags.get(e.id) for e in spread)
    assert result.flags[night.id] == {"after_hours"}
    assert result.flags[weekend.id] == {"after_hours"}
    assert result.flags[slip.id] == {"download"}
    assert result.flags[glass.id] == {"break_glass"}

    page = client.get("/audit", query_string={"month": month.key, "flag": "after_hours"})
    body = page.get_data(as_text=True)
    assert body.count("<code>case.view</code>") == 2 and "<code>client.view</code>" not in body


def test_a_month_is_signed_off_once_after_it_ends_and_the_sign_off_is_logged(app, client):
    p = place()
    month = last_month()
    event(p["worker"], "client.view", at(working_day(month), 10), client_id=1)
    login(client, p["manager"].username)
    page = client.get("/audit", query_string={"month": month.key}).get_data(as_text=True)
    assert f'action="/audit/{month.key}/sign-off"' in page
    client.post(f"/audit/{month.key}/sign-off", data={"remark": "특이사항 없음"})
    signed = db.session.scalar(sa.select(AccessReview))
    assert (signed.month, signed.reviewed_by_id, signed.remark, signed.events) == (
        month.key, p["manager"].id, "특이사항 없음", 1)
    assert "audit.review_signed" in audit_actions()
    page = client.get("/audit", query_string={"month": month.key}).get_data(as_text=True)
    assert "특이사항 없음" in page and "sign-off" not in page
    response = client.post(f"/audit/{month.key}/sign-off", data={"remark": "다시"}, follow_redirects=True)
    assert "이미 점검 확인" in response.get_data(as_text=True)
    this_month = Month.of(local_today())
    response = client.post(f"/audit/{this_month.key}/sign-off", data={}, follow_redirects=True)
    assert "끝난 달만" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessReview)) == 1


def test_the_csv_export_is_the_filtered_list_logged_with_formulas_neutralised(app, client):
    p = place()
    month = last_month()
    day = working_day(month)
    event(p["worker"], "client.view", at(day, 10), client_id=7)
    event(p["worker"], "=HYPERLINK(\"http://x\")", at(day, 11))
    event(p["desk"], "visit.view", at(day, 12), client_id=8)
    login(client, p["manager"].username)
    response = client.get("/audit/export.csv",
                          query_string={"month": month.key, "staff": p["worker"].id})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    actions = [row[4] for row in rows[1:]]
    assert actions == ["'=HYPERLINK(\"http://x\")", "client.view"]
    exported = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "audit.exported"))
    assert exported.staff_id == p["manager"].id
    assert exported.detail["rows"] == 2 and exported.detail["filters"]["staff"] == p["worker"].id


def test_the_administrator_reads_every_centre_but_no_text_that_may_name_a_person(app, client):
    from factories import make_client

    p = place()
    person = make_client(p["centre"], name="김나눔", birth_date=date(1985, 3, 2))
    reason = "김나눔 님(1985-03-02) 본인 전화 요청"
    login(client, p["worker"].username)
    assert client.post(f"/cases/people/{person.id}/break-glass",
                       data={"reason": reason}).status_code == 302
    client.post("/cases/people/search-with-reason", data={"reason": reason, "q": "김나눔"})
    client.post("/logout")
    event(p["other_worker"], "consent.withdrawn", utcnow_seoul(), client_id=person.id,
          note="김나눔 님이 1985-03-02 생 본인 확인 후 철회")
    month = Month.current()
    login(client, make_staff(Role.ADMIN).username)
    page = client.get("/audit", query_string={"month": month.key}).get_data(as_text=True)
    csv_text = client.get("/audit/export.csv",
                          query_string={"month": month.key}).get_data(as_text=True)
    for shown in (page, csv_text):
        assert "client.break_glass" in shown and "consent.withdrawn" in shown  # every centre
        assert "김나눔" not in shown and "1985-03-02" not in shown and "1985" not in shown
        assert "가림" in shown and "name" in shown  # the kind of search is still there
    client.post("/logout")
    # The centre's manager reads the reasons: judging them is what the review is for.
    login(client, p["manager"].username)
    managers = client.get("/audit", query_string={"month": month.key}).get_data(as_text=True)
    assert "김나눔 님(1985-03-02)" in managers


def utcnow_seoul() -> datetime:
    from core.types import utcnow

    return utcnow()


def test_a_long_list_pages_with_the_one_pager_and_keeps_its_filters(app, client):
    p = place()
    month = last_month()
    day = working_day(month)
    for n in range(53):
        audit.record("client.view", actor=p["worker"], client_id=n + 1).at = at(day, 10, n)
    audit.record("case.view", actor=p["desk"], client_id=1).at = at(day, 9)
    db.session.commit()
    login(client, p["manager"].username)
    args = {"month": month.key, "staff": p["worker"].id}
    first = client.get("/audit", query_string=args).get_data(as_text=True)
    assert "1 / 2쪽" in first and first.count("<code>client.view</code>") == 50
    assert f"staff={p['worker'].id}" in first.split("1 / 2쪽")[1] and "page=2" in first
    second = client.get("/audit", query_string=args | {"page": 2}).get_data(as_text=True)
    assert "2 / 2쪽" in second and second.count("<code>client.view</code>") == 3
    assert "<code>case.view</code>" not in second
