"""What the three state machines (case lifecycle, desk stops, referrals) share.

Each machine writes its allowed moves once, as a table of :class:`Transition` by action name,
and protects its records from lost updates the same way: a change names the version its author
saw (:func:`check_version`), and of two writers racing from the same version only the first
flush wins (:func:`flush_or_conflict`). The loser gets the machine's own ``ConflictError``,
whose message tells the user that their text is kept and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from core.errors import ConflictError
from core.extensions import db


@dataclass(frozen=True, kw_only=True)
class Transition:
    """One move of a state machine: from any of ``sources`` to ``target``."""

    sources: frozenset
    target: Any
    label: object = ""

    def allows(self, status: Any) -> bool:
        return status in self.sources


def check_version(record: Any, seen: int | str | None, conflict: ConflictError, *,
                  required: bool = True) -> None:
    """Refuse with ``conflict`` unless ``seen`` is still the record's version.

    Web forms carry the version as text, the API as a number; both compare as text. With
    ``required=False`` a caller that names no version is not checked (the desk's queue buttons,
    where the transition table already refuses a second identical step).
    """
    if seen is None and not required:
        return
    if seen is None or str(seen) != str(record.version):
        raise conflict


def flush_or_conflict(conflict: ConflictError) -> None:
    """Flush, turning a lost race on a versioned row into ``conflict``."""
    try:
        db.session.flush()
    except StaleDataError as error:
        raise conflict from error
