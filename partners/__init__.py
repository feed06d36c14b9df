"""The centre's partner organisations outside the building (읍·면·동 맞춤형복지팀,
정신건강복지센터 …): the list its manager keeps, in and out as HSDS 3.0. Above ``catalogue``
(partners link to catalogue services), below ``cases``."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from core import navigation
from core.roles import Role


def init_app(app: Flask) -> None:
    from core.demo import demo_seeders
    from partners import demo, views

    app.register_blueprint(views.bp)
    demo_seeders.plug(app, demo.seed_partners)
    navigation.register(app, "partners.index", _l("협력기관"),
                        {Role.MANAGER, Role.CASEWORKER, Role.FRONT_DESK}, order=84)
