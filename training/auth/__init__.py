from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from ..extensions import db
from ..models import User
from .views import bp

__all__ = ["bp", "init_app"]


def load_user(session_id: str) -> User | None:
    """The user of a session id ("<user id>.<session version>"), or None when there is no such
    user, the account is switched off, or the session was ended (a password change, a reset
    by staff or a sign-out everywhere moves the session version)."""
    user_id, _, version = session_id.partition(".")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def init_app(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    # "basic" keeps village learners signed in when their mobile network changes IP address.
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
