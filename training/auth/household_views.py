"""Households on one phone (issue 21, item 5): "who is this?" after a password several family
members share, sign-in with a PIN a trainer gave, and switching person in two taps.

The rules are in services/accounts/households.py; these views only carry the signed tokens in
the session (never an id the person could choose freely) and sign the chosen person in."""
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..services.accounts import accounts, households, sessions
from . import throttle
from .forms import ChoosePersonForm, PinLoginForm
from .views import (
    CHOICE_KEY,
    HOUSEHOLD_KEY,
    SWITCH_KEY,
    account_key,
    bp,
    secret,
    session_max_age,
    sign_in,
    signed_in_or_chosen,
    switch_target,
)


@bp.route("/login/who", methods=["GET", "POST"])
def choose():
    """"Who is this?": the password typed opens several accounts on one number; the person taps
    their name. Only the accounts the signed token lists (their password was checked) are offered."""
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    choice = households.read_choice(secret(), session.get(CHOICE_KEY))
    people = households.choice_people(db.session, choice) if choice else []
    if not people:
        session.pop(CHOICE_KEY, None)
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login", next=request.args.get("next")))
    form = ChoosePersonForm()
    form.person.choices = [SelectChoice(person.id, person.display_name) for person in people]
    if form.validate_on_submit():
        user = households.chosen(db.session, choice, form.person.data)
        if user is not None:
            return sign_in(user, choice.remember)
    status = 200
    if request.method == "POST":
        status = 422
        flash(_("Tap one of the names shown."), "error")
    return render_template("auth/choose.html", form=form, people=people), status


@bp.route("/login/pin", methods=["GET", "POST"])
def pin_login():
    """Sign in with the 6-digit PIN a trainer gave: the login name or the family's number, and
    the PIN. Wrong PINs are throttled hard, per login name."""
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    target = switch_target()
    form = PinLoginForm()
    if request.method == "GET" and target is not None:
        form.login.data = target.mobile or target.username
    limits = []
    if request.method == "POST":
        limits = throttle.pin_limits(account_key(request.form.get("login", "")))
        if throttle.refused(limits):
            abort(429)
    if form.validate_on_submit():
        verified = households.authenticate_pin(db.session, form.login.data, form.pin.data,
                                               ip_address=request.remote_addr or "",
                                               only_id=target.id if target else None)
        if verified:
            return signed_in_or_chosen(verified, form.remember.data)
        _count_pin_failure(limits)
        db.session.commit()
        form.pin.errors.append(_("Wrong mobile number, username or PIN."))
    elif request.method == "POST":
        _count_pin_failure(limits)
        db.session.commit()
    return render_template("auth/pin_login.html", form=form, target=target)


def _count_pin_failure(limits: list[throttle.Limit]) -> None:
    """Count a wrong PIN; a limit it reaches is noted in the audit log (the caller commits)."""
    for scope in throttle.count_failure(limits):
        accounts.record_lockout(db.session, request.form.get("login", "")[:60], "pin-" + scope,
                                ip_address=request.remote_addr or "")


@bp.route("/household")
@login_required
def household():
    """Tap 1 of switching person: everyone on this phone's number, by name."""
    people = households.members(db.session, current_user)
    return render_template("auth/household.html", people=people)


@bp.route("/household/<int:user_id>", methods=["POST"])
@login_required
def switch(user_id: int):
    """Tap 2: sign out (this login session ends; the page's script forgets the saved pages, as
    logging out does) and open the sign-in of the person tapped, name and number filled in.
    Their own password or PIN is still needed. 404 for anyone not on this number."""
    other = households.member(db.session, current_user, user_id)
    if other is None:
        abort(404)
    sessions.end_session(db.session, current_user._get_current_object(), session_max_age())
    db.session.commit()
    logout_user()
    for key in (CHOICE_KEY, HOUSEHOLD_KEY):
        session.pop(key, None)
    session[SWITCH_KEY] = households.switch_token(secret(), other)
    return redirect(url_for("auth.login"))
