"""The training ledger as the spreadsheet counties file (issue 21): one row per attendance in
13 columns (序号, 姓名, 性别, 年龄, 联系电话, 乡镇, 村, 培训内容, 培训日期, 培训地点, 学时, 签到方式,
签到时间), then the totals and breakdowns (汇总) — in the reader's language.

Rows are read in chunks (yield_per, a server-side cursor on PostgreSQL) and handed on one at a
time, so the CSV streams and the XLSX is written row by row (ledger_jobs.py writes large ones
in the background). Mobile numbers are whole only for staff of the learner's own centre, who
file the county ledger; everyone else gets them masked. The household category (PIPL special
information) is never in this export.
"""
from collections.abc import Iterator
from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select

from ...localtime import zone_label
from ...models import Attendance, TrainingClass, TrainingSession, User
from ..accounts import accounts
from . import ledger
from .ledger import Ledger

# Without dates, the ledger shows the last quarter.
DEFAULT_DAYS = 90
# Rows fetched from the database at a time.
CHUNK = 2000


def period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The ledger's period from optional dates: up to today, the 90 days before the end by
    default, and in order whichever way round they were given."""
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS)
    return (end, start) if start > end else (start, end)


def age_labels() -> dict[str, str]:
    return {"under-30": _("Under 30"), "30-39": "30–39", "40-49": "40–49", "50-59": "50–59",
            "60-plus": _("60 and over"), "unknown": _("Not given")}


def gender_labels() -> dict[str, str]:
    return {"f": _("Female"), "m": _("Male"), "unknown": _("Not given")}


def method_labels() -> dict[str, str]:
    """签到方式: scanned on the learner's phone, ticked at roll call, or recorded for them."""
    return {"qr": _("QR code"), "roll": _("Roll call"), "assisted": _("Signed in for them")}


def sheet_names() -> tuple[str, str]:
    """The workbook's two sheets: the ledger rows (台账) and the totals (汇总)."""
    return _("Ledger"), _("Totals")


def header() -> list[str]:
    """The 13 county columns, in the reader's language."""
    return [_("No."), _("Name"), _("Gender"), _("Age"), _("Contact number"), _("Township"),
            _("Village"), _("Training content"), _("Training date"), _("Training place"),
            _("Hours"), _("Check-in method"), _("Check-in time (%(zone)s)", zone=zone_label())]


def rows_query(start: date, end: date, centre_id: int | None) -> Select:
    """Every attendance of the period (and centre) with what its row shows, in date order."""
    query = ledger.attendances(
        start, end, centre_id, TrainingSession.held_on, TrainingSession.topic,
        TrainingSession.place, TrainingSession.hours, TrainingClass.name, User.display_name,
        User.gender, User.birth_year, User.mobile, User.centre_id, User.township, User.village,
        Attendance.method, Attendance.checked_in_at,
    ).join(User, User.id == Attendance.user_id)
    if centre_id is None:  # ledger.attendances joins the class only to filter by centre
        query = query.join(TrainingClass, TrainingClass.id == TrainingSession.class_id)
    return query.order_by(TrainingSession.held_on, TrainingSession.id, User.display_name, User.id)


def hours_value(value) -> float | int | str:
    """Hours as written: 2 rather than 2.0, 1.5 as it is, blank when not given."""
    if value is None:
        return ""
    value = float(value)
    return int(value) if value.is_integer() else value


def ledger_rows(connection, start: date, end: date, centre_id: int | None,
                exporter_centre_id: int | None, timezone: str) -> Iterator[list]:
    """The export's rows, one per attendance, read CHUNK rows at a time from connection (a
    Session or Connection). Numbers are whole when the learner is of exporter_centre_id."""
    genders, methods = gender_labels(), method_labels()
    zone = ZoneInfo(timezone)
    result = connection.execute(
        rows_query(start, end, centre_id).execution_options(yield_per=CHUNK))
    for number, (held_on, topic, place, hours, class_name, name, gender, birth_year, mobile,
                 centre, township, village, method, checked_in_at) in enumerate(result, 1):
        own = exporter_centre_id is not None and centre == exporter_centre_id
        local = checked_in_at.replace(tzinfo=UTC).astimezone(zone) if checked_in_at else None
        yield [
            number, name, genders.get(gender or "", ""),
            held_on.year - birth_year if birth_year else "",
            (mobile or "") if own else accounts.mask_mobile(mobile),
            township or "", village or "", topic or class_name, held_on.isoformat(), place or "",
            hours_value(hours), methods.get(method, method),
            local.strftime("%Y-%m-%d %H:%M") if local else "",
        ]


def summary_rows(data: Ledger) -> list[list]:
    """The 汇总 sheet: period, sessions, person-times, unique people and hours, then person-times
    and unique people by place, gender and age."""
    genders, ages = gender_labels(), age_labels()
    return [
        [_("Period"), f"{data.start.isoformat()} – {data.end.isoformat()}"],
        [_("Sessions"), data.session_count],
        [_("Person-times"), data.person_times],
        [_("Unique people"), data.people],
        [_("Person-hours"), hours_value(data.person_hours)],
        [],
        [_("Township"), _("Village"), _("Person-times"), _("Unique people")],
        *([*g.key, g.person_times, g.people] for g in data.by_place),
        [],
        [_("Gender"), "", _("Person-times"), _("Unique people")],
        *([genders.get(g.key[0], g.key[0]), "", g.person_times, g.people] for g in data.by_gender),
        [],
        [_("Age"), "", _("Person-times"), _("Unique people")],
        *([ages.get(g.key[0], g.key[0]), "", g.person_times, g.people] for g in data.by_age),
    ]


def file_name(start: date, end: date, fmt: str) -> str:
    """培训台账-2026-09-01-2026-11-30.xlsx in Chinese, ledger-….xlsx in English."""
    return f"{_('ledger')}-{start.isoformat()}-{end.isoformat()}.{fmt}"

