"""Getting back in after a forgotten password (issue 23, item 3): a code by SMS, the same
answers for registered and unknown numbers, single-use codes that expire, households, audit."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from training import sms
from training.extensions import db
from training.models import AuditEvent, Centre, PasswordReset, User, utcnow
from training.services.accounts import accounts, password_reset

from ..factories import PASSWORD

NEW = "mushroom-harvest-7"
KNOWN = "13900001111"


def outbox():
    return sms.backend().outbox


def last_code(mobile):
    """The code of the last text message sent to this number (the console backend's outbox)."""
    text = [text for to, text in outbox() if to == mobile][-1]
    return re.search(r"\b(\d{6})\b", text).group(1)


def ask(client, mobile):
    return client.post("/forgot", data={"mobile": mobile})


def enter(client, code):
    return client.post("/forgot/code", data={"code": code})


def wrong(code):
    return "000000" if code != "000000" else "111111"


def new_password(client, password=NEW):
    return client.post("/forgot/new", data={"password": password, "confirm": password})


def signed_in_client(app, login, password=PASSWORD):
    client = app.test_client()
    response = client.post("/login", data={"login": login, "password": password})
    assert response.status_code == 302
    return client


def test_login_page_links_to_forgot_password_and_it_lists_both_ways_and_every_centre_phone(client, app_ctx):
    """The login page has "忘记密码"; the page explains the SMS code and the trainer or centre,
    and lists every centre's phone number (not the one of an account: that would reveal it)."""
    db.session.add_all([Centre(name="安定区服务中心", county="安定区", phone="0932-1234567"),
                        Centre(name="No phone centre")])
    db.session.commit()
    assert 'href="/forgot"' in client.get("/login").get_data(as_text=True)
    page = client.get("/forgot").get_data(as_text=True)
    assert "A code by text message" in page and "Ask your trainer or centre" in page
    assert 'href="tel:09321234567"' in page and "0932-1234567" in page
    assert "No phone centre" not in page
    assert '<meta name="description"' in page


def test_same_page_for_known_and_unknown_numbers_and_only_a_known_one_gets_a_text(client, app, factory):
    """A stranger typing numbers learns nothing: the same redirect, the same page (apart from the
    masked number), and a text message only to a registered number."""
    factory.user(mobile=KNOWN)
    pages = []
    for mobile in (KNOWN, "13900002222"):
        visitor = app.test_client()
        response = ask(visitor, mobile)
        assert response.status_code == 302 and response.headers["Location"] == "/forgot/code"
        page = visitor.get("/forgot/code").get_data(as_text=True)
        pages.append(page.replace(accounts.mask_mobile(mobile), "MASKED"))
        assert "If " + accounts.mask_mobile(mobile) + " is registered, we have sent it a code." in page
        assert "ask your trainer or service centre" in page
    assert re.sub(r'value="[^"]+"', "", pages[0]) == re.sub(r'value="[^"]+"', "", pages[1])
    assert [to for to, _ in outbox()] == [KNOWN]
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 2


def test_bad_number_is_refused_with_a_message_and_changes_nothing(client, app_ctx):
    response = ask(client, "12345")
    assert response.status_code == 422
    assert "Enter an 11-digit mainland mobile number." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 0 and outbox() == []


def test_right_code_sets_a_new_password_ends_every_session_and_is_audited(app, client, factory):
    """Code → new password → the old password and every open sign-in stop working; the reset is
    audited as user.password_reset_sms; the login page then has the person filled in."""
    user = factory.user(mobile=KNOWN, display_name="王大姐")
    elsewhere = signed_in_client(app, KNOWN)
    assert elsewhere.get("/me").status_code == 200
    ask(client, KNOWN)
    response = enter(client, f" {last_code(KNOWN)} ")
    assert response.status_code == 302 and response.headers["Location"] == "/forgot/new"
    assert "王大姐" in client.get("/forgot/new").get_data(as_text=True)
    response = new_password(client)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "王大姐" in client.get("/login").get_data(as_text=True)
    db.session.expire_all()
    assert accounts.authenticate(db.session, KNOWN, NEW) is not None
    assert accounts.authenticate(db.session, KNOWN, PASSWORD) is None
    assert elsewhere.get("/me").status_code == 302  # signed out on the other phone
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_reset_sms"))
    assert event.actor_id == user.id and event.target_id == user.id
    assert event.detail["mobile"] == "139****1111" and "old_session_version" in event.detail
    # The proof is spent: a second password from the same session is refused.
    assert new_password(client, "another-long-pass-9").headers["Location"] == "/forgot"
    db.session.expire_all()
    assert accounts.authenticate(db.session, KNOWN, NEW) is not None


def test_code_works_once(client, app, factory):
    factory.user(mobile=KNOWN)
    ask(client, KNOWN)
    code = last_code(KNOWN)
    assert enter(client, code).status_code == 302
    other = app.test_client()
    with client.session_transaction() as saved:
        reset_token = saved.get("password_reset")
    assert reset_token is None  # the session no longer holds the reset
    with app.app_context():
        assert db.session.scalar(select(func.count(PasswordReset.id))) == 0
    assert other.post("/forgot/code", data={"code": code}).headers["Location"] == "/forgot"


def test_weak_password_is_refused_and_changes_nothing(client, factory):
    factory.user(mobile=KNOWN)
    ask(client, KNOWN)
    enter(client, last_code(KNOWN))
    response = new_password(client, "123456789")
    assert response.status_code == 422
    assert "easy to guess" in response.get_data(as_text=True)
    db.session.expire_all()
    assert accounts.authenticate(db.session, KNOWN, PASSWORD) is not None
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "user.password_reset_sms")) == 0


def test_code_expires_after_ten_minutes_with_an_injected_clock(app_ctx, factory):
    """The service takes `now`: at 9:59 the code works, at 10:01 it has expired."""
    factory.user(mobile=KNOWN)
    secret = b"k" * 32
    start = utcnow()
    token, message = password_reset.begin(db.session, mobile=KNOWN, secret=secret, now=start)
    reset = password_reset.find(db.session, token, now=start)
    with pytest.raises(password_reset.ResetError, match="expired"):
        password_reset.confirm(db.session, reset, message.code, secret, now=start + timedelta(minutes=10, seconds=1))
    people = password_reset.confirm(db.session, reset, message.code, secret,
                                    now=start + timedelta(minutes=9, seconds=59))
    assert [p.mobile for p in people] == [KNOWN]


def test_expired_code_in_the_browser_says_so(client, factory, monkeypatch):
    factory.user(mobile=KNOWN)
    ask(client, KNOWN)
    later = utcnow() + timedelta(minutes=11)
    monkeypatch.setattr(password_reset, "utcnow", lambda: later)
    response = enter(client, last_code(KNOWN))
    assert response.status_code == 422 and "This code has expired" in response.get_data(as_text=True)


def test_five_wrong_codes_use_the_code_up_and_a_new_one_works(client, factory, monkeypatch):
    factory.user(mobile=KNOWN)
    ask(client, KNOWN)
    code = last_code(KNOWN)
    for _ in range(password_reset.MAX_TRIES - 1):
        assert "This code is not right" in enter(client, wrong(code)).get_data(as_text=True)
    assert "Too many wrong codes" in enter(client, wrong(code)).get_data(as_text=True)
    assert "Too many wrong codes" in enter(client, code).get_data(as_text=True)
    # Too soon for a new code, then a minute later a new one arrives and works.
    client.post("/forgot/code/resend")
    assert len(outbox()) == 1
    later = utcnow() + timedelta(seconds=61)
    monkeypatch.setattr(password_reset, "utcnow", lambda: later)
    client.post("/forgot/code/resend")
    assert len(outbox()) == 2
    assert enter(client, last_code(KNOWN)).status_code == 302


def test_asking_for_codes_is_rate_limited_per_number_and_per_address(make_app):
    """Asking again and again for one number, or for many numbers from one address, gets 429."""
    app = make_app(RESET_LIMIT_PER_NUMBER="3 per minute", RESET_LIMIT_PER_IP="5 per minute")
    for n in range(3):
        visitor = app.test_client()
        visitor.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        assert ask(visitor, KNOWN).status_code == 302
    assert ask(app.test_client(), "139 0000 1111").status_code == 429
    room = app.test_client()
    room.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for n in range(5):
        assert ask(room, f"1390000300{n}").status_code == 302
    assert ask(room, "13900004000").status_code == 429
    assert ask(app.test_client(), "13900005000").status_code == 302


def test_household_sharing_a_number_picks_a_name_and_only_that_account_changes(client, factory):
    """Two accounts on one number: after the code, "who is this?" lists both; the one tapped gets
    the new password, the other keeps theirs."""
    mum = factory.user(mobile=KNOWN, display_name="王大姐")
    son = accounts.create_user(db.session, mobile=KNOWN, password=PASSWORD, display_name="王小明")
    db.session.commit()
    ask(client, KNOWN)
    response = enter(client, last_code(KNOWN))
    assert response.headers["Location"] == "/forgot/who"
    assert client.get("/forgot/new").headers["Location"] == "/forgot/who"
    page = client.get("/forgot/who").get_data(as_text=True)
    assert "王大姐" in page and "王小明" in page
    assert client.post("/forgot/who", data={"person": 999999}).status_code == 422
    assert client.post("/forgot/who", data={"person": son.id}).headers["Location"] == "/forgot/new"
    assert new_password(client).status_code == 302
    db.session.expire_all()
    assert {u.id for u in accounts.authenticate_all(db.session, KNOWN, NEW)} == {son.id}
    assert {u.id for u in accounts.authenticate_all(db.session, KNOWN, PASSWORD)} == {mum.id}


def test_without_sms_the_page_only_points_to_the_trainer(make_app):
    app = make_app(SMS_BACKEND="none")
    client = app.test_client()
    page = client.get("/forgot").get_data(as_text=True)
    assert "Ask your trainer or centre" in page and 'name="mobile"' not in page
    assert ask(client, KNOWN).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(PasswordReset.id))) == 0


def test_signed_in_person_is_sent_home(learner_client):
    assert learner_client.get("/forgot").status_code == 302


def test_tampered_proof_opens_nothing(app_ctx, factory):
    user = factory.user(mobile=KNOWN)
    token = password_reset.proof_token(b"a" * 32, [user], user.id)
    assert password_reset.read_proof(b"b" * 32, token) is None
    proof = password_reset.read_proof(b"a" * 32, token)
    assert password_reset.chosen_person(db.session, proof).id == user.id
    accounts.set_password(user, "other-long-pass-1")
    db.session.commit()
    assert password_reset.chosen_person(db.session, proof) is None
    assert db.session.get(User, user.id).session_version == proof.versions[0][1] + 1


def test_admin_gives_a_centre_its_phone_number_audited_with_the_old_one(admin_client, app_ctx):
    """The centre form has a phone number; the change is audited with the old value, and the
    number is listed on the "forgot your password?" page."""
    admin_client.post("/admin/centres/new", data={"name": "安定区服务中心", "county": "安定区",
                                                  "phone": "0932 1234567"})
    centre = db.session.scalar(select(Centre).where(Centre.name == "安定区服务中心"))
    assert centre.phone == "0932 1234567"
    admin_client.post(f"/admin/centres/{centre.id}/edit", data={"name": "安定区服务中心", "phone": "0932-7654321"})
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "centre.update")).one()
    assert event.detail["old_phone"] == "0932 1234567" and event.detail["phone"] == "0932-7654321"


def test_a_wrong_password_says_whom_to_ask(client, factory):
    """After a failed login the link to 忘记密码 says that the trainer or centre can help."""
    factory.user(mobile=KNOWN)
    page = client.post("/login", data={"login": KNOWN, "password": "not-it-at-all"}).get_data(as_text=True)
    assert 'href="/forgot"' in page and "Your trainer or centre can help" in page
    assert "Your trainer or centre can help" not in client.get("/login").get_data(as_text=True)
