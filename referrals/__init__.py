"""Closed-loop referrals between the agencies of a centre."""

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import navigation
from core.roles import Role


def init_app(app: Flask) -> None:
    from cases.queries import case_referrals, case_visibility, client_visibility, referral_counts
    from cases.retention import person_activity, person_erasure
    from core.demo import demo_seeders
    from referrals import cli, demo, outward_views, queries, services, views

    demo_seeders.plug(app, demo.seed)
    person_activity.plug(app, services.referral_activity)
    person_erasure.plug(app, services.erase_referral_text)
    app.register_blueprint(views.bp)
    app.register_blueprint(outward_views.bp)
    app.register_blueprint(outward_views.public)
    app.cli.add_command(cli.send_webhooks)
    # Caseworkers of an agency a case was referred to may read that case.
    case_visibility.plug(app, queries.cases_referred_to)
    client_visibility.plug(app, queries.people_referred_with)
    referral_counts.plug(app, queries.open_referral_counts)
    case_referrals.plug(app, queries.case_referrals)
    navigation.register(app, "referrals.inbox", _l("받은 의뢰"), {Role.CASEWORKER}, order=40,
                        count=(_l("새 의뢰"), lambda staff: queries.badge_counts(staff)["incoming"]))
    navigation.register(app, "referrals.sent", _l("보낸 의뢰"), {Role.CASEWORKER, Role.MANAGER},
                        order=45)
    navigation.register(app, "referrals.holidays", _l("공휴일"), {Role.ADMIN}, order=95)

    @app.context_processor
    def referral_helpers():
        def badge() -> dict[str, int] | None:
            if not current_user.is_authenticated or current_user.role not in (
                    Role.CASEWORKER, Role.MANAGER):
                return None
            return queries.badge_counts(current_user)

        def may_refer(case) -> bool:
            """For the case page (cases cannot ask referrals itself): the send button."""
            return current_user.is_authenticated and services.may_send(current_user, case)

        return {"referral_badge": badge, "may_refer": may_refer}
