"""A visitor's morning in a real browser: the desk registers them, the lobby board calls them.

Runs headless Chromium through Playwright against the app served on 127.0.0.1. The browser
comes from the system (``/usr/bin/chromium``, installed by .ci/run), never downloaded.
"""

import re


def test_desk_registers_a_visitor_and_the_lobby_board_shows_the_call(live_app, browser, sign_in):
    blocked = []  # what the Content-Security-Policy refused, on any page of the journey

    def watch(page):
        page.on("console", lambda m: blocked.append(m.text)
                if "Content Security Policy" in m.text else None)
        return page

    desk = watch(browser.new_page(viewport={"width": 768, "height": 1024}))
    sign_in(desk, live_app, "desk")
    desk.goto(f"{live_app}/intake/people/new")
    desk.fill("#name", "홍길동")
    desk.fill("#birth_date", "850302")
    desk.check("input[name=sex][value=M]")
    desk.fill("#phone", "010 1234 5678")
    desk.check("input[name=customer_types][value=job_seeker]")
    desk.check("#collection_consent")
    desk.click("button[type=submit]:has-text('등록')")
    desk.check("input[name=purposes][value=jobs]")
    desk.select_option("#desk_1", index=1)
    desk.click("button:has-text('번호표 발행')")
    # The lived-in demo may have served visitors today already: read the number given.
    ticket = desk.locator(".ticket-number").inner_text()
    assert re.fullmatch(r"A-\d{3}", ticket)
    assert desk.locator("text=이런 서비스도 있습니다").is_visible()

    manager = watch(browser.new_page())
    sign_in(manager, live_app, "manager")
    manager.goto(f"{live_app}/intake/board")
    manager.click("button:has-text('새 현황판 주소 만들기')")
    board_url = manager.locator(".alert-success a").get_attribute("href")

    tv = watch(browser.new_page(viewport={"width": 1280, "height": 720}))
    tv.goto(board_url)
    assert ticket not in tv.locator("#calls").inner_text()

    jobs = watch(browser.new_page())
    sign_in(jobs, live_app, "jobs")
    jobs.goto(f"{live_app}/intake/queue")
    row = jobs.locator("tr", has=jobs.locator(f"a:text-is('{ticket}')"))
    with jobs.expect_navigation():  # the call is a form post, answered by a redirect
        row.locator("button:has-text('호출')").click()
    assert jobs.locator("tr", has=jobs.locator(f"a:text-is('{ticket}')")).locator(
        "text=호출").count() >= 1

    # The board updates itself, without a reload, within its 3-second poll.
    tv.locator("#calls", has_text=ticket).wait_for(timeout=10_000)
    assert "홍" not in tv.content()
    assert not blocked, blocked
