"""The organisation: centres, agencies, add-ons, staff accounts, sign-in and the service catalogue."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from core import navigation
from core.roles import Role


def init_app(app: Flask) -> None:
    from centers import auth, catalogue_views, cli, demo, views

    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(catalogue_views.bp)
    cli.init_app(app)
    cli.register_demo_seeder(app, demo.seed_catalogue)
    managers = {Role.MANAGER, Role.ADMIN}
    navigation.register(app, "catalogue.browse", _l("서비스 찾기"), set(Role), order=20)
    navigation.register(app, "catalogue.own_centre_services", _l("센터 서비스 목록"),
                        {Role.MANAGER}, order=82)
    navigation.register(app, "catalogue.import_services", _l("서비스 가져오기"), {Role.ADMIN},
                        order=83)
    navigation.register(app, "centers.list_centres", _l("센터"), managers, order=80)
    navigation.register(app, "centers.list_staff", _l("직원 관리"), managers, order=85)
    navigation.register(app, "centers.audit_log", _l("접근 기록"), managers, order=90)
    navigation.register(app, "auth.api_tokens", _l("API 토큰"), set(Role), order=95)
