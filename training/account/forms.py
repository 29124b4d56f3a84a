from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..auth.forms import PASSWORD_PROBLEMS, check_new_password
from ..classes.forms import ProfileForm as LearnerDetailsForm
from ..forms_common import AppForm
from ..services.accounts import accounts
from ..services.accounts.passwords import verify_password


class ProfileForm(LearnerDetailsForm):
    """A person's own profile: their name and language, then the optional details a trainer
    may also edit (one form class for both, so the ledger's values stay the same)."""

    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=60)],
                               render_kw={"autocomplete": "name"})
    language = SelectField(_l("Language"), choices=[SelectChoice("zh_CN", "简体中文"), SelectChoice("en", "English")])
    # Stored in User.certificate_full_name; the public certificate check masks the name otherwise.
    certificate_full_name = BooleanField(
        _l("Show my full name when someone checks my certificate (otherwise it looks like 张*华)"))

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
    """An ordinary password change: the current password, then the new one twice. An account
    made by staff (one-time password) also agrees to the privacy notice here (`needs_consent`):
    its owner has not seen it yet."""

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
    consent = BooleanField(
        _l("I have read the privacy notice above and agree that CunBo Academy keeps my name, "
           "login and learning records to run my courses."),
        validators=[DataRequired(message=_l("Please agree to the privacy notice to continue."))],
    )

    def __init__(self, user, *args, needs_consent: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not needs_consent:
            del self.consent

    def validate_password(self, field):
        check_new_password(field.data, self.user.username, self.user.mobile, self.user.display_name)


class FirstPasswordForm(ChangePasswordForm):
    """The forced change right after signing in with a one-time password (the view checks the
    session proves that sign-in): the new password only, since the person has just typed the
    one-time one; it must differ from it."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        del self.current

    def validate_password(self, field):
        super().validate_password(field)
        if verify_password(self.user.password_hash, field.data):
            raise ValidationError(PASSWORD_PROBLEMS["unchanged"])


class DeletionRequestForm(AppForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    confirm = BooleanField(
        _l("I understand that my name, login, mobile number and profile will be removed and I can no "
           "longer log in."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
