"""Forms of the partner screens."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from centers.forms import REQUIRED
from core.forms import MultiCheckboxField, enum_options
from partners.models import PartnerKind


class PartnerForm(FlaskForm):
    name = StringField(_l("기관 이름"), validators=[DataRequired(REQUIRED), Length(max=200)])
    kind = SelectField(_l("기관 종류"), choices=enum_options(PartnerKind),
                       validators=[DataRequired(REQUIRED)])
    contact_name = StringField(_l("담당자"), validators=[Optional(), Length(max=100)])
    phone = StringField(_l("전화번호"), validators=[Optional(), Length(max=40)])
    email = StringField(_l("전자우편 (의뢰 알림을 받는 주소)"),
                        validators=[Optional(), Length(max=254)])
    website = StringField(_l("누리집"), validators=[Optional(), Length(max=500)])
    services_offered = TextAreaField(_l("제공 서비스 (한 줄에 하나)"),
                                     validators=[Optional(), Length(max=4000)])
    services = MultiCheckboxField(_l("연결된 센터 서비스"), coerce=int, choices=[],
                                  validators=[Optional()])
    response_target_hours = IntegerField(
        _l("응답 목표 (근무시간)"), default=16,
        validators=[DataRequired(REQUIRED),
                    NumberRange(min=1, max=200, message=_l("1에서 200 사이로 입력하세요."))])
    is_active = BooleanField(_l("의뢰 받음"), default=True)
    submit = SubmitField(_l("저장"))


class PartnerImportForm(FlaskForm):
    file = FileField(_l("HSDS 3.0 JSON 파일"), validators=[
        FileRequired(REQUIRED), FileAllowed(["json"], _l("JSON 파일만 올릴 수 있습니다."))])
    submit = SubmitField(_l("가져오기"))


class WebhookForm(FlaskForm):
    url = StringField(_l("웹훅 주소 (비우면 보내지 않음)"), validators=[Optional(), Length(max=500)])
