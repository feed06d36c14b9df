"""The person (Client), their consent, and case records across agencies."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from core import navigation
from core.demo import demo_seeders
from core.roles import Role


def init_app(app: Flask) -> None:
    from cases import demo, people_views, retention, views  # noqa: F401 (people_views: its routes)

    demo_seeders.plug(app, demo.seed)
    retention.init_app(app)
    app.register_blueprint(views.bp)
    navigation.register(app, "cases.caseload", _l("사례"), {Role.CASEWORKER, Role.MANAGER}, order=30)
