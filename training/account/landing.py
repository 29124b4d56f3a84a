"""Where a person goes after signing in: back to the page they came for (a session's check-in
link, a class's join page), through the forced password change when staff gave them a one-time
password, without asking again for the password they have just typed.

Three session keys carry the way (never a password):
- ONE_TIME_LOGIN: the login identity of a sign-in made with a one-time password. While it matches
  the current login, the person chooses their own password without typing the one-time one again.
- RETURN_TO: the page a person who must change their password had opened (security.py sends them
  to the change page first); the change goes back to it when no `next` came along.
- ARRIVED: (path, time) of the page a sign-in has just landed on, so that page may finish what
  the person came for (the check-in link records the check-in).
"""
import time
from urllib.parse import urlsplit

from flask import session, url_for

from ..pages import safe_next

ONE_TIME_LOGIN = "one_time_login"
RETURN_TO = "return_to"
ARRIVED = "arrived"
# A one-time login proves who is holding the phone for this long; after that the one-time
# password is asked for again, like any current password.
ONE_TIME_LOGIN_SECONDS = 30 * 60
# The landing page must be reached within this time of the sign-in to count as its end.
ARRIVAL_SECONDS = 10 * 60


def after_sign_in(user, target: str | None, default: str) -> str:
    """The URL to go to after a successful login or sign-up: the change-password page (carrying
    `next`) when the password was given by staff, else `target` if it is on this site, else
    `default`."""
    target = safe_next(target)
    if user.must_change_password:
        session[ONE_TIME_LOGIN] = user.get_id()
        return url_for("account.change_password", next=target)
    return arrive(target) or default


def remember_return(target: str | None) -> None:
    """Note the page a person who must first change their password had opened."""
    if safe_next(target):
        session[RETURN_TO] = target


def return_target(target: str | None) -> str | None:
    """Where the forced password change goes back to: `next`, else the page noted, if on this site."""
    noted = session.pop(RETURN_TO, None)
    return safe_next(target) or safe_next(noted)


def proves_one_time_login(user) -> bool:
    """This browser signed in with the user's one-time password less than half an hour ago, in
    this very login session (a trainer's new reset or another sign-in ends it)."""
    if not user.must_change_password or session.get(ONE_TIME_LOGIN) != user.get_id():
        return False
    started = user.login_session[0] if user.login_session else 0
    return time.time() - started <= ONE_TIME_LOGIN_SECONDS


def forget_one_time_login() -> None:
    session.pop(ONE_TIME_LOGIN, None)


def arrive(target: str | None) -> str | None:
    """Remember that a sign-in is going to `target` (a path on this site) and return it."""
    if target:
        session[ARRIVED] = [urlsplit(target).path, int(time.time())]
    return target


def just_arrived(path: str) -> bool:
    """True once when a sign-in has just landed on `path` (the marker is used up)."""
    marker = session.get(ARRIVED)
    if not marker or marker[0] != path:
        return False
    session.pop(ARRIVED, None)
    return time.time() - marker[1] <= ARRIVAL_SECONDS
