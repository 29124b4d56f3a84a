"""The admin overview across centres, from daily figures pre-aggregated into DailyStat rows
(refreshed at most every REPORTS_STATS_MAX_AGE seconds), so it stays fast at national scale.
Days are calendar days in the configured zone (`zone`, China time by default), as the
centres count them: a learner registered at 07:00 in China counts on that day, not the one before."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Date, case, cast, distinct, func, literal, select, true, union_all
from sqlalchemy import delete as sa_delete
from sqlalchemy import insert as sa_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ...dbutil import insert_ignore
from ...localtime import midnight_in
from ...models import (
    Attendance, Centre, DailyStat, Enrollment, Role, StatsRefresh, TrainingClass, TrainingSession, User,
    class_course, utcnow,
)
from .progress_reports import dialect_name, month_of

# The refresh state of figures never computed yet.
NEVER = datetime(2000, 1, 1)
# The figures DailyStat keeps per day, centre and course.
MEASURES = ("registered", "enrolments", "completions", "person_times")


@dataclass
class OverviewFilter:
    start: date
    end: date  # inclusive
    centre_id: int | None = None
    course_id: int | None = None


@dataclass
class Figures:
    """The MEASURES over a period."""

    registered: int = 0
    enrolments: int = 0
    completions: int = 0
    person_times: int = 0

    def add(self, values) -> None:
        """Add one value per measure, in MEASURES order."""
        for name, value in zip(MEASURES, values, strict=True):
            setattr(self, name, getattr(self, name) + int(value or 0))


@dataclass
class CentreRow(Figures):
    centre_id: int | None = None
    name: str = ""
    active: int = 0  # learners active in the 30 days up to the end date


@dataclass
class MonthRow(Figures):
    month: str = ""


@dataclass
class Overview:
    filters: OverviewFilter
    centres: list[CentreRow]
    total: CentreRow
    months: list[MonthRow] = field(default_factory=list)
    refreshed_at: datetime | None = None


def months_between(start: date, end: date) -> list[str]:
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def day_of(session: Session, column, zone: str) -> ColumnElement:
    """The calendar day in `zone` of a naive UTC datetime column, as a Date column holds it."""
    if dialect_name(session) == "postgresql":
        return cast(func.timezone(zone, func.timezone("UTC", column)), Date)
    return func.local_date(column, zone)  # registered on every SQLite connection (extensions.py)


def refresh_daily_stats(session: Session, since: date | None, zone: str) -> None:
    """Recompute the overview's daily figures from `since` (None: every day) to today, by
    days in `zone`: one DELETE and one INSERT ... SELECT of grouped counts.

    Rows with course_id 0 hold the figures over all courses (and registrations, which have no
    course); rows with a course id hold that course's enrolments, completions and the
    person-times of classes that teach it."""
    delete = sa_delete(DailyStat)
    if since is not None:
        delete = delete.where(DailyStat.day >= since)
    session.execute(delete)
    start = midnight_in(since, zone) if since is not None else None
    zero = literal(0)
    centre = func.coalesce(User.centre_id, 0)
    parts = []

    day = day_of(session, User.created_at, zone)
    parts.append(
        select(day.label("day"), centre.label("centre_id"), zero.label("course_id"),
               func.count().label("registered"), zero.label("enrolments"),
               zero.label("completions"), zero.label("person_times"))
        .where(User.role == Role.LEARNER, *([User.created_at >= start] if start else []))
        .group_by(day, centre)
    )
    for column, measure in ((Enrollment.enrolled_at, "enrolments"),
                            (Enrollment.completed_at, "completions")):
        day = day_of(session, column, zone)
        counts = [func.count() if m == measure else zero for m in ("enrolments", "completions")]
        for course in (zero, Enrollment.course_id):
            parts.append(
                select(day, centre, course, zero, *counts, zero)
                .select_from(Enrollment).join(User, User.id == Enrollment.user_id)
                .where(column.is_not(None), *([column >= start] if start else []))
                .group_by(day, centre, *([] if course is zero else [course]))
            )
    attended = (
        select(TrainingSession.held_on, TrainingClass.centre_id).select_from(Attendance)
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .join(TrainingClass, TrainingClass.id == TrainingSession.class_id)
        .where(*([TrainingSession.held_on >= since] if since is not None else []))
        .group_by(TrainingSession.held_on, TrainingClass.centre_id)
    )
    parts.append(attended.add_columns(zero, zero, zero, zero, func.count()))
    # A session counts for each course of its class.
    parts.append(
        attended.add_columns(class_course.c.course_id, zero, zero, zero, func.count())
        .join(class_course, class_course.c.class_id == TrainingClass.id)
        .group_by(class_course.c.course_id)
    )
    every = union_all(*parts).subquery()
    merged = (
        select(every.c.day, every.c.centre_id, every.c.course_id, func.sum(every.c.registered),
               func.sum(every.c.enrolments), func.sum(every.c.completions),
               func.sum(every.c.person_times))
        .group_by(every.c.day, every.c.centre_id, every.c.course_id)
    )
    session.execute(sa_insert(DailyStat).from_select(["day", "centre_id", "course_id", *MEASURES], merged))
    session.flush()


def _locked_state(session: Session) -> StatsRefresh:
    """The one row saying when the figures were refreshed, locked so refreshes run one at a time."""
    insert_ignore(session, StatsRefresh, {"id": 1, "refreshed_at": NEVER})
    return session.scalar(select(StatsRefresh).where(StatsRefresh.id == 1).with_for_update())


def ensure_daily_stats(session: Session, max_age: int, zone: str, now: datetime | None = None) -> datetime:
    """Bring the daily figures up to date when they are older than max_age seconds: the
    days since the last refresh are recomputed (everything the first time). Refreshes run
    one at a time (the state row is locked). Returns when the figures were refreshed.

    Changes dated in the past (a roll call ticked days later, a deleted learner) show after
    the next full refresh: run `flask reports refresh` nightly."""
    now = now or utcnow()
    state = _locked_state(session)
    if state.refreshed_at == NEVER:
        refresh_daily_stats(session, None, zone)
    elif (now - state.refreshed_at).total_seconds() > max_age:
        # From the day before the last refresh's UTC day: that covers its local day in any zone.
        refresh_daily_stats(session, state.refreshed_at.date() - timedelta(days=1), zone)
    else:
        return state.refreshed_at
    state.refreshed_at = now
    session.flush()
    return now


def rebuild_daily_stats(session: Session, zone: str, now: datetime | None = None) -> None:
    """Recompute every day's figures (nightly, after bulk loads and after the zone changes)."""
    state = _locked_state(session)
    refresh_daily_stats(session, None, zone)
    state.refreshed_at = now or utcnow()
    session.flush()


def overview(session: Session, filters: OverviewFilter, zone: str,
             refreshed_at: datetime | None = None) -> Overview:
    """Learners registered, active in the 30 days up to the end date, enrolments, completions
    and training person-times (培训人次), by centre and by month: three queries over the
    daily figures (call ensure_daily_stats first) and the recently active learners. The
    filter's days are days in `zone`."""
    stop = midnight_in(filters.end + timedelta(days=1), zone)
    active_from = midnight_in(filters.end - timedelta(days=29), zone)

    centres = {cid: CentreRow(centre_id=cid, name=name) for cid, name in session.execute(
        select(Centre.id, Centre.name)
        .where(Centre.id == filters.centre_id if filters.centre_id else true())
        .order_by(Centre.name))}
    months = {m: MonthRow(month=m) for m in months_between(filters.start, filters.end)}

    def centre_row(cid: int | None) -> CentreRow:
        if cid not in centres:  # learners without a centre, or a centre deleted since
            centres[cid] = CentreRow(centre_id=cid)
        return centres[cid]

    course = filters.course_id or 0
    of_course = DailyStat.course_id == course
    month = month_of(session, DailyStat.day)
    query = (
        select(DailyStat.centre_id, month,
               # Registrations have no course: always the course 0 rows.
               func.sum(case((DailyStat.course_id == 0, DailyStat.registered), else_=0)),
               func.sum(case((of_course, DailyStat.enrolments), else_=0)),
               func.sum(case((of_course, DailyStat.completions), else_=0)),
               func.sum(case((of_course, DailyStat.person_times), else_=0)))
        .where(DailyStat.course_id.in_({0, course}), DailyStat.day >= filters.start,
               DailyStat.day <= filters.end)
        .group_by(DailyStat.centre_id, month)
    )
    if filters.centre_id:
        query = query.where(DailyStat.centre_id == filters.centre_id)
    for cid, m, *values in session.execute(query):
        centre_row(cid or None).add(values)
        if m in months:
            months[m].add(values)

    active = (
        select(User.centre_id, func.count(distinct(Enrollment.user_id)))
        .select_from(Enrollment).join(User, User.id == Enrollment.user_id)
        .where(Enrollment.last_active_at >= active_from, Enrollment.last_active_at < stop)
        .group_by(User.centre_id)
    )
    if filters.centre_id:
        active = active.where(User.centre_id == filters.centre_id)
    if filters.course_id:
        active = active.where(Enrollment.course_id == filters.course_id)
    for cid, n in session.execute(active):
        centre_row(cid).active = n

    totals = ("active", *MEASURES)
    rows = [r for r in centres.values()
            if r.centre_id is not None or any(getattr(r, name) for name in totals)]
    total = CentreRow(**{name: sum(getattr(r, name) for r in rows) for name in totals})
    return Overview(filters, rows, total, list(months.values()), refreshed_at)
