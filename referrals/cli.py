"""``flask --app app send-webhooks``: post the due webhooks to partner systems (run it from
cron every minute; each delivery waits longer after each failed try, see
:func:`referrals.exchange.backoff`)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from referrals import exchange


@click.command("send-webhooks")
@with_appcontext
def send_webhooks() -> None:
    """Post every webhook that is due, signed (HMAC-SHA256), once each."""
    run = exchange.deliver_due()
    click.echo(f"webhooks: delivered {run.delivered}, failed {run.failed} (tried again later), "
               f"abandoned {run.abandoned}")
