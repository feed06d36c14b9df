"""Extension points: how a lower package lets a higher one add to it without importing it.

The dependency line (docs/architecture.md) lets ``cases`` know nothing of ``referrals``, yet a
case page shows its referrals and a referred case is readable by the receiving agency. The lower
package declares a :class:`Hook` where it needs outside help; the higher package plugs into it
in its ``init_app``. This is the one mechanism for that: no module-global lists, no string keys.

Plug-ins are kept per application (tests build many apps), in the order they were plugged in,
which is the packages' dependency order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from flask import Flask, current_app

F = TypeVar("F", bound=Callable[..., Any])


class Hook(Generic[F]):
    """A named place where higher packages plug in functions of one signature."""

    def __init__(self, name: str) -> None:
        self.name = name

    def plug(self, app: Flask, function: F) -> None:
        plugged = app.extensions.setdefault("hanjari.hooks", {}).setdefault(self.name, [])
        if function not in plugged:
            plugged.append(function)

    def functions(self, app: Flask | None = None) -> list[F]:
        """What is plugged in, for ``app`` or the current one."""
        return (app or current_app).extensions.get("hanjari.hooks", {}).get(self.name, [])

    def ask(self, *arguments: Any, default: Any) -> Any:
        """The answer of the one function plugged in, or ``default`` when there is none."""
        functions = self.functions()
        return functions[0](*arguments) if functions else default

    def __repr__(self) -> str:
        return f"<Hook {self.name}>"
