"""Classes (培训班): join codes and membership (sessions and attendance: sessions.py).

Membership and attendance are "do once" rows guarded by unique constraints, so scanning a
QR code twice, a double tap or two open tabs record once.
"""
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session, joinedload

from ...dbutil import insert_ignore
from ...models import (
    Attempt,
    ClassMember,
    Course,
    CourseStatus,
    Enrollment,
    TrainingClass,
    User,
    utcnow,
)
from ..accounts import audit
from ..learning import catalogue, progress

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
    """The courses a class may teach, in catalogue order."""
    return list(session.scalars(
        select(Course).where(Course.status == CourseStatus.PUBLISHED).order_by(*catalogue.ORDER)
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
        for user_id in member_ids(session, training_class.id):
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


def member_ids(session: Session, class_id: int) -> set[int]:
    return set(session.scalars(select(ClassMember.user_id).where(ClassMember.class_id == class_id)))


# How member lists may be ordered: by the pinyin of the name (拼音), or in the order people
# were added (imported or joined: ClassMember.id).
MEMBER_ORDERS = ("pinyin", "import")


def pinyin_key(name: str) -> tuple:
    """Sort key of a name in pinyin order, as a Chinese reader expects (阿明, 李四, 王五, 张三):
    each character's syllable with its tone, then the character itself so that names sounding
    alike keep a fixed order; Latin letters sort with the syllables, case ignored."""
    from pypinyin import Style, pinyin

    syllables = pinyin(name, style=Style.TONE3, neutral_tone_with_five=True, errors="default")
    return tuple(s[0].casefold() for s in syllables), name


def members(session: Session, class_id: int, order: str = "pinyin") -> list[User]:
    """The class's members in one query, by pinyin of their names or in import order
    ("import": the order they were added to the class)."""
    rows = session.execute(
        select(User, ClassMember.id).join(ClassMember, ClassMember.user_id == User.id)
        .where(ClassMember.class_id == class_id).order_by(ClassMember.id)
    ).all()
    if order == "pinyin":
        rows = sorted(rows, key=lambda row: (pinyin_key(row[0].display_name), row[1]))
    return [user for user, _member_id in rows]


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
