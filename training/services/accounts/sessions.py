"""Login sessions: each sign-in has a random id that its cookies carry; signing out ends it.

The login identity is "<user id>.<session version>.<start>.<session id>" (User.get_id). A session
is valid while the user's session version is unchanged (a password change, a reset by staff or
"sign out everywhere" moves it), its id is not in ended_session (signing out puts it there) and
it began less than max_age ago. Ended ids are kept for max_age, then purged: by then every
cookie that carried them is refused for its age.
"""
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import EndedSession, User, utcnow

IDENTITY_RE = re.compile(r"^(\d{1,18})\.(\d{1,9})\.(\d{1,12})\.([0-9a-f]{32})$")


def new_login_session() -> tuple[int, str]:
    """A new session: (start, Unix seconds; 128 random bits as hex)."""
    return int(time.time()), secrets.token_hex(16)


@dataclass(frozen=True)
class Identity:
    user_id: int
    version: int
    started: int
    session_id: str


def parse_identity(text: str) -> Identity | None:
    """The parts of a login identity, or None for anything else (such as an identity of an
    earlier release, "<user id>.<version>", which carries no session id)."""
    match = IDENTITY_RE.match(text or "")
    if match is None:
        return None
    user_id, version, started, session_id = match.groups()
    return Identity(int(user_id), int(version), int(started), session_id)


def load_signed_in_user(session: Session, identity: str, max_age: timedelta, now: float | None = None) -> User | None:
    """The active user of a current login session, in one query, or None when the session was
    signed out, is older than max_age, or the user's session version moved."""
    found = parse_identity(identity)
    now = time.time() if now is None else now
    if found is None or not now - max_age.total_seconds() <= found.started <= now + 60:
        return None
    user = session.scalar(select(User).where(
        User.id == found.user_id, User.session_version == found.version, User.active.is_(True),
        ~exists().where(EndedSession.id == found.session_id)))
    if user is not None:
        user.login_session = (found.started, found.session_id)
    return user


def end_session(session: Session, user: User, max_age: timedelta) -> None:
    """Sign out: the user's current login session opens nothing any more (whatever cookie
    carries it); ended sessions older than max_age are forgotten. The caller commits."""
    if user.login_session is not None:
        try:
            with session.begin_nested():  # another tab may sign the same session out at once
                session.add(EndedSession(id=user.login_session[1], user_id=user.id))
        except IntegrityError:
            pass
    session.execute(delete(EndedSession).where(EndedSession.ended_at < utcnow() - max_age))
