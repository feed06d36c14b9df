"""The organisation: centres, agencies, add-ons, staff accounts, sign-in and API tokens."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from core import navigation
from core.roles import Role


def init_app(app: Flask) -> None:
    from centers import auth, cli, views

    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)
    cli.init_app(app)
    managers = {Role.MANAGER, Role.ADMIN}
    navigation.register(app, "centers.list_centres", _l("센터"), managers, order=80)
    navigation.register(app, "centers.list_staff", _l("직원 관리"), managers, order=85)
    navigation.register(app, "auth.api_tokens", _l("API 토큰"), set(Role), order=95)
