"""The JSON API under ``/api/v1/`` for agency systems and mobile work, with its OpenAPI 3
document at ``/api/v1/openapi.json``, generated from the code by flask-smorest.

One module per resource (``people``, ``visits``, ``cases``, ``catalogue``); each makes its
blueprint with :func:`api.auth.blueprint` (bearer token, no CSRF, no session) and calls the
same loaders and services as the web pages. A new resource is a module with a blueprint and
one line in :data:`RESOURCES`.
"""

from __future__ import annotations

import http

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from api.auth import SECURITY_SCHEME
from api.errors import MEDIA_TYPE, TYPES, render, type_uri
from api.schemas.base import ProblemSchema
from core.errors import api_error_renderer

PREFIX = "/api/v1"
RESOURCES = ("api.people", "api.visits", "api.cases", "api.referrals", "api.catalogue",
             "api.reports", "api.partner_referrals")

DESCRIPTION = """한자리(고용복지+센터 사례관리)의 JSON API.
웹 화면과 같은 권한, 검증, 규칙, 접근 기록을 따릅니다.

* 인증: 직원별 API 토큰을 `Authorization: Bearer hj_…`로 보냅니다. 토큰은 직원 정보 화면이나
  `flask --app app create-token 아이디`로 만들고, 만료일이 있으며 언제든 폐기할 수 있습니다.
  로그인 세션 쿠키로는 API를 쓸 수 없습니다.
* 오류: RFC 9457 problem details (`application/problem+json`). `type`은 바뀌지 않는 값입니다:
""" + "\n".join(f"  * `{type_uri(slug)}` ({status}) {title}" for slug, (status, title) in TYPES.items()) + """
* 없는 자료와 볼 수 없는 자료는 같은 답입니다: 경로(`/people/{id}` …), 목록 조건(`/queue?agency=`),
  본문의 번호(`person_id`, `case_id`) 어디서 가리켰든 404 (`not-found`)이고, 본문이면 `errors`에 그
  항목을 적습니다. 422는 값 자체가 틀렸을 때입니다.
* 동시 수정: 한 건을 읽으면 `ETag: W/"<version>"`이 옵니다. 상태를 바꿀 때는 그 값을 `If-Match`로
  보내거나(다르면 412) 본문의 `version`으로 보냅니다(다르면 409). 둘 다 없으면 428입니다.
* 목록: `page`, `per_page`(최대 100)로 나누어 주고 `total`에 전체 수를 줍니다.
* 협력기관 시스템: `/partner/…` 경로는 직원 토큰이 아니라 센터 관리자가 만든 협력기관 API 키
  (`hjp_…`)로 씁니다. 상태는 HL7 FHIR Task.status로 주고받습니다 (docs/partner-exchange.md).
"""


class HanjariApi(Api):
    """flask-smorest's Api with our errors: problem details, rendered by :mod:`api.errors`."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        # Errors under /api/ are answered by core.errors through the core.errors.api_error_renderer hook,
        # so the web pages keep their HTML error pages.
        pass

    def _register_responses(self):
        """Document every error response as ``application/problem+json``."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "오류 (problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, MEDIA_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def init_app(app: Flask) -> None:
    import importlib

    app.config.setdefault("API_TITLE", "한자리 API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "security": [{SECURITY_SCHEME: []}],
    })
    api = HanjariApi(app)
    api.spec.components.security_scheme(
        SECURITY_SCHEME, {"type": "http", "scheme": "bearer", "bearerFormat": "hj_…"})
    api.spec.components.security_scheme(
        "partnerKey", {"type": "http", "scheme": "bearer", "bearerFormat": "hjp_…",
                       "description": "협력기관 API 키: /partner/… 경로만 (docs/partner-exchange.md)"})
    for name in RESOURCES:
        api.register_blueprint(importlib.import_module(name).blp, url_prefix=PREFIX)
    api_error_renderer.plug(app, render)
    app.extensions["hanjari.api"] = api
