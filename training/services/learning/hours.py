"""Study hours toward the national standard ("我的学时") and the per-learner hours export.

Hours come from certificates, not from courses: a certificate keeps the hours and the mapping
to the standard its course declared when it was issued, so later edits to a course change no
one's hours. Revoked certificates count for nothing.
"""
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ...localtime import date_in
from ...models import Certificate, User
from . import standard
from .certificates import format_code

ZERO = Decimal("0.0")


@dataclass(frozen=True)
class CountedCourse:
    """One certificate as "我的学时" lists it."""
    title: str
    language: str
    hours: Decimal
    completed_at: datetime
    level: int | None = None


@dataclass
class TypeHours:
    """The hours of one occupation type, against the first level's reference hours."""
    type: str
    total: Decimal = ZERO
    courses: list[CountedCourse] = field(default_factory=list)

    @property
    def label(self) -> str:
        return standard.type_label(self.type)

    @property
    def reference(self) -> int:
        return standard.REFERENCE_HOURS[standard.FIRST_LEVEL]

    @property
    def percent(self) -> int:
        """Progress toward the reference, 0-100 (capped: more hours than needed is 100)."""
        return min(100, int(self.total * 100 / self.reference))


@dataclass
class LearnerHours:
    by_type: list[TypeHours]
    unmapped: list[CountedCourse]

    @property
    def unmapped_total(self) -> Decimal:
        return sum((c.hours for c in self.unmapped), ZERO)

    @property
    def empty(self) -> bool:
        return not self.by_type and not self.unmapped


def learner_hours(session: Session, user_id: int) -> LearnerHours:
    """The learner's hours from their certificates (not revoked), summed per occupation type
    in the order of standard.TYPES; courses without a mapping are listed apart."""
    certificates = session.scalars(
        select(Certificate)
        .where(Certificate.user_id == user_id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.completed_at, Certificate.id)
    )
    by_type: dict[str, TypeHours] = {}
    unmapped: list[CountedCourse] = []
    for certificate in certificates:
        mapping = standard.read_mapping(certificate.standard)
        counted = CountedCourse(certificate.course_title, certificate.course_language,
                                certificate.hours if certificate.hours is not None else ZERO,
                                certificate.completed_at, mapping["level"] if mapping else None)
        if mapping is None:
            unmapped.append(counted)
            continue
        entry = by_type.setdefault(mapping["type"], TypeHours(mapping["type"]))
        entry.total += counted.hours
        entry.courses.append(counted)
    ordered = [by_type[key] for key in standard.TYPES if key in by_type]
    return LearnerHours(ordered, unmapped)


# ---------------------------------------------------------------- the export for staff


def header() -> list[str]:
    """Column titles in the reader's language (Chinese in the Chinese UI)."""
    return [_("No."), _("Name"), _("Phone"), _("Class of the learner"), _("Course"), _("Hours"),
            _("Occupation type"), _("Date of completion"), _("Certificate code")]


def sheet_title() -> str:
    return _("Study hours")


def _scope(class_id: int | None, centre_id: int | None) -> Select:
    query = (select(Certificate, User.mobile)
             .outerjoin(User, User.id == Certificate.user_id)
             .where(Certificate.revoked_at.is_(None)))
    if class_id is not None:
        query = query.where(Certificate.class_id == class_id)
    else:
        query = query.where(Certificate.centre_id == centre_id)
    return query.order_by(Certificate.class_name, Certificate.learner_name, Certificate.user_id,
                          Certificate.completed_at, Certificate.id)


def _direction(mapping: dict[str, Any] | None) -> str:
    if mapping is None:
        return ""
    return f"{standard.type_label(mapping['type'])} {standard.level_label(mapping['level'])}"


def export_records(session: Session, zone: str, class_id: int | None = None,
                   centre_id: int | None = None) -> Iterator[tuple[int | None, list[Any]]]:
    """(learner id, row) per certificate (not revoked) issued through a class, or by a centre:
    what a subsidy claim lists. Each certificate counts once, under the class it was issued
    through. One query; the dates are in the time zone zone."""
    rows = session.execute(_scope(class_id, centre_id).execution_options(yield_per=500))
    for number, (certificate, mobile) in enumerate(rows, 1):
        yield certificate.user_id, [
            number, certificate.learner_name, mobile or "", certificate.class_name,
            certificate.course_title,
            float(certificate.hours) if certificate.hours is not None else None,
            _direction(standard.read_mapping(certificate.standard)),
            date_in(zone, certificate.completed_at).isoformat(),
            format_code(certificate.code)]


def export_count(session: Session, class_id: int | None = None, centre_id: int | None = None) -> int:
    """How many rows export_rows gives."""
    query = _scope(class_id, centre_id).order_by(None).with_only_columns(func.count(Certificate.id))
    return session.scalar(query) or 0


def totals_header() -> list[str]:
    return [_("No."), _("Name"), _("Phone"), _("Occupation type"), _("Total hours")]


def totals_rows(records: list[tuple[int | None, list[Any]]]) -> list[list[Any]]:
    """Per learner and occupation type, the sum of the hours of export_records' rows."""
    totals: dict[tuple[Any, str], tuple[str, str, Decimal]] = {}
    for user_id, (number, name, phone, _class, _course, hours, direction, _date, _code) in records:
        # A learner whose account is gone (user_id None) stays apart, row by row.
        key = (user_id if user_id is not None else f"row-{number}", direction)
        _name, _phone, total = totals.get(key, (name, phone, ZERO))
        totals[key] = (name, phone, total + Decimal(str(hours or 0)))
    return [[number, name, phone, direction, float(total)]
            for number, ((_key, direction), (name, phone, total)) in enumerate(totals.items(), 1)]


def totals_title() -> str:
    return _("Totals per learner")
