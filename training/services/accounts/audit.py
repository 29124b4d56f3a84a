"""Recording sensitive actions. Call record() in the same transaction as the action itself."""
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...models import AuditEvent


def record(session: Session, action: str, actor_id: int | None, target_type: str = "",
           target_id: int | None = None, ip_address: str = "", **detail: Any) -> AuditEvent:
    """Add an audit event, e.g. record(db.session, "course.publish", user.id, "course", course.id,
    ip_address=request.remote_addr, slug=course.slug)."""
    event = AuditEvent(
        action=action, actor_id=actor_id, target_type=target_type, target_id=target_id,
        ip_address=(ip_address or "")[:45], detail=detail,
    )
    session.add(event)
    return event


# What each action is called in the audit log viewer; unknown actions show their code.
ACTION_LABELS = {
    "centre.create": _l("Centre created"),
    "centre.update": _l("Centre changed"),
    "certificate.revoke": _l("Certificate revoked"),
    "hours.export": _l("Study hours downloaded"),
    "course.glossary": _l("Glossary changed"),
    "user.password_reset_sms": _l("Password reset by SMS code"),
    "attendance.remove": _l("Attendance removed"),
    "class.import": _l("Learners imported into a class"),
    "class.member_remove": _l("Member removed from a class"),
    "class.join_at_checkin": _l("Joined a class by checking in"),
    "course.publish": _l("Course published"),
    "course.unpublish": _l("Course unpublished"),
    "course.export": _l("Course exported"),
    "course.import": _l("Course imported"),
    "export.sensitive": _l("Download with sensitive personal information"),
    "lesson.delete": _l("Lesson deleted"),
    "question.delete": _l("Question deleted"),
    "quiz.delete": _l("Quiz deleted"),
    "ledger.export": _l("Training ledger downloaded"),
    "report.export": _l("Report downloaded"),
    "session.delete": _l("Training session deleted"),
    "session.update": _l("Training session changed"),
    "session.late_window": _l("Check-in opened again"),
    "session.photo_delete": _l("Session photo deleted"),
    "user.anonymize": _l("Person anonymized"),
    "user.create": _l("Account created"),
    "user.deletion_cancel": _l("Deletion request withdrawn"),
    "user.deletion_request": _l("Deletion requested"),
    "user.household_clear": _l("Household category cleared by staff"),
    "user.login_failed": _l("Failed login"),
    "user.login_locked": _l("Logins paused after failed tries"),
    "user.password_change": _l("Password changed"),
    "user.password_reset": _l("Password reset by staff"),
    "user.pin_clear": _l("PIN removed by staff"),
    "user.pin_set": _l("PIN given by staff"),
    "user.role_change": _l("Role or centre changed"),
}


def label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


TARGET_LABELS = {
    "user": _l("Person"),
    "course": _l("Course"),
    "lesson": _l("Lesson"),
    "question": _l("Question"),
    "quiz": _l("Quiz"),
    "centre": _l("Centre"),
    "certificate": _l("Certificate"),
    "class": _l("Class"),
    "training_class": _l("Class"),
    "report": _l("Report"),
    "session": _l("Training session"),
    "ledger": _l("Training ledger"),
}


def target_label(target_type: str) -> str:
    return str(TARGET_LABELS.get(target_type, target_type))
