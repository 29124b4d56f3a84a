from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from ..auth.forms import check_new_password
from ..classes.forms import ProfileForm as LearnerDetailsForm
from ..forms_common import AppForm
from ..services.accounts import accounts


class ProfileForm(LearnerDetailsForm):
    """A person's own profile: their name and language, then the optional details a trainer
    may also edit (one form class for both, so the ledger's values stay the same)."""

    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=60)],
                               render_kw={"autocomplete": "name"})
    language = SelectField(_l("Language"), choices=[SelectChoice("zh_CN", "简体中文"), SelectChoice("en", "English")])

    def details(self) -> accounts.ProfileDetails:
        details = super().details()
        details.display_name, details.language = self.display_name.data, self.language.data
        return details

    def __iter__(self):
        # Name and language first on the page, then the inherited optional details.
        first = ("csrf_token", "display_name", "language")
        yield from (self[name] for name in first if name in self)
        yield from (field for field in super().__iter__() if field.name not in first)


class ChangePasswordForm(AppForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 8 characters, not a common password."),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_password(self, field):
        check_new_password(field.data, self.user.username, self.user.mobile, self.user.display_name)


class FirstPasswordForm(ChangePasswordForm):
    """The forced change after a one-time password, for accounts made by staff: the person has
    not seen the privacy notice yet, so they agree to it here."""

    consent = BooleanField(
        _l("I have read the privacy notice above and agree that CunBo Academy keeps my name, "
           "login and learning records to run my courses."),
        validators=[DataRequired(message=_l("Please agree to the privacy notice to continue."))],
    )


class DeletionRequestForm(AppForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    confirm = BooleanField(
        _l("I understand that my name, login, mobile number and profile will be removed and I can no "
           "longer log in."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
