"""Centres and staff: create and edit centres, create trainer accounts, change roles."""
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import Centre, Role, User
from . import accounts
from ..classes.roster import one_time_password


class CentreError(ValueError):
    """args[0] is a field name, args[1] a reason code (the view translates it)."""


@dataclass
class CentreDetails:
    name: str
    province: str = ""
    city: str = ""
    county: str = ""
    phone: str = ""  # shown on the "forgot your password?" page


def save_centre(session: Session, centre: Centre | None, details: CentreDetails) -> Centre:
    """Create (centre None) or update a centre; names are unique."""
    name = details.name.strip()
    taken = session.scalar(
        select(Centre.id).where(func.lower(Centre.name) == name.lower(),
                                Centre.id != (centre.id if centre else -1))
    )
    if taken:
        raise CentreError("name", "taken")
    if centre is None:
        centre = Centre(name=name)
        session.add(centre)
    centre.name = name[:120]
    for place in ("province", "city", "county"):
        setattr(centre, place, getattr(details, place).strip()[:40])
    centre.phone = " ".join(details.phone.split())[:30]
    session.flush()
    return centre


def staff_counts(session: Session) -> dict[int, int]:
    """Trainers per centre, in one grouped query."""
    return dict(session.execute(
        select(User.centre_id, func.count(User.id))
        .where(User.role == Role.TRAINER, User.centre_id.is_not(None))
        .group_by(User.centre_id)
    ).all())


def create_trainer(session: Session, *, display_name: str, username: str | None, mobile: str | None,
                   centre_id: int) -> tuple[User, str]:
    """A trainer account with a one-time password that must be changed at first login."""
    password = one_time_password()
    user = accounts.create_user(
        session, username=username, mobile=mobile, password=password, display_name=display_name,
        role=Role.TRAINER, centre_id=centre_id, must_change_password=True,
    )
    return user, password


def change_role(user: User, role: str, centre_id: int | None) -> dict:
    """Set a user's role and centre; returns what changed (for the audit log).

    A trainer needs a centre. Signing the user out everywhere makes the new role apply at once.
    """
    if role not in {r.value for r in Role}:
        raise CentreError("role", "unknown")
    if role == Role.TRAINER and centre_id is None:
        raise CentreError("centre_id", "required")
    before = {"role": user.role, "centre_id": user.centre_id}
    user.role = role
    user.centre_id = centre_id
    if before["role"] != role:
        user.session_version += 1
    return {"before": before, "after": {"role": role, "centre_id": centre_id}}
