"""The JSON API's schemas of cases and their notes."""

from __future__ import annotations

from marshmallow import fields, validate

from api.schemas.base import (
    AgencyRef,
    Schema,
    StaffRef,
    StatusEvent,
    VersionArgs,
    enum_field,
    max_length,
    record_id,
)
from cases.models import ClosureReason, NoteKind, Priority


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


class CaseEvent(StatusEvent):
    pass


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
