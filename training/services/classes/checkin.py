"""Whether a check-in is accepted: the session's time window, class membership, and the
rotating code on the classroom screen.

Pure rules over plain values (no database, no request): the view gathers the facts (the time,
whether the person is a member, the token in the link) and translates the reason code.

The rotating code: the classroom screen's QR link carries a token, HMAC(SECRET_KEY, check-in code
and 60-second slot), shortened to 8 base32 characters. The token of the current slot and of the
previous one are accepted (grace for a slow phone), so a forwarded screenshot goes stale within
two minutes. A person who scans it and must sign in first (typing a one-time password, choosing
their own) may take longer: the landing of that sign-in checks the token against the time they
signed in, with SIGN_IN_SLOTS of grace.
"""
import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

SLOT_SECONDS = 60
TOKEN_LENGTH = 8
# The token of the current slot and of the previous one are accepted.
FRESH_SLOTS = 2
# A token brought through a sign-in it started counts when it was at most this many slots old
# at the time of the sign-in (typing a one-time password and choosing a new one takes time).
SIGN_IN_SLOTS = 10

OK = "ok"
TOO_EARLY = "too-early"
CLOSED = "closed"
NOT_MEMBER = "not-member"
CODE_EXPIRED = "code-expired"


def slot(now: datetime) -> int:
    """The 60-second slot a naive UTC time falls in."""
    return int(now.replace(tzinfo=UTC).timestamp()) // SLOT_SECONDS


def slot_ends(now: datetime) -> int:
    """Seconds until the slot of `now` ends and the screen shows a new token (1 to 60)."""
    return SLOT_SECONDS - int(now.replace(tzinfo=UTC).timestamp()) % SLOT_SECONDS


def screen_token(secret: str | bytes, checkin_code: str, at_slot: int) -> str:
    """The rotating token of a session's check-in code for one slot."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, f"checkin:{checkin_code}:{at_slot}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:TOKEN_LENGTH]


def token_age(secret: str | bytes, checkin_code: str, token: str | None, now: datetime,
              slots: int = FRESH_SLOTS) -> int | None:
    """How many slots old the token is at `now` (0 = current), or None when it is none of the
    last `slots` tokens (wrong, expired, or from the future)."""
    token = (token or "").strip().upper()
    if len(token) != TOKEN_LENGTH:
        return None
    current = slot(now)
    for age in range(slots):
        if hmac.compare_digest(token, screen_token(secret, checkin_code, current - age)):
            return age
    return None


def token_is_fresh(secret: str | bytes, checkin_code: str, token: str | None, now: datetime,
                   signed_in_at: datetime | None = None) -> bool:
    """The token is the current or previous slot's at `now`; or, for the page a sign-in that
    the link started lands on (`signed_in_at`), at most SIGN_IN_SLOTS old at that sign-in."""
    if token_age(secret, checkin_code, token, now) is not None:
        return True
    if signed_in_at is None or signed_in_at > now:
        return False
    return token_age(secret, checkin_code, token, signed_in_at, SIGN_IN_SLOTS) is not None


def window_end(opens_at: datetime, closes_at: datetime, late_until: datetime | None) -> datetime:
    """When check-in closes: the end of the window, or of the late window if later."""
    return max(closes_at, late_until) if late_until else closes_at


@dataclass(frozen=True)
class Decision:
    """A check-in's answer: `reason` is OK or a refusal code; `at` is when check-in opens
    (TOO_EARLY) or closed (CLOSED)."""

    reason: str
    at: datetime | None = None

    @property
    def accepted(self) -> bool:
        return self.reason == OK


def decide(*, now: datetime, opens_at: datetime, closes_at: datetime, late_until: datetime | None,
           is_member: bool, allow_join: bool, screen_code_required: bool,
           token_fresh: bool) -> Decision:
    """May this person check in now? The window first (opens_at <= now <= the end of the window
    or late window), then membership (or joining allowed), then the classroom screen's code."""
    if now < opens_at:
        return Decision(TOO_EARLY, opens_at)
    end = window_end(opens_at, closes_at, late_until)
    if now > end:
        return Decision(CLOSED, end)
    if not is_member and not allow_join:
        return Decision(NOT_MEMBER)
    if screen_code_required and not token_fresh:
        return Decision(CODE_EXPIRED)
    return Decision(OK)
