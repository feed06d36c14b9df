"""The JSON API's schemas of visits and today's queue."""

from __future__ import annotations

from marshmallow import fields

from api.schemas.base import (
    AgencyRef,
    PageArgs,
    PersonRef,
    Schema,
    between,
    enum_field,
    max_length,
    page_of,
    record_id,
)
from centers.models import Domain
from intake.services import NOTE_MAX, PARTY_SIZE_MAX


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
