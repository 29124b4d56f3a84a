"""Forms of the learner's pages."""
from wtforms import HiddenField

from ..forms_common import AppForm


class CompleteForm(AppForm):
    """The lesson page's main button: mark the lesson complete, then go to `next` (a path on
    this site: pages.safe_next), so one tap does both."""

    next = HiddenField()
