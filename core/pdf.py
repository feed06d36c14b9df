"""One helper renders a template to PDF with WeasyPrint.

Only the app's own files reach the PDF: the URL fetcher refuses ``file://``, ``http(s)://``
and every other address, except the app's static fonts and images and the Korean font of
:mod:`core.fonts`, which it reads from disk. Charts come inline as ``data:`` URIs.

Every PDF is a tagged PDF (structure tree and ``/MarkInfo``, WeasyPrint's ``pdf_tags``), so a
screen reader reads headings, tables and the reading order; its language (``/Lang``) is the
reader's, from ``<html lang="{{ pdf_lang }}">``, its title the template's ``<title>``, which a
viewer shows instead of the file name (``/DisplayDocTitle``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pydyf
from flask import current_app, render_template
from flask_babel import get_locale
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from core.fonts import FONT_FILE, korean_font_path

#: The origin templates are resolved against; no request ever goes to it.
BASE_URL = "https://hanjari.internal/"
FONT_URL = BASE_URL + "fonts/" + FONT_FILE
STATIC_DIRECTORIES = ("fonts", "images")
MIME_TYPES = {".otf": "font/otf", ".ttf": "font/ttf", ".woff2": "font/woff2", ".png": "image/png",
              ".svg": "image/svg+xml", ".jpg": "image/jpeg"}


class RefusedURL(ValueError):
    """The PDF asked for something that is not one of the app's own files."""


class AppFilesOnly(URLFetcher):
    """Serves ``data:`` URIs, the Korean font and ``/static/fonts|images/…``; refuses the rest."""

    def __init__(self, static_folder: str):
        super().__init__(allowed_protocols=("data", "https"))
        self.static_folder = Path(static_folder).resolve()

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = self.local_path(url)
        return URLFetcherResponse(url, path.read_bytes(),
                                  {"Content-Type": MIME_TYPES.get(path.suffix, "")})

    def local_path(self, url: str) -> Path:
        """:raise RefusedURL: anything but the font or a file of the allowed static folders."""
        if url == FONT_URL:
            return korean_font_path()
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}/" == BASE_URL and parts.path.startswith("/static/"):
            relative = parts.path.removeprefix("/static/")
            candidate = (self.static_folder / relative).resolve()
            if (relative.split("/", 1)[0] in STATIC_DIRECTORIES
                    and candidate.is_relative_to(self.static_folder) and candidate.is_file()):
                return candidate
        raise RefusedURL(f"not one of the app's files: {url}")


def render_pdf(template: str, **context) -> bytes:
    """Render ``template`` (HTML for print, with ``@page`` rules) to PDF bytes."""
    html = render_template(template, font_url=FONT_URL, pdf_lang=str(get_locale() or "ko"), **context)
    fonts = FontConfiguration()
    document = HTML(string=html, base_url=BASE_URL,
                    url_fetcher=AppFilesOnly(current_app.static_folder))
    return document.write_pdf(font_config=fonts, pdf_tags=True, finisher=_show_title)


def _show_title(document, pdf) -> None:
    """Ask viewers to show the document's title, not its file name (PDF/UA asks for it)."""
    pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})
