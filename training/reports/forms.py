"""Report filters. They are GET forms (bookmarkable, no CSRF token): a bad value shows its
message at the field and the report falls back to the default for it."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from ..forms_common import AppForm


MAX_OVERVIEW_DAYS = 3 * 366


class GetForm(AppForm):
    class Meta:
        csrf = False


class ClassFilterForm(GetForm):
    inactive_days = IntegerField(
        _l("Inactive for at least (days)"), default=14,
        validators=[Optional(), NumberRange(min=1, max=365, message=_l("Enter 1 to 365 days."))],
    )


class CourseFilterForm(GetForm):
    centre = SelectField(_l("Centre"), default="")


class OverviewForm(GetForm):
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    centre = SelectField(_l("Centre"), default="")
    course = SelectField(_l("Course"), default="")

    def validate_end(self, field):
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError(_l("The end date must not be before the start date."))
            if (field.data - self.start.data).days > MAX_OVERVIEW_DAYS:
                raise ValidationError(_l("Choose at most three years."))


def chosen_id(field: SelectField) -> int | None:
    """The id picked in an optional select ("" = all), when the form is valid."""
    return int(field.data) if field.data and not field.errors else None
