"""Password hashing: Argon2id by default, older hashes still accepted and upgraded at login."""
import pytest
from werkzeug.security import generate_password_hash

from training.extensions import db
from training.services.accounts import accounts, passwords

PASSWORD = "correct horse battery"


@pytest.fixture
def argon2(app_ctx):
    """The production setting (the test suite otherwise uses a fast PBKDF2)."""
    app_ctx.config["PASSWORD_HASH_METHOD"] = passwords.ARGON2
    return app_ctx


def test_argon2id_with_owasp_settings(argon2):
    stored = passwords.hash_password(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify_password(stored, PASSWORD)
    assert not passwords.verify_password(stored, PASSWORD + "!")
    assert not passwords.needs_rehash(stored)


def test_unreadable_hash_never_matches(argon2):
    assert not passwords.verify_password("$argon2id$garbage", PASSWORD)


@pytest.mark.parametrize("legacy", ["scrypt", "pbkdf2:sha256:600000"])
def test_older_hash_logs_in_and_is_upgraded(argon2, factory, legacy):
    user = factory.user("learner")
    user.password_hash = generate_password_hash(PASSWORD, method=legacy)
    db.session.commit()
    assert passwords.needs_rehash(user.password_hash)
    sessions_before = user.session_version
    assert accounts.authenticate(db.session, user.username, PASSWORD) is user
    assert user.password_hash.startswith("$argon2id$")
    assert user.session_version == sessions_before  # an upgrade ends no session
    assert accounts.authenticate(db.session, user.username, PASSWORD) is user


def test_wrong_password_does_not_upgrade(argon2, factory):
    user = factory.user("learner")
    old = user.password_hash = generate_password_hash(PASSWORD, method="scrypt")
    assert accounts.authenticate(db.session, user.username, "wrong password") is None
    assert user.password_hash == old


def test_unknown_user_costs_a_real_check(argon2, monkeypatch):
    """The refusal of an unknown name does the same hashing work as a wrong password."""
    checked = []
    monkeypatch.setattr(passwords, "verify_password", lambda stored, pw: checked.append(stored) or False)
    assert accounts.authenticate(db.session, "nobody-here", PASSWORD) is None
    assert checked and checked[0].startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_unknown_hash_method_is_refused_at_start(tmp_path, monkeypatch):
    from training import create_app

    monkeypatch.setenv("PASSWORD_HASH_METHOD", "md5")
    with pytest.raises(RuntimeError, match="PASSWORD_HASH_METHOD"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
