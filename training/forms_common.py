"""What every form of the app shares: text fields refuse characters that are not text.

A learner's village with a bell (U+0007) or escape (U+001B) character in it once made every
XLSX export that showed it fail (issue 20). `AppForm` adds `plain_text` to each text field it
binds, so a new form or field cannot forget it; tests/unit/test_plain_text_forms.py posts such
characters to every text field of every form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import ValidationError

from .services.reports.exports import has_control_characters

CONTROL_CHARACTERS_MESSAGE = _l("This text contains invisible control characters. Type it again "
                                "without them.")


def is_text_field(field: Field) -> bool:
    """A field a person types text into. Passwords are never shown or exported (and refusing
    characters in them could lock someone out); hidden fields have their own checks."""
    return isinstance(field, StringField) and not isinstance(field, PasswordField | HiddenField)


def plain_text(form, field: Field) -> None:
    """Refuse control characters; a multi-line field (TextAreaField) may hold tabs and line ends."""
    if isinstance(field.data, str) and has_control_characters(
            field.data, lines=isinstance(field, TextAreaField)):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE)


class PlainTextMeta:
    """WTForms Meta of any form of the app (sub-forms included): each text field also gets the
    `plain_text` validator."""

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if is_text_field(field) and plain_text not in field.validators:
            field.validators = [*field.validators, plain_text]
        return field


class AppForm(FlaskForm):
    """The base of the app's forms."""

    Meta = PlainTextMeta
