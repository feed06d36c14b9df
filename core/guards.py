"""Input no page or API could ever use, refused before it reaches a view or the database.

Each guard answers a 4xx where the request would otherwise end in a 500:

- an id in a URL beyond the database's integer range (``/cases/2147483648``) is simply not
  found;
- a NUL character, which no one can type and PostgreSQL cannot store, in the query string or
  a form;
- a JSON body nested so deeply that parsing it would exhaust the stack, or carrying a NUL;
- a ``page`` number (the pagination argument of every list, pages and API alike) so large
  that its offset overflows the database's integer: there is no such page.
"""

from __future__ import annotations

import json

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.routing import IntegerConverter

# The largest value of an INTEGER primary key on PostgreSQL (and the smallest common range).
MAX_ID = 2**31 - 1
# Deeper than any body the API documents; far below what exhausts Python's stack.
MAX_JSON_DEPTH = 32


class UnusableInput(BadRequest):
    """A request carrying input nobody could have typed; says so in Korean on the 400 page."""

    def __init__(self, user_message: str):
        super().__init__(description=user_message)
        self.user_message = user_message


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` that matches only ids the database can hold, so larger ones are a 404."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002  (werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Install the converter (before any blueprint registers its rules) and the guards."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_unusable_input)


def refuse_unusable_input() -> None:
    """:raise 400: a NUL anywhere in the query or form, or a JSON body too deep or with a NUL.
    :raise 404: a page number beyond any list."""
    fields = [*request.args.items(multi=True), *request.form.items(multi=True)]
    if any("\x00" in name or "\x00" in value for name, value in fields):
        raise UnusableInput(_("입력에 쓸 수 없는 문자(NUL)가 들어 있습니다. 내용을 다시 입력하세요."))
    for name in ("page", "per_page"):
        number = request.args.get(name, "")
        if number.isdigit() and int(number) > MAX_ID:
            raise NotFound()
    if request.is_json and request.content_length:
        _check_json(request.get_data(cache=True))


def _check_json(raw: bytes) -> None:
    try:
        payload = json.loads(raw)
    except RecursionError as error:
        raise UnusableInput(_("JSON 본문이 너무 깊게 중첩되어 있습니다.")) from error
    except ValueError:
        return  # malformed JSON: the API's own parser answers it as a 400 problem
    if _too_deep_or_nul(payload, 0):
        raise UnusableInput(_("JSON 본문이 너무 깊게 중첩되었거나 쓸 수 없는 문자(NUL)가 있습니다."))


def _too_deep_or_nul(value, depth: int) -> bool:
    if depth > MAX_JSON_DEPTH:
        return True
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_too_deep_or_nul(k, depth + 1) or _too_deep_or_nul(v, depth + 1)
                   for k, v in value.items())
    if isinstance(value, list):
        return any(_too_deep_or_nul(item, depth + 1) for item in value)
    return False
