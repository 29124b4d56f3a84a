"""The error summary: a form sent back with errors shows, first in <main>, one box listing
every problem with a link to its field (issue 23: a weak password looked like "the same page
again", because the error was a screen below where the page reloaded).

base.html renders it for every form of the page without the page asking: `form_problems()`
looks through the template's variables for WTForms forms that carry errors. A page with
problems that are not a form's (quiz answers, studio checks) passes its own list to the
`error_summary` macro in its `error_summary` block."""
from dataclasses import dataclass

from flask_babel import gettext as _
from jinja2 import pass_context
from wtforms import Form
from wtforms.fields import FieldList, FormField, HiddenField
from wtforms.widgets import ListWidget, TableWidget


@dataclass(frozen=True)
class Problem:
    """One line of the summary: the message (with the field's label) and the id of the element
    its link moves to (None: nothing to link, e.g. an expired form token)."""

    text: str
    target: str | None = None


def _labelled(label: str, message: str) -> str:
    return _("%(label)s: %(message)s", label=label, message=message) if label else message


def _field_target(field) -> str | None:
    """The id a link should focus: the field itself, or the first choice of a radio or
    checkbox list (the list's own element cannot take focus)."""
    if isinstance(field, HiddenField) or field.type == "CSRFTokenField":
        return None
    if isinstance(field.widget, ListWidget | TableWidget):
        first = next(iter(field), None)
        return first.id if first is not None else field.id
    return field.id


def field_problems(field) -> list[Problem]:
    """The problems of one field, sub-forms and repeated fields included."""
    if isinstance(field, FormField):
        return [p for sub in field for p in field_problems(sub)]
    if isinstance(field, FieldList):
        return [p for entry in field for p in field_problems(entry)]
    target = _field_target(field)
    # A checkbox's label is a whole sentence, and its message says what to do already.
    label = str(field.label.text) if target and field.type != "BooleanField" else ""
    return [Problem(_labelled(label, str(message)), target)
            for message in field.errors if message]


def problems_of(*forms: Form) -> list[Problem]:
    """Every problem of these forms, in page order (form-wide problems first)."""
    found: list[Problem] = []
    for form in forms:
        found.extend(Problem(str(message)) for message in (getattr(form, "form_errors", None) or []))
        for field in form:
            found.extend(field_problems(field))
    return found


def _forms_in(value) -> list[Form]:
    if isinstance(value, Form):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, Form)]
    return []


@pass_context
def form_problems(context) -> list[Problem]:
    """The problems of every form among the template's variables (each form once)."""
    seen: set[int] = set()
    forms: list[Form] = []
    for value in context.get_all().values():
        for form in _forms_in(value):
            if id(form) not in seen:
                seen.add(id(form))
                forms.append(form)
    return problems_of(*forms)
