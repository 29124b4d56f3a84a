"""Register, log in and log out."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import db
from ..services import accounts
from .forms import LoginForm, RegisterForm

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only follow `next` to a path on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.login.data, form.password.data)
        if user is None:
            # The same message for an unknown user and a wrong password.
            form.password.errors.append(_("Wrong mobile number, username or password."))
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("learn.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = RegisterForm()
    if request.method == "GET":
        form.language.data = "en" if request.accept_languages.best_match(["zh", "en"]) == "en" else "zh_CN"
    if form.validate_on_submit():
        username, mobile = accounts.split_login(form.login.data)
        try:
            user = accounts.create_user(
                db.session, username=username, mobile=mobile, password=form.password.data,
                display_name=form.display_name.data, language=form.language.data,
            )
        except accounts.AccountError:
            form.login.errors.append(_("This mobile number or username is already registered."))
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome, %(name)s! Pick a course to start learning.", name=user.display_name), "success")
            return redirect(url_for("learn.catalogue"))
    return render_template("auth/register.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("learn.catalogue"))
