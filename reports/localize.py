"""A closed month's edition in the reader's language.

An edition is stored once, in Korean: closing builds the report in Korean whoever closes it
(:func:`korean`), so every label, title, column, note and definition it keeps is the Korean
source text of a message, which is the key of that message in the translation catalogue
(``translations/*/messages.po``). Only the values and the data (centre, agency, service and
staff names, which stay as written) are not messages.

Reading an edition for someone who reads English, :func:`localized` swaps each stored text
for its translation at display time: a plain message by catalogue lookup; a message made
from a pattern with values ("%(n)d곳", "부가 서비스: %(name)s", the cases note with the
centre's due days) by matching the stored text against the catalogue's patterns and
formatting the English pattern with the same values (a value that is itself a message,
such as an add-on's name, is translated too). A text that is no message (a name) is kept as
it was. Editions stored before this change are the same Korean texts, so they read the same
way; the API keeps its shape, with the labels in the reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from flask_babel import force_locale, get_locale, get_translations

SOURCE_LANGUAGE = "ko"
_PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")


@contextmanager
def korean() -> Iterator[None]:
    """Build what is stored in Korean, the catalogue's source language, whoever asks."""
    with force_locale(SOURCE_LANGUAGE):
        yield


def reading_source_language() -> bool:
    locale = get_locale()
    return locale is None or locale.language == SOURCE_LANGUAGE


def _catalogue() -> dict:
    return getattr(get_translations(), "_catalog", {}) or {}


@lru_cache(maxsize=8)
def _patterns(language: str, size: int) -> list[tuple[re.Pattern, str, dict[str, str]]]:
    """The catalogue's messages with placeholders, as anchored regular expressions (longest
    first, so the most specific pattern wins)."""
    found = []
    for msgid, msgstr in _catalogue().items():
        if not isinstance(msgid, str) or "%(" not in msgid or not msgstr:
            continue
        kinds: dict[str, str] = {}
        parts, last = [], 0
        for match in _PLACEHOLDER.finditer(msgid):
            parts.append(re.escape(msgid[last:match.start()].replace("%%", "%")))
            name, kind = match.groups()
            if name in kinds:  # the same value twice: match it as written the second time
                parts.append(f"(?P={name})")
            else:
                parts.append(f"(?P<{name}>-?[0-9]+)" if kind == "d" else f"(?P<{name}>.+?)")
                kinds[name] = kind
            last = match.end()
        parts.append(re.escape(msgid[last:].replace("%%", "%")))
        if kinds:
            found.append((re.compile("".join(parts) + r"\Z", re.S), msgstr, kinds))
    found.sort(key=lambda item: -len(item[0].pattern))
    return found


@lru_cache(maxsize=4096)
def _translate(language: str, size: int, text: str) -> str:
    catalogue = _catalogue()
    exact = catalogue.get(text)
    if exact:
        return exact
    for pattern, msgstr, kinds in _patterns(language, size):
        match = pattern.match(text)
        if match is None:
            continue
        values = {name: int(value) if kinds[name] == "d"
                  else _translate(language, size, value)
                  for name, value in match.groupdict().items()}
        try:
            return msgstr % values
        except (KeyError, TypeError, ValueError):
            continue
    return text


def translate(text):
    """A stored Korean text in the reader's language (itself when it is no message)."""
    if not isinstance(text, str) or not text or reading_source_language():
        return text
    return _translate(str(get_locale()), len(_catalogue()), text)


def _row(row):
    return None if row is None else [translate(cell) for cell in row]


def localized(data: dict) -> dict:
    """An edition's stored report (``MonthClosing.report``) with its labels in the reader's
    language; the stored dict itself is left as it is."""
    if reading_source_language():
        return data
    return {
        **data,
        "headlines": [{**h, "label": translate(h["label"])} for h in data["headlines"]],
        "sections": [{
            **s, "title": translate(s["title"]), "note": translate(s["note"]),
            "figures": [{**f, "label": translate(f["label"])} for f in s["figures"]],
            "tables": [{**t, "title": translate(t["title"]), "columns": _row(t["columns"]),
                        "rows": [_row(r) for r in t["rows"]], "footer": _row(t.get("footer"))}
                       for t in s["tables"]],
            "charts": [{**c, "title": translate(c["title"]), "labels": _row(c["labels"]),
                        "category_axis": translate(c.get("category_axis", "")),
                        "value_axis": translate(c.get("value_axis", ""))}
                       for c in s["charts"]],
            **({"data": [{**d, "label": translate(d.get("label"))} for d in s["data"]]}
               if s.get("data") else {}),
        } for s in data["sections"]],
        "definitions": [[translate(label), translate(text)]
                        for label, text in data.get("definitions", [])],
        # The charts were drawn in Korean when the edition was stored: draw them again.
        "images": {},
    }
