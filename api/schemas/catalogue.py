"""The JSON API's schemas of the service catalogue."""

from __future__ import annotations

from marshmallow import fields

from api.schemas.base import (
    AgencyRef,
    PageArgs,
    Schema,
    between,
    enum_field,
    max_length,
    page_of,
)
from centers.models import Domain, Sex


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
