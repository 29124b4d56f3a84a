"""Messages of the classes area for the reason codes services raise, translated when shown."""
from babel.lists import format_list
from flask_babel import get_locale, gettext as _, ngettext

from ..i18n import course_language
from ..localtime import local_today
from ..services.classes import household, roster

CLASS_ERRORS = {
    "before-start": lambda: _("The last day cannot be before the first day."),
    "unknown": lambda: _("Choose published courses only."),
}
ROW_ERRORS = {
    "empty-file": lambda e: _("The file is empty."),
    "header": lambda e: _("The first row must name the columns: %(known)s (download the template).",
                          known=_known_columns()),
    "unknown-columns": lambda e: ngettext(
        "Unknown column: %(columns)s. Rename or delete it; the columns the roster reads are %(known)s.",
        "Unknown columns: %(columns)s. Rename or delete them; the columns the roster reads are %(known)s.",
        len(e.columns), columns=_quoted(e.columns), known=_known_columns()),
    "untitled-column": lambda e: _("Column %(column)s has data but no title in the first row; give it "
                                   "a title from the template or delete it.", column=e.value),
    "duplicate-column": lambda e: _("The columns %(columns)s mean the same thing; keep one of them.",
                                    columns=_quoted(e.columns)),
    "no-rows": lambda e: _("The file has no learners below the header row."),
    "too-many-rows": lambda e: _("Too many rows (%(n)s): upload at most %(max)s learners at a time.",
                                 n=e.value, max=roster.MAX_ROWS),
    "formula": lambda e: _("“%(value)s” looks like a spreadsheet formula; type it as plain text.",
                           value=e.value),
    "control-characters": lambda e: _("The “%(column)s” cell contains invisible control characters; "
                                      "type it again as plain text.", column=e.value),
    "name-empty": lambda e: _("The name is empty."),
    "name-too-long": lambda e: _("The name is longer than 60 characters."),
    "place-too-long": lambda e: _("The township or village is longer than 60 characters."),
    "mobile-invalid": lambda e: _("“%(value)s” is not an 11-digit mainland mobile number.",
                                  value=e.value),
    "mobile-duplicate": lambda e: _("The mobile number %(value)s is already on line %(line)s.",
                                    value=e.value, line=e.other_line),
    "gender-invalid": lambda e: _("The gender “%(value)s” is not one of 男, 女, M or F.", value=e.value),
    "birth-year-invalid": lambda e: _("The birth year “%(value)s” is not a 4-digit year from %(low)s to "
                                      "%(high)s.", value=e.value, low=_birth_years()[0],
                                      high=_birth_years()[1]),
    "id-last4-invalid": lambda e: _("“%(value)s” is not the last 4 characters of an ID card number "
                                    "(4 digits, the last may be X).", value=e.value),
    "household-invalid": lambda e: _("The household category “%(value)s” is not one of %(known)s.",
                                     value=e.value, known=_quoted(household.CELL_WORDS.values())),
    "household-consent": lambda e: ngettext(
        "%(num)s row gives a household category, which is kept only with each learner's separate "
        "consent: tick the consent box below, or delete the column.",
        "%(num)s rows give a household category, which is kept only with each learner's separate "
        "consent: tick the consent box below, or delete the column.", int(e.value)),
}


def _quoted(titles) -> str:
    """Column titles as a list in the interface language: “a”, “b” and “c” / “a”、“b”和“c”."""
    return format_list([f"“{title}”" for title in titles], locale=get_locale())


def _known_columns() -> str:
    """The template's column titles in the interface language, as a list."""
    return _quoted(roster.template_rows(course_language())[0])


def _birth_years() -> tuple[int, int]:
    return roster.birth_years(local_today())


FILE_ERRORS = {
    "too-big": lambda: _("The file is larger than 1 MB."),
    "file-type": lambda: _("Upload a .csv or .xlsx file."),
    "encoding": lambda: _("The CSV file is not in UTF-8 or GB18030 encoding."),
    "unreadable": lambda: _("This file cannot be read as a spreadsheet."),
}
