"""Study hours: the learner's "我的学时" and the staff's per-learner hours download (per class
or per centre) for subsidy paperwork. Sums and rows come from services/learning/hours.py."""
from io import BytesIO

from flask import current_app, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..localtime import local_today
from ..models import Centre, TrainingClass
from ..policy import can_manage_class, can_view_centre, ensure, is_admin
from ..services.accounts import audit
from ..services.learning import hours, standard
from ..services.reports import exports
from .common import bp


@bp.route("/hours")
@login_required
def my_hours():
    """The learner's hours per occupation type of the standard, against the first level's
    reference hours, from their certificates."""
    summary = hours.learner_hours(db.session, current_user.id)
    return render_template("certificates/hours.html", summary=summary, standard=standard,
                           format_hours=standard.format_hours)


@bp.route("/hours/export")
@login_required
def hours_export():
    """The staff's page of hours downloads: every centre for admins, their own for trainers."""
    ensure(can_view_centre(current_user, current_user.centre_id))
    query = select(Centre).order_by(Centre.name)
    if not is_admin(current_user):
        query = query.where(Centre.id == current_user.centre_id)
    return render_template("certificates/hours_export.html", centres=db.session.scalars(query).all())


def _download(fmt: str, target_type: str, target_id: int, name: str, **scope):
    """The rows as CSV, or as XLSX with a second sheet of totals per learner; audited."""
    ensure(fmt in exports.MIMETYPES, 404)
    records = list(hours.export_records(db.session, current_app.config["BABEL_DEFAULT_TIMEZONE"], **scope))
    audit.record(db.session, "hours.export", current_user.id, target_type, target_id,
                 ip_address=request.remote_addr or "", format=fmt, rows=len(records))
    db.session.commit()
    rows = [row for _user_id, row in records]
    filename = f"hours-{name}-{local_today().isoformat()}.{fmt}"
    if fmt == "csv":
        return exports.attachment(exports.csv_bytes(hours.header(), rows), filename, exports.CSV_MIMETYPE)
    buffer = BytesIO()
    exports.write_xlsx(buffer, [(hours.sheet_title(), hours.header(), rows),
                                (hours.totals_title(), hours.totals_header(), hours.totals_rows(records))])
    return exports.attachment(buffer.getvalue(), filename, exports.XLSX_MIMETYPE)


@bp.route("/classes/<int:class_id>/hours.<fmt>")
@login_required
def class_hours(class_id: int, fmt: str):
    """Per-learner hours of a class (certificates issued through it): its centre's trainers
    and admins."""
    training_class = db.get_or_404(TrainingClass, class_id)
    ensure(can_manage_class(current_user, training_class))
    return _download(fmt, "training_class", training_class.id, f"class-{training_class.id}",
                     class_id=training_class.id)


@bp.route("/centres/<int:centre_id>/hours.<fmt>")
@login_required
def centre_hours(centre_id: int, fmt: str):
    """Per-learner hours of a centre (certificates it issued): admins any centre, trainers
    their own."""
    ensure(can_view_centre(current_user, centre_id))
    centre = db.get_or_404(Centre, centre_id)
    return _download(fmt, "centre", centre.id, f"centre-{centre.id}", centre_id=centre.id)
