"""Forms of the organisation screens; messages in Korean through Babel."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from centers.models import Addon, AgencyKind
from core.forms import MultiCheckboxField, choices

REQUIRED = _l("필수 항목입니다.")


class LoginForm(FlaskForm):
    username = StringField(_l("아이디"), validators=[DataRequired(REQUIRED), Length(max=64)],
                           render_kw={"autofocus": True})
    password = PasswordField(_l("비밀번호"), validators=[DataRequired(REQUIRED), Length(max=256)])
    submit = SubmitField(_l("로그인"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("현재 비밀번호"), validators=[DataRequired(REQUIRED)])
    new = PasswordField(_l("새 비밀번호"), validators=[DataRequired(REQUIRED), Length(max=256)])
    confirm = PasswordField(_l("새 비밀번호 확인"), validators=[DataRequired(REQUIRED)])
    submit = SubmitField(_l("비밀번호 변경"))

    def validate_confirm(self, field):
        if field.data != self.new.data:
            raise ValidationError(_l("새 비밀번호가 서로 다릅니다."))


class EnrolForm(FlaskForm):
    username = StringField(_l("아이디"), validators=[DataRequired(REQUIRED), Length(max=64)])
    code = StringField(_l("등록 코드"), validators=[DataRequired(REQUIRED), Length(max=32)],
                       description=_l("관리자에게 받은 종이에 적힌 코드. 예: ABCD-EFGH-JKMN"))
    new = PasswordField(_l("새 비밀번호"), validators=[DataRequired(REQUIRED), Length(max=256)])
    confirm = PasswordField(_l("새 비밀번호 확인"), validators=[DataRequired(REQUIRED)])
    submit = SubmitField(_l("비밀번호 정하고 로그인"))

    def validate_confirm(self, field):
        if field.data != self.new.data:
            raise ValidationError(_l("새 비밀번호가 서로 다릅니다."))


class CentreForm(FlaskForm):
    code = StringField(
        _l("센터 코드"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=32),
            Regexp(r"^[a-z0-9-]+$", message=_l("영문 소문자, 숫자, 하이픈만 쓸 수 있습니다.")),
        ],
        description=_l("대기현황판 주소에 쓰입니다. 예: namyangju"),
    )
    name = StringField(_l("센터 이름"), validators=[DataRequired(REQUIRED), Length(max=100)])
    sido = StringField(_l("시·도"), validators=[DataRequired(REQUIRED), Length(max=20)])
    sigungu = StringField(_l("시·군·구"), validators=[DataRequired(REQUIRED), Length(max=30)])
    address = StringField(_l("주소"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("대표 전화"), validators=[Optional(), Length(max=30)])
    opened_on = DateField(_l("개소일"), validators=[Optional()])
    is_pilot = BooleanField(_l("시범 센터"))
    submit = SubmitField(_l("저장"))


class AgencyForm(FlaskForm):
    kind = SelectField(_l("기관 유형"))
    name = StringField(_l("기관 이름"), validators=[DataRequired(REQUIRED), Length(max=100)])
    desk_location = StringField(_l("창구 위치"), validators=[Optional(), Length(max=100)])
    phone = StringField(_l("전화"), validators=[Optional(), Length(max=30)])
    response_target_hours = IntegerField(
        _l("의뢰 응답 목표(근무시간)"),
        default=16,
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=1, max=400, message=_l("1에서 400 사이로 입력하세요.")),
        ],
    )
    is_active = BooleanField(_l("운영 중"), default=True)
    submit = SubmitField(_l("저장"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices are rebuilt per request so the labels follow the user's language.
        self.kind.choices = [SelectChoice(kind.value, kind.label) for kind in AgencyKind]


class StaffForm(FlaskForm):
    username = StringField(
        _l("아이디"),
        validators=[
            DataRequired(REQUIRED),
            Length(min=3, max=64),
            Regexp(r"^[a-z0-9._-]+$", message=_l("영문 소문자, 숫자, . _ - 만 쓸 수 있습니다.")),
        ],
    )
    display_name = StringField(_l("이름"), validators=[DataRequired(REQUIRED), Length(max=100)])
    role = SelectField(_l("역할"))
    centre_id = SelectField(_l("센터"), coerce=int)
    agency_id = SelectField(_l("소속 기관"), coerce=int)
    submit = SubmitField(_l("저장"))


class PlacementForm(FlaskForm):
    role = SelectField(_l("역할"))
    agency_id = SelectField(_l("소속 기관"), coerce=int)
    submit = SubmitField(_l("저장"))


class LocaleForm(FlaskForm):
    locale = SelectField(
        _l("언어"), choices=[SelectChoice("ko", "한국어"), SelectChoice("en", "English")]
    )


class RrnSettingForm(FlaskForm):
    rrn_enabled = BooleanField(_l("주민등록번호 처리"))
    rrn_legal_basis = StringField(_l("법적 근거"), validators=[Length(max=300)],
                                  description=_l("예: 「국민기초생활 보장법」 제○조 "
                                                 "(동의만으로는 처리할 수 없습니다)"))
    submit = SubmitField(_l("저장"))

    def validate_rrn_legal_basis(self, field):
        if self.rrn_enabled.data and not (field.data or "").strip():
            raise ValidationError(_l("주민등록번호를 처리하려면 법적 근거를 적어야 합니다."))


DAYS = [InputRequired(REQUIRED), NumberRange(min=1, max=365, message=_l("1에서 365 사이로 입력하세요."))]


class TimeTargetsForm(FlaskForm):
    assessment_due_days = IntegerField(_l("초기 욕구·위기도 조사 기한 (개시 후 일)"), validators=DAYS)
    plan_due_days = IntegerField(_l("서비스 계획 수립 기한 (개시 후 일)"), validators=DAYS)
    submit = SubmitField(_l("기한 저장"))


class ApiTokenForm(FlaskForm):
    name = StringField(_l("토큰 이름"), validators=[DataRequired(REQUIRED), Length(max=100)],
                       description=_l("어디에 쓰는 토큰인지. 예: 모바일 상담 앱"))
    days = IntegerField(
        _l("유효 기간(일)"),
        validators=[InputRequired(REQUIRED),
                    NumberRange(min=1, max=366, message=_l("1에서 366 사이로 입력하세요."))],
    )
    submit = SubmitField(_l("토큰 만들기"))


class AddonsForm(FlaskForm):
    """The add-on switches of a centre; a switch left off is not posted."""

    addon = MultiCheckboxField(_l("부가 서비스"),
                               choices=lambda: choices((addon.value, addon.label) for addon in Addon))


class StaffActiveForm(FlaskForm):
    """The button that deactivates an account (0) or brings it back (1)."""

    active = SelectField(choices=choices([("0", ""), ("1", "")]))
