"""Front-desk forms. Every field says in Korean what is wrong, and keeps what was typed."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from cases import identity
from cases.models import ConsentMethod, Sex
from core.forms import MultiCheckboxField, enum_options

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


class ClientForm(FlaskForm):
    name = StringField(_l("이름"), filters=[_strip],
                       validators=[InputRequired(REQUIRED), Length(max=50)])
    birth_date = StringField(
        _l("생년월일"), filters=[_strip], validators=[InputRequired(REQUIRED)],
        description=_l("예: 1985-03-02, 850302, 1985.3.2"),
    )
    sex = RadioField(_l("성별"), choices=enum_options(Sex),
                     validators=[InputRequired(_l("성별을 고르세요."))])
    phone = StringField(_l("전화번호"), filters=[_strip], validators=[Optional(), Length(max=30)],
                        description=_l("예: 010-1234-5678"))
    address_sigungu = StringField(_l("주소 (시·군·구)"), filters=[_strip],
                                  validators=[Optional(), Length(max=30)])
    address_detail = StringField(_l("주소 (나머지)"), filters=[_strip],
                                 validators=[Optional(), Length(max=200)])
    household_size = IntegerField(
        _l("가구원 수"), validators=[Optional(), NumberRange(min=1, max=30,
                                                            message=_l("1에서 30 사이로 입력하세요."))]
    )
    customer_types = MultiCheckboxField(_l("정책고객 유형"), choices=[])
    rrn = StringField(_l("주민등록번호"), filters=[_strip], validators=[Optional(), Length(max=14)],
                      description=_l("법적 근거가 있는 경우에만 입력합니다. 저장 후에는 가려서 보입니다."))

    parsed_birth_date: date | None = None
    normalised_phone: str | None = None

    def validate_name(self, field):
        if not field.data or not field.data.strip():
            raise ValidationError(_l("이름을 입력하세요."))
        if any(char.isdigit() for char in field.data):
            raise ValidationError(_l("이름에 숫자를 쓸 수 없습니다."))

    def validate_birth_date(self, field):
        parsed = identity.parse_birth_date(field.data or "")
        if parsed is None:
            raise ValidationError(_l("있을 수 없는 날짜입니다. 예: 1985-03-02"))
        if parsed > date.today():
            raise ValidationError(_l("생년월일이 오늘보다 뒤일 수 없습니다."))
        if parsed.year < 1900:
            raise ValidationError(_l("1900년 이후의 날짜를 입력하세요."))
        self.parsed_birth_date = parsed

    def validate_phone(self, field):
        if field.data:
            self.normalised_phone = identity.normalise_phone(field.data)
            if self.normalised_phone is None:
                raise ValidationError(_l("있을 수 없는 전화번호입니다. 예: 010-1234-5678"))

    def validate_rrn(self, field):
        if not field.data:
            return
        try:
            digits, birth, sex = identity.parse_rrn(field.data)
        except identity.RRNError as error:
            messages = {
                "format": _l("주민등록번호는 13자리 숫자입니다. 예: 850302-1234567"),
                "date": _l("주민등록번호의 생년월일 부분이 올바르지 않습니다."),
                "checksum": _l("주민등록번호가 올바르지 않습니다. 다시 확인하세요."),
            }
            raise ValidationError(messages[str(error)]) from error
        if self.parsed_birth_date and birth != self.parsed_birth_date:
            raise ValidationError(_l("주민등록번호와 생년월일이 서로 다릅니다."))
        if self.sex.data and sex != self.sex.data:
            raise ValidationError(_l("주민등록번호와 성별이 서로 다릅니다."))

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
        if not field.data:
            raise ValidationError(_l(
                "개인정보 수집·이용 동의 없이는 개인정보를 등록할 수 없습니다. "
                "동의하지 않으면 익명 방문으로 접수하세요."
            ))


class ClientEditForm(ClientForm):
    version = HiddenField()
    submit = SubmitField(_l("저장"))


class ConsentForm(FlaskForm):
    kind = SelectField(_l("동의서"), choices=[])
    agencies = MultiCheckboxField(_l("제공에 동의한 기관 (제3자 제공 동의일 때)"), coerce=int, choices=[])
    method = SelectField(_l("동의 방법"), choices=enum_options(ConsentMethod))
    given_on = DateField(_l("동의일"), default=date.today, validators=[InputRequired(REQUIRED)])
    expires_on = DateField(_l("동의 만료일 (선택)"), validators=[Optional()])
    submit = SubmitField(_l("동의 기록"))

    def validate_given_on(self, field):
        if field.data and field.data > date.today():
            raise ValidationError(_l("동의일이 오늘보다 뒤일 수 없습니다."))


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
                                          NumberRange(min=1, max=20,
                                                      message=_l("1에서 20 사이로 입력하세요."))])
    note = TextAreaField(_l("메모"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("접수하고 번호표 발행"))

    DESKS = ("desk_1", "desk_2", "desk_3", "desk_4")

    def plan_ids(self) -> list[int]:
        return [getattr(self, name).data for name in self.DESKS if getattr(self, name).data]

    def validate_desk_1(self, field):
        if not field.data:
            raise ValidationError(_l("첫 번째 창구를 고르세요."))


class AddStopForm(FlaskForm):
    agency_id = SelectField(_l("창구 추가"), coerce=int, choices=[])
    submit = SubmitField(_l("추가"))


class ConsentDocumentForm(FlaskForm):
    title = StringField(_l("제목"), validators=[InputRequired(REQUIRED), Length(max=200)])
    purpose = TextAreaField(_l("수집·이용 목적"), validators=[InputRequired(REQUIRED)])
    items = TextAreaField(_l("수집 항목"), validators=[InputRequired(REQUIRED)])
    retention = StringField(_l("보유·이용 기간"), validators=[InputRequired(REQUIRED), Length(max=200)])
    refusal_notice = TextAreaField(_l("동의를 거부할 권리와 거부할 때의 불이익"),
                                   validators=[InputRequired(REQUIRED)])
    submit = SubmitField(_l("새 판으로 게시"))
