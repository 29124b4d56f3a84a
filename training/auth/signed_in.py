"""Who is signed in: the user behind the session, read once per request.

Flask-Login's `current_user` is a SignedInUser: the user's row as it is in the database when
the request starts, read with one statement (training/reads.py) and kept read-only. Pages,
templates and authorization rules only read it. A view that changes the user, or hands them
to a service that does, asks for `current_user.record()`: the ORM's User in the request's
session, loaded then (the session's identity map keeps it for the rest of the request).

The password hash is never read here: only the views that check a password load it, through
the record.

On a learner's page about one course (an endpoint in COURSE_STATE_PAGES, with the course's
<slug> in its URL), the same statement also reads the learner's state in that course, which
the page needs next: one round trip to the database instead of two. The page takes it with
state_read_with_user().
"""
from flask import g, request
from sqlalchemy import bindparam, literal, null, select, union_all

from ..extensions import db
from ..models import User
from ..models.users import Person
from .. import reads
from ..reads import Read
from ..services import progress

_users = User.__table__
# Every column but the password hash, in this order.
FIELDS = tuple(column.name for column in _users.columns if column.name != "password_hash")
_COLUMNS = [_users.c[name] for name in FIELDS]
_BY_ID = Read(select(*_COLUMNS).where(_users.c.id == bindparam("user_id")))

# Endpoints that read the learner's state in the course of their URL (learn/ and quiz/ views).
COURSE_STATE_PAGES: set[str] = set()

# The user and their state in a course, as rows of the state (kind, id, passed, number,
# attempts) followed by the user's fields: the user's row is kind "u" with empty state
# fields, the state's rows have empty user fields. (Plain NULLs: a UNION's column takes its
# type from the branch that has one, and the statement stays short enough for psycopg to
# keep its parsed form, see reads.Read.)
_STATE_SELECTS = progress.stamp_and_state_selects()
_STATE_WIDTH = len(_STATE_SELECTS[0].selected_columns)
_BY_ID_WITH_STATE = Read(union_all(
    select(literal("u"), *[null()] * (_STATE_WIDTH - 1), *_COLUMNS).where(_users.c.id == bindparam("user_id")),
    *(state.add_columns(*[null()] * len(_COLUMNS)) for state in _STATE_SELECTS),
))


class SignedInUser(Person):
    """A read-only snapshot of the signed-in user's row (every column but the password hash)."""

    __slots__ = FIELDS

    def __init__(self, row: tuple):
        for name, value in zip(FIELDS, row):
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise AttributeError(f"the signed-in user is read-only: change current_user.record().{name}")

    def record(self) -> User:
        """The ORM's User for this person, in the request's session."""
        return db.session.get(User, self.id)

    def __repr__(self) -> str:
        return f"<SignedInUser {self.login_name} {self.role}>"


def load(session_id: str) -> SignedInUser | None:
    """The user of a session id ("<user id>.<session version>"), or None when there is no such
    user, the account is switched off, or the session was ended (a password change, a reset
    by staff or a sign-out everywhere moves the session version)."""
    user_id, _, version = session_id.partition(".")
    if not user_id.isdigit() or not version.isdigit():
        return None
    current = request._get_current_object()
    slug = (current.view_args or {}).get("slug") if current.endpoint in COURSE_STATE_PAGES else None
    # A URL with a NUL byte is refused (security.py) before it reaches any view; its error
    # page reads the user alone (PostgreSQL text cannot hold a NUL).
    if slug is None or "\x00" in slug:
        row = _BY_ID.first(reads.connection(), user_id=int(user_id))
    else:
        row = _with_state(int(user_id), slug)
    if row is None:
        return None
    user = SignedInUser(row)
    if user.session_version != int(version) or not user.active:
        return None
    return user


def _with_state(user_id: int, slug: str) -> tuple | None:
    """The user's row, read with their state in the course `slug`, which is kept for the page."""
    row, state = None, []
    for read in _BY_ID_WITH_STATE.rows(reads.connection(), user_id=user_id, slug=slug):
        if read[0] == "u":
            row = read[_STATE_WIDTH:]
        else:
            state.append(read[:_STATE_WIDTH])
    g._course_state_read = (user_id, slug, state)
    return row


def state_read_with_user(user_id: int, slug: str) -> list[tuple] | None:
    """The rows of progress.stamp_and_state_selects() for this learner and course when they
    were read with the signed-in user (progress.split_stamp() takes them), else None. Handed
    out once: a page that reads the state again, after writing, reads it anew."""
    read = g.pop("_course_state_read", None)
    if read is None or read[:2] != (user_id, slug):
        return None
    return read[2]
