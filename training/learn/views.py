"""The learner's journey: catalogue, course page, lessons and "My learning"."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import reads
from ..auth import signed_in
from ..extensions import db
from ..i18n import course_language
from ..lru import per_app
from ..models import Course, Enrollment, Lesson, Level
from ..pagecache import learner_page
from ..policy import can_learn, can_view_course, ensure
from ..services import catalogue as catalogue_listing, offline, progress
from ..services.course_cache import DEFAULT_SIZE, CourseCache

bp = Blueprint("learn", __name__)
# The learner's pages about one course: their state in it is read with the user (auth/signed_in.py).
signed_in.COURSE_STATE_PAGES.update({"learn.course", "learn.resume", "learn.lesson"})


def load_course(slug: str) -> Course:
    """A course with everything in it, or 404 (drafts too, for those who may not see them).

    The process's cached copy, current to the last change (services/course_cache.py), in one
    small query. It is shared by the process's requests: views read it and record progress by
    ids, never change it or attach new objects to it."""
    return _visible(course_cache().get(db.session, slug, db.session.session_factory), current_user)


def load_course_and_state(slug: str, user) -> tuple[Course, progress.CourseState]:
    """load_course() and the signed-in `user`'s state in it, in one query (on the request's
    reads connection: callers read this before they write anything), or none on the pages
    that read it with the user (signed_in.COURSE_STATE_PAGES)."""
    rows = signed_in.state_read_with_user(user.id, slug)
    if rows is None:
        stamp, rows = progress.load_stamp_and_state(reads.connection(), user.id, slug)
    else:
        stamp, rows = progress.split_stamp(rows)
    if stamp is None:
        abort(404)
    course = _visible(course_cache().get(db.session, slug, db.session.session_factory, stamp=stamp), user)
    return course, progress.state_from_rows(course, rows)


def _visible(course: Course | None, user) -> Course:
    if course is None or not can_view_course(user, course):
        abort(404)
    return course


def course_cache() -> CourseCache:
    return per_app("course_cache",
                   lambda: CourseCache(current_app.config.get("COURSE_CACHE_SIZE") or DEFAULT_SIZE))


def step_url(course: Course, step: progress.Step | None) -> str:
    if step is None:
        return url_for("learn.course", slug=course.slug)
    if step.kind == "lesson":
        return url_for("learn.lesson", slug=course.slug, key=step.lesson.key)
    return url_for("quiz.take", slug=course.slug, quiz_id=step.quiz.id)


@bp.route("/")
def home():
    if current_user.is_authenticated:
        return my_learning()
    return catalogue()


@bp.route("/courses")
def catalogue():
    language = request.args.get("language", "")
    level = request.args.get("level", "")
    user = current_user._get_current_object()
    # What the page shows, found cheaply (services/catalogue.py); the courses themselves are
    # loaded only when the page must be rendered.
    found = catalogue_listing.listing(reads.connection(), user.id if user.is_authenticated else None,
                                      language, level)
    # The interface language's courses first.
    preferred = course_language()
    listed = sorted(found.courses, key=lambda row: row.language != preferred)
    page_state = ("catalogue", language, level, tuple((row.id, row.content_version) for row in listed),
                  tuple(sorted(found.percents.items())))

    def context():
        by_id = {c.id: c for c in db.session.scalars(select(Course).where(Course.id.in_([r.id for r in listed])))}
        return dict(courses=[by_id[row.id] for row in listed if row.id in by_id], percents=found.percents,
                    language=language, level=level, levels=list(Level))
    return learner_page("learn/catalogue.html", page_state, context)


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
    user = current_user._get_current_object()
    if user.is_authenticated:
        course, state = load_course_and_state(slug, user)
    else:
        course, state = load_course(slug), None
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
    course = load_course(slug)
    ensure(can_learn(current_user, course))
    progress.enrol(db.session, current_user.id, course)
    db.session.commit()
    state = progress.load_state(db.session, current_user.id, course)
    return redirect(step_url(course, state.next_step))


@bp.route("/courses/<slug>/continue")
@login_required
def resume(slug: str):
    """Go to the next unfinished step of a course."""
    course, state = load_course_and_state(slug, current_user._get_current_object())
    if state.enrollment is None:
        return redirect(url_for("learn.course", slug=slug))
    return redirect(step_url(course, state.next_step))


def _lesson_or_404(course: Course, key: str) -> Lesson:
    lesson = next((l for l in course.lessons if l.key == key), None)
    if lesson is None:
        abort(404)
    return lesson


@bp.route("/courses/<slug>/lessons/<key>")
@login_required
def lesson(slug: str, key: str):
    user = current_user._get_current_object()
    course, state = load_course_and_state(slug, user)
    lesson = _lesson_or_404(course, key)
    ensure(can_learn(user, course))
    if state.enrollment is None:
        flash(_("Enrol in the course to start its lessons."), "info")
        return redirect(url_for("learn.course", slug=slug))
    poster = next((m.url_path for m in course.media if m.path == lesson.image), None) if lesson.image else None
    page_state = ("lesson", lesson.id, course_version(course), state.fingerprint(), poster)
    return learner_page("learn/lesson.html", page_state, lambda: _lesson_context(course, lesson, state, poster))


def _lesson_context(course: Course, lesson: Lesson, state: progress.CourseState, poster: str | None) -> dict:
    """What the lesson template shows: worked out only when the page is rendered, not for
    a learner who gets a page already shared or a 304."""
    steps = state.steps
    index = next(i for i, s in enumerate(steps) if s.kind == "lesson" and s.lesson.id == lesson.id)
    previous_step = steps[index - 1] if index > 0 else None
    following = steps[index + 1] if index + 1 < len(steps) else None
    return dict(
        course=course, lesson=lesson, state=state,
        done=lesson.id in state.lessons_done,
        position=course.lessons.index(lesson) + 1,
        previous_url=step_url(course, previous_step) if previous_step else None,
        previous_step=previous_step,
        next_url=step_url(course, following) if following else None,
        next_step=following,
        video_size=offline.local_media_size(current_app.config["MEDIA_DIR"], lesson.video_url),
        video_poster=poster,
    )


def course_version(course: Course) -> tuple:
    """What a course page shows of the course itself: changes whenever its content does."""
    return (course.id, course.content_version)


@bp.route("/courses/<slug>/lessons/<key>/complete", methods=["POST"])
@login_required
def complete(slug: str, key: str):
    course = load_course(slug)
    lesson = _lesson_or_404(course, key)
    ensure(can_learn(current_user, course))
    try:
        progress.complete_lesson(db.session, current_user.id, lesson)
    except progress.NotEnrolled:
        db.session.rollback()
        flash(_("Enrol in the course to start its lessons."), "info")
        return redirect(url_for("learn.course", slug=slug))
    db.session.commit()
    state = progress.load_state(db.session, current_user.id, course)
    if state.complete:
        flash(_("Congratulations! You have completed this course."), "success")
        return redirect(url_for("learn.course", slug=slug))
    flash(_("Lesson completed."), "success")
    # A lesson's own quiz comes right after it; otherwise the next unfinished step.
    if lesson.quiz is not None and not state.quiz_passed(lesson.quiz):
        return redirect(url_for("quiz.take", slug=slug, quiz_id=lesson.quiz.id))
    return redirect(step_url(course, state.next_step))
