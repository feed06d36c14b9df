"""The reports' forms: the remarks (비고) printed on a report's cover, the access review's sign-off."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from reports.documents import REMARKS_MAX


class RemarksForm(FlaskForm):
    remarks = TextAreaField(_l("비고"), validators=[Length(max=REMARKS_MAX)],
                            render_kw={"rows": 3})


class SignOffForm(FlaskForm):
    """The manager's sign-off of a month's access-log review, with a remark (the service keeps
    up to 2,000 characters, as the box allows)."""

    remark = TextAreaField(_l("점검 의견"))
