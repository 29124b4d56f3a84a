"""Household category (户类别, e.g. 脱贫户 / 监测户): special personal information under PIPL.

The one list of categories, how roster cells map to it, and the rules every page and export
follows: a category is kept only with the person's own, separate consent (PIPL Art. 29; the
roster upload's consent box records household_consent_at), shown only to staff of the
person's centre and to admins (policy.can_see_sensitive), and put into an export only when the
exporter ticks "include household category", which is audited as "export.sensitive".
"""
import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...models import User, utcnow
from ..accounts import audit

# Stored code -> label. Codes, not Chinese words, are stored (users.household_category), so a
# label can be reworded without touching the data. The terms are those of the rural
# revitalisation records: 脱贫户 (lifted out of poverty), 监测户 (防返贫监测对象, monitored for
# falling back), 低保户 (minimum living allowance), 特困户 (extreme-hardship support), 一般户.
CATEGORIES = {
    "lifted": _l("Lifted out of poverty (脱贫户)"),
    "monitored": _l("Monitored for poverty risk (监测户)"),
    "dibao": _l("Minimum living allowance (低保户)"),
    "tekun": _l("Extreme-hardship support (特困户)"),
    "ordinary": _l("Ordinary household (一般户)"),
}
# Roster cells (NFKC, lower case, spaces removed) read as each category.
CELLS = {
    "lifted": ("脱贫户", "脱贫", "脱贫人口", "已脱贫户", "lifted", "liftedoutofpoverty"),
    "monitored": ("监测户", "监测对象", "防返贫监测户", "防返贫监测对象", "monitored"),
    "dibao": ("低保户", "低保", "dibao"),
    "tekun": ("特困户", "特困", "特困供养", "tekun"),
    "ordinary": ("一般户", "一般农户", "普通户", "ordinary"),
}
# The template's word for each code, in its own column (户类别 / household category).
CELL_WORDS = {code: cells[0] for code, cells in CELLS.items()}
_BY_CELL = {cell: code for code, cells in CELLS.items() for cell in cells}
# The export column's title.
COLUMN_TITLE = _l("Household category")


def parse_cell(cell: str) -> str | None:
    """The category code of a roster cell, or None when the cell names no category."""
    folded = "".join(unicodedata.normalize("NFKC", cell).lower().split())
    return _BY_CELL.get(folded)


def labels() -> dict[str, str]:
    """Code -> label in the current language (for pages and exports)."""
    return {code: str(label) for code, label in CATEGORIES.items()}


def label(code: str | None) -> str:
    """A stored code as shown; an empty string for none."""
    return str(CATEGORIES[code]) if code in CATEGORIES else ""


def category_columns(include: bool) -> list[tuple[str, object]]:
    """The export columns for the household category: [] unless the exporter ticked "include
    household category", else one (title, value of a User) pair. Exports add these after their
    own columns and call record_sensitive_export when include is true."""
    if not include:
        return []
    return [(str(COLUMN_TITLE), lambda person: label(person.household_category))]


def record_sensitive_export(session: Session, actor_id: int, what: str, people: int,
                            ip_address: str = "", **detail) -> None:
    """Audit an export that included household categories ("export.sensitive"): who, which
    export (`what`, e.g. "class.members"), how many people and where from."""
    audit.record(session, "export.sensitive", actor_id, detail.pop("target_type", ""),
                 detail.pop("target_id", None), ip_address=ip_address, export=what,
                 people=people, fields=["household_category"], **detail)


def set_category(person: User, code: str | None) -> None:
    """Keep a category given with the person's separate consent (the roster upload's box)."""
    if code is not None and code not in CATEGORIES:
        raise ValueError(code)
    person.household_category = code
    person.household_consent_at = utcnow() if code else None


def clear_category(session: Session, person: User, actor_id: int, ip_address: str = "") -> bool:
    """Staff clear a person's category (and its consent time), audited with the old value.
    False when there was nothing to clear."""
    if person.household_category is None and person.household_consent_at is None:
        return False
    old, consent = person.household_category, person.household_consent_at
    person.household_category = None
    person.household_consent_at = None
    audit.record(session, "user.household_clear", actor_id, "user", person.id, ip_address=ip_address,
                 old=old, consent_at=consent.isoformat(timespec="seconds") if consent else None)
    session.flush()
    return True


def member_table(people: list[User], include: bool, visible_centre_id: int | None,
                 everyone: bool = False) -> tuple[list[str], list[list]]:
    """A class's member list as an export table (header, rows) in the current language, numbers
    masked. The household column is there only when `include` (the exporter ticked it), and
    filled only for the people whose category the exporter may see: members of
    `visible_centre_id` (a trainer's own centre), or `everyone` (admins)."""
    from flask_babel import gettext as _

    from ..accounts import accounts
    from .ledger_export import gender_labels

    genders = gender_labels()
    header = [_("Name"), _("Mobile number"), _("Gender"), _("Year of birth"), _("Township"),
              _("Village"), _("ID card last 4")]
    extra = category_columns(include)
    header += [title for title, _value in extra]
    rows = []
    for person in people:
        row = [person.display_name, accounts.mask_mobile(person.mobile), genders[person.gender or "unknown"],
               person.birth_year or "", person.township or "", person.village or "", person.id_last4 or ""]
        seen = everyone or (visible_centre_id is not None and person.centre_id == visible_centre_id)
        row += [value(person) if seen else "" for _title, value in extra]
        rows.append(row)
    return header, rows
