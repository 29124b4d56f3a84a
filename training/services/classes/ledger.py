"""The training ledger (培训台账): sessions held in a period, who attended, and the totals county
commerce bureaus ask for — person-times (人次, one per attendance) and unique people (人数),
broken down by township and village, gender and age band.

A fixed number of SQL queries whatever the data size: sessions, attendees, totals and one
grouped aggregate per breakdown.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, case, distinct, func, or_, select
from sqlalchemy.orm import Session, aliased

from ...models import Attendance, AuditEvent, TrainingClass, TrainingSession, User
from .sessions import SESSION_EVENTS

# Values stored in User.gender.
GENDERS = ("f", "m")
# Age bands by (upper bound exclusive, key); age is counted in the ledger's last year.
AGE_BANDS = ((30, "under-30"), (40, "30-39"), (50, "40-49"), (60, "50-59"))
OLDEST_BAND = "60-plus"
UNKNOWN = "unknown"
BAND_ORDER = [key for _, key in AGE_BANDS] + [OLDEST_BAND, UNKNOWN]


@dataclass
class Attendee:
    user_id: int
    name: str
    mobile: str | None
    gender: str | None
    birth_year: int | None
    township: str | None
    village: str | None
    method: str


@dataclass
class LedgerSession:
    id: int
    held_on: date
    class_id: int
    class_name: str
    topic: str
    place: str
    trainer_name: str
    attendees: list[Attendee] = field(default_factory=list)


@dataclass
class Group:
    """One line of a breakdown."""

    key: tuple[str, ...]
    person_times: int
    people: int


@dataclass
class Ledger:
    start: date
    end: date
    centre_id: int | None
    sessions: list[LedgerSession]
    person_times: int
    people: int
    by_place: list[Group]
    by_gender: list[Group]
    by_age: list[Group]


def _filters(start: date, end: date, centre_id: int | None) -> list:
    conditions = [TrainingSession.held_on >= start, TrainingSession.held_on <= end]
    if centre_id is not None:
        conditions.append(TrainingClass.centre_id == centre_id)
    return conditions


def _attendances(where: list, *columns) -> Select:
    """columns of each attendance at a session matching where (see _filters)."""
    return (
        select(*columns).select_from(Attendance)
        .join(User, User.id == Attendance.user_id)
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .join(TrainingClass, TrainingClass.id == TrainingSession.class_id)
        .where(*where)
    )


def age_band(reference_year: int):
    """SQL expression: the age band key of User.birth_year in the reference year."""
    age = reference_year - User.birth_year
    return case(
        (User.birth_year.is_(None), UNKNOWN),
        *[(age < limit, key) for limit, key in AGE_BANDS],
        else_=OLDEST_BAND,
    )


def build(session: Session, start: date, end: date, centre_id: int | None = None) -> Ledger:
    """Every session of the period (and centre, when given) with its attendees and totals."""
    where = _filters(start, end, centre_id)
    trainer = aliased(User)
    sessions = [
        LedgerSession(s.id, s.held_on, s.class_id, class_name, s.topic, s.place, trainer_name or "")
        for s, class_name, trainer_name in session.execute(
            select(TrainingSession, TrainingClass.name, trainer.display_name)
            .join(TrainingClass, TrainingClass.id == TrainingSession.class_id)
            .outerjoin(trainer, trainer.id == TrainingSession.trainer_id)
            .where(*where)
            .order_by(TrainingSession.held_on, TrainingSession.id)
        )
    ]
    # Columns in Attendee's order, after the session's id.
    attended = _attendances(
        where, Attendance.session_id, User.id, User.display_name, User.mobile, User.gender,
        User.birth_year, User.township, User.village, Attendance.method,
    ).order_by(Attendance.session_id, User.display_name, User.id)
    by_session: dict[int, list[Attendee]] = defaultdict(list)
    for session_id, *person in session.execute(attended):
        by_session[session_id].append(Attendee(*person))
    for item in sessions:
        item.attendees = by_session.get(item.id, [])

    # One row per attendance with the columns the breakdowns group by.
    facts = _attendances(
        where,
        Attendance.user_id.label("user_id"),
        func.coalesce(User.township, "").label("township"),
        func.coalesce(User.village, "").label("village"),
        func.coalesce(User.gender, UNKNOWN).label("gender"),
        age_band(end.year).label("band"),
    ).subquery()
    person_times, people = session.execute(
        select(func.count(), func.count(distinct(facts.c.user_id)))
    ).one()

    def grouped(*columns) -> list[Group]:
        query = (
            select(*columns, func.count(), func.count(distinct(facts.c.user_id)))
            .group_by(*columns).order_by(*columns)
        )
        n = len(columns)
        return [Group(tuple(row[:n]), row[n], row[n + 1]) for row in session.execute(query)]

    by_age = sorted(grouped(facts.c.band), key=lambda g: BAND_ORDER.index(g.key[0]))
    return Ledger(
        start=start, end=end, centre_id=centre_id, sessions=sessions,
        person_times=person_times or 0, people=people or 0,
        by_place=grouped(facts.c.township, facts.c.village),
        by_gender=grouped(facts.c.gender),
        by_age=by_age,
    )


@dataclass
class Change:
    """One correction of a session in the ledger's period (an audit event, see
    sessions.SESSION_EVENTS): when, what, by whom and the session's values before it."""

    at: datetime
    action: str
    actor_name: str
    detail: dict


def changes(session: Session, start: date, end: date, centre_id: int | None = None) -> list[Change]:
    """Edits, deletions and removed attendances of sessions of the period (and centre), newest
    first, in one query. A session counts for the period when its old date, or its new date
    after an edit, falls in it; the events keep the centre and dates, as the session may be gone."""
    actor = aliased(User)
    old_date = AuditEvent.detail["held_on"].as_string()
    new_date = AuditEvent.detail["new_held_on"].as_string()
    low, high = start.isoformat(), end.isoformat()
    conditions = [AuditEvent.action.in_(SESSION_EVENTS), AuditEvent.target_type == "session",
                  or_(old_date.between(low, high), new_date.between(low, high))]
    if centre_id is not None:
        conditions.append(AuditEvent.detail["centre_id"].as_integer() == centre_id)
    return [
        Change(event.created_at, event.action, actor_name or "", event.detail or {})
        for event, actor_name in session.execute(
            select(AuditEvent, actor.display_name)
            .outerjoin(actor, actor.id == AuditEvent.actor_id)
            .where(*conditions)
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        )
    ]
