"""Form pieces shared by every feature."""

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    """A multi-select shown as a list of checkboxes (easier on a tablet)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EmptyForm(FlaskForm):
    """For button-only POSTs, so they carry the CSRF token too."""


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def error_text(form) -> str:
    """All of a form's messages as one line, for a flash after a redirect."""
    return " ".join(str(message) for messages in form.errors.values() for message in messages)


def enum_options(enum_cls, *, blank: bool = False):
    """Choices from an enum with ``label``s, built per request so they follow the user's
    language (a list built at import time would stay in Korean)."""

    def build() -> list[SelectChoice]:
        options = [SelectChoice(member.value, member.label) for member in enum_cls]
        return [SelectChoice("", ""), *options] if blank else options

    return build
