"""The daily journeys of issue 17, in Chromium at a desktop's 1280 px and a tablet's 768 px.

One visitor served by two agencies in one visit: the desk registers them (the purposes propose
the desks) and issues one ticket for two desks; the employment caseworker starts the
consultation, opens a case, records the assessment and refers to the welfare team; the welfare
caseworker accepts, serves the same day and completes; the sender sees it completed. The
manager reads the dashboard and downloads the month's PDF and XLSX. And the registration done
with the keyboard alone.

Every page of a journey must fit the viewport without sideways scrolling and no script or
style may be refused by the Content-Security-Policy.
"""

import re

import pytest

PlaywrightError = pytest.importorskip("playwright.sync_api").Error

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "tablet": {"width": 768, "height": 1024}}


class Watched:
    """Pages opened at one viewport, each checked after every navigation of the journey."""

    def __init__(self, browser, base, sign_in, viewport):
        self.browser, self.base, self.sign_in, self.viewport = browser, base, sign_in, viewport
        self.refused: list[str] = []  # Content-Security-Policy refusals, on any page
        self.too_wide: list[str] = []  # pages that scroll sideways at this width

    def page_for(self, username):
        page = self.browser.new_page(viewport=self.viewport)
        page.on("console", lambda m: self.refused.append(m.text)
                if "Content Security Policy" in m.text else None)
        page.on("load", lambda p: self._measure(p))
        self.sign_in(page, self.base, username)
        return page

    def _measure(self, page):
        try:
            width = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        except PlaywrightError:  # already navigating on (a download link, a redirect): the
            return               # page that follows is measured when it loads
        if width > 0:
            self.too_wide.append(f"{page.url} +{width}px")

    def assert_clean(self):
        assert not self.refused, self.refused
        assert not self.too_wide, self.too_wide


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def watched(request, live_app, browser, sign_in):
    return Watched(browser, live_app, sign_in, VIEWPORTS[request.param])


def register(desk, base, name):
    """The desk registers a new person with consent to share with the employment centre and
    the welfare team; returns the visit form's page."""
    desk.goto(f"{base}/intake/people/new")
    desk.fill("#name", name)
    desk.fill("#birth_date", "880415")
    desk.check("input[name=sex][value=F]")
    desk.fill("#phone", "010 2222 3333")
    desk.check("input[name=customer_types][value=job_seeker]")
    desk.check("#collection_consent")
    desk.check("input[name=third_party_agencies][value='1']")
    desk.check("input[name=third_party_agencies][value='2']")
    with desk.expect_navigation():
        desk.click("button[type=submit]:has-text('등록')")
    assert re.search(r"/intake/people/\d+/visits/new$", desk.url)


def test_one_visit_two_agencies_and_a_referral_closed_the_same_day(watched):
    base = watched.base
    desk = watched.page_for("desk")
    register(desk, base, "김여정")
    desk.check("input[name=purposes][value=jobs]")
    desk.check("input[name=purposes][value=welfare]")
    # The purposes propose the desks: employment first, then the welfare team.
    assert desk.input_value("#desk_1") == "1" and desk.input_value("#desk_2") == "2"
    with desk.expect_navigation():
        desk.click("button:has-text('번호표 발행')")
    ticket = desk.locator(".ticket-number").inner_text()
    assert re.fullmatch(r"A-\d{3}", ticket)
    plan = desk.locator("main").inner_text()
    assert "남양주고용센터" in plan and "남양주시 복지지원팀" in plan

    jobs = watched.page_for("jobs")
    jobs.goto(f"{base}/intake/queue")
    jobs.click(f"a:text-is('{ticket}')")
    with jobs.expect_navigation():
        jobs.click("button:has-text('상담 시작')")
    jobs.click("a:has-text('사례 열기')")
    jobs.fill("#summary", "구직 상담 중 생계 어려움을 말함")
    with jobs.expect_navigation():
        jobs.click("main [type=submit]:has-text('사례 열기'), main input[type=submit][value='사례 열기']")
    assert re.search(r"/cases/\d+$", jobs.url)
    assert jobs.locator("text=사례를 열었습니다.").is_visible()
    jobs.click("summary:has-text('새 조사 기록')")
    jobs.select_option("#rating_employment", "high")
    jobs.select_option("#rating_income", "high")
    with jobs.expect_navigation():
        jobs.click("button:has-text('조사 기록')")
    assert jobs.locator("text=욕구·위기도 조사를 기록했습니다.").is_visible()
    jobs.click("a:has-text('다른 기관에 의뢰')")
    jobs.select_option("#to_agency_id", "2")
    jobs.fill("#reason", "생계가 어려워 긴급복지 상담이 필요합니다.")
    with jobs.expect_navigation():
        jobs.click("main [type=submit]:has-text('의뢰 보내기'), main input[value='의뢰 보내기']")
    referral_url = jobs.url
    assert re.search(r"/referrals/\d+$", referral_url), jobs.locator("main").inner_text()[:300]

    welfare = watched.page_for("welfare")
    welfare.goto(f"{base}/referrals/inbox?view=new")
    referral_id = referral_url.rsplit("/", 1)[1]
    welfare.click(f"main a[href$='/referrals/{referral_id}']")
    with welfare.expect_navigation():
        welfare.click("main button:has-text('수락')")
    with welfare.expect_navigation():
        welfare.click("main button:has-text('진행 시작')")
    welfare.select_option("#outcome", "service_provided")
    with welfare.expect_navigation():
        welfare.click("main button:has-text('완료')")
    assert "완료" in welfare.locator("main").inner_text()

    jobs.goto(referral_url)
    assert "완료" in jobs.locator("main").inner_text()
    watched.assert_clean()


def test_the_manager_reads_the_dashboard_and_takes_the_month_as_pdf_and_xlsx(watched):
    manager = watched.page_for("manager")
    manager.goto(f"{watched.base}/reports/dashboard")
    assert manager.locator("main h1").count() == 1
    manager.goto(f"{watched.base}/reports/monthly")
    assert re.search(r"/reports/monthly/[^/]+/\d{4}-\d{2}$", manager.url)
    # The links as the browser follows them, with its session (the PDF opens in the
    # browser's viewer, the workbook is saved): what comes back is the document itself.
    for link, kind, magic in ((".pdf", "application/pdf", b"%PDF-"),
                              (".xlsx", "spreadsheetml", b"PK")):
        href = manager.locator(f"main a[href*='{link}']").first.get_attribute("href")
        answer = manager.request.get(f"{watched.base}{href}")
        assert answer.status == 200 and kind in answer.headers["content-type"]
        assert answer.body()[:len(magic)] == magic
    watched.assert_clean()


def tab_to(page, selector, limit=80):
    """Press Tab until the element matching ``selector`` has the focus (as a keyboard user
    would); fail after ``limit`` presses."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got the focus by Tab")


def test_the_desk_registers_a_visitor_with_the_keyboard_alone(watched):
    desk = watched.page_for("desk")
    desk.goto(f"{watched.base}/intake/people/new")
    assert desk.evaluate("() => document.activeElement.id") == "name"  # the task's first field
    desk.keyboard.type("이순신")
    tab_to(desk, "#birth_date")
    desk.keyboard.type("850302")
    tab_to(desk, "#sex-0")
    desk.keyboard.press("Space")
    tab_to(desk, "#customer_types-16")  # 구직자
    desk.keyboard.press("Space")
    tab_to(desk, "#collection_consent")
    desk.keyboard.press("Space")
    with desk.expect_navigation():
        desk.keyboard.press("Enter")
    assert re.search(r"/intake/people/\d+/visits/new$", desk.url)
    tab_to(desk, "input[name=purposes][value=jobs]")
    desk.keyboard.press("Space")
    tab_to(desk, "main button[type=submit]")
    with desk.expect_navigation():
        desk.keyboard.press("Enter")
    assert re.fullmatch(r"A-\d{3}", desk.locator(".ticket-number").inner_text())
    watched.assert_clean()
