"""Every page each demo role reaches, in Chromium at tablet width: axe-core finds no serious
or critical WCAG 2.1 A/AA violation, and nothing scrolls sideways.

Each role signs in and follows the same-origin links from the home page breadth-first, one
page per URL shape (``/cases/17`` and ``/cases/18`` are one page), downloads left out. axe-core
(vendored in tests/e2e/vendor by ``scripts/vendor_krds.sh``, never served by the app) runs
through the DevTools protocol, so the pages keep their Content-Security-Policy; anything the
policy refused is a failure too. ``pytest -s`` prints the pages per role.
"""

import re
from collections import deque
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
ROLES = ("desk", "jobs", "welfare", "jahwal", "manager", "admin")
TABLET = {"width": 768, "height": 1024}
PAGES_PER_ROLE = 45
SKIPPED = re.compile(r"^/(logout|static/|api/)|\.(pdf|xlsx|csv|json)$")
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
    resultTypes: ['violations'],
  });
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                first: v.nodes[0].target.join(' '), summary: v.nodes[0].failureSummary}));
}"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
LINKS = "() => Array.from(document.querySelectorAll('a[href]'), a => a.href)"


def shape(url: str) -> str:
    """The page a URL stands for: numbers and query values do not make a new page."""
    parts = urlsplit(url)
    keys = sorted({key for key, _ in parse_qsl(parts.query)} - {"page"})
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(keys) if keys else "")


def crawl(page, base: str) -> dict[str, dict]:
    """Visit the role's pages; for each, the serious violations and the sideways overflow."""
    seen, found = set(), {}
    queue = deque([f"{base}/"])
    while queue and len(found) < PAGES_PER_ROLE:
        url = queue.popleft()
        key = shape(url)
        if key in seen:
            continue
        seen.add(key)
        response = page.goto(url)
        if response is None or response.status != 200 or "html" not in response.headers.get(
                "content-type", ""):
            continue
        page.evaluate(AXE)
        found[urlsplit(url).path] = {"violations": page.evaluate(RUN_AXE),
                                     "overflow": page.evaluate(OVERFLOW)}
        for link in page.evaluate(LINKS):
            link = urljoin(url, link).split("#")[0]
            if (link.startswith(base) and not SKIPPED.search(urlsplit(link).path)
                    and shape(link) not in seen):
                queue.append(link)
    return found


def test_every_page_passes_axe_and_fits_a_tablet_for_every_role(live_app, browser, sign_in):
    blocked, problems = [], []
    for role in ROLES:
        context = browser.new_context(viewport=TABLET)
        page = context.new_page()
        page.on("console", lambda m: blocked.append(m.text)
                if "Content Security Policy" in m.text else None)
        sign_in(page, live_app, role)
        pages = crawl(page, live_app)
        print(f"{role}: {len(pages)} pages")
        assert len(pages) > 3, role
        for path, result in pages.items():
            problems += [f"{role} {path}: {v['impact']} {v['id']} x{v['nodes']} at {v['first']}: "
                         f"{v['summary']}" for v in result["violations"]]
            if result["overflow"] > 0:
                problems.append(f"{role} {path}: scrolls {result['overflow']} px sideways at 768 px")
        context.close()
    assert not blocked, blocked
    assert not problems, "\n".join(problems)
