"""Korean error pages without stack traces, and a request id on every log line."""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, g, has_request_context, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from core.extensions import db
from core.hooks import Hook
from core.sessions import is_api_request

log = logging.getLogger("hanjari")


class RefusedError(ValueError):
    """A change a service refused; its message (Korean) is meant for the user.

    Every feature's service errors derive from it, so views and the API handle them alike.
    """


class ConflictError(RefusedError):
    """Someone else changed the record first (a stale version)."""


class NotAllowedError(RefusedError):
    """The actor may not do this at all (a ``may_*`` rule said no): 403, never a retry."""

PAGES = {400: "errors/400.html", 403: "errors/403.html", 404: "errors/404.html"}


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (servers and test runners swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


# Lines of a database error that quote stored values: PostgreSQL's ``DETAIL: Key (phone)=(…)``
# and SQLAlchemy's ``[parameters: …]`` (the engine's hide_parameters leaves a placeholder).
_VALUE_LINES = re.compile(
    r"^[ \t]*(?:DETAIL|CONTEXT|HINT):[^\n]*$|\[parameters: [\s\S]*?(?=\n\(Background on this error|\Z)",
    re.M)


class RedactingFormatter(logging.Formatter):
    """Formats tracebacks without the values a database error may quote."""

    def formatException(self, ei) -> str:  # noqa: N802  (logging's name)
        return _VALUE_LINES.sub("[redacted]", super().formatException(ei))


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def init_app(app: Flask) -> None:
    handler = StderrHandler()
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
    )
    handler.addFilter(RequestIdFilter())
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO)
    log.propagate = False

    @app.before_request
    def assign_request_id():
        g.request_id = uuid.uuid4().hex

    @app.after_request
    def expose_request_id(response):
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if is_api_request():
            return _api_error(app, error)
        template = PAGES.get(error.code)
        if template is None:
            return error
        return render_template(template, error=error), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        if is_api_request():
            return _api_error(app, InternalServerError(original_exception=error))
        return render_template("errors/500.html", request_id=g.get("request_id")), 500


# The API package answers errors under /api/ in its own format (problem details).
api_error_renderer: Hook[Callable[[HTTPException], Any]] = Hook("core.api_error_renderer")


def _api_error(app: Flask, error: HTTPException):
    renderers = api_error_renderer.functions(app)
    if not renderers:
        return jsonify(status=error.code, title=error.name), error.code
    return renderers[0](error)
