"""Case-record forms. Version fields carry the starting version for conflict detection."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from cases.models import ClosureReason, GoalStatus, Level, NeedDomain, NoteKind, Priority
from core.clock import local_today
from core.forms import enum_options

REQUIRED = _l("필수 항목입니다.")


class OpenCaseForm(FlaskForm):
    priority = SelectField(_l("우선순위"), choices=enum_options(Priority))
    caseworker_id = SelectField(_l("담당자"), coerce=int, choices=[])
    summary = TextAreaField(_l("사례 요약"), validators=[InputRequired(REQUIRED), Length(max=4000)])
    submit = SubmitField(_l("사례 열기"))


class EditCaseForm(OpenCaseForm):
    version = HiddenField()
    submit = SubmitField(_l("저장"))


class TransitionForm(FlaskForm):
    version = HiddenField()
    reason = SelectField(_l("종결 사유"), validate_choice=False,
                         choices=enum_options(ClosureReason, blank=True))
    note = StringField(_l("메모"), validators=[Optional(), Length(max=500)])
    follow_up_on = DateField(_l("사후관리 날짜"), validators=[Optional()])


class AssessmentForm(FlaskForm):
    assessed_on = DateField(_l("조사일"), default=local_today, validators=[InputRequired(REQUIRED)])
    crisis_level = SelectField(_l("위기도"), choices=enum_options(Level))
    notes = TextAreaField(_l("조사 내용"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("조사 기록"))


# One rating field per need domain, added to the class so WTForms sees them.
for _domain in NeedDomain:
    setattr(AssessmentForm, f"rating_{_domain.value}",
            SelectField(_domain.label, choices=enum_options(Level)))


class GoalForm(FlaskForm):
    domain = SelectField(_l("영역"), choices=enum_options(NeedDomain))
    description = StringField(_l("목표"), validators=[InputRequired(REQUIRED), Length(max=500)])
    target_date = DateField(_l("목표일"), validators=[Optional()])
    service_id = SelectField(_l("연결 서비스 (센터 서비스 목록)"), coerce=int, choices=[],
                             validate_choice=False)
    service_name = StringField(_l("목록에 없는 서비스"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("상태"), choices=enum_options(GoalStatus))
    submit = SubmitField(_l("목표 추가"))


class NoteForm(FlaskForm):
    kind = SelectField(_l("종류"), choices=enum_options(NoteKind))
    body = TextAreaField(_l("내용"), validators=[InputRequired(REQUIRED), Length(max=10000)])
    is_confidential = BooleanField(_l("비공개 (우리 기관 안에서만)"))
    version = HiddenField()
    submit = SubmitField(_l("저장"))


class ConfidentialReasonForm(FlaskForm):
    reason = StringField(_l("열람 사유"), validators=[InputRequired(_l("열람 사유를 적으세요.")),
                                                   Length(min=5, max=300,
                                                          message=_l("사유를 5자 이상 적으세요."))])
    submit = SubmitField(_l("사유를 남기고 열람"))


class ConferenceForm(FlaskForm):
    held_on = DateField(_l("회의일"), default=local_today, validators=[InputRequired(REQUIRED)])
    agenda = TextAreaField(_l("안건"), validators=[InputRequired(REQUIRED), Length(max=4000)])
    decisions = TextAreaField(_l("결정 사항"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("회의 기록"))

    def validate_held_on(self, field):
        if field.data and field.data > local_today():
            raise ValidationError(_l("회의일이 오늘보다 뒤일 수 없습니다."))
