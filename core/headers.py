"""Security headers on every response, and no caching of anything but static files.

The Content-Security-Policy allows scripts and styles from this site's own files only: no
inline ``<script>``, ``<style>``, ``style=""`` or ``on…=`` handler runs, so text that got into a
page (a name, a note) can never act as code, and no page can be framed (clickjacking the
reveal-RRN or deactivate buttons). Pages and downloads carry personal data, so none of them
may be kept by the browser or a proxy (``no-store``); static files may.
"""

from __future__ import annotations

from flask import Flask, request

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # the select arrow is a data: SVG (hanjari.css)
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
PERMISSIONS = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
               "bluetooth=(), interest-cohort=()")
HSTS = "max-age=31536000; includeSubDomains"
STATIC_ENDPOINTS = {"static"}


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


def add_security_headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = CSP
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    # same-origin, not no-referrer: Flask-WTF checks the Referer of a form posted over HTTPS.
    headers["Referrer-Policy"] = "same-origin"
    headers["Permissions-Policy"] = PERMISSIONS
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if request.is_secure:
        headers["Strict-Transport-Security"] = HSTS
    if request.endpoint not in STATIC_ENDPOINTS:
        # (An ETag stays: the API's version check for updates is built on it.)
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response
