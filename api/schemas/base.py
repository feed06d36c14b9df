"""What every schema of the JSON API shares: Korean messages, refusal of unknown members, the
validators, the pieces that many resources show (references, pages, versions, problems)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

KOREAN_MESSAGES = {
    "required": "필수 항목입니다.",
    "null": "비워 둘 수 없습니다.",
    "validator_failed": "올바른 값이 아닙니다.",
    "invalid": "형식이 올바르지 않습니다.",
    "invalid_utf8": "UTF-8 문자열이 아닙니다.",
    "too_large": "너무 큰 수입니다.",
    "format": "형식이 올바르지 않습니다.",
    "type": "형식이 올바르지 않습니다.",
    "invalid_awareness": "시간대가 있어야 합니다.",
}
PER_PAGE_MAX = 100
INT_MAX = 2**31 - 1  # the databases' INTEGER: a larger number cannot name a row
# A record number in a URL: <{ROUTE_ID}:case_id>; a larger one is simply not found (404).
ROUTE_ID = f"int(min=1, max={INT_MAX})"


def plain_text(value: str) -> None:
    """Text the databases can store: no NUL character, no lone surrogate."""
    if "\x00" in value:
        raise ma.ValidationError("NUL 문자는 쓸 수 없습니다.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ma.ValidationError("UTF-8로 나타낼 수 없는 문자가 있습니다.") from error


def _koreanise(field: fields.Field) -> None:
    field.error_messages = {
        key: KOREAN_MESSAGES.get(key, message) for key, message in field.error_messages.items()
    }
    if isinstance(field, fields.String) and plain_text not in field.validators:
        field.validators.insert(0, plain_text)
    if isinstance(field, fields.List):
        _koreanise(field.inner)


class Schema(ma.Schema):
    """Every API schema: Korean messages; unknown body members are refused, not ignored."""

    error_messages = {"unknown": "알 수 없는 항목입니다.", "type": "JSON 객체여야 합니다."}

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        _koreanise(field_obj)


class QuerySchema(Schema):
    """Query strings: parameters the API does not know are ignored (e.g. a cache buster)."""

    class Meta:
        unknown = ma.EXCLUDE


def max_length(n: int) -> validate.Length:
    return validate.Length(max=n, error="{max}자 이하로 입력하세요.")


def between(low: int, high: int, error: str | None = None) -> validate.Range:
    return validate.Range(min=low, max=high, error=error or "{min}에서 {max} 사이로 입력하세요.")


def one_of(values) -> validate.OneOf:
    return validate.OneOf([str(v) for v in values], error="다음 가운데 하나여야 합니다: {choices}")


def record_id(**kwargs) -> fields.Integer:
    """A reference to a row by its number."""
    return fields.Integer(validate=between(1, INT_MAX, "없는 번호입니다."), **kwargs)


def enum_field(enum_cls, **kwargs) -> fields.String:
    return fields.String(validate=one_of(m.value for m in enum_cls), **kwargs)



# --- common pieces ---------------------------------------------------------------------------

class AgencyRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    desk_location = fields.String(required=True)


class StaffRef(Schema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)


class PersonRef(Schema):
    id = fields.Integer(required=True)
    masked_name = fields.String(required=True, metadata={"description": "홍*동처럼 가린 이름"})


class StatusEvent(Schema):
    """A step in a record's life (a case's, a referral's): when, from which status to which,
    the note, by whom. Each resource names its own (``CaseEvent``, ``ReferralEvent``)."""

    at = fields.DateTime(required=True)
    from_status = fields.String(required=True, allow_none=True)
    to_status = fields.String(required=True)
    note = fields.String(required=True)
    actor = fields.Nested(StaffRef, required=True)


class PageArgs(QuerySchema):
    page = fields.Integer(load_default=1, validate=between(1, 100_000))
    per_page = fields.Integer(load_default=25, validate=between(1, PER_PAGE_MAX))


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    """The envelope of one page of a list, with the total over all pages."""
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item_schema), required=True),
        "total": fields.Integer(required=True, metadata={"description": "모든 쪽을 합한 수"}),
        "page": fields.Integer(required=True),
        "per_page": fields.Integer(required=True),
        "pages": fields.Integer(required=True),
    }, name=name)


class VersionArgs(Schema):
    version = fields.Integer(allow_none=True, load_default=None, validate=between(0, INT_MAX), metadata={
        "description": "읽었던 버전(ETag의 숫자). If-Match 헤더 대신 보낼 수 있습니다."})


class FieldProblem(Schema):
    field = fields.String(required=True)
    detail = fields.String(required=True)
    pointer = fields.String(metadata={"description": "본문의 JSON Pointer (#/name)"})
    parameter = fields.String(metadata={"description": "쿼리 매개변수 이름"})


class DuplicateCandidate(Schema):
    id = fields.Integer(required=True)
    masked_name = fields.String(required=True)
    birth_date = fields.Date(required=True)
    score = fields.Integer(required=True)
    reasons = fields.List(fields.String(), required=True)


class ProblemSchema(Schema):
    """Problem details (RFC 9457)."""

    type = fields.String(required=True, metadata={"description": "urn:hanjari:problem:… (고정된 값)"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    request_id = fields.String()
    errors = fields.List(fields.Nested(FieldProblem), metadata={"description": "항목별 오류 (422)"})
    candidates = fields.List(fields.Nested(DuplicateCandidate),
                             metadata={"description": "비슷한 사람 (duplicate-person)"})
