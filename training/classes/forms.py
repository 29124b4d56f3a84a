"""Forms of the classes area: classes, sessions, roll call, roster upload, joining, learner
profiles and the ledger's filters. Each form turns its fields into a service's plain values."""
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField, DateField, DecimalField, HiddenField, IntegerField, SelectField, SelectMultipleField,
    StringField, TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms_common import AppForm
from ..localtime import local_today
from ..services.accounts import accounts
from ..services.classes import ledger_export
from ..services.classes.classes import ClassDetails
from ..services.classes.sessions import DEFAULT_CLOSES, DEFAULT_OPENS, SessionDetails

GENDER_CHOICES = [SelectChoice("", _l("Not given")), SelectChoice("f", _l("Female")),
                  SelectChoice("m", _l("Male"))]


class CheckboxListField(SelectMultipleField):
    """Several choices as checkboxes, one per line: easier than a multi-select on a phone."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ClassForm(AppForm):
    centre_id = SelectField(_l("Centre"), coerce=int)  # admins only; removed for trainers
    name = StringField(_l("Class name"), validators=[DataRequired(), Length(max=120)])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)],
                        description=_l("Where the class meets, e.g. the village committee hall."))
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    course_ids = CheckboxListField(_l("Courses"), coerce=int,
                                   description=_l("Members are enrolled in these courses when they join."))

    def __init__(self, *args, courses=(), centres=None, training_class=None, **kwargs):
        """`centres` to choose from (admins creating a class), else the field is removed."""
        super().__init__(*args, obj=training_class, **kwargs)
        self.course_ids.choices = [SelectChoice(c.id, c.title) for c in courses]
        if centres is None:
            del self.centre_id
        else:
            self.centre_id.choices = [SelectChoice(c.id, c.name) for c in centres]
        if training_class is not None and not self.is_submitted():
            self.course_ids.data = [c.id for c in training_class.courses]

    def details(self) -> ClassDetails:
        return ClassDetails(
            name=self.name.data, place=self.place.data or "", starts_on=self.starts_on.data,
            ends_on=self.ends_on.data, course_ids=tuple(self.course_ids.data or ()),
        )

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot be before the first day."))


class JoinForm(AppForm):
    code = StringField(_l("Class code"), validators=[DataRequired(), Length(max=20)],
                       description=_l("The code on the class poster, e.g. K7M2QX."),
                       render_kw={"autocapitalize": "characters", "autocomplete": "off"})


class RosterForm(AppForm):
    file = FileField(_l("Spreadsheet (CSV or XLSX)"), validators=[FileRequired()],
                     description=_l("Columns: name, mobile, gender, birth year, township, village, "
                                    "ID card last 4, household category. Up to 200 rows."),
                     render_kw={"accept": ".csv,.xlsx"})
    # PIPL Art. 29: the household category is special personal information, kept only with
    # the person's separate consent, which the trainer confirms here (unticked by default).
    household_consent = BooleanField(
        _l("I have each learner's separate consent to record their household category"),
        description=_l("Only needed when the file has a household category column (e.g. 脱贫户, "
                       "监测户). Without this box, such a file is refused."))


class SessionForm(AppForm):
    held_on = DateField(_l("Date"), validators=[DataRequired()], default=local_today)
    topic = StringField(_l("Topic"), validators=[DataRequired(), Length(max=200)])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    trainer_id = SelectField(_l("Trainer"), coerce=int)
    opens = TimeField(_l("Check-in opens"), validators=[Optional()], default=DEFAULT_OPENS,
                      description=_l("China time, on the session's date."))
    closes = TimeField(_l("Check-in closes"), validators=[Optional()], default=DEFAULT_CLOSES,
                       description=_l("A time before the opening time is on the next day."))
    allow_join = BooleanField(_l("Allow joining the class at check-in"),
                              description=_l("Someone not yet in the class joins it by checking in. "
                                             "Otherwise they are asked to see the trainer."))
    screen_code_required = BooleanField(
        _l("Only the code on the classroom screen checks in"),
        description=_l("The code on the classroom screen changes every minute, so a forwarded "
                       "photo or link stops working. The printed check-in code is then refused."))
    hours = DecimalField(_l("Training hours (学时)"), places=1, validators=[Optional(), NumberRange(0.5, 24)],
                         description=_l("Hours each attendee is credited with in the county ledger."),
                         render_kw={"inputmode": "decimal"})

    def __init__(self, *args, trainers=(), window=None, **kwargs):
        """`window`: the session's check-in window as local (opens, closes) times, shown when
        editing."""
        super().__init__(*args, **kwargs)
        self.trainer_id.choices = [SelectChoice(t.id, t.display_name) for t in trainers]
        if window is not None and not self.is_submitted():
            self.opens.data, self.closes.data = window

    def details(self) -> SessionDetails:
        return SessionDetails(held_on=self.held_on.data, place=self.place.data or "",
                              topic=self.topic.data, trainer_id=self.trainer_id.data,
                              opens=self.opens.data, closes=self.closes.data,
                              allow_join=bool(self.allow_join.data),
                              screen_code_required=bool(self.screen_code_required.data),
                              hours=float(self.hours.data) if self.hours.data is not None else None)

    def validate_closes(self, field):
        if field.data is not None and field.data == (self.opens.data or DEFAULT_OPENS):
            raise ValidationError(_l("Check-in must close at a different time than it opens."))


class ConfirmForm(AppForm):
    """The "Yes, delete it" button of a confirmation page."""

    confirm = HiddenField()

    @property
    def confirmed(self) -> bool:
        return self.validate_on_submit() and self.confirm.data == "yes"


class RollCallForm(AppForm):
    """The ids of the members ticked present at a session, and of those the trainer checked in
    for (代签: no phone)."""

    # Not checked against the members here: the service ignores ids of non-members, so a
    # member who left the class meanwhile does not cost the trainer the whole roll call.
    present = SelectMultipleField(coerce=int, validate_choice=False)
    assisted = SelectMultipleField(coerce=int, validate_choice=False)

    def __init__(self, *args, present=(), assisted=(), **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            self.present.data = sorted(present)
            self.assisted.data = sorted(assisted)


class ProfileForm(AppForm):
    gender = SelectField(_l("Gender"), choices=GENDER_CHOICES, validators=[Optional()])
    birth_year = IntegerField(_l("Year of birth"), validators=[Optional()],
                              render_kw={"inputmode": "numeric"})
    township = StringField(_l("Township"), validators=[Optional(), Length(max=60)])
    village = StringField(_l("Village"), validators=[Optional(), Length(max=60)])

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, obj=person, **kwargs)
        if person is not None and not self.is_submitted():
            self.gender.data = person.gender or ""  # "not given" is the empty choice

    def details(self) -> accounts.ProfileDetails:
        return accounts.ProfileDetails(
            gender=self.gender.data or None, birth_year=self.birth_year.data,
            township=self.township.data, village=self.village.data,
        )

    def validate_birth_year(self, field):
        this_year = local_today().year
        if field.data is not None and not this_year - 110 <= field.data <= this_year - 10:
            raise ValidationError(_l("Enter a year between %(low)s and %(high)s.",
                                     low=this_year - 110, high=this_year - 10))


class LedgerForm(AppForm):
    """Filters of the ledger page (read from the query string)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    centre_id = SelectField(_l("Centre"), coerce=int, validators=[Optional()])

    def __init__(self, *args, centres=(), every_centre=False, **kwargs):
        """`centres` to choose from; `every_centre` adds "All centres" (0), for admins."""
        super().__init__(*args, **kwargs)
        self.centre_id.choices = [SelectChoice(c.id, c.name) for c in centres]
        if every_centre:
            self.centre_id.choices.insert(0, SelectChoice(0, _l("All centres")))

    def period(self, today: date) -> tuple[date, date]:
        """The dates asked for, or the default period where a date is missing or invalid."""
        start = None if self.start.errors else self.start.data
        end = None if self.end.errors else self.end.data
        return ledger_export.period(start, end, today)

    def show(self, start: date, end: date, centre_id: int | None) -> None:
        """Show the period and centre the page is for."""
        self.start.data, self.end.data, self.centre_id.data = start, end, centre_id or 0


# The late window's lengths a trainer chooses from, in minutes.
LATE_MINUTES = (15, 30, 60, 120)


class LateWindowForm(AppForm):
    """Open check-in again for a while, with the reason (audited)."""

    minutes = SelectField(_l("Open check-in again for"), coerce=int, default=30,
                          choices=[SelectChoice(m, _l("%(num)s minutes", num=m)) for m in LATE_MINUTES])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)],
                         description=_l("E.g. the bus from the village was late. Kept in the ledger's change history."))

class MemberOrderForm(AppForm):
    """How the class page lists its members (read from the query string, kept in links)."""

    class Meta:
        csrf = False

    order = SelectField(_l("Order"), default="pinyin",
                        choices=[SelectChoice("pinyin", _l("By pinyin (拼音)")),
                                 SelectChoice("import", _l("In import order"))])

    def chosen(self) -> str:
        """The order asked for, or pinyin for a missing or unknown one."""
        return self.order.data if self.validate() else "pinyin"


class MemberExportForm(AppForm):
    """The class page's member-list download: the household category only when ticked."""

    class Meta:
        csrf = False

    household = BooleanField(_l("Include household category (sensitive: the download is recorded)"))
