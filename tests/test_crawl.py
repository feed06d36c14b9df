"""Every page answers, for every role: a crawl from the home page on a database with activity.

Each demo-like role signs in and follows every same-origin link and every GET form (and the
two search boxes, whose terms travel in a POST body), breadth-first to a bounded depth. Any
5xx, and any page showing a template error, fails the test; PDF/XLSX/CSV/JSON downloads are
checked for their status and content type only. ``pytest -s`` prints the pages per role.
"""

from __future__ import annotations

import logging
import re
import sys
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from jinja2 import Undefined
from werkzeug.exceptions import HTTPException

from cases import casework
from cases import services as people
from cases.models import ClosureReason, ConsentKind, GoalStatus, Level, NeedDomain, NoteKind, Priority
from centers import catalogue
from centers.models import Addon, AgencyKind, Domain
from core.clock import local_today
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from factories import (
    login,
    make_agency,
    make_case,
    make_centre,
    make_client,
    make_consent_documents,
    make_referral,
    make_service,
    make_staff,
    make_token,
)
from intake import services as intake
from referrals import services as referrals
from referrals.models import DeclineReason, Outcome

MAX_DEPTH = 4
PAGE_CAP = 400
SEARCH_TEXT = {"q": "김민수"}  # a name that is in the database, so results have links
# Search boxes whose terms are personal data travel in a POST body; posting them is a read.
SEARCH_POSTS = ("/intake/", "/cases/")
SKIPPED_PATHS = ("/logout", "/static/", "/api/")
# Pages worth visiting once or twice per role, not once per object or month: each download
# (a PDF takes a second or two to draw) and the report pages with their charts.
ENDPOINT_CAPS = {"reports.monthly": 2, "reports.national": 2}
DOWNLOAD_CAP = 1
TEMPLATES = str(Path(__file__).resolve().parent.parent / "templates")
DOWNLOADS = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
    ".json": "application/json",
}
TEMPLATE_ERROR = re.compile(r"\[undefined: [^]]*\]|Traceback \(most recent call last\)|jinja2\.exceptions")


class ShownUndefined(Undefined):
    """Prints ``[undefined: name]`` where one of our templates prints a name it could not
    find (Jinja prints nothing), so the crawl sees it; Bootstrap-Flask's own macros rely on
    printing undefined names as nothing and keep doing so."""

    def __str__(self) -> str:
        if sys._getframe(1).f_code.co_filename.startswith(TEMPLATES):
            return f"[undefined: {self._undefined_hint or self._undefined_name}]"
        return ""


# --- the database: two centres with a working day's activity ----------------------------------

@dataclass
class World:
    usernames: dict[str, str] = field(default_factory=dict)  # role name -> username


def build_world() -> World:
    """Two centres; at the first, agencies of several kinds (an add-on on, another off),
    people with and without consent, today's visits in every state and an earlier one,
    cases in every state with their records, referrals in every state, tokens, services."""
    world = World()
    today = local_today()
    nam = make_centre(code="namyangju", name="남양주 고용복지+센터", addons=[Addon.CULTURE])
    kinds = (AgencyKind.EMPLOYMENT, AgencyKind.WELFARE, AgencyKind.SELF_SUPPORT,
             AgencyKind.WOMEN, AgencyKind.CULTURE, AgencyKind.CREATIVE_ECONOMY)
    agencies = {kind: make_agency(nam, kind, desk_location=f"{n}번 창구")
                for n, kind in enumerate(kinds, start=1)}
    suwon = make_centre(code="suwon", name="수원 고용복지+센터")
    make_agency(suwon, AgencyKind.EMPLOYMENT)
    make_agency(suwon, AgencyKind.WELFARE)

    def staff(name: str, role: Role, centre=nam, kind=None, **kw):
        member = make_staff(role, centre=centre if role != Role.ADMIN else None,
                            agency=agencies[kind] if kind else None, username=name, **kw)
        world.usernames[name] = member.username
        return member

    desk = staff("desk", Role.FRONT_DESK)
    manager = staff("manager", Role.MANAGER)
    staff("admin", Role.ADMIN)
    workers = {kind: staff(kind.value, Role.CASEWORKER, kind=kind)
               for kind in (AgencyKind.EMPLOYMENT, AgencyKind.WELFARE, AgencyKind.SELF_SUPPORT,
                            AgencyKind.WOMEN, AgencyKind.CULTURE)}
    staff("suwon_desk", Role.FRONT_DESK, centre=suwon)
    make_staff(Role.CASEWORKER, centre=suwon, agency=suwon.agencies[0], username="suwon_jobs")
    make_staff(Role.FRONT_DESK, centre=nam, username="gone", is_active_account=False)
    make_staff(Role.FRONT_DESK, centre=nam, username="newcomer", must_change_password=True)
    jobs, welfare = workers[AgencyKind.EMPLOYMENT], workers[AgencyKind.WELFARE]
    jahwal, women = workers[AgencyKind.SELF_SUPPORT], workers[AgencyKind.WOMEN]

    make_consent_documents(nam, manager)
    make_consent_documents(suwon)
    for domain, kind in ((Domain.JOBS, AgencyKind.EMPLOYMENT), (Domain.WELFARE, AgencyKind.WELFARE),
                         (Domain.SELF_SUPPORT, AgencyKind.SELF_SUPPORT),
                         (Domain.CULTURE, AgencyKind.CULTURE)):
        make_service(["youth", "low_income"], centre=nam, agency=agencies[kind], desk="1층",
                     domain=domain, name=f"{kind.label} 지원 서비스")
    make_service(["senior"], name="전국 노인 일자리")
    catalogue.create_service(manager, {"name": "남양주 청년 면접 정장 대여", "domain": Domain.JOBS},
                             ["youth"])

    sharing = [agencies[k] for k in (AgencyKind.WELFARE, AgencyKind.SELF_SUPPORT, AgencyKind.WOMEN,
                                     AgencyKind.EMPLOYMENT)]
    kim = make_client(nam, name="김민수", phone="+821012345678", customer_types=["youth"],
                      share_with=sharing)
    lee = make_client(nam, name="이영희", share_with=sharing)
    jung = make_client(nam, name="정하나", share_with=sharing)
    make_client(nam, name="박철수", consent=False)
    choi = make_client(nam, name="최지원")
    twin = make_client(nam, name="김민수", birth_date=kim.birth_date)
    make_client(suwon, name="한수원")
    people.link_clients(desk, kim, twin, "같은 사람 (이름·생년월일 같음)")
    db.session.commit()

    # Today's visits: waiting, called, in service, done, left; and one of an earlier day.
    def visit(client, *kinds_, **kw):
        v = intake.register_visit(desk, nam, client=client, plan=[agencies[k] for k in kinds_],
                                  purposes=[agencies[kinds_[0]].kind.domain], **kw)
        db.session.commit()
        return v

    visit(kim, AgencyKind.EMPLOYMENT, AgencyKind.WELFARE)
    called = visit(lee, AgencyKind.EMPLOYMENT)
    intake.transition(jobs, called, "call")
    serving = visit(jung, AgencyKind.WELFARE)
    intake.transition(welfare, serving, "start")
    done = visit(None, AgencyKind.SELF_SUPPORT, party_size=2)
    intake.transition(jahwal, done, "start")
    intake.transition(jahwal, done, "finish")
    left = visit(choi, AgencyKind.WOMEN)
    intake.leave(desk, left)
    earlier = visit(kim, AgencyKind.EMPLOYMENT)
    intake.transition(jobs, earlier, "start")
    intake.transition(jobs, earlier, "finish")
    earlier.visit_date = today - timedelta(days=3)
    earlier.arrived_at = earlier.arrived_at - timedelta(days=3)
    earlier.finished_at = earlier.arrived_at + timedelta(hours=1)
    db.session.commit()

    # Cases: open, active, on hold, closed; assessment, plan, notes, a conference.
    kim_jobs = make_case(kim, agencies[AgencyKind.EMPLOYMENT], jobs, summary="재취업 희망")
    casework.transition(jobs, kim_jobs, "activate", version=kim_jobs.version)
    casework.record_assessment(jobs, kim_jobs, assessed_on=today, crisis_level=Level.MEDIUM,
                               ratings={d: Level.LOW for d in NeedDomain}, notes="초기 조사")
    casework.add_goal(jobs, kim_jobs, {"domain": NeedDomain.EMPLOYMENT, "description": "면접 준비",
                                       "target_date": today - timedelta(days=1),
                                       "status": GoalStatus.IN_PROGRESS})
    casework.add_note(jobs, kim_jobs, kind=NoteKind.COUNSELLING, body="상담함", is_confidential=False)
    casework.add_note(jobs, kim_jobs, kind=NoteKind.PHONE, body="가정 사정", is_confidential=True)
    edited = casework.add_note(jobs, kim_jobs, kind=NoteKind.OTHER, body="처음 글",
                               is_confidential=False)
    db.session.commit()
    casework.edit_note(jobs, edited, version=edited.version, kind=NoteKind.OTHER, body="고친 글",
                       is_confidential=False)
    lee_jobs = make_case(lee, agencies[AgencyKind.EMPLOYMENT], jobs, priority=Priority.HIGH)
    jung_welfare = make_case(jung, agencies[AgencyKind.WELFARE], welfare)
    casework.transition(welfare, jung_welfare, "hold", version=jung_welfare.version)
    choi_jobs = make_case(choi, agencies[AgencyKind.EMPLOYMENT], jobs)
    casework.transition(jobs, choi_jobs, "close", version=choi_jobs.version,
                        reason=ClosureReason.EMPLOYED, note="취업함")
    db.session.commit()

    # Referrals in every state, one overdue; the notifications come with them.
    overdue = make_referral(kim_jobs, agencies[AgencyKind.WELFARE], reason="긴급 생계 지원")
    overdue.due_at = utcnow() - timedelta(hours=5)
    accepted = make_referral(kim_jobs, agencies[AgencyKind.SELF_SUPPORT])
    referrals.transition(jahwal, accepted, "accept")
    declined = make_referral(kim_jobs, agencies[AgencyKind.WOMEN])
    referrals.transition(women, declined, "decline", decline_reason=DeclineReason.CAPACITY,
                         note="이번 달 정원이 찼습니다")
    in_progress = make_referral(lee_jobs, agencies[AgencyKind.WELFARE])
    referrals.transition(welfare, in_progress, "accept")
    referrals.transition(welfare, in_progress, "start")
    completed = make_referral(lee_jobs, agencies[AgencyKind.SELF_SUPPORT])
    referrals.transition(jahwal, completed, "accept")
    referrals.transition(jahwal, completed, "complete", outcome=Outcome.SERVICE_PROVIDED,
                         note="자활근로 연계")
    cancelled = make_referral(lee_jobs, agencies[AgencyKind.WOMEN])
    referrals.transition(jobs, cancelled, "cancel", note="본인이 원하지 않음")
    received = make_referral(jung_welfare, agencies[AgencyKind.EMPLOYMENT], welfare)
    referrals.mark_received(jobs, received)
    db.session.commit()

    jahwal_case = casework.find_open_case(kim.id, agencies[AgencyKind.SELF_SUPPORT].id)
    casework.hold_conference(jobs, kim, held_on=today, agenda="자활 연계 점검", decisions="주 1회 점검",
                             cases=[kim_jobs, jahwal_case], participants=[jobs, jahwal],
                             actions=[{"description": "근로 의사 확인", "owner_id": jahwal.id,
                                       "due_on": today + timedelta(days=7)}])
    # A withdrawal: 최지원 no longer agrees to the collection of their data.
    withdrawn = next(c for c in choi.consents if c.document.kind == ConsentKind.COLLECTION)
    people.withdraw_consent(desk, withdrawn, "본인 요청")
    db.session.commit()

    make_token(jobs)
    make_token(manager, name="대시보드 연동")
    from centers import tokens
    tokens.revoke_token(manager, tokens.tokens_of(jobs)[0])
    make_token(jobs, name="새 토큰")
    intake.issue_board_token(manager, nam)
    db.session.commit()
    return world


# --- the crawler --------------------------------------------------------------------------------

@dataclass
class Form:
    method: str
    action: str
    fields: list[tuple[str, str]]
    text_fields: list[str]


class PageParser(HTMLParser):
    """The links and forms of one page, with each form's default values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = Form(attrs.get("method", "get").lower(), attrs.get("action", ""), [], [])
            self.forms.append(self._form)
        elif self._form is None or not attrs.get("name"):
            return
        elif tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._form.fields.append((attrs["name"], attrs.get("value", "on" if kind == "checkbox"
                                                                  else "")))
            if kind in ("text", "search"):
                self._form.text_fields.append(attrs["name"])
        elif tag == "select":
            self._select = (attrs["name"], [])
        elif tag == "option" and self._select is not None:
            self._select[1].append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea":
            self._textarea = (attrs["name"], [])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            name, options = self._select
            chosen = next((v for v, selected in options if selected), options[0][0] if options else "")
            if self._form is not None:
                self._form.fields.append((name, chosen))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                self._form.fields.append((self._textarea[0], "".join(self._textarea[1])))
            self._textarea = None


@dataclass
class Crawl:
    role: str
    pages: int = 0
    failures: list[str] = field(default_factory=list)
    refused_links: list[str] = field(default_factory=list)
    post_forms: set[str] = field(default_factory=set)  # the actions of the POST forms shown
    links: set[str] = field(default_factory=set)


class ErrorLog(logging.Handler):
    """Keeps the last line of each exception the app logs, to say why a page answered 500."""

    def __init__(self):
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            self.messages.append(f"{type(error).__name__}: {error}")


def _local(url: str) -> str | None:
    """The path and query of a same-origin URL worth visiting, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
        return None
    path = parts.path or "/"
    if any(path.startswith(skipped) for skipped in SKIPPED_PATHS):
        return None
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return f"{path}?{query}" if query else path


def crawl(client, role: str, errors: ErrorLog) -> Crawl:
    """Breadth-first from ``/``: links, GET forms (defaults, then a search value), redirects."""
    result = Crawl(role)
    queue: deque[tuple[str, str, dict | None, int]] = deque([("GET", "/", None, 0)])
    seen: set[tuple[str, str, tuple]] = set()
    per_endpoint: Counter[str] = Counter()
    urls = client.application.url_map.bind("localhost")
    while queue and result.pages < PAGE_CAP:
        method, url, data, depth = queue.popleft()
        key = (method, url, tuple(sorted((data or {}).items())))
        if key in seen:
            continue
        seen.add(key)
        endpoint = _endpoint(urls, method, url)
        download = any(urlsplit(url).path.endswith(suffix) for suffix in DOWNLOADS)
        if per_endpoint[endpoint] >= (DOWNLOAD_CAP if download else ENDPOINT_CAPS.get(endpoint, PAGE_CAP)):
            continue
        per_endpoint[endpoint] += 1
        errors.messages.clear()
        response = client.open(url, method=method, data=data)
        result.pages += 1
        where = f"{method} {url}" + (f" {data}" if data else "")
        if response.status_code >= 500:
            why = "; ".join(errors.messages) or response.status
            result.failures.append(f"{where} → {response.status_code}: {why}")
            continue
        if response.status_code in (301, 302, 303):
            target = _local(urljoin("http://localhost" + url, response.headers["Location"]))
            if target and urlsplit(target).path == "/login":
                result.failures.append(f"{where} → signed out")
            elif target:
                queue.append(("GET", target, None, depth))
            continue
        if response.status_code >= 400:
            result.refused_links.append(f"{where} → {response.status_code}")
            continue
        suffix = next((s for s in DOWNLOADS if urlsplit(url).path.endswith(s)), None)
        if suffix:
            if not response.content_type.startswith(DOWNLOADS[suffix]):
                result.failures.append(f"{where} → {response.content_type}")
            continue
        if not response.content_type.startswith("text/html"):
            result.failures.append(f"{where} → unexpected {response.content_type}")
            continue
        body = response.get_data(as_text=True)
        shown_error = TEMPLATE_ERROR.search(body)
        if shown_error:
            result.failures.append(f"{where} → template error: {shown_error.group(0)[:120]}")
        page = PageParser()
        page.feed(body)
        base = "http://localhost" + url
        for form in page.forms:
            action = _local(urljoin(base, form.action)) if form.action else url
            if action is None:
                continue
            if form.method == "post":
                result.post_forms.add(urlsplit(action).path)
                if urlsplit(action).path in SEARCH_POSTS and "q" in form.text_fields and depth < MAX_DEPTH:
                    queue.append(("POST", action, dict(form.fields) | SEARCH_TEXT, depth + 1))
                continue
            if depth >= MAX_DEPTH:
                continue
            target = urlsplit(action).path
            queue.append(("GET", _with_query(target, form.fields), None, depth + 1))
            if form.text_fields:
                searched = dict(form.fields) | {name: "청년" for name in form.text_fields}
                queue.append(("GET", _with_query(target, list(searched.items())), None, depth + 1))
        for href in page.links:
            target = _local(urljoin(base, href))
            if target is not None:
                result.links.add(target)
                if depth < MAX_DEPTH:
                    queue.append(("GET", target, None, depth + 1))
    return result


def _endpoint(urls, method: str, url: str) -> str:
    try:
        return urls.match(urlsplit(url).path, method=method)[0]
    except HTTPException:
        return ""


def _with_query(path: str, fields) -> str:
    query = urlencode(sorted((name, value) for name, value in fields if name != "csrf_token"))
    return f"{path}?{query}" if query else path


CRAWLED_ROLES = ("desk", "employment", "welfare", "self_support", "women", "culture", "manager",
                 "admin", "suwon_desk")


def test_every_page_answers_for_every_role(app):
    world = build_world()
    app.jinja_env.undefined = ShownUndefined
    errors = ErrorLog()
    logging.getLogger("hanjari").addHandler(errors)
    results = []
    try:
        for role in CRAWLED_ROLES:
            client = app.test_client()
            assert login(client, world.usernames[role]).status_code == 302
            results.append(crawl(client, role, errors))
    finally:
        logging.getLogger("hanjari").removeHandler(errors)
    counts = ", ".join(f"{r.role} {r.pages}" for r in results)
    print(f"\npages visited per role: {counts}")
    failures = [f"{r.role}: {failure}" for r in results for failure in r.failures]
    refused = [f"{r.role}: {link}" for r in results for link in r.refused_links]
    assert not failures, f"pages visited per role: {counts}\n" + "\n".join(failures)
    assert not refused, f"links that the server refuses ({counts}):\n" + "\n".join(refused)
