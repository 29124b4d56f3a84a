from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from ..auth.forms import check_new_password


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=60)],
                               render_kw={"autocomplete": "name"})
    language = SelectField(_l("Language"), choices=[SelectChoice("zh_CN", "简体中文"), SelectChoice("en", "English")])
    gender = SelectField(_l("Gender"), choices=[SelectChoice("", _l("Not given")), SelectChoice("f", _l("Female")),
                                               SelectChoice("m", _l("Male"))], default="")
    birth_year = IntegerField(
        _l("Year of birth"), validators=[Optional(), NumberRange(min=1920, max=date.today().year,
                                                                 message=_l("Enter a year such as 1975."))],
        render_kw={"inputmode": "numeric"},
    )
    township = StringField(_l("Township"), validators=[Optional(), Length(max=60)])
    village = StringField(_l("Village"), validators=[Optional(), Length(max=60)])


class ChangePasswordForm(FlaskForm):
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


class DeletionRequestForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    confirm = BooleanField(
        _l("I understand that my name, login, mobile number and profile will be removed and I can no "
           "longer log in."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
