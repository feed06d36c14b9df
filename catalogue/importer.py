"""Import of the national public-service open data ("대한민국 공공서비스(혜택) 정보").

Two tables come from the portal: the service list (Korean column names, multi-valued cells
joined with ``||``) and the support-conditions table (서비스ID plus ``JA`` flag columns). Either
comes as CSV (UTF-8 with or without BOM, or CP949) or as JSON (a list of objects, or the API's
``{"data": [...]}``).

The import is idempotent by 서비스ID: known services are updated, new ones added, and on a full
import the imported services missing from the file are marked inactive (never deleted: centre
lists and, later, case records point at them). A bad row is skipped and reported with its row
number; a file whose columns are not recognised is refused as a whole before anything changes.

For speed (the national list has ~11,000 rows) the rows are written with bulk statements in
chunks, against one up-front read of what is already stored; never a query per row.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from catalogue import data
from catalogue.models import Service, ServiceSource, service_customer_types
from catalogue.services import may_import_services
from centers.models import Domain, Sex
from core import audit
from core.extensions import db
from core.types import utcnow

SEOUL = ZoneInfo("Asia/Seoul")
CHUNK = 1000
MULTI = "||"
REPORTED_PROBLEMS = 100  # kept in the audit event; the rest are counted

#: service-list column → Service attribute
SERVICE_COLUMNS = {
    "서비스ID": "external_id",
    "지원유형": "support_types",
    "서비스명": "name",
    "서비스목적요약": "purpose",
    "지원대상": "target",
    "선정기준": "criteria",
    "지원내용": "support",
    "신청방법": "how_to_apply",
    "신청기한": "deadline",
    "상세조회URL": "apply_url",
    "소관기관명": "provider",
    "부서명": "provider_department",
    "사용자구분": "audience",
    "서비스분야": "category",
    "접수기관": "reception",
    "전화문의": "contact",
}
# 수정일시 is read as source_updated_at; 소관기관유형 says whether the service is a local
# government's (its region); 소관기관코드 and 등록일시 describe the publisher's records, not
# the service, and are not kept.
REQUIRED_SERVICE_COLUMNS = (
    "서비스ID", "서비스명", "서비스목적요약", "지원대상", "지원내용", "신청방법", "소관기관명", "서비스분야",
)
MAX_LENGTHS = {
    "name": 300, "provider": 200, "provider_department": 200, "apply_url": 1000,
    "support_types": 100, "category": 100, "audience": 100,
}
REGION_MAX = 60
COLUMN_OF = {attr: column for column, attr in SERVICE_COLUMNS.items()}
SERVICE_ID = re.compile(r"^[0-9A-Za-z_-]{1,40}$")
JA_COLUMN = re.compile(r"^JA\d{4}$")
DATE_FORMATS = ("%Y%m%d%H%M%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y%m%d", "%Y-%m-%d")

# What the import compares to decide whether a stored service changed.
TEXT_FIELDS = tuple(SERVICE_COLUMNS.values())
CONDITION_FIELDS = ("min_age", "max_age", "sex", "condition_codes")
DERIVED_FIELDS = ("domain", "for_people")
COMPARED_FIELDS = TEXT_FIELDS + CONDITION_FIELDS + DERIVED_FIELDS + (
    "region", "source_updated_at", "is_active",
)
NO_CONDITIONS = {"min_age": None, "max_age": None, "sex": None, "condition_codes": []}


class ImportRefused(ValueError):
    """The whole file is refused (unreadable, or columns not recognised); nothing changed."""


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


@dataclass
class Table:
    """A decoded file: its column names and its rows, each with its row number."""

    name: str
    columns: set[str]
    rows: list[tuple[int, dict[str, Any]]]


@dataclass
class ImportFiles:
    """Both files read and their columns checked: safe to apply."""

    services: Table
    conditions: Table | None

    @property
    def row_count(self) -> int:
        return len(self.services.rows) + (len(self.conditions.rows) if self.conditions else 0)


# --- reading ------------------------------------------------------------------------------

def read_files(services: bytes, services_name: str, conditions: bytes | None = None,
               conditions_name: str = "") -> ImportFiles:
    """Decode both files and check their columns.

    :raise ImportRefused: unreadable, empty, or columns not recognised.
    """
    service_table = read_table(services, services_name)
    _check_service_columns(service_table)
    condition_table = None
    if conditions is not None:
        condition_table = read_table(conditions, conditions_name)
        _check_condition_columns(condition_table)
    return ImportFiles(service_table, condition_table)


def read_table(raw: bytes, name: str) -> Table:
    """Rows of a CSV or JSON file, whichever it is (decided by its content, not its name)."""
    text = _decode(raw, name)
    stripped = text.lstrip()
    is_json = stripped.startswith(("[", "{"))
    table = _read_json(stripped, name) if is_json else _read_csv(text, name)
    if not table.rows:
        raise ImportRefused(_("%(name)s: 파일에 데이터 행이 없습니다.", name=name))
    return table


def _decode(raw: bytes, name: str) -> str:
    # Korean open-data files come in UTF-8 (often with a BOM) or in CP949.
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused(
        _("%(name)s: 파일의 문자 인코딩을 읽을 수 없습니다. UTF-8 또는 CP949(EUC-KR) 파일이어야 합니다.",
          name=name)
    )


_BAD_SHAPE = "\0shape"  # marks a CSV row whose cell count differs from the header's


def _read_csv(text: str, name: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip() for column in next(reader)]
    except StopIteration:
        raise ImportRefused(_("%(name)s: 빈 파일입니다.", name=name)) from None
    except csv.Error as error:
        raise ImportRefused(_("%(name)s: CSV 형식이 올바르지 않습니다 (%(error)s).",
                              name=name, error=str(error))) from None
    rows = []
    number = 1
    try:
        for cells in reader:
            number += 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                rows.append((number, {_BAD_SHAPE: (len(cells), len(header))}))
                continue
            rows.append((number, dict(zip(header, cells, strict=True))))
    except csv.Error as error:
        raise ImportRefused(_("%(name)s %(row)d행: CSV 형식이 올바르지 않습니다 (%(error)s).",
                              name=name, row=number, error=str(error))) from None
    return Table(name, set(header), rows)


def _read_json(text: str, name: str) -> Table:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportRefused(_("%(name)s: JSON 형식이 올바르지 않습니다 (%(line)d번째 줄).",
                              name=name, line=error.lineno)) from None
    items = document.get("data") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise ImportRefused(
            _("%(name)s: JSON은 항목의 목록이거나 {\"data\": [...]} 이어야 합니다.", name=name)
        )
    columns: set[str] = set()
    rows = []
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict):
            item = {str(key).strip(): value for key, value in item.items()}
            columns.update(item)
        rows.append((number, item))
    return Table(name, columns, rows)


def _check_service_columns(table: Table) -> None:
    missing = [column for column in REQUIRED_SERVICE_COLUMNS if column not in table.columns]
    if not missing:
        return
    message = _("%(name)s: 서비스 목록의 열을 알아볼 수 없어 가져오지 않았습니다. 빠진 열: %(missing)s. "
                "필요한 열: %(required)s.", name=table.name, missing=", ".join(missing),
                required=", ".join(REQUIRED_SERVICE_COLUMNS))
    if any(JA_COLUMN.match(column) for column in table.columns):
        message += " " + _("지원조건 파일을 서비스 목록 자리에 올린 것 같습니다.")
    raise ImportRefused(message)


def _check_condition_columns(table: Table) -> None:
    if "서비스ID" in table.columns and any(JA_COLUMN.match(c) for c in table.columns):
        return
    raise ImportRefused(
        _("%(name)s: 지원조건 파일의 열을 알아볼 수 없어 가져오지 않았습니다. "
          "서비스ID 열과 JA로 시작하는 조건 열(JA0101 등)이 있어야 합니다.", name=table.name)
    )


# --- one row ------------------------------------------------------------------------------

class RowError(ValueError):
    """This row is skipped; the message says why."""


def _cells(row: Any) -> dict[str, str]:
    if not isinstance(row, dict):
        raise RowError(_("항목이 객체가 아닙니다."))
    if _BAD_SHAPE in row:
        found, expected = row[_BAD_SHAPE]
        raise RowError(_("칸 수가 머리글과 다릅니다 (머리글 %(expected)d칸, 이 행 %(found)d칸).",
                         expected=expected, found=found))
    return {key: "" if value is None else str(value).strip() for key, value in row.items()}


def _service_id(cells: dict[str, str]) -> str:
    service_id = cells.get("서비스ID", "")
    if not service_id:
        raise RowError(_("서비스ID가 비어 있습니다."))
    if not SERVICE_ID.match(service_id):
        raise RowError(_("서비스ID 형식이 올바르지 않습니다: %(value)s", value=service_id[:50]))
    return service_id


def parse_service_row(cells: dict[str, str]) -> dict[str, Any]:
    """The stored text fields of one service-list row.

    :raise RowError: a missing name, an over-long field, a URL that is not http(s), a date
        that cannot be read.
    """
    values = {attr: cells.get(column, "") for column, attr in SERVICE_COLUMNS.items()}
    if not values["name"]:
        raise RowError(_("서비스명이 비어 있습니다."))
    for attr, limit in MAX_LENGTHS.items():
        if len(values[attr]) > limit:
            raise RowError(_("%(column)s이(가) 너무 깁니다 (%(limit)d자 초과).",
                             column=COLUMN_OF[attr], limit=limit))
    url = values["apply_url"]
    if url and not url.lower().startswith(("http://", "https://")):
        raise RowError(_("상세조회URL이 http(s) 주소가 아닙니다."))
    values["source_updated_at"] = _parse_date(cells.get("수정일시", ""), "수정일시")
    values["region"] = region_of(values["provider"], cells.get("소관기관유형", ""))
    return values


def region_of(provider: str, provider_kind: str) -> str:
    """The area a local government's service is for (its 소관기관명); "" for a national one."""
    if provider_kind in data.LOCAL_PROVIDER_KINDS and len(provider) <= REGION_MAX:
        return provider
    return ""


def _parse_date(value: str, column: str) -> datetime | None:
    """The portal's local (Asia/Seoul) time, e.g. 20260312091530, stored as UTC."""
    if not value:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=SEOUL)
        except ValueError:
            continue
    raise RowError(_("%(column)s을(를) 읽을 수 없습니다: %(value)s", column=column, value=value[:30]))


def parse_condition_row(cells: dict[str, str]) -> dict[str, Any]:
    """Age range, sex and the restricting flags of one support-conditions row.

    :raise RowError: an age that is not a whole number from 0 to 150, or a range that ends
        before it starts.
    """
    min_age = _parse_age(cells.get(data.JA_MIN_AGE, ""), data.JA_MIN_AGE)
    max_age = _parse_age(cells.get(data.JA_MAX_AGE, ""), data.JA_MAX_AGE)
    # The portal writes 0 for "no bound".
    min_age = min_age or None
    max_age = max_age or None
    if min_age is not None and max_age is not None and max_age < min_age:
        raise RowError(_("대상 연령의 끝(%(hi)d세)이 시작(%(lo)d세)보다 작습니다.",
                         lo=min_age, hi=max_age))
    flagged = {code for code, value in cells.items()
               if JA_COLUMN.match(code) and value.upper() == "Y"}
    codes = []
    for members, no_restriction in data.JA_GROUPS.values():
        chosen = [code for code in members if code in flagged]
        if not chosen or len(chosen) == len(members) or no_restriction in flagged:
            continue
        codes.extend(chosen)
    sex_codes = [code for code in codes if code in data.JA_SEX]
    return {
        "min_age": min_age,
        "max_age": max_age,
        "sex": Sex(data.JA_SEX[sex_codes[0]]) if len(sex_codes) == 1 else None,
        "condition_codes": [code for code in codes if code not in data.JA_SEX],
    }


def _parse_age(value: str, column: str) -> int | None:
    if not value:
        return None
    try:
        age = int(float(value))
    except ValueError:
        raise RowError(_("%(column)s 연령이 숫자가 아닙니다: %(value)s",
                         column=column, value=value[:20])) from None
    if not 0 <= age <= 150:
        raise RowError(_("%(column)s 연령이 범위를 벗어났습니다: %(value)s", column=column, value=value))
    return age


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
            cells = _cells(row)
            service_id = _service_id(cells)
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
            cells = _cells(row)
            service_id = _service_id(cells)
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
