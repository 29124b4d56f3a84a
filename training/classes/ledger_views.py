"""The training ledger (培训台账) of a period: totals, breakdowns and sessions a page at a time,
the county-layout export (a streamed CSV or an XLSX written in the request or, when large,
either written in the background) and the background export's page and download."""
from datetime import date
from io import BytesIO
from pathlib import Path

from cachetools import TTLCache
from flask import (
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import db
from ..localtime import local_today
from ..models import ExportJob, utcnow
from ..policy import can_open_export, can_view_centre, ensure
from ..services import jobs
from ..services.accounts import audit
from ..services.classes import ledger, ledger_export, ledger_jobs
from ..services.reports import exports
from .common import bp, centres
from .forms import LedgerForm

# The session fields an edit lists in the ledger's change history.
SESSION_FIELDS = {"held_on": _l("Date"), "topic": _l("Topic"), "place": _l("Place"), "trainer": _l("Trainer"),
                  "hours": _l("Hours")}
# Places and changes the page lists (the exports have every place).
PLACES_SHOWN = 30
CHANGES_SHOWN = 50
# Seconds between two reloads of a background export's page.
REFRESH_SECONDS = 3
# A job still queued after this many seconds has no worker: the page says so.
STALE_QUEUE_SECONDS = 120


def _ledger_filters() -> tuple[LedgerForm, date, date, int | None]:
    """The ledger's period and centre from the query string: admins any centre or all of them
    (0), a trainer their own centre (another centre's id is refused)."""
    choices = centres()
    every_centre = can_view_centre(current_user)
    if not every_centre:
        choices = [c for c in choices if c.id == current_user.centre_id]
    form = LedgerForm(request.args, centres=choices, every_centre=every_centre)
    form.validate()
    start, end = form.period(local_today())
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
    """Totals and breakdowns of a period, and its sessions a page at a time (each links to its
    attendees); ?format=csv|xlsx downloads the county ledger."""
    form, start, end, centre_id = _ledger_filters()
    fmt = request.args.get("format", "")
    ensure(not fmt or fmt in exports.MIMETYPES, 404)
    if fmt:
        return _export(fmt, start, end, centre_id)
    # Every centre's totals may be up to LEDGER_CACHE_SECONDS old; a centre's are exact.
    data = ledger.build_cached(db.session, _totals_cache(), start, end, centre_id,
                               exact=centre_id is not None)
    page = ledger.session_page(db.session, start, end, centre_id, request.args.get("page", 1, type=int))
    changes = ledger.changes(db.session, start, end, centre_id, limit=CHANGES_SHOWN + 1)
    return render_template("classes/ledger.html", form=form, ledger=data, page=page,
                           places=data.top_places(PLACES_SHOWN), changes=changes[:CHANGES_SHOWN],
                           more_changes=len(changes) > CHANGES_SHOWN,
                           action_label=audit.label, change_fields=SESSION_FIELDS,
                           age_labels=ledger_export.age_labels(), gender_labels=ledger_export.gender_labels(),
                           hours=ledger_export.hours_value,
                           cache_minutes=current_app.config["LEDGER_CACHE_SECONDS"] // 60)


def _totals_cache() -> TTLCache:
    """This worker's cache of ledger totals (LEDGER_CACHE_SECONDS; 0 turns it off)."""
    seconds = current_app.config["LEDGER_CACHE_SECONDS"]
    if not seconds:
        return {}
    return current_app.extensions.setdefault("ledger_totals", TTLCache(maxsize=64, ttl=seconds))


def _export(fmt: str, start: date, end: date, centre_id: int | None):
    """The county ledger as a streamed CSV or an XLSX written now, or, past
    LEDGER_CSV_ROWS_IN_REQUEST / LEDGER_XLSX_ROWS_IN_REQUEST rows, a job that writes the file
    in the background (303 to its page), so no download holds a request for long. Audited."""
    config = current_app.config
    timezone = config["BABEL_DEFAULT_TIMEZONE"]
    exporter_centre = current_user.centre_id
    name = ledger_export.file_name(start, end, fmt)
    count = ledger.attendance_count(db.session, start, end, centre_id)
    limit = config["LEDGER_CSV_ROWS_IN_REQUEST" if fmt == "csv" else "LEDGER_XLSX_ROWS_IN_REQUEST"]
    background = count > limit
    audit.record(db.session, "ledger.export", current_user.id, "centre", centre_id,
                 ip_address=request.remote_addr or "", format=fmt, start=start.isoformat(),
                 end=end.isoformat(), rows=count, background=background)
    if background:
        jobs.purge(db.session, jobs.export_dir(current_app), config["EXPORT_KEEP_HOURS"])
        job = jobs.create(db.session, current_user.id, ledger_jobs.KIND,
                          ledger_jobs.params(start, end, centre_id, exporter_centre,
                                             str(get_locale()), timezone, fmt), count, name)
        db.session.commit()
        jobs.start(job.id)
        return redirect(url_for("classes.export_job", job_id=job.id), 303)
    db.session.commit()
    if fmt == "csv":
        rows = ledger_export.ledger_rows(db.session, start, end, centre_id, exporter_centre, timezone)
        chunks = exports.csv_stream(ledger_export.header(), rows)
        return exports.streamed(stream_with_context(chunks), name, exports.CSV_MIMETYPE)
    buffer = BytesIO()
    ledger_jobs.write(buffer, db.session, db.session, start, end, centre_id, exporter_centre, timezone)
    return exports.attachment(buffer.getvalue(), name, exports.XLSX_MIMETYPE)


def _load_job(job_id: int) -> ExportJob:
    """The current user's own export; anyone else's is 404, as if it did not exist."""
    job = db.session.get(ExportJob, job_id)
    ensure(job is not None and can_open_export(current_user, job), 404)
    return job


@bp.route("/ledger/exports/<int:job_id>")
def export_job(job_id: int):
    """A background export's progress (the page reloads itself, no script needed) and, when
    it is done, its download link."""
    job = _load_job(job_id)
    now = utcnow()
    # A job running longer than the queue allows lost its worker (restarted meanwhile).
    lost = job.status == "running" and (now - job.started_at).total_seconds() > jobs.JOB_TIMEOUT
    failed = job.status == "failed" or lost
    finished = failed or job.status == "done"
    waited = (now - job.created_at).total_seconds()
    response = current_app.make_response(render_template(
        "classes/export_job.html", job=job, finished=finished, failed=failed,
        stale=job.status == "queued" and waited > STALE_QUEUE_SECONDS,
        percent=int(100 * job.rows_done / job.rows_total) if job.rows_total else 0,
        keep_hours=current_app.config["EXPORT_KEEP_HOURS"]))
    if not finished:
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/ledger/exports/<int:job_id>/download")
def export_download(job_id: int):
    """The finished file, for the person who asked only; 404 once purged."""
    job = _load_job(job_id)
    path = Path(current_app.config["EXPORT_DIR"]) / (job.file_name or "")
    ensure(job.status == "done" and job.file_name is not None and path.is_file(), 404)
    fmt = job.download_name.rsplit(".", 1)[-1]
    return send_file(path, mimetype=exports.MIMETYPES.get(fmt, "application/octet-stream"), as_attachment=True,
                     download_name=job.download_name, max_age=0)
