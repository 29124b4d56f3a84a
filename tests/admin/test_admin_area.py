"""The admin area is for admins only."""
from sqlalchemy import select

from training.extensions import db
from training.models import AuditEvent
from training.services.accounts import audit


def test_only_admins_enter_the_admin_area(client, learner_client, trainer_client, admin_client):
    assert admin_client.get("/admin/").status_code == 200
    assert learner_client.get("/admin/").status_code == 403
    assert trainer_client.get("/admin/").status_code == 403
    assert "/login" in client.get("/admin/").headers["Location"]


def test_audit_record_keeps_who_what_and_where(factory, admin):
    audit.record(db.session, "course.publish", admin.id, "course", 7, ip_address="10.0.0.1", slug="x")
    db.session.commit()
    event = db.session.scalar(select(AuditEvent))
    assert (event.action, event.actor_id, event.target_id, event.detail, event.ip_address) == (
        "course.publish", admin.id, 7, {"slug": "x"}, "10.0.0.1")
