"""Households: several accounts on one mobile number, PIN sign-in, and "who is this?" (issue 21,
item 5).

A family often shares one phone and one number. Each person keeps their own account; the
number is not unique (User.mobile). Signing in by number checks the password against every
account on it (accounts.authenticate_all): one match signs that person in, several (a family
using one password) ask who is signing in, among those whose password was checked only: the
choice travels in a short-lived signed token (`choice_token`) listing the verified ids.

A trainer may give a learner without a phone of their own a 6-digit PIN: the login name (a
username or the shared number) and the PIN sign in. PINs are hashed like passwords, trivial ones
(000000, 123456, the number's own digits...) are refused, and wrong PINs are throttled hard
(auth/throttle.py). Staff accounts never sign in with a PIN.
"""
import re
import secrets
import unicodedata
from dataclasses import dataclass
from itertools import pairwise

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from ...models import Role, User, utcnow
from . import accounts, audit
from .passwords import hash_password, spend_the_same_time, verify_password

PIN_LENGTH = 6
PIN_RE = re.compile(r"^\d{6}$")
# PINs people pick first, beyond the patterns check_pin refuses (runs, repeats).
COMMON_PINS = frozenset({
    "123123", "123321", "112233", "520520", "521521", "147258", "159753", "789456", "258369",
    "147369", "520131", "201314", "131420", "168168", "518518", "100200", "102030",
})
# How long the "who is this?" choice and a switch to another household member stay valid.
CHOICE_SECONDS = 5 * 60
SWITCH_SECONDS = 10 * 60


class PinError(ValueError):
    """args[0]: "format" (not 6 digits) or "too-simple" (easy to guess)."""


def normalise_pin(raw: str | None) -> str | None:
    """Six digits (full-width digits and spaces accepted), or None."""
    text = "".join(unicodedata.normalize("NFKC", raw or "").split())
    return text if PIN_RE.match(text) else None


def _run(pin: str, step: int) -> bool:
    return all((int(b) - int(a)) % 10 == step % 10 for a, b in pairwise(pin))


def check_pin(pin: str, user: User | None = None) -> str | None:
    """A reason code when a PIN may not be used, else None: "format" for anything but 6 digits,
    "too-simple" for fewer than 3 different digits (000000, 121212), a run up or down
    (123456, 654321, 890123), a common PIN, or the last 6 digits of the person's number."""
    if not PIN_RE.match(pin or ""):
        return "format"
    if len(set(pin)) < 3 or _run(pin, 1) or _run(pin, -1) or pin in COMMON_PINS:
        return "too-simple"
    if user is not None and user.mobile and user.mobile.endswith(pin):
        return "too-simple"
    return None


def random_pin(user: User | None = None) -> str:
    """A random PIN that passes check_pin."""
    while True:
        pin = f"{secrets.randbelow(10 ** PIN_LENGTH):0{PIN_LENGTH}d}"
        if check_pin(pin, user) is None:
            return pin


def has_pin(session: Session, user: User) -> bool:
    return session.scalar(select(User.pin_hash.is_not(None)).where(User.id == user.id)) or False


def set_pin(session: Session, user: User, pin: str | None, actor_id: int | None, ip_address: str = "") -> str:
    """Give a learner a PIN (`pin`, or a random one when None) and return it, to be shown once;
    PinError when it is not allowed. Audited "user.pin_set" (whether one was replaced; never the
    PIN). The caller commits."""
    if user.role != Role.LEARNER:
        raise PinError("staff")
    pin = random_pin(user) if pin is None else pin
    reason = check_pin(pin, user)
    if reason:
        raise PinError(reason)
    had_pin = has_pin(session, user)
    user.pin_hash = hash_password(pin)
    audit.record(session, "user.pin_set", actor_id, "user", user.id, ip_address=ip_address, replaced=had_pin)
    session.flush()
    return pin


def clear_pin(session: Session, user: User, actor_id: int | None, ip_address: str = "") -> bool:
    """Take away a learner's PIN; False when there was none (nothing changes, nothing audited).
    The caller commits."""
    if not has_pin(session, user):
        return False
    user.pin_hash = None
    audit.record(session, "user.pin_clear", actor_id, "user", user.id, ip_address=ip_address, had_pin=True)
    session.flush()
    return True


def authenticate_pin(session: Session, login: str, pin: str, ip_address: str = "",
                     only_id: int | None = None) -> list[User]:
    """Every active learner of this login name (a username, or a number a household shares)
    whose PIN is `pin`: normally one (`only_id`: as in accounts.authenticate_all). A refusal is
    audited like a wrong password ("pin": true) against each account with a PIN the name
    matches. The caller commits."""
    typed = normalise_pin(pin) or ""
    username, mobile = accounts.split_login(login)
    candidates = []
    if username or mobile:
        candidates = list(session.scalars(
            select(User).where(accounts.login_matches(username, mobile), User.pin_hash.is_not(None),
                               User.role == Role.LEARNER)
            .options(undefer(User.pin_hash)).order_by(User.id)))
        candidates = accounts.only_the(candidates, only_id)
    if not candidates:
        spend_the_same_time(typed)
    verified = [user for user in candidates if verify_password(user.pin_hash, typed) and user.active]
    if not verified:
        for user in candidates or [None]:
            audit.record(session, "user.login_failed", None, "user" if user else "", user.id if user else None,
                         ip_address=ip_address, pin=True)
    return verified


def signed_in(user: User) -> None:
    """Note a sign-in (by password, PIN or the household choice)."""
    user.last_login_at = utcnow()


def members(session: Session, user: User) -> list[User]:
    """The active accounts on this user's mobile number, the user included, by name; [] when
    the user has no number. One query."""
    if not user.mobile:
        return []
    return list(session.scalars(select(User).where(User.mobile == user.mobile, User.active.is_(True))
                                .order_by(User.display_name, User.id)))


def shares_number(session: Session, user: User) -> bool:
    """True when another active account uses this user's mobile number."""
    if not user.mobile:
        return False
    return session.scalar(select(User.id).where(User.mobile == user.mobile, User.id != user.id,
                                                User.active.is_(True)).limit(1)) is not None


def member(session: Session, user: User, other_id: int) -> User | None:
    """Another active account on the user's number, or None (not in the household)."""
    if not user.mobile:
        return None
    return session.scalar(select(User).where(User.id == other_id, User.id != user.id,
                                             User.mobile == user.mobile, User.active.is_(True)))


@dataclass(frozen=True)
class Choice:
    """A "who is this?" question: the accounts whose secret was checked, and the sign-in's options."""

    user_ids: tuple[int, ...]
    remember: bool = False


def _serializer(secret: bytes | str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=salt)


def choice_token(secret: bytes | str, users: list[User], remember: bool = False) -> str:
    """A signed token naming the accounts a checked password (or PIN) opens, for the choice."""
    return _serializer(secret, "household-choice").dumps({"u": [u.id for u in users], "r": bool(remember)})


def read_choice(secret: bytes | str, token: str | None, max_age: int = CHOICE_SECONDS) -> Choice | None:
    """The choice a token carries, or None when it is missing, altered or too old."""
    if not token:
        return None
    try:
        data = _serializer(secret, "household-choice").loads(token, max_age=max_age)
    except BadSignature:
        return None
    ids = data.get("u") if isinstance(data, dict) else None
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
        return None
    return Choice(tuple(ids), bool(data.get("r")))


def chosen(session: Session, choice: Choice, user_id: int | None) -> User | None:
    """The account picked in a choice, when it is one the token lists and still active."""
    if user_id is None or user_id not in choice.user_ids:
        return None
    user = session.get(User, user_id)
    return user if user is not None and user.active else None


def choice_people(session: Session, choice: Choice) -> list[User]:
    """The active accounts of a choice, by name (for the buttons)."""
    return list(session.scalars(select(User).where(User.id.in_(choice.user_ids), User.active.is_(True))
                                .order_by(User.display_name, User.id)))


def switch_token(secret: bytes | str, user: User) -> str:
    """A signed note of the household member a phone switches to (their sign-in pre-filled)."""
    return _serializer(secret, "household-switch").dumps({"u": user.id})


def read_switch(session: Session, secret: bytes | str, token: str | None,
                max_age: int = SWITCH_SECONDS) -> User | None:
    """The active account a switch token names, or None."""
    if not token:
        return None
    try:
        data = _serializer(secret, "household-switch").loads(token, max_age=max_age)
    except BadSignature:
        return None
    user_id = data.get("u") if isinstance(data, dict) else None
    if not isinstance(user_id, int):
        return None
    user = session.get(User, user_id)
    return user if user is not None and user.active else None
