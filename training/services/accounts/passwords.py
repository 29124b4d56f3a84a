"""Password hashing: Argon2id with OWASP's recommended settings (19 MiB of memory, 2
passes, 1 lane), about 40 ms of CPU per check on a small server, so a province's training
day can sign in thousands of learners without a queue while a stolen hash stays costly to
crack. Hashes made by earlier releases (Werkzeug's scrypt or PBKDF2) still verify and are
replaced by an Argon2id hash at the user's next successful login.

PASSWORD_HASH_METHOD picks the method: "argon2id" (the default) or any Werkzeug method
("scrypt", "pbkdf2:sha256:600000"; the test suite uses a fast PBKDF2 to save time).
"""
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

ARGON2 = "argon2id"
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD", ARGON2) if has_app_context() else ARGON2


def hash_password(password: str) -> str:
    chosen = method()
    if chosen == ARGON2:
        return _hasher.hash(password)
    return generate_password_hash(password, method=chosen)


def verify_password(stored: str, password: str) -> bool:
    if stored.startswith("$argon2"):
        try:
            return _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    return check_password_hash(stored, password)


def needs_rehash(stored: str) -> bool:
    """True when a hash was made another way than the configured method (an older release)."""
    if method() == ARGON2:
        return not stored.startswith("$argon2") or _hasher.check_needs_rehash(stored)
    return False


@cache
def _dummy_hash(chosen: str) -> str:
    return _hasher.hash("not a password") if chosen == ARGON2 else generate_password_hash(
        "not a password", method=chosen)


def spend_the_same_time(password: str) -> None:
    """The work of checking a password, for logins that match no user: an unknown name takes
    as long to refuse as a wrong password, so the answer's timing does not tell them apart."""
    verify_password(_dummy_hash(method()), password)
