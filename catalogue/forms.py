"""Forms of the catalogue screens; choices are rebuilt per request so labels follow the language."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from centers.forms import REQUIRED
from centers.models import Domain, Sex
from core.forms import MultiCheckboxField

AGE_RANGE = NumberRange(min=0, max=130, message=_l("0에서 130 사이로 입력하세요."))
DATA_FILES = FileAllowed(["csv", "json"], _l("CSV 또는 JSON 파일만 올릴 수 있습니다."))



def _domain_choices(blank=None) -> list[SelectChoice]:
    choices = [SelectChoice(d.value, d.label) for d in Domain]
    return [SelectChoice("", blank)] + choices if blank else choices


def _stripped(value: str | None) -> str:
    """Blank-looking input ("   ") is no choice at all, not an unknown one."""
    return (value or "").strip()


def _sex_choices(blank) -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [SelectChoice(s.value, s.label) for s in Sex]


class ServiceSearchForm(FlaskForm):
    """The browse page's filters: a GET form, so no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("검색어"), validators=[Optional(), Length(max=100)])
    centre = SelectField(_l("범위"), validators=[Optional()])
    domain = SelectField(_l("분야"), validators=[Optional()])
    customer_types = MultiCheckboxField(_l("정책고객"), validators=[Optional()])
    age = IntegerField(_l("만 나이"), validators=[Optional(), AGE_RANGE])
    sex = SelectField(_l("성별"), validators=[Optional()], filters=[_stripped])
    submit = SubmitField(_l("찾기"))

    def __init__(self, *args, centres, customer_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.centre.choices = [SelectChoice("", _l("전체 카탈로그"))] + [
            SelectChoice(c.code, c.name) for c in centres
        ]
        self.domain.choices = _domain_choices(_l("모든 분야"))
        self.sex.choices = _sex_choices(_l("모두"))
        self.customer_types.choices = [SelectChoice(t.code, t.label) for t in customer_types]


class ServiceForm(FlaskForm):
    name = StringField(_l("서비스명"), validators=[DataRequired(REQUIRED), Length(max=300)])
    domain = SelectField(_l("분야"), validators=[DataRequired(REQUIRED)])
    purpose = TextAreaField(_l("서비스 목적"), validators=[Optional(), Length(max=2000)])
    target = TextAreaField(_l("지원대상"), validators=[Optional(), Length(max=2000)])
    criteria = TextAreaField(_l("선정기준"), validators=[Optional(), Length(max=2000)])
    support = TextAreaField(_l("지원내용"), validators=[Optional(), Length(max=2000)])
    how_to_apply = TextAreaField(_l("신청방법"), validators=[Optional(), Length(max=2000)])
    deadline = StringField(_l("신청기한"), validators=[Optional(), Length(max=200)])
    provider = StringField(_l("소관기관"), validators=[Optional(), Length(max=200)])
    contact = StringField(_l("문의처"), validators=[Optional(), Length(max=200)])
    apply_url = StringField(
        _l("온라인 신청 주소"),
        validators=[
            Optional(),
            Length(max=1000),
            Regexp(r"^https?://\S+$", message=_l("http:// 또는 https:// 로 시작하는 주소를 입력하세요.")),
        ],
    )
    customer_types = MultiCheckboxField(_l("정책고객"), validators=[Optional()])
    min_age = IntegerField(_l("대상 연령(부터)"), validators=[Optional(), AGE_RANGE])
    max_age = IntegerField(_l("대상 연령(까지)"), validators=[Optional(), AGE_RANGE])
    sex = SelectField(_l("성별 조건"), validators=[Optional()], filters=[_stripped])
    is_active = BooleanField(_l("운영 중"), default=True)
    submit = SubmitField(_l("저장"))

    def __init__(self, *args, customer_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.domain.choices = _domain_choices()
        self.sex.choices = _sex_choices(_l("제한 없음"))
        self.customer_types.choices = [SelectChoice(t.code, t.label) for t in customer_types]


class OfferForm(FlaskForm):
    """Put a service on a centre's list, or change where it is given."""

    service_id = IntegerField(validators=[DataRequired(REQUIRED)])
    agency_id = SelectField(_l("담당 기관"), coerce=int)
    desk = StringField(_l("창구 위치"), validators=[Optional(), Length(max=100)],
                       description=_l("비워 두면 담당 기관의 창구 위치를 씁니다."))
    q = HiddenField()  # the list page's search, to return to it
    submit = SubmitField(_l("센터 서비스 목록에 추가"))


class ImportForm(FlaskForm):
    services = FileField(
        _l("서비스 목록 파일"),
        validators=[FileRequired(_l("서비스 목록 파일을 고르세요.")), DATA_FILES],
        description=_l("공공서비스(혜택) 정보의 서비스 목록: CSV(UTF-8 또는 CP949) 또는 JSON"),
    )
    conditions = FileField(
        _l("지원조건 파일 (선택)"),
        validators=[Optional(), DATA_FILES],
        description=_l("서비스ID와 JA0101 … 조건 열이 있는 지원조건 표"),
    )
    partial = BooleanField(
        _l("일부만 가져오기"),
        description=_l("전체 목록이 아닌 파일입니다. 파일에 없는 서비스를 비활성으로 바꾸지 않습니다."),
    )
    submit = SubmitField(_l("가져오기"))
