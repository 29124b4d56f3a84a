"""The training ledger (培训台账): sessions held in a period and the totals county commerce
bureaus ask for — person-times (人次, one per attendance) and unique people (人数), broken
down by township and village, gender and age band.

Built for national scale (issue 21): the totals and every breakdown come from one aggregate
query (attendance counted per person first, then people grouped by their profile fields), the
sessions are listed a page at a time with their attendee counts, and a session's attendees are
on its own page. Nothing here loads every attendance of a period; the exports stream them
(ledger_export.py).
"""
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from ...models import (
    Attendance,
    AuditEvent,
    TrainingClass,
    TrainingSession,
    User,
    utcnow,
)
from . import photos
from .sessions import SESSION_EVENTS

# Values stored in User.gender.
GENDERS = ("f", "m")
# Age bands by (upper bound exclusive, key); age is counted in the ledger's last year.
AGE_BANDS = ((30, "under-30"), (40, "30-39"), (50, "40-49"), (60, "50-59"))
OLDEST_BAND = "60-plus"
UNKNOWN = "unknown"
BAND_ORDER = [key for _, key in AGE_BANDS] + [OLDEST_BAND, UNKNOWN]
# Sessions per page of the ledger.
PER_PAGE = 50


@dataclass
class Group:
    """One line of a breakdown."""

    key: tuple[str, ...]
    person_times: int
    people: int


@dataclass
class Ledger:
    """The totals and breakdowns of a period (and centre, or every centre when None)."""

    start: date
    end: date
    centre_id: int | None
    session_count: int
    person_times: int
    people: int
    # Sum of the sessions' hours over every attendance (人·学时); sessions without hours add 0.
    person_hours: float
    by_place: list[Group]
    by_gender: list[Group]
    by_age: list[Group]
    # When the figures were counted (naive UTC): a cached ledger shows it.
    counted_at: datetime = field(default_factory=utcnow)

    def top_places(self, limit: int) -> list[Group]:
        """The places with the most person-times first (the page shows a few; exports all)."""
        return sorted(self.by_place, key=lambda g: (-g.person_times, g.key))[:limit]


def _filters(start: date, end: date, centre_id: int | None) -> list:
    conditions = [TrainingSession.held_on >= start, TrainingSession.held_on <= end]
    if centre_id is not None:
        conditions.append(TrainingClass.centre_id == centre_id)
    return conditions


def _sessions_of(query: Select, start: date, end: date, centre_id: int | None) -> Select:
    """query restricted to the sessions of the period (and centre); the class is joined only
    when a centre is asked for."""
    if centre_id is not None:
        query = query.join(TrainingClass, TrainingClass.id == TrainingSession.class_id)
    return query.where(*_filters(start, end, centre_id))


def attendances(start: date, end: date, centre_id: int | None, *columns) -> Select:
    """columns of each attendance at a session of the period (and centre)."""
    query = (select(*columns).select_from(Attendance)
             .join(TrainingSession, TrainingSession.id == Attendance.session_id))
    return _sessions_of(query, start, end, centre_id)


def age_band(reference_year: int):
    """SQL expression: the age band key of User.birth_year in the reference year."""
    age = reference_year - User.birth_year
    return case(
        (User.birth_year.is_(None), UNKNOWN),
        *[(age < limit, key) for limit, key in AGE_BANDS],
        else_=OLDEST_BAND,
    )


def _fold(rows, index: int | tuple[int, ...]) -> list[Group]:
    """Sum (key..., person-times, people) rows into one group per key; each person is in one
    row, so their counts add up without double counting."""
    indexes = (index,) if isinstance(index, int) else index
    sums: dict[tuple, list[int]] = {}
    for row in rows:
        key = tuple(row[i] for i in indexes)
        total = sums.setdefault(key, [0, 0])
        total[0] += row[-2]
        total[1] += row[-1]
    return [Group(key, times, people) for key, (times, people) in sorted(sums.items())]


def build(session: Session, start: date, end: date, centre_id: int | None = None) -> Ledger:
    """Totals and breakdowns of the period (and centre, when given), in two queries whatever
    the size: the number of sessions, and attendance counted per person then grouped by the
    person's township, village, gender and age band (one row per combination)."""
    session_count = session.scalar(
        _sessions_of(select(func.count(TrainingSession.id)), start, end, centre_id))
    per_person = attendances(
        start, end, centre_id, Attendance.user_id.label("user_id"),
        func.count().label("times"), func.coalesce(func.sum(TrainingSession.hours), 0).label("hours"),
    ).group_by(Attendance.user_id).subquery()
    columns = (func.coalesce(User.township, ""), func.coalesce(User.village, ""),
               func.coalesce(User.gender, UNKNOWN), age_band(end.year))
    rows = session.execute(
        select(*columns, func.sum(per_person.c.hours), func.sum(per_person.c.times), func.count())
        .select_from(per_person).join(User, User.id == per_person.c.user_id)
        .group_by(*columns)
    ).all()
    # (township, village, gender, band, person-times, people): hours are summed apart.
    counted = [(*row[:4], int(row[5]), int(row[6])) for row in rows]
    by_age = sorted(_fold(counted, 3), key=lambda g: BAND_ORDER.index(g.key[0]))
    return Ledger(
        start=start, end=end, centre_id=centre_id, session_count=session_count or 0,
        person_times=sum(row[4] for row in counted), people=sum(row[5] for row in counted),
        person_hours=float(sum(row[4] or 0 for row in rows)),
        by_place=_fold(counted, (0, 1)), by_gender=_fold(counted, 2), by_age=by_age,
    )


def fingerprint(session: Session) -> tuple:
    """What changes when the ledger's counts can: a new attendance, or a correction (every
    removal and session edit or deletion is audited). Two index lookups."""
    return (session.scalar(select(func.max(Attendance.id))),
            session.scalar(select(func.max(AuditEvent.id))))


def build_cached(session: Session, cache: MutableMapping, start: date, end: date,
                 centre_id: int | None = None, exact: bool = True) -> Ledger:
    """build(), kept in cache (a cachetools.TTLCache, whose time to live bounds how old it may
    be). exact: only until an attendance is added or a correction made (a centre's ledger);
    otherwise for the cache's whole time to live (every centre's, where new attendance arrives
    all day and counting it all takes seconds at a million learners; the page says as of when)."""
    key = (start, end, centre_id, fingerprint(session) if exact else None)
    data = cache.get(key)
    if data is None:
        data = cache[key] = build(session, start, end, centre_id)
    return data


def attendance_count(session: Session, start: date, end: date, centre_id: int | None = None) -> int:
    """How many attendances (rows of the ledger export) the period has."""
    return session.scalar(attendances(start, end, centre_id, func.count(Attendance.id))) or 0


@dataclass
class LedgerSession:
    """One session on a page of the ledger, with how many attended (the names are on the
    session's own page) and its photos when the photos service gives them."""

    id: int
    held_on: date
    class_id: int
    class_name: str
    topic: str
    place: str
    trainer_name: str
    hours: float | None
    present: int = 0
    photos: list = field(default_factory=list)


@dataclass
class SessionPage:
    items: list[LedgerSession]
    page: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def session_page(session: Session, start: date, end: date, centre_id: int | None = None,
                 page: int = 1, per_page: int | None = None) -> SessionPage:
    """One page (PER_PAGE by default) of the period's sessions, newest first, with attendee
    counts and photos: four queries (the count, the page, its attendee counts, its photos). A
    page past the end shows the last."""
    per_page = per_page or PER_PAGE
    total = session.scalar(
        _sessions_of(select(func.count(TrainingSession.id)), start, end, centre_id)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    trainer = aliased(User)
    query = (
        select(TrainingSession.id, TrainingSession.held_on, TrainingSession.class_id,
               TrainingClass.name, TrainingSession.topic, TrainingSession.place,
               trainer.display_name, TrainingSession.hours)
        .join(TrainingClass, TrainingClass.id == TrainingSession.class_id)
        .outerjoin(trainer, trainer.id == TrainingSession.trainer_id)
        .where(*_filters(start, end, centre_id))
        .order_by(TrainingSession.held_on.desc(), TrainingSession.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    )
    items = [LedgerSession(sid, held_on, class_id, class_name, topic, place, trainer_name or "", hours)
             for sid, held_on, class_id, class_name, topic, place, trainer_name, hours
             in session.execute(query)]
    if items:
        counts = dict(session.execute(
            select(Attendance.session_id, func.count())
            .where(Attendance.session_id.in_([item.id for item in items]))
            .group_by(Attendance.session_id)).all())
        pictures = photos.photos_for_sessions(session, [item.id for item in items])
        for item in items:
            item.present = counts.get(item.id, 0)
            item.photos = pictures.get(item.id, [])
    return SessionPage(items, page, pages, total)


@dataclass
class Change:
    """One correction of a session in the ledger's period (an audit event, see
    sessions.SESSION_EVENTS): when, what, by whom and the session's values before it."""

    at: datetime
    action: str
    actor_name: str
    detail: dict


def changes(session: Session, start: date, end: date, centre_id: int | None = None,
            limit: int | None = None) -> list[Change]:
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
            .limit(limit)
        )
    ]
