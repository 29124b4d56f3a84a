"""Getting back in after a forgotten password, by a one-time code sent by SMS (issue 23, item 3).

Step 1 (`begin`) keeps a PasswordReset row for the mobile number typed and makes a 6-digit
code. The code is texted only when the number has an account; the row and the page that follows
are the same either way, so nothing tells a stranger whether a number is registered. Step 2
(`confirm`) checks the code: it is stored as an HMAC-SHA256 digest keyed with the app's secret,
expires after CODE_LIFETIME, allows MAX_TRIES tries and works once (the right code deletes the
row). The right code gives a signed proof (`proof_token`) naming the accounts on the number and
their session versions; the person picks their name when a household shares the number, then
sets a new password (`reset_password`). Setting it moves the session version, which ends every
sign-in of that account and makes the proof useless for a second reset.

Every function takes `now` (naive UTC) so tests can move the clock; the views leave it out.
"""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ...models import PasswordReset, User, utcnow
from . import accounts, audit, sms_codes

CODE_LIFETIME, MAX_TRIES = sms_codes.CODE_LIFETIME, sms_codes.MAX_TRIES
RESEND_AFTER = timedelta(seconds=60)
# After the right code, the new password must be set within this time.
PROOF_SECONDS = 10 * 60
# A reset not finished within a day is forgotten (and purged when the next one begins).
KEEP = timedelta(days=1)
_SALT = "cunbo-password-reset"


class ResetError(Exception):
    """args[0] is a reason: "wrong" (not the code), "expired", "used-up" (too many tries or
    already used: a new code is needed), "too-soon" (a new code asked for within RESEND_AFTER)."""


@dataclass(frozen=True)
class CodeMessage:
    """The text message to send: only made when the number has at least one active account."""

    mobile: str
    code: str
    language: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _code_digest(secret: bytes, reset: PasswordReset, code: str) -> str:
    return hmac.new(secret, f"reset:{reset.token_digest}:{code}".encode(), hashlib.sha256).hexdigest()


def people(session: Session, mobile: str) -> list[User]:
    """The active accounts on a mobile number (a household may share one), by name."""
    return list(session.scalars(select(User).where(User.mobile == mobile, User.active.is_(True))
                                .order_by(User.display_name, User.id)))


def _new_code(session: Session, reset: PasswordReset, secret: bytes, now: datetime) -> CodeMessage | None:
    """Give the reset a fresh code (the old one stops working); the message to send, or None
    when the number has no account (nothing is sent, and nothing on the page says so)."""
    code = f"{secrets.randbelow(10**6):06d}"
    reset.code_digest = _code_digest(secret, reset, code)
    reset.code_sent_at = now
    reset.tries = 0
    owners = people(session, reset.mobile)
    if not owners:
        return None
    return CodeMessage(reset.mobile, code, owners[0].language or "zh_CN")


def begin(session: Session, *, mobile: str, secret: bytes,
          now: datetime | None = None) -> tuple[str, CodeMessage | None]:
    """Start a reset for `mobile` (a normalised 11-digit number): (the token to keep in the
    person's session, the text message to send or None). The caller commits."""
    now = now or utcnow()
    session.execute(delete(PasswordReset).where(PasswordReset.created_at < now - KEEP))
    token = secrets.token_urlsafe(24)
    reset = PasswordReset(token_digest=_digest(token), mobile=mobile, created_at=now, code_sent_at=now)
    session.add(reset)
    message = _new_code(session, reset, secret, now)
    session.flush()
    return token, message


def find(session: Session, token: str | None, now: datetime | None = None) -> PasswordReset | None:
    """The reset this token started, unless it is finished or older than KEEP."""
    if not token:
        return None
    now = now or utcnow()
    return session.scalar(select(PasswordReset).where(
        PasswordReset.token_digest == _digest(token), PasswordReset.created_at >= now - KEEP))


def resend(session: Session, reset: PasswordReset, secret: bytes,
           now: datetime | None = None) -> CodeMessage | None:
    """A new code for the reset; ResetError "too-soon" within RESEND_AFTER of the last one.
    The caller commits."""
    now = now or utcnow()
    if now - reset.code_sent_at < RESEND_AFTER:
        raise ResetError("too-soon")
    message = _new_code(session, reset, secret, now)
    session.flush()
    return message


def confirm(session: Session, reset: PasswordReset, code: str, secret: bytes,
            now: datetime | None = None) -> list[User]:
    """The active accounts on the reset's number when `code` is its current code (the reset is
    then deleted: the code works once); ResetError otherwise (sms_codes.use). The caller
    commits in every case (a counted try, a used code)."""
    mobile = reset.mobile
    try:
        sms_codes.use(session, reset, code, lambda typed: _code_digest(secret, reset, typed),
                      now or utcnow())
    except sms_codes.CodeRefused as refused:
        raise ResetError(refused.args[0]) from None
    return people(session, mobile)


def proof_token(secret: bytes, users: list[User], chosen: int | None = None) -> str:
    """A signed proof that the phone of these accounts received the right code: their ids and
    session versions, and the account picked (when several share the number)."""
    return URLSafeTimedSerializer(secret, salt=_SALT).dumps(
        {"u": [[u.id, u.session_version] for u in users], "c": chosen})


@dataclass(frozen=True)
class Proof:
    """What a proof token says: (user id, session version) pairs and the account picked."""

    versions: tuple[tuple[int, int], ...]
    chosen: int | None


def read_proof(secret: bytes, token: str | None, max_age: int = PROOF_SECONDS) -> Proof | None:
    """The proof a token carries, or None when it is missing, altered or too old."""
    if not token:
        return None
    try:
        data = URLSafeTimedSerializer(secret, salt=_SALT).loads(token, max_age=max_age)
    except BadSignature:
        return None
    pairs = data.get("u") if isinstance(data, dict) else None
    chosen = data.get("c") if isinstance(data, dict) else None
    if not isinstance(pairs, list) or not pairs or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(v, int) for v in p) for p in pairs):
        return None
    if chosen is not None and not isinstance(chosen, int):
        return None
    return Proof(tuple((p[0], p[1]) for p in pairs), chosen)


def proof_people(session: Session, proof: Proof) -> list[User]:
    """The accounts a proof still opens: active, and whose password has not changed since (a
    finished reset, or any other password change, moves the session version)."""
    ids = [user_id for user_id, _ in proof.versions]
    versions = dict(proof.versions)
    users = session.scalars(select(User).where(User.id.in_(ids), User.active.is_(True))
                            .order_by(User.display_name, User.id))
    return [user for user in users if versions.get(user.id) == user.session_version]


def chosen_person(session: Session, proof: Proof) -> User | None:
    """The one account the new password is for: the picked one, or the only one; None while a
    household still has to pick, or when the proof no longer opens it."""
    open_ = proof_people(session, proof)
    if proof.chosen is not None:
        return next((user for user in open_ if user.id == proof.chosen), None)
    return open_[0] if len(open_) == 1 and len(proof.versions) == 1 else None


def reset_password(session: Session, user: User, password: str, ip_address: str = "") -> None:
    """Give `user` a new password after a proved code: AccountError("password", reason) when it
    is weak. Every sign-in of the account ends (the session version moves), a password staff
    gave to change no longer needs changing, and the reset is audited. The caller commits."""
    reason = accounts.check_password_strength(password, user.username, user.mobile, user.display_name)
    if reason:
        raise accounts.AccountError("password", reason)
    old_version = user.session_version
    accounts.set_password(user, password)
    audit.record(session, "user.password_reset_sms", user.id, "user", user.id, ip_address=ip_address,
                 mobile=accounts.mask_mobile(user.mobile), old_session_version=old_version)
    session.flush()
