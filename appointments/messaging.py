"""Sending the text messages of appointments: the gateway chosen by ``HANJARI_SMS_BACKEND``
and the sender run by ``flask --app app send-messages``, outside any request.

Backends:

- ``outbox`` (the default): the message is written to the ``message_outbox`` table, which
  the manager sees under 문자 발송함. Nothing leaves the server.
- ``nhncloud``: NHN Cloud Notification SMS, API v3.0 —
  ``POST {HANJARI_SMS_NHN_URL}/sms/v3.0/appKeys/{appKey}/sender/sms`` (``/sender/mms`` with a
  ``title`` for a text over 90 bytes, sent as LMS), header ``X-Secret-Key``, JSON body
  ``{"body": text, "sendNo": registered sender number, "recipientList": [{"recipientNo":
  "01012345678"}]}``; the answer's ``header.isSuccessful`` says whether it was accepted and
  ``body.data.requestId`` identifies it.

Each message is sent at most once, even with two senders running: a sender claims a message
(pending → sending) in its own committed transaction before asking the gateway, the claim
being a conditional UPDATE that only one sender can win (and on PostgreSQL the candidate row
is read ``FOR UPDATE SKIP LOCKED``, so senders do not queue on each other). A message whose
sender died between claiming and recording stays "sending": it is not sent again, and the
manager sees it. A gateway that could not be reached or answered "try later" (5xx, 429)
gets the message back to pending with a growing delay, up to :data:`MAX_ATTEMPTS`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

import requests
import sqlalchemy as sa
from flask import current_app

from appointments.models import (
    Appointment,
    AppointmentStatus,
    Message,
    MessageKind,
    MessageStatus,
    OutboxMessage,
)
from cases.models import Client
from cases.people import has_collection_consent
from core.clock import local_today
from core.extensions import db
from core.types import utcnow

log = logging.getLogger("hanjari.messages")

MAX_ATTEMPTS = 5
#: Minutes before the next try after the n-th failed one: 1, 4, 16, 64 …
BACKOFF_BASE_MINUTES = 4
LMS_BYTES = 90  # longer than this (in EUC-KR) goes as LMS


class TemporaryFailure(Exception):
    """The gateway did not take the message now; trying later may work."""


class PermanentFailure(Exception):
    """The gateway refused the message; trying again will not help."""


class OutboxGateway:
    """Writes the message to the outbox table, in the same transaction that marks it sent."""

    name = "outbox"

    def send(self, message: Message, phone: str) -> str:
        row = OutboxMessage(message_id=message.id, centre_id=message.centre_id, phone=phone,
                            body=message.body, written_at=utcnow())
        db.session.add(row)
        db.session.flush()
        return f"outbox-{row.id}"


class NhnCloudGateway:
    """NHN Cloud Notification SMS (API v3.0), see the module's docstring."""

    name = "nhncloud"

    def __init__(self, config) -> None:
        self.url = config["SMS_NHN_URL"].rstrip("/")
        self.app_key = config.get("SMS_NHN_APP_KEY") or ""
        self.secret_key = config.get("SMS_NHN_SECRET_KEY") or ""
        self.sender = config.get("SMS_SENDER_NUMBER") or ""
        self.timeout = float(config["SMS_TIMEOUT_SECONDS"])
        if not (self.app_key and self.secret_key and self.sender):
            raise PermanentFailure("HANJARI_SMS_NHN_APP_KEY, HANJARI_SMS_NHN_SECRET_KEY and "
                                   "HANJARI_SMS_SENDER_NUMBER are needed for the nhncloud backend")

    def send(self, message: Message, phone: str) -> str:
        long = len(message.body.encode("euc-kr", errors="replace")) > LMS_BYTES
        payload = {"body": message.body, "sendNo": self.sender,
                   "recipientList": [{"recipientNo": phone}]}
        if long:
            payload["title"] = message.body.split("]", 1)[0].lstrip("[")[:20] or "안내"
        url = f"{self.url}/sms/v3.0/appKeys/{self.app_key}/sender/{'mms' if long else 'sms'}"
        try:
            response = requests.post(url, json=payload, timeout=(self.timeout, self.timeout),
                                     headers={"X-Secret-Key": self.secret_key,
                                              "Content-Type": "application/json;charset=UTF-8"})
        except requests.ConnectionError as error:
            # Not connected (refused, DNS, connect timeout): the provider never had it.
            raise TemporaryFailure(f"connection: {type(error).__name__}") from None
        except requests.Timeout:
            # Sent but unanswered: it may have gone out; at most once means not again.
            raise PermanentFailure("no answer within the timeout") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise TemporaryFailure(f"HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise PermanentFailure(f"HTTP {response.status_code}, not JSON") from None
        header = answer.get("header") or {}
        if response.status_code != 200 or not header.get("isSuccessful"):
            raise PermanentFailure(
                f"HTTP {response.status_code} {header.get('resultCode')} "
                f"{str(header.get('resultMessage'))[:80]}")
        return str(((answer.get("body") or {}).get("data") or {}).get("requestId") or "")


BACKENDS = {"outbox": lambda config: OutboxGateway(), "nhncloud": NhnCloudGateway}


def masked_number(phone: str) -> str:
    """01012345678 → 010-****-5678: enough to check, not to dial."""
    return f"{phone[:3]}-****-{phone[-4:]}" if len(phone) >= 8 else "****"


def gateway(config=None):
    config = config or current_app.config
    name = config["SMS_BACKEND"]
    if name not in BACKENDS:
        raise PermanentFailure(f"unknown HANJARI_SMS_BACKEND {name!r} "
                               f"(one of: {', '.join(BACKENDS)})")
    return BACKENDS[name](config)


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def _claim_next() -> int | None:
    """Claim the next due message for this sender; None when nothing is due.

    The claim commits before the gateway is asked, so another sender never sends it too.
    """
    now = utcnow()
    for _attempt in range(10):
        candidate = db.session.scalar(
            sa.select(Message.id)
            .where(Message.status == MessageStatus.PENDING, Message.due_at <= now)
            .order_by(Message.due_at, Message.id).limit(1)
            .with_for_update(skip_locked=True))
        if candidate is None:
            db.session.commit()
            return None
        won = db.session.execute(
            sa.update(Message)
            .where(Message.id == candidate, Message.status == MessageStatus.PENDING)
            .values(status=MessageStatus.SENDING, attempts=Message.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if won:
            return candidate
    return None


def _phone_for(message: Message) -> str | None:
    """The number on the person's record, only while the appointment is still on, the
    person agreed to text messages and their consent is in force; national digits."""
    appointment: Appointment = message.appointment
    if appointment.status != AppointmentStatus.BOOKED or not appointment.notify_by_sms:
        return None
    client: Client = appointment.client
    if not client.phone or client.anonymised_at is not None \
            or not has_collection_consent(client, local_today()):
        return None
    digits = client.phone.replace("+82", "0", 1) if client.phone.startswith("+82") else client.phone
    return "".join(ch for ch in digits if ch.isdigit())


def send_due(limit: int = 500) -> SendReport:
    """Send the messages that are due, one claimed at a time; returns what happened."""
    report = SendReport()
    backend = gateway()
    for _n in range(limit):
        message_id = _claim_next()
        if message_id is None:
            break
        message = db.session.get(Message, message_id)
        phone = _phone_for(message)
        if phone is None:
            message.status = MessageStatus.CANCELLED
            message.last_error = "no_consented_number_or_not_booked"
            report.skipped += 1
            db.session.commit()
            continue
        if message.kind == MessageKind.REMINDER and message.appointment.day <= local_today():
            message.status = MessageStatus.CANCELLED
            message.last_error = "too_late"
            report.skipped += 1
            db.session.commit()
            continue
        try:
            reference = backend.send(message, phone)
        except TemporaryFailure as error:
            db.session.rollback()
            message = db.session.get(Message, message_id)
            message.last_error = str(error)[:200]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = MessageStatus.FAILED
                report.failed += 1
            else:
                message.status = MessageStatus.PENDING
                message.due_at = utcnow() + timedelta(
                    minutes=BACKOFF_BASE_MINUTES ** (message.attempts - 1))
                report.retried += 1
            report.errors.append(f"{message.id}: {error}")
        except PermanentFailure as error:
            db.session.rollback()
            message = db.session.get(Message, message_id)
            message.status = MessageStatus.FAILED
            message.last_error = str(error)[:200]
            report.failed += 1
            report.errors.append(f"{message.id}: {error}")
        else:
            message.status = MessageStatus.SENT
            message.sent_at = utcnow()
            message.backend = backend.name
            message.provider_ref = reference[:64]
            report.sent += 1
        message.backend = backend.name
        db.session.commit()
    # Message ids and counts only: the log carries no number and no text.
    log.info("send-messages: sent %d, retry later %d, failed %d, not sent %d",
             report.sent, report.retried, report.failed, report.skipped)
    return report
