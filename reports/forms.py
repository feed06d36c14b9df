"""The reports' one form: the remarks (비고) printed on a report's cover."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from reports.documents import REMARKS_MAX


class RemarksForm(FlaskForm):
    remarks = TextAreaField(_l("비고"), validators=[Length(max=REMARKS_MAX)],
                            render_kw={"rows": 3})
