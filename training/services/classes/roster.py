"""Bulk learner accounts from a spreadsheet (CSV or XLSX): parse, validate every row, import.

All or nothing: if any row is bad, nothing is imported and every bad row is reported with its
reason. New learners get a one-time password (shown once, printed on a sign-in sheet) and must
change it at first login. A family often shares one phone: people with the same mobile number
are one household, each imported as their own person with their own password; a row is the
same person as an existing account only when both the number and the name match.
"""
import csv
import io
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Role, TrainingClass, User
from ..accounts import accounts
from ..accounts.passwords import hash_password

# Spreadsheet programs run cells that start like this as formulas: one list for every import
# and export. Cells are stripped before the check, so its tab and carriage return never lead.
from ..reports.exports import FORMULA_STARTS, has_control_characters
from . import classes, household

MAX_ROWS = 200  # each new account hashes a password: keeps one upload within a request's time
MAX_BYTES = 1_000_000
MAX_FIELD = 60
# Column titles we accept for each field (lower case), English and Chinese. Any other titled
# column is refused by name: a column silently ignored is data the trainer thinks was kept.
# The household category is special personal information: kept only with the upload's own
# consent box ticked (see household.py).
HEADERS = {
    "name": ("name", "姓名", "名字"),
    "mobile": ("mobile", "mobile number", "phone", "手机", "手机号", "手机号码", "电话"),
    "gender": ("gender", "sex", "性别"),
    "birth_year": ("birth year", "year of birth", "birth_year", "出生年份", "出生年"),
    "township": ("township", "乡镇", "镇", "乡"),
    "village": ("village", "村", "村庄", "行政村"),
    "id_last4": ("id last 4", "id card last 4", "id_last4", "身份证后四位", "身份证后4位"),
    "household": ("household category", "household", "户类别", "户属性", "农户类别"),
}
# The template's column titles in the trainer's language (both are read back, see HEADERS).
TEMPLATE_HEADERS = {
    "en": ["name", "mobile", "gender", "birth year", "township", "village", "id last 4",
           "household category"],
    "zh": ["姓名", "手机号", "性别", "出生年份", "乡镇", "村", "身份证后四位", "户类别"],
}
TEMPLATE_EXAMPLES = {
    "en": ["张三", "13800138000", "M", 1975, "城关镇", "团结村", "123X", ""],
    "zh": ["张三", "13800138000", "男", 1975, "城关镇", "团结村", "123X", ""],
}
# The last four characters of an ID card number: digits, the last one may be the check letter X.
ID_LAST4_RE = re.compile(r"^[0-9]{3}[0-9X]$")
# Gender cells (after NFKC and lower case) as User.gender values; a blank cell is "not given".
GENDER_CELLS = {"男": "m", "男性": "m", "m": "m", "male": "m",
                "女": "f", "女性": "f", "f": "f", "female": "f"}
# Birth years: the oldest the roster accepts; the youngest is the profile form's (ten years ago),
# so every year a roster brings is one the help desk could have typed.
OLDEST_BIRTH_YEAR = 1920
YOUNGEST_AGE = 10
BIRTH_YEAR_RE = re.compile(r"^([0-9]{4})年?$")  # full-width digits are folded first
# No look-alike characters: these are read off paper and typed on a phone.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class RosterFileError(ValueError):
    """The file as a whole cannot be read; args[0] is a reason code."""


@dataclass
class RosterRow:
    line: int  # line in the file, the header being line 1
    name: str
    mobile: str
    township: str = ""
    village: str = ""
    gender: str | None = None  # "f", "m" or None (not given), as User.gender
    birth_year: int | None = None
    id_last4: str | None = None
    household: str | None = None  # a household.CATEGORIES code


@dataclass
class RowError:
    line: int
    reason: str  # "name-empty", "mobile-invalid", "mobile-duplicate", "formula", "control-characters",
    #              "gender-invalid", "birth-year-invalid", "unknown-columns", "untitled-column",
    #              "id-last4-invalid", "household-invalid", "household-consent", ...
    value: str = ""
    other_line: int | None = None  # for duplicates: the line that has it first
    columns: tuple[str, ...] = ()  # header problems: the column titles concerned, as in the file


@dataclass
class Imported:
    user: User
    password: str | None  # the one-time password of a new account; None when linked
    created: bool


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """Cells of the first sheet of a CSV or XLSX file as text, rows without any text dropped."""
    if len(data) > MAX_BYTES:
        raise RosterFileError("too-big")
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        rows = _read_xlsx(data)
    elif name.endswith(".csv") or name.endswith(".txt"):
        rows = _read_csv(data)
    else:
        raise RosterFileError("file-type")
    return [row for row in rows if any(cell.strip() for cell in row)]


def _read_csv(data: bytes) -> list[list[str]]:
    # Excel in China saves "CSV" as GB18030 unless asked for UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterFileError("encoding")
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise RosterFileError("unreadable") from exc


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        # data_only=False: a formula is read as its text ("=...") and refused, never evaluated.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise RosterFileError("unreadable") from exc
    try:
        # A few rows past the limit are enough to know the file is too long.
        rows = workbook.worksheets[0].iter_rows(max_row=MAX_ROWS + 51, values_only=True)
        return [[_cell_text(v) for v in row] for row in rows]
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a mobile number typed into a number cell
    return str(value)


def _tidy(text: str) -> str:
    """A cell as compared: full-width forms folded (NFKC), spaces around it removed."""
    return unicodedata.normalize("NFKC", text).strip()


def _columns(table: list[list[str]]) -> tuple[dict[str, int], list[RowError]]:
    """Which column holds each field, and the header's problems: titles the roster does not
    know, a field given twice, a column with data but no title. Blank columns are no problem."""
    header = table[0]
    found: dict[str, int] = {}
    unknown: list[str] = []
    problems: list[RowError] = []
    width = max(len(row) for row in table)
    for index in range(width):
        title = _tidy(header[index]) if index < len(header) else ""
        field = next((f for f, names in HEADERS.items() if title.lower() in names), None)
        if field is not None and field not in found:
            found[field] = index
        elif field is not None:
            problems.append(RowError(1, "duplicate-column", columns=(_tidy(header[found[field]]), title)))
        elif title:
            unknown.append(title[:40])
        elif any(index < len(row) and row[index].strip() for row in table[1:]):
            from openpyxl.utils import get_column_letter  # imported when used: small workers

            problems.append(RowError(1, "untitled-column", get_column_letter(index + 1)))
    if unknown:
        problems.insert(0, RowError(1, "unknown-columns", columns=tuple(unknown)))
    return found, problems


def birth_years(today: date) -> tuple[int, int]:
    """The oldest and the youngest birth year a roster may give."""
    return OLDEST_BIRTH_YEAR, today.year - YOUNGEST_AGE


def _gender(cell: str) -> str | None:
    return GENDER_CELLS.get(cell.lower())


def _birth_year(cell: str, today: date) -> int | None:
    match = BIRTH_YEAR_RE.match(cell)
    low, high = birth_years(today)
    return int(match[1]) if match and low <= int(match[1]) <= high else None


def _same_name(name: str) -> str:
    """A name as compared to find the same person: spaces and case do not count."""
    return "".join(name.split()).casefold()


def validate(table: list[list[str]], today: date | None = None,
             household_consent: bool = False) -> tuple[list[RosterRow], list[RowError]]:
    """Rows ready to import, and every problem found (the header's first, then each row's).
    Import only when the errors are empty. `today` bounds the birth years (default: today).

    A household category is kept only with `household_consent` (the upload's own consent box):
    without it, any row giving one refuses the whole file ("household-consent")."""
    if not table:
        return [], [RowError(1, "empty-file")]
    today = today or date.today()
    columns, errors = _columns(table)
    if "name" not in columns or "mobile" not in columns:
        return [], [RowError(1, "header")]
    body = table[1:]
    if not body:
        return [], [RowError(2, "no-rows")]
    if len(body) > MAX_ROWS:
        return [], [RowError(MAX_ROWS + 2, "too-many-rows", str(len(body)))]

    rows: list[RosterRow] = []
    # (mobile, name) -> first line: one person twice. The same number with another name is
    # another member of the household sharing the phone, which is fine.
    first_line: dict[tuple[str, str], int] = {}
    categorised: list[int] = []
    # Column titles as written in the file, to name the cell that holds control characters.
    titles = {field: _tidy(table[0][index]) for field, index in columns.items()}
    for line, cells in enumerate(body, start=2):
        cell = {field: _tidy(cells[index]) if index < len(cells) else ""
                for field, index in columns.items()}
        name, raw_mobile = cell["name"], cell["mobile"]
        township, village = cell.get("township", ""), cell.get("village", "")
        raw_gender, raw_year = cell.get("gender", ""), cell.get("birth_year", "")
        raw_id, raw_household = cell.get("id_last4", "").upper(), cell.get("household", "")
        # Control characters (a bell, an escape) would break the spreadsheets these texts go
        # into. The mobile number is kept as its 11 digits only, so it needs no such check.
        row_errors = [RowError(line, "control-characters", titles[field])
                      for field in ("name", "township", "village")
                      if field in cell and has_control_characters(cell[field])]
        row_errors += [RowError(line, "formula", value[:40])
                       for value in (name, township, village) if value.startswith(FORMULA_STARTS)]
        mobile = accounts.normalise_mobile(raw_mobile)
        if not name:
            row_errors.append(RowError(line, "name-empty"))
        elif len(name) > MAX_FIELD:
            row_errors.append(RowError(line, "name-too-long", name[:40]))
        if len(township) > MAX_FIELD or len(village) > MAX_FIELD:
            row_errors.append(RowError(line, "place-too-long"))
        if mobile is None and raw_mobile.startswith(FORMULA_STARTS):
            row_errors.append(RowError(line, "formula", raw_mobile[:40]))
        elif mobile is None:
            row_errors.append(RowError(line, "mobile-invalid", raw_mobile[:40]))
        elif (mobile, _same_name(name)) in first_line:
            row_errors.append(RowError(line, "mobile-duplicate", accounts.mask_mobile(mobile),
                                       first_line[mobile, _same_name(name)]))
        else:
            first_line[mobile, _same_name(name)] = line
        gender = _gender(raw_gender)
        if raw_gender and gender is None:
            row_errors.append(RowError(line, "gender-invalid", raw_gender[:40]))
        birth_year = _birth_year(raw_year, today)
        if raw_year and birth_year is None:
            row_errors.append(RowError(line, "birth-year-invalid", raw_year[:40]))
        if raw_id and not ID_LAST4_RE.match(raw_id):
            row_errors.append(RowError(line, "id-last4-invalid", raw_id[:40]))
        category = household.parse_cell(raw_household) if raw_household else None
        if raw_household and category is None:
            row_errors.append(RowError(line, "household-invalid", raw_household[:40]))
        elif category is not None:
            categorised.append(line)
        if row_errors:
            errors.extend(row_errors)
        else:
            rows.append(RosterRow(line, name, mobile, township, village, gender, birth_year,
                                  raw_id or None, category))
    if categorised and not household_consent:
        # PIPL Art. 29: special personal information needs its own consent. Refuse the file
        # rather than drop the column, so nobody believes it was kept.
        errors.insert(0, RowError(1, "household-consent", str(len(categorised)),
                                  columns=tuple(str(n) for n in categorised[:20])))
    return rows, errors


def one_time_password() -> str:
    """Eight easy-to-read characters that pass the password rules."""
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(8))
        if accounts.check_password_strength(password) is None:
            return password


def import_rows(session: Session, training_class: TrainingClass, rows: list[RosterRow],
                language: str = "zh_CN") -> list[Imported]:
    """Create or link every row's learner and add them to the class (enrolled in its courses).

    A row is an existing account when the mobile number and the name both match (the oldest
    such account); otherwise it is a new person, even on a number a household already uses.
    Each new person signs in with the shared number and their own one-time password (the
    password tells the people on one number apart). Validate with household_consent first:
    a row's household category is stored with the consent time."""
    existing: dict[tuple[str, str], User] = {}
    if rows:
        for user in session.scalars(select(User).where(User.mobile.in_({r.mobile for r in rows}))
                                    .order_by(User.id)):
            existing.setdefault((user.mobile, _same_name(user.display_name)), user)
    result = []
    for row in rows:
        user = existing.get((row.mobile, _same_name(row.name)))
        password = None
        if user is None:
            password = one_time_password()
            # Not accounts.create_user: that refuses a number already in use, and a household
            # shares one. The password hash is the same as every account's.
            user = User(
                mobile=row.mobile, display_name=row.name.strip()[:60],
                password_hash=hash_password(password), role=Role.LEARNER,
                language=language, centre_id=training_class.centre_id, must_change_password=True,
                township=row.township or None, village=row.village or None, gender=row.gender,
                birth_year=row.birth_year, id_last4=row.id_last4,
            )
            household.set_category(user, row.household)
            session.add(user)
            session.flush()
        classes.join_class(session, user, training_class)
        result.append(Imported(user, password, password is not None))
    session.flush()
    return result


def template_rows(language: str = "zh") -> tuple[list[str], list[list[str]]]:
    """Header ("zh" or "en" titles) and one example row for the downloadable template."""
    language = language if language in TEMPLATE_HEADERS else "zh"
    return TEMPLATE_HEADERS[language], [TEMPLATE_EXAMPLES[language]]
