"""Reading the national public-service open data ("대한민국 공공서비스(혜택) 정보").

Two tables come from the portal: the service list (Korean column names, multi-valued cells
joined with ``||``) and the support-conditions table (서비스ID plus ``JA`` flag columns). Either
comes as CSV (UTF-8 with or without BOM, or CP949) or as JSON (a list of objects, or the API's
``{"data": [...]}``). This module decodes both, refuses a file whose columns are not recognised
(:class:`ImportRefused`) and turns one row into the values a service stores, or says why it
cannot (:class:`RowError`). Nothing here touches the database: :mod:`catalogue.importer`
applies what is read.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from catalogue import data
from centers.models import Sex

SEOUL = ZoneInfo("Asia/Seoul")
MULTI = "||"

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


class ImportRefused(ValueError):
    """The whole file is refused (unreadable, or columns not recognised); nothing changed."""



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


def cells_of(row: Any) -> dict[str, str]:
    if not isinstance(row, dict):
        raise RowError(_("항목이 객체가 아닙니다."))
    if _BAD_SHAPE in row:
        found, expected = row[_BAD_SHAPE]
        raise RowError(_("칸 수가 머리글과 다릅니다 (머리글 %(expected)d칸, 이 행 %(found)d칸).",
                         expected=expected, found=found))
    return {key: "" if value is None else str(value).strip() for key, value in row.items()}


def service_id_of(cells: dict[str, str]) -> str:
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
