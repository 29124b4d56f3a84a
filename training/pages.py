"""Helpers that views of several blueprints share: loading a course for a learner's page,
the URL of a step, and where a `next` parameter may lead."""
from urllib.parse import urlsplit

from flask import abort, current_app, render_template, request, url_for

from .extensions import db
from .policy import can_view_course
from .services.learning import progress
from .services.learning.learner_read import DEFAULT_SIZE, CourseOutline, OutlineCache, course_and_state, course_outline


def outline_cache() -> OutlineCache:
    """This worker's course outlines for the current app."""
    cache = current_app.extensions.get("course_outlines")
    if cache is None:
        size = current_app.config.get("COURSE_CACHE_SIZE") or DEFAULT_SIZE
        cache = current_app.extensions["course_outlines"] = OutlineCache(size)
    return cache


def load_course(slug: str, user) -> CourseOutline:
    """The course's outline, or 404 (drafts too, for those who may not see them)."""
    return _visible(course_outline(db.session, outline_cache(), slug), user)


def load_course_and_state(slug: str, user) -> tuple[CourseOutline, progress.CourseState]:
    """load_course() and the signed-in `user`'s state in it, in one query."""
    found = course_and_state(db.session, outline_cache(), user.id, slug)
    if found is None:
        abort(404)
    _visible(found[0], user)
    return found


def _visible(course: CourseOutline | None, user) -> CourseOutline:
    if course is None or not can_view_course(user, course):
        abort(404)
    return course


def step_url(course, step: progress.Step | None) -> str:
    """Where a learner goes for a step of a course (the course page when there is none)."""
    if step is None:
        return url_for("learn.course", slug=course.slug)
    if step.kind == "lesson":
        return url_for("learn.lesson", slug=course.slug, key=step.lesson.key)
    return url_for("quiz.take", slug=course.slug, quiz_id=step.quiz.id)


def safe_next(target: str | None) -> str | None:
    """Only follow `next` to a path on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


def locked_page(course: CourseOutline, state: progress.CourseState, step: progress.Step):
    """A step that waits for an earlier one: why, and a link to the step to do first.

    200 for a page (the offline download saves every step's page and treats an error as a
    failed download); 403 for a write (nothing was changed)."""
    status = 200 if request.method == "GET" else 403
    return render_template("learn/locked.html", course=course, state=state, step=step,
                           first=step.locked_by, first_url=step_url(course, step.locked_by)), status
