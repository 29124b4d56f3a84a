"""Forms of classroom mode. The answer itself is read by the quiz's own parser
(services.learning.quizzes.parse_responses); these forms carry the CSRF token and the
position or version the page was showing, so a stale tap changes nothing."""
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import HiddenInput

from ..forms_common import AppForm


def whole_number(value) -> int:
    """A select's value as an id; anything else is 0 (no one)."""
    return int(value) if str(value).isdigit() else 0


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
    # The first choice (0, "–") is no one: an answer tapped before a name is picked is refused.
    learner = SelectField(_l("Learner"), coerce=whole_number,
                          validators=[NumberRange(min=1, message=_l("Choose who answered."))])
