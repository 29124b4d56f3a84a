"""Forms of classroom mode. The answer itself is read by the quiz's own parser
(services.learning.quizzes.parse_responses); these forms carry the CSRF token and the
position or version the page was showing, so a stale tap changes nothing."""
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.widgets import HiddenInput

from ..forms_common import AppForm


class StartForm(AppForm):
    quiz_id = SelectField(_l("Quiz"), coerce=int, validators=[InputRequired()])


class ControlForm(AppForm):
    """Show the counts, go to the next question or end; `version` is what the screen showed."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    action = SelectField(choices=[SelectChoice("show", _l("Show results")),
                                  SelectChoice("next", _l("Next question")),
                                  SelectChoice("end", _l("End quiz"))], validators=[InputRequired()])


class AnswerForm(AppForm):
    """A learner's answer (fields q<question id> read separately) to the question at `position`."""

    position = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class AssistForm(AppForm):
    """An answer given aloud, entered by the trainer for one learner."""

    position = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    learner = SelectField(_l("Learner"), coerce=int, validators=[InputRequired()],
                          validate_choice=True)
