"""The menu: each feature registers its entries with the roles that see them."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask
from flask_babel import get_locale
from flask_login import current_user

from core.forms import EmptyForm
from core.roles import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string, so it follows the user's language
    roles: frozenset[Role]
    order: int = 100
    args: dict = field(default_factory=dict)


def register(app: Flask, endpoint: str, label, roles, order: int = 100) -> None:
    app.extensions.setdefault("hanjari.nav", []).append(
        NavItem(endpoint, label, frozenset(roles), order)
    )


def init_app(app: Flask) -> None:
    @app.context_processor
    def navigation():
        def nav_items() -> list[NavItem]:
            if not current_user.is_authenticated or current_user.must_change_password:
                return []
            items = app.extensions.get("hanjari.nav", [])
            return sorted((i for i in items if current_user.role in i.roles), key=lambda i: i.order)

        return {"nav_items": nav_items, "locale_form": EmptyForm, "get_locale": get_locale}
