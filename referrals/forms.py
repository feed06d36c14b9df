"""Referral forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from cases.models import ConsentMethod
from core.forms import MultiCheckboxField, RecordIdField, RecordIdsField, enum_options
from referrals.models import ContactPreference, DeclineReason, Outcome, ShareItem, Urgency

REQUIRED = _l("필수 항목입니다.")


class SendForm(FlaskForm):
    to_agency_id = SelectField(_l("받는 기관"), coerce=int, choices=[])
    service_id = SelectField(_l("서비스 (선택)"), coerce=int, choices=[], validate_choice=False)
    reason = TextAreaField(_l("의뢰 사유"), validators=[InputRequired(REQUIRED), Length(max=4000)])
    needs = TextAreaField(_l("필요한 도움"), validators=[Optional(), Length(max=4000)])
    urgency = SelectField(_l("긴급도"), choices=enum_options(Urgency))
    contact_preference = SelectField(
        _l("연락 방법"), choices=enum_options(ContactPreference))
    submit = SubmitField(_l("의뢰 보내기"))


class ActionForm(FlaskForm):
    note = TextAreaField(_l("메모"), validators=[Optional(), Length(max=4000)])
    decline_reason = SelectField(
        _l("반려 사유"), validate_choice=False,
        choices=enum_options(DeclineReason, blank=True))
    outcome = SelectField(_l("결과"), validate_choice=False,
                          choices=enum_options(Outcome, blank=True))
    assignee_id = SelectField(_l("담당자"), coerce=int, choices=[], validate_choice=False)
    add_to_visit = BooleanField(_l("오늘 방문 중이면 우리 창구를 방문 계획에 추가"))


class ReadNotificationsForm(FlaskForm):
    """Marking notifications read: those listed (``id``), those about a referral (``about``), or
    else all of them; then on to the referral opened (``referral``, ``partner_referral``, or the
    one read ``about``)."""

    id = RecordIdsField()
    about = RecordIdField()
    referral = RecordIdField()
    partner_referral = RecordIdField()


class ResendForm(FlaskForm):
    to_agency_id = SelectField(_l("다시 보낼 기관"), coerce=int, choices=[])
    submit = SubmitField(_l("다른 기관에 다시 의뢰"))


class HolidayForm(FlaskForm):
    day = DateField(_l("날짜"), validators=[InputRequired(REQUIRED)])
    name = StringField(_l("이름"), validators=[InputRequired(REQUIRED), Length(max=50)])
    submit = SubmitField(_l("공휴일 추가"))


class PartnerSendForm(FlaskForm):
    partner_id = SelectField(_l("받는 협력기관"), coerce=int, choices=[])
    service_id = SelectField(_l("서비스 (선택)"), coerce=int, choices=[], validate_choice=False)
    reason = TextAreaField(_l("의뢰 사유"), validators=[InputRequired(REQUIRED), Length(max=4000)])
    needs = TextAreaField(_l("필요한 도움"), validators=[Optional(), Length(max=4000)])
    shared = MultiCheckboxField(_l("협력기관에 보여 줄 항목 (이름과 의뢰 사유는 늘 보임)"),
                                choices=enum_options(ShareItem), validators=[Optional()])
    urgency = SelectField(_l("긴급도"), choices=enum_options(Urgency))
    contact_preference = SelectField(_l("연락 방법"), choices=enum_options(ContactPreference))
    consent_method = SelectField(_l("제3자 제공 동의 방법"), choices=enum_options(ConsentMethod))
    consent_given_on = DateField(_l("동의일"), validators=[InputRequired(REQUIRED)])
    consent_confirmed = BooleanField(_l(
        "본인에게 받는 기관, 제공 목적, 제공 항목, 보유 기간과 동의를 거부할 권리를 알리고 이 협력기관에 "
        "제공하는 데 동의를 받았습니다 (개인정보 보호법 제17조)."))
    submit = SubmitField(_l("협력기관에 의뢰 보내기"))


class PartnerAnswerForm(FlaskForm):
    """The partner's page: answer, or later report the outcome."""

    responder = StringField(_l("처리하는 분 이름"), validators=[Optional(), Length(max=100)])
    note = TextAreaField(_l("메모"), validators=[Optional(), Length(max=4000)])
    decline_reason = SelectField(_l("반려 사유"), validate_choice=False,
                                 choices=enum_options(DeclineReason, blank=True))
    outcome = SelectField(_l("결과"), validate_choice=False,
                          choices=enum_options(Outcome, blank=True))


class NoteForm(FlaskForm):
    note = TextAreaField(_l("사유"), validators=[Optional(), Length(max=1000)])
