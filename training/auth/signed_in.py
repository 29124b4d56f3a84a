"""Who is signed in: the user behind the session, read once per request.

Flask-Login's `current_user` is a SignedInUser: the user's row as it is in the database when
the request starts, read with one statement (training/reads.py) and kept read-only. Pages,
templates and authorization rules only read it. A view that changes the user, or hands them
to a service that does, asks for `current_user.record()`: the ORM's User in the request's
session, loaded then (the session's identity map keeps it for the rest of the request).

The password hash is never read here: only the views that check a password load it, through
the record.
"""
from sqlalchemy import bindparam, select

from ..extensions import db
from ..models import User
from ..models.users import Person
from .. import reads
from ..reads import Read

_users = User.__table__
# Every column but the password hash, in this order.
FIELDS = tuple(column.name for column in _users.columns if column.name != "password_hash")
_BY_ID = Read(select(*(_users.c[name] for name in FIELDS)).where(_users.c.id == bindparam("id")))


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
    row = _BY_ID.first(reads.connection(), id=int(user_id))
    if row is None:
        return None
    user = SignedInUser(row)
    if user.session_version != int(version) or not user.active:
        return None
    return user
