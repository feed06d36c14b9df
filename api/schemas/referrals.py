"""The JSON API's schemas of referrals between agencies."""

from __future__ import annotations

from marshmallow import fields, validate

from api.schemas.base import (
    AgencyRef,
    PageArgs,
    PersonRef,
    Schema,
    StaffRef,
    StatusEvent,
    VersionArgs,
    enum_field,
    max_length,
    one_of,
    page_of,
    record_id,
)
from referrals.models import (
    ContactPreference,
    DeclineReason,
    Outcome,
    ReferralStatus,
    Urgency,
)


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


class ReferralEvent(StatusEvent):
    pass


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
