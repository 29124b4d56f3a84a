"""Register, log in, log out; safe redirects; session versioning."""
import re

import pytest
from sqlalchemy import func, select

from training import sms
from training.extensions import db
from training.models import AuditEvent, User
from training.services.accounts import accounts

from ..factories import PASSWORD


def register(client, **overrides):
    data = {"display_name": "李师傅", "login": "lishifu", "password": "tea-garden-88",
            "confirm": "tea-garden-88", "language": "zh_CN", "consent": "y"}
    data.update(overrides)
    return client.post("/register", data=data)


def login(client, login_name, password=PASSWORD, next_url=None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"login": login_name, "password": password})


def test_register_creates_a_learner_with_hashed_password(client, app_ctx):
    response = register(client)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "lishifu"))
    assert user.role == "learner" and user.password_hash.startswith("pbkdf2:")
    assert "tea-garden-88" not in user.password_hash


@pytest.mark.parametrize("field, value, message", [
    ("login", "12", "Enter an 11-digit mainland mobile number"),
    ("login", "12345678901", "Enter an 11-digit mainland mobile number"),
    ("password", "short", "at least 8 characters"),
    ("confirm", "different-password", "not the same"),
    ("display_name", "", "This field is required"),
])
def test_invalid_registration_comes_back_with_input_and_message(client, app_ctx, field, value, message):
    """Does bad input come back with the user's input, a message at the field, and no user?"""
    response = register(client, **{field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert 'value="李师傅"' in page or field == "display_name"
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_duplicate_mobile_is_refused_without_saying_so(client, factory):
    """A registered number goes on to the code page like any number (its owner gets an SMS
    instead of a code); the form never says "already registered" for a number."""
    factory.user(mobile="13900001111")
    response = register(client, login="139-0000-1111")
    assert response.status_code == 302 and response.headers["Location"] == "/register/code"
    assert "already registered" not in client.get("/register/code").get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_login_by_username_and_by_mobile(app, factory):
    factory.user(username="zhang", mobile="13712345678")
    for name in ("zhang", "ZHANG", "137 1234 5678", "+8613712345678", "１３７１２３４５６７８"):
        client = app.test_client()
        assert login(client, name).status_code == 302, name
        assert client.get("/me").status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_message(client, factory):
    factory.user(username="zhang")
    wrong = login(client, "zhang", "not-the-password").get_data(as_text=True)
    unknown = login(client, "nobody", "not-the-password").get_data(as_text=True)
    message = "Wrong mobile number, username or password."
    assert message in wrong and message in unknown


def test_failed_logins_are_audited_without_what_was_typed(client, factory):
    """A wrong password is recorded against the account, an unknown name with the address only;
    the typed name (sometimes a password) is kept nowhere. A successful login records nothing."""
    user = factory.user(username="zhang")
    login(client, "zhang", "not-the-password")
    login(client, "my-secret-typed-as-name", "not-the-password")
    login(client, "zhang")
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.target_type, e.target_id, e.actor_id) for e in events] == [
        ("user.login_failed", "user", user.id, None), ("user.login_failed", "", None, None)]
    assert all(e.ip_address == "127.0.0.1" for e in events)
    assert "my-secret" not in repr([(e.detail, e.target_type) for e in events])


@pytest.mark.parametrize("target, expected", [
    ("/courses", "/courses"),
    ("https://evil.example/", "/"),
    ("//evil.example/x", "/"),
    ("/\\evil.example", "/"),
])
def test_next_redirect_stays_on_this_site(client, factory, target, expected):
    factory.user(username="zhang")
    response = login(client, "zhang", next_url=target)
    assert response.headers["Location"] == expected


def test_logout_needs_post(learner_client):
    assert learner_client.get("/logout").status_code == 405
    assert learner_client.post("/logout").status_code == 302
    assert learner_client.get("/me").status_code == 302


def test_password_change_ends_other_sessions(app, factory):
    """Does bumping the session version sign the user out of sessions made before?"""
    user = factory.user(username="zhang")
    client = app.test_client()
    login(client, "zhang")
    assert client.get("/me").status_code == 200
    accounts.set_password(user, "a-new-password-1")
    db.session.commit()
    assert client.get("/me").status_code == 302


def test_mobile_masking():
    assert accounts.mask_mobile("13812341234") == "138****1234"


@pytest.mark.parametrize("raw, expected", [
    ("13800138000", "13800138000"), ("138 0013 8000", "13800138000"), ("+86 138-0013-8000", "13800138000"),
    ("8613800138000", "13800138000"), ("１３８００１３８０００", "13800138000"),
    ("12800138000", None), ("1380013800", None), ("abc", None),
])
def test_normalise_mobile(raw, expected):
    assert accounts.normalise_mobile(raw) == expected


def test_first_admin_gets_a_private_random_password_file(app_ctx, tmp_path):
    path = accounts.ensure_first_admin(db.session, str(tmp_path))
    db.session.commit()
    assert path is not None and (path.stat().st_mode & 0o777) == 0o600
    content = path.read_text()
    assert "username: admin" in content
    password = content.split("password: ")[1].strip()
    assert len(password) >= 12
    assert accounts.authenticate(db.session, "admin", password).role == "admin"
    assert accounts.ensure_first_admin(db.session, str(tmp_path)) is None


@pytest.mark.parametrize("target, expected", [
    ("/classes/join/K7M2QX", "/classes/join/K7M2QX"),
    ("https://evil.example/", "/courses"),
])
def test_registration_returns_to_the_page_that_asked_for_it(client, app_ctx, target, expected):
    """A farmer who scanned a class's QR code and signs up lands back on the join page."""
    page = client.get(f"/login?next={target}").get_data(as_text=True)
    assert "/register?next=" in page
    response = client.post(f"/register?next={target}", data={
        "display_name": "赵大哥", "login": "13900002222", "password": "tea-garden-88",
        "confirm": "tea-garden-88", "language": "zh_CN", "consent": "y"})
    assert response.status_code == 302
    code = re.search(r"\d{6}", sms.backend().outbox[-1][1]).group()
    response = client.post(response.headers["Location"], data={"code": code})
    assert response.status_code == 302 and response.headers["Location"] == expected
