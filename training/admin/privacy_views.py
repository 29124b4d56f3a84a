"""Admins carry out deletion requests by anonymizing the person (PIPL)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..models import User
from ..policy import can_anonymize, ensure
from ..services.accounts import privacy
from .views import bp


@bp.route("/deletion-requests")
def deletion_requests():
    return render_template("admin/deletion_requests.html", users=privacy.deletion_requests(db.session))


@bp.route("/users/<int:user_id>/anonymize", methods=["POST"])
def anonymize_user(user_id: int):
    user = db.get_or_404(User, user_id)
    ensure(can_anonymize(current_user, user))
    privacy.anonymize(db.session, user, current_user.id, ip_address=request.remote_addr or "")
    db.session.commit()
    flash(_("The person's data is anonymized. Their course statistics remain."), "success")
    return redirect(url_for("admin.deletion_requests"))


