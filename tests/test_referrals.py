"""Closed-loop referrals: consent, duplicates, the state machine, targets, inbox, hand-off."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from cases.models import Case
from centers.models import AgencyKind
from core.extensions import db
from core.holidays import PublicHoliday
from core.roles import Role
from core.types import utcnow
from core.working_time import add_working_hours
from factories import (
    at_once,
    login,
    make_agency,
    make_case,
    make_centre,
    make_client,
    make_referral,
    make_staff,
    make_visit,
)
from intake.models import Visit
from referrals.models import Notification, Referral, ReferralStatus, Urgency

SEOUL_OFFSET = timedelta(hours=9)


def seoul(*args) -> datetime:
    return datetime(*args, tzinfo=UTC) - SEOUL_OFFSET


# --- working hours -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (seoul(2026, 11, 23, 10, 0), 2, seoul(2026, 11, 23, 12, 0)),  # Monday morning
        (seoul(2026, 11, 27, 17, 0), 2, seoul(2026, 11, 30, 10, 0)),  # Friday → Monday
        (seoul(2026, 11, 28, 11, 0), 1, seoul(2026, 11, 30, 10, 0)),  # sent on Saturday
        (seoul(2026, 11, 23, 20, 0), 16, seoul(2026, 11, 25, 16, 0)),  # evening: 9 h + 7 h
        (seoul(2026, 12, 24, 17, 0), 2, seoul(2026, 12, 28, 10, 0)),  # Christmas skipped
    ],
)
def test_due_time_counts_working_hours_and_skips_holidays(start, hours, due):
    assert add_working_hours(start, hours, {date(2026, 12, 25)}) == due


# --- fixtures ------------------------------------------------------------------------------

@pytest.fixture
def centre():
    centre = make_centre(code="namyangju")
    for kind, name in ((AgencyKind.EMPLOYMENT, "고용센터"), (AgencyKind.WELFARE, "복지지원팀"),
                       (AgencyKind.SELF_SUPPORT, "자활센터")):
        make_agency(centre, kind, name=name, response_target_hours=16)
    return centre


def agency(centre, kind):
    return next(a for a in centre.agencies if a.kind == kind)


@pytest.fixture
def setup(centre):
    jobs, welfare = agency(centre, AgencyKind.EMPLOYMENT), agency(centre, AgencyKind.WELFARE)
    person = make_client(centre, share_with=[welfare, agency(centre, AgencyKind.SELF_SUPPORT)])
    sender = make_staff(Role.CASEWORKER, centre=centre, agency=jobs, display_name="박고용")
    receiver = make_staff(Role.CASEWORKER, centre=centre, agency=welfare, display_name="최복지")
    case = make_case(person, jobs, caseworker=sender)
    return {"person": person, "jobs": jobs, "welfare": welfare, "sender": sender,
            "receiver": receiver, "case": case}


def as_staff(app, staff):
    desk = app.test_client()
    login(desk, staff.username)
    return desk


# --- sending -------------------------------------------------------------------------------

def test_send_from_a_case_sets_due_time_and_notifies_the_receiving_agency(app, setup):
    desk = as_staff(app, setup["sender"])
    response = desk.post(f"/referrals/new?case_id={setup['case'].id}", data={
        "to_agency_id": setup["welfare"].id, "service_id": 0, "reason": "긴급복지 상담 필요",
        "needs": "생계비", "urgency": "urgent", "contact_preference": "phone"})
    assert response.status_code == 302
    referral = db.session.scalar(sa.select(Referral))
    assert referral.status == ReferralStatus.SENT
    assert referral.due_at == add_working_hours(referral.sent_at, 16, set(
        db.session.scalars(sa.select(PublicHoliday.day))))
    notes = db.session.scalars(sa.select(Notification)).all()
    assert [n.staff_id for n in notes] == [setup["receiver"].id]
    receiver = as_staff(app, setup["receiver"])
    inbox = receiver.get("/referrals/inbox").text
    assert f'/referrals/{referral.id}"' in inbox and "긴급" in inbox
    assert "새 의뢰 1" in inbox
    receiver.get(f"/referrals/{referral.id}")  # reading marks nothing (no state change by GET)
    assert "새 의뢰 1" in receiver.get("/referrals/inbox").text
    receiver.post("/referrals/notifications/read", data={"about": referral.id})
    assert "새 의뢰 1" not in receiver.get("/referrals/inbox").text


def test_a_sent_referral_tells_the_sender_what_comes_next(app, setup):
    desk = as_staff(app, setup["sender"])
    desk.post(f"/referrals/new?case_id={setup['case'].id}", data={
        "to_agency_id": setup["welfare"].id, "service_id": 0, "reason": "긴급복지 상담 필요",
        "urgency": "normal", "contact_preference": "phone"})
    referral = db.session.scalar(sa.select(Referral))
    page = desk.get(f"/referrals/{referral.id}").text
    steps = page.split('class="alert alert-info next-steps"')[1].split("</section>")[0]
    assert "복지지원팀에서" in steps and "까지 답합니다" in steps
    assert f"/referrals/{referral.id}/slip.pdf" in steps and f"/cases/{setup['case'].id}" in steps
    assert "<details>" in page.split("</section>")[1].split("/cancel")[0]  # cancelling is folded away
    assert "next-steps" not in as_staff(app, setup["receiver"]).get(f"/referrals/{referral.id}").text

def test_refused_without_sharing_consent_or_after_withdrawal(app, centre, setup):
    desk = as_staff(app, setup["sender"])
    self_support = agency(centre, AgencyKind.SELF_SUPPORT)
    no_consent = make_client(centre, name="김동의없음")
    case = make_case(no_consent, setup["jobs"], caseworker=setup["sender"])
    refused = desk.post(f"/referrals/new?case_id={case.id}", data={
        "to_agency_id": setup["welfare"].id, "service_id": 0, "reason": "상담",
        "urgency": "normal", "contact_preference": "phone"})
    assert "동의하지 않았거나 동의를 철회했습니다" in refused.text
    third_party = next(c for c in setup["person"].consents if c.agencies)
    third_party.withdrawn_at = utcnow()
    db.session.commit()
    withdrawn = desk.post(f"/referrals/new?case_id={setup['case'].id}", data={
        "to_agency_id": self_support.id, "service_id": 0, "reason": "자활근로",
        "urgency": "normal", "contact_preference": "phone"})
    assert "동의하지 않았거나 동의를 철회했습니다" in withdrawn.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 0


def test_every_step_of_the_table_has_its_function_its_page_route_and_api_route(app):
    from referrals import services

    assert services.STEPS.keys() == services.TRANSITIONS.keys()
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    for action in services.TRANSITIONS:
        assert any(r.startswith("/api/v1/referrals/<") and r.endswith(f"/{action}")
                   for r in rules)
        assert any(r.startswith("/referrals/<int:referral_id>/<any(") and action in r
                   for r in rules)


def test_duplicate_open_referral_to_the_same_agency_is_refused(app, setup):
    make_referral(setup["case"], setup["welfare"])
    desk = as_staff(app, setup["sender"])
    again = desk.post(f"/referrals/new?case_id={setup['case'].id}", data={
        "to_agency_id": setup["welfare"].id, "service_id": 0, "reason": "다시",
        "urgency": "normal", "contact_preference": "phone"})
    assert "이미 진행 중인 의뢰가 있습니다" in again.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 1


# --- the loop ------------------------------------------------------------------------------

def test_full_loop_received_accepted_in_progress_completed_seen_by_sender(app, setup):
    referral = make_referral(setup["case"], setup["welfare"])
    receiver = as_staff(app, setup["receiver"])
    page = receiver.get(f"/referrals/{referral.id}")
    db.session.refresh(referral)
    assert referral.status == ReferralStatus.SENT  # reading changes nothing
    assert f"/referrals/{referral.id}/receive" in page.text
    receiver.post(f"/referrals/{referral.id}/receive", data={})
    db.session.refresh(referral)
    assert referral.status == ReferralStatus.RECEIVED and referral.received_at is not None
    receiver.post(f"/referrals/{referral.id}/accept", data={"assignee_id": setup["receiver"].id})
    db.session.refresh(referral)
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.assigned_to_id == setup["receiver"].id
    to_case = db.session.get(Case, referral.to_case_id)
    assert (to_case.agency_id, to_case.caseworker_id) == (setup["welfare"].id, setup["receiver"].id)
    # The receiving agency's caseworker may now read the case that was referred.
    assert receiver.get(f"/cases/{setup['case'].id}").status_code == 200
    receiver.post(f"/referrals/{referral.id}/start", data={})
    no_outcome = receiver.post(f"/referrals/{referral.id}/complete", data={},
                               follow_redirects=True)
    assert "결과를 고르세요" in no_outcome.text
    receiver.post(f"/referrals/{referral.id}/complete",
                  data={"outcome": "benefit_granted", "note": "긴급복지 생계지원 결정"})
    db.session.refresh(referral)
    assert referral.status == ReferralStatus.COMPLETED
    assert [e.to_status for e in referral.events] == [
        ReferralStatus.SENT, ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED,
        ReferralStatus.IN_PROGRESS, ReferralStatus.COMPLETED]
    sender = as_staff(app, setup["sender"])
    sent = sender.get("/referrals/sent").text
    assert "급여 결정" in sent
    assert "결과 2" in sender.get("/").text  # accepted and completed notifications
    timeline = sender.get(f"/referrals/{referral.id}").text
    assert "최복지" in timeline and "긴급복지 생계지원 결정" in timeline
    sender.post("/referrals/notifications/read", data={})
    assert "결과 2" not in sender.get("/").text


def test_notifications_page_lists_each_notification_with_its_time(app, setup):
    referral = make_referral(setup["case"], setup["welfare"])
    page = as_staff(app, setup["receiver"]).get("/referrals/notifications")
    assert page.status_code == 200
    assert "새 의뢰: 고용센터에서 보냄" in page.text
    assert f'name="referral" value="{referral.id}"' in page.text
    assert "알림이 없습니다" in as_staff(app, setup["sender"]).get("/referrals/notifications").text


def test_case_page_lists_only_the_referrals_its_reader_may_open(app, centre, setup):
    to_welfare = make_referral(setup["case"], setup["welfare"])
    to_self_support = make_referral(setup["case"], agency(centre, AgencyKind.SELF_SUPPORT))
    receiver = as_staff(app, setup["receiver"])
    page = receiver.get(f"/cases/{setup['case'].id}").text
    assert f'/referrals/{to_welfare.id}"' in page
    assert f'/referrals/{to_self_support.id}"' not in page
    assert receiver.get(f"/referrals/{to_self_support.id}").status_code == 404
    sender_page = as_staff(app, setup["sender"]).get(f"/cases/{setup['case'].id}").text
    assert f'/referrals/{to_welfare.id}"' in sender_page
    assert f'/referrals/{to_self_support.id}"' in sender_page


def test_referral_page_links_a_case_only_for_those_who_may_open_it(app, setup):
    referral = make_referral(setup["case"], setup["welfare"])
    receiver = as_staff(app, setup["receiver"])
    receiver.post(f"/referrals/{referral.id}/accept", data={"assignee_id": setup["receiver"].id})
    db.session.refresh(referral)
    from_link = f'href="/cases/{referral.from_case_id}"'
    to_link = f'href="/cases/{referral.to_case_id}"'
    page = receiver.get(f"/referrals/{referral.id}").text
    assert from_link in page and to_link in page  # an open referral lets them read the case
    sender = as_staff(app, setup["sender"])
    page = sender.get(f"/referrals/{referral.id}").text
    assert from_link in page and to_link not in page
    assert f"#{referral.to_case_id}" in page
    assert sender.get(f"/cases/{referral.to_case_id}").status_code == 404
    receiver.post(f"/referrals/{referral.id}/complete", data={"outcome": "service_provided"})
    page = receiver.get(f"/referrals/{referral.id}").text
    assert from_link not in page and to_link in page  # the closed loop ends that access
    assert receiver.get(f"/cases/{referral.from_case_id}").status_code == 404


def test_decline_needs_a_coded_reason_and_note_then_resend_in_one_step(app, centre, setup):
    referral = make_referral(setup["case"], setup["welfare"])
    receiver = as_staff(app, setup["receiver"])
    bare = receiver.post(f"/referrals/{referral.id}/decline", data={"decline_reason": "capacity"},
                         follow_redirects=True)
    assert "반려 사유와 설명을 모두 적으세요" in bare.text
    receiver.post(f"/referrals/{referral.id}/decline",
                  data={"decline_reason": "capacity", "note": "이번 달 정원 마감"})
    db.session.refresh(referral)
    assert referral.status == ReferralStatus.DECLINED and referral.decline_reason.value == "capacity"
    sender = as_staff(app, setup["sender"])
    self_support = agency(centre, AgencyKind.SELF_SUPPORT)
    response = sender.post(f"/referrals/{referral.id}/resend", data={"to_agency_id": self_support.id})
    new = db.session.scalar(sa.select(Referral).where(Referral.id != referral.id))
    assert response.headers["Location"].endswith(f"/referrals/{new.id}")
    assert (new.to_agency_id, new.reason, new.resent_from_id) == (
        self_support.id, referral.reason, referral.id)


def test_only_the_sender_cancels_and_needs_a_reason(app, setup):
    referral = make_referral(setup["case"], setup["welfare"])
    receiver = as_staff(app, setup["receiver"])
    receiver.post(f"/referrals/{referral.id}/cancel", data={"note": "받는 쪽 취소"})
    db.session.refresh(referral)
    assert referral.status == ReferralStatus.SENT
    sender = as_staff(app, setup["sender"])
    assert "취소 사유를 적으세요" in sender.post(f"/referrals/{referral.id}/cancel", data={},
                                              follow_redirects=True).text
    sender.post(f"/referrals/{referral.id}/cancel", data={"note": "본인이 다른 곳에서 해결"})
    db.session.refresh(referral)
    assert referral.status == ReferralStatus.CANCELLED


def test_overdue_referrals_are_red_in_both_lists_and_counted_in_the_badge(app, setup):
    referral = make_referral(setup["case"], setup["welfare"])
    referral.due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    receiver = as_staff(app, setup["receiver"])
    overdue = receiver.get("/referrals/inbox?view=overdue").text
    assert f'/referrals/{referral.id}"' in overdue and "table-danger" in overdue
    assert "기한 지남 1" in receiver.get("/").text
    sender = as_staff(app, setup["sender"])
    assert "table-danger" in sender.get("/referrals/sent").text


def test_inbox_filters_by_sending_agency_and_urgency(app, centre, setup):
    make_referral(setup["case"], setup["welfare"], urgency=Urgency.URGENT)
    receiver = as_staff(app, setup["receiver"])
    assert "의뢰가 없습니다" in receiver.get("/referrals/inbox?urgency=normal").text
    assert "긴급" in receiver.get(f"/referrals/inbox?agency={setup['jobs'].id}&urgency=urgent").text


def test_other_agencies_do_not_see_the_referral(app, centre, setup):
    referral = make_referral(setup["case"], setup["welfare"])
    outsider = make_staff(Role.CASEWORKER, centre=centre, agency=agency(centre, AgencyKind.SELF_SUPPORT))
    assert as_staff(app, outsider).get(f"/referrals/{referral.id}").status_code == 404
    assert as_staff(app, make_staff(Role.FRONT_DESK, centre=centre)).get(
        f"/referrals/{referral.id}").status_code == 403


def test_warm_hand_off_adds_the_desk_to_todays_visit(app, setup):
    visit = make_visit(setup["person"].centre, [setup["jobs"]], client=setup["person"])
    referral = make_referral(setup["case"], setup["welfare"])
    receiver = as_staff(app, setup["receiver"])
    page = receiver.get(f"/referrals/{referral.id}").text
    assert "방문 계획에 추가" in page
    receiver.post(f"/referrals/{referral.id}/accept",
                  data={"assignee_id": setup["receiver"].id, "add_to_visit": "y"})
    visit = db.session.get(Visit, visit.id)
    assert [s.agency_id for s in visit.stops] == [setup["jobs"].id, setup["welfare"].id]


# --- concurrency ---------------------------------------------------------------------------


def test_two_caseworkers_accepting_at_once_exactly_one_wins(app, centre, setup):
    referral = make_referral(setup["case"], setup["welfare"])
    second = make_staff(Role.CASEWORKER, centre=centre, agency=setup["welfare"])
    desks = [as_staff(app, setup["receiver"]), as_staff(app, second)]
    ids = [setup["receiver"].id, second.id]
    url = f"/referrals/{referral.id}/accept"
    pages = at_once([(lambda d=d, i=i: d.post(url, data={"assignee_id": i},
                                                follow_redirects=True).text)
                      for d, i in zip(desks, ids, strict=True)])
    refused = [p for p in pages if "먼저 처리했습니다" in p or "할 수 없는 처리입니다" in p]
    assert len(refused) == 1
    referral = db.session.get(Referral, referral.id)
    assert referral.status == ReferralStatus.ACCEPTED and referral.assigned_to_id in ids
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)
                             .where(Case.agency_id == setup["welfare"].id)) == 1


def test_accept_and_cancel_at_once_never_both_win_from_the_same_state(app, setup):
    """Both start from 'sent': at most one may leave it. (Cancelling a referral that was
    accepted a moment before is a legitimate second step: on SQLite, where posts now take
    the write lock in turn, the second post always sees the first one's result.)"""
    referral = make_referral(setup["case"], setup["welfare"])
    receiver, sender = as_staff(app, setup["receiver"]), as_staff(app, setup["sender"])
    base, assignee = f"/referrals/{referral.id}", setup["receiver"].id
    at_once([
        lambda: receiver.post(f"{base}/accept", data={"assignee_id": assignee}),
        lambda: sender.post(f"{base}/cancel", data={"note": "취소"}),
    ])
    referral = db.session.get(Referral, referral.id)
    assert referral.status in (ReferralStatus.ACCEPTED, ReferralStatus.CANCELLED)
    steps = [(e.from_status, e.to_status) for e in referral.events]
    assert steps in ([(None, ReferralStatus.SENT), (ReferralStatus.SENT, ReferralStatus.ACCEPTED)],
                     [(None, ReferralStatus.SENT), (ReferralStatus.SENT, ReferralStatus.CANCELLED)],
                     [(None, ReferralStatus.SENT), (ReferralStatus.SENT, ReferralStatus.ACCEPTED),
                      (ReferralStatus.ACCEPTED, ReferralStatus.CANCELLED)]), steps


# --- holidays ------------------------------------------------------------------------------

def test_administrator_edits_the_holiday_list(client, login_as):
    login_as(Role.ADMIN)
    client.post("/referrals/holidays", data={"day": "2031-05-01", "name": "시험 휴일"})
    assert db.session.get(PublicHoliday, date(2031, 5, 1)).name == "시험 휴일"
    duplicate = client.post("/referrals/holidays", data={"day": "2031-05-01", "name": "또"})
    assert "이미 등록된 날짜" in duplicate.text
    client.post("/referrals/holidays/2031-05-01/delete")
    assert db.session.get(PublicHoliday, date(2031, 5, 1)) is None


def test_only_the_administrator_edits_holidays(client, login_as):
    login_as(Role.MANAGER)
    assert client.post("/referrals/holidays", data={"day": "2031-05-02", "name": "x"}).status_code == 403


def test_referral_slip_is_a_pdf_and_printing_it_is_audited(app, setup):
    import shutil
    import subprocess

    from factories import audit_actions

    setup["person"].phone = "+821012345678"  # shared with the agency under the person's consent
    db.session.commit()
    referral = make_referral(setup["case"], setup["welfare"], reason="긴급복지 상담 필요")
    response = as_staff(app, setup["sender"]).get(f"/referrals/{referral.id}/slip.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "referral.slip_printed" in audit_actions(subject_id=referral.id)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True,
                              check=True).stdout.decode()
        for expected in ("기관 간 의뢰서", "복지지원팀", "긴급복지 상담 필요", "홍길동", "010-1234-5678"):
            assert expected in text
    outsider = make_staff(Role.FRONT_DESK, centre=setup["person"].centre)
    assert as_staff(app, outsider).get(f"/referrals/{referral.id}/slip.pdf").status_code == 403


def _pdf_objects(pdf: bytes) -> bytes:
    """The PDF's object dictionaries as text: the plain ones and those WeasyPrint packs into
    compressed object streams."""
    import zlib

    parts = [pdf]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_referral_slip_is_a_tagged_pdf_in_the_readers_language(app, setup):
    referral = make_referral(setup["case"], setup["welfare"])
    objects = _pdf_objects(as_staff(app, setup["sender"]).get(f"/referrals/{referral.id}/slip.pdf").data)
    assert b"/StructTreeRoot" in objects and b"/Marked true" in objects  # tagged: a structure tree
    assert b"/Lang (ko)" in objects
    assert b"/DisplayDocTitle true" in objects and b"/Title" in objects
    assert b"/S /Document" in objects and b"/H1" in objects and b"/H2" in objects  # headings tagged

    setup["sender"].locale = "en"
    db.session.commit()
    objects = _pdf_objects(as_staff(app, setup["sender"]).get(f"/referrals/{referral.id}/slip.pdf").data)
    assert b"/Lang (en)" in objects


def test_receiving_agency_loses_the_case_after_a_decline_or_a_withdrawn_consent(app, setup):
    referral = make_referral(setup["case"], setup["welfare"])
    receiver = as_staff(app, setup["receiver"])
    assert receiver.get(f"/cases/{setup['case'].id}").status_code == 200
    third_party = next(c for c in setup["person"].consents if c.agencies)
    third_party.withdrawn_at = utcnow()
    db.session.commit()
    assert receiver.get(f"/cases/{setup['case'].id}").status_code == 404
    assert receiver.post(f"/cases/{setup['case'].id}/notes",
                         data={"kind": "phone", "body": "x"}).status_code == 404
    third_party.withdrawn_at = None
    db.session.commit()
    receiver.post(f"/referrals/{referral.id}/decline",
                  data={"decline_reason": "capacity", "note": "정원 마감"})
    assert receiver.get(f"/cases/{setup['case'].id}").status_code == 404


def test_accepting_for_an_inactive_caseworker_is_refused_with_a_message(app, centre, setup):
    referral = make_referral(setup["case"], setup["welfare"])
    gone = make_staff(Role.CASEWORKER, centre=centre, agency=setup["welfare"],
                      is_active_account=False)
    response = as_staff(app, setup["receiver"]).post(
        f"/referrals/{referral.id}/accept", data={"assignee_id": gone.id}, follow_redirects=True)
    assert response.status_code == 200 and "받는 기관의 사례관리자여야 합니다" in response.text
    # The refused accept changed nothing.
    assert db.session.get(Referral, referral.id).status == ReferralStatus.SENT


def test_opening_a_referral_marks_nothing_read_the_button_does(app, setup):
    referral = make_referral(setup["case"], setup["welfare"])
    receiver = as_staff(app, setup["receiver"])

    def unread() -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.staff_id == setup["receiver"].id, Notification.read_at.is_(None)))

    assert unread() == 1
    page = receiver.get(f"/referrals/{referral.id}").text
    assert unread() == 1 and 'name="about"' in page
    response = receiver.post("/referrals/notifications/read", data={"about": referral.id})
    assert response.headers["Location"].endswith(f"/referrals/{referral.id}")
    assert unread() == 0
    assert 'name="about"' not in receiver.get(f"/referrals/{referral.id}").text


def test_reading_notifications_with_numbers_that_name_nothing_goes_back_to_the_list(app, setup):
    make_referral(setup["case"], setup["welfare"])
    receiver = as_staff(app, setup["receiver"])
    response = receiver.post("/referrals/notifications/read", data={
        "id": ["abc", "99999999999", "²"], "referral": "99999999999", "partner_referral": "x"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/referrals/notifications")
