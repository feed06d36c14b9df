"""The JSON API for referrals and the monthly report: the same rules as the pages."""


import pytest

from centers.models import AgencyKind
from core.clock import local_today
from core.extensions import db
from core.roles import Role
from factories import (
    audit_actions,
    bearer,
    make_agency,
    make_case,
    make_centre,
    make_client,
    make_referral,
    make_staff,
    make_token,
)
from referrals.models import Referral, ReferralStatus


@pytest.fixture
def world():
    centre = make_centre(code="namyangju")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT, name="고용센터")
    welfare = make_agency(centre, AgencyKind.WELFARE, name="복지지원팀")
    person = make_client(centre, share_with=[welfare])
    sender = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    receiver = make_staff(Role.CASEWORKER, centre=centre, agency=welfare)
    case = make_case(person, jobs, caseworker=sender)
    return {"centre": centre, "jobs": jobs, "welfare": welfare, "person": person,
            "sender": sender, "receiver": receiver, "case": case}


def test_send_through_the_api_with_the_same_consent_rule(client, world):
    token = bearer(make_token(world["sender"]))
    sent = client.post("/api/v1/referrals", headers=token, json={
        "case_id": world["case"].id, "to_agency_id": world["welfare"].id,
        "reason": "긴급복지 상담", "urgency": "urgent"})
    assert sent.status_code == 201, sent.json
    assert sent.json["status"] == "sent" and sent.headers["ETag"] == 'W/"1"'
    assert sent.json["person"]["masked_name"] == "홍*동"
    again = client.post("/api/v1/referrals", headers=token, json={
        "case_id": world["case"].id, "to_agency_id": world["welfare"].id, "reason": "다시"})
    assert again.status_code == 422
    assert "이미 진행 중인 의뢰" in again.json["detail"]
    no_consent = make_case(make_client(world["centre"], name="동의없음"), world["jobs"],
                           caseworker=world["sender"])
    refused = client.post("/api/v1/referrals", headers=token, json={
        "case_id": no_consent.id, "to_agency_id": world["welfare"].id, "reason": "상담"})
    assert refused.status_code == 422 and "동의하지 않았거나" in refused.json["detail"]


def test_inbox_outbox_and_the_loop_with_versions(client, world):
    referral = make_referral(world["case"], world["welfare"])
    receiver = bearer(make_token(world["receiver"]))
    inbox = client.get("/api/v1/referrals?box=incoming", headers=receiver)
    assert inbox.json["total"] == 1 and inbox.json["items"][0]["id"] == referral.id
    outbox = client.get("/api/v1/referrals?box=outgoing", headers=receiver)
    assert outbox.json["total"] == 0
    shown = client.get(f"/api/v1/referrals/{referral.id}", headers=receiver)
    assert shown.json["status"] == "sent"  # a read is no step
    received = client.post(f"/api/v1/referrals/{referral.id}/receive",
                           headers={**receiver, "If-Match": shown.headers["ETag"]}, json={})
    assert received.json["status"] == "received"
    etag = received.headers["ETag"]
    assert client.post(f"/api/v1/referrals/{referral.id}/accept", headers=receiver,
                       json={}).status_code == 428
    stale = client.post(f"/api/v1/referrals/{referral.id}/accept",
                        headers={**receiver, "If-Match": 'W/"1"'}, json={})
    assert stale.status_code == 412
    accepted = client.post(f"/api/v1/referrals/{referral.id}/accept",
                           headers={**receiver, "If-Match": etag}, json={})
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    assert accepted.json["to_case_id"] is not None
    version = accepted.json["version"]
    no_outcome = client.post(f"/api/v1/referrals/{referral.id}/complete", headers=receiver,
                             json={"version": version})
    assert no_outcome.status_code == 422 and "결과를 고르세요" in no_outcome.json["detail"]
    done = client.post(f"/api/v1/referrals/{referral.id}/complete", headers=receiver,
                       json={"version": version, "outcome": "employed", "note": "취업"})
    assert done.json["status"] == "completed" and done.json["outcome"] == "employed"
    sender = bearer(make_token(world["sender"]))
    seen = client.get("/api/v1/referrals?box=outgoing", headers=sender).json["items"][0]
    assert seen["outcome"] == "employed"
    stale_body = client.post(f"/api/v1/referrals/{referral.id}/cancel", headers=sender,
                             json={"version": 1, "note": "x"})
    assert stale_body.status_code == 409


def test_the_referral_list_costs_the_same_queries_for_one_item_or_many(client, world):
    import sqlalchemy as sa

    receiver = bearer(make_token(world["receiver"]))

    def queries_for_inbox() -> tuple[int, int]:
        count = 0

        def counter(*_args):
            nonlocal count
            count += 1

        sa.event.listen(db.engine, "before_cursor_execute", counter)
        try:
            inbox = client.get("/api/v1/referrals?box=incoming", headers=receiver)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", counter)
        return inbox.json["total"], count

    make_referral(world["case"], world["welfare"])
    queries_for_inbox()  # the token's first use is written down once
    total, with_one = queries_for_inbox()
    for n in range(3):  # other people, other senders: nothing already loaded to share
        sender = make_staff(Role.CASEWORKER, centre=world["centre"], agency=world["jobs"])
        person = make_client(world["centre"], name=f"다른{n}", share_with=[world["welfare"]],
                             birth_date=local_today().replace(year=1980 + n))
        make_referral(make_case(person, world["jobs"], caseworker=sender), world["welfare"])
    assert queries_for_inbox() == (4, with_one) and total == 1


def test_other_agencies_and_the_front_desk_cannot_see_referrals(client, world):
    referral = make_referral(world["case"], world["welfare"])
    outsider = make_staff(Role.CASEWORKER, centre=world["centre"],
                          agency=make_agency(world["centre"], AgencyKind.SELF_SUPPORT))
    assert client.get(f"/api/v1/referrals/{referral.id}",
                      headers=bearer(make_token(outsider))).status_code == 404
    desk = make_staff(Role.FRONT_DESK, centre=world["centre"])
    assert client.get("/api/v1/referrals", headers=bearer(make_token(desk))).status_code == 403
    assert db.session.get(Referral, referral.id).status == ReferralStatus.SENT


def test_monthly_report_as_json_for_the_managers_centre_only(client, world):
    manager = make_staff(Role.MANAGER, centre=world["centre"])
    make_referral(world["case"], world["welfare"])
    month = local_today().strftime("%Y-%m")
    response = client.get(f"/api/v1/reports/monthly/namyangju/{month}",
                          headers=bearer(make_token(manager)))
    assert response.status_code == 200
    sections = {s["key"]: s for s in response.json["sections"]}
    sent = next(f for f in sections["referrals"]["figures"] if f["label"] == "보낸 의뢰")
    assert sent["value"] == 1
    headlines = {h["key"]: h["value"] for h in response.json["headlines"]}
    assert headlines["referrals_sent"] == 1
    assert "report.monthly.json" in audit_actions()
    other = make_staff(Role.MANAGER, centre=make_centre(code="suwon"))
    assert client.get(f"/api/v1/reports/monthly/namyangju/{month}",
                      headers=bearer(make_token(other))).status_code == 404
    assert client.get("/api/v1/reports/monthly/namyangju/2099-01",
                      headers=bearer(make_token(manager))).status_code == 404
    assert client.get("/api/v1/reports/monthly/namyangju/13-2024",
                      headers=bearer(make_token(manager))).status_code == 404

