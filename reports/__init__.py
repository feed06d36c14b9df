"""Reports: the manager's dashboard, the monthly centre report (page, PDF, XLSX, CSV) and
the national roll-up (page, PDF, XLSX). Counts only: no report carries personal data."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from core import navigation
from core.roles import Role


def init_app(app: Flask) -> None:
    from reports import (
        access_views,
        appointment_section,
        closing,
        closing_views,
        people_section,
        referral_section,
        target_views,
        targets,
        views,
    )

    referral_section.install()
    people_section.install()
    targets.install()
    appointment_section.install()

    # Before the blueprint, whose rules use it.
    app.url_map.converters["month"] = views.MonthConverter
    app.register_blueprint(views.bp)
    app.register_blueprint(closing_views.bp)
    app.register_blueprint(target_views.bp)
    app.cli.add_command(closing.close_months_command)
    app.register_blueprint(access_views.bp)
    navigation.register(app, "access.review", _l("접근 기록"), {Role.MANAGER, Role.ADMIN},
                        order=90)
    navigation.register(app, "reports.show_dashboard", _l("대시보드"), {Role.MANAGER}, order=5)
    navigation.register(app, "reports.monthly_latest", _l("월간 보고서"), {Role.MANAGER},
                        order=60)
    navigation.register(app, "reports.national_latest", _l("전국 현황"), {Role.ADMIN}, order=60)
