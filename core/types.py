"""Column types shared by all models."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa


class UTCDateTime(sa.TypeDecorator):
    """A timezone-aware UTC datetime on every engine.

    SQLite keeps no zone, so values are stored as naive UTC and given ``UTC`` back on load;
    PostgreSQL stores ``timestamptz``. Naive datetimes are refused to catch local-time bugs early.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class LabelledEnum(StrEnum):
    """A ``StrEnum`` whose members carry their label: ``SENT = "sent", _l("의뢰")``.

    The value is what the database stores; the label (a lazy string) is read in the user's
    language each time, so one definition serves pages, PDFs, exports and the API.
    """

    def __new__(cls, value: str, label: Any = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label if label is not None else value
        return member

    @property
    def label(self) -> str:
        return str(self._label)

    @property
    def lazy_label(self) -> Any:
        """The label as a lazy string, for what is built once at import time (form fields)."""
        return self._label


def unique_where(name: str, *columns: str, where: str) -> sa.Index:
    """A partial unique index ("at most one open row"), the same on SQLite and PostgreSQL.

    ``where`` is plain SQL both engines read, e.g. ``"status <> 'closed'"``.
    """
    return sa.Index(name, *columns, unique=True, postgresql_where=sa.text(where),
                    sqlite_where=sa.text(where))


def str_enum(enum_cls: type, length: int = 32) -> sa.Enum:
    """A ``StrEnum`` stored as its plain string value (VARCHAR, no database enum type)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
