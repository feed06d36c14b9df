"""Referrals to partners outside the centre (issue 19 point 2): consent recorded with the
referral, a mail through a real SMTP server, a one-time link that shows only what is shared,
answered once per action, every opening in the access log, the loop closing in the sender's
inbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from partner_mail import SmtpServer, free_port

from cases.models import ConsentMethod
from centers.models import AgencyKind
from core.audit import AuditEvent
from core.clock import local_today
from core.extensions import db
from core.holidays import holiday_days
from core.roles import Role
from core.types import utcnow
from core.working_time import add_working_hours
from factories import (
    csrf_token,
    login,
    make_agency,
    make_case,
    make_centre,
    make_client,
    make_partner,
    make_staff,
)
from referrals import outward
from referrals.models import (
    MailStatus,
    Notification,
    PartnerLink,
    PartnerReferral,
    ReferralStatus,
)


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def app_settings(smtp):
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port, "SMTP_FROM": "hanjari@centre.test"}


@pytest.fixture
def place():
    centre = make_centre(code="namyangju", name="남양주 고용복지+센터")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT, name="고용센터")
    worker = make_staff(Role.CASEWORKER, centre=centre, agency=jobs, display_name="박고용")
    person = make_client(centre, name="김민수", phone="+821012345678", address_sigungu="남양주시")
    case = make_case(person, jobs, caseworker=worker)
    partner = make_partner(centre, name="남양주시 정신건강복지센터", email="mind@example.org",
                           response_target_hours=24)
    return centre, jobs, worker, person, case, partner


def signed_in(app, staff):
    client = app.test_client()
    assert login(client, staff.username).status_code == 302
    return client


def send_form(partner, **overrides) -> dict:
    return {"partner_id": partner.id, "service_id": 0, "reason": "우울감으로 상담 필요",
            "needs": "주 1회 상담", "shared": ["needs"], "urgency": "normal",
            "contact_preference": "phone", "consent_method": "written",
            "consent_given_on": local_today().isoformat(), "consent_confirmed": "y", **overrides}


def only_referral() -> PartnerReferral:
    db.session.expire_all()
    return db.session.scalar(sa.select(PartnerReferral))


def openings() -> list[dict]:
    return [e.detail for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "partner_referral.opened")
        .order_by(AuditEvent.id))]


def test_the_partner_gets_a_mail_whose_link_shows_only_what_the_referral_shares(app, place, smtp):
    _centre, _jobs, worker, _person, case, partner = place
    sender = signed_in(app, worker)
    response = sender.post(f"/referrals/partner/new?case_id={case.id}", data=send_form(partner))
    referral = only_referral()
    assert response.headers["Location"].endswith(f"/referrals/partner/{referral.id}")
    assert referral.status == ReferralStatus.SENT and referral.mail_status == MailStatus.SENT
    assert (referral.consent_method, referral.consent_given_on) == (ConsentMethod.WRITTEN,
                                                                   local_today())
    assert referral.due_at == add_working_hours(referral.sent_at, 24, holiday_days())
    [mail] = smtp.inbox.messages
    assert mail["To"] == "mind@example.org" and "P-" in mail["Subject"]
    assert "김민수" not in mail.get_content()  # the mail names nobody
    [link] = smtp.inbox.links()
    token = link.rsplit("/", 1)[1]
    assert token not in str(db.session.execute(sa.select(PartnerLink.__table__)).all())

    partner_browser = app.test_client()
    page = partner_browser.get(link)
    assert page.status_code == 200
    assert "김민수" in page.text and "우울감으로 상담 필요" in page.text and "주 1회 상담" in page.text
    assert "1012345678" not in page.text and "1985" not in page.text and "남양주시</dd>" not in page.text
    assert openings() == [{"link_id": referral.links[0].id, "action": None, "refused": None}]
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "partner_referral.opened"))
    assert (event.staff_id, event.username, event.client_id) == (
        None, f"partner:{partner.id}", referral.client_id)
    desk = signed_in(app, make_staff(Role.FRONT_DESK, centre=_centre))
    history = desk.get(f"/audit/people/{referral.client_id}").text  # PIPA 제35조
    assert "남양주시 정신건강복지센터" in history


def test_the_partners_page_carries_its_own_csrf_token(app, place, smtp):
    """The partner has no session of ours before opening the link: the form still works with
    CSRF protection on, and a forged post without the token changes nothing."""
    _centre, _jobs, worker, _person, case, partner = place
    signed_in(app, worker).post(f"/referrals/partner/new?case_id={case.id}",
                                data=send_form(partner))
    [link] = smtp.inbox.links()
    app.config["WTF_CSRF_ENABLED"] = True
    browser = app.test_client()
    assert browser.post(f"{link}/accept", data={"responder": "위조"}).status_code == 400
    assert only_referral().status == ReferralStatus.SENT
    token = csrf_token(browser.get(link).text)
    browser.post(f"{link}/accept", data={"csrf_token": token, "responder": "이마음"})
    assert only_referral().status == ReferralStatus.ACCEPTED


def test_no_consent_to_provide_to_the_partner_no_referral(app, place, smtp):
    _centre, _jobs, worker, _person, case, partner = place
    sender = signed_in(app, worker)
    page = sender.post(f"/referrals/partner/new?case_id={case.id}",
                       data=send_form(partner, consent_confirmed=""))
    assert "제3자 제공 동의" in page.text and only_referral() is None
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    page = sender.post(f"/referrals/partner/new?case_id={case.id}",
                       data=send_form(partner, consent_given_on=tomorrow))
    assert "동의일이 오늘보다 뒤일 수 없습니다." in page.text and only_referral() is None
    assert smtp.inbox.messages == []


def test_the_partner_answers_once_and_reports_the_outcome_once_the_sender_hears_both(
        app, place, smtp):
    _centre, _jobs, worker, _person, case, partner = place
    sender = signed_in(app, worker)
    sender.post(f"/referrals/partner/new?case_id={case.id}", data=send_form(partner))
    [link] = smtp.inbox.links()
    browser = app.test_client()
    assert browser.post(f"{link}/decline", data={"decline_reason": "", "note": ""}).status_code == 302
    assert only_referral().status == ReferralStatus.SENT  # a reason is required
    assert browser.post(f"{link}/accept", data={"responder": "이마음", "note": "다음 주 연락"}
                        ).status_code == 302
    assert only_referral().status == ReferralStatus.ACCEPTED
    again = browser.post(f"{link}/decline", data={"decline_reason": "other", "note": "착오"})
    assert again.status_code == 404 and "이미 처리했습니다" in again.text
    assert browser.post(f"{link}/complete", data={"outcome": "service_provided",
                                                   "note": "상담 4회"}).status_code == 302
    referral = only_referral()
    assert (referral.status, referral.outcome.value, referral.responder) == (
        ReferralStatus.COMPLETED, "service_provided", "이마음")
    assert browser.post(f"{link}/complete", data={"outcome": "employed"}).status_code == 404
    assert [o["refused"] for o in openings()] == [None, None, "used", None, "used"]
    messages = db.session.scalars(sa.select(Notification.message).where(
        Notification.staff_id == worker.id).order_by(Notification.id)).all()
    assert messages == ["협력기관 의뢰 수락: 남양주시 정신건강복지센터",
                        "협력기관 의뢰 완료: 남양주시 정신건강복지센터"]
    page = sender.get(f"/referrals/partner/{referral.id}").text
    assert "서비스 제공" in page and "이마음" in page
    assert "P-" in sender.get("/referrals/partner").text


def test_a_failed_mail_keeps_the_referral_and_a_retry_sends_a_new_link(app, place, smtp):
    _centre, _jobs, worker, _person, case, partner = place
    app.config["SMTP_PORT"] = free_port()  # nobody listens there
    sender = signed_in(app, worker)
    response = sender.post(f"/referrals/partner/new?case_id={case.id}", data=send_form(partner),
                           follow_redirects=True)
    assert "전자우편을 보내지 못했습니다" in response.text and "링크 다시 보내기" in response.text
    referral = only_referral()
    assert referral.mail_status == MailStatus.FAILED and referral.status == ReferralStatus.SENT
    assert all(link.revoked_at is not None for link in referral.links)
    app.config["SMTP_PORT"] = smtp.port
    assert sender.post(f"/referrals/partner/{referral.id}/link").status_code == 302
    assert only_referral().mail_status == MailStatus.SENT
    [link] = smtp.inbox.links()
    assert app.test_client().get(link).status_code == 200


def test_a_link_stops_working_when_it_expires_is_revoked_or_replaced(app, place, smtp):
    _centre, _jobs, worker, _person, case, partner = place
    sender = signed_in(app, worker)
    sender.post(f"/referrals/partner/new?case_id={case.id}", data=send_form(partner))
    referral = only_referral()
    sender.post(f"/referrals/partner/{referral.id}/link")
    first, second = smtp.inbox.links()
    browser = app.test_client()
    assert browser.get(first).status_code == 404  # replaced by the second
    assert browser.get(second).status_code == 200
    with time_machine.travel(utcnow() + timedelta(days=31)):
        assert "쓸 수 없는 링크" in browser.get(second).text
    sender.post(f"/referrals/partner/{referral.id}/revoke")
    assert browser.get(second).status_code == 404
    assert browser.get("/p/not-a-token").status_code == 404
    assert [o["refused"] for o in openings()] == ["revoked", None, "expired", "revoked"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "partner_link.unknown")) == 1


def test_a_withdrawn_consent_closes_the_referral_and_its_link(app, place, smtp):
    _centre, _jobs, worker, _person, case, partner = place
    sender = signed_in(app, worker)
    sender.post(f"/referrals/partner/new?case_id={case.id}", data=send_form(partner))
    referral = only_referral()
    [link] = smtp.inbox.links()
    sender.post(f"/referrals/partner/{referral.id}/withdraw", data={"note": "본인 요청"})
    referral = only_referral()
    assert referral.status == ReferralStatus.CANCELLED and referral.consent_withdrawn_at
    page = app.test_client().get(link)
    assert page.status_code == 404 and "김민수" not in page.text


def test_only_the_sending_agency_sees_and_acts_on_its_partner_referral(app, place, smtp):
    centre, _jobs, worker, _person, case, partner = place
    sender = signed_in(app, worker)
    sender.post(f"/referrals/partner/new?case_id={case.id}", data=send_form(partner))
    referral = only_referral()
    other = make_staff(Role.CASEWORKER, centre=centre,
                       agency=make_agency(centre, AgencyKind.WELFARE, name="복지지원팀"))
    stranger = signed_in(app, other)
    assert stranger.get(f"/referrals/partner/{referral.id}").status_code == 404
    assert stranger.post(f"/referrals/partner/{referral.id}/cancel",
                         data={"note": "몰래"}).status_code == 404
    assert stranger.get(f"/referrals/partner/new?case_id={case.id}").status_code in (403, 404)
    manager = signed_in(app, make_staff(Role.MANAGER, centre=centre))
    page = manager.get(f"/referrals/partner/{referral.id}").text
    assert "의뢰 취소" not in page
    assert manager.post(f"/referrals/partner/{referral.id}/cancel",
                        data={"note": "몰래"}).status_code == 403
    assert only_referral().status == ReferralStatus.SENT
    with pytest.raises(outward.PartnerReferralNotAllowed):
        outward.cancel(other, referral, "몰래")
