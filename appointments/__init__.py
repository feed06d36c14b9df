"""Booked consultations (예약 상담): bookable hours per desk, booking, moving, cancelling,
arrival into the queue, no-shows, and the text messages about them."""

import time

import click
from flask import Flask
from flask_babel import lazy_gettext as _l

from core import navigation
from core.demo import demo_seeders
from core.roles import Role


def init_app(app: Flask) -> None:
    from appointments import demo, messaging, services, views
    from cases.retention import person_activity, person_erasure

    demo_seeders.plug(app, demo.seed)
    person_activity.plug(app, services.appointment_activity)
    person_erasure.plug(app, services.erase_appointment_text)
    app.register_blueprint(views.bp)
    app.add_template_filter(messaging.masked_number, "masked_number")
    centre = {Role.FRONT_DESK, Role.CASEWORKER, Role.MANAGER}
    navigation.register(app, "appointments.day", _l("예약"), centre, order=15)
    navigation.register(app, "appointments.hours", _l("예약 시간 설정"), {Role.MANAGER}, order=76)
    navigation.register(app, "appointments.messages", _l("문자 발송함"), {Role.MANAGER}, order=77)
    @app.context_processor
    def booking_helpers():
        # The person's page (intake) offers booking without importing this package.
        from core.views import current_staff

        return {"may_book_for": lambda client: services.may_book_for(current_staff(), client)}

    app.cli.add_command(send_messages_command)
    app.cli.add_command(mark_no_shows_command)


@click.command("send-messages")
@click.option("--loop", "every", type=int, default=0,
              help="Keep running, sending what is due every this many seconds.")
@click.option("--limit", type=int, default=500, help="At most this many messages per round.")
def send_messages_command(every: int, limit: int) -> None:
    """Send the appointments' due text messages (confirmation, reminder), each at most once."""
    from appointments.messaging import PermanentFailure, send_due

    while True:
        try:
            report = send_due(limit=limit)
        except PermanentFailure as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"sent {report.sent}, retry later {report.retried}, failed {report.failed}, "
                   f"not sent {report.skipped}")
        if not every:
            return
        time.sleep(every)


@click.command("mark-no-shows")
def mark_no_shows_command() -> None:
    """Mark as no-show (미방문) the bookings not checked in by the end of their day."""
    from appointments.services import mark_no_shows
    from core.extensions import db

    count = mark_no_shows()
    db.session.commit()
    click.echo(f"marked {count} no-shows")
