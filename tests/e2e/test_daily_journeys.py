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
JOBS, WELFARE = "남양주고용센터", "남양주시 복지지원팀"  # the demo's agencies, found by name: their
# ids depend on what the database handed out before (PostgreSQL keeps counting after a test)


class Watched:
    """Pages opened at one viewport, each checked after every navigation of the journey."""

    def __init__(self, browser, base, sign_in, viewport):
        self.browser, self.base, self.sign_in, self.viewport = browser, base, sign_in, viewport
        self.refused: list[str] = []  # Content-Security-Policy refusals, on any page
        self.too_wide: list[str] = []  # pages that scroll sideways at this width
        self.pages = []

    def page_for(self, username):
        page = self.browser.new_page(viewport=self.viewport)
        self.pages.append(page)
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

    def close(self):
        for page in self.pages:
            page.close()

    def assert_clean(self):
        assert not self.refused, self.refused
        assert not self.too_wide, self.too_wide




def register(desk, base, person):
    """The desk registers a new person (name, birth date, phone) with consent to share with the
    employment centre and the welfare team, and is on the visit form."""
    desk.goto(f"{base}/intake/people/new")
    desk.fill("#name", person[0])
    desk.fill("#birth_date", person[1])
    desk.check("input[name=sex][value=F]")
    desk.fill("#phone", person[2])
    desk.check("input[name=customer_types][value=job_seeker]")
    desk.check("#collection_consent")
    for agency in (JOBS, WELFARE):  # consent to share with both, ticked through its label
        desk.locator("label[for^='third_party_agencies']", has_text=agency).click()
    with desk.expect_navigation():
        desk.click("button[type=submit]:has-text('등록')")
    assert re.search(r"/intake/people/\d+/visits/new$", desk.url), \
        desk.locator("main").inner_text()[:400]


def one_visit_two_agencies_and_a_referral_closed_the_same_day(watched, person):
    base = watched.base
    desk = watched.page_for("desk")
    register(desk, base, person)
    desk.check("input[name=purposes][value=jobs]")
    desk.check("input[name=purposes][value=welfare]")
    # The purposes propose the desks: employment first, then the welfare team.
    assert JOBS in desk.locator("#desk_1 option:checked").inner_text()
    assert WELFARE in desk.locator("#desk_2 option:checked").inner_text()
    with desk.expect_navigation():
        desk.click("button:has-text('번호표 발행')")
    ticket = desk.locator(".ticket-number").inner_text()
    assert re.fullmatch(r"A-\d{3}", ticket)
    plan = desk.locator("main").inner_text()
    assert JOBS in plan and WELFARE in plan

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
    jobs.select_option("#to_agency_id", label=WELFARE)
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


def the_manager_reads_the_dashboard_and_takes_the_month_as_pdf_and_xlsx(watched):
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


def tab_to(page, selector, limit=80):
    """Press Tab until the element matching ``selector`` has the focus (as a keyboard user
    would); fail after ``limit`` presses."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got the focus by Tab")


def the_desk_registers_a_visitor_with_the_keyboard_alone(watched, person):
    desk = watched.page_for("desk")
    desk.goto(f"{watched.base}/intake/people/new")
    assert desk.evaluate("() => document.activeElement.id") == "name"  # the task's first field
    desk.keyboard.type(person[0])
    tab_to(desk, "#birth_date")
    desk.keyboard.type(person[1])
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


#: New people per width (name, birth date, phone), so the second width registers nobody twice.
VISITORS = {"desktop": (("김여정", "880415", "010 2222 3333"), ("이순신", "850302")),
            "tablet": (("박서연", "910722", "010 4444 5555"), ("최민수", "790111"))}


def test_the_daily_journeys_at_a_desktops_and_a_tablets_width(live_app, browser, sign_in):
    """Every journey at both widths on one demo centre: seeding it is most of a browser
    test's time, and the journeys only add to it."""
    for width, (visitor, keyboard_visitor) in VISITORS.items():
        watched = Watched(browser, live_app, sign_in, VIEWPORTS[width])
        one_visit_two_agencies_and_a_referral_closed_the_same_day(watched, visitor)
        the_manager_reads_the_dashboard_and_takes_the_month_as_pdf_and_xlsx(watched)
        the_desk_registers_a_visitor_with_the_keyboard_alone(watched, keyboard_visitor)
        watched.assert_clean()
        watched.close()
