"""Times as a person reads them: stored times are naive UTC (models.base.utcnow); every time
shown on a page or written to an export is in the configured zone (config TIMEZONE, kept as
BABEL_DEFAULT_TIMEZONE; China time by default), and where the zone is named it is named the
same way everywhere: `zone_label()` ("北京时间" for China time) — issue 23, item 9.

Pages use Flask-Babel's `datetimeformat` / `dateformat` filters (which convert to this zone);
exports and other plain text use `local_text`."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _

# Zones that keep China Standard Time (UTC+8 all year): named "Beijing time", as people say.
CHINA_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"})


def zone_name() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def zone_label() -> str:
    """The one name of the zone times are shown in: "Beijing time" / "北京时间" for China, else
    the zone's place name in the interface language (e.g. "Tokyo time")."""
    name = zone_name()
    if name in CHINA_ZONES:
        return _("Beijing time")
    return get_timezone_location(ZoneInfo(name), locale=get_locale() or "en", return_city=False)


def to_local(value: datetime | None) -> datetime | None:
    """A stored naive UTC time (or an aware one) in the configured zone, aware."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(zone_name()))


def local_text(value: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time as local text for exports ("" for none)."""
    local = to_local(value)
    return local.strftime(pattern) if local else ""


def local_midnight(day) -> datetime:
    """The start of a local calendar day as naive UTC, to compare with stored times (a filter
    "from 7 December" means from midnight in China, 16:00 UTC the day before)."""
    return midnight_in(day, zone_name())


def midnight_in(day, zone: str) -> datetime:
    """local_midnight in the zone named, for code that runs without an app."""
    start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone))
    return start.astimezone(UTC).replace(tzinfo=None)


def date_in(zone: str, moment: datetime) -> date:
    """The calendar day a stored naive UTC time falls on in the zone named."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date()


def today_in(zone: str, now: datetime | None = None) -> date:
    """The calendar day it is in the zone named (now: a naive UTC time, default the clock)."""
    return date_in(zone, now or datetime.now(UTC).replace(tzinfo=None))


def local_today() -> date:
    """Today in the configured zone: the day a trainer in the county sees on her calendar,
    whatever the server's clock zone (a class held at 07:00 in China is 23:00 UTC the day before)."""
    return today_in(zone_name())


def sqlite_local_date(moment: str | None, zone: str) -> str | None:
    """SQL function local_date(moment, zone) for SQLite, which knows no time zones: the day
    ('YYYY-MM-DD') a stored naive UTC time falls on in the zone (PostgreSQL uses AT TIME ZONE)."""
    return None if moment is None else date_in(zone, datetime.fromisoformat(moment)).isoformat()
