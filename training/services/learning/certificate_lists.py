"""Lists of certificates for staff: who in a class has which certificate, and the valid ones
to print. Two queries per class whatever its size (members, then certificates)."""
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ...models import (
    Certificate,
    ClassMember,
    Course,
    TrainingClass,
    User,
    class_course,
)


@dataclass
class MemberCertificates:
    """One member of the class and their certificates, by course id."""

    user: User
    by_course: dict[int, Certificate] = field(default_factory=dict)


@dataclass
class ClassCertificates:
    courses: list[Course]
    members: list[MemberCertificates]
    # Certificates issued through this class outside the table: people who have since left
    # it, or courses no longer taught in it.
    others: list[Certificate]

    @property
    def all(self) -> list[Certificate]:
        return [c for m in self.members for c in m.by_course.values()] + self.others

    @property
    def valid(self) -> list[Certificate]:
        return [c for c in self.all if c.revoked_at is None]


def _class_certificates(training_class: TrainingClass):
    """Certificates issued through the class, and those of its members for its courses."""
    members = select(ClassMember.user_id).where(ClassMember.class_id == training_class.id)
    courses = select(class_course.c.course_id).where(class_course.c.class_id == training_class.id)
    return select(Certificate).where(or_(
        Certificate.class_id == training_class.id,
        Certificate.user_id.in_(members) & Certificate.course_id.in_(courses),
    ))


def of_class(session: Session, training_class: TrainingClass) -> ClassCertificates:
    """Every member with their certificates per course of the class (courses as the class
    lists them, members by name), plus the others issued through it."""
    users = list(session.scalars(
        select(User).join(ClassMember, ClassMember.user_id == User.id)
        .where(ClassMember.class_id == training_class.id)
        .order_by(User.display_name, User.id)
    ))
    rows = {user.id: MemberCertificates(user) for user in users}
    courses = sorted(training_class.courses, key=lambda c: (c.title, c.id))
    course_ids = {c.id for c in courses}
    others = []
    for cert in session.scalars(_class_certificates(training_class)
                                .order_by(Certificate.learner_name, Certificate.id)):
        row = rows.get(cert.user_id)
        if row is not None and cert.course_id in course_ids:
            row.by_course[cert.course_id] = cert
        else:
            others.append(cert)
    return ClassCertificates(courses=courses, members=list(rows.values()), others=others)


def valid_of_class(session: Session, training_class: TrainingClass) -> list[Certificate]:
    """The class's certificates that are not revoked, in print order (name, then course)."""
    return list(session.scalars(
        _class_certificates(training_class).where(Certificate.revoked_at.is_(None))
        .order_by(Certificate.learner_name, Certificate.course_title, Certificate.id)
    ))
