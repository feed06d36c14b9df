"""Errors of the JSON API as problem details (RFC 9457), in Korean.

Every error under ``/api/`` is ``application/problem+json`` with a stable ``type`` (a URN
that clients may switch on; the list is :data:`TYPES`), a Korean ``title`` and ``detail``,
the ``status``, and the ``request_id`` that is also in the server's log. Validation errors
(422) list each field's problem in ``errors``: ``{"field", "detail"}`` plus a JSON
``pointer`` into the body or the query ``parameter``.

A service's refusal (a ``ValueError`` subclass with a message for the user) becomes a problem
through :func:`refusals`; which class means which status is the table :data:`REFUSALS`, which
other features extend with :func:`register_refusal`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any, TypeVar

from flask import g, jsonify
from werkzeug.exceptions import HTTPException, NotFound

from cases.people import ClientConflict, ClientError
from cases.services import CaseConflict, CaseError, CaseNotAllowed, CaseStateError
from centers.accounts import AccountError
from core.errors import NotAllowedError
from core.extensions import db
from intake.services import VisitConflict, VisitError, VisitNotAllowed, VisitStateError

MEDIA_TYPE = "application/problem+json"
_BASE = "urn:hanjari:problem:"

# type slug -> (status, Korean title). The slugs are part of the API's contract.
TYPES: dict[str, tuple[int, str]] = {
    "bad-request": (400, "요청을 읽을 수 없습니다."),
    "unauthorized": (401, "인증이 필요합니다."),
    "forbidden": (403, "이 작업을 할 권한이 없습니다."),
    "not-found": (404, "찾는 자료가 없거나 볼 수 없습니다."),
    "method-not-allowed": (405, "이 주소에서 쓸 수 없는 방법입니다."),
    "not-acceptable": (406, "응답 형식을 맞출 수 없습니다."),
    "state-conflict": (409, "지금 상태에서는 할 수 없는 처리입니다."),
    "version-conflict": (409, "그사이 다른 사람이 먼저 바꾸었습니다."),
    "duplicate-person": (409, "이미 등록된 사람일 수 있습니다."),
    "precondition-failed": (412, "If-Match의 버전이 지금 버전과 다릅니다."),
    "payload-too-large": (413, "요청이 너무 큽니다."),
    "unsupported-media-type": (415, "JSON(application/json)으로 보내세요."),
    "validation": (422, "입력한 값에 문제가 있습니다."),
    "rule-violation": (422, "규칙에 맞지 않아 처리하지 않았습니다."),
    "idempotency-key-reused": (422, "같은 Idempotency-Key로 다른 내용을 보냈습니다."),
    "precondition-required": (428, "버전을 함께 보내야 합니다."),
    "too-many-requests": (429, "요청이 너무 많습니다. 잠시 후 다시 하세요."),
    "server-error": (500, "서버에서 오류가 났습니다. 요청 번호와 함께 관리자에게 알려 주세요."),
    "unavailable": (503, "지금은 서비스를 할 수 없습니다. 잠시 후 다시 하세요."),
}
_TYPE_BY_STATUS = {status: slug for slug, (status, _title) in reversed(list(TYPES.items()))}

DETAILS = {
    "unauthorized": "Authorization: Bearer 헤더로 유효한 API 토큰을 보내세요. "
                    "토큰은 직원 정보 화면의 'API 토큰'에서 만듭니다.",
    "not-found": "주소의 번호를 확인하세요. 다른 센터의 자료는 보이지 않습니다.",
    "bad-request": "요청 본문이 올바른 JSON이 아닙니다.",
    "validation": "errors에 적힌 항목을 고쳐 다시 보내세요.",
    "precondition-failed": "자료를 다시 읽어 최신 ETag로 보내세요.",
    "precondition-required": "If-Match 헤더(ETag)나 본문의 version으로 읽었던 버전을 보내세요.",
}


def type_uri(slug: str) -> str:
    return _BASE + slug


class Problem(HTTPException):
    """An error that already knows its problem type, detail and extra members."""

    def __init__(self, slug: str, detail: str | None = None, *, headers: dict | None = None,
                 **extra: Any):
        status, _title = TYPES[slug]
        super().__init__(description=detail)
        self.code = status
        self.slug = slug
        self.detail = detail
        self.extra = extra
        self.extra_headers = headers or {}


def problem_response(slug: str, detail: str | None = None, *, status: int | None = None,
                     title: str | None = None, headers: dict | None = None, **extra: Any):
    code, default_title = TYPES.get(slug, (status or 500, None))
    body = {
        "type": type_uri(slug) if slug in TYPES else "about:blank",
        "title": title or default_title,
        "status": status or code,
        "detail": detail if detail is not None else DETAILS.get(slug, title or default_title),
        **extra,
    }
    if g.get("request_id"):
        body["request_id"] = g.request_id
    response = jsonify(body)
    response.status_code = body["status"]
    response.content_type = MEDIA_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def render(error: HTTPException):
    """Turn any HTTP error raised while serving the API into problem details."""
    if isinstance(error, Problem):
        return problem_response(error.slug, error.detail, headers=_headers(error),
                                **error.extra)
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    slug = _TYPE_BY_STATUS.get(code)
    if code == 422 and "messages" in data:
        return problem_response("validation", errors=field_errors(data["messages"]),
                                headers=_headers(error))
    if slug is None:
        return problem_response("", str(HTTPStatus(code).phrase), status=code,
                                title=HTTPStatus(code).phrase, headers=_headers(error))
    return problem_response(slug, headers=_headers(error))


def _headers(error: HTTPException) -> dict:
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    data = getattr(error, "data", None) or {}
    headers.update(data.get("headers") or {})
    headers.update(getattr(error, "extra_headers", {}))
    if error.code == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="hanjari"')
    return headers


def field_errors(messages: dict) -> list[dict]:
    """webargs/marshmallow's nested ``{location: {field: [message]}}`` as a flat list."""
    found: list[dict] = []
    for location, fields in messages.items():
        _flatten(location, [], fields, found)
    return found


def _flatten(location: str, path: list, value, found: list[dict]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(location, path if key == "_schema" else [*path, key], inner, found)
        return
    for message in value if isinstance(value, list) else [value]:
        if isinstance(message, dict):
            _flatten(location, path, message, found)
            continue
        item = {"field": ".".join(str(part) for part in path), "detail": str(message)}
        if location == "json":
            item["pointer"] = "#/" + "/".join(str(part) for part in path)
        else:
            item["parameter"] = str(path[0]) if path else ""
        found.append(item)


def unseen(field: str, message: str) -> Problem:
    """A 404 for a record named in the body (a person, a case) that does not exist or that the
    caller may not see: the same answer as reading that record by its own URL, with the field
    named (``errors``) so a client knows which reference failed."""
    item = {"field": field, "detail": message, "pointer": "#/" + field}
    return Problem("not-found", message, errors=[item])


T = TypeVar("T")


def referenced(load: Callable[[], T], field: str, message: str) -> T:
    """Load a record named in the body with its ``get_*_or_404`` loader; one that does not
    exist or that the caller may not see answers :func:`unseen` (404)."""
    try:
        return load()
    except NotFound:
        raise unseen(field, message) from None


def invalid(field: str, message, *, location: str = "json") -> Problem:
    """A 422 for one field that only the view can judge (a reference to another record)."""
    item = {"field": field, "detail": str(message)}
    if location == "json":
        item["pointer"] = "#/" + field.replace(".", "/")
    else:
        item["parameter"] = field
    return Problem("validation", DETAILS["validation"], errors=[item])


# --- refusals of the services --------------------------------------------------------------

# exception class -> problem type; the most specific class of a refusal decides.
REFUSALS: dict[type[Exception], str] = {
    ClientError: "rule-violation",
    ClientConflict: "state-conflict",
    VisitError: "rule-violation",
    VisitStateError: "state-conflict",
    VisitNotAllowed: "forbidden",
    VisitConflict: "version-conflict",
    CaseError: "rule-violation",
    CaseStateError: "state-conflict",
    CaseNotAllowed: "forbidden",
    CaseConflict: "version-conflict",
    AccountError: "rule-violation",
    NotAllowedError: "forbidden",  # every feature's "may not" refusal, whatever its feature
}


def register_refusal(error_class: type[Exception], slug: str) -> None:
    """Let a feature's own refusals map to a problem type (e.g. a referral's state conflict)."""
    if slug not in TYPES:
        raise ValueError(f"unknown problem type {slug!r}")
    REFUSALS[error_class] = slug


@contextmanager
def refusals() -> Iterator[None]:
    """Run service calls; a refusal rolls the transaction back and answers as a problem."""
    try:
        yield
    except tuple(REFUSALS) as error:
        db.session.rollback()
        slug = next(REFUSALS[cls] for cls in type(error).__mro__ if cls in REFUSALS)
        raise Problem(slug, str(error)) from error
