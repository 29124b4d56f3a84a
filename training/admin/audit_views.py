"""Admins read the audit log: who did what, to what, when and from where, with filters."""
from datetime import date, datetime, timedelta

from flask import render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..localtime import local_midnight, zone_label
from ..models import AuditEvent, User
from ..services.accounts import accounts, audit
from .views import bp

PER_PAGE = 50


def _day(value: str) -> date | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None


@bp.route("/audit")
def audit_log():
    args = request.args
    filters = {name: args.get(name, "").strip()[:60]
               for name in ("action", "actor", "target_type", "target_id", "since", "until")}
    query = select(AuditEvent).options(joinedload(AuditEvent.actor))
    if filters["action"]:
        # "user" matches user.role_change, user.anonymize, ...; "user.anonymize" only itself.
        action = filters["action"]
        query = query.where((AuditEvent.action == action) | AuditEvent.action.startswith(action + ".",
                                                                                           autoescape=True))
    if filters["actor"]:
        username, mobile = accounts.split_login(filters["actor"])
        actor = User.mobile == mobile if mobile else User.username == (username or filters["actor"])
        query = query.where(AuditEvent.actor_id.in_(select(User.id).where(actor)))
    if filters["target_type"]:
        query = query.where(AuditEvent.target_type == filters["target_type"])
    if filters["target_id"].isdigit():
        query = query.where(AuditEvent.target_id == int(filters["target_id"]))
    if since := _day(filters["since"]):
        query = query.where(AuditEvent.created_at >= local_midnight(since))  # days are China days
    if until := _day(filters["until"]):
        query = query.where(AuditEvent.created_at < local_midnight(until + timedelta(days=1)))
    page = db.paginate(query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()),
                       per_page=PER_PAGE, error_out=False)
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    return render_template("admin/audit.html", page=page, filters=filters, actions=actions,
                           action_label=audit.label, target_label=audit.target_label,
                           zone=zone_label())
