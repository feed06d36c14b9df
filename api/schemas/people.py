"""The JSON API's schemas of people and their consent."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import fields, validate

from api.schemas.base import (
    PER_PAGE_MAX,
    AgencyRef,
    Schema,
    between,
    enum_field,
    max_length,
    page_of,
    record_id,
)
from cases import validation as rules
from cases.models import ConsentKind, ConsentMethod
from catalogue.models import CustomerType
from centers.models import Sex
from core.extensions import db


def _run(check, *args, **kwargs):
    """A shared check of :mod:`cases.validation` as a marshmallow field error."""
    try:
        return check(*args, **kwargs)
    except rules.InvalidField as error:
        raise ma.ValidationError(str(error.message)) from error


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
