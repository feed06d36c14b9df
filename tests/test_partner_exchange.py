"""Partner systems (issue 19 point 3): the same exchange as JSON, states as FHIR Task.status,
polling with the partner's key, and signed webhooks posted by ``flask send-webhooks`` to a
local HTTP server, retried with back-off under the same idempotency key."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
import time_machine

from cases.models import ConsentMethod
from centers.models import AgencyKind
from core.clock import local_today
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from factories import (
    bearer,
    login,
    make_agency,
    make_case,
    make_centre,
    make_client,
    make_partner,
    make_staff,
    make_token,
)
from referrals import outward
from referrals.models import Notification, PartnerReferral, ReferralStatus, WebhookDelivery


class Receiver(BaseHTTPRequestHandler):
    """A partner system's webhook endpoint: answers the queued statuses (then 200)."""

    received: list[tuple[dict, bytes]] = []
    answers: list[int] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(type(self).answers.pop(0) if type(self).answers else 200)
        self.end_headers()

    def log_message(self, *_args):
        pass


@pytest.fixture
def receiver():
    Receiver.received, Receiver.answers = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/hanjari", Receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def place():
    centre = make_centre(code="namyangju", name="남양주 고용복지+센터")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT, name="고용센터")
    worker = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    person = make_client(centre, name="김민수", phone="+821012345678")
    manager = make_staff(Role.MANAGER, centre=centre)
    partner = make_partner(centre, manager=manager, name="정신건강복지센터", email="mind@example.org")
    return worker, make_case(person, jobs, caseworker=worker), manager, partner


def signed_in(app, staff):
    client = app.test_client()
    assert login(client, staff.username).status_code == 302
    return client


def system_keys(app, manager, partner, webhook_url=None) -> tuple[str, str | None]:
    """The manager makes the partner's API key (and webhook secret) on the partner page."""
    page = signed_in(app, manager)
    key = re.search(r"(hjp_[A-Za-z0-9_-]+)", page.post(f"/partners/{partner.id}/api_key").text)[1]
    secret = None
    if webhook_url:
        html = page.post(f"/partners/{partner.id}/webhook", data={"url": webhook_url}).text
        secret = re.search(r'<code class="user-select-all">([A-Za-z0-9_-]+)</code>', html)[1]
    return key, secret


def refer(worker, case, partner, **kw) -> PartnerReferral:
    referral = outward.send(worker, case, partner, reason="우울감 상담", needs="주 1회",
                            shared=kw.pop("shared", ["needs"]), consent_confirmed=True,
                            consent_method=ConsentMethod.WRITTEN, consent_given_on=local_today())
    db.session.commit()
    return referral


def test_a_partner_system_polls_its_referrals_and_sees_only_what_they_share(app, place):
    worker, case, manager, partner = place
    key, _secret = system_keys(app, manager, partner)
    api = app.test_client()
    assert api.get("/api/v1/partner/referrals").status_code == 401
    assert api.get("/api/v1/partner/referrals", headers=bearer(make_token(worker))).status_code == 401
    assert api.get(f"/api/v1/people/{case.client_id}", headers=bearer(key)).status_code == 401
    before = utcnow()
    referral = refer(worker, case, partner)
    page = api.get("/api/v1/partner/referrals", headers=bearer(key)).json
    [item] = page["items"]
    assert (item["id"], item["status"], item["hanjari_status"]) == (referral.id, "requested", "sent")
    assert item["subject"] == {"name": "김민수", "reason": "우울감 상담", "needs": "주 1회"}
    assert item["allowed_statuses"] == ["accepted", "rejected"]
    since = item["last_modified"]
    assert api.get("/api/v1/partner/referrals", query_string={"since": since},
                   headers=bearer(key)).json["items"] == []
    assert len(api.get("/api/v1/partner/referrals", query_string={
        "since": before.isoformat()}, headers=bearer(key)).json["items"]) == 1
    other = make_partner(case.centre, manager=manager, name="가족센터")
    other_key, _ = system_keys(app, manager, other)
    assert api.get(f"/api/v1/partner/referrals/{referral.id}",
                   headers=bearer(other_key)).status_code == 404


def test_a_partner_system_answers_with_fhir_states_and_the_sender_hears_it(app, place):
    worker, case, manager, partner = place
    key, _ = system_keys(app, manager, partner)
    referral = refer(worker, case, partner)
    api = app.test_client()
    url = f"/api/v1/partner/referrals/{referral.id}"
    assert api.post(f"{url}/status", json={"status": "accepted"},
                    headers=bearer(key)).status_code == 428
    refused = api.post(f"{url}/status", json={"status": "rejected", "version": 1},
                       headers=bearer(key))
    assert refused.status_code == 422 and "반려 사유" in refused.json["detail"]
    accepted = api.post(f"{url}/status", json={"status": "accepted", "version": 1,
                                               "responder": "이마음"}, headers=bearer(key))
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    stale = api.post(f"{url}/status", json={"status": "in-progress", "version": 1},
                     headers=bearer(key))
    assert stale.status_code == 409
    version = accepted.json["version"]
    for status, body in (("in-progress", {}), ("completed", {"outcome": "service_provided"})):
        answer = api.post(f"{url}/status", json={"status": status, "version": version, **body},
                          headers=bearer(key))
        assert answer.status_code == 200 and answer.json["status"] == status
        version = answer.json["version"]
    db.session.expire_all()
    assert db.session.get(PartnerReferral, referral.id).status == ReferralStatus.COMPLETED
    assert db.session.scalars(sa.select(Notification.message).where(
        Notification.staff_id == worker.id)).all() == [
        "협력기관 의뢰 수락: 정신건강복지센터", "협력기관 의뢰 완료: 정신건강복지센터"]


def test_a_withdrawn_consent_leaves_the_partner_system_nothing_of_the_person(app, place):
    worker, case, manager, partner = place
    key, _ = system_keys(app, manager, partner)
    referral = refer(worker, case, partner)
    outward.withdraw_consent(worker, referral, "본인 요청")
    db.session.commit()
    item = app.test_client().get(f"/api/v1/partner/referrals/{referral.id}",
                                 headers=bearer(key)).json
    assert (item["status"], item["subject"], item["consent"]["withdrawn"]) == (
        "cancelled", None, True)


def test_webhooks_are_signed_retried_with_back_off_and_keep_their_idempotency_key(
        app, place, receiver):
    worker, case, manager, partner = place
    url, server = receiver
    _key, secret = system_keys(app, manager, partner, webhook_url=url)
    referral = refer(worker, case, partner)
    server.answers = [500]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-webhooks"])
    assert "delivered 0, failed 1" in result.output
    assert "delivered 0, failed 0" in runner.invoke(args=["send-webhooks"]).output  # not yet due
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        assert "delivered 1, failed 0" in runner.invoke(args=["send-webhooks"]).output
    first, second = server.received
    assert first[0]["Idempotency-Key"] == second[0]["Idempotency-Key"]
    headers, body = second
    expected = hmac.new(secret.encode(), headers["X-Hanjari-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    assert headers["X-Hanjari-Signature"] == f"sha256={expected}"
    event = json.loads(body)
    assert event["event"] == "referral.requested"
    assert event["referral"] == {"id": referral.id, "status": "requested",
                                 "version": referral.version,
                                 "url": f"/api/v1/partner/referrals/{referral.id}"}
    assert "김민수" not in body.decode()  # thin: the system reads the referral through the API
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert (delivery.attempts, delivery.last_status) == (2, 200)


def test_a_webhook_that_keeps_failing_is_given_up_after_its_last_try(app, place, receiver):
    worker, case, manager, partner = place
    url, server = receiver
    system_keys(app, manager, partner, webhook_url=url)
    refer(worker, case, partner)
    server.answers = [503] * 20
    runner = app.test_cli_runner()
    moment = utcnow()
    outputs = []
    for _try in range(8):
        with time_machine.travel(moment):
            outputs.append(runner.invoke(args=["send-webhooks"]).output)
        moment += timedelta(hours=7)
    assert "abandoned 1" in outputs[-1] and len(server.received) == 8


def test_the_exchange_is_in_the_openapi_document(app):
    spec = app.test_client().get("/api/v1/openapi.json").json
    assert {"/api/v1/partner/referrals", "/api/v1/partner/referrals/{referral_id}",
            "/api/v1/partner/referrals/{referral_id}/status"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["partnerKey"]["bearerFormat"] == "hjp_…"
    status = spec["paths"]["/api/v1/partner/referrals/{referral_id}/status"]["post"]
    assert status["security"] == [{"partnerKey": []}]
