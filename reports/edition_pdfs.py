"""The PDF of a closed edition, drawn once per language and kept (issue 16 point 5).

An edition never changes, and the cover of an issued report is the document's own (its
number, who issued it and when, its remarks: :func:`reports.documents.cover`), so the PDF of
an edition is the same bytes every time it is printed. The first print draws it (WeasyPrint:
a second or more of layout for a dozen pages) and keeps it with a fingerprint of what it was
drawn from; a later print with the same fingerprint sends the kept bytes. Remarks written
later, a new edition, another language or a new version of the print templates or of this
code give another fingerprint: the PDF is drawn again and replaces the kept one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from core.types import utcnow
from reports.documents import Cover
from reports.models import EditionPdf, MonthClosing

#: What the PDF is drawn from besides the edition and its cover, relative to the app's root.
DRAWN_FROM = ("templates/reports", "templates/_print_style.html", "translations", "reports",
              "core/pdf.py", "core/fonts.py")


@cache
def _sources_digest(root: str) -> str:
    """A hash of the print templates, the translations and the code that draws the PDF."""
    digest = hashlib.sha256()
    for name in DRAWN_FROM:
        path = Path(root) / name
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in
                       (".html", ".mo", ".py")) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def fingerprint(cover: Cover, locale: str) -> str:
    text = json.dumps({"cover": asdict(cover), "locale": locale,
                       "sources": _sources_digest(current_app.root_path)},
                      sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def edition_pdf(edition: MonthClosing, cover: Cover, draw: Callable[[], bytes]) -> bytes:
    """The edition's PDF with this cover: the kept bytes when drawn from the same, else
    ``draw()`` (kept for the next print). Flushes; the caller commits."""
    locale = str(get_locale() or "ko")
    wanted = fingerprint(cover, locale)
    kept = db.session.scalar(sa.select(EditionPdf).where(EditionPdf.edition_id == edition.id,
                                                         EditionPdf.locale == locale))
    if kept is not None and kept.fingerprint == wanted:
        return kept.body
    body = draw()
    try:
        with db.session.begin_nested():
            if kept is None:
                kept = EditionPdf(edition_id=edition.id, locale=locale)
                db.session.add(kept)
            kept.fingerprint, kept.body, kept.drawn_at = wanted, body, utcnow()
    except IntegrityError:  # another print kept it first: theirs is drawn from the same
        pass
    return body
