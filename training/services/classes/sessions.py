"""In-person sessions of a class: creating and correcting them, check-in and roll call.

Attendance rows are "do once" rows guarded by a unique constraint, so scanning a QR code
twice, a double tap or two open tabs record once. Corrections are audited with the old values.
"""
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from ...dbutil import insert_ignore
from ...models import Attendance, Role, TrainingClass, TrainingSession, User, utcnow
from ..accounts import audit
from . import classes


@dataclass
class SessionDetails:
    held_on: date
    place: str = ""
    topic: str = ""
    trainer_id: int | None = None
    # Check-in window as local times on the session's day (None: the default); a closing
    # time not after the opening time is on the next day.
    opens: time | None = None
    closes: time | None = None
    # Someone not yet in the class may join it by checking in.
    allow_join: bool = False
    # Only the rotating code on the classroom screen checks in.
    screen_code_required: bool = False
    # Training hours (学时) the county ledger credits each attendee with.
    hours: float | None = None


# Check-in opens and closes at these local times on the session's day unless set otherwise.
DEFAULT_OPENS, DEFAULT_CLOSES = time(7, 0), time(22, 0)


def local_window(held_on: date, opens: time | None, closes: time | None,
                 timezone: str = "Asia/Shanghai") -> tuple[datetime, datetime]:
    """The check-in window from local times on the session's day, as naive UTC like every
    stored time. A closing time not after the opening time is on the next day (19:00–01:00)."""
    zone = ZoneInfo(timezone)
    opens, closes = opens or DEFAULT_OPENS, closes or DEFAULT_CLOSES
    closing_day = held_on + timedelta(days=1) if closes <= opens else held_on

    def utc(day: date, at: time) -> datetime:
        return datetime.combine(day, at, zone).astimezone(UTC).replace(tzinfo=None)

    return utc(held_on, opens), utc(closing_day, closes)


def default_window(held_on: date, timezone: str = "Asia/Shanghai") -> tuple[datetime, datetime]:
    """The default check-in window of a session held on `held_on`: 07:00–22:00 local time,
    as naive UTC like every stored time."""
    return local_window(held_on, DEFAULT_OPENS, DEFAULT_CLOSES, timezone)


def local_time(at: datetime, timezone: str = "Asia/Shanghai") -> datetime:
    """A stored naive UTC time as naive local time (for forms and audit records)."""
    return at.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def create_session(session: Session, training_class: TrainingClass,
                   details: SessionDetails, timezone: str = "Asia/Shanghai") -> TrainingSession:
    """Record one meeting of a class, with a random check-in code for its QR."""
    opens_at, closes_at = local_window(details.held_on, details.opens, details.closes, timezone)
    meeting = TrainingSession(
        class_id=training_class.id, held_on=details.held_on, place=details.place.strip()[:200],
        topic=details.topic.strip()[:200], trainer_id=details.trainer_id,
        checkin_code=secrets.token_urlsafe(18)[:24], opens_at=opens_at, closes_at=closes_at,
        allow_join=details.allow_join, screen_code_required=details.screen_code_required,
        hours=details.hours,
    )
    session.add(meeting)
    session.flush()
    return meeting


def sessions_with_counts(session: Session, class_id: int) -> list[tuple[TrainingSession, int]]:
    """The class's sessions, newest first, each with its number of attendees (one query)."""
    counts = (
        select(Attendance.session_id, func.count(Attendance.id).label("n"))
        .group_by(Attendance.session_id).subquery()
    )
    return [
        (meeting, n or 0) for meeting, n in session.execute(
            select(TrainingSession, counts.c.n)
            .outerjoin(counts, counts.c.session_id == TrainingSession.id)
            .where(TrainingSession.class_id == class_id)
            .order_by(TrainingSession.held_on.desc(), TrainingSession.id.desc())
        )
    ]


def session_trainers(session: Session, centre_id: int, user: User) -> list[User]:
    """Who may lead a session of a centre's class: its trainers, by name, and an admin
    recording the session (admins may teach anywhere)."""
    trainers = list(session.scalars(
        select(User).where(User.role == Role.TRAINER, User.centre_id == centre_id).order_by(User.display_name)
    ))
    if user.role == Role.ADMIN and user not in trainers:
        trainers.append(user)
    return trainers


def find_session_by_code(session: Session, code: str) -> TrainingSession | None:
    if not code or len(code) > 32:
        return None
    return session.scalar(
        select(TrainingSession).where(TrainingSession.checkin_code == code)
        .options(selectinload(TrainingSession.training_class).selectinload(TrainingClass.courses))
    )


def check_in(session: Session, meeting: TrainingSession, user: User, method: str = "qr",
             ip_address: str = "") -> bool:
    """Record that the user attended; they join the class if they had not yet (audited as
    class.join_at_checkin: the session's allow_join let them). The caller has decided that
    the check-in is accepted (checkin.decide).

    Returns False when they were already checked in.
    """
    if classes.join_class(session, user, meeting.training_class):
        audit.record(session, "class.join_at_checkin", user.id, "class", meeting.class_id, ip_address,
                     session_id=meeting.id, held_on=meeting.held_on.isoformat(), name=user.display_name)
    return _attend(session, meeting.id, user.id, method)


def _attend(session: Session, session_id: int, user_id: int, method: str,
            recorded_by_id: int | None = None) -> bool:
    """One attendance, recorded once whatever the number of scans or ticks."""
    return insert_ignore(session, Attendance, {"session_id": session_id, "user_id": user_id,
                                               "checked_in_at": utcnow(), "method": method,
                                               "recorded_by_id": recorded_by_id})


def attendee_ids(session: Session, session_id: int) -> set[int]:
    return set(session.scalars(select(Attendance.user_id).where(Attendance.session_id == session_id)))


def record_roll_call(session: Session, meeting: TrainingSession, present_ids: set[int],
                     actor_id: int | None = None, ip_address: str = "",
                     assisted_ids: set[int] = frozenset()) -> tuple[int, int]:
    """Make attendance match the names a trainer ticked among the class's members; each
    un-ticked name is audited (attendance.remove) with who it was.

    A newly ticked name is recorded as "roll" (answered the roll call), or "assisted" when it
    is also in `assisted_ids` (the trainer checked them in: no phone), with the trainer as
    recorded_by. Names already recorded keep their time and method.
    Ids that are not members are ignored. Returns (added, removed).
    """
    member_ids = classes.member_ids(session, meeting.class_id)
    wanted = present_ids & member_ids
    current = attendee_ids(session, meeting.id)
    added = sum(_attend(session, meeting.id, user_id, "assisted" if user_id in assisted_ids else "roll",
                        actor_id)
                for user_id in sorted(wanted - current))
    removed = remove_attendances(session, meeting, (current & member_ids) - wanted, actor_id, ip_address)
    session.flush()
    return added, removed


# --- corrections, each audited with the old values --------------------------------------------
# A wrong date, a test session or the template's sample row must not stay in the county ledger
# for good; every correction leaves an audit event that the ledger page lists (ledger.changes).

SESSION_EVENTS = ("session.update", "session.delete", "attendance.remove", "session.late_window")
# The fields a session.update event lists in `changes` ({field: [old, new]}); the check-in
# window's times are local "YYYY-MM-DD HH:MM", as the trainer typed them.
CHANGE_FIELDS = ("held_on", "topic", "place", "trainer", "opens_at", "closes_at", "allow_join",
                 "screen_code_required", "hours")


def _session_facts(meeting: TrainingSession, timezone: str = "Asia/Shanghai") -> dict:
    """What an audit event keeps of a session: enough to show it after it is gone, and the
    centre and date the ledger's change history selects on."""
    training_class = meeting.training_class
    return {
        "centre_id": training_class.centre_id, "class_id": training_class.id,
        "class_name": training_class.name, "held_on": meeting.held_on.isoformat(),
        "topic": meeting.topic, "place": meeting.place,
        "trainer": meeting.trainer.display_name if meeting.trainer else "",
        "opens_at": f"{local_time(meeting.opens_at, timezone):%Y-%m-%d %H:%M}",
        "closes_at": f"{local_time(meeting.closes_at, timezone):%Y-%m-%d %H:%M}",
        "allow_join": meeting.allow_join, "screen_code_required": meeting.screen_code_required,
        "hours": meeting.hours,
    }


def update_session(session: Session, meeting: TrainingSession, details: SessionDetails,
                   actor_id: int | None, ip_address: str = "",
                   timezone: str = "Asia/Shanghai") -> dict[str, list]:
    """Change a session's date, topic, place, trainer or check-in rules (window, joining,
    screen code). Returns the changed fields as {field: [old, new]} (empty when nothing
    changed: then nothing is audited)."""
    before = _session_facts(meeting, timezone)
    old_trainer_id = meeting.trainer_id
    meeting.held_on = details.held_on
    meeting.place = details.place.strip()[:200]
    meeting.topic = details.topic.strip()[:200]
    meeting.trainer_id = details.trainer_id
    meeting.opens_at, meeting.closes_at = local_window(details.held_on, details.opens, details.closes,
                                                       timezone)
    meeting.allow_join = details.allow_join
    meeting.screen_code_required = details.screen_code_required
    meeting.hours = details.hours
    session.flush()
    if meeting.trainer_id != old_trainer_id:
        session.refresh(meeting, ["trainer"])
    after = _session_facts(meeting, timezone)
    changes = {key: [before[key], after[key]] for key in CHANGE_FIELDS if before[key] != after[key]}
    if changes:
        audit.record(session, "session.update", actor_id, "session", meeting.id, ip_address,
                     **before, new_held_on=after["held_on"], changes=changes)
    return changes


def open_late_window(session: Session, meeting: TrainingSession, minutes: int, reason: str,
                     now: datetime, actor_id: int | None, ip_address: str = "") -> datetime:
    """Open check-in again from `now` for `minutes` (a learner came late, the network was
    down...), with the trainer's reason; audited as session.late_window. Returns the new end."""
    reason = reason.strip()[:200]
    until = now + timedelta(minutes=minutes)
    audit.record(session, "session.late_window", actor_id, "session", meeting.id, ip_address,
                 **_session_facts(meeting), reason=reason, minutes=minutes,
                 until=until.isoformat(timespec="seconds"),
                 old_late_until=meeting.late_until.isoformat(timespec="seconds") if meeting.late_until else None,
                 old_reason=meeting.late_reason)
    meeting.late_until, meeting.late_reason = until, reason
    session.flush()
    return until


def delete_session(session: Session, meeting: TrainingSession, actor_id: int | None,
                   ip_address: str = "") -> int:
    """Delete a session and its attendance (so the ledger no longer counts it). Returns the
    number of attendances deleted, which the audit event keeps with the session's values."""
    attendees = attendee_ids(session, meeting.id)
    audit.record(session, "session.delete", actor_id, "session", meeting.id, ip_address,
                 **_session_facts(meeting), attendees=len(attendees))
    session.execute(delete(Attendance).where(Attendance.session_id == meeting.id))
    session.delete(meeting)
    session.flush()
    return len(attendees)


def attendees(session: Session, session_id: int) -> list[User]:
    """Everyone recorded at a session by name, members or not (one query)."""
    return list(session.scalars(
        select(User).join(Attendance, Attendance.user_id == User.id)
        .where(Attendance.session_id == session_id).order_by(User.display_name, User.id)
    ))


@dataclass(frozen=True)
class AttendanceLine:
    """One attendee of a session as its page lists them: who, when and how."""

    user: User
    checked_in_at: datetime
    method: str
    recorded_by: str


def attendance_lines(session: Session, session_id: int) -> list[AttendanceLine]:
    """Everyone recorded at a session by name, with the time, method and who recorded it
    (one query)."""
    recorder = aliased(User)
    return [
        AttendanceLine(user, at, method, recorded_by or "")
        for user, at, method, recorded_by in session.execute(
            select(User, Attendance.checked_in_at, Attendance.method, recorder.display_name)
            .join(Attendance, Attendance.user_id == User.id)
            .outerjoin(recorder, recorder.id == Attendance.recorded_by_id)
            .where(Attendance.session_id == session_id).order_by(User.display_name, User.id)
        )
    ]


def assisted_ids(session: Session, session_id: int) -> set[int]:
    """Who the trainer checked in at a session (method "assisted")."""
    return set(session.scalars(select(Attendance.user_id).where(
        Attendance.session_id == session_id, Attendance.method == "assisted")))


def remove_attendances(session: Session, meeting: TrainingSession, user_ids: set[int],
                       actor_id: int | None, ip_address: str = "") -> int:
    """Undo attendances of a session, one audit event each (with the person's name).
    Ids not recorded at the session are ignored; returns how many were removed."""
    people = session.execute(
        select(User.id, User.display_name).join(Attendance, Attendance.user_id == User.id)
        .where(Attendance.session_id == meeting.id, User.id.in_(user_ids))
        .order_by(User.id)
    ).all() if user_ids else []
    if not people:
        return 0
    facts = _session_facts(meeting)
    for user_id, name in people:
        audit.record(session, "attendance.remove", actor_id, "session", meeting.id, ip_address,
                     **facts, user_id=user_id, name=name)
    session.execute(delete(Attendance).where(
        Attendance.session_id == meeting.id, Attendance.user_id.in_([p.id for p in people])))
    session.flush()
    return len(people)
