"""Personal information (PIPL): a person's own data export, deletion requests and anonymization.

Anonymizing clears everything that identifies the person (name, login, mobile, profile,
free-text answers) and makes the account unusable, while the rows that feed aggregate
statistics (enrolments, lesson completions, quiz attempts and results) stay, so centre
reports keep their counts.
"""
import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...localtime import to_local
from ...models import (
    Attempt, AttemptAnswer, Attendance, Centre, Certificate, ClassMember, Course, Enrollment, Lesson,
    LessonCompletion, TrainingClass, TrainingSession, User, utcnow,
)
from . import audit
from ..reports import exports

ANONYMOUS_NAME = "Deleted user"
PROFILE_FIELDS = ("display_name", "username", "mobile", "language", "gender", "birth_year",
                  "township", "village", "id_last4", "household_category", "household_consent_at",
                  "role", "created_at", "last_login_at", "privacy_consent_at", "deletion_requested_at")


def _value(value: Any) -> Any:
    if isinstance(value, datetime):  # China time, with its offset: 2026-03-02T00:30:05+08:00
        return to_local(value).isoformat(timespec="seconds")
    return value.isoformat() if isinstance(value, date) else value


def export_data(session: Session, user: User) -> dict[str, Any]:
    """Everything the platform keeps about one person, as plain JSON-ready data."""
    profile = {name: _value(getattr(user, name)) for name in PROFILE_FIELDS}
    profile["centre"] = user.centre.name if user.centre else None

    def records(query) -> list[dict[str, Any]]:
        """One dict per row, keyed by the column names (labels) of query."""
        return [{key: _value(value) for key, value in row._mapping.items()}
                for row in session.execute(query)]

    course = Course.slug.label("course")
    attempts = session.scalars(
        select(Attempt).where(Attempt.user_id == user.id).order_by(Attempt.submitted_at)
    ).all()
    answers = {}
    for answer in session.scalars(
        select(AttemptAnswer).join(Attempt).where(Attempt.user_id == user.id)
        .order_by(AttemptAnswer.attempt_id, AttemptAnswer.position)
    ):
        answers.setdefault(answer.attempt_id, []).append({
            "question": answer.snapshot.get("prompt", ""), "answer": answer.response_text,
            "correct": answer.is_correct,
        })
    return {
        "profile": profile,
        "enrolments": records(
            select(course, Course.title, Enrollment.enrolled_at, Enrollment.percent, Enrollment.completed_at)
            .join(Course, Enrollment.course_id == Course.id)
            .where(Enrollment.user_id == user.id).order_by(Enrollment.enrolled_at)
        ),
        # Outer join: completions of lessons deleted since keep their title.
        "lessons_completed": records(
            select(course, Lesson.key.label("lesson"), LessonCompletion.lesson_title.label("title"),
                   LessonCompletion.completed_at)
            .outerjoin(Lesson, LessonCompletion.lesson_id == Lesson.id)
            .join(Course, LessonCompletion.course_id == Course.id)
            .where(LessonCompletion.user_id == user.id).order_by(LessonCompletion.completed_at)
        ),
        "classes": records(
            select(TrainingClass.name.label("class"), Centre.name.label("centre"), ClassMember.joined_at)
            .join(TrainingClass, ClassMember.class_id == TrainingClass.id)
            .join(Centre, TrainingClass.centre_id == Centre.id)
            .where(ClassMember.user_id == user.id).order_by(ClassMember.joined_at)
        ),
        "attendance": records(
            select(TrainingClass.name.label("class"), TrainingSession.held_on.label("date"),
                   TrainingSession.topic, TrainingSession.place, Attendance.checked_in_at)
            .join(TrainingSession, Attendance.session_id == TrainingSession.id)
            .join(TrainingClass, TrainingSession.class_id == TrainingClass.id)
            .where(Attendance.user_id == user.id).order_by(TrainingSession.held_on)
        ),
        "quiz_attempts": [
            {"quiz": a.quiz_title, "number": a.number, "score": a.score, "passed": a.passed,
             "submitted_at": _value(a.submitted_at), "answers": answers.get(a.id, [])}
            for a in attempts
        ],
    }


def export_csv(data: dict[str, Any]) -> bytes:
    """The same export as one CSV table (section, item, field, value), formula-escaped."""
    rows: list[list[Any]] = [["profile", "", name, value] for name, value in data["profile"].items()]
    for section in ("enrolments", "lessons_completed", "classes", "attendance", "quiz_attempts"):
        for index, row in enumerate(data[section], start=1):
            for name, value in row.items():
                if name != "answers":
                    rows.append([section, index, name, value])
                    continue
                for n, answer in enumerate(value, start=1):
                    verdict = "correct" if answer["correct"] else "wrong"
                    rows.append([section, index, f"answer {n}",
                                 f"{answer['question']} → {answer['answer']} ({verdict})"])
    return exports.csv_bytes(["section", "item", "field", "value"], rows)


def needs_consent(user: User) -> bool:
    """An account made by staff whose owner has not yet agreed to the privacy notice: they
    agree on their first password change."""
    return user.must_change_password and user.privacy_consent_at is None


def record_consent(session: Session, user: User) -> None:
    """The person agreed to the privacy notice (at registration or their first password
    change); the first agreement's time is kept."""
    if user.privacy_consent_at is None:
        user.privacy_consent_at = utcnow()
        session.flush()


def request_deletion(session: Session, user: User, ip_address: str = "") -> None:
    """Record the person's wish to be deleted; an admin carries it out."""
    if user.deletion_requested_at is None:
        user.deletion_requested_at = utcnow()
        audit.record(session, "user.deletion_request", user.id, "user", user.id, ip_address=ip_address)


def cancel_deletion(session: Session, user: User, ip_address: str = "") -> None:
    if user.deletion_requested_at is not None and user.anonymized_at is None:
        user.deletion_requested_at = None
        audit.record(session, "user.deletion_cancel", user.id, "user", user.id, ip_address=ip_address)


def anonymize(session: Session, user: User, actor_id: int | None, ip_address: str = "") -> None:
    """Remove what identifies the person; keep enrolments, completions and attempts for statistics.

    The account can no longer log in (unusable password, inactive) and every session ends.
    Flushes; the caller commits.
    """
    if user.anonymized_at is not None:
        return
    user.display_name = ANONYMOUS_NAME
    user.username = f"deleted-{user.id}"
    for name in ("mobile", "gender", "birth_year", "township", "village", "id_last4",
                 "household_category", "household_consent_at"):
        setattr(user, name, None)
    # "!" never matches a werkzeug hash: the password is unusable.
    user.password_hash = "!" + secrets.token_hex(16)
    user.pin_hash = None
    user.certificate_full_name = False
    # Certificates stay valid (a printed one can still be checked) but no longer name the person.
    session.execute(update(Certificate).where(Certificate.user_id == user.id)
                    .values(learner_name=ANONYMOUS_NAME))
    user.session_version += 1
    user.active = False
    user.must_change_password = False
    user.anonymized_at = utcnow()
    # Free-text answers may hold names or numbers; choices and scores stay.
    for answer in session.scalars(
        select(AttemptAnswer).join(Attempt).where(Attempt.user_id == user.id)
    ):
        if answer.snapshot.get("kind") == "short_text":
            answer.response = ""
            answer.response_text = ""
    audit.record(session, "user.anonymize", actor_id, "user", user.id, ip_address=ip_address)
    session.flush()


def deletion_requests(session: Session) -> list[User]:
    return list(session.scalars(
        select(User).where(User.deletion_requested_at.is_not(None), User.anonymized_at.is_(None))
        .order_by(User.deletion_requested_at)
    ))

