from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from ..extensions import db
from ..models import User
from ..services.accounts import sessions
from . import household_views  # noqa: F401  (its routes join the blueprint)
from . import reset_views  # noqa: F401  (forgotten passwords: its routes join the blueprint)
from .views import bp, session_max_age

__all__ = ["bp", "init_app"]


def load_user(session_id: str) -> User | None:
    """The user of a login identity ("<user id>.<session version>.<start>.<session id>"), or
    None when there is no such user, the account is switched off, or the session was ended:
    signed out, too old, or every session of the user ended (a password change, a reset by
    staff or a sign-out everywhere moves the session version)."""
    return sessions.load_signed_in_user(db.session, session_id, session_max_age())


def init_app(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    # "basic" keeps village learners signed in when their mobile network changes IP address.
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
