"""The authoring blueprint and what its views share: loading with the access check, the
studio's names for question kinds and changes, and the pages for refusals.

The whole blueprint is for trainers and admins (guarded once); each view then checks
can_author(user, course), answering 404 for another centre's courses so their existence
stays hidden.
"""
from flask import Blueprint, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Course, Lesson, Question, QuestionKind, Quiz, Role
from ..policy import can_author, ensure, require_role
from ..services.authoring import authoring, course_checks, uploads
from .forms import ConfirmForm

bp = Blueprint("author", __name__)
require_role(bp, Role.TRAINER, Role.ADMIN)

KIND_NAMES = {
    QuestionKind.SINGLE: lambda: _("One correct answer"),
    QuestionKind.MULTIPLE: lambda: _("Several correct answers"),
    QuestionKind.TRUE_FALSE: lambda: _("True or false"),
    QuestionKind.SHORT_TEXT: lambda: _("Short written answer"),
    QuestionKind.ORDERING: lambda: _("Put steps in order"),
}
CHANGE_NAMES = {
    "course.create": lambda: _("created the course"),
    "course.edit": lambda: _("changed the course details"),
    "course.publish": lambda: _("published the course"),
    "course.unpublish": lambda: _("unpublished the course"),
    "course.import": lambda: _("imported the course from a .zip"),
    "course.export": lambda: _("downloaded the course as a .zip"),
    "course.duplicate": lambda: _("created this course as a copy of"),
    "lesson.add": lambda: _("added a lesson"),
    "lesson.edit": lambda: _("edited a lesson"),
    "lesson.move": lambda: _("moved a lesson"),
    "lesson.delete": lambda: _("deleted a lesson"),
    "quiz.add": lambda: _("added a quiz"),
    "quiz.edit": lambda: _("changed quiz settings"),
    "quiz.delete": lambda: _("deleted a quiz"),
    "question.add": lambda: _("added a question"),
    "question.edit": lambda: _("edited a question"),
    "question.move": lambda: _("moved a question"),
    "question.delete": lambda: _("deleted a question"),
}


@bp.app_context_processor
def studio_helpers():
    return {"kind_name": lambda kind: KIND_NAMES[kind]() if kind in KIND_NAMES else kind,
            "change_name": lambda action: CHANGE_NAMES[action]() if action in CHANGE_NAMES else action}


@bp.errorhandler(413)
def too_large(error):
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    flash(_("The file is too large: uploads may be at most %(mb)d MB.", mb=limit), "error")
    return render_template("errors/error.html", status=413), 413


@bp.errorhandler(course_checks.BreaksLiveCourse)
def breaks_live_course(error):
    """A refusal that no view shows on its own page: nothing is saved, and the message says why."""
    db.session.rollback()
    flash(" ".join([_("This course is published, so the change was not saved.")] + error.args[0]), "error")
    return render_template("errors/error.html", status=422), 422


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
    lesson = db.session.get(Lesson, lesson_id)
    ensure(lesson is not None, 404)
    course = load_course(lesson.course_id)
    return course, next(l for l in course.lessons if l.id == lesson_id)


def load_quiz(quiz_id: int) -> tuple[Course, Quiz]:
    quiz = db.session.get(Quiz, quiz_id)
    ensure(quiz is not None, 404)
    course = load_course(quiz.course_id)
    return course, next(q for q in course.quizzes if q.id == quiz_id)


def load_question(question_id: int) -> tuple[Course, Quiz, Question]:
    question = db.session.get(Question, question_id)
    ensure(question is not None, 404)
    course, quiz = load_quiz(question.quiz_id)
    return course, quiz, next(q for q in quiz.questions if q.id == question_id)


def ip() -> str:
    return request.remote_addr or ""


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


def unconfirmed(form: ConfirmForm, course: Course, thing: str, kept: authoring.History, cancel: str,
                **context):
    """The "Delete?" page with the learner history that will be kept, unless this request
    is the confirming POST (then None)."""
    if form.confirmed:
        return None
    return render_template("author/confirm_delete.html", course=course, thing=thing,
                           history=kept, cancel=cancel, **context)


def refused(course: Course, problems: list[str], template: str, status: int = 422, **context):
    """Undo a change that would break a published course, and say why."""
    db.session.rollback()
    flash(_("This course is published, so the change was not saved: it would leave the "
            "problems listed below. Unpublish the course to work on it in steps."), "error")
    return render_template(template, course=course, problems=problems, **context), status
