"""Case records: opening, lifecycle, assessment, plan, notes, conferences, visibility."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from cases.models import (
    Case,
    CaseEvent,
    CaseNote,
    CaseNoteRevision,
    CaseStatus,
    ClosureReason,
    Conference,
    GoalStatus,
    NoteKind,
)
from centers.models import AgencyKind
from core.audit import AuditEvent
from core.clock import local_today
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from factories import (
    audit_actions,
    login,
    make_case,
    make_centre,
    make_client,
    make_staff,
)


def agency(centre, kind):
    return next(a for a in centre.agencies if a.kind == kind)


def test_caseworker_opens_a_case_at_their_own_agency_once(client, login_as, centre):
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    person = make_client(centre, share_with=[jobs])
    worker = login_as(Role.CASEWORKER, centre=centre, agency=jobs)
    response = client.post(f"/cases/new?client_id={person.id}",
                           data={"priority": "high", "caseworker_id": worker.id,
                                 "summary": "실업급여 수급 중, 재취업 희망"})
    case = db.session.scalar(sa.select(Case))
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    assert (case.agency_id, case.caseworker_id, case.status, case.priority.value) == (
        jobs.id, worker.id, CaseStatus.OPEN, "high")
    again = client.get(f"/cases/new?client_id={person.id}")
    assert again.headers["Location"].endswith(f"/cases/{case.id}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1


def test_the_database_refuses_a_second_open_case_per_agency(centre):
    person = make_client(centre)
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    make_case(person, jobs)
    duplicate = Case(centre_id=centre.id, client_id=person.id, agency_id=jobs.id,
                     caseworker_id=make_staff(Role.CASEWORKER, agency=jobs).id,
                     status=CaseStatus.ACTIVE)
    db.session.add(duplicate)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_lifecycle_close_with_reason_and_follow_up_then_reopen(client, login_as, centre):
    person = make_client(centre)
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    worker = login_as(Role.CASEWORKER, centre=centre, agency=jobs)
    case = make_case(person, jobs, caseworker=worker)
    client.post(f"/cases/{case.id}/activate", data={"version": case.version})
    db.session.refresh(case)
    assert case.status == CaseStatus.ACTIVE
    no_reason = client.post(f"/cases/{case.id}/close", data={"version": case.version},
                            follow_redirects=True)
    assert "종결 사유를 고르세요" in no_reason.text
    follow_up = (local_today() + timedelta(days=90)).isoformat()
    client.post(f"/cases/{case.id}/close", data={"version": case.version, "reason": "employed",
                                                 "follow_up_on": follow_up})
    db.session.refresh(case)
    assert (case.status, case.closure_reason, str(case.follow_up_on)) == (
        CaseStatus.CLOSED, ClosureReason.EMPLOYED, follow_up)
    wrong = client.post(f"/cases/{case.id}/hold", data={"version": case.version},
                        follow_redirects=True)
    assert "할 수 없는 처리입니다" in wrong.text
    client.post(f"/cases/{case.id}/reopen", data={"version": case.version})
    db.session.refresh(case)
    assert case.status == CaseStatus.ACTIVE and case.closed_at is None
    assert [e.to_status for e in case.events] == [
        CaseStatus.OPEN, CaseStatus.ACTIVE, CaseStatus.CLOSED, CaseStatus.ACTIVE]


def test_closing_a_case_is_folded_away_and_asks_once_more(client, login_as, centre):
    person = make_client(centre)
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    worker = login_as(Role.CASEWORKER, centre=centre, agency=jobs)
    case = make_case(person, jobs, caseworker=worker)
    page = client.get(f"/cases/{case.id}").text
    folded = page.split('<details class="case-close')[1].split("</details>")[0]
    assert f'action="/cases/{case.id}/close"' in folded and "data-confirm=" in folded
    assert page.count(f'action="/cases/{case.id}/close"') == 1  # not also open beside the others

def test_assessments_are_shown_side_by_side_with_change(client, login_as, centre):
    person = make_client(centre)
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    worker = login_as(Role.CASEWORKER, centre=centre, agency=jobs)
    case = make_case(person, jobs, caseworker=worker)
    base = {f"rating_{d}": "none" for d in
            ("employment", "income", "housing", "health", "care", "debt", "education", "culture")}
    client.post(f"/cases/{case.id}/assessments", data={
        **base, "rating_employment": "high", "rating_income": "medium", "crisis_level": "high",
        "assessed_on": (local_today() - timedelta(days=30)).isoformat(), "notes": "실직 3개월"})
    client.post(f"/cases/{case.id}/assessments", data={
        **base, "rating_employment": "low", "rating_income": "medium", "crisis_level": "low",
        "assessed_on": local_today().isoformat()})
    page = client.get(f"/cases/{case.id}").text
    assert page.count("<th>" + local_today().isoformat()) == 1
    assert "낮음 ↓" in page
    future = client.post(f"/cases/{case.id}/assessments", data={
        **base, "crisis_level": "low", "assessed_on": (local_today() + timedelta(days=2)).isoformat()},
        follow_redirects=True)
    assert "조사일이 오늘보다 뒤일 수 없습니다" in future.text


def test_plan_goals_and_overdue_flag(client, login_as, centre):
    person = make_client(centre)
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    worker = login_as(Role.CASEWORKER, centre=centre, agency=jobs)
    case = make_case(person, jobs, caseworker=worker)
    client.post(f"/cases/{case.id}/goals", data={
        "domain": "employment", "description": "직업훈련 수료", "status": "in_progress",
        "target_date": (local_today() - timedelta(days=1)).isoformat(), "service_name": "국민내일배움카드"})
    page = client.get(f"/cases/{case.id}").text
    assert "직업훈련 수료" in page and "기한 지남" in page
    goal = case.goals[0] if case.goals else db.session.scalar(sa.select(Case)).goals[0]
    client.post(f"/cases/{case.id}/goals/{goal.id}/status", data={"status": "no_service"})
    db.session.refresh(goal)
    assert goal.status == GoalStatus.NO_SERVICE
    assert "목표일 지남" not in client.get("/cases/?overdue=goals").text


def test_second_save_from_the_same_version_gets_a_conflict_and_keeps_its_text(app, centre):
    person = make_client(centre)
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    author = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    case = make_case(person, jobs, caseworker=author)
    desk = app.test_client()
    login(desk, author.username)
    desk.post(f"/cases/{case.id}/notes", data={"kind": "counselling", "body": "첫 상담"})
    note = db.session.scalar(sa.select(CaseNote))
    first = desk.post(f"/cases/notes/{note.id}/edit",
                      data={"kind": "counselling", "body": "첫 상담 (보완)", "version": "1"})
    assert first.status_code == 302
    second = desk.post(f"/cases/notes/{note.id}/edit",
                       data={"kind": "counselling", "body": "다른 창에서 쓴 내용", "version": "1"})
    assert second.status_code == 409
    assert "먼저 저장했습니다" in second.text
    assert "다른 창에서 쓴 내용" in second.text and "첫 상담 (보완)" in second.text
    db.session.refresh(note)
    assert note.body == "첫 상담 (보완)"
    revisions = list(db.session.scalars(sa.select(CaseNoteRevision)))
    assert [r.body for r in revisions] == ["첫 상담"]
    history = desk.get(f"/cases/notes/{note.id}/history").text
    assert "첫 상담" in history and author.display_name in history


def test_case_summary_conflict_keeps_the_text(app, centre):
    person = make_client(centre)
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    one = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    two = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    case = make_case(person, jobs, caseworker=one)
    a, b = app.test_client(), app.test_client()
    login(a, one.username)
    login(b, two.username)
    form = {"priority": "normal", "caseworker_id": one.id, "version": str(case.version)}
    assert a.post(f"/cases/{case.id}/edit", data={**form, "summary": "A의 요약"}).status_code == 302
    refused = b.post(f"/cases/{case.id}/edit", data={**form, "summary": "B의 요약"})
    assert refused.status_code == 409 and "B의 요약" in refused.text
    db.session.refresh(case)
    assert case.summary == "A의 요약"


def test_only_the_author_edits_a_note(app, centre):
    person = make_client(centre)
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    author = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    colleague = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    case = make_case(person, jobs, caseworker=author)
    note = CaseNote(case_id=case.id, kind="counselling", body="원문", author_id=author.id,
                    agency_id=jobs.id)
    db.session.add(note)
    db.session.commit()
    desk = app.test_client()
    login(desk, colleague.username)
    assert f"/cases/notes/{note.id}/edit" not in desk.get(f"/cases/{case.id}").text
    assert desk.get(f"/cases/notes/{note.id}/edit").status_code == 403
    response = desk.post(f"/cases/notes/{note.id}/edit", data={
        "kind": "counselling", "body": "고침", "version": "1"})
    assert response.status_code == 403
    db.session.refresh(note)
    assert note.body == "원문"


def test_contact_note_updates_last_contact_and_stale_filter(client, login_as, centre):
    person = make_client(centre)
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    worker = login_as(Role.CASEWORKER, centre=centre, agency=jobs)
    case = make_case(person, jobs, caseworker=worker,
                     last_contact_at=utcnow() - timedelta(days=45))
    assert f'/cases/{case.id}"' in client.get("/cases/?stale=1").text
    client.post(f"/cases/{case.id}/notes", data={"kind": "phone", "body": "통화함"})
    db.session.refresh(case)
    assert case.last_contact_at > utcnow() - timedelta(minutes=1)
    assert f'/cases/{case.id}"' not in client.get("/cases/?stale=1").text


def test_time_targets_flag_cases_in_the_caseload(client, login_as, centre):
    person, other = make_client(centre), make_client(centre, name="김철수")
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    worker = login_as(Role.CASEWORKER, centre=centre, agency=jobs)
    late = make_case(person, jobs, caseworker=worker, opened_at=utcnow() - timedelta(days=11))
    fresh = make_case(other, jobs, caseworker=worker, opened_at=utcnow() - timedelta(days=9))
    page = client.get("/cases/?overdue=assessment").text
    assert f'/cases/{late.id}"' in page and f'/cases/{fresh.id}"' not in page
    assert "초기 조사 기한 지남" in page
    centre.assessment_due_days = 5
    db.session.commit()
    assert f'/cases/{fresh.id}"' in client.get("/cases/?overdue=assessment").text
    late.opened_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert f'/cases/{late.id}"' in client.get("/cases/?overdue=plan").text


def test_caseload_search_and_pagination(client, login_as, centre):
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    worker = login_as(Role.CASEWORKER, centre=centre, agency=jobs)
    for n in range(27):
        make_case(make_client(centre, name=f"김{chr(0xB098 + n)}수"), jobs, caseworker=worker)
    first = client.get("/cases/").text
    assert "모두 27건" in first and "page=2" in first
    assert client.get("/cases/?page=2").text.count('href="/cases/') >= 2
    name = f"김{chr(0xB098 + 5)}수"
    found = client.post("/cases/", data={"q": name}).text
    assert "모두 1건" in found
    assert "모두 27건" in client.get(f"/cases/?q={name}").text  # never from the URL
    for text in ("12345", "010-12", "홍1"):  # not understood: no one, not a database error
        response = client.post("/cases/", data={"q": text})
        assert response.status_code == 200
        assert "모두 0건" in response.text or "사례가 없습니다" in response.text


# --- visibility ------------------------------------------------------------------------------

def test_visibility_from_each_role(app, centre):
    person = make_client(centre)
    jobs, welfare = agency(centre, AgencyKind.EMPLOYMENT), agency(centre, AgencyKind.WELFARE)
    case = make_case(person, jobs)
    url = f"/cases/{case.id}"
    expectations = [
        (make_staff(Role.CASEWORKER, centre=centre, agency=jobs), 200),
        (make_staff(Role.CASEWORKER, centre=centre, agency=welfare), 404),
        (make_staff(Role.MANAGER, centre=centre), 200),
        (make_staff(Role.FRONT_DESK, centre=centre), 403),
        (make_staff(Role.ADMIN), 403),
        (make_staff(Role.MANAGER, centre=make_centre()), 404),
    ]
    for staff, status in expectations:
        viewer = app.test_client()
        login(viewer, staff.username)
        assert viewer.get(url).status_code == status, staff.role
    views = db.session.scalars(sa.select(AuditEvent.staff_id)
                               .where(AuditEvent.action == "case.view")).all()
    assert len(views) == 2


def test_manager_reads_but_does_not_write(client, login_as, centre):
    person = make_client(centre)
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    case = make_case(person, jobs)
    login_as(Role.MANAGER, centre=centre)
    assert client.post(f"/cases/{case.id}/activate", data={"version": 1}).status_code == 403
    assert client.post(f"/cases/{case.id}/notes", data={"kind": "phone", "body": "x"}).status_code == 403


def test_confidential_note_stays_in_the_agency_and_manager_needs_a_reason(app, centre):
    person = make_client(centre)
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    author = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    case = make_case(person, jobs, caseworker=author)
    writer = app.test_client()
    login(writer, author.username)
    writer.post(f"/cases/{case.id}/notes", data={"kind": "counselling", "body": "가정폭력 피해 진술",
                                                 "is_confidential": "y"})
    colleague = app.test_client()
    login(colleague, make_staff(Role.CASEWORKER, centre=centre, agency=jobs).username)
    assert "가정폭력 피해 진술" in colleague.get(f"/cases/{case.id}").text
    manager = app.test_client()
    login(manager, make_staff(Role.MANAGER, centre=centre).username)
    page = manager.get(f"/cases/{case.id}").text
    assert "가정폭력 피해 진술" not in page and "다른 기관의 비공개 메모" in page
    note = db.session.scalar(sa.select(CaseNote))
    refused = manager.post(f"/cases/notes/{note.id}/open", data={"reason": ""}, follow_redirects=True)
    assert "열람 사유를 적으세요" in refused.text and "가정폭력 피해 진술" not in refused.text
    opened = manager.post(f"/cases/notes/{note.id}/open", data={"reason": "통합사례회의 준비"})
    assert "가정폭력 피해 진술" in opened.text
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "case.confidential_note_opened"))
    assert event.detail == {"reason": "통합사례회의 준비"} and event.client_id == person.id


def test_integrated_page_lists_every_agencys_case_but_details_only_where_visible(app, centre):
    person = make_client(centre)
    jobs, welfare = agency(centre, AgencyKind.EMPLOYMENT), agency(centre, AgencyKind.WELFARE)
    jobs_case, welfare_case = make_case(person, jobs), make_case(person, welfare)
    viewer = app.test_client()
    login(viewer, make_staff(Role.CASEWORKER, centre=centre, agency=jobs).username)
    page = viewer.get(f"/cases/people/{person.id}").text
    assert "고용센터" in page and "복지지원팀" in page
    assert f'/cases/{jobs_case.id}"' in page and f'/cases/{welfare_case.id}"' not in page
    assert "다른 기관 사례" in page


def test_case_conference_appears_on_each_participating_case(app, centre):
    person = make_client(centre)
    jobs, welfare = agency(centre, AgencyKind.EMPLOYMENT), agency(centre, AgencyKind.WELFARE)
    jobs_worker = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    welfare_worker = make_staff(Role.CASEWORKER, centre=centre, agency=welfare)
    jobs_case = make_case(person, jobs, caseworker=jobs_worker)
    welfare_case = make_case(person, welfare, caseworker=welfare_worker)
    desk = app.test_client()
    login(desk, jobs_worker.username)
    response = desk.post(f"/cases/people/{person.id}/conferences/new", data={
        "held_on": local_today().isoformat(), "agenda": "주거 위기 대응", "decisions": "긴급복지 신청",
        "case_ids": [jobs_case.id, welfare_case.id], "staff_ids": [jobs_worker.id, welfare_worker.id],
        "action-0-description": "긴급복지 서류 준비", "action-0-owner": welfare_worker.id,
        "action-0-due": (local_today() + timedelta(days=3)).isoformat()})
    assert response.status_code == 302
    conference = db.session.scalar(sa.select(Conference))
    assert {a.name for a in conference.agencies} == {"고용센터", "복지지원팀"}
    assert conference.actions[0].owner_id == welfare_worker.id
    other = app.test_client()
    login(other, welfare_worker.username)
    page = other.get(f"/cases/{welfare_case.id}").text
    assert "주거 위기 대응" in page and "긴급복지 서류 준비" in page
    assert "case.conference" in audit_actions(subject_id=jobs_case.id)



def test_a_conference_action_without_a_due_date_is_refused_and_the_text_kept(app, centre):
    person = make_client(centre)
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    worker = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    jobs_case = make_case(person, jobs, caseworker=worker)
    desk = app.test_client()
    login(desk, worker.username)
    response = desk.post(f"/cases/people/{person.id}/conferences/new", data={
        "held_on": local_today().isoformat(), "agenda": "주거 위기 대응",
        "case_ids": [jobs_case.id], "staff_ids": [worker.id],
        "action-0-description": "집주인 면담", "action-0-owner": worker.id, "action-0-due": "",
        "action-1-description": "서류 준비", "action-1-owner": worker.id,
        "action-1-due": "다음 주"})
    assert response.status_code == 200
    assert "할 일마다 기한을 날짜로 적으세요." in response.text
    assert "집주인 면담" in response.text and "주거 위기 대응" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conference)) == 0

def test_opening_a_case_from_the_visit_in_service(app, centre):
    from factories import make_visit

    person = make_client(centre)
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    worker = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    visit = make_visit(centre, [jobs], client=person)
    desk = app.test_client()
    login(desk, worker.username)
    desk.post(f"/intake/visits/{visit.id}/start")
    page = desk.get(f"/intake/visits/{visit.id}").text
    link = f"/cases/new?client_id={person.id}&amp;visit_id={visit.id}"
    assert link in page
    desk.post(link.replace("&amp;", "&"), data={"priority": "normal", "caseworker_id": worker.id,
                                                "summary": "방문 중 개시"})
    assert db.session.scalar(sa.select(Case.opened_from_visit_id)) == visit.id


def test_plan_goal_links_a_service_of_the_centres_list(client, login_as, centre):
    from factories import make_service

    person = make_client(centre)
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    training = make_service(name="국민내일배움카드", centre=centre, agency=jobs)
    foreign = make_service(name="남의 센터 서비스", centre=make_centre())
    worker = login_as(Role.CASEWORKER, centre=centre, agency=jobs)
    case = make_case(person, jobs, caseworker=worker)
    assert "국민내일배움카드" in client.get(f"/cases/{case.id}").text
    client.post(f"/cases/{case.id}/goals", data={
        "domain": "education", "description": "직업훈련", "status": "planned",
        "service_id": training.id})
    client.post(f"/cases/{case.id}/goals", data={
        "domain": "education", "description": "엉뚱한 연결", "status": "planned",
        "service_id": foreign.id})
    goals = {g.description: g for g in db.session.scalars(sa.select(Case)).one().goals}
    assert (goals["직업훈련"].service_id, goals["직업훈련"].service_name) == (
        training.id, "국민내일배움카드")
    assert goals["엉뚱한 연결"].service_id is None


def test_the_case_page_does_not_query_per_note(app, centre):
    from sqlalchemy import event

    person = make_client(centre)
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    worker = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    case = make_case(person, jobs, caseworker=worker)
    desk = app.test_client()
    login(desk, worker.username)

    def queries_for_page() -> int:
        count = 0

        def counter(*_args):
            nonlocal count
            count += 1

        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            assert desk.get(f"/cases/{case.id}").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        return count

    desk.post(f"/cases/{case.id}/notes", data={"kind": "phone", "body": "첫 메모"})
    with_one = queries_for_page()
    for n in range(10):
        desk.post(f"/cases/{case.id}/notes", data={"kind": "phone", "body": f"메모 {n}"})
    assert queries_for_page() == with_one


def test_the_case_page_shows_the_newest_notes_and_pages_back_to_older_ones(
        app, centre, monkeypatch):
    import cases.views

    monkeypatch.setattr(cases.views, "NOTES_PER_PAGE", 2)
    person = make_client(centre)
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    worker = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    case = make_case(person, jobs, caseworker=worker)
    start = utcnow() - timedelta(days=10)
    db.session.add_all([
        CaseNote(case_id=case.id, kind=NoteKind.PHONE, body=f"메모 {n}", author_id=worker.id,
                 agency_id=jobs.id, created_at=start + timedelta(days=n)) for n in range(5)])
    event = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case.id)).one()
    event.at = start + timedelta(days=2, hours=1)  # between 메모 2 and 메모 3
    db.session.commit()
    desk = app.test_client()
    login(desk, worker.username)

    def shown(page):
        text = desk.get(f"/cases/{case.id}?page={page}").text
        notes = [n for n in range(5) if f"메모 {n}<" in text]
        return notes, "→" in text, "이전 기록 보기" in text, "최근 기록" in text

    assert shown(1) == ([3, 4], False, True, False)
    assert shown(2) == ([1, 2], True, True, True)
    assert shown(3) == ([0], False, False, True)


def test_a_formerly_confidential_text_stays_hidden_in_the_edit_history(app, centre):
    person = make_client(centre)
    jobs, welfare = agency(centre, AgencyKind.EMPLOYMENT), agency(centre, AgencyKind.WELFARE)
    author = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    case = make_case(person, jobs, caseworker=author)
    writer = app.test_client()
    login(writer, author.username)
    writer.post(f"/cases/{case.id}/notes", data={"kind": "counselling", "body": "비밀 진술",
                                                 "is_confidential": "y"})
    note = db.session.scalar(sa.select(CaseNote))
    writer.post(f"/cases/notes/{note.id}/edit", data={"kind": "counselling", "body": "상담함",
                                                      "version": "1"})
    manager = app.test_client()
    login(manager, make_staff(Role.MANAGER, centre=centre).username)
    history = manager.get(f"/cases/notes/{note.id}/history").text
    assert "상담함" in history and "비밀 진술" not in history
    assert "비밀 진술" in writer.get(f"/cases/notes/{note.id}/history").text
    assert welfare.id != jobs.id


def test_a_case_cannot_name_someone_elses_visit(client, login_as, centre):
    from factories import make_visit

    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    person, other = make_client(centre, share_with=[jobs]), make_client(centre, name="남남")
    visit = make_visit(centre, [jobs], client=other)
    worker = login_as(Role.CASEWORKER, centre=centre, agency=jobs)
    response = client.post(f"/cases/new?client_id={person.id}&visit_id={visit.id}",
                           data={"priority": "normal", "caseworker_id": worker.id, "summary": "x"})
    assert "이 사람의 방문이 아닙니다" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_caseload_search_too_long_says_so_and_keeps_the_text(client, login_as, centre):
    jobs = agency(centre, AgencyKind.EMPLOYMENT)
    login_as(Role.CASEWORKER, centre=centre, agency=jobs)
    typed = "가" * 51
    response = client.post("/cases/", data={"q": typed})
    assert response.status_code == 200
    assert "50자 이하로 입력하세요." in response.text
    assert f'value="{typed}"' in response.text
