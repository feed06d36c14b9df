"""Helpers shared by the views of every feature."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from flask import flash, redirect, url_for
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination

from core.errors import RefusedError
from core.extensions import db
from core.forms import BackForm


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


def redirect_back(lists: dict[str, str], endpoint: str, **values: Any):
    """After a button pressed on a list or on a record's page: back to the list it was pressed
    on (the form's ``back`` names one of ``lists``, shown for the same desk), else to
    ``endpoint`` with ``values``."""
    form = BackForm()
    listing = lists.get(form.back.data or "")
    if listing:
        return redirect(url_for(listing, agency=form.agency.data))
    return redirect(url_for(endpoint, **values))


class _ListPagination(Pagination):
    """Flask-SQLAlchemy's page over a list in memory (its documented way: a subclass that
    answers the items and the count)."""

    def _query_items(self) -> list[Any]:
        rows = self._query_args["rows"]
        return list(rows[self._query_offset:self._query_offset + self.per_page])

    def _query_count(self) -> int:
        return len(self._query_args["rows"])


def paginate_list(rows: Sequence, per_page: int) -> Pagination:
    """``db.paginate(..., error_out=False)`` for a list worked out in Python (the access
    review's filtered ids): the same ``?page=`` handling and page attributes, so the one pager
    macro draws it."""
    return _ListPagination(per_page=per_page, error_out=False, rows=rows)


Page = TypeVar("Page")


def committed(page: Page) -> Page:
    """Commit the audit event of a read once the page is drawn: committing before would
    expire everything the page shows and load it all again. ``page`` is whatever the view
    returns (a rendered page, a page with its status, a download)."""
    db.session.commit()
    return page
