"""Reports as (header, rows) tables for the CSV and XLSX downloads, with translated headers."""
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _

from ..localtime import local_text, zone_label
from ..services.reports.admin_overview import Overview
from ..services.reports.course_report import DAY_BANDS, SCORE_BANDS, CourseReport
from ..services.reports.progress_reports import ClassReport

Table = tuple[list[str], list[Sequence[Any]]]


def _when(value) -> str:
    """A stored (UTC) time in the configured zone: the header names the zone."""
    return local_text(value)


def class_learners(report: ClassReport) -> Table:
    header = [_("Learner"), _("Mobile"), _("Village")]
    for course in report.courses:
        header += [_("%(course)s: percent done", course=course.title),
                   _("%(course)s: final exam best", course=course.title),
                   _("%(course)s: quiz average", course=course.title)]
    header += [_("Last active (%(zone)s)", zone=zone_label()), _("Inactive for %(days)s days or more", days=report.inactive_days)]
    rows = []
    for row in report.learners:
        values: list[Any] = [row.name, row.mobile, row.village]
        for cell in row.cells:
            values += [cell.percent if cell.enrolled else "", cell.final_best, cell.quiz_average]
        values += [_when(row.last_active), _("yes") if row.inactive_since(report.cutoff) else ""]
        rows.append(values)
    return header, rows


def class_items(report: ClassReport) -> Table:
    header = [_("Course"), _("Quiz"), _("Question"), _("Prompt"), _("Answers"),
              _("Percent correct"), _("Most chosen wrong answer"), _("Chosen")]
    rows = [
        [quiz.course_title, quiz.title, item.position, item.prompt, item.answers,
         item.percent_correct, item.top_wrong, item.top_wrong_count]
        for quiz in report.quizzes for item in quiz.items
    ]
    return header, rows


def funnel_labels() -> dict[str, str]:
    return {"enrolled": _("Enrolled"), "started": _("Started"), "half_done": _("Half done"),
            "completed": _("Completed")}


def day_band_labels() -> list[str]:
    return [_("Same day") if low == 0 else _("%(range)s days", range=label)
            for low, _high, label in DAY_BANDS]


def course_summary(report: CourseReport) -> Table:
    header = [_("Section"), _("Item"), _("Learners"), _("Percent"), _("Average score"),
              _("Attempts")]
    labels = funnel_labels()
    rows: list[Sequence[Any]] = [
        [_("Funnel"), labels[key], n, pct, "", ""] for key, n, pct in report.funnel.steps()
    ]
    rows += [[_("Quiz"), q.title, q.learners, q.pass_rate, q.average, q.attempts]
             for q in report.quizzes]
    rows += [[_("Best scores"), band, n, "", "", ""]
             for band, n in zip(SCORE_BANDS, report.score_bands, strict=True)]
    rows += [[_("Days to complete"), label, n, "", "", ""]
             for label, n in zip(day_band_labels(), report.completion_days, strict=True)]
    return header, rows


def overview_centres(ov: Overview) -> Table:
    header = [_("Centre"), _("Learners registered"), _("Active in the last 30 days"),
              _("Enrolments"), _("Completions"), _("Trained person-times")]
    named = [(r.name or _("No centre"), r) for r in ov.centres] + [(_("All centres"), ov.total)]
    return header, [[name, r.registered, r.active, r.enrolments, r.completions, r.person_times]
                    for name, r in named]


def overview_months(ov: Overview) -> Table:
    header = [_("Month"), _("Learners registered"), _("Enrolments"), _("Completions"),
              _("Trained person-times")]
    return header, [[m.month, m.registered, m.enrolments, m.completions, m.person_times]
                    for m in ov.months]
