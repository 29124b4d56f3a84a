"""The authoring studio: trainers build courses, lessons and quizzes in the browser.

The whole blueprint is for trainers and admins (guarded once); each view then checks
can_author(user, course), answering 404 for another centre's courses so their existence
stays hidden.
"""
import secrets
from types import SimpleNamespace

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from ..extensions import db
from ..models import Course, Lesson, Question, QuestionKind, Quiz, Role
from ..policy import authorable_courses, can_author, ensure, require_role
from ..services import audit, authoring, course_io, media, quizzes, scoring
from .forms import (
    CourseForm,
    DuplicateForm,
    ImportForm,
    LessonForm,
    NewCourseForm,
    NewQuizForm,
    QuizForm,
)

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
MAX_CHOICES = 12


@bp.app_context_processor
def studio_helpers():
    return {"kind_name": lambda kind: KIND_NAMES[kind]() if kind in KIND_NAMES else kind,
            "change_name": lambda action: CHANGE_NAMES[action]() if action in CHANGE_NAMES else action}


@bp.errorhandler(413)
def too_large(error):
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    flash(_("The file is too large: uploads may be at most %(mb)d MB.", mb=limit), "error")
    return render_template("errors/error.html", status=413), 413


# ---------------------------------------------------------------- loading and helpers


def _load_course(course_id: int) -> Course:
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


def _load_lesson(lesson_id: int) -> tuple[Course, Lesson]:
    lesson = db.session.get(Lesson, lesson_id)
    ensure(lesson is not None, 404)
    course = _load_course(lesson.course_id)
    return course, next(l for l in course.lessons if l.id == lesson_id)


def _load_quiz(quiz_id: int) -> tuple[Course, Quiz]:
    quiz = db.session.get(Quiz, quiz_id)
    ensure(quiz is not None, 404)
    course = _load_course(quiz.course_id)
    return course, next(q for q in course.quizzes if q.id == quiz_id)


def _load_question(question_id: int) -> tuple[Course, Quiz, Question]:
    question = db.session.get(Question, question_id)
    ensure(question is not None, 404)
    course, quiz = _load_quiz(question.quiz_id)
    return course, quiz, next(q for q in quiz.questions if q.id == question_id)


def _ip() -> str:
    return request.remote_addr or ""


def _version(raw) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        abort(400)


def _limits() -> dict:
    config = current_app.config
    return {
        "image_mb": config["AUTHOR_MAX_IMAGE_BYTES"] // (1024 * 1024),
        "video_mb": config["AUTHOR_MAX_VIDEO_BYTES"] // (1024 * 1024),
    }


def _media_message(error: media.MediaError, name: str) -> str:
    code = str(error)
    if code == "too-large":
        return _("“%(name)s” is too large: pictures may be at most %(mb)d MB.",
                 name=name, mb=_limits()["image_mb"])
    if code == "too-many-pixels":
        return _("“%(name)s” has too many pixels; please use a smaller photo.", name=name)
    if code == "svg-refused":
        return _("“%(name)s” is an SVG drawing; please upload a JPEG, PNG or WebP picture.", name=name)
    return _("“%(name)s” is not a picture this site can show (JPEG, PNG, WebP or GIF).", name=name)


def _store_image(course: Course, upload: FileStorage, stem: str) -> str:
    """Store an uploaded picture for a course; returns its path in the course (images/...).

    Pictures are checked by content; SVG uploads are refused (drawings can carry scripts).
    Raises media.MediaError.
    """
    data = upload.read(current_app.config["AUTHOR_MAX_IMAGE_BYTES"] + 1)
    checked = media.check_image(data, allow_svg=False, max_bytes=current_app.config["AUTHOR_MAX_IMAGE_BYTES"])
    path = f"images/{stem}-{secrets.token_hex(4)}{checked.extension}"
    course_io.store_media(db.session, course, path, data, current_app.config["MEDIA_DIR"], random_name=True)
    return path


def _has_file(upload) -> bool:
    return isinstance(upload, FileStorage) and bool(upload.filename)


def _unconfirmed(course: Course, thing: str, kept: authoring.History, cancel: str, **context):
    """The "Delete?" page with the learner history that will be kept, unless this request
    is the confirming POST (then None)."""
    if request.method == "POST" and request.form.get("confirm") == "yes":
        return None
    return render_template("author/confirm_delete.html", course=course, thing=thing,
                           history=kept, cancel=cancel, **context)


def _refused(course: Course, problems: list[str], template: str, status: int = 422, **context):
    """Undo a change that would break a published course, and say why."""
    db.session.rollback()
    flash(_("This course is published, so the change was not saved: it would leave the "
            "problems listed below. Unpublish the course to work on it in steps."), "error")
    return render_template(template, course=course, problems=problems, **context), status


# ---------------------------------------------------------------- courses


@bp.route("/")
def index():
    courses = db.session.scalars(
        authorable_courses(current_user).order_by(Course.updated_at.desc())
    ).all()
    return render_template("author/index.html", courses=courses)


@bp.route("/courses/new", methods=["GET", "POST"])
def new_course():
    form = NewCourseForm()
    if form.validate_on_submit():
        course = authoring.create_course(
            db.session, current_user, form.title.data, form.language.data, form.level.data,
            form.summary.data or "", form.slug.data or "")
        if not _apply_cover(course, form):
            db.session.rollback()
            return render_template("author/new_course.html", form=form), 422
        db.session.commit()
        flash(_("Course created as a draft. Add its first lesson."), "success")
        return redirect(url_for("author.course", course_id=course.id))
    return render_template("author/new_course.html", form=form), 422 if form.errors else 200


def _apply_cover(course: Course, form: CourseForm) -> bool:
    """Store an uploaded cover picture; False (with a message at the field) when refused."""
    if _has_file(form.cover.data):
        try:
            course.cover_image = _store_image(course, form.cover.data, "cover")
        except media.MediaError as exc:
            form.cover.errors = [_media_message(exc, form.cover.data.filename)]
            return False
    if course.cover_image and not (form.cover_alt.data or "").strip():
        form.cover_alt.errors = [_("Describe the cover picture in a few words.")]
        return False
    course.cover_alt = (form.cover_alt.data or "").strip() or None
    return True


def _course_page(course: Course, form: CourseForm | None = None, problems=None, status: int = 200):
    form = form or CourseForm(obj=course)
    return render_template(
        "author/course.html", course=course, form=form,
        problems=problems if problems is not None else authoring.course_problems(course),
        counts=authoring.result_counts(db.session, course),
        quiz_form=NewQuizForm(formdata=None, data={"title": _("Final exam")}),
    ), status


@bp.route("/courses/<int:course_id>", methods=["GET", "POST"])
def course(course_id: int):
    course = _load_course(course_id)
    if request.method == "GET":
        return _course_page(course)
    form = CourseForm()
    if not form.validate_on_submit():
        return _course_page(course, form, status=422)
    course.title = form.title.data.strip()
    course.summary = (form.summary.data or "").strip()
    course.language = form.language.data
    course.level = form.level.data
    if not _apply_cover(course, form):
        db.session.rollback()
        return _course_page(_load_course(course_id), form, status=422)
    authoring.log_change(db.session, course, current_user.id, "course.edit", course.title)
    try:
        authoring.check_live(db.session, course)
    except authoring.NotAllowed as exc:
        db.session.rollback()
        flash(_("This course is published, so the change was not saved."), "error")
        return _course_page(_load_course(course_id), form, exc.args[0], status=422)
    db.session.commit()
    flash(_("Course details saved."), "success")
    return redirect(url_for("author.course", course_id=course.id))


@bp.route("/courses/<int:course_id>/publish", methods=["POST"])
def publish(course_id: int):
    course = _load_course(course_id)
    problems = authoring.publish(db.session, course, current_user.id)
    if problems:
        db.session.rollback()
        flash(_("The course cannot be published yet. Fix the problems listed below."), "error")
        return _course_page(_load_course(course_id), problems=problems, status=422)
    audit.record(db.session, "course.publish", current_user.id, "course", course.id,
                 ip_address=_ip(), slug=course.slug)
    db.session.commit()
    flash(_("The course is published: learners can find it in the course list."), "success")
    return redirect(url_for("author.course", course_id=course.id))


@bp.route("/courses/<int:course_id>/unpublish", methods=["POST"])
def unpublish(course_id: int):
    course = _load_course(course_id)
    authoring.unpublish(db.session, course, current_user.id)
    audit.record(db.session, "course.unpublish", current_user.id, "course", course.id,
                 ip_address=_ip(), slug=course.slug)
    db.session.commit()
    flash(_("The course is a draft again: learners no longer see it."), "success")
    return redirect(url_for("author.course", course_id=course.id))


@bp.route("/courses/<int:course_id>/history")
def history(course_id: int):
    course = _load_course(course_id)
    return render_template("author/history.html", course=course,
                           changes=authoring.history(db.session, course))


# ---------------------------------------------------------------- lessons


def _text(value: str | None) -> str:
    """Textarea text with the browser's CRLF line ends made plain newlines."""
    return (value or "").replace("\r\n", "\n")


def _lesson_input(form: LessonForm) -> authoring.LessonInput:
    return authoring.LessonInput(form.title.data or "", _text(form.body_md.data),
                                 form.minutes.data or 5, (form.video_url.data or "").strip() or None)


def _lesson_page(course: Course, lesson: Lesson | None, form: LessonForm, preview=None,
                 status: int = 200, problems=None):
    images = [m for m in course.media if m.content_type.startswith("image/")]
    return render_template("author/lesson.html", course=course, lesson=lesson, form=form,
                           preview=preview, images=images, problems=problems or [],
                           limits=_limits()), status


def _handle_lesson_uploads(course: Course, form: LessonForm) -> bool:
    """"Add this picture" and "Upload video" buttons: store the file and put it into the
    form (not saved yet). Returns True when the request was one of those buttons."""
    action = request.form.get("action")
    if action == "upload_image":
        if not _has_file(form.image.data):
            form.image.errors = [_("Choose a picture first.")]
            return True
        alt = (form.image_alt.data or "").strip()
        if not alt:
            form.image_alt.errors = [_("Describe the picture in a few words for learners who cannot see it.")]
            return True
        try:
            path = _store_image(course, form.image.data, "picture")
        except media.MediaError as exc:
            form.image.errors = [_media_message(exc, form.image.data.filename)]
            return True
        db.session.commit()
        alt_text = alt.replace("[", "(").replace("]", ")")
        body = _text(form.body_md.data)
        picture = f"![{alt_text}]({path})"
        # static/js/author.js sends where the cursor was; without it the picture goes last.
        cursor = request.form.get("cursor", "")
        if cursor.isdigit() and int(cursor) <= len(body):
            before, after = body[:int(cursor)].rstrip("\n"), body[int(cursor):].lstrip("\n")
            form.body_md.data = "\n\n".join(part for part in (before, picture, after) if part)
            flash(_("Picture added where your cursor was. Save the lesson to keep it."), "success")
        else:
            form.body_md.data = body.rstrip() + f"\n\n{picture}\n"
            flash(_("Picture added at the end of the lesson text. Move the line where you want it, "
                    "then save the lesson."), "success")
        form.image_alt.data = ""
        return True
    if action == "upload_video":
        if not _has_file(form.video.data):
            form.video.errors = [_("Choose a video file first.")]
            return True
        limit = current_app.config["AUTHOR_MAX_VIDEO_BYTES"]
        data = form.video.data.read(limit + 1)
        try:
            media.check_video(data, limit)
        except media.MediaError as exc:
            form.video.errors = [
                _("The video is too large: at most %(mb)d MB.", mb=_limits()["video_mb"])
                if str(exc) == "too-large" else _("This file is not an MP4 or WebM video.")]
            return True
        # Stored under a random name, the file is deleted if the commit does not happen.
        item = course_io.store_media(
            db.session, course, f"videos/{secrets.token_hex(6)}{media.check_video(data, limit)[1]}",
            data, current_app.config["MEDIA_DIR"], random_name=True, max_video_bytes=limit)
        db.session.commit()
        form.video_url.data = item.url_path
        flash(_("Video uploaded. Save the lesson to attach it."), "success")
        return True
    return False


def _preview(course: Course, form: LessonForm):
    """The unsaved lesson rendered exactly as learners will see it."""
    return SimpleNamespace(title=form.title.data or "", minutes=form.minutes.data or 5,
                           video_url=form.video_url.data or None,
                           body_html=course_io.render_body(course, form.body_md.data or ""))


@bp.route("/courses/<int:course_id>/lessons/new", methods=["GET", "POST"])
def new_lesson(course_id: int):
    course = _load_course(course_id)
    form = LessonForm()
    if request.method == "GET" or _handle_lesson_uploads(course, form):
        return _lesson_page(course, None, form)
    if not form.validate_on_submit():
        return _lesson_page(course, None, form, status=422)
    if request.form.get("action") == "preview":
        return _lesson_page(course, None, form, preview=_preview(course, form))
    lesson = authoring.add_lesson(db.session, course, current_user.id, _lesson_input(form))
    try:
        authoring.check_live(db.session, course)
    except authoring.NotAllowed as exc:
        db.session.rollback()
        course = _load_course(course_id)
        flash(_("This course is published, so the lesson was not added."), "error")
        return _lesson_page(course, None, form, status=422, problems=exc.args[0])
    db.session.commit()
    flash(_("Lesson saved."), "success")
    return redirect(url_for("author.course", course_id=course.id) + f"#lesson-{lesson.id}")


@bp.route("/lessons/<int:lesson_id>", methods=["GET", "POST"])
def edit_lesson(lesson_id: int):
    course, lesson = _load_lesson(lesson_id)
    if request.method == "GET":
        return _lesson_page(course, lesson, LessonForm(obj=lesson))
    form = LessonForm()
    if _handle_lesson_uploads(course, form):
        return _lesson_page(course, lesson, form)
    if not form.validate_on_submit():
        return _lesson_page(course, lesson, form, status=422)
    if request.form.get("action") == "preview":
        return _lesson_page(course, lesson, form, preview=_preview(course, form))
    expected = _version(form.version.data)
    try:
        authoring.save_lesson(db.session, lesson, current_user.id, _lesson_input(form), expected)
        authoring.check_live(db.session, course)
    except authoring.VersionConflict:
        db.session.rollback()
        course, lesson = _load_lesson(lesson_id)
        form.version.data = lesson.version
        return render_template("author/conflict.html", course=course, lesson=lesson, form=form,
                               theirs=lesson.body_md, theirs_title=lesson.title,
                               yours=form.body_md.data, yours_title=form.title.data), 409
    except authoring.NotAllowed as exc:
        db.session.rollback()
        course, lesson = _load_lesson(lesson_id)
        flash(_("This course is published, so the change was not saved."), "error")
        return _lesson_page(course, lesson, form, status=422, problems=exc.args[0])
    db.session.commit()
    flash(_("Lesson saved."), "success")
    return redirect(url_for("author.edit_lesson", lesson_id=lesson.id))


@bp.route("/lessons/<int:lesson_id>/preview")
def preview_lesson(lesson_id: int):
    """The saved lesson as learners see it; nothing is recorded."""
    course, lesson = _load_lesson(lesson_id)
    return render_template("author/preview_lesson.html", course=course, lesson=lesson,
                           position=course.lessons.index(lesson) + 1)


@bp.route("/lessons/<int:lesson_id>/move", methods=["POST"])
def move_lesson(lesson_id: int):
    course, lesson = _load_lesson(lesson_id)
    if authoring.move(course.lessons, lesson, request.form.get("direction", "")):
        authoring.log_change(db.session, course, current_user.id, "lesson.move", lesson.title)
        db.session.commit()
    return redirect(url_for("author.course", course_id=course.id) + "#lessons")


@bp.route("/lessons/<int:lesson_id>/delete", methods=["GET", "POST"])
def delete_lesson(lesson_id: int):
    course, lesson = _load_lesson(lesson_id)
    kept = authoring.lesson_history(db.session, lesson)
    page = _unconfirmed(course, lesson.title, kept, url_for("author.course", course_id=course.id))
    if page is not None:
        return page
    title = lesson.title
    authoring.delete_lesson(db.session, lesson, current_user.id)
    try:
        authoring.check_live(db.session, course)
    except authoring.NotAllowed as exc:
        return _refused(course, exc.args[0], "author/confirm_delete.html", thing=title,
                        history=kept, cancel=url_for("author.course", course_id=course.id))
    audit.record(db.session, "lesson.delete", current_user.id, "lesson", lesson_id,
                 ip_address=_ip(), course=course.slug, title=title)
    db.session.commit()
    flash(_("Lesson deleted."), "success")
    return redirect(url_for("author.course", course_id=course.id))


# ---------------------------------------------------------------- quizzes


@bp.route("/lessons/<int:lesson_id>/quiz", methods=["POST"])
def add_lesson_quiz(lesson_id: int):
    course, lesson = _load_lesson(lesson_id)
    return _add_quiz(course, lesson, request.form.get("title") or _("Quiz: %(title)s", title=lesson.title))


@bp.route("/courses/<int:course_id>/final-exam", methods=["POST"])
def add_final_exam(course_id: int):
    course = _load_course(course_id)
    form = NewQuizForm()
    return _add_quiz(course, None, form.title.data or _("Final exam"))


def _add_quiz(course: Course, lesson: Lesson | None, title: str):
    try:
        quiz = authoring.add_quiz(db.session, course, current_user.id, title[:200], lesson)
        authoring.check_live(db.session, course)
    except authoring.NotAllowed as exc:
        db.session.rollback()
        flash(" ".join([_("The quiz was not added.")] + list(exc.args[0][:1]) + (
            [_("A published course cannot have a quiz without questions: unpublish it first, "
               "add the quiz and its questions, then publish again.")] if course.is_published else [])),
              "error")
        return redirect(url_for("author.course", course_id=course.id))
    db.session.commit()
    flash(_("Quiz added. Now add its questions."), "success")
    return redirect(url_for("author.quiz", quiz_id=quiz.id))


@bp.route("/quizzes/<int:quiz_id>", methods=["GET", "POST"])
def quiz(quiz_id: int):
    course, quiz = _load_quiz(quiz_id)
    form = QuizForm(obj=quiz) if request.method == "GET" else QuizForm()
    if request.method == "POST" and form.validate_on_submit():
        settings = authoring.QuizSettings(form.title.data, form.pass_mark.data,
                                          form.max_attempts.data or 0, form.shuffle.data)
        try:
            authoring.save_quiz_settings(db.session, quiz, current_user.id, settings,
                                         _version(form.version.data))
        except authoring.VersionConflict:
            db.session.rollback()
            flash(_("Someone else changed this quiz while you were editing it. Their version is "
                    "shown below; make your change again."), "error")
            return redirect(url_for("author.quiz", quiz_id=quiz_id))
        db.session.commit()
        flash(_("Quiz settings saved."), "success")
        return redirect(url_for("author.quiz", quiz_id=quiz.id))
    return render_template("author/quiz.html", course=course, quiz=quiz, form=form,
                           kinds=list(QuestionKind)), 422 if form.errors else 200


@bp.route("/quizzes/<int:quiz_id>/delete", methods=["GET", "POST"])
def delete_quiz(quiz_id: int):
    course, quiz = _load_quiz(quiz_id)
    kept = authoring.quiz_history(db.session, quiz)
    page = _unconfirmed(course, quiz.title, kept, url_for("author.quiz", quiz_id=quiz.id))
    if page is not None:
        return page
    title = quiz.title
    authoring.delete_quiz(db.session, quiz, current_user.id)
    audit.record(db.session, "quiz.delete", current_user.id, "quiz", quiz_id,
                 ip_address=_ip(), course=course.slug, title=title)
    db.session.commit()
    flash(_("Quiz deleted."), "success")
    return redirect(url_for("author.course", course_id=course.id))


@bp.route("/quizzes/<int:quiz_id>/preview", methods=["GET", "POST"])
def preview_quiz(quiz_id: int):
    """Take a quiz as a learner would; the answers are graded and shown, never recorded."""
    course, quiz = _load_quiz(quiz_id)
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


def read_question(course: Course, kind: str) -> tuple[authoring.QuestionInput, dict[str, str]]:
    """The question as submitted, with uploaded pictures stored; upload problems by field."""
    form, files = request.form, request.files
    problems: dict[str, str] = {}
    data = authoring.QuestionInput(
        kind=kind, prompt=form.get("prompt", "")[:5000], explanation=form.get("explanation", "")[:5000],
        image=form.get("image") or None, image_alt=form.get("image_alt", "")[:300],
    )
    if form.get("remove_image"):
        data.image = None

    def upload(field: str, problem_key: str) -> str | None:
        if not _has_file(files.get(field)):
            return None
        try:
            return _store_image(course, files[field], "question")
        except media.MediaError as exc:
            problems[problem_key] = _media_message(exc, files[field].filename)
            return None

    data.image = upload("image_file", "image") or data.image
    count = min(_version(form.get("choice_count", "0")), MAX_CHOICES)
    for i in range(count):
        choice = authoring.ChoiceInput(
            text=form.get(f"choice-{i}-text", "")[:1000],
            correct=(form.get("correct") == str(i)) if kind == QuestionKind.SINGLE
            else bool(form.get(f"choice-{i}-correct")),
            image=None if form.get(f"choice-{i}-remove_image") else (form.get(f"choice-{i}-image") or None),
            image_alt=form.get(f"choice-{i}-image_alt", "")[:300],
        )
        choice.image = upload(f"choice-{i}-image_file", f"choice-{i}") or choice.image
        data.choices.append(choice)
    answer = form.get("answer")
    data.answer = {"true": True, "false": False}.get(answer or "")
    data.accepted = [line.strip()[:200] for line in form.get("accepted", "").splitlines() if line.strip()]
    return data, problems


def _question_page(course, quiz, question, data, problems=None, status=200, version=None):
    return render_template(
        "author/question.html", course=course, quiz=quiz, question=question, data=data,
        problems=problems or {}, version=quiz.version if version is None else version,
        max_choices=MAX_CHOICES, limits=_limits(),
    ), status


def _question_post(course: Course, quiz: Quiz, question: Question | None, kind: str):
    data, problems = read_question(course, kind)
    # Keep the pictures that did upload, whatever happens to the question: the form shown
    # again (with problems, a conflict or a refusal) refers to them.
    db.session.commit()
    version = _version(request.form.get("version"))
    action = request.form.get("action", "save")
    if action == "add_choice":
        if len(data.choices) < MAX_CHOICES:
            data.choices.append(authoring.ChoiceInput())
        db.session.commit()
        return _question_page(course, quiz, question, data, problems, version=version)
    if action.startswith("remove_choice-"):
        index = _version(action.rsplit("-", 1)[1])
        if 0 <= index < len(data.choices):
            data.choices.pop(index)
        db.session.commit()
        return _question_page(course, quiz, question, data, problems, version=version)
    problems.update(authoring.question_problems(data))
    if problems:
        db.session.commit()
        return _question_page(course, quiz, question, data, problems, status=422, version=version)
    try:
        saved = authoring.save_question(db.session, quiz, question, current_user.id, data, version)
        authoring.check_live(db.session, course)
    except authoring.VersionConflict:
        db.session.rollback()
        course, quiz = _load_quiz(quiz.id)
        current = next((q for q in quiz.questions if question and q.id == question.id), None)
        return render_template(
            "author/question_conflict.html", course=course, quiz=quiz, question=current,
            theirs=authoring.question_input(current) if current else None, yours=data,
            data=data, problems={}, version=quiz.version, max_choices=MAX_CHOICES,
            limits=_limits()), 409
    except authoring.NotAllowed as exc:
        db.session.rollback()
        course, quiz = _load_quiz(quiz.id)
        flash(_("This course is published, so the change was not saved."), "error")
        return _question_page(course, quiz, question, data, {"course": " ".join(exc.args[0])},
                              status=422, version=version)
    db.session.commit()
    flash(_("Question saved."), "success")
    return redirect(url_for("author.quiz", quiz_id=quiz.id) + f"#question-{saved.id}")


@bp.route("/quizzes/<int:quiz_id>/questions/new", methods=["GET", "POST"])
def new_question(quiz_id: int):
    course, quiz = _load_quiz(quiz_id)
    kind = request.values.get("kind", "")
    ensure(kind in {k.value for k in QuestionKind}, 404)
    if request.method == "POST":
        return _question_post(course, quiz, None, kind)
    data = authoring.QuestionInput(kind=kind)
    if kind in authoring.CHOICE_KINDS:
        data.choices = [authoring.ChoiceInput() for _n in range(3)]
    return _question_page(course, quiz, None, data)


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
def edit_question(question_id: int):
    course, quiz, question = _load_question(question_id)
    if request.method == "POST":
        return _question_post(course, quiz, question, question.kind)
    return _question_page(course, quiz, question, authoring.question_input(question))


@bp.route("/questions/<int:question_id>/move", methods=["POST"])
def move_question(question_id: int):
    course, quiz, question = _load_question(question_id)
    if authoring.move(quiz.questions, question, request.form.get("direction", "")):
        quiz.version += 1
        authoring.log_change(db.session, course, current_user.id, "question.move", question.prompt[:120])
        db.session.commit()
    return redirect(url_for("author.quiz", quiz_id=quiz.id) + f"#question-{question.id}")


@bp.route("/questions/<int:question_id>/delete", methods=["GET", "POST"])
def delete_question(question_id: int):
    course, quiz, question = _load_question(question_id)
    kept = authoring.question_history(db.session, question)
    cancel = url_for("author.quiz", quiz_id=quiz.id)
    page = _unconfirmed(course, question.prompt, kept, cancel, version=quiz.version)
    if page is not None:
        return page
    try:
        authoring.delete_question(db.session, question, current_user.id,
                                  _version(request.form.get("version")))
        authoring.check_live(db.session, course)
    except authoring.VersionConflict:
        db.session.rollback()
        flash(_("Someone else changed this quiz in the meantime. Check the question again "
                "before deleting it."), "error")
        return redirect(cancel)
    except authoring.NotAllowed as exc:
        return _refused(course, exc.args[0], "author/confirm_delete.html", thing=question.prompt,
                        history=kept, cancel=cancel, version=quiz.version)
    audit.record(db.session, "question.delete", current_user.id, "question", question_id,
                 ip_address=_ip(), course=course.slug, quiz=quiz.title)
    db.session.commit()
    flash(_("Question deleted."), "success")
    return redirect(cancel)


# ---------------------------------------------------------------- exchange


@bp.route("/courses/<int:course_id>/export", methods=["POST"])
def export(course_id: int):
    course = _load_course(course_id)
    blob = authoring.export_zip(course, current_app.config["MEDIA_DIR"])
    audit.record(db.session, "course.export", current_user.id, "course", course.id,
                 ip_address=_ip(), slug=course.slug)
    authoring.log_change(db.session, course, current_user.id, "course.export", course.slug)
    db.session.commit()
    return Response(blob, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{course.slug}.zip"',
        "Cache-Control": "no-store",
    })


@bp.route("/import", methods=["GET", "POST"])
def import_course():
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("author/import.html", form=form, problems=[]), 422 if form.errors else 200
    limits = authoring.ZipLimits(current_app.config["AUTHOR_IMPORT_MAX_ENTRIES"],
                                 current_app.config["AUTHOR_IMPORT_MAX_BYTES"])
    blob = form.archive.data.read()
    try:
        with media.removed_on_failure():
            course, created = authoring.import_zip(
                db.session, blob, current_user, current_app.config["MEDIA_DIR"], limits,
                replace=form.replace.data, can_replace=lambda c: can_author(current_user, c))
            audit.record(db.session, "course.import", current_user.id, "course", course.id,
                         ip_address=_ip(), slug=course.slug, created=created)
            db.session.commit()
    except authoring.NotAllowed as exc:
        db.session.rollback()
        flash(_("Nothing was imported. Fix the problems listed below and try again."), "error")
        return render_template("author/import.html", form=form, problems=exc.args[0]), 422
    flash(_("Course imported as a draft.") if created else _("Course updated from the archive."), "success")
    return redirect(url_for("author.course", course_id=course.id))


@bp.route("/courses/<int:course_id>/duplicate", methods=["GET", "POST"])
def duplicate(course_id: int):
    course = _load_course(course_id)
    form = DuplicateForm(data={"title": course.title, "language": course.language}) \
        if request.method == "GET" else DuplicateForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            copy = authoring.duplicate(db.session, course, current_user, current_app.config["MEDIA_DIR"],
                                       form.title.data, form.language.data, form.slug.data or "")
        except authoring.NotAllowed as exc:
            db.session.rollback()
            problems = exc.args[0]
        else:
            db.session.commit()
            flash(_("Copy created as a draft."), "success")
            return redirect(url_for("author.course", course_id=copy.id))
    return render_template("author/duplicate.html", course=course, form=form, problems=problems), \
        422 if (form.errors or problems) else 200
