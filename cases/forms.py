"""Case-record forms. Version fields carry the starting version for conflict detection."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from cases.models import ClosureReason, GoalStatus, Level, NeedDomain, NoteKind, Priority
from core.clock import local_today
from core.forms import MultiCheckboxField, RecordIdField, choices, enum_options

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
            SelectField(_domain.lazy_label, choices=enum_options(Level)))


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


class BreakGlassForm(FlaskForm):
    """The reason a caseworker opens a person their agency has no reason to know."""

    reason = StringField(_l("열람 사유"), validators=[InputRequired(_l("열람 사유를 적으세요.")),
                                                   Length(min=5, max=300,
                                                          message=_l("사유를 5자 이상 적으세요."))])
    next = HiddenField()
    submit = SubmitField(_l("사유를 남기고 열람"))


class ReasonedSearchForm(FlaskForm):
    """A search among all the people of the centre, on a stated reason (the way to break the
    glass for someone the caseworker's agency has no reason to know)."""

    reason = StringField(_l("찾는 사유"), validators=[
        InputRequired(_l("찾는 사유를 적으세요.")),
        Length(min=5, max=300, message=_l("사유를 5자 이상 300자 이하로 적으세요."))],
        description=_l("예: 오늘 긴급 위기 상담 요청, 본인이 직접 방문해 상담 요청"))
    q = StringField(_l("이름, 초성, 생년월일, 전화번호"), validators=[
        InputRequired(_l("찾을 내용을 입력하세요.")), Length(max=50)],
        render_kw={"autocomplete": "off"})
    submit = SubmitField(_l("사유를 남기고 찾기"))


class OpenFoundForm(FlaskForm):
    """The button opening a person found by a reasoned search: that search's access-log event
    (its id here) gives the reason."""

    search = RecordIdField()


class CaseloadSearchForm(FlaskForm):
    """The caseload's search box (a POST body: a name is personal data), on the desk's rules:
    name, initials, birth date or phone."""

    q = StringField(_l("이름, 초성, 생년월일, 전화번호"),
                    filters=[lambda text: text.strip() if text else text],
                    validators=[Optional(), Length(max=50, message=_l("%(max)d자 이하로 입력하세요."))],
                    render_kw={"autocomplete": "off"})


class CarriedTermsForm(FlaskForm):
    """What was typed in the caseload's search box, posted on (never in a URL) to start the
    reasoned search with. It only fills in a form the caseworker still completes and sends, so
    it asks for no token of its own."""

    class Meta:
        csrf = False

    carry = StringField(filters=[lambda text: text.strip()[:50] if text else text],
                        validators=[InputRequired()])

    def carried(self) -> str | None:
        return self.carry.data if self.is_submitted() and self.validate() else None


class ConferenceActionForm(Form):
    """One follow-up action of a case conference; a row left blank is no action."""

    description = StringField(_l("할 일"), filters=[lambda text: text.strip() if text else text],
                              validators=[Optional(), Length(max=500)])
    # Checked by the service: the owner must be one of the participants.
    owner = SelectField(_l("담당"), coerce=int, choices=[], validate_choice=False)
    due = DateField(_l("기한"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Here, not in validate_due: Optional() ends the field's checks when it is empty.
        if self.description.data and self.due.data is None and not self.due.errors:
            self.due.errors = [_l("할 일마다 기한을 날짜로 적으세요.")]
            return False
        return valid


class ConferenceForm(FlaskForm):
    held_on = DateField(_l("회의일"), default=local_today, validators=[InputRequired(REQUIRED)])
    case_ids = MultiCheckboxField(_l("참여 사례 (기관)"), coerce=int, choices=[])
    staff_ids = MultiCheckboxField(_l("참석자"), coerce=int, choices=[])
    agenda = TextAreaField(_l("안건"), validators=[InputRequired(REQUIRED), Length(max=4000)])
    decisions = TextAreaField(_l("결정 사항"), validators=[Optional(), Length(max=4000)])
    # Named "action" so the rows post as action-0-description, action-0-owner, action-0-due.
    action = FieldList(FormField(ConferenceActionForm), min_entries=3, max_entries=5)
    submit = SubmitField(_l("회의 기록"))

    def offer(self, cases, staff) -> None:
        """The open cases and the centre's staff this conference may name."""
        self.case_ids.choices = choices((c.id, f"#{c.id} {c.agency.name}") for c in cases)
        self.staff_ids.choices = choices(
            (s.id, s.display_name + (f" ({s.agency.name})" if s.agency else "")) for s in staff)
        for row in self.action:
            row.form.owner.choices = choices((s.id, s.display_name) for s in staff)

    def actions(self) -> list[dict]:
        return [{"description": row.description.data, "owner_id": row.owner.data,
                 "due_on": row.due.data} for row in (entry.form for entry in self.action)
                if row.description.data]

    def validate_held_on(self, field):
        if field.data and field.data > local_today():
            raise ValidationError(_l("회의일이 오늘보다 뒤일 수 없습니다."))


class GoalStatusForm(FlaskForm):
    """The status picker beside each goal of the plan."""

    status = SelectField(_l("상태"), choices=enum_options(GoalStatus))
