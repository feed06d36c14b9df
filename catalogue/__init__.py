"""The public-service catalogue: the open-data import, matching and suggestions, each centre's
list of offered services and its HSDS directory export. Above ``centers``, below ``cases``."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from core import navigation
from core.demo import demo_seeders
from core.roles import Role


def init_app(app: Flask) -> None:
    from catalogue import cli, demo, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.import_services)
    demo_seeders.plug(app, demo.seed_catalogue)
    navigation.register(app, "catalogue.browse", _l("서비스 찾기"), set(Role), order=20)
    navigation.register(app, "catalogue.own_centre_services", _l("센터 서비스 목록"),
                        {Role.MANAGER}, order=82)
    navigation.register(app, "catalogue.import_services", _l("서비스 가져오기"), {Role.ADMIN},
                        order=83)
