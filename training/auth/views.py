"""Register, log in and log out."""
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from .. import sms
from ..account import landing
from ..extensions import db, limiter
from ..httpcache import learner_page
from ..services.accounts import accounts, households, privacy, sessions, signup
from . import throttle
from .forms import LoginForm, RegisterForm, SignupCodeForm

bp = Blueprint("auth", __name__)


def session_max_age() -> timedelta:
    """No login session lasts longer than REMEMBER_DAYS from its sign-in."""
    return timedelta(days=int(current_app.config.get("REMEMBER_DAYS", 30)))


def account_key(raw: str) -> str:
    """Throttle key for one account: the login name as the service normalises it."""
    username, mobile = accounts.split_login(raw[:60])
    return "account:" + (mobile or username or raw[:60].strip().casefold())


# Session keys of a household's sign-in: the "who is this?" token (the ids a checked password
# opens), the member a shared phone is switching to, and whether others share this number.
CHOICE_KEY = "household_choice"
SWITCH_KEY = "household_switch"
HOUSEHOLD_KEY = "household"


def sign_in(user, remember: bool):
    """Sign `user` in (a new login session), commit, and go where the person came for; the
    browser becomes a known device for the user's login names."""
    households.signed_in(user)
    shared = households.shares_number(db.session, user)
    db.session.commit()  # the login time (and a password hash upgraded)
    user.login_session = sessions.new_login_session()
    login_user(user, remember=remember)
    for key in (CHOICE_KEY, SWITCH_KEY):
        session.pop(key, None)
    session[HOUSEHOLD_KEY] = shared  # the header's "switch person" link, without a query per page
    # Back to the page the person came for (a check-in link...), through the change of a
    # one-time password when staff gave it.
    response = redirect(landing.after_sign_in(user, request.args.get("next"), url_for("learn.home")))
    throttle.remember_device(response, [account_key(name) for name in (user.mobile, user.username) if name])
    return response


def switch_target():
    """The household member this phone is switching to (pre-filled on the sign-in pages), or None."""
    return households.read_switch(db.session, secret(), session.get(SWITCH_KEY))


def signed_in_or_chosen(verified: list, remember: bool):
    """After a checked password or PIN: sign in the one person it opens, or ask who among
    several is signing in."""
    if len(verified) == 1:
        return sign_in(verified[0], remember)
    session[CHOICE_KEY] = households.choice_token(secret(), verified, remember)
    db.session.commit()  # upgraded password hashes
    return redirect(url_for("auth.choose", next=request.args.get("next")))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    if request.args.get("anyone"):
        session.pop(SWITCH_KEY, None)  # "not this person": an empty sign-in
    target = switch_target()
    form = LoginForm()
    if request.method == "GET" and target is not None:
        form.login.data = target.mobile or target.username
    if request.method == "POST":
        account = account_key(request.form.get("login", ""))
        limits = throttle.login_limits(account)
        if throttle.refused(limits):
            abort(429)
    if form.validate_on_submit():
        verified = accounts.authenticate_all(db.session, form.login.data, form.password.data,
                                             ip_address=request.remote_addr or "",
                                             only_id=target.id if target else None)
        if verified:
            return signed_in_or_chosen(verified, form.remember.data)
        _count_failure(limits)
        db.session.commit()  # the refusal in the audit log
        # The same message for an unknown user, a wrong password and a number shared by many.
        form.password.errors.append(_("Wrong mobile number, username or password."))
    elif request.method == "POST":
        _count_failure(limits)  # an incomplete form counts as a failed try too
        db.session.commit()
    else:  # a repeat visit gets a 304 (httpcache: the ETag covers the session's CSRF secret)
        return learner_page("auth/login.html", ("login", target.id if target else None),
                            lambda: {"form": form, "target": target})
    return render_template("auth/login.html", form=form, target=target)


def _count_failure(limits: list[throttle.Limit]) -> None:
    """Count a failed login; a limit it reaches is noted in the audit log (the caller commits)."""
    for scope in throttle.count_failure(limits):
        accounts.record_lockout(db.session, request.form.get("login", "")[:60], scope,
                                ip_address=request.remote_addr or "")


# The session key holding the token of a sign-up waiting for its SMS code (never the password).
SIGNUP_KEY = "signup"

# What a refused code means; a wrong code for a registered number (none was sent) reads the
# same as for a new number, and points to logging in.
CODE_PROBLEMS = {
    "wrong": _l("This code is not right. Check the text message; if it says this number already has an "
                "account, log in instead."),
    "expired": _l("This code has expired. Ask for a new code below."),
    "used-up": _l("Too many wrong codes: this one no longer works. Ask for a new code below."),
}


def _register_key() -> str:
    """Throttle key for sign-ups of one login name (a mobile number or a username): the one
    typed into the form, or the number of the sign-up waiting for its code (a new code)."""
    if request.endpoint == "auth.register_resend":
        pending = signup.find(db.session, session.get(SIGNUP_KEY))
        return account_key(pending.mobile if pending else "")
    return account_key(request.form.get("login", ""))


# Sign-up posts and requests for new codes are counted per address and per number or username
# (in Redis when REDIS_URL is set, so across workers): fewer chances to probe numbers, fewer SMS.
_register_ip_limit = limiter.shared_limit(
    lambda: current_app.config["REGISTER_LIMIT_PER_IP"], scope="register-ip",
    key_func=throttle.client_address, methods=["POST"])
_register_login_limit = limiter.shared_limit(
    lambda: current_app.config["REGISTER_LIMIT_PER_LOGIN"], scope="register-login",
    key_func=_register_key, methods=["POST"])


def secret() -> bytes:
    key = current_app.config["SECRET_KEY"]
    return key.encode() if isinstance(key, str) else key


def _send_code(message: signup.CodeMessage) -> bool:
    """Text the code in the sign-up's language; for a number that already has an account the
    text says so (log in if it is yours; the code adds another person of the household). A
    provider that fails is logged, and the person is asked to try again in a minute (the
    sign-up is kept: "Send a new code" works), with the same words for every number."""
    with force_locale(message.language):
        if message.shared:
            text = _("CunBo Academy: this number already has an account. If it is yours, log in "
                     "instead. To add another person of your family on this number, the code is "
                     "%(code)s (10 minutes). Do not tell it to anyone.", code=message.code)
        else:
            text = _("CunBo Academy: your sign-up code is %(code)s. It works for 10 minutes. "
                     "Do not tell it to anyone.", code=message.code)
    try:
        sms.send(message.mobile, text)
    except Exception:  # a provider's own errors: network, quota, refusal
        current_app.logger.exception("sending a sign-up text message failed")
        flash(_("We could not send the text message just now. Wait a minute, then tap "
                "“Send a new code”."), "error")
        return False
    return True


def _signed_up(user):
    """Sign the new account in and go back to where the learner came from."""
    user.login_session = sessions.new_login_session()
    login_user(user)
    session[HOUSEHOLD_KEY] = households.shares_number(db.session, user)  # another person of a household
    flash(_("Welcome, %(name)s! Pick a course to start learning.", name=user.display_name), "success")
    # Back to where the learner came from, e.g. a class's join page opened from its QR code.
    return redirect(landing.after_sign_in(user, request.args.get("next"), url_for("learn.catalogue")))


@bp.route("/register", methods=["GET", "POST"])
@_register_ip_limit
@_register_login_limit
def register():
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = RegisterForm()
    if request.method == "GET":
        form.language.data = "en" if request.accept_languages.best_match(["zh", "en"]) == "en" else "zh_CN"
        return learner_page("auth/register.html", ("register", form.language.data), lambda: {"form": form})
    if form.validate_on_submit():
        username, mobile = accounts.split_login(form.login.data)
        if mobile and sms.available():
            # The number is proved by a code first; the same answer whether or not it is registered.
            token, message = signup.begin(db.session, mobile=mobile, display_name=form.display_name.data,
                                          password=form.password.data, language=form.language.data,
                                          secret=secret())
            db.session.commit()
            session[SIGNUP_KEY] = token
            _send_code(message)
            return redirect(url_for("auth.register_code", next=request.args.get("next")))
        try:
            user = accounts.create_user(
                db.session, username=username, mobile=mobile, password=form.password.data,
                display_name=form.display_name.data, language=form.language.data,
                new_mobile=True,  # no SMS proved the number: it may not join someone's household
            )
        except accounts.AccountError:
            form.login.errors.append(_("This mobile number or username is already registered."))
        else:
            privacy.record_consent(db.session, user)
            db.session.commit()
            return _signed_up(user)
    return render_template("auth/register.html", form=form)


@bp.route("/register/code", methods=["GET", "POST"])
def register_code():
    """Step 2 of a sign-up by mobile number: the code from the text message creates the account."""
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    pending = signup.find(db.session, session.get(SIGNUP_KEY))
    if pending is None:
        return redirect(url_for("auth.register", next=request.args.get("next")))
    masked = accounts.mask_mobile(pending.mobile)
    form = SignupCodeForm()
    if form.validate_on_submit():
        try:
            user = signup.confirm(db.session, pending, form.code.data, secret())
        except signup.SignupError as refused:
            db.session.commit()  # the counted try, or the used code
            if refused.args[0] == "taken":
                # Only someone who received a code for this number gets here.
                session.pop(SIGNUP_KEY, None)
                flash(_("This number already has an account. Please log in."), "info")
                return redirect(url_for("auth.login", next=request.args.get("next")))
            form.code.errors.append(CODE_PROBLEMS[refused.args[0]])
        else:
            privacy.record_consent(db.session, user)
            db.session.commit()
            session.pop(SIGNUP_KEY, None)
            return _signed_up(user)
    return render_template("auth/register_code.html", form=form, mobile=masked)


@bp.route("/register/code/resend", methods=["POST"])
@_register_ip_limit
@_register_login_limit
def register_resend():
    """A new code for the sign-up waiting in this session (after an expired code or too many tries)."""
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    pending = signup.find(db.session, session.get(SIGNUP_KEY))
    if pending is None:
        return redirect(url_for("auth.register", next=request.args.get("next")))
    try:
        message = signup.resend(db.session, pending, secret())
    except signup.SignupError:
        flash(_("Please wait a minute before asking for another code."), "error")
    else:
        db.session.commit()
        if _send_code(message):
            flash(_("We sent a new code."), "info")
    return redirect(url_for("auth.register_code", next=request.args.get("next")))


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # This session's cookies, even copies saved earlier, open nothing any more.
        sessions.end_session(db.session, current_user._get_current_object(), session_max_age())
        db.session.commit()
    logout_user()
    for key in (CHOICE_KEY, SWITCH_KEY, HOUSEHOLD_KEY):
        session.pop(key, None)
    flash(_("You have logged out."), "info")
    return redirect(url_for("learn.catalogue"))
