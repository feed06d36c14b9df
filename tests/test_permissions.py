"""A page and the server agree on every permission: one test per ``may_*`` rule.

Each rule is one function in its feature's services, asked by the service, the view, the
template and the API. Each test checks that the page does not offer what the rule refuses,
that the server refuses it anyway when it is posted (and changes nothing), and, where there
is one, that the JSON API refuses it too.
"""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from cases import people
from cases import services as casework
from cases.models import (
    Assessment,
    Case,
    CaseEvent,
    CaseNote,
    CaseStatus,
    ClosureReason,
    Conference,
    GoalStatus,
    NeedDomain,
    NoteKind,
    PlanGoal,
)
from catalogue import importer, open_data
from catalogue import services as catalogue
from catalogue.models import CentreService, Service
from centers import accounts, tokens
from centers import services as centres
from centers.models import Addon, Agency, AgencyKind, Centre, Domain
from core.clock import local_today
from core.extensions import db
from core.roles import Role
from factories import (
    audit_actions,
    bearer,
    login,
    make_agency,
    make_case,
    make_centre,
    make_client,
    make_referral,
    make_service,
    make_staff,
    make_token,
    make_visit,
    valid_rrn,
)
from intake import services as intake
from intake.models import StopStatus, Visit, VisitStatus
from referrals import services as referrals
from referrals.models import DeclineReason, Referral, ReferralStatus
from reports.periods import Month

PROBLEM = "urn:hanjari:problem:"


@pytest.fixture
def place():
    """A centre with three agencies, its desk, manager and two caseworkers, and one person
    (who agreed to share with welfare and self-support) with a case at employment."""
    centre = make_centre(code="namyangju")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT, name="고용센터")
    welfare = make_agency(centre, AgencyKind.WELFARE, name="복지지원팀")
    self_support = make_agency(centre, AgencyKind.SELF_SUPPORT, name="자활센터")
    jobs_worker = make_staff(Role.CASEWORKER, centre=centre, agency=jobs, display_name="박고용")
    welfare_worker = make_staff(Role.CASEWORKER, centre=centre, agency=welfare,
                                display_name="최복지")
    person = make_client(centre, share_with=[welfare, self_support])
    return SimpleNamespace(
        centre=centre, jobs=jobs, welfare=welfare, self_support=self_support,
        desk=make_staff(Role.FRONT_DESK, centre=centre),
        manager=make_staff(Role.MANAGER, centre=centre),
        jobs_worker=jobs_worker, welfare_worker=welfare_worker, person=person,
        case=make_case(person, jobs, caseworker=jobs_worker, summary="재취업 희망"),
    )


def signed_in(app, staff):
    client = app.test_client()
    assert login(client, staff.username).status_code == 302
    return client


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def posts_to(page: str, url: str) -> bool:
    """Does the page offer a form that posts to ``url``?"""
    return f'action="{url}"' in page


def close(case, actor) -> None:
    casework.transition(actor, case, "close", version=case.version, reason=ClosureReason.EMPLOYED)
    db.session.commit()


# --- case records (cases.services) -------------------------------------------------------------

def test_a_closed_case_takes_no_note_on_the_page_the_server_or_the_api(app, place):
    """may_add_note: the page hid the form on a closed case, but the POST saved the note."""
    close(place.case, place.jobs_worker)
    worker = signed_in(app, place.jobs_worker)
    page = worker.get(f"/cases/{place.case.id}").text
    assert not posts_to(page, f"/cases/{place.case.id}/notes")
    response = worker.post(f"/cases/{place.case.id}/notes",
                           data={"kind": "counselling", "body": "종결 뒤 메모"})
    assert "종결된 사례입니다" in response.text
    assert count(CaseNote) == 0
    api = app.test_client().post(f"/api/v1/cases/{place.case.id}/notes",
                                 json={"kind": "counselling", "body": "API 메모"},
                                 headers=bearer(make_token(place.jobs_worker)))
    assert (api.status_code, api.get_json()["type"]) == (409, PROBLEM + "state-conflict")
    assert count(CaseNote) == 0
    manager = signed_in(app, place.manager)
    assert not posts_to(manager.get(f"/cases/{place.case.id}").text,
                        f"/cases/{place.case.id}/notes")
    assert manager.post(f"/cases/{place.case.id}/notes",
                        data={"kind": "counselling", "body": "관리자 메모"}).status_code == 403
    assert count(CaseNote) == 0


def test_an_agency_reading_a_case_through_a_referral_notes_but_does_not_edit(app, place):
    """may_edit_case: the lead agency's caseworkers edit; a referred agency only notes."""
    make_referral(place.case, place.welfare)
    reader = signed_in(app, place.welfare_worker)
    page = reader.get(f"/cases/{place.case.id}").text
    assert posts_to(page, f"/cases/{place.case.id}/notes")
    assert not posts_to(page, f"/cases/{place.case.id}/edit")
    response = reader.post(f"/cases/{place.case.id}/edit", data={
        "version": place.case.version, "priority": "urgent", "summary": "고쳐 봄",
        "caseworker_id": place.welfare_worker.id})
    assert response.status_code == 403
    db.session.refresh(place.case)
    assert (place.case.summary, place.case.priority.value) == ("재취업 희망", "normal")
    api = app.test_client().get(f"/api/v1/cases/{place.case.id}",
                                headers=bearer(make_token(place.welfare_worker)))
    assert api.get_json()["allowed_transitions"] == []
    with pytest.raises(casework.CaseNotAllowed):
        casework.update_case(place.welfare_worker, place.case, version=place.case.version,
                             priority=place.case.priority, summary="x",
                             caseworker=place.welfare_worker)


def test_status_buttons_are_the_steps_the_case_can_take_now(app, place):
    """may_change_status: a closed case offers only 재개, and the server refuses the rest."""
    close(place.case, place.jobs_worker)
    worker = signed_in(app, place.jobs_worker)
    page = worker.get(f"/cases/{place.case.id}").text
    assert posts_to(page, f"/cases/{place.case.id}/reopen")
    for step in ("activate", "hold", "close"):
        assert not posts_to(page, f"/cases/{place.case.id}/{step}")
    events = count(CaseEvent)
    worker.post(f"/cases/{place.case.id}/hold", data={"version": place.case.version})
    db.session.refresh(place.case)
    assert place.case.status == CaseStatus.CLOSED and count(CaseEvent) == events
    api = app.test_client().post(
        f"/api/v1/cases/{place.case.id}/close", headers=bearer(make_token(place.jobs_worker)),
        json={"version": place.case.version, "reason": "moved"})
    assert (api.status_code, api.get_json()["type"]) == (409, PROBLEM + "state-conflict")


def test_a_closed_case_takes_no_assessment_goal_or_goal_change(app, place):
    """may_write_plan: the forms went with the closing; the server refused only two of three
    (a goal's status still changed on a closed case)."""
    goal = casework.add_goal(place.jobs_worker, place.case, {
        "domain": NeedDomain.EMPLOYMENT, "description": "면접 준비", "status": GoalStatus.PLANNED})
    db.session.commit()
    close(place.case, place.jobs_worker)
    worker = signed_in(app, place.jobs_worker)
    base = f"/cases/{place.case.id}"
    page = worker.get(base).text
    for url in (f"{base}/goals", f"{base}/assessments", f"{base}/goals/{goal.id}/status"):
        assert not posts_to(page, url)
    worker.post(f"{base}/goals", data={"domain": "housing", "description": "새 목표",
                                       "status": "planned", "service_id": 0})
    worker.post(f"{base}/assessments", data={
        "assessed_on": local_today().isoformat(), "crisis_level": "high",
        **{f"rating_{d.value}": "high" for d in NeedDomain}})
    refused = worker.post(f"{base}/goals/{goal.id}/status", data={"status": "achieved"},
                          follow_redirects=True)
    assert "종결된 사례입니다" in refused.text
    db.session.refresh(goal)
    assert (count(PlanGoal), count(Assessment), goal.status) == (1, 0, GoalStatus.PLANNED)


def test_only_the_author_is_offered_to_correct_a_note(app, place):
    """may_edit_note: the link is the author's, and so are the form and the save."""
    note = casework.add_note(place.jobs_worker, place.case, kind=NoteKind.COUNSELLING,
                             body="원문", is_confidential=False)
    db.session.commit()
    colleague = signed_in(app, make_staff(Role.CASEWORKER, centre=place.centre, agency=place.jobs))
    assert f"/cases/notes/{note.id}/edit" not in colleague.get(f"/cases/{place.case.id}").text
    assert colleague.get(f"/cases/notes/{note.id}/edit").status_code == 403
    author = signed_in(app, place.jobs_worker)
    assert f"/cases/notes/{note.id}/edit" in author.get(f"/cases/{place.case.id}").text


def test_only_a_manager_is_offered_to_open_another_agencys_confidential_note(app, place):
    """may_open_confidential: the referred agency sees that there is a note, not a way in."""
    note = casework.add_note(place.jobs_worker, place.case, kind=NoteKind.PHONE,
                             body="가정 사정", is_confidential=True)
    db.session.commit()
    make_referral(place.case, place.welfare)
    url = f"/cases/notes/{note.id}/open"
    reader = signed_in(app, place.welfare_worker)
    page = reader.get(f"/cases/{place.case.id}").text
    assert "다른 기관의 비공개 메모입니다." in page and not posts_to(page, url)
    assert reader.post(url, data={"reason": "사례회의 준비"}).status_code == 403
    manager = signed_in(app, place.manager)
    assert posts_to(manager.get(f"/cases/{place.case.id}").text, url)
    assert "가정 사정" in manager.post(url, data={"reason": "사례회의 준비"}).text


def test_opening_a_case_is_offered_to_caseworkers_only(app, place):
    """may_open_case: the manager reads the person's cases but opens none."""
    other = make_client(place.centre, name="이영희", share_with=[place.welfare])
    manager = signed_in(app, place.manager)
    assert "/cases/new?client_id=" not in manager.get(f"/cases/people/{other.id}").text
    assert manager.get(f"/cases/new?client_id={other.id}").status_code == 403
    cases = count(Case)
    assert manager.post(f"/cases/new?client_id={other.id}", data={
        "priority": "normal", "caseworker_id": place.jobs_worker.id,
        "summary": "관리자가 연 사례"}).status_code == 403
    assert count(Case) == cases
    worker = signed_in(app, place.welfare_worker)
    assert f"/cases/new?client_id={other.id}" in worker.get(f"/cases/people/{other.id}").text
    with pytest.raises(casework.CaseNotAllowed):
        casework.open_case(place.manager, other, priority=casework.Priority.NORMAL, summary="x")


def test_recording_a_case_conference_is_offered_to_caseworkers_only(app, place):
    """may_hold_conference: the service itself now refuses whoever the view let through."""
    url = f"/cases/people/{place.person.id}/conferences/new"
    manager = signed_in(app, place.manager)
    assert url not in manager.get(f"/cases/people/{place.person.id}").text
    assert manager.post(url, data={"held_on": local_today().isoformat(), "agenda": "점검",
                                   "case_ids": [place.case.id]}).status_code == 403
    assert count(Conference) == 0
    assert url in signed_in(app, place.jobs_worker).get(f"/cases/people/{place.person.id}").text
    with pytest.raises(casework.CaseNotAllowed):
        casework.hold_conference(place.desk, place.person, held_on=local_today(), agenda="점검",
                                 decisions="", cases=[place.case], participants=[], actions=[])


# --- the person's record (cases.people) and visits (intake.services) -------------------------

def test_caseworkers_read_a_person_but_the_desk_keeps_the_record(app, place):
    """may_edit_person and may_read_cases: each side is offered its own half."""
    other = make_client(place.centre, name="김민수")
    base = f"/intake/people/{place.person.id}"
    worker = signed_in(app, place.jobs_worker)
    page = worker.get(base).text
    assert f"/cases/people/{place.person.id}" in page
    for offered in (f"{base}/edit", f"{base}/consents/new", f'action="{base}/links"'):
        assert offered not in page
    version = place.person.version
    assert worker.post(f"{base}/edit", data={"name": "바뀐 이름", "birth_date": "1985-03-02",
                                             "sex": "M", "version": version}).status_code == 403
    assert worker.post(f"{base}/consents/new", data={
        "kind": "collection", "method": "written",
        "given_on": local_today().isoformat()}).status_code == 403
    assert worker.post(f"{base}/links", data={"other_id": other.id,
                                              "reason": "같은 사람"}).status_code == 403
    db.session.refresh(place.person)
    assert (place.person.name, place.person.version, len(place.person.consents)) == (
        "홍길동", version, 2)
    api = app.test_client().post(f"/api/v1/people/{place.person.id}/consents",
                                 json={"kind": "collection", "method": "written"},
                                 headers=bearer(make_token(place.jobs_worker)))
    assert api.status_code == 403
    desk = signed_in(app, place.desk)
    page = desk.get(base).text
    assert f"{base}/edit" in page and f"{base}/consents/new" in page
    assert f"/cases/people/{place.person.id}" not in page
    assert desk.get(f"/cases/people/{place.person.id}").status_code == 403
    with pytest.raises(people.ClientNotAllowed):
        people.update_client(place.jobs_worker, place.person, {"name": "바뀐 이름"})


def test_a_withdrawn_consent_is_not_offered_for_withdrawal_again(app, place):
    """may_withdraw_consent: a status condition that lived in the template."""
    consent = next(c for c in place.person.consents if c.agencies)
    people.withdraw_consent(place.desk, consent, "본인 요청")
    db.session.commit()
    withdrawn_at = consent.withdrawn_at
    desk = signed_in(app, place.desk)
    url = f"/intake/consents/{consent.id}/withdraw"
    assert not posts_to(desk.get(f"/intake/people/{place.person.id}").text, url)
    assert "이미 철회된 동의입니다" in desk.post(url, data={"note": "다시"},
                                            follow_redirects=True).text
    db.session.refresh(consent)
    assert (consent.withdrawn_at, consent.withdrawal_note) == (withdrawn_at, "본인 요청")
    api = app.test_client().post(
        f"/api/v1/people/{place.person.id}/consents/{consent.id}/withdraw", json={},
        headers=bearer(make_token(place.desk)))
    assert (api.status_code, api.get_json()["type"]) == (409, PROBLEM + "state-conflict")


def test_only_those_who_keep_the_record_see_a_resident_number_in_full(app, place):
    """may_reveal_rrn: caseworkers see the masked number and no button; the server agrees."""
    place.centre.rrn_enabled, place.centre.rrn_legal_basis = True, "「국민기초생활 보장법」 시행령 제41조"
    db.session.commit()
    person = make_client(place.centre, name="주민번호", rrn=valid_rrn(), share_with=[place.jobs])
    url = f"/intake/people/{person.id}/reveal-rrn"
    worker = signed_in(app, place.jobs_worker)
    page = worker.get(f"/intake/people/{person.id}").text
    assert "850302-1******" in page and not posts_to(page, url)
    assert worker.post(url).status_code == 403
    assert "client.rrn_revealed" not in audit_actions()
    desk = signed_in(app, place.desk)
    assert posts_to(desk.get(f"/intake/people/{person.id}").text, url)
    assert valid_rrn() in desk.post(url).text


def test_a_visit_is_offered_only_for_someone_whose_consent_is_in_force(app, place):
    """may_register_visit: the button went to people without consent, the server refused."""
    stranger = make_client(place.centre, name="박동의없음", consent=False)
    url = f"/intake/people/{stranger.id}/visits/new"
    desk = signed_in(app, place.desk)
    page = desk.get(f"/intake/people/{stranger.id}").text
    assert url not in page and "동의를 받거나 익명 방문으로 접수하세요" in page
    assert f"/intake/people/{place.person.id}/visits/new" in desk.get(
        f"/intake/people/{place.person.id}").text
    response = desk.post(url, data={"purposes": ["jobs"], "desk_1": place.jobs.id,
                                    "party_size": 1}, follow_redirects=True)
    assert "동의를 받거나 익명 방문으로 접수하세요" in response.text
    assert count(Visit) == 0
    worker = signed_in(app, place.jobs_worker)
    assert f"/intake/people/{place.person.id}/visits/new" not in worker.get(
        f"/intake/people/{place.person.id}").text
    assert worker.post(f"/intake/people/{place.person.id}/visits/new", data={
        "purposes": ["jobs"], "desk_1": place.jobs.id, "party_size": 1}).status_code == 403
    assert count(Visit) == 0
    with pytest.raises(intake.VisitNotAllowed):
        intake.register_visit(place.jobs_worker, place.centre, client=None,
                              purposes=[place.jobs.kind.domain], plan=[place.jobs])


def test_only_the_desk_serving_the_stop_is_offered_its_steps(app, place):
    """may_act: another agency's caseworker sees the visit, not its buttons."""
    visit = make_visit(place.centre, [place.jobs], client=place.person)
    url = f"/intake/visits/{visit.id}/call"
    other = signed_in(app, place.welfare_worker)
    assert not posts_to(other.get(f"/intake/visits/{visit.id}").text, url)
    assert not posts_to(other.get(f"/intake/queue?agency={place.jobs.id}").text, url)
    assert "다른 기관 창구의 방문자입니다" in other.post(url, follow_redirects=True).text
    db.session.refresh(visit)
    assert visit.status == VisitStatus.WAITING
    api = app.test_client().get(f"/api/v1/visits/{visit.id}",
                                headers=bearer(make_token(place.welfare_worker)))
    assert api.get_json()["allowed_actions"] == []
    # Nor may they send another desk's visitor home.
    assert "다른 기관" in other.post(f"/intake/visits/{visit.id}/leave", follow_redirects=True).text
    db.session.refresh(visit)
    assert visit.status == VisitStatus.WAITING
    jobs = signed_in(app, place.jobs_worker).get(f"/intake/visits/{visit.id}").text
    assert posts_to(jobs, url) and posts_to(jobs, f"/intake/visits/{visit.id}/leave")


def test_a_visit_that_ended_offers_no_step(app, place):
    """may_act for leave: the status condition that lived in the template."""
    visit = make_visit(place.centre, [place.jobs], client=place.person)
    intake.leave(place.desk, visit)
    db.session.commit()
    version = visit.version
    desk = signed_in(app, place.desk)
    page = desk.get(f"/intake/visits/{visit.id}").text
    assert not posts_to(page, f"/intake/visits/{visit.id}/leave")
    assert "이미 끝난 방문입니다" in desk.post(f"/intake/visits/{visit.id}/leave",
                                        follow_redirects=True).text
    db.session.refresh(visit)
    assert visit.version == version


def test_caseworkers_are_not_offered_to_change_a_visits_plan(app, place):
    """may_manage_visit: adding and taking out desks is the front desk's and the manager's."""
    visit = make_visit(place.centre, [place.jobs, place.welfare], client=place.person)
    stop = visit.stops[1]
    worker = signed_in(app, place.jobs_worker)
    page = worker.get(f"/intake/visits/{visit.id}").text
    assert not posts_to(page, f"/intake/visits/{visit.id}/stops")
    assert not posts_to(page, f"/intake/visits/{visit.id}/stops/{stop.id}/remove")
    assert worker.post(f"/intake/visits/{visit.id}/stops",
                       data={"agency_id": place.self_support.id}).status_code == 403
    assert worker.post(f"/intake/visits/{visit.id}/stops/{stop.id}/remove").status_code == 403
    db.session.refresh(visit)
    assert [s.status for s in visit.stops] == [StopStatus.WAITING, StopStatus.PLANNED]
    page = signed_in(app, place.desk).get(f"/intake/visits/{visit.id}").text
    assert posts_to(page, f"/intake/visits/{visit.id}/stops")
    with pytest.raises(intake.VisitNotAllowed):
        intake.add_stop(place.jobs_worker, visit, place.self_support)


def test_a_desk_in_service_is_not_offered_for_removal(app, place):
    """may_remove_stop: only desks still to come can be taken out of the plan."""
    visit = make_visit(place.centre, [place.jobs, place.welfare], client=place.person)
    intake.transition(place.jobs_worker, visit, "start")
    db.session.commit()
    serving, planned = visit.stops
    page = signed_in(app, place.desk).get(f"/intake/visits/{visit.id}").text
    assert posts_to(page, f"/intake/visits/{visit.id}/stops/{planned.id}/remove")
    assert not posts_to(page, f"/intake/visits/{visit.id}/stops/{serving.id}/remove")
    desk = signed_in(app, place.desk)
    assert "상담 중인 창구는 뺄 수 없습니다" in desk.post(
        f"/intake/visits/{visit.id}/stops/{serving.id}/remove", follow_redirects=True).text
    db.session.refresh(serving)
    assert serving.status == StopStatus.IN_SERVICE


def test_next_number_is_offered_only_at_ones_own_desk(app, place):
    """may_call_next: the button showed on every agency's queue; other desks were refused."""
    visit = make_visit(place.centre, [place.jobs], client=place.person)
    url = f"/intake/agencies/{place.jobs.id}/call-next"
    other = signed_in(app, place.welfare_worker)
    assert not posts_to(other.get(f"/intake/queue?agency={place.jobs.id}").text, url)
    assert other.post(url).status_code == 403
    db.session.refresh(visit)
    assert visit.status == VisitStatus.WAITING
    own = signed_in(app, place.jobs_worker)
    assert posts_to(own.get(f"/intake/queue?agency={place.jobs.id}").text, url)
    hidden = make_agency(place.centre, AgencyKind.CULTURE, name="문화누리 창구")  # add-on off
    assert signed_in(app, place.desk).post(
        f"/intake/agencies/{hidden.id}/call-next").status_code == 403


def test_only_the_caseworker_serving_the_visitor_is_offered_to_open_their_case(app, place):
    """may_open_case_from: the link from the visit page to the person's case."""
    visit = make_visit(place.centre, [place.jobs], client=place.person)
    intake.transition(place.jobs_worker, visit, "start")
    db.session.commit()
    link = f"/cases/new?client_id={place.person.id}&amp;visit_id={visit.id}"
    assert link in signed_in(app, place.jobs_worker).get(f"/intake/visits/{visit.id}").text
    for staff in (place.desk, place.welfare_worker, place.manager):
        assert link not in signed_in(app, staff).get(f"/intake/visits/{visit.id}").text


def test_a_warm_hand_off_adds_only_the_accepting_agencys_own_desk(app, place):
    """hand_off: the referral's shortcut into the visit plan, not a way round may_manage_visit."""
    visit = make_visit(place.centre, [place.jobs], client=place.person)
    with pytest.raises(intake.VisitNotAllowed):
        intake.hand_off(place.welfare_worker, visit, place.self_support)
    intake.hand_off(place.welfare_worker, visit, place.welfare)
    db.session.commit()
    assert [s.agency_id for s in visit.stops] == [place.jobs.id, place.welfare.id]


# --- referrals (referrals.services) -------------------------------------------------------------

def test_a_closed_case_offers_no_referral(app, place):
    """may_send: the case page asks it through a context helper (cases cannot import it)."""
    url = f"/referrals/new?case_id={place.case.id}"
    worker = signed_in(app, place.jobs_worker)
    assert url in worker.get(f"/cases/{place.case.id}").text
    close(place.case, place.jobs_worker)
    assert url not in worker.get(f"/cases/{place.case.id}").text
    assert "종결된 사례에서는 의뢰할 수 없습니다" in worker.get(url, follow_redirects=True).text
    worker.post(url, data={"to_agency_id": place.welfare.id, "service_id": 0, "reason": "상담",
                           "urgency": "normal", "contact_preference": "phone"})
    api = app.test_client().post("/api/v1/referrals", headers=bearer(make_token(place.jobs_worker)),
                                 json={"case_id": place.case.id, "to_agency_id": place.welfare.id,
                                       "reason": "상담"})
    assert api.status_code == 422
    assert count(Referral) == 0
    assert url not in signed_in(app, place.welfare_worker).get(f"/cases/people/{place.person.id}").text


def test_each_side_of_a_referral_is_offered_only_its_own_steps(app, place):
    """may_act: the sender cancels, the receiver answers; the API now says 403 for the wrong side."""
    referral = make_referral(place.case, place.welfare)
    sender = signed_in(app, place.jobs_worker)
    page = sender.get(f"/referrals/{referral.id}").text
    assert posts_to(page, f"/referrals/{referral.id}/cancel")
    assert not posts_to(page, f"/referrals/{referral.id}/accept")
    assert "이 처리를 할 수 있는 기관이 아닙니다" in sender.post(
        f"/referrals/{referral.id}/accept", data={"assignee_id": place.jobs_worker.id},
        follow_redirects=True).text
    db.session.refresh(referral)
    assert referral.status == ReferralStatus.SENT
    api = app.test_client().post(f"/api/v1/referrals/{referral.id}/accept",
                                 json={"version": referral.version},
                                 headers=bearer(make_token(place.jobs_worker)))
    assert (api.status_code, api.get_json()["type"]) == (403, PROBLEM + "forbidden")


def test_resending_is_offered_to_the_sender_of_a_declined_referral_from_an_open_case(app, place):
    """may_resend: the template compared agencies and statuses, and missed a closed case."""
    referral = make_referral(place.case, place.welfare)
    referrals.transition(place.welfare_worker, referral, "decline",
                         decline_reason=DeclineReason.CAPACITY, note="정원 마감")
    db.session.commit()
    url = f"/referrals/{referral.id}/resend"
    data = {"to_agency_id": place.self_support.id}
    receiver = signed_in(app, place.welfare_worker)
    assert not posts_to(receiver.get(f"/referrals/{referral.id}").text, url)
    receiver.post(url, data=data)
    sender = signed_in(app, place.jobs_worker)
    assert posts_to(sender.get(f"/referrals/{referral.id}").text, url)
    close(place.case, place.jobs_worker)
    assert not posts_to(sender.get(f"/referrals/{referral.id}").text, url)
    assert "종결된 사례에서는 의뢰할 수 없습니다" in sender.post(url, data=data,
                                                    follow_redirects=True).text
    assert count(Referral) == 1


# --- centres, agencies and staff (centers.services, centers.accounts, centers.tokens) ----------

CENTRE_FORM = {"code": "guri", "name": "구리 고용복지+센터", "sido": "경기도", "sigungu": "구리시"}


def test_only_the_administrator_is_offered_to_register_a_centre(app, place):
    """may_create_centre."""
    manager = signed_in(app, place.manager)
    assert "/centres/new" not in manager.get("/centres").text
    assert manager.post("/centres/new", data=CENTRE_FORM).status_code == 403
    assert count(Centre) == 1
    assert "/centres/new" in signed_in(app, make_staff(Role.ADMIN)).get("/centres").text
    with pytest.raises(centres.CentreNotAllowed):
        centres.create_centre(place.manager, CENTRE_FORM)


def test_only_the_administrator_is_offered_to_edit_a_centre(app, place):
    """may_edit_centre."""
    url = f"/centres/{place.centre.id}/edit"
    manager = signed_in(app, place.manager)
    assert url not in manager.get(f"/centres/{place.centre.id}").text
    assert manager.post(url, data=dict(CENTRE_FORM, code="namyangju")).status_code == 403
    db.session.refresh(place.centre)
    assert place.centre.name != CENTRE_FORM["name"]
    assert url in signed_in(app, make_staff(Role.ADMIN)).get(f"/centres/{place.centre.id}").text


def test_only_the_administrator_is_offered_to_record_agencies(app, place):
    """may_manage_agencies: registering and editing the agencies of a centre."""
    new, edit = f"/centres/{place.centre.id}/agencies/new", f"/agencies/{place.jobs.id}/edit"
    manager = signed_in(app, place.manager)
    page = manager.get(f"/centres/{place.centre.id}").text
    assert new not in page and edit not in page
    agency = {"kind": "other", "name": "새 기관", "response_target_hours": "16", "is_active": "y"}
    assert manager.post(new, data=agency).status_code == 403
    assert manager.post(edit, data=agency).status_code == 403
    db.session.refresh(place.jobs)
    assert (count(Agency), place.jobs.name) == (3, "고용센터")
    page = signed_in(app, make_staff(Role.ADMIN)).get(f"/centres/{place.centre.id}").text
    assert new in page and edit in page


def test_a_centre_is_configured_by_its_own_manager_or_the_administrator(app, place):
    """may_configure_centre: add-ons, resident numbers, case time targets."""
    base = f"/centres/{place.centre.id}"
    page = signed_in(app, place.manager).get(base).text
    for setting in ("addons", "rrn", "time-targets"):
        assert posts_to(page, f"{base}/{setting}")
    other_manager = make_staff(Role.MANAGER, centre=make_centre(code="suwon"))
    with pytest.raises(centres.CentreNotAllowed):
        centres.set_time_targets(other_manager, place.centre, assessment_days=3, plan_days=9)
    with pytest.raises(centres.CentreNotAllowed):
        centres.set_addon(place.desk, place.centre, Addon.CULTURE, True)
    assert signed_in(app, other_manager).post(f"{base}/time-targets", data={
        "assessment_due_days": 3, "plan_due_days": 9}).status_code == 404
    db.session.refresh(place.centre)
    assert place.centre.assessment_due_days != 3 and not place.centre.addons


def test_only_the_administrator_is_shown_every_centre(app, place):
    """sees_every_centre: the staff list's centre column, the new account's centre choice."""
    manager = signed_in(app, place.manager)
    assert "전국" not in manager.get("/staff").text
    form = manager.get("/staff/new").text
    assert f'type="hidden" name="centre_id" value="{place.centre.id}"' in form
    admin = signed_in(app, make_staff(Role.ADMIN))
    assert "전국" in admin.get("/staff").text
    assert re.search(r'<select[^>]* name="centre_id"', admin.get("/staff/new").text)


def test_nobody_is_offered_to_reset_or_deactivate_their_own_account(app, place):
    """may_manage_account: the page hid both for oneself, but a reset went through (and signed
    the manager out with a password nobody knew)."""
    manager = signed_in(app, place.manager)
    base = f"/staff/{place.manager.id}"
    page = manager.get(base).text
    assert not posts_to(page, f"{base}/reset-password") and not posts_to(page, f"{base}/active")
    password_hash = place.manager.password_hash
    assert manager.post(f"{base}/reset-password").status_code == 403
    assert manager.post(f"{base}/active", data={"active": "0"}).status_code == 403
    db.session.refresh(place.manager)
    assert (place.manager.password_hash, place.manager.is_active_account) == (password_hash, True)
    assert manager.get("/").status_code == 200  # still signed in
    assert posts_to(manager.get(f"/staff/{place.desk.id}").text,
                    f"/staff/{place.desk.id}/reset-password")


def test_another_centres_staff_are_not_managed_even_by_a_service_call(app, place):
    """may_manage_staff: the loader hides them (404); the services refuse on their own too."""
    other_manager = make_staff(Role.MANAGER, centre=make_centre(code="suwon"))
    with pytest.raises(accounts.AccountNotAllowed):
        accounts.change_placement(other_manager, place.desk, role=Role.MANAGER, agency=None)
    with pytest.raises(accounts.AccountNotAllowed):
        accounts.reset_password(other_manager, place.desk)
    with pytest.raises(accounts.AccountNotAllowed):
        accounts.create_staff(place.desk, username="x", display_name="x", role=Role.FRONT_DESK,
                              centre_id=place.centre.id, agency=None)


def test_a_revoked_token_is_not_offered_for_revoking_again(app, place):
    """tokens.may_revoke: a status condition that lived in the token list's macro."""
    make_token(place.desk)
    token = tokens.tokens_of(place.desk)[0]
    tokens.revoke_token(place.desk, token)
    db.session.commit()
    revoked_at = token.revoked_at
    url = f"/staff/{place.desk.id}/api-tokens/{token.id}/revoke"
    manager = signed_in(app, place.manager)
    assert not posts_to(manager.get(f"/staff/{place.desk.id}").text, url)
    assert "이미 폐기된 토큰입니다" in manager.post(url, follow_redirects=True).text
    db.session.refresh(token)
    assert (token.revoked_at, token.revoked_by_id) == (revoked_at, place.desk.id)
    own = signed_in(app, place.desk)
    assert not posts_to(own.get("/account/api-tokens").text,
                        f"/account/api-tokens/{token.id}/revoke")
    make_token(place.manager)
    with pytest.raises(accounts.AccountNotAllowed):  # a colleague's live token
        tokens.revoke_token(place.jobs_worker, tokens.tokens_of(place.manager)[0])


# --- the catalogue (catalogue.services) ----------------------------------------------------------

def test_entering_a_service_by_hand_is_offered_to_managers_and_the_administrator(app, place):
    """may_create_service and new_service_owner (a manager's service is local)."""
    desk = signed_in(app, place.desk)
    assert "/services/new" not in desk.get("/services").text
    assert desk.post("/services/new", data={"name": "창구 서비스", "domain": "jobs"}).status_code == 403
    assert count(Service) == 0
    manager = signed_in(app, place.manager)
    assert "/services/new" in manager.get("/services").text
    assert "우리 센터의 서비스" in manager.get("/services/new").text
    assert "우리 센터의 서비스" not in signed_in(app, make_staff(Role.ADMIN)).get("/services/new").text
    with pytest.raises(catalogue.CatalogueNotAllowed):
        catalogue.create_service(place.jobs_worker, {"name": "x", "domain": Domain.JOBS}, [])


def test_the_catalogue_import_is_offered_to_the_administrator_only(app, place):
    """may_import_services."""
    manager = signed_in(app, place.manager)
    assert "/services/import" not in manager.get("/services").text
    assert manager.get("/services/import").status_code == 403
    assert "/services/import" in signed_in(app, make_staff(Role.ADMIN)).get("/services").text
    with pytest.raises(open_data.ImportRefused):
        importer.import_services(open_data.ImportFiles(services=[], conditions=None),
                                 actor=place.manager)


def test_a_hand_entered_service_is_offered_for_editing_to_its_centre_only(app, place):
    """may_edit_service (was Service.can_be_edited_by, now beside the other catalogue rules)."""
    theirs = make_service(owner_centre_id=make_centre(code="suwon").id, name="수원 서비스")
    mine = make_service(owner_centre_id=place.centre.id, name="남양주 서비스")
    manager = signed_in(app, place.manager)
    assert f"/services/{theirs.id}/edit" not in manager.get(f"/services/{theirs.id}").text
    assert manager.post(f"/services/{theirs.id}/edit",
                        data={"name": "고쳐 봄", "domain": "jobs"}).status_code == 403
    db.session.refresh(theirs)
    assert theirs.name == "수원 서비스"
    assert f"/services/{mine.id}/edit" in manager.get(f"/services/{mine.id}").text
    with pytest.raises(catalogue.CatalogueNotAllowed):
        catalogue.update_service(place.manager, theirs, {"name": "x"}, [])


def test_a_centres_service_list_is_offered_to_its_manager_only(app, place):
    """may_manage_centre_services: the service page's add form, and the list's services."""
    service = make_service(name="청년 면접 지원")
    url = f"/centres/{place.centre.id}/services"
    assert posts_to(signed_in(app, place.manager).get(f"/services/{service.id}").text, url)
    desk = signed_in(app, place.desk)
    assert not posts_to(desk.get(f"/services/{service.id}").text, url)
    assert desk.post(url, data={"service_id": service.id, "agency_id": 0}).status_code == 403
    assert count(CentreService) == 0
    other_manager = make_staff(Role.MANAGER, centre=make_centre(code="suwon"))
    with pytest.raises(catalogue.CatalogueNotAllowed):
        catalogue.add_to_centre(other_manager, place.centre, service, None, "")


# --- reports (reports.sections) -----------------------------------------------------------------

def test_the_national_roll_up_is_offered_to_the_administrator_only(app, place):
    """may_read_national: the monthly report's link compared the role in the template."""
    month = Month.current()
    url = f"/reports/national/{month}"
    manager = signed_in(app, place.manager)
    assert url not in manager.get(f"/reports/monthly/namyangju/{month}").text
    assert manager.get(url).status_code == 403
    admin = signed_in(app, make_staff(Role.ADMIN))
    assert url in admin.get(f"/reports/monthly/namyangju/{month}").text
    assert admin.get(url).status_code == 200


# --- closing a month (reports.closing) ---------------------------------------------------------

def test_only_the_centres_manager_is_offered_to_close_and_correct_a_finished_month(app, place):
    """may_close_month, may_correct_month: the manager of the centre, a month that is over."""
    from reports import closing
    from reports.models import MonthClosing

    last, this = Month.current().previous(), Month.current()
    page, close_url = f"/reports/monthly/namyangju/{last}", f"/reports/monthly/namyangju/{last}/close"
    manager = signed_in(app, place.manager)
    assert not posts_to(manager.get(f"/reports/monthly/namyangju/{this}").text,
                        f"/reports/monthly/namyangju/{this}/close")
    assert manager.post(f"/reports/monthly/namyangju/{this}/close").status_code == 302
    admin = signed_in(app, make_staff(Role.ADMIN))
    assert not posts_to(admin.get(page).text, close_url)
    assert admin.post(close_url).status_code == 403
    for staff in (place.desk, place.jobs_worker):
        assert signed_in(app, staff).post(close_url).status_code == 403
    assert count(MonthClosing) == 0
    assert posts_to(manager.get(page).text, close_url)
    assert not posts_to(manager.get(page).text, f"{page}/correct")
    manager.post(close_url)
    assert count(MonthClosing) == 1
    assert not posts_to(manager.get(page).text, close_url)
    assert posts_to(manager.get(page).text, f"{page}/correct")
    assert admin.post(f"{page}/correct", data={"reason": "관리자"}).status_code == 403
    assert admin.get(f"{page}/editions").status_code == 200
    assert signed_in(app, place.jobs_worker).get(f"{page}/editions").status_code == 403
    with pytest.raises(closing.ClosingError):
        closing.correct_month(place.jobs_worker, place.centre, last, "사유")
def test_report_remarks_are_offered_to_the_centres_manager_and_the_national_to_the_admin(
        app, place):
    """may_write_remarks: the page, the server and the service ask the same question; remarks
    belong to a closed month's edition."""
    from reports.documents import may_write_remarks
    from reports.models import ReportDocument

    month = Month.current().previous()
    page, url = f"/reports/monthly/namyangju/{month}", f"/reports/monthly/namyangju/{month}/remarks"
    manager = signed_in(app, place.manager)
    assert not posts_to(manager.get(page).text, url)  # not closed yet
    manager.post(url, data={"remarks": "마감 전"})
    assert count(ReportDocument) == 0
    assert manager.post(f"{page}/close").status_code == 302
    assert posts_to(manager.get(page).text, url)
    admin_staff = make_staff(Role.ADMIN)
    admin = signed_in(app, admin_staff)
    assert not posts_to(admin.get(page).text, url)
    assert admin.post(url, data={"remarks": "관리자 비고"}).status_code == 403
    national = f"/reports/national/{month}/remarks"
    assert posts_to(admin.get(f"/reports/national/{month}").text, national)
    assert manager.post(national, data={"remarks": "x"}).status_code == 403
    other = signed_in(app, make_staff(Role.MANAGER, centre=make_centre(code="suwon")))
    assert other.post(url, data={"remarks": "남의 비고"}).status_code == 404
    assert count(ReportDocument) == 0
    assert may_write_remarks(place.manager, place.centre) and not may_write_remarks(
        place.manager, None) and may_write_remarks(admin_staff, None)


def test_the_open_data_is_for_anyone_once_every_centre_closed_the_month(app, place):
    """reports.views._published_or_404: no sign-in; a month is published when all closed it."""
    month = Month.current().previous()
    url = f"/reports/national/{month}.open.csv"
    anyone = app.test_client()
    assert anyone.get(url).status_code == 404
    manager = signed_in(app, place.manager)
    assert url not in manager.get(f"/reports/monthly/namyangju/{month}").text
    manager.post(f"/reports/monthly/namyangju/{month}/close")
    assert f"/reports/monthly/namyangju/{month}.open.csv" in manager.get(
        f"/reports/monthly/namyangju/{month}").text
    for address in (url, f"/reports/monthly/namyangju/{month}.open.csv"):
        response = anyone.get(address)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert place.person.name not in response.data.decode("utf-8-sig")


# --- the access-log review (reports.access_review) ---------------------------------------------

def test_only_the_centres_manager_is_offered_to_sign_off_a_finished_month(app, place):
    """may_sign_month: the manager, a month that is over, once."""
    from reports import access_review
    from reports.models import AccessReview

    last = Month.of(local_today()).previous()
    url = f"/audit/{last.key}/sign-off"
    manager = signed_in(app, place.manager)
    assert posts_to(manager.get(f"/audit?month={last.key}").text, url)
    this_month = Month.of(local_today())
    assert not posts_to(manager.get(f"/audit?month={this_month.key}").text,
                        f"/audit/{this_month.key}/sign-off")
    admin = signed_in(app, make_staff(Role.ADMIN))
    assert not posts_to(admin.get(f"/audit?month={last.key}").text, url)
    assert admin.post(url, data={"remark": "관리자"}).status_code == 403
    for staff in (place.desk, place.jobs_worker):
        client = signed_in(app, staff)
        assert "/audit" not in client.get("/").text
        assert client.post(url, data={"remark": "x"}).status_code == 403
    assert count(AccessReview) == 0
    with pytest.raises(access_review.ReviewError):
        access_review.sign_off(place.jobs_worker, last, "")


# --- partner organisations (partners.services) ------------------------------------------------

def test_the_partner_list_is_kept_by_the_centres_manager_only(app, place):
    """may_manage_partners: the list's buttons, the forms, the import and the export."""
    from factories import make_partner
    from partners.models import Partner
    from partners.services import PartnerNotAllowed, create_partner

    partner = make_partner(place.centre, manager=place.manager, name="가족센터")
    manager_page = signed_in(app, place.manager).get("/partners").text
    assert "/partners/new" in manager_page and "/partners/import" in manager_page
    for staff in (place.desk, place.jobs_worker):
        client = signed_in(app, staff)
        page = client.get("/partners").text
        assert "가족센터" in page
        assert "/partners/new" not in page and "/partners/import" not in page
        assert client.post("/partners/new", data={"name": "몰래", "kind": "other",
                                                  "response_target_hours": 16}).status_code == 403
        assert client.post(f"/partners/{partner.id}/edit", data={
            "name": "몰래", "kind": "other", "response_target_hours": 16}).status_code == 403
        assert client.get("/partners/import").status_code == 403
    admin = signed_in(app, make_staff(Role.ADMIN))
    assert admin.get("/partners").status_code == 403
    assert count(Partner) == 1
    other_manager = make_staff(Role.MANAGER, centre=make_centre(code="suwon"))
    with pytest.raises(PartnerNotAllowed):
        create_partner(other_manager, place.centre, {"name": "몰래", "kind": "other"})


def test_a_referral_to_a_partner_is_followed_by_the_sending_agency_only(app, place):
    """may_send_to_partner, may_cancel, may_issue_link: the case page's button, the referral
    page's buttons, and the server."""
    from cases.models import ConsentMethod
    from factories import make_partner
    from referrals import outward
    from referrals.models import PartnerReferral, ReferralStatus

    partner = make_partner(place.centre, manager=place.manager, email="mind@example.org")
    send_url = f"/referrals/partner/new?case_id={place.case.id}"
    assert send_url in signed_in(app, place.jobs_worker).get(f"/cases/{place.case.id}").text
    welfare = signed_in(app, place.welfare_worker)
    assert welfare.get(send_url).status_code in (403, 404)
    referral = outward.send(place.jobs_worker, place.case, partner, reason="상담",
                            consent_method=ConsentMethod.WRITTEN,
                            consent_given_on=local_today(), consent_confirmed=True)
    db.session.commit()
    base = f"/referrals/partner/{referral.id}"
    assert posts_to(signed_in(app, place.jobs_worker).get(base).text, f"{base}/cancel")
    manager = signed_in(app, place.manager)
    assert not posts_to(manager.get(base).text, f"{base}/cancel")
    for client, status in ((manager, 403), (welfare, 404)):
        for step in ("cancel", "link", "withdraw"):
            assert client.post(f"{base}/{step}", data={"note": "몰래"}).status_code == status
    db.session.expire_all()
    assert db.session.get(PartnerReferral, referral.id).status == ReferralStatus.SENT


def test_a_partners_system_keys_are_made_by_the_centres_manager_only(app, place):
    """may_manage_partners again: the API key and the webhook address of a partner."""
    from factories import make_partner
    from partners.models import Partner
    from partners.services import PartnerNotAllowed, issue_api_key

    partner = make_partner(place.centre, manager=place.manager)
    base = f"/partners/{partner.id}"
    assert posts_to(signed_in(app, place.manager).get(base).text, f"{base}/api_key")
    worker = signed_in(app, place.jobs_worker)
    assert not posts_to(worker.get(base).text, f"{base}/api_key")
    for step, data in (("api_key", {}), ("webhook", {"url": "https://example.org/hook"})):
        assert worker.post(f"{base}/{step}", data=data).status_code == 403
    db.session.expire_all()
    stored = db.session.get(Partner, partner.id)
    assert stored.api_key_hash is None and stored.webhook_url == ""
    with pytest.raises(PartnerNotAllowed):
        issue_api_key(make_staff(Role.MANAGER, centre=make_centre(code="suwon")), partner)


# --- outreach visits (outreach.services) ----------------------------------------------------

def _outreach_plan(app, place, **overrides):
    from outreach.models import OutreachVisit

    day = (local_today() + timedelta(days=1)).isoformat()
    data = {"case_id": place.case.id, "kind": "home", "address": "별내동 1-2", "purpose": "실태 확인",
            "day": day, "start": "10:00", "end": "11:00",
            "companion_ids": [place.welfare_worker.id], **overrides}
    assert signed_in(app, place.jobs_worker).post("/outreach/new", data=data).status_code == 302
    return db.session.scalar(sa.select(OutreachVisit).order_by(OutreachVisit.id.desc()))


def test_only_the_case_agency_is_offered_to_plan_a_visit_and_a_closed_case_takes_none(app, place):
    """may_plan_visit: another agency is not offered the plan, and posting it is refused."""
    from outreach.models import OutreachVisit

    welfare = signed_in(app, place.welfare_worker)
    assert "/outreach/new" not in welfare.get("/outreach/").text
    data = {"case_id": place.case.id, "kind": "home", "address": "주소", "purpose": "목적",
            "day": (local_today() + timedelta(days=1)).isoformat(), "start": "10:00",
            "end": "11:00"}
    assert welfare.post("/outreach/new", data=data).status_code == 403
    close(place.case, place.jobs_worker)
    jobs = signed_in(app, place.jobs_worker)
    assert "/outreach/new" not in jobs.get("/outreach/").text
    assert jobs.post("/outreach/new", data=data).status_code == 403
    assert count(OutreachVisit) == 0


def test_a_companion_checks_in_but_does_not_cancel_or_write_the_record(app, place):
    """may_step / may_record: the companion is offered check-in only; cancel and the record
    are the planner's, and the server refuses them to the companion."""
    from outreach.models import OutreachStatus

    visit = _outreach_plan(app, place)
    companion = signed_in(app, place.welfare_worker)
    page = companion.get(f"/outreach/{visit.id}").text
    assert posts_to(page, f"/outreach/{visit.id}/check-in")
    assert not posts_to(page, f"/outreach/{visit.id}/cancel")
    assert f"/outreach/{visit.id}/record" not in page
    assert companion.post(f"/outreach/{visit.id}/cancel", data={"reason": "x"}).status_code == 403
    companion.post(f"/outreach/{visit.id}/check-in")
    db.session.refresh(visit)
    assert visit.status == OutreachStatus.UNDERWAY
    assert companion.get(f"/outreach/{visit.id}/record").status_code == 403
    assert companion.post(f"/outreach/{visit.id}/record",
                          data={"version": visit.version, "body": "동행자 메모"}).status_code == 403
    assert count(CaseNote) == 0
    planner = signed_in(app, place.jobs_worker)
    assert f"/outreach/{visit.id}/record" in planner.get(f"/outreach/{visit.id}").text


def test_the_record_waits_for_check_in_and_the_desk_has_no_outreach(app, place):
    """may_record / may_use_outreach: no record link or save before the visit has started;
    the desk and the administrator are refused the outreach pages."""
    visit = _outreach_plan(app, place)
    planner = signed_in(app, place.jobs_worker)
    assert f"/outreach/{visit.id}/record" not in planner.get(f"/outreach/{visit.id}").text
    assert planner.post(f"/outreach/{visit.id}/record",
                        data={"version": visit.version, "body": "미리"}).status_code == 403
    assert planner.post(f"/outreach/{visit.id}/consent",
                        data={"signature": "data:image/png;base64,AAAA"}).status_code == 403
    for who in (place.desk, make_staff(Role.ADMIN)):
        browser = signed_in(app, who)
        assert "/outreach/" not in browser.get("/").text
        assert browser.get("/outreach/").status_code == 403
        assert browser.get(f"/outreach/{visit.id}").status_code == 403
    assert count(CaseNote) == 0


# --- appointments (appointments.services) ------------------------------------------------------

def _open_for_booking(place, agency, capacity=2):
    from datetime import time

    from appointments import services as booking

    booking.set_hours(place.manager, agency, opens_at=time(9), closes_at=time(17),
                      slot_minutes=30, capacity=capacity, is_bookable=True)
    db.session.commit()


def _next_slot(agency):
    from datetime import timedelta

    from appointments import services as booking

    for ahead in range(1, 15):
        slots = booking.slots_of(agency, local_today() + timedelta(days=ahead))
        if slots:
            return slots[0].starts_at
    raise AssertionError("no bookable day")


def test_bookable_hours_are_offered_to_the_centres_manager_only(app, place):
    """may_set_hours: the menu entry and the form for the manager; the desk is refused."""
    url = f"/appointments/hours/{place.jobs.id}"
    data = {"opens_at": "09:00", "closes_at": "12:00", "slot_minutes": "30", "capacity": "2",
            "is_bookable": "y"}
    desk = signed_in(app, place.desk)
    assert "/appointments/hours" not in desk.get("/").text
    assert desk.post(url, data=data).status_code == 403
    from appointments.models import BookingHours
    assert count(BookingHours) == 0
    manager = signed_in(app, place.manager)
    assert url in manager.get("/appointments/hours").text
    assert manager.post(url, data=data).status_code == 302 and count(BookingHours) == 1
    other = signed_in(app, make_staff(Role.MANAGER, centre=make_centre()))
    assert other.post(url, data=data).status_code == 404


def test_a_caseworker_is_offered_booking_at_their_own_desk_only(app, place):
    """may_book: the booking page lists only the caseworker's desk; another desk is refused."""
    from appointments.models import Appointment

    _open_for_booking(place, place.jobs)
    _open_for_booking(place, place.welfare)
    worker = signed_in(app, place.welfare_worker)
    page = worker.get(f"/appointments/people/{place.person.id}/new").text
    assert "복지지원팀" in page and "고용센터" not in page
    refused = worker.post(f"/appointments/people/{place.person.id}/new?agency={place.jobs.id}",
                          data={"starts_at": _next_slot(place.jobs).isoformat(), "purpose": "상담"})
    assert refused.status_code == 403 and count(Appointment) == 0


def test_arrival_is_offered_to_the_desk_and_moving_to_those_who_book_at_that_desk(app, place):
    """may_check_in and may_change, on the day list and the appointment's page."""
    from appointments import services as booking
    from appointments.models import Appointment, AppointmentStatus

    _open_for_booking(place, place.jobs)
    appointment = booking.book(place.desk, place.jobs, place.person, _next_slot(place.jobs),
                               purpose="상담")
    db.session.commit()
    page_url = f"/appointments/{appointment.id}"
    check_in = f"/appointments/{appointment.id}/check-in"
    desk = signed_in(app, place.desk)
    assert not posts_to(desk.get(page_url).text, check_in)  # not today's: no arrival yet
    assert desk.post(check_in).status_code == 403
    other = signed_in(app, place.welfare_worker)
    page = other.get(page_url).text
    assert "/move" not in page and "/cancel" not in page
    assert other.post(f"/appointments/{appointment.id}/cancel",
                      data={"reason": "점검", "version": appointment.version}).status_code == 403
    own = signed_in(app, place.jobs_worker)
    assert posts_to(own.get(page_url).text, f"/appointments/{appointment.id}/cancel")
    assert not posts_to(own.get(page_url).text, check_in)
    db.session.refresh(appointment)
    assert appointment.status == AppointmentStatus.BOOKED and count(Appointment) == 1
