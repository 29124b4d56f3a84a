"""Authoring studio forms: each turns what the trainer sent into the authoring service's input
values, and refuses bad input with a message at the field."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ..forms_common import AppForm, PlainTextMeta
from ..models import Level, QuestionKind
from ..services.authoring import authoring, course_checks, uploads
from ..services.learning import standard

LANGUAGE_CHOICES = [SelectChoice("zh", "中文"), SelectChoice("en", "English")]
LEVEL_CHOICES = [SelectChoice(Level.BEGINNER.value, _l("Beginner")),
                 SelectChoice(Level.INTERMEDIATE.value, _l("Intermediate")),
                 SelectChoice(Level.ADVANCED.value, _l("Advanced"))]
SLUG_HELP = _l("Optional. Used in the course's web address: lowercase letters, digits and hyphens, "
               "e.g. apple-live-selling. Left empty, one is made for you.")


VIDEO_LINK_RE = re.compile(r"^(https://[^\s<>\"']+|/media/[0-9a-f]{32}\.(mp4|webm))$")


def video_link(form, field):
    """An https:// link, or a video uploaded to this site."""
    if field.data and not VIDEO_LINK_RE.match(field.data.strip()):
        raise ValidationError(_l("Use a link that starts with https://"))


def upload(field) -> uploads.Upload | None:
    """The file chosen in a file field, if any."""
    data = field.data
    if isinstance(data, FileStorage) and data.filename:
        return uploads.Upload(data.filename, data.stream)
    return None


def text(value: str | None) -> str:
    """Textarea text with the browser's CRLF line ends made plain newlines."""
    return (value or "").replace("\r\n", "\n")


class VersionMixin:
    """Forms that save over the version the trainer opened (a hidden "version" field)."""

    @property
    def expected_version(self) -> int:
        """The version the form was opened at; 0 (never current, so a conflict) when missing."""
        raw = str(self.version.data or "")
        return int(raw) if raw.isdigit() and len(raw) < 10 else 0


class CourseForm(AppForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=2000)],
                            description=_l("One or two sentences shown in the course list."),
                            render_kw={"rows": 3})
    language = SelectField(_l("Language of the course"), choices=LANGUAGE_CHOICES)
    level = SelectField(_l("Level"), choices=LEVEL_CHOICES)
    cover = FileField(_l("Cover picture"), description=_l("Optional. A photo (JPEG, PNG or WebP) up to 10 MB."))
    cover_alt = StringField(_l("What the cover picture shows"), validators=[Length(max=300)],
                            description=_l("A few words for learners who cannot see the picture."))
    # Study hours and the mapping to the national standard (services/learning/standard.py).
    hours = StringField(_l("Study hours"), validators=[Length(max=10)],
                        description=_l("Optional. For example 2.5: one decimal, at most 999."))
    standard_type = SelectField(_l("Occupation type of the national standard"), default="",
                                choices=[SelectChoice("", _l("Not mapped to the standard"))]
                                + [SelectChoice(k, v) for k, v in standard.TYPES.items()])
    standard_level = SelectField(_l("Level of the standard"), default="5",
                                 choices=[SelectChoice(str(k), v) for k, v in standard.LEVELS.items()])
    standard_units = TextAreaField(_l("Units of the standard the course covers"), render_kw={"rows": 3},
                                   validators=[Length(max=4000)],
                                   description=_l("One per line, named as the standard names them. "
                                                  "Leave empty if you are not sure."))
    # The learner's path (services/learning/progress.py) and the catalogue order.
    sequential = BooleanField(_l("Learners take the steps in order"),
                              description=_l("Each lesson and quiz opens when the one before it is done."))
    position = IntegerField(_l("Place in the course list"), default=0, validators=[Optional(), NumberRange(0, 9999)],
                            description=_l("Courses of one level are listed by this number, then by title."))

    def __init__(self, *args, current_cover: str | None = None, **kwargs):
        mapping = standard.read_mapping(getattr(kwargs.get("obj"), "standard", None))
        if mapping is not None:
            kwargs.update(standard_type=mapping["type"], standard_level=str(mapping["level"]),
                          standard_units="\n".join(mapping["units"]))
        super().__init__(*args, **kwargs)
        self.current_cover = current_cover

    def validate_hours(self, field):
        if (field.data or "").strip() and standard.parse_hours(field.data.strip()) is None:
            raise ValidationError(_l("Give the hours as a number above 0 and at most 999, "
                                     "with at most one decimal (for example 2.5)."))

    def validate_standard_units(self, field):
        if self.standard_type.data:
            problems = standard.check_mapping(self.standard_type.data, int(self.standard_level.data),
                                              self.units())
            if problems:
                raise ValidationError(" ".join(problems))

    def units(self) -> list[str]:
        return [line.strip() for line in (self.standard_units.data or "").splitlines() if line.strip()]

    def hours_value(self):
        """The hours to store (None when left empty)."""
        return standard.parse_hours((self.hours.data or "").strip()) if (self.hours.data or "").strip() else None

    def standard_value(self) -> dict | None:
        """The mapping to store (None when the course is not mapped)."""
        if not self.standard_type.data:
            return None
        return standard.mapping(self.standard_type.data, int(self.standard_level.data), self.units())

    def order_values(self) -> tuple[bool, int]:
        """(sequential, position) to store on the course."""
        return bool(self.sequential.data), self.position.data or 0

    def validate_cover_alt(self, field):
        if (self.current_cover or upload(self.cover)) and not (field.data or "").strip():
            raise ValidationError(_l("Describe the cover picture in a few words."))

    def details(self) -> authoring.CourseDetails:
        return authoring.CourseDetails(self.title.data, self.summary.data or "", self.language.data,
                                       self.level.data, self.cover_alt.data or "")


class NewCourseForm(CourseForm):
    slug = StringField(_l("Short name"), description=SLUG_HELP, validators=[
        Optional(), Length(max=60),
        Regexp(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
               message=_l("Use lowercase letters, digits and hyphens only."))])


class LessonForm(VersionMixin, AppForm):
    title = StringField(_l("Lesson title"), validators=[DataRequired(), Length(max=200)])
    body_md = TextAreaField(
        _l("Lesson text"), validators=[Length(max=100_000)], render_kw={"rows": 16},
        description=_l("Write in Markdown: ## for a heading, - for a list, **bold**. "
                       "Pictures: use “Add a picture” below."))
    minutes = IntegerField(_l("Estimated minutes to read"), default=5,
                           validators=[DataRequired(message=_l("Give a number of minutes from 1 to 240.")),
                                       NumberRange(1, 240, message=_l("Give a number of minutes from 1 to 240."))])
    video_url = StringField(_l("Video link"), validators=[Optional(), Length(max=500), video_link],
                            description=_l("Optional: an https:// link to an MP4 or WebM video, "
                                           "or upload a video file below."))
    version = HiddenField()
    image = FileField(_l("Picture to add"))
    image_alt = StringField(_l("What the picture shows"), validators=[Length(max=300)])
    video = FileField(_l("Video file (MP4 or WebM)"))
    action = HiddenField()
    cursor = HiddenField()

    @property
    def uploading(self) -> bool:
        """One of the "Upload" buttons (not Save or Preview) was pressed."""
        return self.action.data in ("upload_image", "upload_video")

    def upload_ready(self) -> bool:
        """The chosen upload button has what it needs; otherwise a message at the field."""
        if self.action.data == "upload_video":
            if upload(self.video) is None:
                self.video.errors = [_l("Choose a video file first.")]
            return not self.video.errors
        if upload(self.image) is None:
            self.image.errors = [_l("Choose a picture first.")]
        elif not (self.image_alt.data or "").strip():
            self.image_alt.errors = [_l("Describe the picture in a few words for learners who cannot see it.")]
        return not (self.image.errors or self.image_alt.errors)

    def add_picture(self, path: str) -> bool:
        """Put an uploaded picture into the (unsaved) text; True when it went at the cursor."""
        cursor = self.cursor.data or ""
        body, at_cursor = uploads.insert_picture(text(self.body_md.data), path, self.image_alt.data,
                                                   int(cursor) if cursor.isdigit() else None)
        self.body_md.data, self.image_alt.data = body, ""
        return at_cursor

    def lesson_input(self) -> authoring.LessonInput:
        return authoring.LessonInput((self.title.data or "").strip(), text(self.body_md.data),
                                     self.minutes.data or 5, (self.video_url.data or "").strip() or None)


class QuizForm(VersionMixin, AppForm):
    title = StringField(_l("Quiz title"), validators=[DataRequired(), Length(max=200)])
    pass_mark = IntegerField(_l("Pass mark (percent)"), default=60,
                             validators=[DataRequired(message=_l("Give a number from 0 to 100.")),
                                         NumberRange(0, 100, message=_l("Give a number from 0 to 100."))])
    max_attempts = IntegerField(_l("Attempts allowed"), default=0,
                                description=_l("0 means as many as the learner needs."),
                                validators=[NumberRange(0, 100, message=_l("Give a number from 0 to 100."))])
    shuffle = BooleanField(_l("Shuffle questions and choices for each attempt"))
    version = HiddenField()

    def settings(self) -> authoring.QuizSettings:
        return authoring.QuizSettings(self.title.data, self.pass_mark.data, self.max_attempts.data or 0,
                                      self.shuffle.data)


class NewQuizForm(AppForm):
    title = StringField(_l("Quiz title"), validators=[DataRequired(), Length(max=200)])


class ImportForm(AppForm):
    archive = FileField(_l("Course archive (.zip)"), validators=[DataRequired(message=_l("Choose a .zip file."))])
    replace = BooleanField(_l("Replace the existing course with the same short name"))


class DuplicateForm(AppForm):
    title = StringField(_l("Title of the copy"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Language of the copy"), choices=LANGUAGE_CHOICES)
    slug = NewCourseForm.slug


class ConfirmForm(VersionMixin, AppForm):
    """The "Yes, delete it" button (with the quiz version for questions)."""

    confirm = HiddenField()
    version = HiddenField()

    @property
    def confirmed(self) -> bool:
        return self.is_submitted() and self.confirm.data == "yes"


class MoveForm(AppForm):
    """The up and down buttons."""

    direction = HiddenField()


# ---------------------------------------------------------------- the question editor

MAX_CHOICES = 12
ACTION_RE = re.compile(r"^(save|add_choice|remove_choice-\d{1,2})$")


def _picture_in_course(form, field):
    if field.data and field.data not in form.pictures:
        raise ValidationError(_l("That picture is not part of this course. Upload it again."))


class ChoiceForm(Form):
    """One choice (or ordering step), named choice-N-... in the page."""

    Meta = PlainTextMeta

    text = StringField(validators=[Length(max=1000, message=_l(
        "A choice may be at most %(max)d characters long."))])
    correct = BooleanField()
    image = HiddenField(validators=[_picture_in_course])
    remove_image = BooleanField()
    image_alt = StringField(validators=[Length(max=300, message=_l(
        "Describe the picture in at most %(max)d characters."))])
    image_file = FileField()


class QuestionForm(VersionMixin, AppForm):
    """A question as submitted. Its choices grow and shrink with the "Add a choice" and
    "Remove" buttons, which re-show the form without saving."""

    version = HiddenField(validators=[Regexp(r"^\d{1,9}$", message=_l(
        "This page is out of date. Open the question again and make your change there."))])
    action = HiddenField(default="save", validators=[Optional(), Regexp(ACTION_RE, message=_l(
        "This button is not known. Open the question again and make your change there."))])
    prompt = TextAreaField(validators=[Length(max=5000, message=_l(
        "The question may be at most %(max)d characters long."))])
    explanation = TextAreaField(validators=[Length(max=5000, message=_l(
        "The explanation may be at most %(max)d characters long."))])
    image = HiddenField(validators=[_picture_in_course])
    remove_image = BooleanField()
    image_alt = StringField(validators=[Length(max=300, message=_l(
        "Describe the picture in at most %(max)d characters."))])
    image_file = FileField()
    choice = FieldList(FormField(ChoiceForm))
    correct = HiddenField()
    answer = HiddenField(validators=[Optional(), Regexp(r"^(true|false)$", message=_l(
        "Choose whether the statement is true or false."))])
    accepted = TextAreaField()

    def __init__(self, *args, kind: str, pictures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.pictures = set(pictures)
        for entry in self.choice:
            entry.form.pictures = self.pictures

    def validate_choice(self, field):
        if len(field.entries) > MAX_CHOICES:
            raise ValidationError(_l("A question can have at most %(n)d choices.", n=MAX_CHOICES))

    def validate_accepted(self, field):
        if any(len(line.strip()) > 200 for line in text(field.data).split("\n")):
            raise ValidationError(_l("Each accepted answer may be at most 200 characters long."))

    def question_input(self) -> course_checks.QuestionInput:
        """The question as the trainer wrote it (pictures already in the course included)."""
        data = course_checks.QuestionInput(
            kind=self.kind, prompt=text(self.prompt.data), explanation=text(self.explanation.data),
            image=None if self.remove_image.data else (self.image.data or None),
            image_alt=self.image_alt.data or "",
            answer={"true": True, "false": False}.get(self.answer.data or ""),
            accepted=[line.strip() for line in text(self.accepted.data).split("\n") if line.strip()])
        if self.kind in course_checks.CHOICE_KINDS:
            for n, entry in enumerate(self.choice):
                choice = entry.form
                data.choices.append(course_checks.ChoiceInput(
                    text=choice.text.data or "", image_alt=choice.image_alt.data or "",
                    # The radio button "correct" names the choice by its place in the list.
                    correct=(self.correct.data == str(n)) if self.kind == QuestionKind.SINGLE
                    else choice.correct.data,
                    image=None if choice.remove_image.data else (choice.image.data or None)))
        return data

    def uploads(self) -> dict[str, uploads.Upload]:
        """Pictures chosen for upload, by "image" or "choice-N" (N counting choices in order)."""
        chosen = {"image": upload(self.image_file)}
        if self.kind in course_checks.CHOICE_KINDS:
            chosen.update({f"choice-{n}": upload(entry.form.image_file) for n, entry in enumerate(self.choice)})
        return {key: file for key, file in chosen.items() if file is not None}

    def edit_choices(self, data: course_checks.QuestionInput) -> bool:
        """Apply "Add a choice" or "Remove choice N" to data; False for the Save button."""
        action = self.action.data or "save"
        if action == "add_choice":
            if len(data.choices) < MAX_CHOICES:
                data.choices.append(course_checks.ChoiceInput())
            return True
        if action.startswith("remove_choice-"):
            index = int(action.rsplit("-", 1)[1])
            if index < len(data.choices):
                data.choices.pop(index)
            return True
        return False

    def problems(self) -> dict[str, str]:
        """The form's errors by the keys the question page shows them at."""
        problems = {}
        for name, messages in self.errors.items():
            if name == "choice":
                for n, entry in enumerate(self.choice):
                    if entry.errors:
                        problems[f"choice-{n}"] = " ".join(
                            str(m) for ms in entry.errors.values() for m in ms)
                for message in (m for m in messages if not isinstance(m, dict)):
                    problems["choices"] = str(message)
            else:
                key = {"version": "course", "action": "course", "correct": "choices"}.get(name, name)
                problems[key] = " ".join(str(m) for m in messages)
        return problems
