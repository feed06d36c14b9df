"""Outreach visits (찾아가는 상담): planning, lone-worker safety, the record made on a tablet."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from core import navigation
from core.roles import Role


def init_app(app: Flask) -> None:
    from cases.retention import person_activity, person_erasure
    from core.home import home_notices
    from outreach import cli, services, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.outreach_alerts)
    home_notices.plug(app, services.home_notices)
    person_activity.plug(app, services.outreach_activity)
    person_erasure.plug(app, services.erase_outreach_text)
    navigation.register(app, "outreach.day", _l("찾아가는 상담"), {Role.CASEWORKER, Role.MANAGER},
                        order=35)
