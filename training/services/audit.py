"""Recording sensitive actions. Call record() in the same transaction as the action itself."""
from typing import Any

from sqlalchemy.orm import Session

from ..models import AuditEvent


def record(
    session: Session,
    action: str,
    actor_id: int | None,
    target_type: str = "",
    target_id: int | None = None,
    ip_address: str = "",
    **detail: Any,
) -> AuditEvent:
    """Add an audit event, e.g. record(db.session, "course.publish", user.id, "course", course.id,
    ip_address=request.remote_addr, slug=course.slug)."""
    event = AuditEvent(
        action=action, actor_id=actor_id, target_type=target_type, target_id=target_id,
        ip_address=(ip_address or "")[:45], detail=detail,
    )
    session.add(event)
    return event
