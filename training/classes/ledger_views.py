"""The training ledger (培训台账) of a period, on the page and as a spreadsheet."""
from datetime import date

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import db
from ..policy import can_view_centre, ensure
from ..services.accounts import audit
from ..services.classes import ledger, ledger_export
from ..services.reports import exports
from .common import bp, centres
from .forms import LedgerForm

# The session fields an edit lists in the ledger's change history.
SESSION_FIELDS = {"held_on": _l("Date"), "topic": _l("Topic"), "place": _l("Place"), "trainer": _l("Trainer")}


def _ledger_filters() -> tuple[LedgerForm, date, date, int | None]:
    """The ledger's period and centre from the query string: admins any centre or all of them
    (0), a trainer their own centre (another centre's id is refused)."""
    choices = centres()
    every_centre = can_view_centre(current_user)
    if not every_centre:
        choices = [c for c in choices if c.id == current_user.centre_id]
    form = LedgerForm(request.args, centres=choices, every_centre=every_centre)
    form.validate()
    start, end = form.period(date.today())
    if every_centre:
        centre_id = form.centre_id.data or None
        ensure(centre_id is None or centre_id in {c.id for c in choices}, 404)
    else:
        centre_id = current_user.centre_id
        ensure(form.centre_id.data in (None, centre_id))
    ensure(can_view_centre(current_user, centre_id))
    form.show(start, end, centre_id)
    return form, start, end, centre_id


@bp.route("/ledger")
def ledger_page():
    """Sessions of a period with their attendees, and person-times and unique people."""
    form, start, end, centre_id = _ledger_filters()
    fmt = request.args.get("format", "")
    ensure(not fmt or fmt in exports.MIMETYPES, 404)
    data = ledger.build(db.session, start, end, centre_id)
    if fmt:
        audit.record(db.session, "ledger.export", current_user.id, "centre", data.centre_id,
                     ip_address=request.remote_addr or "", format=fmt, start=data.start.isoformat(),
                     end=data.end.isoformat())
        db.session.commit()
        header, rows = ledger_export.ledger_table(data)
        return exports.download(header, rows, fmt, ledger_export.file_name(data, fmt),
                                title=_("Training ledger"))
    return render_template("classes/ledger.html", form=form, ledger=data,
                           changes=ledger.changes(db.session, start, end, centre_id),
                           action_label=audit.label, change_fields=SESSION_FIELDS,
                           age_labels=ledger_export.age_labels(), gender_labels=ledger_export.gender_labels())
