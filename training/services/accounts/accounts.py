"""Accounts: login names, passwords, creating users and the first admin."""
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from ...models import Role, User, utcnow
from . import audit
from .passwords import hash_password, needs_rehash, spend_the_same_time, verify_password

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
USERNAME_RE = re.compile(r"^[\w.-]{3,40}$")
MIN_PASSWORD_LENGTH = 8
# Values of User.gender; no value means "not given".
GENDERS = ("f", "m")


class AccountError(ValueError):
    """args[0] is a field name, args[1] a reason code (the view translates it)."""


def normalise_mobile(raw: str) -> str | None:
    """A mainland mobile number as 11 digits, accepting full-width digits, spaces, dashes and +86."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = re.sub(r"[\s\-()]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    return text if MOBILE_RE.match(text) else None


def normalise_username(raw: str) -> str | None:
    text = unicodedata.normalize("NFKC", raw or "").strip().casefold()
    if not USERNAME_RE.match(text) or text.isdigit():
        return None
    return text


def split_login(raw: str) -> tuple[str | None, str | None]:
    """(username, mobile) for what a person typed into a "username or mobile" field."""
    mobile = normalise_mobile(raw)
    if mobile:
        return None, mobile
    return normalise_username(raw), None


def mask_mobile(mobile: str | None) -> str:
    """138****1234 for lists; the whole number only on a learner's own detail page."""
    if not mobile or len(mobile) != 11:
        return mobile or ""
    return f"{mobile[:3]}****{mobile[-4:]}"


COMMON_PASSWORDS_FILE = Path(__file__).resolve().parents[2] / "data" / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of the most used passwords (casefolded), read once."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def check_password_strength(password: str, *personal: str | None) -> str | None:
    """A reason code when a password is too weak, else None.

    "too-short": fewer than MIN_PASSWORD_LENGTH characters; "too-simple": fewer than 4
    different characters; "too-common": on the shipped list of common passwords, or the
    person's own login name, mobile number or name (passed as `personal`).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return "too-short"
    if len(set(password)) < 4:
        return "too-simple"
    folded = unicodedata.normalize("NFKC", password).casefold()
    if folded in common_passwords():
        return "too-common"
    if any(p and folded == unicodedata.normalize("NFKC", p).casefold() for p in personal):
        return "too-common"
    return None


def login_matches(username: str | None, mobile: str | None):
    """WHERE clause for a username or mobile; never matches on a missing (NULL) value."""
    clauses = []
    if username:
        clauses.append(User.username == username)
    if mobile:
        clauses.append(User.mobile == mobile)
    return or_(*clauses)


def find_all_by_login(session: Session, login: str) -> list[User]:
    """Every account a login name names: one for a username, every account sharing a mobile
    number (a household) for a number, by id; password hashes loaded in the same query."""
    username, mobile = split_login(login)
    if not username and not mobile:
        return []
    return list(session.scalars(select(User).where(login_matches(username, mobile))
                                .options(undefer(User.password_hash)).order_by(User.id)))


def find_by_login(session: Session, login: str) -> User | None:
    """The account of a login name when it names exactly one, else None."""
    found = find_all_by_login(session, login)
    return found[0] if len(found) == 1 else None


def authenticate_all(session: Session, login: str, password: str, ip_address: str = "",
                     only_id: int | None = None) -> list[User]:
    """Every active account of this login name whose password is `password`: one for a
    username, one or several for a mobile number shared by a household (several when they use
    the same password: the person then says who they are), none when nothing matches.

    An unknown name costs the work of one password check, so its answer's timing does not tell
    it from a wrong password. A refusal is added to the audit log (the caller commits): against
    each account the name matches (someone may be guessing its password), else with the address
    only. What was typed is not kept: people sometimes type their password into the name field.

    `only_id`: the person a shared phone is switching to; when the name is theirs, only their
    password counts (a tap on their name never signs in someone else)."""
    candidates = only_the(find_all_by_login(session, login), only_id)
    if not candidates:
        spend_the_same_time(password)
    verified = [user for user in candidates if verify_password(user.password_hash, password) and user.active]
    for user in verified:
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)  # a hash from an earlier release, upgraded
    if not verified:
        for user in candidates or [None]:
            audit.record(session, "user.login_failed", None, "user" if user else "", user.id if user else None,
                         ip_address=ip_address)
    return verified


def only_the(candidates: list[User], only_id: int | None) -> list[User]:
    """The account `only_id` when it is among the candidates, else all of them."""
    if only_id is not None and any(user.id == only_id for user in candidates):
        return [user for user in candidates if user.id == only_id]
    return candidates


def authenticate(session: Session, login: str, password: str, ip_address: str = "") -> User | None:
    """The one user for these credentials, or None (see authenticate_all; a household sharing
    one password gives None here: the login page asks who is signing in)."""
    verified = authenticate_all(session, login, password, ip_address)
    if len(verified) != 1:
        return None
    verified[0].last_login_at = utcnow()
    return verified[0]


def record_lockout(session: Session, login: str, scope: str, ip_address: str = "") -> None:
    """Note in the audit log that failed logins reached a limit ("account-client": this account
    from one client, "account": this account from new devices, "address": one address), against
    each account the name matches. The caller commits."""
    for user in find_all_by_login(session, login) or [None]:
        audit.record(session, "user.login_locked", None, "user" if user else "", user.id if user else None,
                     ip_address=ip_address, scope=scope)


def create_user(session: Session, *, password: str = "", display_name: str, username: str | None = None,
                mobile: str | None = None, role: str = Role.LEARNER, language: str = "zh_CN",
                centre_id: int | None = None, must_change_password: bool = False,
                password_hash: str | None = None, new_mobile: bool = False) -> User:
    """Create a user; AccountError("login", "taken") when the username is in use.

    A mobile number may be shared by several accounts (a household on one phone); with
    `new_mobile` a number already in use is refused too ("taken"): a sign-up that did not prove
    the number by SMS must not join someone's household. `password_hash` instead of
    `password`: a hash made earlier (a sign-up waiting for its SMS code)."""
    if role not in {r.value for r in Role}:
        raise AccountError("role", "unknown")
    if not username and not mobile:
        raise AccountError("login", "invalid")
    unique_mobile = mobile if new_mobile else None
    if (username or unique_mobile) and session.scalar(
            select(User.id).where(login_matches(username, unique_mobile))):
        raise AccountError("login", "taken")
    user = User(
        username=username, mobile=mobile, display_name=display_name.strip()[:60],
        password_hash=password_hash or hash_password(password), role=role, language=language,
        centre_id=centre_id, must_change_password=must_change_password,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent registration took the name first
        session.rollback()
        raise AccountError("login", "taken") from exc
    return user


@dataclass
class ProfileDetails:
    """The optional details of a profile, which the person and the staff who help them edit
    (the training ledger counts by them). A person editing their own profile also sends
    their name and language; None leaves those unchanged."""

    gender: str | None = None
    birth_year: int | None = None
    township: str | None = None
    village: str | None = None
    display_name: str | None = None
    language: str | None = None


def _place(value: str | None) -> str | None:
    return (value or "").strip()[:60] or None


def update_profile(user: User, details: ProfileDetails) -> None:
    """Save profile details, tidied: blank means "not given"; spaces around places and
    inside names are trimmed.

    AccountError("gender", "unknown") for a gender the ledger does not count."""
    if details.gender and details.gender not in GENDERS:
        raise AccountError("gender", "unknown")
    user.gender = details.gender or None
    user.birth_year = details.birth_year
    user.township = _place(details.township)
    user.village = _place(details.village)
    if details.display_name is not None:
        name = " ".join(details.display_name.split())[:60]
        if not name:
            raise AccountError("display_name", "empty")
        user.display_name = name
    if details.language is not None:
        user.language = details.language


def set_password(user: User, password: str, must_change: bool = False) -> None:
    """Change a password and end the user's other sessions."""
    user.password_hash = hash_password(password)
    user.session_version += 1
    user.must_change_password = must_change


def change_own_password(user: User, current: str, new: str) -> None:
    """A user changing their own password: AccountError("current", "wrong") unless `current`
    is right, AccountError("password", reason) when the new one is weak or unchanged."""
    if not verify_password(user.password_hash, current):
        raise AccountError("current", "wrong")
    reason = check_password_strength(new, user.username, user.mobile, user.display_name)
    if reason:
        raise AccountError("password", reason)
    if verify_password(user.password_hash, new):
        raise AccountError("password", "unchanged")
    set_password(user, new)


def ensure_first_admin(session: Session, instance_path: str) -> Path | None:
    """On first start, create an admin with a random password written to a 0600 file.

    Returns the file's path when an admin was created, else None.
    """
    if session.scalar(select(User.id).where(User.role == Role.ADMIN)):
        return None
    password = secrets.token_urlsafe(12)
    username = "admin"
    if session.scalar(select(User.id).where(User.username == username)):
        username = f"admin-{secrets.token_hex(3)}"
    create_user(session, username=username, password=password, display_name="Administrator",
                role=Role.ADMIN)
    path = Path(instance_path) / "initial-admin-password.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(f"username: {username}\npassword: {password}\n")
    os.chmod(path, 0o600)
    return path
