"""The authoring studio: trainers build courses, lessons and quizzes in the browser.

This module holds the course, lesson and exchange (.zip) views; quiz_views holds the quiz and
question views, on the same blueprint. Rules live in services.authoring: every content change
passes its check that a published course stays publishable.
"""
from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..models import Course, Lesson
from ..policy import authorable_courses, can_author
from ..services.authoring import archives, authoring, course_checks, media, uploads
from . import quiz_views  # noqa: F401  (registers the quiz and question views on bp)
from .common import audit_event, bp, deleted_or_page, done, limits, load_course, load_lesson, storage, undo
from .forms import (ConfirmForm, CourseForm, DuplicateForm, ImportForm, LessonForm, MoveForm, NewCourseForm,
                    NewQuizForm, upload)

__all__ = ["bp"]

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
        try:
            course = authoring.create_course(
                db.session, current_user, form.title.data, form.language.data, form.level.data,
                form.summary.data or "", form.slug.data or "", cover=upload(form.cover),
                cover_alt=form.cover_alt.data or "", storage=storage())
        except course_checks.MediaRefused as exc:
            undo()
            form.cover.errors = exc.args[0]
            return render_template("author/new_course.html", form=form), 422
        return done(_("Course created as a draft. Add its first lesson."),
                    url_for("author.course", course_id=course.id))
    return render_template("author/new_course.html", form=form), 422 if form.errors else 200


def _course_page(course: Course, form: CourseForm, problems=None, status: int = 200):
    return render_template(
        "author/course.html", course=course, form=form,
        problems=problems if problems is not None else course_checks.course_problems(course),
        counts=authoring.result_counts(db.session, course),
        quiz_form=NewQuizForm(formdata=None, data={"title": _("Final exam")}),
    ), status


@bp.route("/courses/<int:course_id>", methods=["GET", "POST"])
def course(course_id: int):
    course = load_course(course_id)
    form = CourseForm(obj=course if request.method == "GET" else None, current_cover=course.cover_image)
    if not form.validate_on_submit():
        return _course_page(course, form, status=422 if form.errors else 200)
    try:
        course.hours, course.standard = form.hours_value(), form.standard_value()
        course.sequential, course.position = form.order_values()
        authoring.save_course_details(db.session, course, current_user.id, form.details(),
                                      upload(form.cover), storage())
    except course_checks.MediaRefused as exc:
        undo()
        form.cover.errors = exc.args[0]
        return _course_page(load_course(course_id), form, status=422)
    except course_checks.BreaksLiveCourse as exc:
        undo(_("This course is published, so the change was not saved."))
        return _course_page(load_course(course_id), form, exc.args[0], status=422)
    return done(_("Course details saved."), url_for("author.course", course_id=course.id))


@bp.route("/courses/<int:course_id>/publish", methods=["POST"])
def publish(course_id: int):
    course = load_course(course_id)
    problems = authoring.publish(db.session, course, current_user.id)
    if problems:
        undo(_("The course cannot be published yet. Fix the problems listed below."))
        course = load_course(course_id)
        return _course_page(course, CourseForm(obj=course), problems=problems, status=422)
    audit_event("course.publish", "course", course.id, slug=course.slug)
    return done(_("The course is published: learners can find it in the course list."),
                url_for("author.course", course_id=course.id))


@bp.route("/courses/<int:course_id>/unpublish", methods=["POST"])
def unpublish(course_id: int):
    course = load_course(course_id)
    authoring.unpublish(db.session, course, current_user.id)
    audit_event("course.unpublish", "course", course.id, slug=course.slug)
    return done(_("The course is a draft again: learners no longer see it."),
                url_for("author.course", course_id=course.id))


@bp.route("/courses/<int:course_id>/history")
def history(course_id: int):
    course = load_course(course_id)
    return render_template("author/history.html", course=course,
                           changes=authoring.history(db.session, course))


# ---------------------------------------------------------------- lessons


def _lesson_page(course: Course, lesson: Lesson | None, form: LessonForm, preview=None,
                 status: int = 200, problems=None):
    return render_template("author/lesson.html", course=course, lesson=lesson, form=form,
                           preview=preview, images=uploads.pictures(course), problems=problems or [],
                           limits=limits()), status


def _lesson_upload(course: Course, form: LessonForm) -> None:
    """"Upload and add the picture" and "Upload the video": store the file and put it into the
    form, which is shown again (not saved yet)."""
    if not form.upload_ready():
        return
    try:
        if form.action.data == "upload_video":
            form.video_url.data = uploads.store_video(db.session, course, upload(form.video), storage())
        else:
            at_cursor = form.add_picture(
                uploads.store_picture(db.session, course, upload(form.image), "picture", storage()))
    except course_checks.MediaRefused as exc:
        (form.video if form.action.data == "upload_video" else form.image).errors = exc.args[0]
        return
    db.session.commit()
    if form.action.data == "upload_video":
        flash(_("Video uploaded. Save the lesson to attach it."), "success")
    elif at_cursor:
        flash(_("Picture added where your cursor was. Save the lesson to keep it."), "success")
    else:
        flash(_("Picture added at the end of the lesson text. Move the line where you want it, "
                "then save the lesson."), "success")


def _lesson_editor(course: Course, lesson: Lesson | None, form: LessonForm):
    """The lesson page for an upload, an invalid form or a preview; None when the form is to be saved."""
    if form.uploading:
        _lesson_upload(course, form)
        return _lesson_page(course, lesson, form)
    if not form.validate_on_submit():
        return _lesson_page(course, lesson, form, status=422 if form.errors else 200)
    if form.action.data == "preview":
        preview = authoring.preview_lesson(course, form.lesson_input())
        return _lesson_page(course, lesson, form, preview=preview)
    return None


@bp.route("/courses/<int:course_id>/lessons/new", methods=["GET", "POST"])
def new_lesson(course_id: int):
    course = load_course(course_id)
    form = LessonForm()
    if (page := _lesson_editor(course, None, form)) is not None:
        return page
    try:
        lesson = authoring.add_lesson(db.session, course, current_user.id, form.lesson_input())
    except course_checks.BreaksLiveCourse as exc:
        undo(_("This course is published, so the lesson was not added."))
        return _lesson_page(load_course(course_id), None, form, status=422, problems=exc.args[0])
    return done(_("Lesson saved."), url_for("author.course", course_id=course.id) + f"#lesson-{lesson.id}")


@bp.route("/lessons/<int:lesson_id>", methods=["GET", "POST"])
def edit_lesson(lesson_id: int):
    course, lesson = load_lesson(lesson_id)
    form = LessonForm(obj=lesson if request.method == "GET" else None)
    if (page := _lesson_editor(course, lesson, form)) is not None:
        return page
    try:
        authoring.save_lesson(db.session, lesson, current_user.id, form.lesson_input(), form.expected_version)
    except course_checks.VersionConflict:
        undo()
        course, lesson = load_lesson(lesson_id)
        form.version.data = lesson.version
        return render_template("author/conflict.html", course=course, lesson=lesson, form=form,
                               theirs=lesson.body_md, theirs_title=lesson.title,
                               yours=form.body_md.data, yours_title=form.title.data), 409
    except course_checks.BreaksLiveCourse as exc:
        undo(_("This course is published, so the change was not saved."))
        course, lesson = load_lesson(lesson_id)
        return _lesson_page(course, lesson, form, status=422, problems=exc.args[0])
    return done(_("Lesson saved."), url_for("author.edit_lesson", lesson_id=lesson.id))


@bp.route("/lessons/<int:lesson_id>/preview")
def preview_lesson(lesson_id: int):
    """The saved lesson as learners see it; nothing is recorded."""
    course, lesson = load_lesson(lesson_id)
    return render_template("author/preview_lesson.html", course=course, lesson=lesson,
                           position=course.lessons.index(lesson) + 1)


@bp.route("/lessons/<int:lesson_id>/move", methods=["POST"])
def move_lesson(lesson_id: int):
    course, lesson = load_lesson(lesson_id)
    if authoring.move_lesson(db.session, lesson, current_user.id, MoveForm().direction.data or ""):
        db.session.commit()
    return redirect(url_for("author.course", course_id=course.id) + "#lessons")


@bp.route("/lessons/<int:lesson_id>/delete", methods=["GET", "POST"])
def delete_lesson(lesson_id: int):
    course, lesson = load_lesson(lesson_id)
    title, cancel = lesson.title, url_for("author.course", course_id=course.id)
    page = deleted_or_page(ConfirmForm(), course, title, authoring.lesson_history(db.session, lesson), cancel,
                           lambda: authoring.delete_lesson(db.session, lesson, current_user.id))
    if page is not None:
        return page
    audit_event("lesson.delete", "lesson", lesson_id, course=course.slug, title=title)
    return done(_("Lesson deleted."), cancel)


# ---------------------------------------------------------------- exchange


@bp.route("/courses/<int:course_id>/export", methods=["POST"])
def export(course_id: int):
    course = load_course(course_id)
    blob = archives.export_zip(course, current_app.config["MEDIA_DIR"])
    audit_event("course.export", "course", course.id, slug=course.slug)
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
    zip_limits = archives.ZipLimits(current_app.config["AUTHOR_IMPORT_MAX_ENTRIES"],
                                     current_app.config["AUTHOR_IMPORT_MAX_BYTES"])
    try:
        with media.removed_on_failure():
            course, created = archives.import_zip(
                db.session, form.archive.data.stream, current_user, current_app.config["MEDIA_DIR"],
                zip_limits, replace=form.replace.data, can_replace=lambda c: can_author(current_user, c))
            audit_event("course.import", "course", course.id, slug=course.slug, created=created)
            db.session.commit()
    except course_checks.NotAllowed as exc:
        undo(_("Nothing was imported. Fix the problems listed below and try again."))
        return render_template("author/import.html", form=form, problems=exc.args[0]), 422
    flash(_("Course imported as a draft.") if created else _("Course updated from the archive."), "success")
    return redirect(url_for("author.course", course_id=course.id))


@bp.route("/courses/<int:course_id>/duplicate", methods=["GET", "POST"])
def duplicate(course_id: int):
    course = load_course(course_id)
    form = DuplicateForm(data={"title": course.title, "language": course.language}
                         if request.method == "GET" else None)
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            copy = archives.duplicate(db.session, course, current_user, current_app.config["MEDIA_DIR"],
                                       form.title.data, form.language.data, form.slug.data or "")
        except course_checks.NotAllowed as exc:
            undo()
            problems = exc.args[0]
        else:
            return done(_("Copy created as a draft."), url_for("author.course", course_id=copy.id))
    return render_template("author/duplicate.html", course=course, form=form, problems=problems), \
        422 if (form.errors or problems) else 200
