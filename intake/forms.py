"""Front-desk forms. Every field says in Korean what is wrong, and keeps what was typed."""

from __future__ import annotations

import secrets
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from cases import validation as rules
from cases.models import ConsentMethod, Sex
from core.clock import local_today
from core.forms import MultiCheckboxField, choices, enum_options
from intake.services import NOTE_MAX, PARTY_SIZE_MAX

REQUIRED = _l("필수 항목입니다.")



class SearchForm(FlaskForm):
    q = StringField(
        _l("이름, 초성, 생년월일, 전화번호"),
        validators=[InputRequired(_l("찾을 내용을 입력하세요.")), Length(max=50)],
        render_kw={"autocomplete": "off", "autofocus": True},
    )
    submit = SubmitField(_l("찾기"))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CarriedSearchForm(FlaskForm):
    """What the search page posts on with "새로 등록" (a POST body: it is personal data): the
    name or birth date searched for, to start the registration form with. It only fills in a
    form the desk still reads and sends itself, so it asks for no token of its own."""

    class Meta:
        csrf = False

    carry_kind = SelectField(choices=choices([("name", "name"), ("birth_date", "birth_date")]))
    carry_value = StringField(filters=[lambda value: _strip(value)[:100] if value else value],
                              validators=[InputRequired()])

    def carried(self) -> dict | None:
        """The registration form's starting values, or None when nothing was carried."""
        if not (self.is_submitted() and self.validate()):
            return None
        return {self.carry_kind.data: self.carry_value.data}


def _field_check(check, *args, **kwargs):
    """Run a shared check of :mod:`cases.validation` as a WTForms field validator."""
    try:
        return check(*args, **kwargs)
    except rules.InvalidField as error:
        raise ValidationError(error.message) from error


class ClientForm(FlaskForm):
    name = StringField(_l("이름"), filters=[_strip],
                       validators=[InputRequired(REQUIRED), Length(max=rules.NAME_MAX)])
    birth_date = StringField(
        _l("생년월일"), filters=[_strip], validators=[InputRequired(REQUIRED)],
        description=_l("예: 1985-03-02, 850302, 1985.3.2"),
    )
    sex = RadioField(_l("성별"), choices=enum_options(Sex),
                     validators=[InputRequired(_l("성별을 고르세요."))])
    phone = StringField(_l("전화번호"), filters=[_strip],
                        validators=[Optional(), Length(max=rules.PHONE_MAX)],
                        description=_l("예: 010-1234-5678"))
    address_sigungu = StringField(_l("주소 (시·군·구)"), filters=[_strip],
                                  validators=[Optional(), Length(max=rules.SIGUNGU_MAX)])
    address_detail = StringField(_l("주소 (나머지)"), filters=[_strip],
                                 validators=[Optional(), Length(max=rules.ADDRESS_MAX)])
    household_size = IntegerField(
        _l("가구원 수"), validators=[Optional(), NumberRange(min=rules.HOUSEHOLD_MIN,
                                                            max=rules.HOUSEHOLD_MAX,
                                                            message=rules.HOUSEHOLD_MESSAGE)]
    )
    customer_types = MultiCheckboxField(_l("정책고객 유형"), choices=[])
    rrn = StringField(_l("주민등록번호"), filters=[_strip],
                      validators=[Optional(), Length(max=rules.RRN_MAX)],
                      description=_l("법적 근거가 있는 경우에만 입력합니다. 저장 후에는 가려서 보입니다."))

    parsed_birth_date: date | None = None
    normalised_phone: str | None = None

    # The checks themselves live in cases.validation, shared with the JSON API.
    def validate_name(self, field):
        _field_check(rules.check_name, field.data)

    def validate_birth_date(self, field):
        self.parsed_birth_date = _field_check(rules.check_birth_date, field.data)

    def validate_phone(self, field):
        if field.data:
            self.normalised_phone = _field_check(rules.check_phone, field.data)

    def validate_rrn(self, field):
        if field.data:
            _field_check(rules.check_rrn, field.data, birth_date=self.parsed_birth_date,
                         sex=self.sex.data)

    def values(self) -> dict:
        return {
            "name": self.name.data,
            "birth_date": self.parsed_birth_date,
            "sex": Sex(self.sex.data),
            "phone": self.normalised_phone,
            "address_sigungu": self.address_sigungu.data or "",
            "address_detail": self.address_detail.data or "",
            "household_size": self.household_size.data,
            "customer_types": self.customer_types.data,
        }


class RegistrationForm(ClientForm):
    """A new person: the record and their consent, saved together or not at all."""

    collection_consent = BooleanField(_l("개인정보 수집·이용에 동의함 (필수)"))
    third_party_agencies = MultiCheckboxField(_l("개인정보 제3자 제공에 동의한 기관 (선택)"),
                                              coerce=int, choices=[])
    consent_method = SelectField(_l("동의 방법"),
                                 choices=enum_options(ConsentMethod))
    consent_expires_on = DateField(_l("동의 만료일 (선택)"), validators=[Optional()])
    confirmed_new = HiddenField(default="")
    submit = SubmitField(_l("등록"))

    def validate_collection_consent(self, field):
        _field_check(rules.check_collection_consent, field.data)


class ClientEditForm(ClientForm):
    version = HiddenField()
    submit = SubmitField(_l("저장"))


class ConsentForm(FlaskForm):
    kind = SelectField(_l("동의서"), choices=[])
    agencies = MultiCheckboxField(_l("제공에 동의한 기관 (제3자 제공 동의일 때)"), coerce=int, choices=[])
    method = SelectField(_l("동의 방법"), choices=enum_options(ConsentMethod))
    given_on = DateField(_l("동의일"), default=local_today, validators=[InputRequired(REQUIRED)])
    expires_on = DateField(_l("동의 만료일 (선택)"), validators=[Optional()])
    submit = SubmitField(_l("동의 기록"))

    def validate_given_on(self, field):
        _field_check(rules.check_consent_given_on, field.data)


class WithdrawForm(FlaskForm):
    note = StringField(_l("철회 사유 (선택)"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("동의 철회"))


class LinkForm(FlaskForm):
    other_id = IntegerField(_l("같은 사람의 다른 기록 번호"),
                            validators=[InputRequired(REQUIRED), NumberRange(min=1)])
    reason = StringField(_l("연결 이유"), validators=[InputRequired(REQUIRED), Length(max=300)])
    submit = SubmitField(_l("기록 연결"))


class VisitForm(FlaskForm):
    purposes = MultiCheckboxField(_l("방문 목적"), choices=[],
                                  validators=[InputRequired(_l("방문 목적을 하나 이상 고르세요."))])
    desk_1 = SelectField(_l("첫 번째 창구"), coerce=int, choices=[])
    desk_2 = SelectField(_l("두 번째 창구"), coerce=int, choices=[])
    desk_3 = SelectField(_l("세 번째 창구"), coerce=int, choices=[])
    desk_4 = SelectField(_l("네 번째 창구"), coerce=int, choices=[])
    party_size = IntegerField(_l("인원"), default=1,
                              validators=[InputRequired(REQUIRED),
                                          NumberRange(min=1, max=PARTY_SIZE_MAX,
                                                      message=_l("1에서 20 사이로 입력하세요."))])
    note = TextAreaField(_l("메모"), validators=[Optional(), Length(max=NOTE_MAX)])
    # One token per form shown: posting it twice (a double click) issues one ticket.
    submission = HiddenField(default=lambda: secrets.token_urlsafe(16),
                             validators=[Optional(), Length(max=32),
                                         Regexp(r"^[A-Za-z0-9_-]*$")])
    submit = SubmitField(_l("접수하고 번호표 발행"))

    DESKS = ("desk_1", "desk_2", "desk_3", "desk_4")

    def propose_plan(self, agency_ids: list[int]) -> None:
        """Put the proposed desks in the desk fields, in order; the rest to (없음)."""
        for index, name in enumerate(self.DESKS):
            getattr(self, name).data = agency_ids[index] if index < len(agency_ids) else 0

    def plan_ids(self) -> list[int]:
        return [getattr(self, name).data for name in self.DESKS if getattr(self, name).data]

    def validate_desk_1(self, field):
        if not field.data:
            raise ValidationError(_l("첫 번째 창구를 고르세요."))


class AddStopForm(FlaskForm):
    agency_id = SelectField(_l("창구 추가"), coerce=int, choices=[])
    submit = SubmitField(_l("추가"))


RECIPIENT_TEXT_MAX = 300


class RecipientForm(Form):
    """One agency's row in a third-party consent document: named as a recipient or not, and
    what it is told (part of :class:`ConsentDocumentForm`, whose token covers it)."""

    agency_id = HiddenField()
    include = BooleanField(_l("포함"))
    purpose = StringField(_l("받는 기관의 이용 목적"), filters=[_strip])
    items = StringField(_l("제공 항목"), filters=[_strip])
    retention = StringField(_l("보유·이용 기간"), filters=[_strip])

    def texts(self) -> dict[str, str]:
        return {"purpose": self.purpose.data or "", "items": self.items.data or "",
                "retention": self.retention.data or ""}


class ConsentDocumentForm(FlaskForm):
    title = StringField(_l("제목"), validators=[InputRequired(REQUIRED), Length(max=200)])
    purpose = TextAreaField(_l("수집·이용 목적"), validators=[InputRequired(REQUIRED)])
    items = TextAreaField(_l("수집 항목"), validators=[InputRequired(REQUIRED)])
    retention = StringField(_l("보유·이용 기간"), validators=[InputRequired(REQUIRED), Length(max=200)])
    refusal_notice = TextAreaField(_l("동의를 거부할 권리와 거부할 때의 불이익"),
                                   validators=[InputRequired(REQUIRED)])
    # Not "recipients": the document's own attribute would fill it from obj=previous.
    recipient_rows = FieldList(FormField(RecipientForm), label=_l("받는 기관"))
    submit = SubmitField(_l("새 판으로 게시"))

    agency_names: dict[str, str] = {}
    wrong_texts: frozenset[str] = frozenset()  # ids of the recipients' texts to fix

    def offer_recipients(self, agencies, previous: dict, default: dict) -> None:
        """A row per agency of the centre (a third-party document): on a new form filled from
        the previous version (or the usual wording), on a sent one as the manager wrote it."""
        self.agency_names = {str(agency.id): agency.name for agency in agencies}
        if self.is_submitted():
            return
        for agency in agencies:
            row = previous.get(agency.id)
            texts = ({"purpose": row.purpose, "items": row.items, "retention": row.retention}
                     if row else default)
            self.recipient_rows.append_entry({"agency_id": str(agency.id), "include": bool(row),
                                              **texts})

    def validate_recipient_rows(self, field) -> None:
        """An agency named as a recipient needs all three texts, each of a storable length."""
        wrong = set()
        for row in field:
            name = self.agency_names.get(row.agency_id.data)
            if name is None or not row.include.data:
                continue
            texts = (row.purpose, row.items, row.retention)
            if not all(text.data for text in texts):
                field.errors.append(_("%(agency)s: 제공 목적, 항목, 보유 기간을 모두 적으세요.",
                                      agency=name))
            elif any(len(text.data) > RECIPIENT_TEXT_MAX for text in texts):
                field.errors.append(_("%(agency)s: 제공 목적, 항목, 보유 기간은 %(n)d자 이하로 "
                                      "적으세요.", agency=name, n=RECIPIENT_TEXT_MAX))
            wrong |= {text.id for text in texts
                      if not text.data or len(text.data) > RECIPIENT_TEXT_MAX}
        self.wrong_texts = frozenset(wrong)

    def recipients(self) -> list[dict]:
        """The agencies named as recipients, each with its texts."""
        return [{"agency_id": int(row.agency_id.data), **row.texts()} for row in self.recipient_rows
                if row.include.data and row.agency_id.data in self.agency_names]
