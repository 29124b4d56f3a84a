"""Classes (培训班): join codes, membership, in-person sessions and attendance.

Membership and attendance are "do once" rows guarded by unique constraints, so scanning a
QR code twice, a double tap or two open tabs record once.
"""
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ...dbutil import insert_ignore
from ...models import (
    Attempt,
    Attendance,
    ClassMember,
    Course,
    CourseStatus,
    Enrollment,
    Role,
    TrainingClass,
    TrainingSession,
    User,
    utcnow,
)
from ..accounts import audit
from ..learning import progress

# No 0/O, 1/I/L: codes are read off a poster and typed on a phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
# The help desk lists a learner's latest quiz attempts, not all of them.
RECENT_ATTEMPTS = 200


class ClassError(ValueError):
    """args[0] is a field name, args[1] a reason code (the view translates it)."""


@dataclass
class ClassDetails:
    """What a trainer fills in for a class."""

    name: str
    place: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    course_ids: tuple[int, ...] = ()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str | None) -> str:
    """What a learner typed, as a code: full-width letters, spaces and case forgiven."""
    text = unicodedata.normalize("NFKC", raw or "").upper()
    return re.sub(r"[\s\-]", "", text)[:12]


def find_by_code(session: Session, raw: str | None) -> TrainingClass | None:
    code = normalise_code(raw)
    if not code:
        return None
    return session.scalar(
        select(TrainingClass).where(TrainingClass.code == code, TrainingClass.archived.is_(False))
    )


def published_courses(session: Session) -> list[Course]:
    return list(session.scalars(
        select(Course).where(Course.status == CourseStatus.PUBLISHED).order_by(Course.title)
    ))


def _apply(session: Session, training_class: TrainingClass, details: ClassDetails) -> None:
    if details.starts_on and details.ends_on and details.ends_on < details.starts_on:
        raise ClassError("ends_on", "before-start")
    courses = list(session.scalars(
        select(Course).where(Course.id.in_(details.course_ids), Course.status == CourseStatus.PUBLISHED)
    )) if details.course_ids else []
    if len(courses) != len(set(details.course_ids)):
        raise ClassError("course_ids", "unknown")
    training_class.name = details.name.strip()[:120]
    training_class.place = details.place.strip()[:200]
    training_class.starts_on = details.starts_on
    training_class.ends_on = details.ends_on
    training_class.courses = courses


def create_class(session: Session, centre_id: int, trainer_id: int | None,
                 details: ClassDetails) -> TrainingClass:
    """A new class with a fresh join code that no other class uses."""
    training_class = TrainingClass(centre_id=centre_id, trainer_id=trainer_id, name="")
    _apply(session, training_class, details)
    while True:
        code = new_code()
        if not session.scalar(select(TrainingClass.id).where(TrainingClass.code == code)):
            break
    training_class.code = code
    session.add(training_class)
    session.flush()
    return training_class


def update_class(session: Session, training_class: TrainingClass, details: ClassDetails) -> None:
    """Change a class; members are enrolled in courses newly assigned to it."""
    before = {c.id for c in training_class.courses}
    _apply(session, training_class, details)
    session.flush()
    added = [c for c in training_class.courses if c.id not in before]
    if added:
        for user_id in _member_ids(session, training_class.id):
            for course in added:
                progress.enrol(session, user_id, course)


def join_class(session: Session, user: User, training_class: TrainingClass) -> bool:
    """Make the user a member and enrol them in the class's courses.

    Returns False when they already were a member; enrolling again is harmless either way.
    A learner without a centre belongs to the class's centre from now on.
    """
    joined = insert_ignore(
        session, ClassMember,
        {"class_id": training_class.id, "user_id": user.id, "joined_at": utcnow()},
    )
    for course in training_class.courses:
        progress.enrol(session, user.id, course)
    if user.centre_id is None:
        user.centre_id = training_class.centre_id
    session.flush()
    return joined


def member_counts(session: Session, class_ids: list[int]) -> dict[int, int]:
    """Number of members of each class, in one grouped query."""
    if not class_ids:
        return {}
    return dict(session.execute(
        select(ClassMember.class_id, func.count(ClassMember.id))
        .where(ClassMember.class_id.in_(class_ids)).group_by(ClassMember.class_id)
    ).all())


def _member_ids(session: Session, class_id: int) -> set[int]:
    return set(session.scalars(select(ClassMember.user_id).where(ClassMember.class_id == class_id)))


def members(session: Session, class_id: int) -> list[User]:
    """The class's members by name, in one query."""
    return list(session.scalars(
        select(User).join(ClassMember, ClassMember.user_id == User.id)
        .where(ClassMember.class_id == class_id).order_by(User.display_name, User.id)
    ))


def member_ids_within(session: Session, class_id: int, people: Select) -> set[int]:
    """Ids of the class's members among `people`, a policy scope such as
    visible_learners(user): who of the class a staff member may help, in one query."""
    return set(session.scalars(
        people.with_only_columns(User.id).join(ClassMember, ClassMember.user_id == User.id)
        .where(ClassMember.class_id == class_id)
    ))


def is_member(session: Session, class_id: int, user_id: int) -> bool:
    return session.scalar(
        select(ClassMember.id).where(ClassMember.class_id == class_id, ClassMember.user_id == user_id)
    ) is not None


@dataclass
class LearnerRecord:
    """The help desk's view of one learner: courses, recent quiz attempts and classes."""

    enrollments: list[Enrollment]
    attempts: list[Attempt]
    classes: list[TrainingClass]


def learner_record(session: Session, person: User, visible_classes: Select) -> LearnerRecord:
    """Everything the help desk shows of a learner; only the classes within `visible_classes`
    (the staff member's scope, from policy.visible_classes) are listed."""
    return LearnerRecord(
        enrollments=list(session.scalars(
            select(Enrollment).where(Enrollment.user_id == person.id)
            .options(joinedload(Enrollment.course)).order_by(Enrollment.enrolled_at.desc())
        )),
        attempts=list(session.scalars(
            select(Attempt).where(Attempt.user_id == person.id)
            .order_by(Attempt.submitted_at.desc(), Attempt.id.desc()).limit(RECENT_ATTEMPTS)
        )),
        classes=list(session.scalars(
            visible_classes.join(ClassMember, ClassMember.class_id == TrainingClass.id)
            .where(ClassMember.user_id == person.id)
        )),
    )


# --- in-person sessions and attendance -------------------------------------------------------

@dataclass
class SessionDetails:
    held_on: date
    place: str = ""
    topic: str = ""
    trainer_id: int | None = None


def create_session(session: Session, training_class: TrainingClass,
                   details: SessionDetails) -> TrainingSession:
    """Record one meeting of a class, with a random check-in code for its QR."""
    meeting = TrainingSession(
        class_id=training_class.id, held_on=details.held_on, place=details.place.strip()[:200],
        topic=details.topic.strip()[:200], trainer_id=details.trainer_id,
        checkin_code=secrets.token_urlsafe(18)[:24],
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


def check_in(session: Session, meeting: TrainingSession, user: User, method: str = "qr") -> bool:
    """Record that the user attended; they join the class if they had not yet.

    Returns False when they were already checked in.
    """
    join_class(session, user, meeting.training_class)
    return _attend(session, meeting.id, user.id, method)


def _attend(session: Session, session_id: int, user_id: int, method: str) -> bool:
    """One attendance, recorded once whatever the number of scans or ticks."""
    return insert_ignore(session, Attendance, {"session_id": session_id, "user_id": user_id,
                                               "checked_in_at": utcnow(), "method": method})


def attendee_ids(session: Session, session_id: int) -> set[int]:
    return set(session.scalars(select(Attendance.user_id).where(Attendance.session_id == session_id)))


def record_roll_call(session: Session, meeting: TrainingSession, present_ids: set[int],
                     actor_id: int | None = None, ip_address: str = "") -> tuple[int, int]:
    """Make attendance match the names a trainer ticked among the class's members; each
    un-ticked name is audited (attendance.remove) with who it was.

    Ids that are not members are ignored. Returns (added, removed).
    """
    member_ids = _member_ids(session, meeting.class_id)
    wanted = present_ids & member_ids
    current = attendee_ids(session, meeting.id)
    added = sum(_attend(session, meeting.id, user_id, "roll") for user_id in sorted(wanted - current))
    removed = remove_attendances(session, meeting, (current & member_ids) - wanted, actor_id, ip_address)
    session.flush()
    return added, removed


# --- corrections, each audited with the old values --------------------------------------------
# A wrong date, a test session or the template's sample row must not stay in the county ledger
# for good; every correction leaves an audit event that the ledger page lists (ledger.changes).

SESSION_EVENTS = ("session.update", "session.delete", "attendance.remove")


def _session_facts(meeting: TrainingSession) -> dict:
    """What an audit event keeps of a session: enough to show it after it is gone, and the
    centre and date the ledger's change history selects on."""
    training_class = meeting.training_class
    return {
        "centre_id": training_class.centre_id, "class_id": training_class.id,
        "class_name": training_class.name, "held_on": meeting.held_on.isoformat(),
        "topic": meeting.topic, "place": meeting.place,
        "trainer": meeting.trainer.display_name if meeting.trainer else "",
    }


def update_session(session: Session, meeting: TrainingSession, details: SessionDetails,
                   actor_id: int | None, ip_address: str = "") -> dict[str, list]:
    """Change a session's date, topic, place or trainer. Returns the changed fields as
    {field: [old, new]} (empty when nothing changed: then nothing is audited)."""
    before = _session_facts(meeting)
    old_trainer_id = meeting.trainer_id
    meeting.held_on = details.held_on
    meeting.place = details.place.strip()[:200]
    meeting.topic = details.topic.strip()[:200]
    meeting.trainer_id = details.trainer_id
    session.flush()
    if meeting.trainer_id != old_trainer_id:
        session.refresh(meeting, ["trainer"])
    after = _session_facts(meeting)
    changes = {key: [before[key], after[key]] for key in ("held_on", "topic", "place", "trainer")
               if before[key] != after[key]}
    if changes:
        audit.record(session, "session.update", actor_id, "session", meeting.id, ip_address,
                     **before, new_held_on=after["held_on"], changes=changes)
    return changes


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


def remove_member(session: Session, training_class: TrainingClass, person: User,
                  actor_id: int | None, ip_address: str = "") -> bool:
    """Take a person out of a class. Their attendance at past sessions and their progress in
    courses stay (they did attend and learn). Returns False when they were not a member."""
    removed = session.execute(delete(ClassMember).where(
        ClassMember.class_id == training_class.id, ClassMember.user_id == person.id)).rowcount
    if not removed:
        return False
    audit.record(session, "class.member_remove", actor_id, "class", training_class.id, ip_address,
                 centre_id=training_class.centre_id, class_name=training_class.name,
                 user_id=person.id, name=person.display_name)
    session.flush()
    return True
