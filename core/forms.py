"""Form pieces shared by every feature."""

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, IntegerField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from core.guards import MAX_ID


class MultiCheckboxField(SelectMultipleField):
    """A multi-select shown as a list of checkboxes (easier on a tablet)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EmptyForm(FlaskForm):
    """For button-only POSTs, so they carry the CSRF token too."""


def _record_id(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID else None


class RecordIdField(IntegerField):
    """A record's number in a hidden input, put there by our own page: blank, not a number or
    beyond the database's range is no record (None), never an error page."""

    widget = HiddenInput()

    def process_formdata(self, valuelist):
        self.data = _record_id(valuelist[0]) if valuelist else None


class RecordIdsField(Field):
    """Record numbers posted under one name (a hidden input each); what is not one is left out."""

    widget = HiddenInput()

    def process_formdata(self, valuelist):
        self.data = [number for number in map(_record_id, valuelist) if number is not None]


class BackForm(FlaskForm):
    """Where a button pressed on a list goes back to: ``back`` names the list, ``agency`` the
    desk it showed (hidden inputs beside the button, whose own form checks the token)."""

    class Meta:
        csrf = False

    back = HiddenField()
    agency = RecordIdField()


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
