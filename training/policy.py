"""Who may do what: every authorization rule of the platform, as plain predicates.

Views call ensure(...) with these predicates, blueprints guard whole areas with
require_role(...), and templates ask can(...), so the rule that protects a route is the
same rule that shows or hides its button.
"""
from collections.abc import Iterable

from flask import Blueprint, abort, request
from flask_login import current_user
from sqlalchemy import Select, exists, false, select

from .models import Attempt, ClassMember, Course, Role, TrainingClass, TrainingSession, User


STAFF_ROLES = (Role.TRAINER, Role.ADMIN)


def is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def is_admin(user) -> bool:
    """The admin area (its guard and its link) and the cross-centre overview: admins."""
    return is_signed_in(user) and user.role == Role.ADMIN


def is_centre_trainer(user) -> bool:
    return is_signed_in(user) and user.role == Role.TRAINER and user.centre_id is not None


def _scoped(user, query: Select, centre_rule) -> Select:
    """query as a list scope: all of it for admins, rows passing centre_rule(centre_id) for a
    trainer of a centre, nothing for anyone else."""
    if is_admin(user):
        return query
    if is_centre_trainer(user):
        return query.where(centre_rule(user.centre_id))
    return query.where(false())


def can_author(user, course: Course | None = None) -> bool:
    """Admins edit every course; trainers the courses of their own centre (and create new ones)."""
    if is_admin(user):
        return True
    if not is_signed_in(user) or user.role != Role.TRAINER:
        return False
    return course is None or (course.centre_id is not None and course.centre_id == user.centre_id)


def authorable_courses(user) -> Select:
    """The courses a user may edit in the authoring studio, as a query views can refine."""
    return _scoped(user, select(Course), lambda centre_id: Course.centre_id == centre_id)


def can_view_course(user, course: Course) -> bool:
    """Published courses are public; drafts only to those who may edit them."""
    return course.is_published or can_author(user, course)


def can_learn(user, course: Course) -> bool:
    """Enrol, read lessons and take quizzes: a signed-in user on a published course."""
    return is_signed_in(user) and course.is_published


def in_centre_classes(centre_id: int):
    """SQL condition: User is a member of a class of this centre."""
    return exists(
        select(ClassMember.id)
        .join(TrainingClass, TrainingClass.id == ClassMember.class_id)
        .where(ClassMember.user_id == User.id, TrainingClass.centre_id == centre_id)
    )


def can_view_learner(user, learner: User) -> bool:
    """Oneself; a trainer for learners in their own centre's classes; admins for everyone."""
    if is_admin(user) or (is_signed_in(user) and user.id == learner.id):
        return True
    if not is_centre_trainer(user) or learner.role != Role.LEARNER:
        return False
    from .extensions import db

    return bool(db.session.scalar(
        select(User.id).where(User.id == learner.id, in_centre_classes(user.centre_id))
    ))


def can_help_learner(user, learner: User) -> bool:
    """Help desk (reset password, edit profile, see the whole mobile number): staff who may
    see this learner, never for oneself or for another staff account."""
    return (
        is_signed_in(user) and user.is_staff and user.id != learner.id
        and learner.role == Role.LEARNER and can_view_learner(user, learner)
    )


def can_see_sensitive(user, person: User) -> bool:
    """A person's special personal information (the household category, PIPL): the person
    themselves, admins (they manage every centre), and staff of the person's own centre who
    may help them; never a trainer of another centre who merely runs a class they joined."""
    if is_signed_in(user) and user.id == person.id:
        return True
    if is_admin(user):
        return True
    return (is_centre_trainer(user) and person.centre_id == user.centre_id
            and can_help_learner(user, person))


def visible_learners(user) -> Select:
    """Learners this user may see in lists: all for admins, their centre's classes for a trainer."""
    return _scoped(user, select(User).where(User.role == Role.LEARNER), in_centre_classes)


def can_manage_class(user, training_class: TrainingClass | None = None) -> bool:
    """Admins manage every class; a trainer the classes of their own centre (and creates them)."""
    return is_admin(user) or (is_centre_trainer(user) and (
        training_class is None or training_class.centre_id == user.centre_id))


def can_manage_session(user, training_session: TrainingSession) -> bool:
    return can_manage_class(user, training_session.training_class)


def visible_classes(user) -> Select:
    """Classes this user may manage, newest first."""
    query = select(TrainingClass).order_by(TrainingClass.created_at.desc(), TrainingClass.id.desc())
    return _scoped(user, query, lambda centre_id: TrainingClass.centre_id == centre_id)


def can_view_certificates_of_class(user, training_class: TrainingClass) -> bool:
    """A class's certificates (the list and the batch print): those who manage the class."""
    return training_class is not None and can_manage_class(user, training_class)


def can_revoke_certificate(user, certificate) -> bool:
    """Revoke a certificate: admins, or trainers of the centre that issued it."""
    return is_admin(user) or (is_centre_trainer(user) and certificate.centre_id is not None
                              and certificate.centre_id == user.centre_id)


def can_view_centre(user, centre_id: int | None = None) -> bool:
    """A centre's classes and figures (the training ledger, class reports): admins any centre,
    trainers their own. With no centre (None), every centre at once: admins only."""
    return is_admin(user) or (is_centre_trainer(user) and centre_id == user.centre_id)


def can_open_export(user, job) -> bool:
    """A background export's page and file: only the person who asked for it."""
    return is_signed_in(user) and job.user_id == user.id


def can_view_attempt(user, attempt: Attempt) -> bool:
    return is_signed_in(user) and (attempt.user_id == user.id or can_view_learner(user, attempt.user))


def can_view_course_report(user, course: Course) -> bool:
    """Staff who can see the course; a trainer needs a centre, whose learners the report shows."""
    return (is_admin(user) or is_centre_trainer(user)) and can_view_course(user, course)


def can_view_reports(user) -> bool:
    """The reports area (its guard and its link): trainers and admins."""
    return is_signed_in(user) and user.role in STAFF_ROLES


def report_centre(user, requested: int | None) -> int | None:
    """Whose learners a report shows: a trainer's own centre, always; for an admin the
    centre asked for, or None for every centre."""
    return requested if user.role == Role.ADMIN else user.centre_id


def can_anonymize(user, person: User) -> bool:
    """Admins anonymize anyone but themselves and other admins (an admin is demoted first)."""
    return is_admin(user) and person.id != user.id and person.role != Role.ADMIN


def ensure(allowed: bool, status: int = 403) -> None:
    """Stop the request unless allowed: 403, or 404 where even existence must stay hidden."""
    if not allowed:
        abort(status)


def require_role(blueprint: Blueprint, *roles: str, exempt: Iterable[str] = ()) -> None:
    """Guard every view of a blueprint, so no view of a staff area can forget its check.

    `exempt` names views (endpoint without the blueprint prefix) that other guards cover.
    """
    from .extensions import login_manager

    skipped = {f"{blueprint.name}.{name}" for name in exempt}

    @blueprint.before_request
    def guard():
        if request.endpoint in skipped:
            return
        if not is_signed_in(current_user):
            abort(login_manager.unauthorized())
        if current_user.role not in roles:
            abort(403)


def require_login(blueprint: Blueprint) -> None:
    """Guard every view of a blueprint: any signed-in user."""
    require_role(blueprint, *(r.value for r in Role))


PREDICATES = {
    "author": can_author,
    "view_course": can_view_course,
    "learn": can_learn,
    "view_learner": can_view_learner,
    "view_attempt": can_view_attempt,
    "help_learner": can_help_learner,
    "see_sensitive": can_see_sensitive,
    "manage_class": can_manage_class,
    "view_centre": can_view_centre,
    "view_course_report": can_view_course_report,
    "view_reports": can_view_reports,
    "admin_area": is_admin,
    "view_overview": is_admin,
    "anonymize": can_anonymize,
    "view_class_certificates": can_view_certificates_of_class,
    "revoke_certificate": can_revoke_certificate,
    "open_export": can_open_export,
}


def can(action: str, obj=None) -> bool:
    """Template helper: {% if can('author', course) %}."""
    return can_for(current_user, action, obj)


def can_for(user, action: str, obj=None) -> bool:
    predicate = PREDICATES[action]
    return predicate(user, obj) if obj is not None else predicate(user)
