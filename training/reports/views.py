"""Progress reports for trainers and admins: class, course and the admin overview, each
downloadable as CSV and XLSX. Trainers see only learners of their own centre."""
from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..localtime import local_today, zone_name
from ..models import Course, TrainingClass
from ..policy import (
    STAFF_ROLES, can_view_centre, can_view_course_report, ensure, is_admin, report_centre, require_role,
)
from ..services.accounts import audit
from ..services.reports import admin_overview, charts, exports, progress_reports
from ..services.reports.course_report import SCORE_BANDS, course_report as build_course_report
from . import tables
from .forms import ClassFilterForm, CourseFilterForm, OverviewForm, chosen_id

bp = Blueprint("reports", __name__)
require_role(bp, *STAFF_ROLES)

CLASS_TABLES = {"learners": tables.class_learners, "items": tables.class_items}
OVERVIEW_TABLES = {"centres": tables.overview_centres, "months": tables.overview_months}


def _table_part(choices: dict, default: str) -> str:
    """Which table of a report to download (?table=...); 404 for one it does not have."""
    part = request.args.get("table", default)
    ensure(part in choices, 404)
    return part


def sheet_titles() -> dict[str, str]:
    """Each downloadable table's sheet name in the reader's language, as its heading on the page."""
    return {"class-learners": _("Progress by learner"), "class-items": _("Quiz questions"),
            "course": _("Course report"), "overview-centres": _("By centre"),
            "overview-months": _("By month")}


def _download(table: tables.Table, fmt: str, name: str, report: str, target_type: str,
              target_id: int | None, **detail) -> Response:
    """Send a report table as CSV or XLSX and audit the download in the same request."""
    header, rows = table
    audit.record(db.session, "report.export", current_user.id, target_type, target_id,
                 ip_address=request.remote_addr or "", report=report, format=fmt,
                 rows=len(rows), **detail)
    db.session.commit()
    return exports.download(header, rows, fmt, f"{name}-{local_today():%Y%m%d}.{fmt}",
                            title=sheet_titles()[report])


def _with_blank(blank: str, pairs: list[tuple[int, str]]) -> list[tuple[str, str]]:
    """Choices of an optional select: "" (all) first, then the ids as text."""
    return [("", blank)] + [(str(id_), label) for id_, label in pairs]


@bp.route("/")
def index():
    """Pick a class or a course; admins also pick a centre and reach the overview."""
    centres = progress_reports.centre_choices(db.session) if current_user.is_admin else []
    centre_id = report_centre(current_user, request.args.get("centre", type=int))
    if centre_id is not None and current_user.is_admin and centre_id not in dict(centres):
        abort(404)
    classes = progress_reports.class_list(db.session, centre_id) if centre_id is not None else []
    courses = progress_reports.course_choices(db.session, current_user.centre_id,
                                     all_drafts=current_user.is_admin)
    return render_template("reports/index.html", centres=centres, centre_id=centre_id,
                           classes=classes, courses=courses)


def _class_report(class_id: int):
    training_class = db.get_or_404(TrainingClass, class_id)
    # Another centre's class is hidden as if it did not exist.
    ensure(can_view_centre(current_user, training_class.centre_id), 404)
    form = ClassFilterForm(request.args or None)
    days = form.inactive_days.default
    if form.validate() and form.inactive_days.data:
        days = form.inactive_days.data
    return training_class, form, progress_reports.class_report(db.session, class_id, inactive_days=days)


@bp.route("/classes/<int:class_id>")
def class_report(class_id: int):
    training_class, form, report = _class_report(class_id)
    return render_template("reports/class.html", training_class=training_class, form=form,
                           report=report)


@bp.route("/classes/<int:class_id>/export.<any(csv, xlsx):fmt>")
def class_export(class_id: int, fmt: str):
    _class, _form, report = _class_report(class_id)
    part = _table_part(CLASS_TABLES, "learners")
    return _download(CLASS_TABLES[part](report), fmt, f"class-{class_id}-{part}", f"class-{part}",
                     "training_class", class_id, inactive_days=report.inactive_days)


def _course_report(course_id: int):
    course = db.get_or_404(Course, course_id)
    ensure(can_view_course_report(current_user, course), 404)
    form = CourseFilterForm(request.args or None)
    if can_view_centre(current_user):
        form.centre.choices = _with_blank(_("All centres"), progress_reports.centre_choices(db.session))
    else:
        form.centre.choices = [("", _("My centre"))]
    form.validate()
    centre_id = report_centre(current_user, chosen_id(form.centre))
    return course, form, build_course_report(db.session, course.id, centre_id)


@bp.route("/courses/<int:course_id>")
def course_report(course_id: int):
    course, form, report = _course_report(course_id)
    labels, scores, days = tables.funnel_labels(), SCORE_BANDS, tables.day_band_labels()
    return render_template(
        "reports/course.html", course=course, form=form, report=report,
        funnel_labels=labels, day_labels=days, score_bands=scores,
        funnel_chart=charts.horizontal([(labels[k], n) for k, n, _p in report.funnel.steps()]),
        score_chart=charts.vertical(list(zip(scores, report.score_bands, strict=True))),
        days_chart=charts.vertical(list(zip(days, report.completion_days, strict=True))),
    )


@bp.route("/courses/<int:course_id>/export.<any(csv, xlsx):fmt>")
def course_export(course_id: int, fmt: str):
    course, _form, report = _course_report(course_id)
    return _download(tables.course_summary(report), fmt, f"course-{course.id}", "course",
                     "course", course.id, centre_id=report.centre_id)


def _overview():
    ensure(is_admin(current_user))
    form = OverviewForm(request.args or None)
    form.centre.choices = _with_blank(_("All centres"), progress_reports.centre_choices(db.session))
    form.course.choices = _with_blank(_("All courses"),
                                      progress_reports.course_choices(db.session, None, True))
    valid = form.validate()
    today = local_today()
    end = form.end.data if valid and form.end.data else today
    start = form.start.data if valid and form.start.data else end - timedelta(days=89)
    if start > end:
        start = end - timedelta(days=89)
    filters = admin_overview.OverviewFilter(start, end, chosen_id(form.centre), chosen_id(form.course))
    if not form.start.data or form.start.errors:
        form.start.data = start
    if not form.end.data or form.end.errors:
        form.end.data = end
    zone = zone_name()
    refreshed_at = admin_overview.ensure_daily_stats(db.session, current_app.config["REPORTS_STATS_MAX_AGE"], zone)
    ov = admin_overview.overview(db.session, filters, zone, refreshed_at)
    db.session.commit()
    return form, ov


@bp.route("/overview")
def overview():
    form, ov = _overview()
    return render_template(
        "reports/overview.html", form=form, ov=ov,
        person_times_chart=charts.vertical([(m.month[2:], m.person_times) for m in ov.months]),
        enrolments_chart=charts.vertical([(m.month[2:], m.enrolments) for m in ov.months]),
        centres_chart=charts.horizontal([(r.name or _("No centre"), r.person_times)
                                         for r in ov.centres]),
    )


@bp.route("/overview/export.<any(csv, xlsx):fmt>")
def overview_export(fmt: str):
    _form, ov = _overview()
    part = _table_part(OVERVIEW_TABLES, "centres")
    f = ov.filters
    return _download(OVERVIEW_TABLES[part](ov), fmt, f"overview-{part}", f"overview-{part}", "centre",
                     f.centre_id, start=f.start.isoformat(), end=f.end.isoformat(), course_id=f.course_id)
