"""Forms of booked consultations. Every field says in Korean what is wrong."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, StringField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange

from appointments.services import CAPACITY_MAX, PURPOSE_MAX, REASON_MAX, SLOT_MINUTES
from core.forms import choices

REQUIRED = _l("필수 항목입니다.")


class HoursForm(FlaskForm):
    opens_at = TimeField(_l("예약 시작 시각"), validators=[InputRequired(REQUIRED)])
    closes_at = TimeField(_l("예약 끝 시각"), validators=[InputRequired(REQUIRED)])
    slot_minutes = SelectField(_l("한 칸의 길이"), coerce=int,
                               choices=choices((m, _l("%(m)d분", m=m)) for m in SLOT_MINUTES))
    capacity = IntegerField(_l("한 칸의 인원"), validators=[
        InputRequired(REQUIRED),
        NumberRange(min=1, max=CAPACITY_MAX, message=_l("1명에서 %(n)d명 사이로 적으세요.",
                                                         n=CAPACITY_MAX))])
    is_bookable = BooleanField(_l("예약 받기"), default=True)


class SlotForm(FlaskForm):
    """A slot of the chosen desk and day: the value is its UTC start, ISO-formatted."""

    # Whether the slot is still free is the service's question (a place taken a moment ago
    # is refused there with its own message), not the list the page was drawn with.
    starts_at = RadioField(_l("예약 시간"), choices=[], validate_choice=False,
                           validators=[InputRequired(_l("예약 시간을 고르세요."))])


class BookForm(SlotForm):
    purpose = StringField(_l("예약 목적"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                          validators=[InputRequired(_l("예약 목적을 적으세요.")),
                                      Length(max=PURPOSE_MAX)],
                          description=_l("예: 실업급여 수급 상담, 긴급복지 신청"))
    notify_by_sms = BooleanField(_l("문자로 예약 안내 받기 (본인 동의)"))


class MoveForm(SlotForm):
    reason = StringField(_l("예약 변경 사유"), validators=[
        InputRequired(_l("사유를 적으세요.")), Length(max=REASON_MAX)])
    version = HiddenField()


class CancelForm(FlaskForm):
    reason = StringField(_l("예약 취소 사유"), validators=[
        InputRequired(_l("사유를 적으세요.")), Length(max=REASON_MAX)])
    version = HiddenField()
