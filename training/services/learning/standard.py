"""The national occupational standard for 互联网营销师 (occupation code 4-01-02-07, MOHRSS, the
Cyberspace Administration and NRTA, 2021): its occupation types, levels, their labels and the
reference training hours. The one place these are written down; course files, the studio,
"我的学时" and the hours export all read them from here.

A course's mapping is stored as {"type": "live-sales", "level": 5, "units": ["...", ...]}.
"""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

OCCUPATION_CODE = "4-01-02-07"

# Occupation types (工种) by the key course files use, with their labels.
TYPES = {
    "product-selection": _l("Product selector"),
    "live-sales": _l("Live-stream salesperson"),
    "video-creation": _l("Video creator-promoter"),
    "platform-management": _l("Platform manager"),
}

# Levels: 5 is 五级/初级工 (the first) up to 1, 一级/高级技师.
LEVELS = {
    5: _l("Level 5 (junior worker)"),
    4: _l("Level 4 (intermediate worker)"),
    3: _l("Level 3 (senior worker)"),
    2: _l("Level 2 (technician)"),
    1: _l("Level 1 (senior technician)"),
}
# 平台管理员 has the first three levels only.
TYPE_LEVELS = {key: (5, 4, 3) if key == "platform-management" else (5, 4, 3, 2, 1) for key in TYPES}

# The standard's reference training hours (培训参考学时, 标准学时) for each level.
REFERENCE_HOURS = {5: 120, 4: 104, 3: 88, 2: 72, 1: 72}
# "我的学时" measures progress toward the first level's reference.
FIRST_LEVEL = 5

MAX_HOURS = Decimal(999)
MAX_UNITS = 30
MAX_UNIT_LENGTH = 100
ONE_DECIMAL = Decimal("0.1")


def type_label(key: str | None) -> str:
    return str(TYPES.get(key or "", key or ""))


def level_label(level: int | None) -> str:
    return str(LEVELS.get(level, level or "")) if level is not None else ""


def parse_hours(value: Any) -> Decimal | None:
    """Hours as stored (one decimal), or None unless value is a number above 0, at most 999,
    with at most one decimal."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        return None
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        return None
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS or hours != hours.quantize(ONE_DECIMAL):
        return None
    return hours.quantize(ONE_DECIMAL)


def format_hours(hours: Decimal | int | None) -> str:
    """36 for 36.0, 2.5 for 2.5: hours as people write them."""
    if hours is None:
        return ""
    value = Decimal(hours).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
    return str(value.to_integral_value()) if value == value.to_integral_value() else str(value)


def check_mapping(type_key: Any, level: Any, units: Any) -> list[str]:
    """What is wrong with a mapping to the standard (translated messages; empty when valid)."""
    problems = []
    if not isinstance(type_key, str) or type_key not in TYPES:
        type_key = None
        problems.append(_("The occupation type must be one of %(types)s.",
                          types=", ".join(TYPES)))
    if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
        problems.append(_("The level must be a whole number from 1 to 5."))
    elif type_key in TYPES and level not in TYPE_LEVELS[type_key]:
        problems.append(_("%(type)s has levels 5, 4 and 3 only.", type=type_label(type_key)))
    if not isinstance(units, list) or not all(isinstance(u, str) and u.strip() for u in units):
        problems.append(_("The units must be a list of non-empty texts."))
    elif len(units) > MAX_UNITS or any(len(u) > MAX_UNIT_LENGTH for u in units):
        problems.append(_("At most %(n)d units of at most %(length)d characters each.",
                          n=MAX_UNITS, length=MAX_UNIT_LENGTH))
    elif len({u.strip() for u in units}) != len(units):
        problems.append(_("A unit is listed twice."))
    return problems


def mapping(type_key: str, level: int, units: list[str]) -> dict[str, Any]:
    """The stored form of a valid mapping."""
    return {"type": type_key, "level": level, "units": [u.strip() for u in units]}


def read_mapping(value: Any) -> dict[str, Any] | None:
    """A stored mapping when it is valid (type, level and units), else None: an old or
    hand-edited value never breaks a page."""
    if not isinstance(value, dict):
        return None
    units = value.get("units", [])
    if check_mapping(value.get("type"), value.get("level"), units):
        return None
    return mapping(value["type"], value["level"], units)
