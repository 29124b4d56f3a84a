"""Taking quizzes and reading results."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..httpcache import conditional_page
from ..pages import load_course, load_course_and_state, locked_page, step_url
from ..models import Attempt, Course, Quiz
from ..policy import can_learn, can_view_attempt, ensure
from ..services.learning import certificates, next_course, progress, quizzes

bp = Blueprint("quiz", __name__)

ERROR_MESSAGES = {
    "missing": lambda: _("Please answer this question."),
    "invalid": lambda: _("This answer is not one of the choices."),
    "order": lambda: _("Give each step a different place, from 1 to the number of steps."),
}


def _load_quiz(course, quiz_id: int) -> Quiz:
    quiz = next((q for q in course.quizzes if q.id == quiz_id), None)
    if quiz is None:
        abort(404)
    return quiz


def _render_quiz(course, quiz, state, token, form_values=None, errors=None, status=200):
    attempts = db.session.scalars(
        select(Attempt).where(Attempt.user_id == current_user.id, Attempt.quiz_id == quiz.id)
        .order_by(Attempt.number.desc())
    ).all()
    return render_template(
        "quiz/take.html", course=course, quiz=quiz, state=state, token=token,
        presented=quizzes.present(quiz, token), field_name=quizzes.field_name,
        values=form_values or {}, errors={qid: ERROR_MESSAGES[code]() for qid, code in (errors or {}).items()},
        attempts=attempts, attempts_left=quizzes.attempts_left(quiz, len(attempts)),
        result=state.results.get(quiz.id),
    ), status


@bp.route("/courses/<slug>/quizzes/<int:quiz_id>", methods=["GET", "POST"])
@login_required
def take(slug: str, quiz_id: int):
    course, state = load_course_and_state(slug, current_user)
    quiz = _load_quiz(course, quiz_id)
    ensure(can_learn(current_user, course))
    if state.enrollment is None:
        flash(_("Enrol in the course to take its quizzes."), "info")
        return redirect(url_for("learn.course", slug=slug))
    step = state.quiz_step(quiz.id)
    if step.locked_by is not None:
        return locked_page(course, state, step)

    if request.method == "GET":
        # A repeat visit gets a 304 while nothing shown has changed; any new attempt changes the
        # state's fingerprint (it holds each quiz's attempt count), so a kept copy never carries
        # an attempt token already used (httpcache).
        page_state = ("quiz", quiz.id, course.id, course.content_version, state.fingerprint())
        return conditional_page(page_state, lambda: _render_quiz(course, quiz, state, quizzes.new_token()))

    token = request.form.get("attempt_token", "")
    if not 16 <= len(token) <= 64:
        abort(400)
    questions = list(quiz.questions)
    responses, errors = quizzes.parse_responses(questions, request.form)
    if errors:
        already = quizzes.find_attempt(db.session, token)  # sent already, then changed?
        if already is not None and already.user_id == current_user.id:
            return redirect(url_for("quiz.result", attempt_id=already.id))
        flash(_("Some questions need an answer. Your other answers are kept below."), "error")
        return _render_quiz(course, quiz, state, token, request.form, errors, status=422)
    try:
        attempt, _created = quizzes.submit(
            db.session, current_user.id, quiz, token, responses,
            true_label=_("True"), false_label=_("False"),
        )
    except quizzes.QuizClosed:
        db.session.rollback()
        flash(_("You have used all attempts for this quiz."), "error")
        return redirect(url_for("quiz.take", slug=slug, quiz_id=quiz.id))
    attempt_id = attempt.id  # read before the commit expires the attempt (no reload after it)
    db.session.commit()
    return redirect(url_for("quiz.result", attempt_id=attempt_id))


@bp.route("/attempts/<int:attempt_id>")
@login_required
def result(attempt_id: int):
    found = db.session.execute(
        select(Attempt, Course.slug).join(Course, Course.id == Attempt.course_id)
        .where(Attempt.id == attempt_id).options(selectinload(Attempt.answers))
    ).first()
    # 404, not 403: another learner's attempts must not even be known to exist.
    if found is None or not can_view_attempt(current_user, found.Attempt):
        abort(404)
    attempt = found.Attempt
    if attempt.user_id == current_user.id:
        course, state = load_course_and_state(found.slug, current_user)
    else:  # staff following a learner
        course = load_course(found.slug, current_user)
        state = progress.load_state(db.session, attempt.user_id, course)
    # A quiz deleted since keeps its attempts as history: the result shows, without a retake.
    quiz = next((q for q in course.quizzes if q.id == attempt.quiz_id), None)
    quiz_result, attempts_left = None, 0
    if quiz is not None:
        quiz_result = state.results.get(quiz.id)
        attempts_left = quizzes.attempts_left(quiz, quizzes.attempts_used(db.session, attempt.user_id, quiz.id))
    own = attempt.user_id == current_user.id
    certificate = suggestion = None
    # The pass that completed the course: congratulations, the certificate, what to learn next.
    if own and attempt.passed and state.complete:
        certificate = certificates.for_enrollment(db.session, attempt.user_id, course.id)
        suggestion = next_course.suggest(db.session, attempt.user_id, course.id, course.language,
                                         course.level)
    return render_template(
        "quiz/result.html", attempt=attempt, course=course, state=state, quiz=quiz,
        quiz_result=quiz_result, attempts_left=attempts_left,
        # After a pass the main button goes on from this quiz; otherwise to the first unfinished step.
        next_url=step_url(course, state.step_after(state.quiz_step(attempt.quiz_id)) if attempt.passed
                          else state.next_step), own=own,
        certificate=certificate, suggestion=suggestion,
    )
