"""Forms of the admin area: centres and staff accounts."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms_common import AppForm
from ..services.accounts import accounts, centres

ROLE_CHOICES = [SelectChoice("learner", _l("Learner")), SelectChoice("trainer", _l("Trainer")),
                SelectChoice("admin", _l("Admin"))]


class CentreForm(AppForm):
    name = StringField(_l("Centre name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("e.g. 安定区电子商务公共服务中心"))
    province = StringField(_l("Province"), validators=[Optional(), Length(max=40)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=40)])
    county = StringField(_l("County"), validators=[Optional(), Length(max=40)])
    phone = StringField(_l("Phone number"), validators=[Optional(), Length(max=30)],
                        description=_l("Shown on the “Forgot your password?” page, for learners to call."),
                        render_kw={"inputmode": "tel", "autocomplete": "off"})

    def details(self) -> centres.CentreDetails:
        return centres.CentreDetails(self.name.data, self.province.data or "", self.city.data or "",
                                     self.county.data or "", self.phone.data or "")


class TrainerForm(AppForm):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    login = StringField(_l("Mobile number or username"), validators=[DataRequired(), Length(max=60)],
                        render_kw={"autocapitalize": "none", "autocomplete": "off"})
    centre_id = SelectField(_l("Centre"), coerce=int)

    def validate_login(self, field):
        username, mobile = accounts.split_login(field.data)
        if not username and not mobile:
            raise ValidationError(_l("Enter an 11-digit mainland mobile number, or a username of 3 to 40 "
                                     "letters, digits, dots or hyphens (not only digits)."))


class RoleForm(AppForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    centre_id = SelectField(_l("Centre"), coerce=int,
                            description=_l("Trainers must belong to a centre."))
