"""The shared front desk: find or register the person, consent, visits, tickets, queue, board."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from core import navigation
from core.demo import demo_seeders
from core.roles import Role


def init_app(app: Flask) -> None:
    from cases.queries import client_visibility
    from cases.retention import person_activity, person_erasure
    from intake import board, demo, queries, services, views, visit_views  # noqa: F401 (its routes)

    demo_seeders.plug(app, demo.seed)
    person_activity.plug(app, services.visit_activity)
    client_visibility.plug(app, queries.people_at_desk_today)
    person_erasure.plug(app, services.erase_visit_notes)
    app.register_blueprint(views.bp)
    app.register_blueprint(board.bp)
    desk = {Role.FRONT_DESK, Role.MANAGER}
    everyone_at_a_centre = {Role.FRONT_DESK, Role.CASEWORKER, Role.MANAGER}
    navigation.register(app, "intake.search", _l("방문 접수"), desk, order=10)
    navigation.register(app, "intake.queue", _l("오늘 대기 현황"), everyone_at_a_centre, order=20,
                        count=(_l("기다리는 방문"), queries.waiting_count))
    navigation.register(app, "intake.consent_documents", _l("동의서 양식"), {Role.MANAGER}, order=70)
    navigation.register(app, "board.settings", _l("대기현황판"), {Role.MANAGER}, order=75)
