"""The authoring blueprint and what its views share: loading with the access check, the
studio's names for question kinds and changes, and the pages for refusals.

The whole blueprint is for trainers and admins (guarded once); each view then checks
can_author(user, course), answering 404 for another centre's courses so their existence
stays hidden.
"""
from collections.abc import Callable

from flask import Blueprint, current_app, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Course, Lesson, Question, QuestionKind, Quiz, Role
from ..policy import can_author, ensure, require_role
from ..services.accounts import audit
from ..services.authoring import authoring, course_checks, uploads
from .forms import ConfirmForm

bp = Blueprint("author", __name__)
require_role(bp, Role.TRAINER, Role.ADMIN)

KIND_NAMES = {
    QuestionKind.SINGLE: _l("One correct answer"),
    QuestionKind.MULTIPLE: _l("Several correct answers"),
    QuestionKind.TRUE_FALSE: _l("True or false"),
    QuestionKind.SHORT_TEXT: _l("Short written answer"),
    QuestionKind.ORDERING: _l("Put steps in order"),
}
CHANGE_NAMES = {
    "course.create": _l("created the course"),
    "course.edit": _l("changed the course details"),
    "course.publish": _l("published the course"),
    "course.unpublish": _l("unpublished the course"),
    "course.import": _l("imported the course from a .zip"),
    "course.export": _l("downloaded the course as a .zip"),
    "course.duplicate": _l("created this course as a copy of"),
    "lesson.add": _l("added a lesson"),
    "lesson.edit": _l("edited a lesson"),
    "lesson.move": _l("moved a lesson"),
    "lesson.delete": _l("deleted a lesson"),
    "quiz.add": _l("added a quiz"),
    "quiz.edit": _l("changed quiz settings"),
    "quiz.delete": _l("deleted a quiz"),
    "question.add": _l("added a question"),
    "question.edit": _l("edited a question"),
    "question.move": _l("moved a question"),
    "question.delete": _l("deleted a question"),
    "recording.add": _l("added a voice recording"),
    "recording.delete": _l("deleted a voice recording"),
}


@bp.app_context_processor
def studio_helpers():
    return {"kind_name": lambda kind: str(KIND_NAMES.get(kind, kind)),
            "change_name": lambda action: str(CHANGE_NAMES.get(action, action))}


@bp.errorhandler(413)
def too_large(error):
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    flash(_("The file is too large: uploads may be at most %(mb)d MB.", mb=limit), "error")
    return render_template("errors/error.html", status=413), 413


@bp.errorhandler(course_checks.BreaksLiveCourse)
def breaks_live_course(error):
    """A refusal that no view shows on its own page: nothing is saved, and the message says why."""
    undo(" ".join([_("This course is published, so the change was not saved.")] + error.args[0]))
    return render_template("errors/error.html", status=422), 422


def undo(message: str | None = None) -> None:
    """Roll back a refused change, so nothing of it is saved, and flash why (when given).

    Pages shown afterwards read the saved state again.
    """
    db.session.rollback()
    if message:
        flash(message, "error")


def load_course(course_id: int) -> Course:
    course = db.session.scalar(
        db.select(Course).where(Course.id == course_id).options(
            selectinload(Course.lessons).selectinload(Lesson.quiz),
            selectinload(Course.quizzes).selectinload(Quiz.questions).selectinload(Question.choices),
            selectinload(Course.media),
        )
    )
    # 404, not 403: another centre's courses are not even known to exist.
    ensure(course is not None and can_author(current_user, course), 404)
    return course


def load_lesson(lesson_id: int) -> tuple[Course, Lesson]:
    course = load_course(db.get_or_404(Lesson, lesson_id).course_id)
    return course, next(l for l in course.lessons if l.id == lesson_id)


def load_quiz(quiz_id: int) -> tuple[Course, Quiz]:
    course = load_course(db.get_or_404(Quiz, quiz_id).course_id)
    return course, next(q for q in course.quizzes if q.id == quiz_id)


def load_question(question_id: int) -> tuple[Course, Quiz, Question]:
    course, quiz = load_quiz(db.get_or_404(Question, question_id).quiz_id)
    return course, quiz, next(q for q in quiz.questions if q.id == question_id)


def done(message: str, url: str):
    """Commit the request's change, say so, and go on to url."""
    db.session.commit()
    flash(message, "success")
    return redirect(url)


def audit_event(action: str, target_type: str, target_id: int, **detail) -> None:
    """Add the signed-in trainer's action to the audit log."""
    audit.record(db.session, action, current_user.id, target_type, target_id,
                 ip_address=request.remote_addr or "", **detail)


def storage() -> uploads.Storage:
    config = current_app.config
    return uploads.Storage(config["MEDIA_DIR"], config["AUTHOR_MAX_IMAGE_BYTES"],
                             config["AUTHOR_MAX_VIDEO_BYTES"])


def limits() -> dict:
    config = current_app.config
    return {
        "image_mb": config["AUTHOR_MAX_IMAGE_BYTES"] // (1024 * 1024),
        "video_mb": config["AUTHOR_MAX_VIDEO_BYTES"] // (1024 * 1024),
    }


def deleted_or_page(form: ConfirmForm, course: Course, thing: str, kept: authoring.History, cancel: str,
                    delete: Callable[[], None], **context):
    """Run delete() on the confirming POST and return None; otherwise the "Delete?" page, with
    the learner history that will be kept (and, when the deletion would break a published
    course, why it was refused)."""
    def page(problems=(), status=200):
        return render_template("author/confirm_delete.html", course=course, thing=thing, history=kept,
                               cancel=cancel, problems=problems, **context), status

    if not form.confirmed:
        return page()
    try:
        delete()
    except course_checks.BreaksLiveCourse as exc:
        undo(_("This course is published, so the change was not saved: it would leave the "
               "problems listed below. Unpublish the course to work on it in steps."))
        return page(exc.args[0], 422)
    return None
