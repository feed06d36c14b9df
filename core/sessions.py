"""The signed-cookie session, made Secure whenever the request itself came over HTTPS.

Requests to the JSON API (under ``API_PREFIX``) get no session at all: a cookie the browser
sends along is not read and none is set, so only a bearer token can authorise them and a
page on another site cannot make a signed-in browser act through the API.
"""

from flask import request
from flask.sessions import SecureCookieSessionInterface

API_PREFIX = "/api/"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


class HanjariSessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def open_session(self, app, request):
        if request.path.startswith(API_PREFIX):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        if request.path.startswith(API_PREFIX):
            return
        super().save_session(app, session, response)
