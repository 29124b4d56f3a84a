"""The training ledger as a spreadsheet: one row per attendance, then the totals and breakdowns
county bureaus ask for, in the reader's language. Mobile numbers are masked, as in lists."""
from datetime import date, timedelta

from flask_babel import gettext as _

from ..accounts import accounts
from .ledger import Ledger

# Without dates, the ledger shows the last quarter.
DEFAULT_DAYS = 90


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


def ledger_table(data: Ledger) -> tuple[list[str], list[list]]:
    """Header and rows: attendances (a session nobody attended gets a row too), then totals,
    then person-times and unique people by place, gender and age."""
    header = [_("Date"), _("Class"), _("Topic"), _("Place"), _("Trainer"), _("Learner"),
              _("Mobile number"), _("Gender"), _("Year of birth"), _("Township"), _("Village"),
              _("Check-in")]
    genders, ages = gender_labels(), age_labels()
    rows: list[list] = []
    for item in data.sessions:
        meeting = [item.held_on.isoformat(), item.class_name, item.topic, item.place, item.trainer_name]
        rows.extend(
            [*meeting, person.name, accounts.mask_mobile(person.mobile),
             genders.get(person.gender or "unknown", ""), person.birth_year, person.township,
             person.village, _("QR code") if person.method == "qr" else _("Roll call")]
            for person in item.attendees
        )
        if not item.attendees:
            rows.append(meeting)
    rows += [
        [],
        [_("Period"), f"{data.start.isoformat()} – {data.end.isoformat()}"],
        [_("Sessions"), len(data.sessions)],
        [_("Person-times"), data.person_times],
        [_("Unique people"), data.people],
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
    return header, rows


def file_name(data: Ledger, fmt: str) -> str:
    return f"ledger-{data.start.isoformat()}-{data.end.isoformat()}.{fmt}"
