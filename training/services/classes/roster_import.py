"""A class's roster upload from start to end: read the file, check every row, then import all
rows or none, and audit it. The pieces (parsing, checks, accounts) live in roster.py."""
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ...models import TrainingClass
from ..accounts import audit
from . import roster

# Re-exported so the view catches one module's errors.
RosterFileError = roster.RosterFileError


@dataclass
class RosterImport:
    """What an upload did: nothing and the problems to fix, or the learners imported."""

    problems: list[roster.RowError] = field(default_factory=list)
    imported: list[roster.Imported] = field(default_factory=list)

    @property
    def created(self) -> int:
        """New accounts (the others were linked to existing accounts)."""
        return sum(1 for item in self.imported if item.created)


def import_roster(session: Session, training_class: TrainingClass, filename: str, data: bytes, *,
                  language: str, actor_id: int, ip_address: str = "",
                  household_consent: bool = False) -> RosterImport:
    """Import a spreadsheet of learners into a class; RosterFileError when the file cannot be read.

    All or nothing: with any problem, nothing is written and every problem is returned.
    `household_consent`: the uploader confirmed each person's separate consent to keeping their
    household category (without it, a file that gives one is refused)."""
    rows, problems = roster.validate(roster.read_table(filename, data),
                                     household_consent=household_consent)
    if problems:
        return RosterImport(problems=problems)
    result = RosterImport(imported=roster.import_rows(session, training_class, rows, language=language))
    audit.record(session, "class.import", actor_id, "class", training_class.id, ip_address=ip_address,
                 created=result.created, linked=len(result.imported) - result.created,
                 **_sensitive(rows, result))
    session.flush()
    return result


def _sensitive(rows: list[roster.RosterRow], result: RosterImport) -> dict:
    """What the audit notes of the special fields: how many household categories were kept
    (with consent) and how many ID endings, never the values themselves."""
    new_rows = [row for row, item in zip(rows, result.imported, strict=True) if item.created]
    detail = {}
    if any(row.household for row in new_rows):
        detail["household_consent"] = True
        detail["household_categories"] = sum(1 for row in new_rows if row.household)
    if any(row.id_last4 for row in new_rows):
        detail["id_last4"] = sum(1 for row in new_rows if row.id_last4)
    return detail
