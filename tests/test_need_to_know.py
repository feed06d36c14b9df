"""Need to know (issue 14 point 1): a caseworker sees a person only while their agency has a
case, an open referral, a stop at its desk in today's visit, or the person's consent to share
with it; anything else is the reasoned, logged and flagged break-the-glass step. Consent
withdrawal ends the receiving agency's access to the referral and its slip."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import time_machine

from cases.models import Consent, ConsentDocument, ConsentKind
from centers.models import AgencyKind
from core.audit import AuditEvent
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from factories import (
    audit_actions,
    bearer,
    login,
    make_agency,
    make_case,
    make_centre,
    make_client,
    make_referral,
    make_staff,
    make_token,
    make_visit,
)
from reports import access_review
from reports.access_review import Filters
from reports.periods import Month


@pytest.fixture
def place():
    centre = make_centre(code="namyangju")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT, name="고용센터")
    welfare = make_agency(centre, AgencyKind.WELFARE, name="복지지원팀")
    self_support = make_agency(centre, AgencyKind.SELF_SUPPORT, name="자활센터")
    jobs_worker = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    # Consent names 고용센터 and 복지지원팀 only, as in the assessment's finding.
    person = make_client(centre, name="김나눔", share_with=[jobs, welfare])
    return SimpleNamespace(
        centre=centre, jobs=jobs, welfare=welfare, self_support=self_support, person=person,
        jobs_worker=jobs_worker,
        welfare_worker=make_staff(Role.CASEWORKER, centre=centre, agency=welfare),
        support_worker=make_staff(Role.CASEWORKER, centre=centre, agency=self_support),
        desk=make_staff(Role.FRONT_DESK, centre=centre),
        manager=make_staff(Role.MANAGER, centre=centre),
    )


def signed_in(app, staff):
    client = app.test_client()
    assert login(client, staff.username).status_code == 302
    return client


def person_pages(person_id: int) -> list[str]:
    return [f"/cases/people/{person_id}", f"/intake/people/{person_id}"]


def reads(app, staff, person_id: int) -> list[int]:
    web = signed_in(app, staff)
    codes = [web.get(url).status_code for url in person_pages(person_id)]
    api = app.test_client().get(f"/api/v1/people/{person_id}", headers=bearer(make_token(staff)))
    return codes + [api.status_code]


def test_a_caseworker_whose_agency_has_no_reason_is_refused_everywhere(app, place):
    assert reads(app, place.support_worker, place.person.id) == [403, 403, 403]
    page = signed_in(app, place.support_worker).get(f"/cases/people/{place.person.id}").text
    assert "김나눔" not in page
    assert f'action="/cases/people/{place.person.id}/break-glass"' in page
    assert "client.integrated_view" not in audit_actions()


def test_consent_naming_the_agency_is_a_reason(app, place):
    assert reads(app, place.welfare_worker, place.person.id) == [200, 200, 200]


def test_a_case_of_the_agency_is_a_reason(app, place):
    person = make_client(place.centre, name="이사례")
    assert reads(app, place.support_worker, person.id) == [403, 403, 403]
    make_case(person, place.self_support, caseworker=place.support_worker)
    assert reads(app, place.support_worker, person.id) == [200, 200, 200]


def test_a_stop_at_the_agencys_desk_today_is_a_reason_until_the_day_ends(app, place):
    person = make_client(place.centre, name="박방문")
    make_visit(place.centre, [place.self_support], client=person)
    assert reads(app, place.support_worker, person.id) == [200, 200, 200]
    assert reads(app, place.welfare_worker, person.id) == [403, 403, 403]
    with time_machine.travel(utcnow() + timedelta(days=1)):
        assert reads(app, place.support_worker, person.id) == [403, 403, 403]


def test_desk_and_manager_see_the_centre_the_administrator_and_another_centre_nobody(app, place):
    assert reads(app, place.manager, place.person.id)[:2] == [200, 200]
    assert signed_in(app, place.desk).get(f"/intake/people/{place.person.id}").status_code == 200
    elsewhere = make_centre(code="guri")
    stranger = make_staff(Role.CASEWORKER, centre=elsewhere,
                          agency=make_agency(elsewhere, AgencyKind.EMPLOYMENT))
    assert reads(app, stranger, place.person.id) == [404, 404, 404]
    web = signed_in(app, stranger)
    assert web.post(f"/cases/people/{place.person.id}/break-glass",
                    data={"reason": "다른 센터 사람 조회"}).status_code == 404


def test_breaking_the_glass_needs_a_reason_is_logged_flagged_and_lasts_the_day(app, place):
    web = signed_in(app, place.support_worker)
    url = f"/cases/people/{place.person.id}/break-glass"
    assert web.post(url, data={"reason": ""}).status_code == 400
    assert web.post(url, data={"reason": "  "}).status_code == 400
    assert "client.break_glass" not in audit_actions()
    response = web.post(url, data={"reason": "긴급 위기 상담 요청",
                                   "next": f"/intake/people/{place.person.id}"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/intake/people/{place.person.id}"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "client.break_glass"))
    assert event.client_id == place.person.id and event.detail == {"reason": "긴급 위기 상담 요청"}
    assert reads(app, place.support_worker, place.person.id) == [200, 200, 200]
    # Only for the one who stated the reason.
    other = make_staff(Role.CASEWORKER, centre=place.centre, agency=place.self_support)
    assert reads(app, other, place.person.id) == [403, 403, 403]
    month = Month.of(event.at.date())
    result = access_review.review(place.manager, Filters(month, month.first, month.span.last))
    assert "break_glass" in result.flags[event.id]
    # An outside address is never a target.
    response = web.post(url, data={"reason": "긴급 위기 상담 요청", "next": "https://evil.example/"})
    assert response.headers["Location"] == f"/cases/people/{place.person.id}"
    with time_machine.travel(utcnow() + timedelta(days=1)):
        assert reads(app, place.support_worker, place.person.id) == [403, 403, 403]


def test_withdrawing_consent_ends_the_receiving_agencys_access_to_referral_and_slip(app, place):
    case = make_case(place.person, place.jobs, caseworker=place.jobs_worker)
    referral = make_referral(case, place.welfare)
    welfare = signed_in(app, place.welfare_worker)
    urls = [f"/referrals/{referral.id}", f"/referrals/{referral.id}/slip.pdf"]
    assert [welfare.get(url).status_code for url in urls] == [200, 200]
    assert f"/referrals/{referral.id}" in welfare.get("/referrals/inbox?view=all").text
    consent = db.session.scalar(
        sa.select(Consent).join(ConsentDocument).where(
            Consent.client_id == place.person.id, ConsentDocument.kind == ConsentKind.THIRD_PARTY))
    desk = signed_in(app, place.desk)
    desk.post(f"/intake/consents/{consent.id}/withdraw", data={"note": "본인 요청"})
    db.session.refresh(consent)
    assert consent.withdrawn_at is not None
    assert [welfare.get(url).status_code for url in urls] == [404, 404]
    assert f"/referrals/{referral.id}" not in welfare.get("/referrals/inbox?view=all").text
    assert reads(app, place.welfare_worker, place.person.id) == [403, 403, 403]
    api = app.test_client().get(f"/api/v1/referrals/{referral.id}",
                                headers=bearer(make_token(place.welfare_worker)))
    assert api.status_code == 404
    # The sending agency keeps its own case and referral.
    jobs = signed_in(app, place.jobs_worker)
    assert [jobs.get(url).status_code for url in urls] == [200, 200]
    assert reads(app, place.jobs_worker, place.person.id) == [200, 200, 200]
    api = app.test_client().get(f"/api/v1/referrals/{referral.id}",
                                headers=bearer(make_token(place.jobs_worker)))
    assert api.status_code == 200
