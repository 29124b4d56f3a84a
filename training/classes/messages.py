"""Messages of the classes area for the reason codes services raise, translated when shown."""
from flask_babel import gettext as _

from ..services.classes import roster

CLASS_ERRORS = {
    "before-start": lambda: _("The last day cannot be before the first day."),
    "unknown": lambda: _("Choose published courses only."),
}
ROW_ERRORS = {
    "empty-file": lambda e: _("The file is empty."),
    "header": lambda e: _("The first row must name the columns: name, mobile, township, village "
                          "(download the template)."),
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
}
FILE_ERRORS = {
    "too-big": lambda: _("The file is larger than 1 MB."),
    "file-type": lambda: _("Upload a .csv or .xlsx file."),
    "encoding": lambda: _("The CSV file is not in UTF-8 or GB18030 encoding."),
    "unreadable": lambda: _("This file cannot be read as a spreadsheet."),
}
