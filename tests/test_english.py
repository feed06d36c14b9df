"""The whole interface in English: a crawl of the demo in English finds no Hangul in the
chrome (menu, headings, buttons, labels, table headers, legends, page titles).

Person and organisation data (names, agencies, services, notes) stays as it was written: every
string the database holds is taken out of the page's chrome before it is looked at, and so
are masked names (``홍*동``) and official Korean names given in brackets after their English
("Family centre (건강가정지원센터)").
"""

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urlsplit

import sqlalchemy as sa

from core.extensions import db

HANGUL = re.compile(r"[\uac00-\ud7a3]+")
CHROME = {"nav", "h1", "h2", "h3", "h4", "h5", "h6", "button", "label", "th", "legend",
          "summary", "title"}
SKIPPED = re.compile(r"\.(pdf|xlsx|csv|json)$|^/(logout|static/|api/)")
PAGES_PER_ROLE = 40


class Chrome(HTMLParser):
    """The text inside the chrome elements, and the page's same-site links."""

    def __init__(self):
        super().__init__()
        self.open, self.text, self.links = [], [], []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") or ""
        if tag == "a" and href.startswith("/"):
            self.links.append(href.split("#")[0])
        if tag in CHROME:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            self.open.remove(tag)

    def handle_data(self, data):
        if self.open:
            self.text.append(data)


def database_strings() -> list[str]:
    """Every Hangul string the database holds, longest first."""
    found = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, sa.String)]
        if columns:
            for row in db.session.execute(sa.select(*columns)):
                found.update(v for v in row if isinstance(v, str) and HANGUL.search(v))
    return sorted(found, key=len, reverse=True)


def test_every_page_in_english_has_no_korean_in_its_chrome(app, runner):
    assert runner.invoke(args=["seed-demo", "--password", "demo-pass-2026"]).exit_code == 0
    data = database_strings()
    untranslated, pages = [], 0
    for role in ("desk", "jobs", "manager", "admin"):
        client = app.test_client()
        assert client.post("/login", data={"username": role, "password": "demo-pass-2026"}
                           ).status_code == 302
        client.post("/account/locale", data={"locale": "en", "next": "/"})
        seen, queue = set(), deque(["/"])
        while queue and len(seen) < PAGES_PER_ROLE:
            url = queue.popleft()
            if url in seen or SKIPPED.search(urlsplit(url).path):
                continue
            seen.add(url)
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            pages += 1
            page = Chrome()
            page.feed(response.get_data(as_text=True))
            text = " ".join(page.text)
            for value in data:
                text = text.replace(value, " ")
            text = re.sub(r"\S*\*\S*", " ", text)  # masked names
            text = re.sub(r"\([\uac00-\ud7a3·\s]+\)", " ", text)  # an official name quoted
            untranslated += [f"{role} {urlsplit(url).path}: {word}" for word in HANGUL.findall(text)]
            queue.extend(page.links)
    assert pages > 60
    assert not untranslated, "\n".join(sorted(set(untranslated))[:50])
