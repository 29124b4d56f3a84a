"""What every view of the classes blueprint shares: the blueprint and its guards, and loading
a class, session or learner the current staff member may see."""
from flask import Blueprint, abort, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Centre, TrainingClass, TrainingSession, User
from ..policy import (
    STAFF_ROLES,
    can_help_learner,
    can_manage_class,
    can_manage_session,
    ensure,
    require_login,
    require_role,
)
from ..services.accounts import accounts

bp = Blueprint("classes", __name__)
LEARNER_VIEWS = ("join", "join_code", "checkin")
require_login(bp)
require_role(bp, *STAFF_ROLES, exempt=LEARNER_VIEWS)
bp.add_app_template_filter(accounts.mask_mobile, "masked")


def form_status() -> int:
    """200 for a form shown, 422 for a form sent back with errors."""
    return 422 if request.method == "POST" else 200


def load_or_404(query, allowed, refused: int = 403):
    """The one row of query, or 404; `refused` (403) when the predicate refuses it (another
    centre's)."""
    row = db.session.scalar(query)
    if row is None:
        abort(404)
    ensure(allowed(current_user, row), refused)
    return row


def load_class(class_id: int) -> TrainingClass:
    return load_or_404(
        select(TrainingClass).where(TrainingClass.id == class_id)
        .options(selectinload(TrainingClass.courses), joinedload(TrainingClass.centre)),
        can_manage_class)


def load_session(session_id: int) -> TrainingSession:
    return load_or_404(
        select(TrainingSession).where(TrainingSession.id == session_id)
        .options(joinedload(TrainingSession.training_class), joinedload(TrainingSession.trainer)),
        can_manage_session)


def load_learner(user_id: int) -> User:
    """A learner the current staff member may help; 404 for anyone else, so that other
    centres' learners are not even known to exist."""
    return load_or_404(select(User).where(User.id == user_id), can_help_learner, refused=404)



def centres() -> list[Centre]:
    return list(db.session.scalars(select(Centre).order_by(Centre.name)))
