"""Helpers shared by the views of every feature."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import flash
from flask_login import current_user

from core.errors import RefusedError
from core.extensions import db


def current_staff() -> Any:
    """The signed-in staff member (a ``centers.models.Staff``), not Flask-Login's proxy: services
    compare and store it, and a proxy would not survive being kept beyond the request."""
    return current_user._get_current_object()


def commit_or_flash(change: Callable[[], Any], success: str | None = None) -> bool:
    """Run a service call; commit it, or roll back and show why it was refused.

    :return: whether the change was committed.
    """
    try:
        change()
    except RefusedError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return False
    db.session.commit()
    if success:
        flash(success, "success")
    return True


Page = TypeVar("Page")


def committed(page: Page) -> Page:
    """Commit the audit event of a read once the page is drawn: committing before would
    expire everything the page shows and load it all again. ``page`` is whatever the view
    returns (a rendered page, a page with its status, a download)."""
    db.session.commit()
    return page
