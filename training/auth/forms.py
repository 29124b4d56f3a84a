from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..forms_common import AppForm, plain_text
from ..services.accounts import accounts, households

PASSWORD_PROBLEMS = {
    "too-short": _l("Use at least 8 characters."),
    "too-simple": _l("This password is too easy to guess."),
    "too-common": _l("This password is one of the most common ones and easy to guess. Choose another."),
    "unchanged": _l("Choose a password different from your current one."),
}


def check_new_password(password: str, *personal: str | None) -> None:
    """Raise a ValidationError with a readable reason when a new password is weak."""
    reason = accounts.check_password_strength(password or "", *personal)
    if reason:
        raise ValidationError(PASSWORD_PROBLEMS[reason])


class LoginForm(FlaskForm):
    login = StringField(_l("Mobile number or username"), validators=[DataRequired(), Length(max=60), plain_text],
                        render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this phone"))


class RegisterForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=60), plain_text],
                               render_kw={"autocomplete": "name"})
    login = StringField(
        _l("Mobile number or username"),
        validators=[DataRequired(), Length(max=60), plain_text],
        description=_l("A mainland mobile number (11 digits) or a username of 3 to 40 letters or digits."),
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("At least 8 characters."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )
    language = SelectField(_l("Language"), choices=[SelectChoice("zh_CN", "简体中文"), SelectChoice("en", "English")],
                           default="zh_CN")
    consent = BooleanField(
        _l("I have read the privacy notice above and agree that CunBo Academy keeps my name, "
           "login and learning records to run my courses."),
        validators=[DataRequired(message=_l("Please agree to the privacy notice to create an account."))],
    )

    def validate_login(self, field):
        username, mobile = accounts.split_login(field.data)
        if not username and not mobile:
            raise ValidationError(_l("Enter an 11-digit mainland mobile number, or a username of 3 to 40 "
                                     "letters, digits, dots or hyphens (not only digits)."))

    def validate_password(self, field):
        check_new_password(field.data, self.login.data, self.display_name.data)


class SignupCodeForm(FlaskForm):
    code = StringField(_l("Code from the text message"), validators=[DataRequired(), Length(max=20), plain_text],
                       description=_l("6 digits."),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class PinLoginForm(AppForm):
    """Sign in with a PIN a trainer gave: the login name (on a shared number, the number) and the PIN."""

    login = StringField(_l("Mobile number or username"), validators=[DataRequired(), Length(max=60)],
                        render_kw={"autocomplete": "username", "autocapitalize": "none"})
    pin = PasswordField(_l("PIN (6 digits)"), validators=[DataRequired(), Length(max=20)],
                        render_kw={"autocomplete": "off", "inputmode": "numeric", "maxlength": "6"})
    remember = BooleanField(_l("Keep me signed in on this phone"))


class ChoosePersonForm(AppForm):
    """"Who is this?": one of the people whose password (or PIN) was just checked."""

    person = SelectField(coerce=int, validate_choice=True)


PIN_PROBLEMS = {
    "format": _l("A PIN is 6 digits."),
    "too-simple": _l("This PIN is too easy to guess (such as 000000, 123456 or the end of the "
                     "mobile number). Choose another, or leave it empty for a random one."),
}


class SetPinForm(AppForm):
    """Staff give a learner a PIN: typed, or random when left empty."""

    pin = StringField(_l("New PIN"), validators=[Length(max=20)],
                      description=_l("6 digits. Leave empty for a random PIN."),
                      render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": "6"})

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def chosen_pin(self) -> str | None:
        """The PIN typed (as 6 digits), or None for a random one."""
        return households.normalise_pin(self.pin.data) if (self.pin.data or "").strip() else None

    def validate_pin(self, field):
        if not (field.data or "").strip():
            return
        pin = households.normalise_pin(field.data)
        reason = households.check_pin(pin, self.person) if pin else "format"
        if reason:
            raise ValidationError(PIN_PROBLEMS[reason])


class ClearPinForm(AppForm):
    """The "Remove the PIN" button (CSRF only)."""
