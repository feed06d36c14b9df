"""The queue refreshes itself in the browser: a visitor registered at another desk appears
without a reload, and the page the desk is on stays (nothing typed is lost)."""

import sqlalchemy as sa

from centers.models import Centre
from core.extensions import db
from factories import make_visit


def test_the_queue_shows_a_new_visitor_without_a_reload(live_app, browser, sign_in):
    context = browser.new_context(viewport={"width": 768, "height": 1024})
    page = context.new_page()
    page.clock.install()  # the refresh timer is moved on by the test, not waited for
    sign_in(page, live_app, "desk")
    page.goto(f"{live_app}/intake/queue?agency=0")
    page.evaluate("window.stillHere = true")

    nam = db.session.scalar(sa.select(Centre).where(Centre.code == "namyangju"))
    visit = make_visit(nam, [nam.agencies[0]])
    page.clock.run_for(31_000)
    page.locator("#queue-list a", has_text=visit.ticket_number).wait_for(timeout=10_000)
    assert page.evaluate("window.stillHere") is True  # the same page, not a reload
    context.close()
