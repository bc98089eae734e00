from flask_wtf import FlaskForm
from wtforms import HiddenField


class LanguageForm(FlaskForm):
    lang = HiddenField()


class ConfirmForm(FlaskForm):
    """An empty form: CSRF protection for POST-only buttons (publish, approve, hide...)."""
