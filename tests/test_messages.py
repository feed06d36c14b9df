"""Appointment text messages: queued with the booking, sent by ``flask send-messages``
outside any request, at most once, through the outbox or NHN Cloud SMS (a local fake)."""

import json
import threading
from datetime import UTC, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
import time_machine

from appointments import messaging, services
from appointments.models import Message, MessageKind, MessageStatus, OutboxMessage
from cases import people
from centers.models import AgencyKind
from core.clock import SEOUL
from core.extensions import db
from core.roles import Role
from factories import make_agency, make_centre, make_client, make_staff

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SEOUL)  # a Tuesday
DAY_AFTER = NOW.date() + timedelta(days=2)


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def booked():
    """홍길동, who agreed to text messages, booked on Thursday at 09:00 at 고용센터."""
    centre = make_centre(code="namyangju", name="남양주 고용복지+센터")
    agency = make_agency(centre, AgencyKind.EMPLOYMENT, name="고용센터", desk_location="1번 창구")
    manager = make_staff(Role.MANAGER, centre=centre)
    services.set_hours(manager, agency, opens_at=time(9), closes_at=time(12), slot_minutes=30,
                       capacity=2, is_bookable=True)
    person = make_client(centre, name="홍길동", phone="+821012345678")
    desk = make_staff(Role.FRONT_DESK, centre=centre)
    moment = datetime.combine(DAY_AFTER, time(9), tzinfo=SEOUL).astimezone(UTC)
    appointment = services.book(desk, agency, person, moment, purpose="실업급여 상담",
                                notify_by_sms=True)
    db.session.commit()
    return appointment


def messages():
    return list(db.session.scalars(sa.select(Message).order_by(Message.id)))


def test_booking_queues_a_confirmation_now_and_a_reminder_the_day_before(booked):
    confirmation, reminder = messages()
    assert confirmation.kind == MessageKind.CONFIRMATION and confirmation.due_at == NOW
    assert reminder.kind == MessageKind.REMINDER
    assert reminder.due_at == datetime(2026, 12, 2, 10, 0, tzinfo=SEOUL)
    for message in (confirmation, reminder):
        assert "홍길동" not in message.body and "1234" not in message.body
        assert "남양주 고용복지+센터" in message.body and "12월 3일(목) 09:00" in message.body
        assert "고용센터(1번 창구)" in message.body


def test_the_outbox_gateway_sends_each_due_message_once_and_the_manager_sees_it(
        booked, runner, client, pinned_clock):
    first = runner.invoke(args=["send-messages"])
    assert "sent 1, retry later 0, failed 0, not sent 0" in first.output
    again = runner.invoke(args=["send-messages"])
    assert "sent 0" in again.output
    outbox = db.session.scalars(sa.select(OutboxMessage)).all()
    assert len(outbox) == 1 and outbox[0].phone == "01012345678"
    pinned_clock.move_to(datetime(2026, 12, 2, 10, 1, tzinfo=SEOUL))
    assert "sent 1" in runner.invoke(args=["send-messages"]).output
    assert [m.status for m in messages()] == [MessageStatus.SENT, MessageStatus.SENT]
    from factories import login
    manager = make_staff(Role.MANAGER, centre=booked.centre)
    login(client, manager.username)
    page = client.get("/appointments/messages").text
    assert "010-****-5678" in page and "01012345678" not in page and "하루 전 알림" in page
    desk = make_staff(Role.FRONT_DESK, centre=booked.centre)
    client.post("/logout")
    login(client, desk.username)
    assert client.get("/appointments/messages").status_code == 403


def test_two_senders_at_once_send_each_message_once(app, booked):
    for n in range(8):
        db.session.add(Message(centre_id=booked.centre_id, appointment_id=booked.id,
                               kind=MessageKind.CONFIRMATION, body=f"시험 {n}",
                               status=MessageStatus.PENDING, due_at=NOW))
    db.session.commit()
    barrier = threading.Barrier(3)
    reports = []

    def sender():
        with app.app_context():
            barrier.wait()
            reports.append(messaging.send_due())
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    assert sum(r.sent for r in reports) == 9
    rows = db.session.scalars(sa.select(OutboxMessage.message_id)).all()
    assert len(rows) == len(set(rows)) == 9


def test_no_message_once_consent_is_withdrawn_or_the_booking_is_cancelled(booked, runner):
    consent = booked.client.consents[0]
    people.withdraw_consent(make_staff(Role.FRONT_DESK, centre=booked.centre), consent, "본인 요청")
    db.session.commit()
    assert "sent 0, retry later 0, failed 0, not sent 1" in runner.invoke(args=["send-messages"]).output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    services.cancel(make_staff(Role.FRONT_DESK, centre=booked.centre), booked, reason="취소")
    db.session.commit()
    assert messages()[1].status == MessageStatus.CANCELLED


class FakeNhnCloud:
    """A local stand-in for NHN Cloud SMS: records each request, answers from a script."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                fake.requests.append({"path": self.path, "secret": self.headers["X-Secret-Key"],
                                      "json": json.loads(body)})
                status = fake.answers.pop(0) if fake.answers else 200
                answer = {"header": {"isSuccessful": status == 200, "resultCode": 0,
                                     "resultMessage": "SUCCESS"},
                          "body": {"data": {"requestId": "20261201-abc", "statusCode": "2"}}}
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def nhn_settings(app, url):
    app.config.update(SMS_BACKEND="nhncloud", SMS_NHN_URL=url, SMS_NHN_APP_KEY="app-key-1",
                      SMS_NHN_SECRET_KEY="secret-1", SMS_SENDER_NUMBER="0215771234",
                      SMS_TIMEOUT_SECONDS=5)


def test_nhn_cloud_gets_the_documented_request_and_a_failure_is_retried_later(
        app, booked, runner, pinned_clock):
    with FakeNhnCloud([503, 200]) as fake:
        nhn_settings(app, fake.url)
        assert "retry later 1" in runner.invoke(args=["send-messages"]).output
        confirmation = messages()[0]
        assert confirmation.status == MessageStatus.PENDING and confirmation.attempts == 1
        assert confirmation.due_at > NOW
        assert "sent 0" in runner.invoke(args=["send-messages"]).output  # not due yet
        pinned_clock.shift(timedelta(minutes=2))
        assert "sent 1" in runner.invoke(args=["send-messages"]).output
    request = fake.requests[-1]
    assert request["secret"] == "secret-1"
    assert request["path"] in ("/sms/v3.0/appKeys/app-key-1/sender/sms",
                               "/sms/v3.0/appKeys/app-key-1/sender/mms")
    assert request["json"]["sendNo"] == "0215771234"
    assert request["json"]["recipientList"] == [{"recipientNo": "01012345678"}]
    assert "홍길동" not in request["json"]["body"]
    confirmation = messages()[0]
    assert (confirmation.status, confirmation.provider_ref, confirmation.backend) == (
        MessageStatus.SENT, "20261201-abc", "nhncloud")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_a_refusal_is_not_retried_and_attempts_stop_after_the_last(app, booked, runner,
                                                                  pinned_clock):
    with FakeNhnCloud([400] + [500] * 10) as fake:
        nhn_settings(app, fake.url)
        runner.invoke(args=["send-messages"])
        assert messages()[0].status == MessageStatus.FAILED
        reminder = messages()[1]
        pinned_clock.move_to(reminder.due_at)
        for _ in range(messaging.MAX_ATTEMPTS):
            runner.invoke(args=["send-messages"])
            pinned_clock.shift(timedelta(hours=3))
    reminder = messages()[1]
    assert reminder.status == MessageStatus.FAILED
    assert reminder.attempts == messaging.MAX_ATTEMPTS
    assert len(fake.requests) == 1 + messaging.MAX_ATTEMPTS
