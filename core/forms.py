"""Form pieces shared by every feature."""

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """For button-only POSTs, so they carry the CSRF token too."""
