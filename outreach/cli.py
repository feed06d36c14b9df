"""``flask --app app outreach-alerts``: the visits not checked out two hours after their planned
end, for a cron job or a loop that pages the duty manager."""

from __future__ import annotations

import click
import sqlalchemy as sa

from centers.models import Centre
from core.clock import SEOUL
from core.extensions import db
from outreach.services import overdue_alerts


@click.command("outreach-alerts")
@click.option("--centre", "centre_code", default=None, help="Only this centre (its code).")
def outreach_alerts(centre_code: str | None) -> None:
    """Print one line per visit not checked out in time (no personal data: the visit number,
    the caseworker, the planned end). Exit status 1 when there is any, so a cron job can page."""
    centres = {c.id: c.code for c in db.session.scalars(sa.select(Centre))}
    wanted = next((i for i, code in centres.items() if code == centre_code), None)
    if centre_code and wanted is None:
        raise click.ClickException(f"no centre with the code {centre_code}")
    alerts = overdue_alerts(wanted)
    for alert in alerts:
        click.echo(f"{centres[alert.centre_id]}\tvisit {alert.visit_id}\t{alert.caseworker}\t"
                   f"planned end {alert.planned_end_at.astimezone(SEOUL):%Y-%m-%d %H:%M}\t"
                   f"{'checked in' if alert.checked_in else 'not checked in'}")
    click.echo(f"{len(alerts)} outreach visit(s) not checked out 2 hours after their planned end")
    if alerts:
        raise SystemExit(1)
