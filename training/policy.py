"""Who may do what: every authorization rule of the platform, as plain predicates.

Views call ensure(...) with these predicates, blueprints guard whole areas with
require_role(...), and templates ask can(...), so the rule that protects a route is the
same rule that shows or hides its button.
"""
from collections.abc import Iterable
from functools import wraps

from flask import Blueprint, abort
from flask_login import current_user
from sqlalchemy import Select, false, select

from .models import Attempt, Course, Role, User


def is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def can_author(user, course: Course | None = None) -> bool:
    """Admins edit every course; trainers the courses of their own centre (and create new ones)."""
    if not is_signed_in(user):
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.TRAINER:
        return False
    if course is None:
        return True
    return course.centre_id is not None and course.centre_id == user.centre_id


def authorable_courses(user) -> Select:
    """The courses a user may edit in the authoring studio, as a query views can refine."""
    query = select(Course)
    if is_signed_in(user) and user.role == Role.ADMIN:
        return query
    if is_signed_in(user) and user.role == Role.TRAINER and user.centre_id is not None:
        return query.where(Course.centre_id == user.centre_id)
    return query.where(false())


def can_view_course(user, course: Course) -> bool:
    """Published courses are public; drafts only to those who may edit them."""
    return course.is_published or can_author(user, course)


def can_learn(user, course: Course) -> bool:
    """Enrol, read lessons and take quizzes: a signed-in user on a published course."""
    return is_signed_in(user) and course.is_published


def can_view_learner(user, learner: User) -> bool:
    """Oneself; a trainer for learners of their own centre; admins for everyone."""
    if not is_signed_in(user):
        return False
    if user.id == learner.id or user.role == Role.ADMIN:
        return True
    return (
        user.role == Role.TRAINER
        and user.centre_id is not None
        and learner.centre_id == user.centre_id
    )


def can_view_attempt(user, attempt: Attempt) -> bool:
    if not is_signed_in(user):
        return False
    if attempt.user_id == user.id:
        return True
    return can_view_learner(user, attempt.user)


def ensure(allowed: bool, status: int = 403) -> None:
    """Stop the request unless allowed: 403, or 404 where even existence must stay hidden."""
    if not allowed:
        abort(status)


def role_required(*roles: str):
    """Decorator for a view that only some roles may use."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            _check_roles(roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _check_roles(roles: Iterable[str]) -> None:
    from .extensions import login_manager

    if not is_signed_in(current_user):
        abort(login_manager.unauthorized())
    if current_user.role not in roles:
        abort(403)


def require_role(blueprint: Blueprint, *roles: str) -> None:
    """Guard every view of a blueprint, so no view of a staff area can forget its check."""

    @blueprint.before_request
    def guard():
        _check_roles(roles)


def require_login(blueprint: Blueprint) -> None:
    """Guard every view of a blueprint: any signed-in user."""
    require_role(blueprint, *(r.value for r in Role))


PREDICATES = {
    "author": can_author,
    "view_course": can_view_course,
    "learn": can_learn,
    "view_learner": can_view_learner,
    "view_attempt": can_view_attempt,
}


def can(action: str, obj=None) -> bool:
    """Template helper: {% if can('author', course) %}."""
    predicate = PREDICATES[action]
    return predicate(current_user, obj) if obj is not None else predicate(current_user)
