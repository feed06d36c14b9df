"""Request and response schemas of the JSON API (marshmallow; the OpenAPI document is made
from them). Messages are Korean. Checks that the web forms also make are not written here
again: the schemas call :mod:`cases.validation` and use its limits.
"""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import fields, validate

from cases import validation as rules
from cases.models import ClosureReason, ConsentKind, ConsentMethod, NoteKind, Priority
from catalogue.models import CustomerType
from centers.models import Domain, Sex
from core.extensions import db
from intake.services import NOTE_MAX, PARTY_SIZE_MAX
from referrals.models import (
    ContactPreference,
    DeclineReason,
    Outcome,
    ReferralStatus,
    Urgency,
)

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


def _run(check, *args, **kwargs):
    """A shared check of :mod:`cases.validation` as a marshmallow field error."""
    try:
        return check(*args, **kwargs)
    except rules.InvalidField as error:
        raise ma.ValidationError(str(error.message)) from error


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


# --- people ----------------------------------------------------------------------------------

class PersonSearchArgs(Schema):
    q = fields.String(required=True, validate=validate.Length(
        min=1, max=50, error="1자 이상 {max}자 이하로 입력하세요."), metadata={
        "description": "이름(일부나 초성), 생년월일, 전화번호 또는 (센터가 처리하면) 주민등록번호"})
    page = fields.Integer(load_default=1, validate=between(1, 100_000))
    per_page = fields.Integer(load_default=25, validate=between(1, PER_PAGE_MAX))


class PersonSummary(Schema):
    id = fields.Integer(required=True)
    masked_name = fields.String(required=True)
    birth_date = fields.Date(required=True)
    masked_phone = fields.String(required=True, allow_none=True)
    last_visit_on = fields.Date(required=True, allow_none=True)


class PersonSearchResult(page_of(PersonSummary, "PersonPage")):
    understood_as = fields.String(required=True, metadata={
        "description": "검색어를 무엇으로 읽었는지: name, initials, birth_date, phone, rrn, "
                       "rrn_disabled(이 센터는 주민등록번호를 처리하지 않음), unknown, empty"})


class Consent(Schema):
    id = fields.Integer(required=True)
    kind = enum_field(ConsentKind, required=True)
    document_version = fields.Integer(required=True)
    method = enum_field(ConsentMethod, required=True)
    given_on = fields.Date(required=True)
    expires_on = fields.Date(required=True, allow_none=True)
    recorded_at = fields.DateTime(required=True)
    withdrawn_at = fields.DateTime(required=True, allow_none=True)
    withdrawal_note = fields.String(required=True)
    in_force = fields.Boolean(required=True)
    agencies = fields.List(fields.Nested(AgencyRef), required=True)


class Person(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    birth_date = fields.Date(required=True)
    sex = enum_field(Sex, required=True)
    phone = fields.String(required=True, allow_none=True, metadata={"description": "010-1234-5678"})
    address_sigungu = fields.String(required=True)
    address_detail = fields.String(required=True)
    household_size = fields.Integer(required=True, allow_none=True)
    customer_types = fields.List(fields.String(), required=True)
    masked_rrn = fields.String(required=True, allow_none=True, metadata={"description": "850302-1******"})
    created_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)
    consents = fields.List(fields.Nested(Consent), required=True)


class RegistrationConsent(Schema):
    collection = fields.Boolean(required=True, metadata={
        "description": "개인정보 수집·이용에 동의함. 동의 없이는 등록하지 않습니다."})
    method = enum_field(ConsentMethod, required=True)
    expires_on = fields.Date(allow_none=True, load_default=None)
    third_party_agency_ids = fields.List(record_id(), load_default=list, metadata={
        "description": "개인정보 제3자 제공에 동의한 기관"})

    @ma.validates("collection")
    def _collection(self, value, **_kw):
        _run(rules.check_collection_consent, value)


class PersonCreate(Schema):
    name = fields.String(required=True, validate=max_length(rules.NAME_MAX))
    birth_date = fields.String(required=True, metadata={
        "description": "생년월일: 1985-03-02 (850302, 1985.3.2 도 받습니다)"})
    sex = enum_field(Sex, required=True)
    phone = fields.String(allow_none=True, load_default=None, validate=max_length(rules.PHONE_MAX))
    address_sigungu = fields.String(load_default="", validate=max_length(rules.SIGUNGU_MAX))
    address_detail = fields.String(load_default="", validate=max_length(rules.ADDRESS_MAX))
    household_size = fields.Integer(allow_none=True, load_default=None, validate=between(
        rules.HOUSEHOLD_MIN, rules.HOUSEHOLD_MAX, str(rules.HOUSEHOLD_MESSAGE)))
    customer_types = fields.List(fields.String(validate=max_length(32)), load_default=list,
                                 metadata={"description": "정책고객 유형 코드"})
    rrn = fields.String(allow_none=True, load_default=None, validate=max_length(rules.RRN_MAX),
                        metadata={"description": "센터가 주민등록번호를 처리할 때만"})
    consent = fields.Nested(RegistrationConsent, required=True)
    confirmed_new = fields.Boolean(load_default=False, metadata={
        "description": "비슷한 사람이 있다는 409 응답을 확인한 뒤에도 새로 등록할 때 true"})

    @ma.post_load
    def _clean(self, data, **_kw):
        """Parse and check with the same functions as the desk's registration form."""
        errors: dict[str, list[str]] = {}

        def check(name, function, *args, **kwargs):
            try:
                return function(*args, **kwargs)
            except rules.InvalidField as error:
                errors[name] = [str(error.message)]
                return None

        data["name"] = check("name", rules.check_name, data["name"])
        data["birth_date"] = check("birth_date", rules.check_birth_date, data["birth_date"])
        data["phone"] = check("phone", rules.check_phone, data.get("phone"))
        if data.get("rrn"):
            data["rrn"] = check("rrn", rules.check_rrn, data["rrn"],
                                birth_date=data["birth_date"], sex=data["sex"])
        unknown = set(data["customer_types"]) - set(db.session.scalars(
            sa.select(CustomerType.code).where(CustomerType.code.in_(data["customer_types"]))))
        if unknown:
            errors["customer_types"] = ["알 수 없는 정책고객 유형입니다: " + ", ".join(sorted(unknown))]
        if errors:
            raise ma.ValidationError(errors)
        return data


class ConsentCreate(Schema):
    kind = enum_field(ConsentKind, required=True)
    method = enum_field(ConsentMethod, required=True)
    given_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "비우면 오늘"})
    expires_on = fields.Date(load_default=None, allow_none=True)
    agency_ids = fields.List(record_id(), load_default=list, metadata={
        "description": "제3자 제공 동의일 때 제공에 동의한 기관"})

    @ma.validates("given_on")
    def _given_on(self, value, **_kw):
        _run(rules.check_consent_given_on, value)


class ConsentWithdraw(Schema):
    note = fields.String(load_default="", validate=max_length(300))


# --- visits ----------------------------------------------------------------------------------

class VisitCreate(Schema):
    person_id = record_id(allow_none=True, load_default=None, metadata={
        "description": "방문자 번호. 비우면 익명 방문(개인정보 없이 목적과 인원만)"})
    purposes = fields.List(enum_field(Domain), required=True)
    plan = fields.List(record_id(), required=True, metadata={
        "description": "안내할 창구(기관 번호)를 차례대로"})
    note = fields.String(load_default="", validate=max_length(NOTE_MAX))
    party_size = fields.Integer(load_default=1, validate=between(1, PARTY_SIZE_MAX))


class VisitStop(Schema):
    id = fields.Integer(required=True)
    agency = fields.Nested(AgencyRef, required=True)
    position = fields.Integer(required=True)
    status = fields.String(required=True)
    queued_at = fields.DateTime(required=True, allow_none=True)
    called_at = fields.DateTime(required=True, allow_none=True)
    started_at = fields.DateTime(required=True, allow_none=True)
    finished_at = fields.DateTime(required=True, allow_none=True)


class VisitSuggestion(Schema):
    service_id = fields.Integer(required=True)
    name = fields.String(required=True)
    reasons = fields.List(fields.String(), required=True)
    agency = fields.Nested(AgencyRef, required=True, allow_none=True)
    desk = fields.String(required=True)


class Visit(Schema):
    id = fields.Integer(required=True)
    ticket_number = fields.String(required=True, metadata={"description": "번호표 (A-012)"})
    status = fields.String(required=True)
    visit_date = fields.Date(required=True)
    arrived_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(required=True, allow_none=True)
    party_size = fields.Integer(required=True)
    note = fields.String(required=True)
    person = fields.Nested(PersonRef, required=True, allow_none=True)
    purposes = fields.List(fields.String(), required=True)
    stops = fields.List(fields.Nested(VisitStop), required=True)
    current_stop_id = fields.Integer(required=True, allow_none=True)
    allowed_actions = fields.List(fields.String(), required=True, metadata={
        "description": "호출한 직원이 지금 할 수 있는 처리 (call, start, finish, leave)"})
    suggestions = fields.List(fields.Nested(VisitSuggestion), required=True)
    version = fields.Integer(required=True)


VisitPage = page_of(Visit, "VisitPage")


class QueueArgs(PageArgs):
    agency = record_id(load_default=None, metadata={
        "description": "이 기관 창구에서 기다리거나 상담 중인 방문만. 사례관리자는 비우면 자기 기관"})


# --- cases -----------------------------------------------------------------------------------

class CaseCreate(Schema):
    person_id = record_id(required=True)
    priority = enum_field(Priority, load_default=Priority.NORMAL.value)
    summary = fields.String(required=True, validate=validate.Length(
        min=1, max=4000, error="1자 이상 {max}자 이하로 입력하세요."))
    caseworker_id = record_id(allow_none=True, load_default=None, metadata={
        "description": "담당자(같은 기관의 사례관리자). 비우면 자기 자신"})
    visit_id = record_id(allow_none=True, load_default=None, metadata={
        "description": "이 방문에서 사례를 열었을 때"})


class Note(Schema):
    id = fields.Integer(required=True)
    kind = enum_field(NoteKind, required=True)
    body = fields.String(required=True, allow_none=True, metadata={
        "description": "다른 기관의 비공개 메모는 null"})
    is_confidential = fields.Boolean(required=True)
    author = fields.Nested(StaffRef, required=True)
    agency_id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)


class NoteCreate(Schema):
    kind = enum_field(NoteKind, required=True)
    body = fields.String(required=True, validate=validate.Length(
        min=1, max=10000, error="1자 이상 {max}자 이하로 입력하세요."))
    is_confidential = fields.Boolean(load_default=False)


class CaseEvent(Schema):
    at = fields.DateTime(required=True)
    from_status = fields.String(required=True, allow_none=True)
    to_status = fields.String(required=True)
    note = fields.String(required=True)
    actor = fields.Nested(StaffRef, required=True)


class CasePerson(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class Case(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    priority = enum_field(Priority, required=True)
    summary = fields.String(required=True)
    person = fields.Nested(CasePerson, required=True)
    agency = fields.Nested(AgencyRef, required=True)
    caseworker = fields.Nested(StaffRef, required=True)
    opened_at = fields.DateTime(required=True)
    closed_at = fields.DateTime(required=True, allow_none=True)
    closure_reason = fields.String(required=True, allow_none=True)
    closure_note = fields.String(required=True)
    follow_up_on = fields.Date(required=True, allow_none=True)
    last_contact_at = fields.DateTime(required=True, allow_none=True)
    allowed_transitions = fields.List(fields.String(), required=True, metadata={
        "description": "호출한 직원이 할 수 있는 상태 변경"})
    events = fields.List(fields.Nested(CaseEvent), required=True)
    notes = fields.List(fields.Nested(Note), required=True)
    version = fields.Integer(required=True)


class CaseClose(VersionArgs):
    reason = enum_field(ClosureReason, required=True)
    note = fields.String(load_default="", validate=max_length(500))
    follow_up_on = fields.Date(load_default=None, allow_none=True)


# --- service catalogue -----------------------------------------------------------------------

class ServiceArgs(PageArgs):
    q = fields.String(load_default=None, validate=max_length(100))
    domain = enum_field(Domain, load_default=None)
    customer_type = fields.List(fields.String(validate=max_length(32)), load_default=list,
                                metadata={"description": "정책고객 유형 코드 (여러 번 쓸 수 있음)"})
    age = fields.Integer(load_default=None, validate=between(0, 130))
    sex = enum_field(Sex, load_default=None)
    centre = fields.String(load_default=None, validate=max_length(32), metadata={
        "description": "센터 코드. 비우면(생략하면) 자기 센터, 빈 문자열이면 전국 카탈로그"})


class ServiceItem(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    domain = enum_field(Domain, required=True)
    provider = fields.String(required=True)
    purpose = fields.String(required=True)
    target = fields.String(required=True)
    support = fields.String(required=True)
    how_to_apply = fields.String(required=True)
    apply_url = fields.String(required=True)
    age_label = fields.String(required=True)
    sex = enum_field(Sex, required=True, allow_none=True)
    customer_types = fields.List(fields.String(), required=True)
    reasons = fields.List(fields.String(), required=True, metadata={"description": "왜 맞는지"})
    agency = fields.Nested(AgencyRef, required=True, allow_none=True)
    desk = fields.String(required=True)


ServicePage = page_of(ServiceItem, "ServicePage")


# --- referrals -------------------------------------------------------------------------------

class ReferralCreate(Schema):
    case_id = record_id(required=True, metadata={"description": "보내는 쪽(자기 기관)의 사례"})
    to_agency_id = record_id(required=True)
    service_id = record_id(allow_none=True, load_default=None)
    reason = fields.String(required=True, validate=validate.Length(
        min=1, max=4000, error="1자 이상 {max}자 이하로 입력하세요."))
    needs = fields.String(load_default="", validate=max_length(4000))
    urgency = enum_field(Urgency, load_default=Urgency.NORMAL.value)
    contact_preference = enum_field(ContactPreference,
                                    load_default=ContactPreference.PHONE.value)


class ReferralAction(VersionArgs):
    note = fields.String(load_default="", validate=max_length(4000))
    decline_reason = enum_field(DeclineReason, load_default=None, allow_none=True)
    outcome = enum_field(Outcome, load_default=None, allow_none=True)
    assignee_id = record_id(allow_none=True, load_default=None, metadata={
        "description": "수락할 때 담당자(받는 기관의 사례관리자). 비우면 자기 자신"})


class ReferralListArgs(PageArgs):
    box = fields.String(load_default="incoming", validate=one_of(("incoming", "outgoing")))
    status = enum_field(ReferralStatus, load_default=None)
    urgency = enum_field(Urgency, load_default=None)
    agency = record_id(load_default=None, metadata={"description": "상대 기관"})
    overdue = fields.Boolean(load_default=False)


class ReferralEvent(Schema):
    at = fields.DateTime(required=True)
    from_status = fields.String(required=True, allow_none=True)
    to_status = fields.String(required=True)
    note = fields.String(required=True)
    actor = fields.Nested(StaffRef, required=True)


class Referral(Schema):
    id = fields.Integer(required=True)
    status = enum_field(ReferralStatus, required=True)
    person = fields.Nested(PersonRef, required=True)
    from_case_id = fields.Integer(required=True)
    to_case_id = fields.Integer(required=True, allow_none=True)
    from_agency = fields.Nested(AgencyRef, required=True)
    to_agency = fields.Nested(AgencyRef, required=True)
    service_id = fields.Integer(required=True, allow_none=True)
    reason = fields.String(required=True)
    needs = fields.String(required=True)
    urgency = enum_field(Urgency, required=True)
    contact_preference = enum_field(ContactPreference, required=True)
    sent_by = fields.Nested(StaffRef, required=True)
    sent_at = fields.DateTime(required=True)
    due_at = fields.DateTime(required=True)
    is_overdue = fields.Boolean(required=True)
    assigned_to = fields.Nested(StaffRef, required=True, allow_none=True)
    decline_reason = fields.String(required=True, allow_none=True)
    outcome = fields.String(required=True, allow_none=True)
    closing_note = fields.String(required=True)
    allowed_actions = fields.List(fields.String(), required=True, metadata={
        "description": "호출한 직원이 지금 할 수 있는 처리 (accept, decline, start, complete, cancel)"})
    events = fields.List(fields.Nested(ReferralEvent), required=True)
    version = fields.Integer(required=True)


ReferralPage = page_of(Referral, "ReferralPage")


# --- reports ---------------------------------------------------------------------------------

class ReportFigure(Schema):
    label = fields.String(required=True)
    value = fields.Raw(required=True, allow_none=True, metadata={"type": "number", "nullable": True})
    unit = fields.String(required=True)


class ReportTable(Schema):
    title = fields.String(required=True)
    columns = fields.List(fields.String(), required=True)
    rows = fields.List(fields.List(fields.Raw(allow_none=True)), required=True)
    footer = fields.List(fields.Raw(allow_none=True), required=True, allow_none=True)


class ReportSection(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    figures = fields.List(fields.Nested(ReportFigure), required=True)
    tables = fields.List(fields.Nested(ReportTable), required=True)
    note = fields.String(required=True)


class ReportHeadline(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    unit = fields.String(required=True)
    value = fields.Raw(required=True, allow_none=True, metadata={"type": "number", "nullable": True})
    previous = fields.Raw(required=True, allow_none=True, metadata={"type": "number", "nullable": True})
    year_before = fields.Raw(required=True, allow_none=True,
                             metadata={"type": "number", "nullable": True})


class ReportStanding(Schema):
    closed = fields.Boolean(required=True, metadata={"description": "마감한 달"})
    text = fields.String(required=True, metadata={"description": "마감 …, 제N판 / 잠정 (… 기준)"})
    version = fields.Integer(required=True, allow_none=True, metadata={"description": "판"})
    closed_at = fields.String(required=True, allow_none=True)
    closed_by = fields.String(required=True)
    reason = fields.String(required=True, metadata={"description": "재작성 사유"})
    data_as_of = fields.String(required=True)
    latest_version = fields.Integer(required=True, allow_none=True)


class ReportDefinition(Schema):
    label = fields.String(required=True)
    definition = fields.String(required=True)


def _number(description: str):
    return fields.Raw(required=True, allow_none=True,
                      metadata={"type": "number", "nullable": True, "description": description})


class ReportTarget(Schema):
    key = fields.String(required=True, metadata={"description": "visits, registered, "
                                                 "cases_closed, employed, referrals_completed, "
                                                 "one_stop_share"})
    label = fields.String(required=True)
    unit = fields.String(required=True, metadata={"description": "count, people, percent"})
    month_target = _number("그달 목표")
    month_actual = _number("그달 실적")
    month_attainment = _number("그달 달성률(%), 목표가 없으면 null")
    ytd_target = _number("올해 누계 목표")
    ytd_actual = _number("올해 누계 실적")
    ytd_attainment = _number("누계 달성률(%)")


class MonthlyReport(Schema):
    centre_code = fields.String(required=True)
    centre_name = fields.String(required=True)
    month = fields.String(required=True, metadata={"description": "YYYY-MM"})
    is_partial = fields.Boolean(required=True, metadata={"description": "아직 끝나지 않은 달"})
    standing = fields.Nested(ReportStanding, required=True)
    headlines = fields.List(fields.Nested(ReportHeadline), required=True)
    sections = fields.List(fields.Nested(ReportSection), required=True)
    targets = fields.List(fields.Nested(ReportTarget), required=True, metadata={
        "description": "목표 대비 실적: 마감한 달은 마감할 때의 목표"})
    definitions = fields.List(fields.Nested(ReportDefinition), required=True)
