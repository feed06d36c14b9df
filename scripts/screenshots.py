"""Screenshots of the main screens from the demo, at 1280 px (desk PC) and 768 px (tablet).

Run against a server with the demo data (``flask --app app seed-demo`` then ``flask --app app
run``); it signs in as the demo accounts with the demo password and writes PNG files into
docs/screenshots/. Uses the system Chromium (``/usr/bin/chromium``) through Playwright, never a
downloaded browser. Usage::

    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:5000] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

PASSWORD = "demo-pass-2026"
WIDTHS = (1280, 768)
# (file name, account, path): the screens each role works in all day.
SCREENS = (
    ("login", None, "/login"),
    ("home-desk", "desk", "/"),
    ("register", "desk", "/intake/people/new"),
    ("queue", "desk", "/intake/queue?agency=0"),
    ("inbox", "jobs", "/referrals/inbox"),
    ("caseload", "welfare", "/cases/"),
    ("dashboard", "manager", "/reports/dashboard"),
    ("monthly", "manager", "/reports/monthly"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox"])
        for width in WIDTHS:
            contexts = {}
            for name, account, path in SCREENS:
                if account not in contexts:
                    contexts[account] = browser.new_context(viewport={"width": width, "height": 900})
                    if account:
                        page = contexts[account].new_page()
                        page.goto(f"{args.base}/login")
                        page.fill("#username", account)
                        page.fill("#password", PASSWORD)
                        page.click("button[type=submit], input[type=submit]")
                        page.close()
                page = contexts[account].new_page()
                page.goto(f"{args.base}{path}")
                target = out / f"{name}-{width}.png"
                page.screenshot(path=str(target), full_page=False)
                print(target)
                page.close()
            for context in contexts.values():
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
