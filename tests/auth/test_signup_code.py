"""Sign-up by mobile number proved by a one-time SMS code; the same answers for registered numbers."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from training import sms
from training.extensions import db
from training.models import PendingSignup, User, utcnow
from training.services.accounts import accounts, signup

from ..factories import PASSWORD

FORM = {"display_name": "王大姐", "password": "mushroom-2026", "confirm": "mushroom-2026",
        "language": "zh_CN", "consent": "y"}


def start(client, mobile, next_url=None, **overrides):
    url = "/register" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={**FORM, "login": mobile, **overrides})


def outbox():
    return sms.backend().outbox


def last_code(mobile):
    """The code of the last text message sent to this number (the console backend's outbox)."""
    text = [text for to, text in outbox() if to == mobile][-1]
    return re.search(r"\b(\d{6})\b", text).group(1)


def enter(client, code, next_url=None):
    url = "/register/code" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"code": code})


def wrong(code):
    return "000000" if code != "000000" else "111111"


def users():
    return db.session.scalar(select(func.count(User.id)))


def move_time(monkeypatch, delta):
    now = utcnow() + delta
    monkeypatch.setattr(signup, "utcnow", lambda: now)


def test_code_from_the_text_message_creates_the_account_and_keeps_next(client, app_ctx):
    """Form → a code by SMS and "enter the code we sent to 138****8000" → the code creates the
    account, signs it in and goes back to the class's join page; the password is not in the cookie."""
    response = start(client, "138 0013 8000", next_url="/classes/join/K7M2QX")
    assert response.status_code == 302
    assert response.headers["Location"] == "/register/code?next=/classes/join/K7M2QX"
    assert users() == 0
    assert "mushroom-2026" not in (client.get_cookie("session").value if client.get_cookie("session") else "")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "138****8000" in page and "13800138000" not in page
    code = last_code("13800138000")
    assert db.session.scalar(select(PendingSignup.code_digest)) not in (None, code)

    response = enter(client, f" {code} ", next_url="/classes/join/K7M2QX")
    assert response.status_code == 302 and response.headers["Location"] == "/classes/join/K7M2QX"
    user = db.session.scalar(select(User).where(User.mobile == "13800138000"))
    assert user.display_name == "王大姐" and user.language == "zh_CN" and user.privacy_consent_at
    assert accounts.authenticate(db.session, "13800138000", "mushroom-2026") is not None
    assert client.get("/me").status_code == 200
    assert db.session.scalar(select(func.count(PendingSignup.id))) == 0


def test_wrong_code_is_refused_and_the_right_one_still_works(client, app_ctx):
    start(client, "13800138000")
    code = last_code("13800138000")
    response = enter(client, wrong(code))
    assert response.status_code == 200 and "This code is not right" in response.get_data(as_text=True)
    assert users() == 0
    assert enter(client, code).status_code == 302 and users() == 1


def test_expired_code_is_refused_and_a_new_code_works(client, app_ctx, monkeypatch):
    """A code works for 10 minutes; after that a new one is needed."""
    start(client, "13800138000")
    old = last_code("13800138000")
    move_time(monkeypatch, timedelta(minutes=10, seconds=1))
    response = enter(client, old)
    assert response.status_code == 200 and "This code has expired" in response.get_data(as_text=True)
    assert users() == 0
    assert client.post("/register/code/resend").status_code == 302
    new = last_code("13800138000")
    assert len([1 for to, _ in outbox() if to == "13800138000"]) == 2
    if new != old:
        assert enter(client, old).status_code == 200 and users() == 0
    assert enter(client, new).status_code == 302 and users() == 1


def test_a_code_works_once_even_from_a_saved_cookie(app, client, app_ctx):
    """Replaying the session cookie saved before the code was used creates nothing more."""
    start(client, "13800138000")
    code = last_code("13800138000")
    saved = client.get_cookie("session").value
    assert enter(client, code).status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", saved)
    response = enter(replay, code)
    assert response.status_code == 302 and response.headers["Location"].startswith("/register")
    assert users() == 1


def test_too_many_wrong_codes_need_a_new_code(client, app_ctx, monkeypatch):
    """After 5 wrong tries even the right code is refused; a new code (not sooner than a minute
    after the last) works again."""
    start(client, "13800138000")
    code = last_code("13800138000")
    for n in range(4):
        assert "This code is not right" in enter(client, wrong(code)).get_data(as_text=True)
    assert "Too many wrong codes" in enter(client, wrong(code)).get_data(as_text=True)
    assert "Too many wrong codes" in enter(client, code).get_data(as_text=True)
    assert users() == 0
    client.post("/register/code/resend")
    assert "Please wait a minute" in client.get("/register/code").get_data(as_text=True)
    assert len(outbox()) == 1
    move_time(monkeypatch, timedelta(seconds=61))
    client.post("/register/code/resend")
    assert len(outbox()) == 2
    assert enter(client, last_code("13800138000")).status_code == 302 and users() == 1


def _neutral(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def test_a_registered_number_gets_the_same_pages_and_its_owner_an_sms(app, factory):
    """A stranger signing up with a registered number sees exactly what a new number gets (the
    same redirect, the same code page, the same answer to any code); the phone is told by SMS
    that the number has an account, with a code that only adds another person of the household;
    the existing account is not changed."""
    owner = factory.user(mobile="13900001111", display_name="Owner", language="zh_CN")
    before = (owner.password_hash, owner.display_name, owner.session_version)
    answers = {}
    for mobile in ("13900001111", "13955551111"):  # both shown as 139****1111
        client = app.test_client()
        step1 = start(client, mobile, next_url="/courses")
        page = client.get(step1.headers["Location"])
        code = enter(client, wrong(last_code(mobile)), next_url="/courses")
        answers[mobile] = (step1.status_code, step1.headers["Location"], page.status_code,
                           _neutral(page.get_data(as_text=True)), code.status_code,
                           _neutral(code.get_data(as_text=True)))
    assert answers["13900001111"] == answers["13955551111"]
    assert "139****1111" in answers["13900001111"][3]
    assert "log in instead" in answers["13900001111"][5]
    [text] = [text for to, text in outbox() if to == "13900001111"]
    assert text.startswith("村播学堂：这个号码已经有账号了") and re.search(r"\b\d{6}\b", text)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id))) == 1
    owner = db.session.get(User, owner.id)
    assert (owner.password_hash, owner.display_name, owner.session_version) == before
    assert accounts.authenticate(db.session, "13900001111", PASSWORD) is not None
    assert accounts.authenticate(db.session, "13900001111", "mushroom-2026") is None


def test_a_number_registered_meanwhile_adds_a_household_member(client, app_ctx, factory):
    """Whoever holds the code for a number that got an account since gets their own account on
    the same number (the code proves the phone); the other account is not changed."""
    start(client, "13800138000")
    code = last_code("13800138000")
    other = factory.user(mobile="13800138000")
    response = enter(client, code)
    assert response.status_code == 302 and response.headers["Location"] == "/courses"
    assert users() == 2 and db.session.scalar(select(func.count(PendingSignup.id))) == 0
    assert accounts.authenticate(db.session, "13800138000", "mushroom-2026").id != other.id


def test_new_codes_are_limited_per_number(make_app, monkeypatch):
    """Asking for new codes counts against the number's sign-up limit (each one is an SMS)."""
    app = make_app(REGISTER_LIMIT_PER_LOGIN="3 per hour")
    client = app.test_client()
    assert start(client, "13800138000").status_code == 302
    for n in range(1, 3):
        move_time(monkeypatch, timedelta(minutes=n))
        assert client.post("/register/code/resend").status_code == 302
    move_time(monkeypatch, timedelta(minutes=5))
    assert client.post("/register/code/resend").status_code == 429
    with app.app_context():
        assert len(outbox()) == 3


def test_username_signup_needs_no_sms(client, app_ctx):
    """A username (chosen, not a phone number) signs up at once; "taken" may still be said."""
    response = start(client, "lishifu")
    assert response.status_code == 302 and response.headers["Location"] == "/courses"
    assert outbox() == [] and users() == 1
    client.post("/logout")
    assert "already registered" in start(client, "LiShiFu").get_data(as_text=True)


def test_without_sms_a_mobile_signs_up_at_once(make_app):
    """With SMS_BACKEND=none, sign-up by number works as before (and says when it is taken)."""
    app = make_app(SMS_BACKEND="none")
    client = app.test_client()
    assert start(client, "13800138000").headers["Location"] == "/courses"
    other = app.test_client()
    assert "already registered" in start(other, "13800138000").get_data(as_text=True)
    with app.app_context():
        assert users() == 1


def test_a_failing_sms_provider_asks_to_try_again(client, app_ctx, monkeypatch):
    """When the provider fails, the person sees a message and can ask for a new code; no 500."""
    def fail(mobile, text):
        raise ConnectionError("provider down")

    monkeypatch.setattr(sms.backend(), "send", fail)
    response = start(client, "13800138000")
    assert response.status_code == 302 and "/register/code" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We could not send the text message just now." in page
    assert db.session.scalar(select(func.count(PendingSignup.id))) == 1 and users() == 0
    move_time(monkeypatch, timedelta(minutes=2))
    again = client.post("/register/code/resend", follow_redirects=True).get_data(as_text=True)
    assert "We could not send the text message just now." in again and "We sent a new code." not in again
