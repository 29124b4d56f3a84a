"""Register, log in and log out."""
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import db, limiter
from ..pages import safe_next
from ..services.accounts import accounts, privacy, sessions
from . import throttle
from .forms import LoginForm, RegisterForm

bp = Blueprint("auth", __name__)


def session_max_age() -> timedelta:
    """No login session lasts longer than REMEMBER_DAYS from its sign-in."""
    return timedelta(days=int(current_app.config.get("REMEMBER_DAYS", 30)))


def _account_key(raw: str) -> str:
    """Throttle key for one account: the login name as the service normalises it."""
    username, mobile = accounts.split_login(raw[:60])
    return "account:" + (mobile or username or raw[:60].strip().casefold())


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = LoginForm()
    if request.method == "POST":
        account = _account_key(request.form.get("login", ""))
        limits = throttle.login_limits(account)
        if throttle.refused(limits):
            abort(429)
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.login.data, form.password.data,
                                     ip_address=request.remote_addr or "")
        if user is None:
            _count_failure(limits)
        db.session.commit()  # the login time, or the refusal in the audit log
        if user is None:
            # The same message for an unknown user and a wrong password.
            form.password.errors.append(_("Wrong mobile number, username or password."))
        else:
            user.login_session = sessions.new_login_session()
            login_user(user, remember=form.remember.data)
            response = redirect(safe_next(request.args.get("next")) or url_for("learn.home"))
            throttle.remember_device(response, [_account_key(name) for name in (user.mobile, user.username) if name])
            return response
    elif request.method == "POST":
        _count_failure(limits)  # an incomplete form counts as a failed try too
        db.session.commit()
    return render_template("auth/login.html", form=form)


def _count_failure(limits: list[throttle.Limit]) -> None:
    """Count a failed login; a limit it reaches is noted in the audit log (the caller commits)."""
    for scope in throttle.count_failure(limits):
        accounts.record_lockout(db.session, request.form.get("login", "")[:60], scope,
                                ip_address=request.remote_addr or "")


def _register_key() -> str:
    """Throttle key for sign-ups of one login name (a mobile number or a username)."""
    return _account_key(request.form.get("login", ""))


# Sign-ups are counted per address and per number or username (in Redis when REDIS_URL is set,
# so across workers): fewer chances to find out which numbers are registered.
@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT_PER_IP"], key_func=throttle.client_address,
               methods=["POST"], scope="register-ip")
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT_PER_LOGIN"], key_func=_register_key,
               methods=["POST"], scope="register-login")
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
            privacy.record_consent(db.session, user)
            db.session.commit()
            user.login_session = sessions.new_login_session()
            login_user(user)
            flash(_("Welcome, %(name)s! Pick a course to start learning.", name=user.display_name), "success")
            # Back to where the learner came from, e.g. a class's join page opened from its QR code.
            return redirect(safe_next(request.args.get("next")) or url_for("learn.catalogue"))
    return render_template("auth/register.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # This session's cookies, even copies saved earlier, open nothing any more.
        sessions.end_session(db.session, current_user._get_current_object(), session_max_age())
        db.session.commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("learn.catalogue"))
