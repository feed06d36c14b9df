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


# --- the reasoned search (the way to someone outside the agency's need to know) --------------

def _search_events():
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "client.break_glass_searched").order_by(AuditEvent.id)))


def test_an_empty_caseload_search_leads_to_the_reasoned_search_with_what_was_typed(app, place):
    web = signed_in(app, place.support_worker)
    caseload = web.post("/cases/", data={"q": "김나눔"}).text
    assert 'action="/cases/people/search-with-reason"' in caseload
    assert 'name="carry" value="김나눔"' in caseload
    carried = web.post("/cases/people/search-with-reason", data={"carry": "김나눔"})
    assert carried.status_code == 200 and 'value="김나눔"' in carried.text
    assert "찾은 사람 " not in carried.text and not _search_events()
    # The desk and the manager see the centre: they have no such page.
    assert signed_in(app, place.manager).get("/cases/people/search-with-reason").status_code == 403


def test_a_reasoned_search_needs_a_reason_and_specific_terms_and_keeps_what_was_typed(app, place):
    web = signed_in(app, place.support_worker)
    url = "/cases/people/search-with-reason"
    no_reason = web.post(url, data={"reason": "급함", "q": "김나눔"})
    assert no_reason.status_code == 400 and "5자 이상" in no_reason.text
    assert 'value="김나눔"' in no_reason.text
    too_broad = web.post(url, data={"reason": "긴급 위기 상담 요청", "q": "김"})
    assert too_broad.status_code == 400 and "두 글자 이상" in too_broad.text
    assert 'value="긴급 위기 상담 요청"' in too_broad.text
    assert not _search_events() and "김나눔" not in no_reason.text.replace('value="김나눔"', "")


def test_a_reasoned_search_is_logged_flagged_and_opens_the_person_found_for_the_day(app, place):
    known = make_client(place.centre, name="김나란")
    make_case(known, place.self_support, caseworker=place.support_worker)
    elsewhere = make_centre(code="guri")
    make_client(elsewhere, name="김나눔")
    web = signed_in(app, place.support_worker)
    page = web.post("/cases/people/search-with-reason",
                    data={"reason": "본인이 전화로 긴급 상담 요청", "q": "김나"})
    assert page.status_code == 200
    # Masked as in every list; a person the agency already knows opens directly.
    assert "김*눔" in page.text and "김나눔" not in page.text
    assert f'href="/cases/people/{known.id}"' in page.text
    assert f'action="/cases/people/{place.person.id}/open-found"' in page.text
    assert page.text.count("/open-found") == 1  # not the other centre's 김나눔
    [search] = _search_events()
    assert search.staff_id == place.support_worker.id
    assert search.detail["reason"] == "본인이 전화로 긴급 상담 요청"
    assert search.detail["understood_as"] == "name" and "김나" not in str(search.detail)
    assert sorted(search.detail["client_ids"]) == sorted([place.person.id, known.id])
    assert reads(app, place.support_worker, place.person.id) == [403, 403, 403]

    # Opening needs that search: another id, another person or another's search is refused.
    url = f"/cases/people/{place.person.id}/open-found"
    assert web.post(url, data={"search": str(search.id + 1000)}).status_code == 404
    assert web.post(url, data={"search": "99999999999999999999"}).status_code == 404
    colleague = signed_in(app, make_staff(Role.CASEWORKER, centre=place.centre,
                                          agency=place.self_support))
    assert colleague.post(url, data={"search": str(search.id)}).status_code == 404
    stranger = make_client(place.centre, name="최모름")
    assert web.post(f"/cases/people/{stranger.id}/open-found",
                    data={"search": str(search.id)}).status_code == 404
    opened = web.post(url, data={"search": str(search.id)})
    assert opened.status_code == 302
    assert opened.headers["Location"] == f"/cases/people/{place.person.id}"
    grant = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "client.break_glass"))
    assert grant.client_id == place.person.id
    assert grant.detail == {"reason": "본인이 전화로 긴급 상담 요청", "search_event_id": search.id}
    assert reads(app, place.support_worker, place.person.id) == [200, 200, 200]
    # Both are flagged in the manager's monthly review.
    month = Month.of(grant.at.date())
    result = access_review.review(place.manager, Filters(month, month.first, month.span.last))
    assert "break_glass" in result.flags[search.id] and "break_glass" in result.flags[grant.id]
    with time_machine.travel(utcnow() + timedelta(days=1)):
        assert reads(app, place.support_worker, place.person.id) == [403, 403, 403]
        again = signed_in(app, place.support_worker)
        assert again.post(url, data={"search": str(search.id)}).status_code == 404


# --- visits: a caseworker opens those at their desk or of a person they need to know --------

def visit_reads(app, staff, visit_id: int) -> list[int]:
    web = signed_in(app, staff)
    codes = [web.get(f"/intake/visits/{visit_id}{page}").status_code
             for page in ("", "/ticket", "/checklist")]
    api = app.test_client().get(f"/api/v1/visits/{visit_id}", headers=bearer(make_token(staff)))
    return codes + [api.status_code]


def test_a_caseworker_opens_only_visits_at_their_desk_or_of_people_they_need_to_know(app, place):
    stranger = make_client(place.centre, name="박타인")
    at_jobs = make_visit(place.centre, [place.jobs], client=stranger)
    anonymous = make_visit(place.centre, [place.welfare])
    # 자활센터 has no desk on the visit and no reason to know 박타인: refused, as the API.
    assert visit_reads(app, place.support_worker, at_jobs.id) == [404, 404, 404, 404]
    assert visit_reads(app, place.support_worker, anonymous.id) == [404, 404, 404, 404]
    # The desk on the visit may; so may the agency that needs to know the visitor.
    assert visit_reads(app, place.jobs_worker, at_jobs.id) == [200, 200, 200, 200]
    assert visit_reads(app, place.welfare_worker, anonymous.id) == [200, 200, 200, 200]
    known = make_visit(place.centre, [place.jobs], client=place.person)
    assert visit_reads(app, place.welfare_worker, known.id) == [200, 200, 200, 200]
    assert visit_reads(app, place.desk, at_jobs.id)[:3] == [200, 200, 200]
    # Acting on it is refused as reading it is.
    web = signed_in(app, place.support_worker)
    assert web.post(f"/intake/visits/{at_jobs.id}/leave").status_code == 404
    # The queue lists the centre's visitors masked, linking only where the link leads.
    queue = web.get(f"/intake/queue?agency={place.jobs.id}").text
    assert "박*인" in queue and f'href="/intake/visits/{at_jobs.id}"' not in queue
    assert f'href="/intake/visits/{at_jobs.id}"' in signed_in(app, place.jobs_worker).get(
        "/intake/queue").text


def test_the_api_answers_a_record_named_in_the_body_as_reading_it_by_its_url(app, place):
    """Not found or not visible is 404 wherever the record is named (path or body), with the
    field named; 422 is only for values wrong in themselves."""
    api = app.test_client()
    headers = bearer(make_token(place.support_worker))
    elsewhere = make_centre(code="guri")
    stranger = make_client(elsewhere, name="최타지")
    for person_id in (stranger.id, 2**31 - 1):
        answer = api.post("/api/v1/cases", json={"person_id": person_id, "summary": "검사"},
                          headers=headers)
        assert answer.status_code == 404 and answer.get_json()["type"].endswith("not-found")
        assert answer.get_json()["errors"][0]["field"] == "person_id"
        assert api.get(f"/api/v1/people/{person_id}", headers=headers).status_code == 404
    # Of the centre but outside the agency's need to know: 403 both ways, as on the web.
    assert api.get(f"/api/v1/people/{place.person.id}", headers=headers).status_code == 403
    assert api.post("/api/v1/cases", json={"person_id": place.person.id, "summary": "검사"},
                    headers=headers).status_code == 403
    jobs_case = make_case(place.person, place.jobs, caseworker=place.jobs_worker)
    referral = api.post("/api/v1/referrals", json={
        "case_id": jobs_case.id, "to_agency_id": place.welfare.id, "reason": "검사"},
        headers=headers)
    assert referral.status_code == 404 and referral.get_json()["errors"][0]["field"] == "case_id"
    assert api.get(f"/api/v1/cases/{jobs_case.id}", headers=headers).status_code == 404
    spec = api.get("/api/v1/openapi.json").get_json()["paths"]
    for path, method in (("/api/v1/cases", "post"), ("/api/v1/referrals", "post"),
                         ("/api/v1/visits", "post"), ("/api/v1/queue", "get")):
        assert "404" in spec[path][method]["responses"], path
