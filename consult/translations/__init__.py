"""WTForms' built-in messages ("This field is required.") from our own catalogues.

WTForms ships no Indonesian catalogue, and Flask-WTF looks only at WTForms' own ones, so an
empty required field would be reported in English on an Indonesian page. Flask-WTF keeps the
translations it found on `request.wtforms_translations`; we put ours there first. The messages
are listed below only so that `make extract-messages` puts them into messages.pot.
"""

from flask import Flask, request
from flask_babel import get_locale, get_translations, lazy_ngettext
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context

WTFORMS_MESSAGES = (
    _l("Invalid field name '%s'."),
    _l("Field must be equal to %(other_name)s."),
    lazy_ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        2,
    ),
    lazy_ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        2,
    ),
    lazy_ngettext(
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
        2,
    ),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Date must be at least %(min)s."),
    _l("Date must be at most %(max)s."),
    _l("Date must be between %(min)s and %(max)s."),
    _l("This field is required."),
    _l("Invalid input."),
    _l("Invalid email address."),
    _l("Invalid IP address."),
    _l("Invalid Mac address."),
    _l("Invalid URL."),
    _l("Invalid UUID."),
    _l("Invalid value, must be one of: %(values)s."),
    _l("Invalid value, can't be any of: %(values)s."),
    _l("This field cannot be edited."),
    _l("This field is disabled and cannot have a value."),
    _l("Invalid CSRF Token."),
    _l("CSRF token missing."),
    _l("CSRF failed."),
    _l("CSRF token expired."),
    _l("Invalid Choice: could not coerce."),
    _l("Choices cannot be None."),
    _l("Not a valid choice."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    lazy_ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        2,
    ),
    _l("Not a valid datetime value."),
    _l("Not a valid date value."),
    _l("Not a valid time value."),
    _l("Not a valid week value."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
)


class FormTranslations:
    """The gettext interface WTForms calls, answered from the app's catalogue for this request.

    Unlike flask_babel.gettext, it does not %-format: WTForms formats the message itself.
    """

    def ugettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)

    gettext = ugettext
    ngettext = ungettext


def init_form_translations(app: Flask) -> None:
    """Make Flask-WTF translate WTForms' messages with Rembuk's catalogues."""
    translations = FormTranslations()

    @app.before_request
    def use_app_catalogue_for_forms():
        # Lazy: the locale is looked up when a message is translated, not now.
        request.wtforms_translations = translations


_TRANSLATIONS = "rembuk_translations"


def _translations(context):
    # Looked up once per rendered template by the context processor below; a macro imported
    # without context does not have it and looks it up itself.
    return context.get(_TRANSLATIONS) or get_translations()


@pass_context
def _gettext(context, string: str) -> str:
    return _translations(context).ugettext(string)


@pass_context
def _ngettext(context, singular: str, plural: str, n: int) -> str:
    return _translations(context).ungettext(singular, plural, n)


@pass_context
def _pgettext(context, msgctxt: str, string: str) -> str:
    return _translations(context).upgettext(msgctxt, string)


@pass_context
def _npgettext(context, msgctxt: str, singular: str, plural: str, n: int) -> str:
    return _translations(context).unpgettext(msgctxt, singular, plural, n)


def init_template_translations(app: Flask) -> None:
    """Templates translate with the catalogue of the locale they are rendered in, and format
    dates in that locale, found once per template rather than on each _() (Flask-Babel's own
    lookup costs more than the rest of a page's text). Inside force_locale (mail in the
    recipient's language) they are that locale's, as the context processor runs there."""
    app.jinja_env.install_gettext_callables(
        gettext=_gettext,
        ngettext=_ngettext,
        newstyle=True,
        pgettext=_pgettext,
        npgettext=_npgettext,
    )

    @app.context_processor
    def template_translations():
        return {_TRANSLATIONS: get_translations(), "rembuk_locale": get_locale()}
