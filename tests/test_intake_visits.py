"""The visit: tickets, the desk-by-desk plan, today's queue and the lobby waiting board."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from centers.models import AgencyKind
from core.extensions import db
from core.roles import Role
from factories import (
    PASSWORD,
    at_once,
    login,
    make_agency,
    make_centre,
    make_client,
    make_staff,
    make_visit,
)
from intake.models import StopStatus, Visit, VisitStatus, VisitStop, WaitingBoard


@pytest.fixture
def centre(centre):
    make_agency(centre, AgencyKind.CULTURE, name="문화누리 창구")  # add-on switched off
    return centre


def agencies(centre):
    return {a.kind: a for a in centre.agencies}


def test_register_a_visit_with_purposes_and_plan_issues_a_prefixed_ticket(client, login_as, centre):
    person = make_client(centre)
    login_as(Role.FRONT_DESK, centre=centre)
    a = agencies(centre)
    response = client.post(f"/intake/people/{person.id}/visits/new", data={
        "purposes": ["jobs", "welfare"], "desk_1": a[AgencyKind.EMPLOYMENT].id,
        "desk_2": a[AgencyKind.WELFARE].id, "desk_3": 0, "desk_4": 0, "party_size": 1,
        "note": "실업급여 문의",
    })
    assert response.status_code == 302
    visit = db.session.scalar(sa.select(Visit))
    assert visit.ticket_number == "A-001"
    assert [s.status for s in visit.stops] == [StopStatus.WAITING, StopStatus.PLANNED]
    assert {p.domain.value for p in visit.purposes} == {"jobs", "welfare"}
    ticket = client.get(f"/intake/visits/{visit.id}/ticket").text
    assert "A-001" in ticket and "먼저 가실 곳: 고용센터 (1번 창구)" in ticket
    assert "복지지원팀" in ticket and person.name not in ticket


def test_ticket_prefix_follows_the_first_desk(client, login_as, centre):
    a = agencies(centre)
    assert make_visit(centre, [a[AgencyKind.WELFARE]]).ticket_number == "B-001"
    assert make_visit(centre, [a[AgencyKind.WELFARE]]).ticket_number == "B-002"
    assert make_visit(centre, [a[AgencyKind.EMPLOYMENT]]).ticket_number == "A-001"


def test_switched_off_addon_is_not_offered_as_purpose_or_desk(client, login_as, centre):
    login_as(Role.FRONT_DESK, centre=centre)
    form = client.get("/intake/visits/anonymous/new").text
    assert 'value="culture"' not in form and "문화누리 창구" not in form
    response = client.post("/intake/visits/anonymous/new", data={
        "purposes": ["culture"], "desk_1": agencies(centre)[AgencyKind.CULTURE].id,
        "desk_2": 0, "desk_3": 0, "desk_4": 0, "party_size": 1,
    })
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0


def test_anonymous_visit_records_purpose_and_count_only(client, login_as, centre):
    login_as(Role.FRONT_DESK, centre=centre)
    client.post("/intake/visits/anonymous/new", data={
        "purposes": ["welfare"], "desk_1": agencies(centre)[AgencyKind.WELFARE].id,
        "desk_2": 0, "desk_3": 0, "desk_4": 0, "party_size": 2,
    })
    visit = db.session.scalar(sa.select(Visit))
    assert (visit.client_id, visit.party_size, visit.ticket_number) == (None, 2, "B-001")


def test_visit_form_explains_missing_choices_and_keeps_input(client, login_as, centre):
    login_as(Role.FRONT_DESK, centre=centre)
    response = client.post("/intake/visits/anonymous/new", data={
        "desk_1": 0, "desk_2": 0, "desk_3": 0, "desk_4": 0, "party_size": 1, "note": "메모 남김",
    })
    assert "방문 목적을 하나 이상 고르세요." in response.text
    assert "첫 번째 창구를 고르세요." in response.text
    assert "메모 남김" in response.text


def test_ticked_purposes_propose_their_desks_before_a_ticket_is_issued(client, login_as, centre):
    a = agencies(centre)
    login_as(Role.FRONT_DESK, centre=centre)
    form = client.get("/intake/visits/anonymous/new").text
    # The form carries the rule for its script: each purpose's desks.
    assert f"&#34;welfare&#34;: [{a[AgencyKind.WELFARE].id}]" in form
    assert f"&#34;jobs&#34;: [{a[AgencyKind.EMPLOYMENT].id}]" in form

    # Without script: 접수 with purposes ticked and no desk chosen fills the desks, issues nothing.
    response = client.post("/intake/visits/anonymous/new", data={
        "purposes": ["jobs", "welfare"], "desk_1": 0, "desk_2": 0, "desk_3": 0, "desk_4": 0,
        "party_size": 1, "note": "실업급여 문의",
    })
    assert response.status_code == 200 and db.session.scalar(sa.select(Visit)) is None
    assert "방문 목적에 맞는 창구를 채웠습니다" in response.text and "실업급여 문의" in response.text
    selected = re.findall(r'<select[^>]*name="(desk_\d)"[^>]*>.*?<option selected value="(\d+)"',
                          response.text, re.S)
    assert selected == [("desk_1", str(a[AgencyKind.EMPLOYMENT].id)),
                        ("desk_2", str(a[AgencyKind.WELFARE].id)), ("desk_3", "0"), ("desk_4", "0")]

    # The desk confirms: the ticket follows the proposed plan.
    client.post("/intake/visits/anonymous/new", data={
        "purposes": ["jobs", "welfare"], "desk_1": a[AgencyKind.EMPLOYMENT].id,
        "desk_2": a[AgencyKind.WELFARE].id, "desk_3": 0, "desk_4": 0, "party_size": 1,
    })
    visit = db.session.scalar(sa.select(Visit))
    assert [stop.agency_id for stop in visit.stops] == [a[AgencyKind.EMPLOYMENT].id, a[AgencyKind.WELFARE].id]


def test_a_desk_chosen_by_hand_is_kept_over_the_proposal(client, login_as, centre):
    a = agencies(centre)
    login_as(Role.FRONT_DESK, centre=centre)
    client.post("/intake/visits/anonymous/new", data={
        "purposes": ["jobs"], "desk_1": a[AgencyKind.WELFARE].id, "desk_2": 0, "desk_3": 0,
        "desk_4": 0, "party_size": 1,
    })
    visit = db.session.scalar(sa.select(Visit))
    assert [stop.agency_id for stop in visit.stops] == [a[AgencyKind.WELFARE].id]


def test_desk_by_desk_flow_moves_the_visitor_to_the_next_desk(client, login_as, centre, app):
    a = agencies(centre)
    visit = make_visit(centre, [a[AgencyKind.EMPLOYMENT], a[AgencyKind.WELFARE]])
    jobs = make_staff(Role.CASEWORKER, centre=centre, agency=a[AgencyKind.EMPLOYMENT])
    welfare = make_staff(Role.CASEWORKER, centre=centre, agency=a[AgencyKind.WELFARE])
    jobs_desk, welfare_desk = app.test_client(), app.test_client()
    login(jobs_desk, jobs.username)
    login(welfare_desk, welfare.username)

    # The welfare desk cannot serve a visitor who is still at the employment desk.
    welfare_desk.post(f"/intake/visits/{visit.id}/start")
    assert db.session.get(Visit, visit.id).stops[0].status == StopStatus.WAITING

    jobs_desk.post(f"/intake/agencies/{a[AgencyKind.EMPLOYMENT].id}/call-next")
    jobs_desk.post(f"/intake/visits/{visit.id}/start")
    jobs_desk.post(f"/intake/visits/{visit.id}/finish")
    visit = db.session.get(Visit, visit.id)
    assert [s.status for s in visit.stops] == [StopStatus.DONE, StopStatus.WAITING]
    assert visit.status == VisitStatus.WAITING
    queue = welfare_desk.get("/intake/queue").text
    assert visit.ticket_number in queue

    welfare_desk.post(f"/intake/visits/{visit.id}/start")
    welfare_desk.post(f"/intake/visits/{visit.id}/finish")
    visit = db.session.get(Visit, visit.id)
    assert visit.status == VisitStatus.DONE and visit.finished_at is not None


def test_call_next_takes_the_longest_waiting_visitor(client, login_as, centre):
    jobs = agencies(centre)[AgencyKind.EMPLOYMENT]
    first = make_visit(centre, [jobs])
    second = make_visit(centre, [jobs])
    login_as(Role.CASEWORKER, centre=centre, agency=jobs)
    response = client.post(f"/intake/agencies/{jobs.id}/call-next", follow_redirects=True)
    assert f"{first.ticket_number} 번을 호출했습니다" in response.text
    client.post(f"/intake/agencies/{jobs.id}/call-next")
    assert db.session.get(Visit, second.id).stops[0].status == StopStatus.CALLED
    empty = client.post(f"/intake/agencies/{jobs.id}/call-next", follow_redirects=True)
    assert "기다리는 방문자가 없습니다" in empty.text


def test_desk_reroutes_adds_and_removes_desks_and_marks_left(client, login_as, centre):
    a = agencies(centre)
    visit = make_visit(centre, [a[AgencyKind.EMPLOYMENT]])
    login_as(Role.FRONT_DESK, centre=centre)
    client.post(f"/intake/visits/{visit.id}/stops", data={"agency_id": a[AgencyKind.WELFARE].id})
    visit = db.session.get(Visit, visit.id)
    assert [(s.agency_id, s.status) for s in visit.stops] == [
        (a[AgencyKind.EMPLOYMENT].id, StopStatus.WAITING), (a[AgencyKind.WELFARE].id, StopStatus.PLANNED)]
    client.post(f"/intake/visits/{visit.id}/stops/{visit.stops[0].id}/remove")
    visit = db.session.get(Visit, visit.id)
    assert [s.status for s in visit.stops] == [StopStatus.SKIPPED, StopStatus.WAITING]
    client.post(f"/intake/visits/{visit.id}/leave")
    visit = db.session.get(Visit, visit.id)
    assert visit.status == VisitStatus.LEFT
    assert [s.status for s in visit.stops] == [StopStatus.SKIPPED, StopStatus.SKIPPED]


def test_queue_shows_waiting_time_and_filters_by_agency(client, login_as, centre):
    a = agencies(centre)
    make_visit(centre, [a[AgencyKind.EMPLOYMENT]])
    make_visit(centre, [a[AgencyKind.WELFARE]])
    login_as(Role.FRONT_DESK, centre=centre)
    everything = client.get("/intake/queue?agency=0").text
    assert "A-001" in everything and "B-001" in everything and "0분" in everything
    jobs_only = client.get(f"/intake/queue?agency={a[AgencyKind.EMPLOYMENT].id}").text
    assert "A-001" in jobs_only and "B-001" not in jobs_only


def test_queue_lists_visits_still_here_a_page_at_a_time_and_finished_ones_apart(
        client, login_as, centre, monkeypatch):
    import intake.visit_views

    monkeypatch.setattr(intake.visit_views, "QUEUE_PAGE", 2)
    jobs = agencies(centre)[AgencyKind.EMPLOYMENT]
    visits = [make_visit(centre, [jobs]) for _ in range(4)]
    login_as(Role.FRONT_DESK, centre=centre)
    client.post(f"/intake/visits/{visits[0].id}/leave")

    def tickets(url):
        return [v.ticket_number for v in visits if f">{v.ticket_number}<" in client.get(url).text]

    assert tickets("/intake/queue") == ["A-002", "A-003"]
    assert tickets("/intake/queue?page=2") == ["A-004"]
    page = client.get("/intake/queue").text
    assert "아직 센터에 있는 방문 3건" in page and "오늘 끝난 방문 (1)" in page
    assert "1 / 2" in page and "page=2" in page
    assert tickets("/intake/queue?finished=1") == ["A-001"]
    assert "오늘 끝났거나 돌아간 방문 1건" in client.get("/intake/queue?finished=1").text
    assert tickets(f"/intake/queue?agency={jobs.id}&page=2") == ["A-004"]


def test_another_centres_visits_are_not_found(client, login_as, centre):
    other = make_centre()
    visit = make_visit(other, [make_agency(other)])
    login_as(Role.FRONT_DESK, centre=centre)
    assert client.get(f"/intake/visits/{visit.id}").status_code == 404
    assert client.post(f"/intake/visits/{visit.id}/leave").status_code == 404


def test_two_desks_registering_at_once_never_share_a_ticket_number(app, centre):
    jobs = agencies(centre)[AgencyKind.EMPLOYMENT]
    desks = []
    for _ in range(4):
        staff = make_staff(Role.FRONT_DESK, centre=centre)
        desk = app.test_client()
        login(desk, staff.username, PASSWORD)
        desks.append(desk)
    form = {"purposes": ["jobs"], "desk_1": jobs.id, "desk_2": 0, "desk_3": 0, "desk_4": 0,
            "party_size": 1}
    for _round in range(3):
        statuses = at_once([
            (lambda d=d: d.post("/intake/visits/anonymous/new", data=form).status_code)
            for d in desks
        ])
        assert statuses == [302] * len(desks)
    numbers = list(db.session.scalars(sa.select(Visit.ticket_number)))
    assert len(numbers) == 12 and len(set(numbers)) == 12
    assert sorted(numbers) == [f"A-{n:03d}" for n in range(1, 13)]


def test_a_double_click_on_issue_ticket_issues_one_ticket(client, login_as, centre):
    person = make_client(centre)
    login_as(Role.FRONT_DESK, centre=centre)
    url = f"/intake/people/{person.id}/visits/new"
    page = client.get(url).text
    key = re.search(r'name="submission" type="hidden" value="([^"]+)"', page).group(1)
    form = {"purposes": ["jobs"], "desk_1": agencies(centre)[AgencyKind.EMPLOYMENT].id,
            "desk_2": 0, "desk_3": 0, "desk_4": 0, "party_size": 1, "submission": key}
    first, second = client.post(url, data=form), client.post(url, data=form)
    assert first.headers["Location"] == second.headers["Location"]
    assert "이미 접수된 방문입니다. 번호표 A-001" in client.get(second.headers["Location"]).text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1
    assert client.get(url).text.count(key) == 0  # a new form, a new key
    client.post(url, data=form | {"submission": "another-key"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 2


def test_one_form_posted_from_several_tabs_at_once_issues_one_ticket(app, centre):
    jobs = agencies(centre)[AgencyKind.EMPLOYMENT]
    staff = make_staff(Role.FRONT_DESK, centre=centre)
    tabs = []
    for _ in range(4):
        tab = app.test_client()
        login(tab, staff.username, PASSWORD)
        tabs.append(tab)
    form = {"purposes": ["jobs"], "desk_1": jobs.id, "desk_2": 0, "desk_3": 0, "desk_4": 0,
            "party_size": 1, "submission": "one-form-key"}
    locations = at_once([
        (lambda t=t: t.post("/intake/visits/anonymous/new", data=form).headers["Location"])
        for t in tabs])
    assert len(set(locations)) == 1
    assert list(db.session.scalars(sa.select(Visit.ticket_number))) == ["A-001"]


def test_nine_desks_calling_next_at_once_each_get_their_own_visitor(app, centre):
    """On SQLite (the default set-up) this gave 'database is locked' 4 times in 9 before
    requests began their transactions immediately; on both engines nobody is called twice."""
    jobs = agencies(centre)[AgencyKind.EMPLOYMENT]
    for _ in range(9):
        make_visit(centre, [jobs])
    desks = []
    for _ in range(9):
        staff = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
        desk = app.test_client()
        login(desk, staff.username, PASSWORD)
        desks.append(desk)
    url = f"/intake/agencies/{jobs.id}/call-next"
    statuses = at_once([(lambda d=d: d.post(url).status_code) for d in desks])
    assert statuses == [302] * 9
    called = db.session.scalars(sa.select(VisitStop).where(
        VisitStop.status == StopStatus.CALLED)).all()
    assert len(called) == 9 and len({stop.visit_id for stop in called}) == 9


def test_two_desks_starting_the_same_visitor_at_once_only_one_wins(app, centre):
    jobs = agencies(centre)[AgencyKind.EMPLOYMENT]
    visit = make_visit(centre, [jobs])
    desks, served_by = [], []
    for _ in range(2):
        staff = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
        served_by.append(staff)
        desk = app.test_client()
        login(desk, staff.username, PASSWORD)
        desks.append(desk)
    url = f"/intake/visits/{visit.id}/start"
    pages = at_once([(lambda d=d: d.post(url, follow_redirects=True).text) for d in desks])
    refused = [p for p in pages if "먼저 처리했습니다" in p or "할 수 없는 처리입니다" in p]
    assert len(refused) == 1
    visit = db.session.get(Visit, visit.id)
    assert visit.stops[0].status == StopStatus.IN_SERVICE and visit.version == 2
    assert visit.stops[0].served_by_id in {s.id for s in served_by}


# --- waiting board ---------------------------------------------------------------------------

def test_board_needs_its_token_in_a_header_and_shows_no_personal_data(client, login_as, centre,
                                                                      app):
    jobs = agencies(centre)[AgencyKind.EMPLOYMENT]
    person = make_client(centre, name="홍길동", phone="+821012345678")
    visit = make_visit(centre, [jobs], client=person)
    login_as(Role.MANAGER, centre=centre)
    page = client.post("/intake/board").text
    url = re.search(r'<a href="([^"]*/board/[^"]*)"', page).group(1)
    path, token = url.split("#")
    assert path.endswith("/board/namyangju") and "token" not in path
    tv = app.test_client()  # no login
    shell = tv.get("/board/namyangju")
    assert shell.status_code == 200 and token not in shell.text
    assert tv.get("/board/nowhere").status_code == 404
    assert tv.get("/board/namyangju/now.json").status_code == 404
    assert tv.get(f"/board/namyangju/now.json?token={token}").status_code == 404  # not in URLs
    assert tv.get("/board/namyangju/now.json", headers={"X-Board-Token": "wrong"}
                  ).status_code == 404

    caseworker = make_staff(Role.CASEWORKER, centre=centre, agency=jobs)
    desk = app.test_client()
    login(desk, caseworker.username)
    desk.post(f"/intake/visits/{visit.id}/call")
    feed = tv.get("/board/namyangju/now.json", headers={"X-Board-Token": token})
    assert feed.json["called"][0] == {"ticket": "A-001", "desk": "고용센터",
                                      "location": "1번 창구", "status": "called"}
    assert feed.headers["Cache-Control"] == "no-store"
    for secret in ("홍길동", "홍*동", "1234", "1985"):
        assert secret not in feed.text and secret not in shell.text
    # The address expires.
    board = db.session.get(WaitingBoard, centre.id)
    later = board.created_at + timedelta(days=app.config["BOARD_TOKEN_DAYS"])
    with time_machine.travel(later, tick=False):
        assert tv.get("/board/namyangju/now.json", headers={"X-Board-Token": token}
                      ).status_code == 404
    # A new board URL retires the old one.
    client.post("/intake/board")
    assert tv.get("/board/namyangju/now.json", headers={"X-Board-Token": token}
                  ).status_code == 404


# --- services the visitor did not know about -------------------------------------------------

def test_visit_stores_and_shows_services_the_visitor_did_not_ask_about(client, login_as, centre):
    from datetime import date

    from factories import make_service

    a = agencies(centre)
    welfare = a[AgencyKind.WELFARE]
    make_service(name="임신·출산 진료비 지원", customer_types=["pregnant"], domain="welfare",
                 centre=centre, agency=welfare, desk="7번 창구")
    make_service(name="청년도약계좌", customer_types=["youth"], domain="finance", max_age=34,
                 centre=centre)
    make_service(name="노인 일자리", customer_types=["senior"], domain="jobs", min_age=60,
                 centre=centre)
    make_service(name="다른 센터 서비스", customer_types=["pregnant"], centre=make_centre())
    person = make_client(centre, name="박지은", birth_date=date(1996, 4, 1), sex="F",
                         customer_types=["pregnant", "youth"])
    login_as(Role.FRONT_DESK, centre=centre)
    client.post(f"/intake/people/{person.id}/visits/new", data={
        "purposes": ["jobs"], "desk_1": a[AgencyKind.EMPLOYMENT].id, "desk_2": 0, "desk_3": 0,
        "desk_4": 0, "party_size": 1})
    visit = db.session.scalar(sa.select(Visit))
    names = [s.service.name for s in visit.suggestions]
    assert set(names) == {"임신·출산 진료비 지원", "청년도약계좌"}
    pregnant = next(s for s in visit.suggestions if s.service.name == "임신·출산 진료비 지원")
    # Stored as codes, shown in the reader's language.
    assert "type:pregnant" in pregnant.reasons and pregnant.agency_id == welfare.id
    page = client.get(f"/intake/visits/{visit.id}").text
    assert "이런 서비스도 있습니다" in page and "임산부 대상" in page
    client.post("/account/locale", data={"locale": "en", "next": "/"})
    assert "For: Pregnant women" in client.get(f"/intake/visits/{visit.id}").text
    client.post("/account/locale", data={"locale": "ko", "next": "/"})
    checklist = client.get(f"/intake/visits/{visit.id}/checklist").text
    assert "임신·출산 진료비 지원" in checklist and "7번 창구" in checklist
    assert "노인 일자리" not in checklist and "다른 센터 서비스" not in checklist


def test_a_visit_suggests_only_services_whose_known_conditions_are_met(client, login_as, centre):
    """The issue's two complaints: a job seeker offered a service for disabled job seekers,
    and a visitor not marked 장애인 offered disability services."""
    from datetime import date

    from factories import make_service

    employment = agencies(centre)[AgencyKind.EMPLOYMENT]
    make_service(name="장애인 일자리 지원", condition_codes=["JA0327", "JA0328"],
                 customer_types=["job_seeker", "disabled"], min_age=18, centre=centre,
                 agency=employment)
    make_service(name="장애인연금", condition_codes=["JA0328"], customer_types=["disabled"],
                 min_age=18, domain="welfare", centre=centre)
    make_service(name="국민취업지원제도", condition_codes=["JA0201", "JA0202", "JA0203", "JA0327"],
                 customer_types=["job_seeker", "low_income"], min_age=15, max_age=69,
                 centre=centre, agency=employment)
    person = make_client(centre, name="김구직", birth_date=date(1990, 5, 5), sex="M",
                         customer_types=["job_seeker"], address_sigungu="남양주시")
    login_as(Role.FRONT_DESK, centre=centre)
    client.post(f"/intake/people/{person.id}/visits/new", data={
        "purposes": ["jobs", "welfare"], "desk_1": employment.id, "desk_2": 0, "desk_3": 0,
        "desk_4": 0, "party_size": 1})
    visit = db.session.scalar(sa.select(Visit))
    assert [s.service.name for s in visit.suggestions] == ["국민취업지원제도"]
    (suggestion,) = visit.suggestions
    assert suggestion.met == ["만 15~69세", "구직자·실업자"]
    assert suggestion.to_check == ["기준 중위소득 100% 이하"]
    page = client.get(f"/intake/visits/{visit.id}").text
    assert "충족" in page and "확인 필요" in page and "기준 중위소득 100% 이하" in page
    assert "장애인" not in page.split("이런 서비스도 있습니다")[1]
    checklist = client.get(f"/intake/visits/{visit.id}/checklist").text
    assert "확인 필요: 기준 중위소득 100% 이하" in checklist


def test_home_page_counts_the_visitors_waiting_without_opening_the_menu(client, login_as, centre,
                                                                         app):
    a = agencies(centre)
    make_visit(centre, [a[AgencyKind.EMPLOYMENT]], client=make_client(centre))
    make_visit(centre, [a[AgencyKind.WELFARE]], client=make_client(centre))
    login_as(Role.FRONT_DESK, centre=centre)
    home = client.get("/").text
    assert re.search(r'href="/intake/queue">.*?기다리는 방문</span> <span class="value">2<', home, re.S)
    worker = make_staff(Role.CASEWORKER, centre=centre, agency=a[AgencyKind.WELFARE])
    tablet = app.test_client()
    login(tablet, worker.username)
    assert re.search(r'기다리는 방문</span> <span class="value">1<', tablet.get("/").text)


def test_board_shows_the_window_of_a_called_number_and_drops_it_once_served(client, login_as,
                                                                            centre, app):
    jobs = agencies(centre)[AgencyKind.EMPLOYMENT]
    visit = make_visit(centre, [jobs], client=make_client(centre))
    login_as(Role.MANAGER, centre=centre)
    page = client.post("/intake/board").text
    token = re.search(r'<a href="[^"]*/board/namyangju#([^"]+)"', page).group(1)
    desk = app.test_client()
    login(desk, make_staff(Role.CASEWORKER, centre=centre, agency=jobs).username)
    tv = app.test_client()

    def called():
        return tv.get("/board/namyangju/now.json", headers={"X-Board-Token": token}).json["called"]

    desk.post(f"/intake/visits/{visit.id}/call")
    assert [(c["ticket"], c["location"]) for c in called()] == [("A-001", "1번 창구")]
    desk.post(f"/intake/visits/{visit.id}/start")
    assert called() == []
