"""Authoring studio forms. Questions are parsed by hand (see views.read_question) because
their choices grow and shrink with "Add choice" and "Remove" buttons."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ..models import Level

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


class CourseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=2000)],
                            description=_l("One or two sentences shown in the course list."),
                            render_kw={"rows": 3})
    language = SelectField(_l("Language of the course"), choices=LANGUAGE_CHOICES)
    level = SelectField(_l("Level"), choices=LEVEL_CHOICES)
    cover = FileField(_l("Cover picture"), description=_l("Optional. A photo (JPEG, PNG or WebP) up to 10 MB."))
    cover_alt = StringField(_l("What the cover picture shows"), validators=[Length(max=300)],
                            description=_l("A few words for learners who cannot see the picture."))


class NewCourseForm(CourseForm):
    slug = StringField(_l("Short name"), description=SLUG_HELP, validators=[
        Optional(), Length(max=60),
        Regexp(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
               message=_l("Use lowercase letters, digits and hyphens only."))])


class LessonForm(FlaskForm):
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


class NewLessonForm(FlaskForm):
    title = StringField(_l("Lesson title"), validators=[DataRequired(), Length(max=200)])


class QuizForm(FlaskForm):
    title = StringField(_l("Quiz title"), validators=[DataRequired(), Length(max=200)])
    pass_mark = IntegerField(_l("Pass mark (percent)"), default=60,
                             validators=[DataRequired(message=_l("Give a number from 0 to 100.")),
                                         NumberRange(0, 100, message=_l("Give a number from 0 to 100."))])
    max_attempts = IntegerField(_l("Attempts allowed"), default=0,
                                description=_l("0 means as many as the learner needs."),
                                validators=[NumberRange(0, 100, message=_l("Give a number from 0 to 100."))])
    shuffle = BooleanField(_l("Shuffle questions and choices for each attempt"))
    version = HiddenField()


class NewQuizForm(FlaskForm):
    title = StringField(_l("Quiz title"), validators=[DataRequired(), Length(max=200)])


class ImportForm(FlaskForm):
    archive = FileField(_l("Course archive (.zip)"), validators=[DataRequired(message=_l("Choose a .zip file."))])
    replace = BooleanField(_l("Replace the existing course with the same short name"))


class DuplicateForm(FlaskForm):
    title = StringField(_l("Title of the copy"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Language of the copy"), choices=LANGUAGE_CHOICES)
    slug = NewCourseForm.slug
