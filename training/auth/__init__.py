from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from . import signed_in
from .views import bp

__all__ = ["bp", "init_app"]


def init_app(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    # "basic" keeps village learners signed in when their mobile network changes IP address.
    login_manager.session_protection = "basic"
    login_manager.user_loader(signed_in.load)
