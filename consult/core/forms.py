from wtforms import HiddenField

from consult.inputs import Form


class LanguageForm(Form):
    lang = HiddenField()


class ConfirmForm(Form):
    """An empty form: CSRF protection for POST-only buttons (publish, approve, hide...)."""
