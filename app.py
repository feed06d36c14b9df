"""Hanjari (한자리): case management for one-stop employment–welfare centres.

``flask --app app run`` serves it; ``create_app`` is the factory gunicorn and the tests use.
"""

from __future__ import annotations

import os

from flask import Flask, has_request_context, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from core import (  # noqa: F401  (database: engine tuning)
    audit,
    backup,
    crypto,
    database,
    errors,
    guards,
    headers,
    navigation,
    settings,
    startup,
)
from core.extensions import babel, csrf, db, limiter, migrate
from core.sessions import HanjariSessionInterface


def create_app(test_config: dict | None = None) -> Flask:
    """The app; a wrong setting or a database or Redis that does not answer stops here with one
    line on stderr and exit status 4 (see :mod:`core.startup`)."""
    instance_path = os.environ.get("HANJARI_INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.path.abspath(instance_path) if instance_path else None)
    with startup.stop_on_problem():
        settings.load(app, test_config)
        startup.check_startup(app)

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(app.root_path + "/migrations"), render_as_batch=True,
        compare_type=True
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    limiter.init_app(app)
    crypto.init_app(app)
    errors.init_app(app)
    guards.init_app(app)
    headers.init_app(app)
    startup.init_app(app)
    backup.init_app(app)
    audit.init_app(app)
    app.session_interface = HanjariSessionInterface()
    if app.config.get("PROXY_COUNT"):
        # Behind nginx: trust X-Forwarded-For/-Proto from that many proxies, no more.
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    import api
    import appointments
    import cases
    import catalogue
    import centers
    import intake
    import outreach
    import partners
    import perf
    import referrals
    import reports
    from core.home import bp as home_bp

    navigation.init_app(app)
    app.register_blueprint(home_bp)
    centers.init_app(app)
    catalogue.init_app(app)
    partners.init_app(app)
    cases.init_app(app)
    intake.init_app(app)
    appointments.init_app(app)
    referrals.init_app(app)
    outreach.init_app(app)
    reports.init_app(app)
    api.init_app(app)
    perf.init_app(app)
    return app


def _select_locale() -> str:
    """The signed-in staff member's choice; before sign-in, the browser's language (Korean
    unless it prefers English)."""
    if not has_request_context():
        return "ko"
    if current_user and current_user.is_authenticated:
        return current_user.locale
    return request.accept_languages.best_match(["ko", "en"], default="ko")
