"""Every page answers, for every role: a crawl from the home page on a database with activity.

Each demo-like role signs in and follows every same-origin link and every GET form (and the
two search boxes, whose terms travel in a POST body), breadth-first to a bounded depth. Any
5xx, any page showing a template error and any link the server then refuses fail the test;
PDF/XLSX/CSV/JSON downloads are checked for their status and content type only.

Then the server side: every state-changing action on every object of the database (case
notes, edits, plan, status steps; visit steps and desks; referral steps; the person's
record and consent; staff, centre and catalogue administration) that no page offered the
role is posted as that role, with data the server would accept from someone allowed; it
must be refused (4xx, or a message) and change nothing: the rows of the tables it would
change are compared before and after, and no statement may have been committed.
``pytest -s`` prints the pages visited and the actions posted per role.
"""

from __future__ import annotations

import logging
import re
import sys
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import sqlalchemy as sa
from jinja2 import Undefined
from werkzeug.exceptions import HTTPException

from appointments import services as booking
from appointments.messaging import send_due
from appointments.models import Appointment, AppointmentStatus
from cases import people
from cases import services as casework
from cases.models import (
    Case,
    CaseNote,
    CaseStatus,
    Client,
    ClientLink,
    ClosureReason,
    Consent,
    ConsentKind,
    ConsentMethod,
    GoalStatus,
    Level,
    NeedDomain,
    NoteKind,
    Priority,
    Sex,
)
from catalogue import services as catalogue
from catalogue.models import CentreService, Service
from centers.models import Addon, Agency, AgencyKind, ApiToken, Centre, Domain, Staff
from core.clock import local_today
from core.extensions import db
from core.holidays import PublicHoliday
from core.roles import Role
from core.types import utcnow
from factories import (
    login,
    make_agency,
    make_case,
    make_centre,
    make_consent_documents,
    make_partner,
    make_referral,
    make_service,
    make_staff,
    make_token,
)
from intake import services as intake
from intake import waiting_board
from intake.models import Visit
from outreach import services as outreach
from outreach.models import OutreachKind, OutreachVisit
from partners.models import Partner
from referrals import outward
from referrals import services as referrals
from referrals.models import DeclineReason, Outcome, PartnerReferral, Referral
from reports.periods import Month

MAX_DEPTH = 4
PAGE_CAP = 400
# A name that is in the database, so results have links (and a reason for the reasoned search).
SEARCH_TEXT = {"q": "김민수", "reason": "크롤 검사: 본인 전화 요청"}
# Search boxes whose terms are personal data travel in a POST body; posting them is a read.
SEARCH_POSTS = ("/intake/", "/cases/", "/appointments/find", "/cases/people/search-with-reason")
SKIPPED_PATHS = ("/logout", "/static/", "/api/")
# Pages worth visiting once or twice per role, not once per object or month: each download
# (a PDF takes a second or two to draw) and the report pages with their charts.
ENDPOINT_CAPS = {"reports.monthly": 2, "reports.national": 2, "outreach.day": 5}
DOWNLOAD_CAP = 1
TEMPLATES = str(Path(__file__).resolve().parent.parent / "templates")
DOWNLOADS = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
    ".json": "application/json",
}
# What the Content-Security-Policy would block: inline script, styles and event handlers.
INLINE_CODE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>|<style\b|\sstyle=|"
                         r"\son[a-z]+=", re.I)
TEMPLATE_ERROR = re.compile(r"\[undefined: [^]]*\]|Traceback \(most recent call last\)|jinja2\.exceptions")


class ShownUndefined(Undefined):
    """Prints ``[undefined: name]`` where one of our templates prints a name it could not
    find (Jinja prints nothing), so the crawl sees it; templates of installed packages keep
    printing undefined names as nothing."""

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
    suwon_desk = db.session.scalar(sa.select(Staff).where(Staff.username == "suwon_desk"))
    make_staff(Role.CASEWORKER, centre=suwon, agency=suwon.agencies[0], username="suwon_jobs")
    make_staff(Role.FRONT_DESK, centre=nam, username="gone", is_active_account=False)
    make_staff(Role.FRONT_DESK, centre=nam, username="newcomer", must_change_password=True)
    jobs, welfare = workers[AgencyKind.EMPLOYMENT], workers[AgencyKind.WELFARE]
    jahwal, women = workers[AgencyKind.SELF_SUPPORT], workers[AgencyKind.WOMEN]

    make_consent_documents(nam, manager)
    make_consent_documents(suwon, make_staff(Role.MANAGER, centre=suwon, username="suwon_manager"))
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
    def person(centre, name: str, *, consent: bool = True, share_with=(), actor=desk, **values):
        """Registered at the desk as the page does, with the consent given on the day."""
        client = people.register_client(actor, centre, {
            "name": name, "birth_date": values.pop("birth_date", date(1985, 3, 2)),
            "sex": Sex.MALE, "customer_types": values.pop("customer_types", []), **values})
        if consent:
            for kind, agency_ids in ((ConsentKind.COLLECTION, None),
                                     (ConsentKind.THIRD_PARTY, [a.id for a in share_with])):
                if kind == ConsentKind.COLLECTION or agency_ids:
                    people.record_consent(actor, client, people.current_document(centre.id, kind),
                                          method=ConsentMethod.WRITTEN, given_on=today,
                                          agency_ids=agency_ids)
        db.session.commit()
        return client

    kim = person(nam, "김민수", phone="+821012345678", customer_types=["youth"], share_with=sharing)
    lee = person(nam, "이영희", share_with=sharing)
    jung = person(nam, "정하나", share_with=sharing)
    person(nam, "박철수", consent=False)
    choi = person(nam, "최지원")
    twin = person(nam, "김민수", birth_date=kim.birth_date)
    person(suwon, "한수원", actor=suwon_desk)
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

    # Bookings: every desk of the first centre takes them; one for today (to check in), one
    # on the next working day (with text messages, one sent to the outbox), one cancelled.
    for agency in nam.visible_agencies():
        booking.set_hours(manager, agency, opens_at=time(9), closes_at=time(17), slot_minutes=30,
                          capacity=2, is_bookable=True)
    next_day = next_bookable_day(agencies[AgencyKind.EMPLOYMENT])
    slots = booking.slots_of(agencies[AgencyKind.EMPLOYMENT], next_day)
    booking.book(desk, agencies[AgencyKind.EMPLOYMENT], kim, slots[0].starts_at,
                 purpose="실업급여 상담", notify_by_sms=True)
    today_booking = booking.book(desk, agencies[AgencyKind.EMPLOYMENT], lee, slots[1].starts_at,
                                 purpose="취업 상담")
    today_booking.day, today_booking.starts_at = today, utcnow() + timedelta(minutes=30)
    gone = booking.book(jobs, agencies[AgencyKind.EMPLOYMENT], jung, slots[2].starts_at,
                        purpose="상담")
    booking.cancel(desk, gone, reason="본인 요청")
    db.session.commit()
    send_due()

    # Outreach: a visit underway with its record (a companion from welfare), one planned for
    # later, one long overdue for its check-out.
    now = utcnow()

    def outreach_visit(case, hours: int, companions=()):
        planned = outreach.plan_visit(
            jobs, case, kind=OutreachKind.HOME, address="남양주시 별내동 1-2",
            purpose="생활 실태 확인", start=now + timedelta(hours=hours, minutes=5),
            end=now + timedelta(hours=hours + 1), companion_ids=[c.id for c in companions])
        db.session.commit()
        return planned

    underway = outreach_visit(kim_jobs, 0, [welfare])
    outreach.step(jobs, underway, "check_in")
    outreach.save_record(jobs, underway, version=underway.version, body="방문 상담함",
                         assessment={"housing": "high", "crisis": "medium"})
    outreach_visit(lee_jobs, 2)
    late = outreach_visit(lee_jobs, 1, [women])
    late.planned_start_at, late.planned_end_at = now - timedelta(hours=5), now - timedelta(hours=3)
    db.session.commit()

    service = db.session.scalar(sa.select(Service).where(Service.name.like("%지원 서비스")))
    mind = make_partner(nam, manager=manager, name="남양주시 정신건강복지센터", contact_name="이마음",
                        services_offered="우울 상담", service_ids=[service.id])
    make_partner(suwon, name="수원시 가족센터")
    # Referrals to that partner: one waiting with a link, one answered and closed.
    waiting = outward.send(jobs, kim_jobs, mind, reason="우울 상담", shared=["needs"],
                           consent_method=ConsentMethod.WRITTEN, consent_given_on=today,
                           consent_confirmed=True)
    outward.issue_link(jobs, waiting)
    answered = outward.send(jobs, lee_jobs, mind, reason="가족 상담", consent_confirmed=True,
                            consent_method=ConsentMethod.ORAL, consent_given_on=today)
    outward.partner_transition(answered, "decline", note="대상 아님",
                               decline_reason=DeclineReason.NOT_ELIGIBLE)
    db.session.commit()

    make_token(jobs)
    make_token(manager, name="대시보드 연동")
    from centers import tokens
    tokens.revoke_token(manager, tokens.tokens_of(jobs)[0])
    make_token(jobs, name="새 토큰")
    waiting_board.issue_board_token(manager, nam)
    db.session.commit()
    return world


def next_bookable_day(agency) -> date | None:
    """The first working day after today the desk takes bookings on (None: it takes none)."""
    for ahead in range(1, 15):
        day = local_today() + timedelta(days=ahead)
        if booking.bookable_day(agency, day):
            return day
    return None


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
    # What the pages offered: the targets of their links and POST forms (path and query).
    offered: set[str] = field(default_factory=set)
    visited: set[str] = field(default_factory=set)
    posted: int = 0  # actions no page offered, posted to check that the server refuses them


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
            if response.headers.get("Cache-Control") != "no-store":
                result.failures.append(f"{where} → download may be cached")
            continue
        if not response.content_type.startswith("text/html"):
            result.failures.append(f"{where} → unexpected {response.content_type}")
            continue
        if method == "GET":
            result.visited.add(url)
        body = response.get_data(as_text=True)
        shown_error = TEMPLATE_ERROR.search(body)
        if shown_error:
            result.failures.append(f"{where} → template error: {shown_error.group(0)[:120]}")
        inline = INLINE_CODE.search(body)
        if inline:
            result.failures.append(f"{where} → inline code the CSP blocks: {inline.group(0)[:60]}")
        if response.headers.get("Cache-Control") != "no-store":
            result.failures.append(f"{where} → may be cached: {response.headers.get('Cache-Control')}")
        page = scan(url, body)
        result.offered |= page.offered
        for action, fields in page.search_posts:
            if depth < MAX_DEPTH:
                queue.append(("POST", action, fields | SEARCH_TEXT, depth + 1))
        if depth >= MAX_DEPTH:
            continue
        for target, fields, text_fields in page.get_forms:
            queue.append(("GET", _with_query(target, fields), None, depth + 1))
            if text_fields:
                searched = dict(fields) | {name: "청년" for name in text_fields}
                queue.append(("GET", _with_query(target, list(searched.items())), None, depth + 1))
        for target in page.links:
            queue.append(("GET", target, None, depth + 1))
    return result


@dataclass
class Scan:
    offered: set[str] = field(default_factory=set)  # link and POST form targets
    links: list[str] = field(default_factory=list)
    get_forms: list[tuple[str, list, list]] = field(default_factory=list)
    search_posts: list[tuple[str, dict]] = field(default_factory=list)


def scan(url: str, body: str) -> Scan:
    """What a page offers: its same-origin links and forms, resolved against its URL."""
    parser = PageParser()
    parser.feed(body)
    base = "http://localhost" + url
    found = Scan()
    for form in parser.forms:
        action = _local(urljoin(base, form.action)) if form.action else url
        if action is None:
            continue
        if form.method == "post":
            found.offered.add(action)
            if urlsplit(action).path in SEARCH_POSTS and "q" in form.text_fields:
                found.search_posts.append((action, dict(form.fields)))
        else:
            found.get_forms.append((urlsplit(action).path, form.fields, form.text_fields))
    for href in parser.links:
        target = _local(urljoin(base, href))
        if target is not None:
            found.offered.add(target)
            found.links.append(target)
    return found


def _endpoint(urls, method: str, url: str) -> str:
    try:
        return urls.match(urlsplit(url).path, method=method)[0]
    except HTTPException:
        return ""


def _with_query(path: str, fields) -> str:
    query = urlencode(sorted((name, value) for name, value in fields if name != "csrf_token"))
    return f"{path}?{query}" if query else path


# --- the server side: an action no page offered is refused, and changes nothing -------------

@dataclass(frozen=True)
class Action:
    url: str  # where its form posts, or the form page a link would have led to
    data: dict
    tables: tuple[str, ...]  # the rows it would change, compared before and after


def state_changing_actions(actor: Staff) -> list[Action]:
    """Every state-changing action on every object in the database, each with data the
    server accepts from someone allowed to act, so that a refusal is about who and when."""
    today = local_today().isoformat()
    actions: list[Action] = []

    def add(url: str, data: dict, *tables: str) -> None:
        actions.append(Action(url, data, tables))

    centres = db.session.scalars(sa.select(Centre).order_by(Centre.id)).all()
    visible = {centre.id: centre.visible_agencies() for centre in centres}
    for case in db.session.scalars(sa.select(Case).order_by(Case.id)):
        base = f"/cases/{case.id}"
        add(f"{base}/notes", {"kind": "counselling", "body": "점검 메모"}, "case_notes", "cases")
        add(f"{base}/edit", {"version": case.version, "priority": "urgent", "summary": "점검 요약",
                             "caseworker_id": case.caseworker_id}, "cases")
        add(f"{base}/goals", {"domain": "housing", "description": "점검 목표", "status": "planned",
                              "service_id": 0}, "plan_goals")
        for goal in case.goals:
            add(f"{base}/goals/{goal.id}/status", {"status": "achieved"}, "plan_goals")
        add(f"{base}/assessments", {"assessed_on": today, "crisis_level": "high", "notes": "점검",
                                    **{f"rating_{d.value}": "high" for d in NeedDomain}}, "assessments")
        for action in casework.CASE_TRANSITIONS:
            add(f"{base}/{action}", {"version": case.version, "reason": "other", "note": "점검"},
                "cases", "case_events")
        others = [a for a in visible[case.centre_id] if a.id != case.agency_id
                  and people.may_share_with(case.client, a.id, local_today())]
        if others:
            add(f"/referrals/new?case_id={case.id}", {
                "to_agency_id": others[-1].id, "service_id": 0, "reason": "점검 의뢰",
                "urgency": "normal", "contact_preference": "phone"}, "referrals")
    for note in db.session.scalars(sa.select(CaseNote).order_by(CaseNote.id)):
        add(f"/cases/notes/{note.id}/edit", {"version": note.version, "kind": note.kind.value,
                                             "body": f"{note.body} (점검)"},
            "case_notes", "case_note_revisions")

    clients = db.session.scalars(sa.select(Client).order_by(Client.id)).all()
    for person in clients:
        base = f"/intake/people/{person.id}"
        add(f"{base}/edit", {"name": person.name, "birth_date": person.birth_date.isoformat(),
                             "sex": person.sex.value, "version": person.version,
                             "address_sigungu": "점검구"}, "clients")
        add(f"{base}/consents/new", {"kind": "collection", "method": "written", "given_on": today},
            "consents")
        other = next((c for c in clients if c.centre_id == person.centre_id and c.id != person.id
                      and not any(person.id in (link.client_id, link.other_client_id)
                                  for link in people.active_links(c))), None)
        if other is not None:
            add(f"{base}/links", {"other_id": other.id, "reason": "점검"}, "client_links")
        first = visible[person.centre_id][0]
        add(f"{base}/visits/new", {"purposes": [first.kind.domain.value], "desk_1": first.id,
                                   "party_size": 1}, "visits")
        add(f"/cases/new?client_id={person.id}", {"priority": "normal", "caseworker_id": actor.id,
                                                  "summary": "점검 사례"}, "cases")
        open_cases = [c.id for c in db.session.scalars(sa.select(Case).where(
            Case.client_id == person.id, Case.status != CaseStatus.CLOSED))]
        add(f"/cases/people/{person.id}/conferences/new", {
            "held_on": today, "agenda": "점검 회의", "case_ids": open_cases,
            "staff_ids": [actor.id]}, "conferences")
    for consent in db.session.scalars(sa.select(Consent).where(Consent.withdrawn_at.is_(None))):
        add(f"/intake/consents/{consent.id}/withdraw", {"note": "점검"}, "consents")
    for link in db.session.scalars(sa.select(ClientLink).where(ClientLink.unlinked_at.is_(None))):
        add(f"/intake/links/{link.id}/unlink", {}, "client_links")

    for visit in db.session.scalars(sa.select(Visit).order_by(Visit.id)):
        base = f"/intake/visits/{visit.id}"
        for action in ("call", "start", "finish", "leave"):
            add(f"{base}/{action}", {}, "visits", "visit_stops")
        planned = {stop.agency_id for stop in visit.open_stops}
        extra = next((a for a in visible[visit.centre_id] if a.id not in planned), None)
        if extra is not None:
            add(f"{base}/stops", {"agency_id": extra.id}, "visits", "visit_stops")
        for stop in visit.stops:
            add(f"{base}/stops/{stop.id}/remove", {}, "visits", "visit_stops")
    agencies = db.session.scalars(sa.select(Agency).order_by(Agency.id)).all()
    for agency in agencies:
        add(f"/intake/agencies/{agency.id}/call-next", {}, "visits", "visit_stops")

    for appointment in db.session.scalars(sa.select(Appointment).order_by(Appointment.id)):
        base = f"/appointments/{appointment.id}"
        add(f"{base}/cancel", {"reason": "점검", "version": appointment.version},
            "appointments", "booking_slots", "messages")
        add(f"{base}/check-in", {}, "appointments", "visits")
        free = [s for s in booking.slots_of(appointment.agency, appointment.day)
                if s.starts_at != appointment.starts_at and s.free]
        if free and appointment.status == AppointmentStatus.BOOKED:
            add(f"{base}/move?day={appointment.day.isoformat()}", {
                "starts_at": free[-1].starts_at.isoformat(), "reason": "점검",
                "version": appointment.version}, "appointments", "booking_slots")
    for person in clients:
        desks = visible[person.centre_id]
        own = next((a for a in desks if a.id == actor.agency_id), desks[0])
        day = next_bookable_day(own)
        free = booking.slots_of(own, day) if day else []
        if free:
            add(f"/appointments/people/{person.id}/new", {
                "starts_at": free[-1].starts_at.isoformat(), "purpose": "점검 예약"},
                "appointments", "booking_slots")

    for referral in db.session.scalars(sa.select(Referral).order_by(Referral.id)):
        assignee = actor.id if actor.agency_id == referral.to_agency_id else db.session.scalar(
            sa.select(Staff.id).where(Staff.agency_id == referral.to_agency_id))
        for action in ("receive", "accept", "decline", "start", "complete", "cancel"):
            add(f"/referrals/{referral.id}/{action}", {
                "assignee_id": assignee, "decline_reason": "other", "outcome": "service_provided",
                "note": "점검"}, "referrals", "referral_events", "cases")
        elsewhere = [a for a in visible[referral.centre_id]
                     if a.id not in (referral.from_agency_id, referral.to_agency_id)]
        if elsewhere:
            add(f"/referrals/{referral.id}/resend", {"to_agency_id": elsewhere[0].id}, "referrals")

    signature = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUl"
                 "EQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    for case in db.session.scalars(sa.select(Case).order_by(Case.id)):
        add("/outreach/new", {"case_id": case.id, "kind": "home", "address": "점검 주소",
                              "purpose": "점검 방문", "day": today, "start": "23:58",
                              "end": "23:59"},
            "outreach_visits", "outreach_companions")
    for trip in db.session.scalars(sa.select(OutreachVisit).order_by(OutreachVisit.id)):
        base = f"/outreach/{trip.id}"
        for slug in ("check-in", "check-out", "cancel"):
            add(f"{base}/{slug}", {"reason": "점검"}, "outreach_visits")
        add(f"{base}/record", {"version": trip.version, "body": "점검 방문 메모",
                               "item_housing": "low"}, "outreach_visits", "case_notes")
        add(f"{base}/consent", {"signature": signature}, "consents", "outreach_visits")
        add(f"{base}/photos", {"document_type": "other"}, "outreach_photos")

    for member in db.session.scalars(sa.select(Staff).order_by(Staff.id)):
        add(f"/staff/{member.id}", {"role": "manager" if member.role == Role.FRONT_DESK else "front_desk",
                                    "agency_id": 0}, "staff")
        add(f"/staff/{member.id}/reset-password", {}, "staff", "api_tokens", "enrolment_codes")
        add(f"/staff/{member.id}/active", {"active": "0" if member.is_active_account else "1"},
            "staff", "api_tokens")
    for token in db.session.scalars(sa.select(ApiToken).where(ApiToken.revoked_at.is_(None))):
        add(f"/staff/{token.staff_id}/api-tokens/{token.id}/revoke", {}, "api_tokens")
        add(f"/account/api-tokens/{token.id}/revoke", {}, "api_tokens")
    add("/staff/new", {"username": "checker", "display_name": "점검", "role": "front_desk",
                       "centre_id": centres[0].id, "agency_id": 0}, "staff", "enrolment_codes")

    listed = {(o.centre_id, o.service_id) for o in db.session.scalars(sa.select(CentreService))}
    service_ids = db.session.scalars(sa.select(Service.id).order_by(Service.id)).all()
    for centre in centres:
        base = f"/centres/{centre.id}"
        add(f"{base}/edit", {"code": centre.code, "name": f"{centre.name} 점검", "sido": centre.sido,
                             "sigungu": centre.sigungu}, "centres")
        add(f"{base}/addons", {"addon": [addon.value for addon in Addon]}, "centre_addons")
        add(f"{base}/rrn", {"rrn_enabled": "y", "rrn_legal_basis": "고용보험법 시행령 제145조의2"},
            "centres")
        add(f"{base}/time-targets", {"assessment_due_days": 5, "plan_due_days": 21}, "centres")
        add(f"{base}/agencies/new", {"kind": "other", "name": "점검 기관",
                                     "response_target_hours": 16, "is_active": "y"}, "agencies")
        unlisted = next((sid for sid in service_ids if (centre.id, sid) not in listed), None)
        if unlisted is not None:
            add(f"{base}/services", {"service_id": unlisted, "agency_id": 0, "desk": ""},
                "centre_services")
    for offer in db.session.scalars(sa.select(CentreService).order_by(CentreService.id)):
        prefix = f"offer{offer.id}-"
        add(f"/centres/{offer.centre_id}/services/{offer.id}", {
            f"{prefix}service_id": offer.service_id, f"{prefix}agency_id": 0,
            f"{prefix}desk": "점검 창구"}, "centre_services")
        add(f"/centres/{offer.centre_id}/services/{offer.id}/remove", {}, "centre_services")
    for agency in agencies:
        add(f"/agencies/{agency.id}/edit", {"kind": agency.kind.value, "name": f"{agency.name} 점검",
                                            "response_target_hours": 8, "is_active": "y"}, "agencies")
    add("/centres/new", {"code": "checker", "name": "점검 센터", "sido": "서울특별시",
                         "sigungu": "중구"}, "centres")
    for service_id in service_ids:
        add(f"/services/{service_id}/edit", {"name": "점검 서비스명", "domain": "jobs",
                                            "is_active": "y"}, "services")
    add("/services/new", {"name": "점검 서비스", "domain": "jobs", "is_active": "y"},
        "services", "centre_services")
    for kind in ConsentKind:
        add(f"/intake/consent-documents/{kind.value}/new", {
            "title": "점검 동의서", "purpose": "점검", "items": "이름", "retention": "3년",
            "refusal_notice": "거부할 수 있습니다."}, "consent_documents")
    add("/intake/board", {}, "waiting_boards")
    for agency in agencies:
        add(f"/appointments/hours/{agency.id}", {"opens_at": "08:00", "closes_at": "12:00",
                                                 "slot_minutes": 20, "capacity": 3,
                                                 "is_bookable": "y"}, "booking_hours")
    add(f"/audit/{Month.of(local_today()).previous().key}/sign-off", {"remark": "점검"},
        "access_reviews")
    for centre in centres:
        last = Month.of(local_today()).previous().key
        add(f"/reports/monthly/{centre.code}/{last}/close", {}, "report_closings")
        add(f"/reports/monthly/{centre.code}/{last}/correct", {"reason": "점검"}, "report_closings")
    last_month = Month.of(local_today()).previous()
    for centre in centres:
        add(f"/reports/monthly/{centre.code}/{last_month}/remarks", {"remarks": "점검 비고"},
            "report_documents")
    add(f"/reports/national/{last_month}/remarks", {"remarks": "점검 비고"}, "report_documents")
    add(f"/reports/targets?year={last_month.year}", {"visits_year": "1200", "visits_3": "90"},
        "report_targets")
    add("/reports/addressee", {"recipient": "점검 수신", "sender": "점검 발신"},
        "report_addressees")
    add("/partners/new", {"name": "점검 기관", "kind": "other", "response_target_hours": 16},
        "partners")
    partner_ids = db.session.scalars(sa.select(Partner.id).where(Partner.is_active)).all()
    for case in db.session.scalars(sa.select(Case).order_by(Case.id)):
        add(f"/referrals/partner/new?case_id={case.id}", {
            "partner_id": partner_ids[0], "service_id": 0, "reason": "점검 의뢰", "urgency": "normal",
            "contact_preference": "phone", "consent_method": "written", "consent_given_on": today,
            "consent_confirmed": "y"}, "partner_referrals", "partner_links")
    for referral in db.session.scalars(sa.select(PartnerReferral).order_by(PartnerReferral.id)):
        for step in ("link", "revoke", "cancel", "withdraw"):
            add(f"/referrals/partner/{referral.id}/{step}", {"note": "점검"},
                "partner_referrals", "partner_links", "partner_referral_events")
    for partner in db.session.scalars(sa.select(Partner).order_by(Partner.id)):
        add(f"/partners/{partner.id}/edit", {"name": f"{partner.name} 점검", "kind": "other",
                                             "response_target_hours": 16}, "partners")
        add(f"/partners/{partner.id}/api_key", {}, "partners")
        add(f"/partners/{partner.id}/revoke_api_key", {}, "partners")
        add(f"/partners/{partner.id}/webhook", {"url": "https://example.org/hooks"}, "partners")
    add("/referrals/holidays", {"day": "2027-07-17", "name": "점검일"}, "public_holidays")
    holiday = db.session.scalar(sa.select(PublicHoliday.day).order_by(PublicHoliday.day))
    add(f"/referrals/holidays/{holiday.isoformat()}/delete", {}, "public_holidays")
    db.session.rollback()
    return actions


def object_pages() -> list[str]:
    """The page of each object, where its actions are offered (fetched if the crawl did not)."""
    ids = {model: db.session.scalars(sa.select(model.id).order_by(model.id)).all()
           for model in (Case, Client, Visit, Referral, Staff, Centre, Service, Agency, Partner,
                         OutreachVisit, Appointment)}
    pages = ["/staff", "/centres", "/services", "/account/api-tokens", "/intake/consent-documents",
             "/intake/board", "/referrals/holidays", "/intake/queue", "/appointments/",
             "/appointments/hours", "/appointments/messages", "/appointments/find"]
    pages += [page for i in ids[Appointment]
              for page in (f"/appointments/{i}", f"/appointments/{i}/move")]
    pages += [f"/cases/{i}" for i in ids[Case]] + [f"/intake/visits/{i}" for i in ids[Visit]]
    pages += [f"/referrals/{i}" for i in ids[Referral]] + [f"/staff/{i}" for i in ids[Staff]]
    pages += [page for i in ids[Client] for page in (f"/intake/people/{i}", f"/cases/people/{i}")]
    pages += [page for i in ids[Centre] for page in (f"/centres/{i}", f"/centres/{i}/services")]
    pages += [f"/services/{i}" for i in ids[Service]] + ["/partners"]
    pages += [f"/partners/{i}" for i in ids[Partner]] + ["/referrals/partner"]
    pages += [f"/referrals/partner/{i}" for i in
              db.session.scalars(sa.select(PartnerReferral.id).order_by(PartnerReferral.id))]
    pages += [page for i in ids[OutreachVisit] for page in (f"/outreach/{i}", f"/outreach/{i}/record")]
    pages += [f"/intake/queue?agency={i}" for i in ids[Agency]]
    db.session.rollback()
    return pages


class Writes:
    """The tables that committed statements wrote to (the access log aside, which records
    reads too): the database's own account of whether a request changed anything."""

    STATEMENT = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)

    def __init__(self, engine):
        self.engine = engine
        self.pending: set[str] = set()
        self.committed: set[str] = set()
        self._listeners = (("before_cursor_execute", self._statement),
                           ("commit", self._commit), ("rollback", self._rollback))

    def __enter__(self):
        for name, listener in self._listeners:
            sa.event.listen(self.engine, name, listener)
        return self

    def __exit__(self, *_exc):
        for name, listener in self._listeners:
            sa.event.remove(self.engine, name, listener)

    def _statement(self, _conn, _cursor, statement, *_args):
        match = self.STATEMENT.match(statement)
        if match and match.group(1) != "audit_events":
            self.pending.add(match.group(1))

    def _commit(self, _conn):
        self.committed |= self.pending
        self.pending = set()

    def _rollback(self, _conn):
        self.pending = set()


class Rows:
    """Every row of the tables an action would change, remembered between two actions (one
    that was refused changed nothing; after one that did, everything is read again)."""

    def __init__(self):
        self.known: dict[str, tuple] = {}

    def read(self, name: str) -> tuple:
        table = db.metadata.tables[name]
        rows = tuple(db.session.execute(sa.select(table).order_by(*table.primary_key)).all())
        db.session.rollback()
        return rows

    def before(self, tables: tuple[str, ...]) -> dict[str, tuple]:
        for name in tables:
            if name not in self.known:
                self.known[name] = self.read(name)
        return {name: self.known[name] for name in tables}

    def changed(self, tables: tuple[str, ...], before: dict[str, tuple]) -> list[str]:
        after = {name: self.read(name) for name in tables}
        if after != before:
            self.known = after
        return [name for name in tables if after[name] != before[name]]


def _offered(action: Action, offered: set[str]) -> bool:
    if "?" not in action.url:
        return action.url in offered
    return any(url == action.url or url.startswith(action.url + "&") for url in offered)


def _refusal_shown(client, response) -> bool:
    """Did the server say no: a 4xx, or a message other than success (flashed or on the page)?"""
    if 400 <= response.status_code < 500:
        return True
    if response.status_code in (302, 303):
        with client.session_transaction() as session:
            flashes = session.pop("_flashes", [])
        return any(category != "success" for category, _message in flashes)
    body = response.get_data(as_text=True)
    return response.status_code == 200 and any(
        mark in body for mark in ("alert-danger", "alert-warning", "invalid-feedback"))


def check_hidden_actions(client, actor: Staff, result: Crawl) -> int:
    """POST every action no page offered to ``actor``; each must be refused and change
    nothing. Returns how many were posted; problems go to ``result.failures``."""
    for url in object_pages():
        if url in result.visited:
            continue
        response = client.get(url)
        if response.status_code == 200 and response.content_type.startswith("text/html"):
            result.offered |= scan(url, response.get_data(as_text=True)).offered
    posted = 0
    rows = Rows()
    with Writes(db.engine) as writes:
        for action in state_changing_actions(actor):
            if _offered(action, result.offered):
                continue
            before = rows.before(action.tables)
            writes.committed.clear()
            response = client.post(action.url, data=action.data)
            posted += 1
            if response.status_code >= 500:
                result.failures.append(f"POST {action.url} → {response.status_code}")
                continue
            location = response.headers.get("Location", "")
            if urlsplit(location).path == "/login":
                result.failures.append(f"POST {action.url} (not offered) signed the user out")
                break
            changed = sorted(set(rows.changed(action.tables, before)) | writes.committed)
            if changed or not _refusal_shown(client, response):
                what = f"changed {', '.join(changed)}" if changed else "was not refused"
                result.failures.append(f"POST {action.url} (not offered) {what}: "
                                       f"{response.status_code} {location}")
                rows.known.clear()
    return posted


CRAWLED_ROLES = ("desk", "employment", "welfare", "self_support", "women", "culture", "manager",
                 "admin", "suwon_desk")


def test_every_page_answers_and_every_action_it_hides_is_refused_for_every_role(app):
    world = build_world()
    app.jinja_env.undefined = ShownUndefined
    errors = ErrorLog()
    logging.getLogger("hanjari").addHandler(errors)
    results = []
    try:
        for role in CRAWLED_ROLES:
            client = app.test_client()
            assert login(client, world.usernames[role]).status_code == 302
            result = crawl(client, role, errors)
            actor = db.session.scalar(sa.select(Staff).where(Staff.username == world.usernames[role]))
            result.posted = check_hidden_actions(client, actor, result)
            results.append(result)
    finally:
        logging.getLogger("hanjari").removeHandler(errors)
    counts = ("pages visited per role: " + ", ".join(f"{r.role} {r.pages}" for r in results)
              + "\nhidden actions posted per role: "
              + ", ".join(f"{r.role} {r.posted}" for r in results))
    print("\n" + counts)
    failures = [f"{r.role}: {failure}" for r in results for failure in r.failures]
    failures += [f"{r.role}: a link the server refuses: {link}"
                 for r in results for link in r.refused_links]
    assert not failures, counts + "\n" + "\n".join(failures)


def test_the_pages_open_to_someone_signed_out_answer(app):
    """Sign-in and enrolment are the pages a signed-out browser reaches; each answers and
    links only to the other (and the home page, which leads to sign-in)."""
    client = app.test_client()
    app.jinja_env.undefined = ShownUndefined
    for url in ("/login", "/enrol"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not TEMPLATE_ERROR.search(response.text), url
        links = {link for link in scan(url, response.text).links if not link.startswith("/static/")}
        assert links <= {"/", "/login", "/enrol"}, links
    refused = client.post("/enrol", data={"username": "nobody", "code": "x", "new": "y" * 12,
                                          "confirm": "y" * 12})
    assert refused.status_code == 200 and "등록 코드" in refused.text
