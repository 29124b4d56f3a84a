"""Issue 20: every text field of every form refuses control characters, so a learner cannot
store a village that breaks a trainer's spreadsheet. New forms are found by walking the package."""
import importlib
import pkgutil
from types import SimpleNamespace

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import TextAreaField

import training
from training.forms_common import CONTROL_CHARACTERS_MESSAGE, is_text_field

for module in pkgutil.walk_packages(training.__path__, "training."):
    importlib.import_module(module.name)


def form_classes(base=FlaskForm):
    """Every FlaskForm subclass defined in the app, at any depth."""
    for cls in base.__subclasses__():
        if cls.__module__.startswith("training."):
            yield cls
        yield from form_classes(cls)


# What a form's constructor needs besides the submitted data.
ARGS = {"ChangePasswordForm": (SimpleNamespace(username="u", mobile=None, display_name="n"),),
        "FirstPasswordForm": (SimpleNamespace(username="u", mobile=None, display_name="n"),)}
KWARGS = {"QuestionForm": {"kind": "single"}}


def name(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


FORMS = sorted(set(form_classes()), key=name)

def build(cls, data=None):
    return cls(*ARGS.get(cls.__name__, ()), formdata=MultiDict(data) if data is not None else None,
               **KWARGS.get(cls.__name__, {}))


def text_fields(form):
    return [field for field in form if is_text_field(field)]


@pytest.mark.parametrize("cls", [pytest.param(cls, id=name(cls)) for cls in FORMS])
def test_every_text_field_refuses_control_characters(app, cls):
    """A bell or escape character in any text field is refused with the message at that field,
    and ordinary text (Chinese, spaces, punctuation) is not."""
    with app.test_request_context(method="POST"):
        names = [field.name for field in text_fields(build(cls))]
        form = build(cls, {name: "团结村\x07\x1b" for name in names})
        for field in text_fields(form):
            field.validate(form)
            assert CONTROL_CHARACTERS_MESSAGE in field.errors, field.name
        form = build(cls, {name: "团结村 No. 3" for name in names})
        for field in text_fields(form):
            field.validate(form)
            assert CONTROL_CHARACTERS_MESSAGE not in field.errors, field.name


def test_the_walk_finds_the_forms_people_type_into():
    """The walk above sees the profile, class, session, centre and registration forms."""
    names = {cls.__name__ for cls in FORMS}
    assert {"ProfileForm", "ClassForm", "SessionForm", "CentreForm", "RegisterForm", "LoginForm"} <= names


def test_multi_line_text_keeps_tabs_and_line_ends(app):
    """A TextAreaField may hold tabs and line ends (CR LF from the browser), but no other control."""
    from training.forms_common import AppForm

    class NoteForm(AppForm):
        note = TextAreaField()

    with app.test_request_context(method="POST"):
        form = NoteForm(formdata=MultiDict({"note": "第一行\r\n\t第二行"}))
        assert form.validate(), form.errors
        form = NoteForm(formdata=MultiDict({"note": "第一行\n\x1b[31m"}))
        assert not form.validate() and form.note.errors == [CONTROL_CHARACTERS_MESSAGE]


@pytest.mark.parametrize("text", ["a\x00", "a\x1f", "a\x7f", "a\x85", "a\x9f", "a\ufffe", "a\n", "a\t"])
def test_single_line_text_refuses_every_control(app, text):
    """C0 and C1 controls, DEL and the XML noncharacters are refused; in one line, so are tab and newline."""
    from training.classes.forms import ProfileForm

    with app.test_request_context(method="POST"):
        form = ProfileForm(formdata=MultiDict({"village": text}))
        assert not form.validate()
        assert form.village.errors == [CONTROL_CHARACTERS_MESSAGE]


def test_a_question_choice_refuses_control_characters(app):
    """The question editor's choices are sub-forms: their text is checked too."""
    from training.author.forms import QuestionForm

    with app.test_request_context(method="POST"):
        form = QuestionForm(formdata=MultiDict({"prompt": "问题", "choice-0-text": "团结村\x07"}),
                            kind="single")
        form.validate()
        assert form.choice[0].form.text.errors
