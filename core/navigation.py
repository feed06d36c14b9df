"""The menu: each feature registers its entries with the roles that see them, and what the
home page's tile for the entry counts (the work waiting there), if anything."""

from __future__ import annotations

from collections.abc import Callable
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
    # For the home tile: (label, function of the signed-in staff member -> a number or None).
    count: tuple[object, Callable] | None = None


def register(app: Flask, endpoint: str, label, roles, order: int = 100, *,
             count: tuple[object, Callable] | None = None) -> None:
    """Add a menu entry; ``count=(label, fn)`` puts ``fn(current_user)`` on its home tile."""
    app.extensions.setdefault("hanjari.nav", []).append(
        NavItem(endpoint, label, frozenset(roles), order, count=count)
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
