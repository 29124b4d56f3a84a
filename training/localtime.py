"""Times as a person reads them: stored times are naive UTC (models.base.utcnow); every time
shown on a page or written to an export is in the configured zone (config TIMEZONE, kept as
BABEL_DEFAULT_TIMEZONE; China time by default), and where the zone is named it is named the
same way everywhere: `zone_label()` ("北京时间" for China time) — issue 23, item 9.

Pages use Flask-Babel's `datetimeformat` / `dateformat` filters (which convert to this zone);
exports and other plain text use `local_text`."""
from datetime import UTC, datetime
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
    start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone_name()))
    return start.astimezone(UTC).replace(tzinfo=None)
