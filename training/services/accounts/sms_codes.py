"""One-time codes sent by SMS, shared by sign-up (PendingSignup) and password reset
(PasswordReset): a row holds the HMAC of its current code, when it was sent and the tries.

use() counts the try before comparing, in one UPDATE, so parallel requests cannot pass
MAX_TRIES, and takes the row with a DELETE that only one request can win, so a code works once.
"""
import hmac
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.orm import Session


CODE_LIFETIME = timedelta(minutes=10)
MAX_TRIES = 5


class CodeRefused(Exception):
    """args[0]: "used-up", "expired" or "wrong"."""


def use(session: Session, row, typed: str | None, digest_of, now: datetime) -> None:
    """Check `typed` against `row`'s code (`digest_of(code)` gives its HMAC) and delete the row
    when it is right. Raises CodeRefused; the caller commits in every case (a counted try)."""
    model = type(row)
    if row.code_digest is None:
        raise CodeRefused("used-up")
    if now - row.code_sent_at > CODE_LIFETIME:
        raise CodeRefused("expired")
    current = row.code_digest
    counted = session.execute(
        update(model).where(model.id == row.id, model.code_digest == current, model.tries < MAX_TRIES)
        .values(tries=model.tries + 1).execution_options(synchronize_session="fetch")).rowcount
    if not counted:
        raise CodeRefused("used-up")
    code = "".join(unicodedata.normalize("NFKC", typed or "").split())  # full-width digits too
    if not hmac.compare_digest(current, digest_of(code)):
        if row.tries >= MAX_TRIES:
            row.code_digest = None
            session.flush()
            raise CodeRefused("used-up")
        raise CodeRefused("wrong")
    used = session.execute(
        delete(model).where(model.id == row.id, model.code_digest == current)
        .execution_options(synchronize_session="fetch")).rowcount
    if not used:
        raise CodeRefused("used-up")
