"""The authoring studio's quiz and question views (on the author blueprint, like the course
and lesson views in views.py)."""
from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..models import Course, Lesson, Question, QuestionKind, Quiz
from ..policy import ensure
from ..services.authoring import authoring, course_checks, uploads
from ..services.learning import quizzes, scoring
from .common import (audit_event, bp, deleted_or_page, done, limits, load_course, load_lesson, load_question,
                     load_quiz, storage, undo)
from .forms import MAX_CHOICES, ConfirmForm, MoveForm, NewQuizForm, QuestionForm, QuizForm

# ---------------------------------------------------------------- quizzes


@bp.route("/lessons/<int:lesson_id>/quiz", methods=["POST"])
def add_lesson_quiz(lesson_id: int):
    course, lesson = load_lesson(lesson_id)
    return _add_quiz(course, lesson, NewQuizForm().title.data or _("Quiz: %(title)s", title=lesson.title))


@bp.route("/courses/<int:course_id>/final-exam", methods=["POST"])
def add_final_exam(course_id: int):
    course = load_course(course_id)
    return _add_quiz(course, None, NewQuizForm().title.data or _("Final exam"))


def _add_quiz(course: Course, lesson: Lesson | None, title: str):
    try:
        quiz = authoring.add_quiz(db.session, course, current_user.id, title[:200], lesson)
    except course_checks.NotAllowed as exc:
        hint = [_("A published course cannot have a quiz without questions: unpublish it first, "
                  "add the quiz and its questions, then publish again.")] \
            if isinstance(exc, course_checks.BreaksLiveCourse) else []
        undo(" ".join([_("The quiz was not added.")] + list(exc.args[0][:1]) + hint))
        return redirect(url_for("author.course", course_id=course.id))
    return done(_("Quiz added. Now add its questions."), url_for("author.quiz", quiz_id=quiz.id))


@bp.route("/quizzes/<int:quiz_id>", methods=["GET", "POST"])
def quiz(quiz_id: int):
    course, quiz = load_quiz(quiz_id)
    form = QuizForm(obj=quiz if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            authoring.save_quiz_settings(db.session, quiz, current_user.id, form.settings(),
                                         form.expected_version)
        except course_checks.VersionConflict:
            undo(_("Someone else changed this quiz while you were editing it. Their version is "
                   "shown below; make your change again."))
            return redirect(url_for("author.quiz", quiz_id=quiz_id))
        return done(_("Quiz settings saved."), url_for("author.quiz", quiz_id=quiz.id))
    return render_template("author/quiz.html", course=course, quiz=quiz, form=form,
                           kinds=list(QuestionKind)), 422 if form.errors else 200


@bp.route("/quizzes/<int:quiz_id>/delete", methods=["GET", "POST"])
def delete_quiz(quiz_id: int):
    course, quiz = load_quiz(quiz_id)
    title = quiz.title
    page = deleted_or_page(ConfirmForm(), course, title, authoring.quiz_history(db.session, quiz),
                           url_for("author.quiz", quiz_id=quiz.id),
                           lambda: authoring.delete_quiz(db.session, quiz, current_user.id))
    if page is not None:
        return page
    audit_event("quiz.delete", "quiz", quiz_id, course=course.slug, title=title)
    return done(_("Quiz deleted."), url_for("author.course", course_id=course.id))


@bp.route("/quizzes/<int:quiz_id>/preview", methods=["GET", "POST"])
def preview_quiz(quiz_id: int):
    """Take a quiz as a learner would; the answers are graded and shown, never recorded."""
    course, quiz = load_quiz(quiz_id)
    token = request.form.get("attempt_token") or quizzes.new_token()
    questions = list(quiz.questions)
    graded, errors = None, {}
    if request.method == "POST":
        responses, codes = quizzes.parse_responses(questions, request.form)
        if codes:
            errors = {qid: _("Please answer this question.") for qid in codes}
        else:
            snapshots = [quizzes.snapshot(q) for q in questions]
            result = scoring.grade(snapshots, [responses.get(q.id) for q in questions], quiz.pass_mark)
            graded = {"score": result["score"], "passed": result["passed"],
                      "items": list(zip(snapshots, result["results"], strict=True))}
    return render_template("author/preview_quiz.html", course=course, quiz=quiz, token=token,
                           presented=quizzes.present(quiz, token), field_name=quizzes.field_name,
                           values=request.form, errors=errors, graded=graded)


# ---------------------------------------------------------------- questions


def _question_page(course, quiz, question, data, problems=None, status=200, version=None,
                   template="author/question.html", **context):
    return render_template(
        template, course=course, quiz=quiz, question=question, data=data, problems=problems or {},
        version=quiz.version if version is None else version, max_choices=MAX_CHOICES, limits=limits(),
        **context), status


def _pictures_dropped(data: course_checks.QuestionInput, sent: course_checks.QuestionInput,
                      chosen: dict, problems: dict[str, str]) -> None:
    """After a refusal rolled the uploads back: put back the pictures the form had before, and
    ask again, at each field, for the files chosen (nothing of a refused form is stored)."""
    data.image = sent.image
    for choice, before in zip(data.choices, sent.choices):
        choice.image = before.image
    again = _("Choose the picture again: the question was not saved, so the picture was not kept.")
    for key in chosen:
        problems[key] = f"{problems[key]} {again}" if key in problems else again


def _question_post(course: Course, quiz: Quiz, question: Question | None, kind: str):
    form = QuestionForm(kind=kind, pictures=(m.path for m in uploads.pictures(course)))
    data, sent, chosen = form.question_input(), form.question_input(), form.uploads()
    if not form.version.raw_data:
        abort(400)  # not sent by the editor page, which always carries the quiz version
    if not form.validate_on_submit():
        problems = form.problems()
        _pictures_dropped(data, sent, chosen, problems)
        return _question_page(course, quiz, question, data, problems, status=422)
    # Uploads live and die with this request's transaction: a refusal below rolls back
    # (undo), which deletes the files they stored along with their rows.
    problems = uploads.store_question_pictures(db.session, course, data, chosen, storage())
    stored = {key: upload for key, upload in chosen.items() if key not in problems}
    version = form.expected_version
    if form.edit_choices(data):
        # "Add a choice" or "Remove": not a save and not a refusal. The form shown again
        # refers to the pictures that did upload, so they are kept.
        db.session.commit()
        return _question_page(course, quiz, question, data, problems, version=version)
    problems.update(course_checks.question_problems(data))
    if problems:
        undo()
        course, quiz, question = _reloaded(quiz, question)
        _pictures_dropped(data, sent, stored, problems)
        return _question_page(course, quiz, question, data, problems, status=422, version=version)
    try:
        saved = authoring.save_question(db.session, quiz, question, current_user.id, data, version)
    except course_checks.VersionConflict:
        undo()
        course, quiz, question = _reloaded(quiz, question)
        _pictures_dropped(data, sent, stored, {})
        return _question_page(course, quiz, question, data, status=409,
                              template="author/question_conflict.html", yours=data,
                              theirs=course_checks.question_input(question) if question else None)
    except course_checks.BreaksLiveCourse as exc:
        undo(_("This course is published, so the change was not saved."))
        course, quiz, question = _reloaded(quiz, question)
        problems = {"course": " ".join(exc.args[0])}
        _pictures_dropped(data, sent, stored, problems)
        return _question_page(course, quiz, question, data, problems, status=422, version=version)
    return done(_("Question saved."), url_for("author.quiz", quiz_id=quiz.id) + f"#question-{saved.id}")


def _reloaded(quiz: Quiz, question: Question | None) -> tuple[Course, Quiz, Question | None]:
    """The course, quiz and question as saved, read again after a rollback."""
    course, quiz = load_quiz(quiz.id)
    return course, quiz, next((q for q in quiz.questions if question and q.id == question.id), None)


@bp.route("/quizzes/<int:quiz_id>/questions/new", methods=["GET", "POST"])
def new_question(quiz_id: int):
    course, quiz = load_quiz(quiz_id)
    kind = request.args.get("kind", "")
    ensure(kind in {k.value for k in QuestionKind}, 404)
    if request.method == "POST":
        return _question_post(course, quiz, None, kind)
    return _question_page(course, quiz, None, course_checks.new_question_input(kind))


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
def edit_question(question_id: int):
    course, quiz, question = load_question(question_id)
    if request.method == "POST":
        return _question_post(course, quiz, question, question.kind)
    return _question_page(course, quiz, question, course_checks.question_input(question))


@bp.route("/questions/<int:question_id>/move", methods=["POST"])
def move_question(question_id: int):
    course, quiz, question = load_question(question_id)
    if authoring.move_question(db.session, question, current_user.id, MoveForm().direction.data or ""):
        db.session.commit()
    return redirect(url_for("author.quiz", quiz_id=quiz.id) + f"#question-{question.id}")


@bp.route("/questions/<int:question_id>/delete", methods=["GET", "POST"])
def delete_question(question_id: int):
    course, quiz, question = load_question(question_id)
    cancel, form = url_for("author.quiz", quiz_id=quiz.id), ConfirmForm()
    try:
        page = deleted_or_page(
            form, course, question.prompt, authoring.question_history(db.session, question), cancel,
            lambda: authoring.delete_question(db.session, question, current_user.id, form.expected_version),
            version=quiz.version)
    except course_checks.VersionConflict:
        undo(_("Someone else changed this quiz in the meantime. Check the question again "
               "before deleting it."))
        return redirect(cancel)
    if page is not None:
        return page
    audit_event("question.delete", "question", question_id, course=course.slug, quiz=quiz.title)
    return done(_("Question deleted."), cancel)
