"""Sign-up by mobile number, proved by a one-time code sent by SMS (issue 20, item 7).

Step 1 (`begin`) keeps the sign-up as a PendingSignup row (the password only as its hash) and
makes a 6-digit code; step 2 (`confirm`) creates the account when the code comes back. A number
that already has an account goes through the same steps: its text message says so (log in if it
is you) and carries the code too, so another person of the household, holding the same phone,
gets their own account on the number (issue 21, item 5: several accounts may share a number;
the code proves the phone). No existing account is changed, and the pages say the same thing
either way, so they do not tell a stranger which numbers are registered.

Codes are stored as HMAC-SHA256 digests keyed with the app's secret, expire after
CODE_LIFETIME, allow MAX_TRIES tries (then a new code is needed) and are used once.
"""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ...models import PendingSignup, User, utcnow
from . import accounts, sms_codes
from .passwords import hash_password

CODE_LIFETIME, MAX_TRIES = sms_codes.CODE_LIFETIME, sms_codes.MAX_TRIES
RESEND_AFTER = timedelta(seconds=60)
# A sign-up not finished within a day is forgotten (and purged when the next one begins).
KEEP = timedelta(days=1)


class SignupError(Exception):
    """args[0] is a reason: "wrong" (not the code), "expired", "used-up" (too many tries or
    already used: a new code is needed), "too-soon" (a new code was asked for too soon after
    the last) or "taken" (the account could not be created: a concurrent sign-up took its name)."""


@dataclass(frozen=True)
class CodeMessage:
    """The text message one step sends: the code, and whether the number already has an account
    (the message then says to log in if that account is yours), in the language of the sign-up."""

    mobile: str
    code: str
    language: str
    shared: bool = False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _code_digest(secret: bytes, pending: PendingSignup, code: str) -> str:
    return hmac.new(secret, f"{pending.token_digest}:{code}".encode(), hashlib.sha256).hexdigest()


def _new_code(session: Session, pending: PendingSignup, secret: bytes) -> CodeMessage:
    """Give the sign-up a fresh code (the old one stops working) and say what to send."""
    code = f"{secrets.randbelow(10**6):06d}"
    pending.code_digest = _code_digest(secret, pending, code)
    pending.code_sent_at = utcnow()
    pending.tries = 0
    shared = session.scalar(select(User.id).where(User.mobile == pending.mobile).limit(1)) is not None
    return CodeMessage(pending.mobile, code, pending.language, shared)


def begin(session: Session, *, mobile: str, display_name: str, password: str, language: str,
          secret: bytes) -> tuple[str, CodeMessage]:
    """Start a sign-up by mobile number: (the token to keep in the person's session, the text
    message to send). The caller commits."""
    session.execute(delete(PendingSignup).where(PendingSignup.created_at < utcnow() - KEEP))
    token = secrets.token_urlsafe(24)
    pending = PendingSignup(token_digest=_digest(token), mobile=mobile, display_name=display_name.strip()[:60],
                            password_hash=hash_password(password), language=language, created_at=utcnow())
    session.add(pending)
    message = _new_code(session, pending, secret)
    session.flush()
    return token, message


def find(session: Session, token: str | None) -> PendingSignup | None:
    """The sign-up this token started, unless it is finished or older than KEEP."""
    if not token:
        return None
    return session.scalar(select(PendingSignup).where(
        PendingSignup.token_digest == _digest(token), PendingSignup.created_at >= utcnow() - KEEP))


def resend(session: Session, pending: PendingSignup, secret: bytes) -> CodeMessage:
    """A new code for the sign-up (after an expired code or too many tries); SignupError
    "too-soon" within RESEND_AFTER of the last one. The caller commits."""
    if utcnow() - pending.code_sent_at < RESEND_AFTER:
        raise SignupError("too-soon")
    message = _new_code(session, pending, secret)
    session.flush()
    return message


def confirm(session: Session, pending: PendingSignup, code: str, secret: bytes) -> User:
    """Create the account when `code` is the sign-up's current code; SignupError otherwise.

    The code is counted, checked and used once by sms_codes.use. The caller commits in every
    case (a counted try, a used code)."""
    details = {"mobile": pending.mobile, "display_name": pending.display_name,
               "password_hash": pending.password_hash, "language": pending.language}
    try:
        sms_codes.use(session, pending, code, lambda typed: _code_digest(secret, pending, typed), utcnow())
    except sms_codes.CodeRefused as refused:
        raise SignupError(refused.args[0]) from None
    try:  # a number with accounts already gets one more: a household member (the code proves the phone)
        return accounts.create_user(session, **details)
    except accounts.AccountError as exc:
        raise SignupError("taken") from exc
