"""The outreach record on a tablet keeps a note typed while the connection is down and sends it,
once, when the connection returns; nothing of the person is left in the browser afterwards.

Headless system Chromium (``/usr/bin/chromium``) through Playwright, against the app served on
127.0.0.1, with the network switched off and on by the browser context.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from cases.models import CaseNote, NoteKind
from centers.models import AgencyKind
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from factories import (
    PASSWORD,
    make_agency,
    make_case,
    make_centre,
    make_client,
    make_staff,
)
from outreach import services as outreach
from outreach.models import OutreachKind, OutreachVisit

LEFT_IN_BROWSER = """async () => {
  const keys = Object.keys(localStorage).filter(k => k.startsWith("hanjari."));
  const databases = indexedDB.databases ? (await indexedDB.databases()).map(d => d.name) : [];
  return {local: keys, session: sessionStorage.length, databases: databases,
          values: keys.map(k => localStorage.getItem(k)).join(" ")};
}"""


@pytest.fixture
def visit_under_way():
    """A caseworker on a home visit they checked in to, for a person whose case they hold."""
    centre = make_centre(code="namyangju")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT)
    worker = make_staff(Role.CASEWORKER, centre=centre, agency=jobs, username="field")
    case = make_case(make_client(centre, name="김민수"), jobs, caseworker=worker)
    visit = outreach.plan_visit(worker, case, kind=OutreachKind.HOME, address="별내동 1-2",
                                purpose="생활 실태 확인", start=utcnow() + timedelta(minutes=1),
                                end=utcnow() + timedelta(hours=1), companion_ids=[])
    outreach.step(worker, visit, "check_in")
    db.session.commit()
    return visit


def stored_notes() -> list[tuple[NoteKind, str]]:
    db.session.rollback()
    return [(note.kind, note.body) for note in db.session.scalars(sa.select(CaseNote))]


def test_a_note_typed_offline_is_sent_once_when_back_online_and_nothing_stays(
        live_server, browser, visit_under_way):
    blocked = []
    context = browser.new_context(viewport={"width": 768, "height": 1024})
    page = context.new_page()
    page.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server}/login")
    page.fill("#username", "field")
    page.fill("#password", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.goto(f"{live_server}/outreach/{visit_under_way.id}/record")

    page.fill("#body", "집 안이 춥고 난방이 끊김.")
    context.set_offline(True)
    page.locator("#body").press_sequentially(" 긴급복지 난방비 신청 안내함.")
    page.select_option("#item_housing", "high")
    page.click("button:has-text('기록 저장')")
    page.locator("#outreach-connection", has_text="연결되면 자동으로 보냅니다").wait_for()
    waiting = page.evaluate(LEFT_IN_BROWSER)
    assert waiting["local"] == [f"hanjari.outreach.pending.{visit_under_way.id}"]
    assert "난방" not in waiting["values"] and "high" not in waiting["values"]  # encrypted
    assert stored_notes() == []

    context.set_offline(False)
    page.locator("#outreach-connection", has_text="저장했습니다").wait_for()
    assert stored_notes() == [(NoteKind.HOME_VISIT,
                               "집 안이 춥고 난방이 끊김. 긴급복지 난방비 신청 안내함.")]
    left = page.evaluate(LEFT_IN_BROWSER)
    assert (left["local"], left["session"], left["databases"]) == ([], 0, [])
    db.session.rollback()
    assert db.session.get(OutreachVisit, visit_under_way.id).assessment == {"housing": "high"}

    # Saving again from the page corrects the same note: still one note in the timeline.
    version = page.input_value("#version")
    page.fill("#body", "난방비 긴급지원 신청함.")
    page.click("button:has-text('기록 저장')")
    page.wait_for_function("v => document.querySelector('#version').value !== v", arg=version)
    assert page.evaluate(LEFT_IN_BROWSER)["local"] == []
    assert stored_notes() == [(NoteKind.HOME_VISIT, "난방비 긴급지원 신청함.")]
    assert not blocked, blocked
    context.close()
