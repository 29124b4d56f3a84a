"""The learner's journey: catalogue, course page, lessons and "My learning"."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..httpcache import learner_page
from ..i18n import course_language
from ..models import Course, Enrollment, Level
from ..pages import load_course, load_course_and_state, locked_page, safe_next, step_url
from ..policy import can_learn, ensure
from ..services.learning import catalogue as catalogue_listing, offline, progress
from ..services.learning.learner_read import CourseOutline, LessonOutline
from .forms import CompleteForm

bp = Blueprint("learn", __name__)


@bp.route("/")
def home():
    if current_user.is_authenticated:
        return my_learning()
    return catalogue()


@bp.route("/courses")
def catalogue():
    """The published courses in the interface language (the other one behind a link), in
    catalogue order: level, the position the course files declare, title."""
    level = request.args.get("level", "")
    found = catalogue_listing.listing(db.session, current_user.id if current_user.is_authenticated else None,
                                      request.args.get("language", ""), level, course_language())
    other = "en" if course_language() == "zh" else "zh"
    page_state = ("catalogue", found.language, level, tuple((c.id, c.content_version) for c in found.courses),
                  tuple(sorted(found.percents.items())))
    return learner_page("learn/catalogue.html", page_state, lambda: dict(
        courses=found.courses, percents=found.percents, covers=found.covers, language=found.language,
        interface_language=course_language(), other_language=other, level=level, levels=list(Level)))


@bp.route("/me")
@login_required
def my_learning():
    rows = db.session.execute(
        select(Enrollment, Course)
        .join(Course, Enrollment.course_id == Course.id)
        .where(Enrollment.user_id == current_user.id)
        .order_by(Enrollment.last_active_at.desc())
    ).all()
    in_progress = [(e, c) for e, c in rows if e.completed_at is None]
    completed = [(e, c) for e, c in rows if e.completed_at is not None]
    return render_template("learn/my_learning.html", in_progress=in_progress, completed=completed)


@bp.route("/courses/<slug>")
def course(slug: str):
    if current_user.is_authenticated:
        course, state = load_course_and_state(slug, current_user)
    else:
        course, state = load_course(slug, current_user), None
    enrolled = state is not None and state.enrollment is not None
    page_state = ("course", course_version(course), state.fingerprint() if state else None)
    return learner_page("learn/course.html", page_state, lambda: dict(
        course=course, state=state,
        next_url=step_url(course, state.next_step) if state else None,
        offline_size=offline.course_download_bytes(course) if enrolled else None,
    ))


@bp.route("/courses/<slug>/enrol", methods=["POST"])
@login_required
def enrol(slug: str):
    course = load_course(slug, current_user)
    ensure(can_learn(current_user, course))
    progress.enrol(db.session, current_user.id, course)
    db.session.commit()
    state = progress.load_state(db.session, current_user.id, course)
    return redirect(step_url(course, state.next_step))


@bp.route("/courses/<slug>/continue")
@login_required
def resume(slug: str):
    """Go to the next unfinished step of a course."""
    course, state = load_course_and_state(slug, current_user)
    if state.enrollment is None:
        return redirect(url_for("learn.course", slug=slug))
    return redirect(step_url(course, state.next_step))


def _lesson_or_404(course: CourseOutline, key: str) -> LessonOutline:
    lesson = next((l for l in course.lessons if l.key == key), None)
    if lesson is None:
        abort(404)
    return lesson


@bp.route("/courses/<slug>/lessons/<key>")
@login_required
def lesson(slug: str, key: str):
    course, state = load_course_and_state(slug, current_user)
    lesson = _lesson_or_404(course, key)
    ensure(can_learn(current_user, course))
    if state.enrollment is None:
        flash(_("Enrol in the course to start its lessons."), "info")
        return redirect(url_for("learn.course", slug=slug))
    step = state.lesson_step(lesson.id)
    if step.locked_by is not None:
        return locked_page(course, state, step)
    poster = next((m.url_path for m in course.media if m.path == lesson.image), None) if lesson.image else None
    page_state = ("lesson", lesson.id, course_version(course), state.fingerprint(), poster)
    return learner_page("learn/lesson.html", page_state, lambda: _lesson_context(course, lesson, state, poster))


def _lesson_context(course: CourseOutline, lesson: LessonOutline, state: progress.CourseState, poster: str | None) -> dict:
    """What the lesson template shows: worked out only when the page is rendered, not for
    a browser whose copy is current (a 304)."""
    steps = state.steps
    index = next(i for i, s in enumerate(steps) if s.kind == "lesson" and s.lesson.id == lesson.id)
    previous_step = steps[index - 1] if index > 0 else None
    following = steps[index + 1] if index + 1 < len(steps) else None
    done = lesson.id in state.lessons_done
    # The main button: the next right thing (this lesson's quiz, else the next open step).
    main_step = state.step_if_done(lesson)
    main_url = step_url(course, main_step)
    return dict(
        course=course, lesson=lesson, state=state,
        done=done, main_step=main_step, main_url=main_url,
        position=course.lessons.index(lesson) + 1,
        previous_url=step_url(course, previous_step) if previous_step else None,
        previous_step=previous_step,
        next_url=step_url(course, following) if following else None,
        next_step=following,
        video_size=offline.local_media_size(current_app.config["MEDIA_DIR"], lesson.video_url),
        video_poster=poster,
    )


def course_version(course: CourseOutline) -> tuple:
    """What a course page shows of the course itself: changes whenever its content does."""
    return (course.id, course.content_version)


@bp.route("/courses/<slug>/lessons/<key>/complete", methods=["POST"])
@login_required
def complete(slug: str, key: str):
    """Mark a lesson complete and go on: to the form's `next` (the page's main button), else
    to the lesson's quiz or the next step. A lesson still locked changes nothing."""
    course, state = load_course_and_state(slug, current_user)
    lesson = _lesson_or_404(course, key)
    ensure(can_learn(current_user, course))
    form = CompleteForm()
    step = state.lesson_step(lesson.id)
    if state.enrollment is not None and step.locked_by is not None:
        return locked_page(course, state, step)
    try:
        progress.complete_lesson(db.session, current_user.id, lesson)
    except progress.NotEnrolled:
        db.session.rollback()
        flash(_("Enrol in the course to start its lessons."), "info")
        return redirect(url_for("learn.course", slug=slug))
    db.session.commit()
    # The learner's state now is the one read above with this lesson done: no second read.
    state.lessons_done.add(lesson.id)
    if state.complete:
        flash(_("Congratulations! You have completed this course."), "success")
        return redirect(url_for("learn.course", slug=slug))
    flash(_("Lesson completed."), "success")
    return redirect(safe_next(form.next.data) or step_url(course, state.step_after_lesson(lesson)))
