"""The referral-out exchange for partner systems: one JSON shape for the API and the
webhooks, its states mapped to HL7 FHIR's SDOH Clinical Care referral (Task.status), and the
outbox of signed webhooks that ``flask --app app send-webhooks`` posts with back-off.

A webhook is thin: it says which referral changed, to what state, at which version; the
partner's system then reads the referral through the API (where consent is checked again),
so no personal data waits in the outbox or travels to an address that may have changed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from core.crypto import cipher
from core.extensions import db
from core.types import utcnow
from partners.models import Partner
from referrals.models import PartnerReferral, ReferralStatus, ShareItem, WebhookDelivery

# Our states as FHIR Task.status (the SDOH Clinical Care IG's referral workflow).
FHIR_STATUS = {
    ReferralStatus.SENT: "requested",
    ReferralStatus.ACCEPTED: "accepted",
    ReferralStatus.DECLINED: "rejected",
    ReferralStatus.IN_PROGRESS: "in-progress",
    ReferralStatus.COMPLETED: "completed",
    ReferralStatus.CANCELLED: "cancelled",
}
# What a partner system may ask for, by FHIR status: our partner action.
ACTION_FOR_STATUS = {"accepted": "accept", "rejected": "decline", "in-progress": "start",
                     "completed": "complete"}

SIGNATURE_HEADER = "X-Hanjari-Signature"  # "sha256=" + hex HMAC-SHA256 of the raw body
TIMESTAMP_HEADER = "X-Hanjari-Timestamp"
EVENT_HEADER = "X-Hanjari-Event"
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
TIMEOUT_SECONDS = 10


def referral_json(referral: PartnerReferral) -> dict[str, Any]:
    """The referral as a partner system sees it: only what it shares, nothing after the
    person withdrew their consent."""
    from referrals.outward import allowed_partner_actions, shared_view  # the services' view

    withdrawn = referral.consent_withdrawn_at is not None
    return {
        "id": referral.id,
        "status": FHIR_STATUS[referral.status],
        "hanjari_status": referral.status.value,
        "intent": "order",
        "priority": "urgent" if referral.urgency.value == "urgent" else "routine",
        "authored_on": referral.sent_at,
        "due": referral.due_at,
        "last_modified": referral.updated_at,
        "version": referral.version,
        "requester": {"centre": referral.from_case.centre.name,
                      "agency": referral.from_agency.name,
                      "agency_phone": referral.from_agency.phone or None,
                      "caseworker": referral.sent_by.display_name},
        "consent": {"method": referral.consent_method.value,
                    "given_on": referral.consent_given_on.isoformat(),
                    "withdrawn": withdrawn},
        "subject": None if withdrawn else shared_view(referral),
        "shared_items": [item for item in referral.shared if item in ShareItem._value2member_map_],
        "service": ({"id": referral.service.id, "name": referral.service.name,
                     "external_id": referral.service.external_id}
                    if referral.service else None),
        "contact_preference": referral.contact_preference.value,
        "status_reason": referral.decline_reason.value if referral.decline_reason else None,
        "outcome": referral.outcome.value if referral.outcome else None,
        "note": referral.closing_note or referral.response_note,
        "allowed_statuses": [status for status, action in ACTION_FOR_STATUS.items()
                             if action in allowed_partner_actions(referral)],
    }


# --- the outbox ------------------------------------------------------------------------------

def queue(referral: PartnerReferral, event: str) -> WebhookDelivery | None:
    """Tell the partner's system (if it gave a webhook address) that the referral changed."""
    partner = referral.partner
    if not partner.webhook_url or not partner.webhook_secret_encrypted:
        return None
    delivery = WebhookDelivery(
        partner_id=partner.id, partner_referral_id=referral.id,
        idempotency_key=str(uuid.uuid4()), event=event, created_at=utcnow(),
        next_attempt_at=utcnow(), attempts=0)
    db.session.add(delivery)
    return delivery


def payload(delivery: WebhookDelivery) -> bytes:
    referral = delivery.referral
    body = {"event": delivery.event, "idempotency_key": delivery.idempotency_key,
            "occurred_at": delivery.created_at.isoformat(),
            "referral": {"id": referral.id, "status": FHIR_STATUS[referral.status],
                         "version": referral.version, "url": f"/api/v1/partner/referrals/{referral.id}"}}
    return json.dumps(body, ensure_ascii=False, sort_keys=True).encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over ``timestamp + "." + body`` (the timestamp bound in, so an old body
    cannot be replayed with a new time)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def backoff(attempts: int) -> timedelta:
    """1 min, 2, 4, 8 … up to 6 hours between tries."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


@dataclass
class Run:
    delivered: int = 0
    failed: int = 0
    abandoned: int = 0


def due_deliveries(now: datetime, limit: int = 100) -> list[WebhookDelivery]:
    return list(db.session.scalars(
        sa.select(WebhookDelivery).where(WebhookDelivery.delivered_at.is_(None),
                                         WebhookDelivery.abandoned_at.is_(None),
                                         WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.id).limit(limit)))


def deliver_due(now: datetime | None = None) -> Run:
    """Post every delivery that is due, once each; commit after each so that a crash
    midway neither loses nor repeats what was already answered."""
    run = Run()
    for delivery in due_deliveries(now or utcnow()):
        status, error = _post(delivery)
        delivery.attempts += 1
        delivery.last_status = status
        delivery.last_error = error[:200]
        if status is not None and 200 <= status < 300:
            delivery.delivered_at = utcnow()
            run.delivered += 1
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.abandoned_at = utcnow()
            run.abandoned += 1
        else:
            delivery.next_attempt_at = utcnow() + backoff(delivery.attempts)
            run.failed += 1
        db.session.commit()
    return run


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    partner: Partner = delivery.partner
    if not partner.webhook_url or not partner.webhook_secret_encrypted:
        return None, "no webhook address"
    body = payload(delivery)
    timestamp = str(int(utcnow().timestamp()))
    request = urllib.request.Request(partner.webhook_url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "hanjari-webhooks/1",
        SIGNATURE_HEADER: sign(cipher().decrypt(partner.webhook_secret_encrypted), timestamp,
                               body),
        TIMESTAMP_HEADER: timestamp,
        EVENT_HEADER: delivery.event,
        IDEMPOTENCY_HEADER: delivery.idempotency_key,
    })
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return None, type(error).__name__
