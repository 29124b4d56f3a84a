"""Forms of the site-wide routes."""
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, ValidationError

from ..forms_common import AppForm
from ..i18n import normalise


class LanguageForm(AppForm):
    """The footer's language switcher (base.html): the button pressed and the page to go back to."""

    language = StringField(validators=[DataRequired()])
    next = HiddenField()

    def validate_language(self, field):
        # Browser-style codes (zh-CN, en-GB) are accepted and mapped onto a supported locale.
        if normalise(field.data) is None:
            raise ValidationError("unsupported")

    def locale(self) -> str | None:
        return normalise(self.language.data)
