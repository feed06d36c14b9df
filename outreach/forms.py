"""Outreach forms. The record form carries the visit's version for the stale-save check."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, Optional

from cases.models import Level, NeedDomain
from core.clock import local_today
from core.forms import MultiCheckboxField, enum_options
from outreach.models import DocumentType, OutreachKind
from outreach.services import ASSESSMENT_ITEMS

REQUIRED = _l("필수 항목입니다.")


class PlanForm(FlaskForm):
    case_id = SelectField(_l("사례"), coerce=int, choices=[], validators=[InputRequired(REQUIRED)])
    kind = RadioField(_l("방문 종류"), choices=enum_options(OutreachKind), default="home",
                      validators=[InputRequired(REQUIRED)])
    address = StringField(_l("방문 주소"), validators=[InputRequired(REQUIRED), Length(max=200)])
    purpose = TextAreaField(_l("방문 목적"), validators=[InputRequired(REQUIRED), Length(max=500)])
    day = DateField(_l("방문일"), default=local_today, validators=[InputRequired(REQUIRED)])
    start = TimeField(_l("시작 시각"), validators=[InputRequired(REQUIRED)])
    end = TimeField(_l("끝나는 시각"), validators=[InputRequired(REQUIRED)])
    companion_ids = MultiCheckboxField(_l("동행자"), coerce=int, choices=[])
    submit = SubmitField(_l("방문 계획 저장"))


class CancelForm(FlaskForm):
    reason = StringField(_l("취소 사유"), validators=[Optional(), Length(max=300)])


class RecordForm(FlaskForm):
    version = HiddenField()
    body = TextAreaField(_l("상담 메모"), validators=[Optional(), Length(max=8000)])
    submit = SubmitField(_l("기록 저장"))


# One select per assessment item (the need domains and the crisis level), added to the class
# so WTForms sees them.
for _item in ASSESSMENT_ITEMS:
    _label = _l("위기도") if _item == "crisis" else NeedDomain(_item).lazy_label
    setattr(RecordForm, f"item_{_item}", SelectField(
        _label, choices=enum_options(Level, blank=True), validators=[Optional()]))


class PhotoForm(FlaskForm):
    document_type = SelectField(_l("서류 종류"), choices=enum_options(DocumentType))
    photo = FileField(_l("서류 사진"))
    submit = SubmitField(_l("사진 올리기"))


class SignatureForm(FlaskForm):
    signature = HiddenField()
    submit = SubmitField(_l("서명으로 동의 받기"))
