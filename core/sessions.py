"""The signed-cookie session, made Secure whenever the request itself came over HTTPS."""

from flask import request
from flask.sessions import SecureCookieSessionInterface


class HanjariSessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)
