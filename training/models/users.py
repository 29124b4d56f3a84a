"""People and places: users with a role, and county e-commerce centres."""
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow


class Role(StrEnum):
    LEARNER = "learner"
    TRAINER = "trainer"
    ADMIN = "admin"


class Centre(db.Model):
    """A county e-commerce public service centre (县级电子商务公共服务中心)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    province: Mapped[str] = mapped_column(String(40), default="")
    city: Mapped[str] = mapped_column(String(40), default="")
    county: Mapped[str] = mapped_column(String(40), default="")
    # Whom a learner who forgot their password can call.
    phone: Mapped[str] = mapped_column(String(30), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Centre {self.name}>"


class User(UserMixin, db.Model):
    """Anyone who signs in. Logs in with a username or a mainland mobile number."""

    __tablename__ = "users"  # "user" is reserved in PostgreSQL
    __table_args__ = (
        CheckConstraint("username IS NOT NULL OR mobile IS NOT NULL", name="has_login"),
        CheckConstraint("role IN ('learner', 'trainer', 'admin')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str | None] = mapped_column(String(40), unique=True)
    # Not unique: a household may share one phone and one number.
    mobile: Mapped[str | None] = mapped_column(String(11), index=True)
    display_name: Mapped[str] = mapped_column(String(60))
    # Read only where a password is checked or set, not with every signed-in request.
    password_hash: Mapped[str] = mapped_column(String(255), deferred=True)
    # Optional 6-digit PIN a trainer sets for a learner without a phone of their own.
    pin_hash: Mapped[str | None] = mapped_column(String(255), deferred=True)
    role: Mapped[str] = mapped_column(String(10), default=Role.LEARNER, index=True)
    language: Mapped[str] = mapped_column(String(10), default="zh_CN")
    centre_id: Mapped[int | None] = mapped_column(
        ForeignKey("centre.id", ondelete="SET NULL"), index=True
    )
    # Optional profile fields county training ledgers report on.
    gender: Mapped[str | None] = mapped_column(String(1))
    birth_year: Mapped[int | None]
    township: Mapped[str | None] = mapped_column(String(60))
    village: Mapped[str | None] = mapped_column(String(60))
    # Last four characters of the ID card number, which some county ledgers ask for.
    id_last4: Mapped[str | None] = mapped_column(String(4))
    # PIPL special personal information (e.g. 脱贫户 / 监测户): kept only with its own consent,
    # shown only to staff of the learner's centre, exported only when the exporter asks.
    household_category: Mapped[str | None] = mapped_column(String(20))
    household_consent_at: Mapped[datetime | None]
    # Whether the public certificate check shows the whole name (masked, 张*华, by default).
    certificate_full_name: Mapped[bool] = mapped_column(default=False)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Part of the login session id: bumping it signs the user out everywhere.
    session_version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    # PIPL: when the person agreed to the privacy notice at registration (None for accounts
    # created by staff or before the notice existed), when they asked for their data to be
    # deleted, and when an admin anonymized the account.
    privacy_consent_at: Mapped[datetime | None]
    deletion_requested_at: Mapped[datetime | None]
    anonymized_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    centre: Mapped[Centre | None] = relationship()

    # The login session this object signs in with or was loaded for (not a column): a
    # (start time, random id) pair, set at sign-in and by the user loader.
    login_session = None

    def get_id(self) -> str:
        """The login identity kept in the session and "keep me signed in" cookies:
        "<user id>.<session version>.<session start>.<session id>" (a new session each time
        when the object has none, as for a test client signed in without the login page)."""
        from ..services.accounts import sessions  # the service imports the models

        started, session_id = self.login_session or sessions.new_login_session()
        return f"{self.id}.{self.session_version}.{started}.{session_id}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_trainer(self) -> bool:
        return self.role == Role.TRAINER

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.TRAINER, Role.ADMIN)

    @property
    def login_name(self) -> str:
        return self.username or self.mobile or ""

    def __repr__(self) -> str:
        return f"<User {self.login_name} {self.role}>"


class EndedSession(db.Model):
    """A login session ended by signing out: the cookies that carry its id (the session and
    "keep me signed in") open nothing any more. Kept until no such cookie could still be valid."""

    __tablename__ = "ended_session"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # 128 random bits, as hex
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    ended_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class PendingSignup(db.Model):
    """A sign-up by mobile number waiting for the one-time code sent to that number by SMS: the
    account is created only when the code comes back (so a stranger cannot tell which numbers
    are registered). Deleted when its code is used; ignored, then purged, a day after it began."""

    __tablename__ = "pending_signup"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the random token kept in the person's signed session cookie.
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    mobile: Mapped[str] = mapped_column(String(11))
    display_name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(10))
    # HMAC-SHA256 of the current code; None once the code is used up (too many tries).
    code_digest: Mapped[str | None] = mapped_column(String(64))
    code_sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    tries: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class PasswordReset(db.Model):
    """A password reset by SMS waiting for its one-time code, for a mobile number (which may be
    shared by a household: the person is chosen once the code is right). Deleted when used;
    ignored, then purged, a day after it began."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the random token kept in the person's signed session cookie.
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    mobile: Mapped[str] = mapped_column(String(11))
    # HMAC-SHA256 of the current code; None once the code is used up (too many tries).
    code_digest: Mapped[str | None] = mapped_column(String(64))
    code_sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    tries: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
