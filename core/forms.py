"""Form pieces shared by every feature."""

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice


class EmptyForm(FlaskForm):
    """For button-only POSTs, so they carry the CSRF token too."""


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def error_text(form) -> str:
    """All of a form's messages as one line, for a flash after a redirect."""
    return " ".join(str(message) for messages in form.errors.values() for message in messages)
