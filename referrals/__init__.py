"""Closed-loop referrals between the agencies of a centre."""

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import navigation
from core.roles import Role


def init_app(app: Flask) -> None:
    from cases.queries import register_case_visibility
    from cases.retention import register_retention
    from centers.cli import register_demo_seeder
    from referrals import demo, services, views

    register_demo_seeder(app, demo.seed)
    register_retention(services.referral_activity, services.erase_referral_text)
    app.register_blueprint(views.bp)
    # Caseworkers of an agency a case was referred to may read that case.
    register_case_visibility(services.cases_referred_to)
    app.extensions["hanjari.open_referral_counts"] = services.open_referral_counts
    app.extensions["hanjari.case_referrals"] = services.case_referrals
    # The days off the demo history skips, like the working-hours count.
    app.extensions["hanjari.public_holidays"] = services.holidays
    navigation.register(app, "referrals.inbox", _l("받은 의뢰"), {Role.CASEWORKER}, order=40)
    navigation.register(app, "referrals.sent", _l("보낸 의뢰"), {Role.CASEWORKER, Role.MANAGER},
                        order=45)
    navigation.register(app, "referrals.holidays", _l("공휴일"), {Role.ADMIN}, order=95)

    @app.context_processor
    def referral_helpers():
        def badge() -> dict[str, int] | None:
            if not current_user.is_authenticated or current_user.role not in (
                    Role.CASEWORKER, Role.MANAGER):
                return None
            return services.badge_counts(current_user)

        def may_refer(case) -> bool:
            """For the case page (cases cannot ask referrals itself): the send button."""
            return current_user.is_authenticated and services.may_send(current_user, case)

        return {"referral_badge": badge, "may_refer": may_refer}
