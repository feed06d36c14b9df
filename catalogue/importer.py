"""Import of the national public-service open data into the catalogue.

The files are read and checked by :mod:`catalogue.open_data`; this module applies them. The
import is idempotent by 서비스ID: known services are updated, new ones added, and on a full
import the imported services missing from the file are marked inactive (never deleted: centre
lists and, later, case records point at them). A bad row is skipped and reported with its row
number; a file whose columns are not recognised is refused as a whole before anything changes.

For speed (the national list has ~11,000 rows) the rows are written with bulk statements in
chunks, against one up-front read of what is already stored; never a query per row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from catalogue import data
from catalogue.models import Service, ServiceSource, service_customer_types
from catalogue.open_data import (
    MULTI,
    SERVICE_COLUMNS,
    ImportFiles,
    ImportRefused,
    RowError,
    Table,
    cells_of,
    parse_condition_row,
    parse_service_row,
    service_id_of,
)
from catalogue.services import may_import_services
from centers.models import Domain
from core import audit
from core.extensions import db
from core.types import utcnow

CHUNK = 1000
REPORTED_PROBLEMS = 100  # kept in the audit event; the rest are counted

# What the import compares to decide whether a stored service changed.
TEXT_FIELDS = tuple(SERVICE_COLUMNS.values())
CONDITION_FIELDS = ("min_age", "max_age", "sex", "condition_codes")
DERIVED_FIELDS = ("domain", "for_people")
COMPARED_FIELDS = TEXT_FIELDS + CONDITION_FIELDS + DERIVED_FIELDS + (
    "region", "source_updated_at", "is_active",
)
NO_CONDITIONS = {"min_age": None, "max_age": None, "sex": None, "condition_codes": []}


@dataclass
class Problem:
    file: str  # "services" or "conditions"
    row: int  # CSV: the record number with the header as 1; JSON: the item's position
    reason: str
    service_id: str = ""

    def __str__(self) -> str:
        where = _("지원조건") if self.file == "conditions" else _("서비스 목록")
        return _("%(file)s %(row)d행: %(reason)s", file=where, row=self.row, reason=self.reason)


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.problems)

    def summary(self) -> dict[str, int]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "deactivated": self.deactivated, "skipped": self.skipped}

    def summary_line(self) -> str:
        return (f"added={self.added} updated={self.updated} "
                f"deactivated={self.deactivated} skipped={self.skipped}")



# --- what a row means -------------------------------------------------------------------

def derive(values: dict[str, Any]) -> tuple[dict[str, Any], frozenset[str]]:
    """Domain, the for-people flag and customer types from a service's text and conditions,
    using the tables in :mod:`catalogue.data`."""
    audiences = _split(values["audience"])
    categories = _split(values["category"])
    text = " ".join((values["name"], values["target"], values["criteria"]))
    types: set[str] = set()
    for code, words in data.TEXT_CUSTOMER_TYPES.items():
        if any(word in text for word in words):
            types.add(code)
    for audience in audiences:
        types.update(data.AUDIENCE_CUSTOMER_TYPES.get(audience, ()))
    for category in categories:
        types.update(data.CATEGORY_CUSTOMER_TYPES.get(category, ()))
    for code in values["condition_codes"]:
        types.update(data.JA_CUSTOMER_TYPES.get(code, ()))
    types.update(age_range_types(values["min_age"], values["max_age"]))
    derived = {
        "domain": _domain(values, categories),
        "for_people": not audiences or not set(audiences) <= data.ORGANISATION_AUDIENCES,
    }
    return derived, frozenset(types)


def age_range_types(min_age: int | None, max_age: int | None) -> set[str]:
    if min_age is None:
        return set()
    return {
        code for code, lowest, highest, oldest in data.AGE_RANGE_TYPES
        if lowest <= min_age <= highest
        and (oldest is None or (max_age is not None and max_age <= oldest))
    }


def _domain(values: dict[str, Any], categories: list[str]) -> Domain:
    haystack = " ".join((values["name"], values["provider"], values["provider_department"]))
    for word, domain in data.DOMAIN_KEYWORDS:
        if word in haystack:
            return Domain(domain)
    for category in categories:
        if category in data.CATEGORY_DOMAINS:
            return Domain(data.CATEGORY_DOMAINS[category])
    return Domain.OTHER


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(MULTI) if part.strip()]


# --- applying -----------------------------------------------------------------------------

@dataclass
class Stored:
    """What the database holds for one imported service, as the import compares it."""

    id: int
    values: dict[str, Any]
    types: frozenset[str]


def import_services(
    files: ImportFiles,
    *,
    actor: Any = None,
    full: bool = True,
    progress: Callable[[int], object] | None = None,
) -> ImportResult:
    """Add, update and (on a full import) deactivate services from the read files.

    Writes one ``catalogue.imported`` audit event with the summary; flushes, never commits.

    :param full: the file is the whole national list, so imported services missing from it
        are marked inactive. A partial file (one page of the API, say) only adds and updates.
    :param progress: called with the number of rows just handled (a progress bar's ``update``).
    :param actor: the staff member importing on the web (None: the server's command line).
    :raise ImportRefused: a staff member who may not import.
    """
    if actor is not None and not may_import_services(actor):
        raise ImportRefused(_("서비스 가져오기는 시스템 관리자가 합니다."))
    progress = progress or (lambda _n: None)
    result = ImportResult()
    batch = _Batch(_load_stored(), result, utcnow())
    conditions = _read_conditions(files.conditions, result, progress)
    seen = _import_list(files.services, conditions, batch, progress)
    _import_leftover_conditions(conditions, seen, batch)
    batch.write()
    result.problems.sort(key=lambda p: (p.file != "services", p.row))
    if full and seen:
        result.deactivated = _deactivate(
            [s.id for sid, s in batch.stored.items() if sid not in seen and s.values["is_active"]],
            batch.now,
        )
    audit.record(
        "catalogue.imported",
        actor=actor,
        detail={
            **result.summary(),
            "files": [t.name for t in (files.services, files.conditions) if t is not None],
            "full": full,
            "problems": [str(p) for p in result.problems[:REPORTED_PROBLEMS]],
        },
    )
    db.session.flush()
    return result


def _import_list(table: Table, conditions: dict[str, tuple[int, dict[str, Any]]],
                 batch: _Batch, progress: Callable[[int], object]) -> set[str]:
    """Queue every good row of the service list; return the 서비스IDs the file names."""
    seen: set[str] = set()
    first_row: dict[str, int] = {}
    for number, row in table.rows:
        progress(1)
        service_id = ""
        try:
            cells = cells_of(row)
            service_id = service_id_of(cells)
            seen.add(service_id)
            if service_id in first_row:
                raise RowError(_("서비스ID %(id)s가 %(row)d행과 겹칩니다.",
                                 id=service_id, row=first_row[service_id]))
            first_row[service_id] = number
            values = parse_service_row(cells)
        except RowError as error:
            batch.result.problems.append(Problem("services", number, str(error), service_id))
            continue
        if service_id in conditions:
            values.update(conditions.pop(service_id)[1])
        else:
            known = batch.stored.get(service_id)
            values.update(_conditions_of(known.values) if known else NO_CONDITIONS)
        batch.add(values)
    return seen


def _import_leftover_conditions(conditions, seen: set[str], batch: _Batch) -> None:
    """Conditions of services not (or not validly) in this list: they update the stored
    services (a partial import); an ID known nowhere is reported."""
    for service_id, (number, condition) in conditions.items():
        known = batch.stored.get(service_id)
        if known is not None:
            batch.add(dict(known.values, **condition), active=known.values["is_active"])
        elif service_id not in seen:  # a skipped list row was reported already
            batch.result.problems.append(Problem(
                "conditions", number,
                _("서비스 목록에도 카탈로그에도 없는 서비스ID입니다: %(id)s", id=service_id),
                service_id,
            ))


def _conditions_of(values: dict[str, Any]) -> dict[str, Any]:
    return {name: values[name] for name in CONDITION_FIELDS}


def _read_conditions(
    table: Table | None, result: ImportResult, progress: Callable[[int], object]
) -> dict[str, tuple[int, dict[str, Any]]]:
    """서비스ID → (row number, its conditions)."""
    conditions: dict[str, tuple[int, dict[str, Any]]] = {}
    if table is None:
        return conditions
    for number, row in table.rows:
        progress(1)
        service_id = ""
        try:
            cells = cells_of(row)
            service_id = service_id_of(cells)
            if service_id in conditions:
                raise RowError(_("서비스ID %(id)s가 %(row)d행과 겹칩니다.",
                                 id=service_id, row=conditions[service_id][0]))
            conditions[service_id] = (number, parse_condition_row(cells))
        except RowError as error:
            result.problems.append(Problem("conditions", number, str(error), service_id))
    return conditions


def _load_stored() -> dict[str, Stored]:
    """Every imported service with the fields the import compares, in two queries."""
    columns = [getattr(Service, name) for name in COMPARED_FIELDS]
    rows = db.session.execute(
        sa.select(Service.id, *columns).where(Service.source == ServiceSource.IMPORTED)
    ).all()
    types: dict[int, set[str]] = {}
    type_rows = db.session.execute(
        sa.select(service_customer_types.c.service_id, service_customer_types.c.customer_type_code)
        .join(Service, Service.id == service_customer_types.c.service_id)
        .where(Service.source == ServiceSource.IMPORTED)
    )
    for service_id, code in type_rows:
        types.setdefault(service_id, set()).add(code)
    stored = {}
    for row in rows:
        values = dict(zip(COMPARED_FIELDS, row[1:], strict=True))
        values["condition_codes"] = list(values["condition_codes"] or [])
        stored[values["external_id"]] = Stored(row.id, values, frozenset(types.get(row.id, ())))
    return stored


class _Batch:
    """Rows waiting to be written; written with bulk statements every ``CHUNK`` rows."""

    def __init__(self, stored: dict[str, Stored], result: ImportResult, now: datetime):
        self.stored = stored
        self.result = result
        self.now = now
        self.pending: list[tuple[dict[str, Any], frozenset[str]]] = []

    def add(self, values: dict[str, Any], active: bool = True) -> None:
        derived, types = derive(values)
        values.update(derived, is_active=active)
        self.pending.append((values, types))
        if len(self.pending) >= CHUNK:
            self.write()

    def write(self) -> None:
        """Insert the new services and update the changed ones, then start a new chunk."""
        inserts, updates, retyped = [], [], {}
        for values, types in self.pending:
            known = self.stored.get(values["external_id"])
            if known is None:
                inserts.append((values, types))
            elif known.values != values or known.types != types:
                updates.append({"id": known.id, **values, "updated_at": self.now})
                if known.types != types:
                    retyped[known.id] = types
                self.stored[values["external_id"]] = Stored(known.id, values, types)
            else:
                self.result.unchanged += 1
        self.pending = []
        if inserts:
            self._insert(inserts, retyped)
        if updates:
            db.session.execute(sa.update(Service), updates)
            self.result.updated += len(updates)
        if retyped:
            db.session.execute(sa.delete(service_customer_types).where(
                service_customer_types.c.service_id.in_(list(retyped))
            ))
            links = [{"service_id": service_id, "customer_type_code": code}
                     for service_id, types in retyped.items() for code in sorted(types)]
            if links:
                db.session.execute(sa.insert(service_customer_types), links)

    def _insert(self, inserts, retyped: dict[int, frozenset[str]]) -> None:
        rows = [dict(values, source=ServiceSource.IMPORTED, created_at=self.now,
                     updated_at=self.now) for values, _types in inserts]
        new_ids = dict(db.session.execute(
            sa.insert(Service).returning(Service.external_id, Service.id), rows
        ).all())
        for values, types in inserts:
            service_id = new_ids[values["external_id"]]
            self.stored[values["external_id"]] = Stored(service_id, values, types)
            retyped[service_id] = types
        self.result.added += len(inserts)


def _deactivate(ids: list[int], now: datetime) -> int:
    for start in range(0, len(ids), CHUNK):
        db.session.execute(
            sa.update(Service)
            .where(Service.id.in_(ids[start:start + CHUNK]))
            .values(is_active=False, updated_at=now)
        )
    return len(ids)
