"""Certificates of completion (结业证书): issued exactly once when a learner completes a course,
with an unguessable public code anyone can check.

The code is 16 characters from a 32-letter alphabet without 0/O/1/I (80 random bits), shown in
groups of four. What a certificate states is copied when it is issued.
"""
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...dbutil import insert_ignore
from ..accounts import audit
from ...models import (
    Certificate, ClassMember, Course, Enrollment, Quiz, QuizResult, TrainingClass, User,
    class_course, utcnow,
)

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 16
GROUP = 4


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """ABCD-EFGH-JKLM-NPQR: easier to read aloud and type."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def normalise_code(raw: str | None) -> str | None:
    """The stored form of a typed or scanned code (any case, with or without dashes or spaces),
    or None when it cannot be a code."""
    text = "".join((raw or "").split()).replace("-", "").upper()
    if len(text) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in text):
        return None
    return text


def mask_name(name: str) -> str:
    """张*华 for 张小华, 张* for 张华; Latin names keep each word's first letter (L* H**)."""
    name = name.strip()
    if " " in name:
        return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _class_of(session: Session, user_id: int, course_id: int) -> TrainingClass | None:
    """The learner's latest class that teaches the course, if any."""
    return session.scalar(
        select(TrainingClass)
        .join(ClassMember, ClassMember.class_id == TrainingClass.id)
        .join(class_course, class_course.c.class_id == TrainingClass.id)
        .where(ClassMember.user_id == user_id, class_course.c.course_id == course_id)
        .order_by(ClassMember.joined_at.desc(), ClassMember.id.desc())
        .limit(1)
    )


def _final_score(session: Session, user_id: int, course_id: int) -> int | None:
    return session.scalar(
        select(QuizResult.best_score)
        .join(Quiz, Quiz.id == QuizResult.quiz_id)
        .where(QuizResult.user_id == user_id, Quiz.course_id == course_id, Quiz.is_final.is_(True))
    )


def issue(session: Session, enrollment: Enrollment) -> bool:
    """Issue the certificate for a completed enrolment. Returns False when it already exists
    (the unique constraint on learner and course decides, under double taps and races)."""
    if enrollment.completed_at is None:
        return False
    user = session.get(User, enrollment.user_id)
    course = session.get(Course, enrollment.course_id)
    training_class = _class_of(session, user.id, course.id)
    centre = training_class.centre if training_class is not None else user.centre
    values = {
        "code": new_code(), "user_id": user.id, "course_id": course.id,
        "learner_name": user.display_name[:60], "course_title": course.title[:200],
        "course_language": course.language, "completed_at": enrollment.completed_at,
        "hours": course.hours, "standard": course.standard,
        "centre_id": centre.id if centre else None, "centre_name": centre.name if centre else "",
        "class_id": training_class.id if training_class else None,
        "class_name": training_class.name if training_class else "",
        "trainer_name": (training_class.trainer.display_name
                         if training_class and training_class.trainer else ""),
        "final_score": _final_score(session, user.id, course.id), "issued_at": utcnow(),
    }
    return insert_ignore(session, Certificate, values)


def find(session: Session, raw_code: str | None) -> Certificate | None:
    """The certificate with this public code, or None (also for malformed codes)."""
    code = normalise_code(raw_code)
    if code is None:
        return None
    return session.scalar(select(Certificate).where(Certificate.code == code))


def of_learner(session: Session, user_id: int) -> list[Certificate]:
    return list(session.scalars(
        select(Certificate).where(Certificate.user_id == user_id)
        .order_by(Certificate.completed_at.desc(), Certificate.id.desc())
    ))


def for_enrollment(session: Session, user_id: int, course_id: int) -> Certificate | None:
    return session.scalar(select(Certificate).where(
        Certificate.user_id == user_id, Certificate.course_id == course_id))


def revoke(session: Session, certificate: Certificate, reason: str, actor_id: int | None,
           ip_address: str = "", now: datetime | None = None) -> bool:
    """Revoke (never delete) a certificate, audited. Returns False when it already was."""
    if certificate.revoked_at is not None:
        return False
    certificate.revoked_at = now or utcnow()
    certificate.revoked_reason = reason.strip()[:200]
    certificate.revoked_by_id = actor_id
    audit.record(session, "certificate.revoke", actor_id, "certificate", certificate.id, ip_address,
                 centre_id=certificate.centre_id, code=certificate.code,
                 name=certificate.learner_name, course=certificate.course_title,
                 reason=certificate.revoked_reason)
    session.flush()
    return True
