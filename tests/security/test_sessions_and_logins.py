"""Session cookies, idle expiry, signing out other sessions, login throttling and passwords."""
import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from training import security
from training.extensions import db
from training.models import AuditEvent, User
from training.services.accounts import accounts

from ..factories import PASSWORD


def login(client, name, password=PASSWORD, **extra):
    return client.post("/login", data={"login": name, "password": password, **extra})


def set_cookie_headers(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_session_cookie_is_httponly_and_samesite_lax_and_not_secure_over_http(client, factory):
    """Over plain HTTP the cookie is HttpOnly and SameSite=Lax, without Secure (it would be lost)."""
    factory.user("learner", username="zhao")
    cookie = next(c for c in set_cookie_headers(login(client, "zhao")) if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_cookies_are_secure_over_https(client, factory):
    """Served over HTTPS every cookie (session, remember-me, language) gets Secure, plus HSTS."""
    factory.user("learner", username="zhao")
    response = client.post("/login", base_url="https://localhost",
                           data={"login": "zhao", "password": PASSWORD, "remember": "y"})
    cookies = set_cookie_headers(response)
    assert {c.split("=")[0] for c in cookies} >= {"session", "remember_token"}
    assert all("; Secure" in c for c in cookies)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_https_is_recognised_behind_a_trusted_proxy_only(make_app):
    """X-Forwarded-Proto counts only when TRUSTED_PROXIES says a proxy is in front."""
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    plain = make_app().test_client().get("/healthz", headers=forwarded)
    assert "Strict-Transport-Security" not in plain.headers
    proxied = make_app(TRUSTED_PROXIES=1).test_client().get("/healthz", headers=forwarded)
    assert "Strict-Transport-Security" in proxied.headers


def test_secure_cookies_can_be_forced(make_app, factory):
    """SESSION_COOKIE_SECURE=true marks cookies Secure even when TLS ends before the app."""
    app = make_app(SESSION_COOKIE_SECURE_MODE="true")
    factory.user("learner", username="zhao")
    response = login(app.test_client(), "zhao")
    assert all("; Secure" in c for c in set_cookie_headers(response))


def test_session_ends_after_the_idle_time_and_activity_extends_it(make_app, factory, monkeypatch):
    """A session unused for SESSION_IDLE_MINUTES is over; activity renews its expiry, at most
    once a minute (requests in between send no cookie)."""
    app = make_app(SESSION_IDLE_MINUTES=30)
    factory.user("learner", username="zhao")
    client = app.test_client()
    login(client, "zhao")
    client.get("/me")  # shows (and so removes) the welcome message
    assert not any(c.startswith("session=") for c in set_cookie_headers(client.get("/me")))

    real_signer, real_now = TimestampSigner.get_timestamp, security.now

    def later(minutes):
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real_signer(self) + minutes * 60)
        monkeypatch.setattr(security, "now", lambda: real_now() + minutes * 60)

    later(20)
    renewed = client.get("/me")  # 20 minutes later: still signed in, and renewed
    assert renewed.status_code == 200
    assert any(c.startswith("session=") and "Expires=" in c for c in set_cookie_headers(renewed))
    later(49)
    assert client.get("/me").status_code == 200  # 29 minutes after the renewal: renewed again
    later(78)
    assert client.get("/me").status_code == 200
    later(109)  # 31 minutes without a request
    assert "/login" in client.get("/me").headers["Location"]


def test_changing_ones_password_ends_other_sessions_but_keeps_this_one(app, factory):
    """Two phones signed in; a password change on one signs out the other, not itself."""
    factory.user("learner", username="zhao")
    phone, other_phone = app.test_client(), app.test_client()
    login(phone, "zhao")
    login(other_phone, "zhao", remember="y")
    response = phone.post("/account/password", data={
        "current": PASSWORD, "password": "river-tea-garden", "confirm": "river-tea-garden"})
    assert response.status_code == 302
    assert phone.get("/me").status_code == 200
    assert "/login" in other_phone.get("/me").headers["Location"]
    user = db.session.scalar(select(User).where(User.username == "zhao"))
    db.session.refresh(user)
    assert accounts.authenticate(db.session, "zhao", "river-tea-garden") is not None
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.target_id == user.id)) \
        == "user.password_change"


def test_password_change_needs_the_current_password_and_refuses_common_ones(learner_client, learner):
    """A wrong current password, a common password or a mismatch changes nothing."""
    old_hash = learner.password_hash
    wrong = learner_client.post("/account/password", data={
        "current": "not-it-at-all", "password": "river-tea-garden", "confirm": "river-tea-garden"})
    assert "This is not your current password." in wrong.get_data(as_text=True)
    common = learner_client.post("/account/password", data={
        "current": PASSWORD, "password": "woaini1314", "confirm": "woaini1314"})
    assert "most common" in common.get_data(as_text=True)
    db.session.refresh(learner)
    assert learner.password_hash == old_hash


def test_one_time_password_must_be_changed_before_anything_else(app, factory):
    """A user with must_change_password is sent to the change page from every page until done."""
    factory.user("learner", username="newbie", must_change_password=True)
    client = app.test_client()
    assert login(client, "newbie").status_code == 302
    for path in ("/", "/me", "/courses", "/account/"):
        assert client.get(path).headers["Location"].endswith("/account/password")
    page = client.get("/account/password").get_data(as_text=True)
    assert "choose your own password" in page
    assert "Privacy notice" in page  # made by staff: the person has not agreed yet
    form = {"current": PASSWORD, "password": "my-own-secret-9", "confirm": "my-own-secret-9"}
    refused = client.post("/account/password", data=form)
    assert "Please agree to the privacy notice" in refused.get_data(as_text=True)
    client.post("/account/password", data={**form, "consent": "y"})
    assert client.get("/me").status_code == 200
    user = db.session.scalar(select(User).where(User.username == "newbie"))
    db.session.refresh(user)
    assert user.must_change_password is False and user.privacy_consent_at is not None


@pytest.mark.parametrize("password", ["123456", "5201314", "woaini1314", "qwertyuiop", "11111111",
                                      "1qaz2wsx", "password123", "Woaini1314", "88888888", "zhang123456"])
def test_common_passwords_are_refused(password):
    """The shipped list refuses Chinese and international favourites, in any letter case."""
    assert accounts.check_password_strength(password) is not None


def test_the_common_password_list_is_large_and_a_good_password_passes():
    """Thousands of entries; a long unusual passphrase and the login name itself are judged right."""
    assert len(accounts.common_passwords()) > 3000
    assert accounts.check_password_strength("tea-garden-river-88") is None
    assert accounts.check_password_strength("lishifu88", "lishifu88") == "too-common"


def test_registration_refuses_a_common_password(client, app_ctx):
    """The sign-up form says why a common password is refused and creates nobody."""
    response = client.post("/register", data={
        "display_name": "Li", "login": "lishifu", "password": "woaini1314", "confirm": "woaini1314",
        "language": "en", "consent": "y"})
    assert response.status_code == 200 and "most common" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "lishifu")) is None


def test_failed_logins_are_throttled_per_account_and_client(make_app, factory):
    """After LOGIN_LIMIT_PER_ACCOUNT failures the account answers 429 to that client (however
    the name is typed), but the owner still signs in from another address; other accounts too."""
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="3 per minute", LOGIN_LIMIT_PER_IP="100 per minute")
    factory.user("learner", username="zhao")
    factory.user("learner", username="qian")
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.66"
    for _ in range(3):
        assert login(attacker, "zhao", "wrong-password").status_code == 200
    blocked = login(attacker, "Zhao", PASSWORD)  # the same account, however it is typed
    assert blocked.status_code == 429
    assert "Too many tries" in blocked.get_data(as_text=True)
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert login(owner, "zhao", PASSWORD).status_code == 302
    assert login(attacker, "qian").status_code == 302


def test_nobody_can_lock_the_owner_out_of_a_known_device(make_app, factory):
    """Guessing from many addresses exhausts the account's limit for new devices, and one
    address's limit; the owner's phone, which signed in before, still gets in with the right
    password, from that same address too. Each lockout is in the audit log once."""
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="2 per minute", LOGIN_LIMIT_PER_ACCOUNT_NEW_DEVICES="4 per minute",
                   LOGIN_LIMIT_PER_IP="6 per minute")
    user = factory.user("learner", mobile="13712345678")
    phone = app.test_client()
    phone.environ_base["REMOTE_ADDR"] = "203.0.113.5"
    assert login(phone, "13712345678").status_code == 302
    phone.post("/logout")
    for n in range(4):
        attacker = app.test_client()
        attacker.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        login(attacker, "137 1234 5678", "wrong-password")
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "192.0.2.200"
    assert login(stranger, "13712345678").status_code == 429  # a new device: the account is paused
    neighbour = app.test_client()
    neighbour.environ_base["REMOTE_ADDR"] = "203.0.113.5"
    for n in range(6):
        login(neighbour, f"guess{n}", "wrong-password")
    assert login(neighbour, "13712345678").status_code == 429  # this address is paused
    assert login(phone, "13712345678").status_code == 302  # the owner's phone is not
    locks = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.login_locked")
                               .order_by(AuditEvent.id)).all()
    assert [(e.target_id, e.detail["scope"]) for e in locks] == [
        (user.id, "account"), (None, "address")]


def test_a_training_room_behind_one_address_signs_in(app, factory):
    """With the default limits, 60 people behind one address, each mistyping twice, all sign in."""
    people = [factory.user("learner", username=f"room{n}") for n in range(60)]
    for person in people:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "203.0.113.10"
        login(client, person.username, "wrong-password")
        login(client, person.username, "still-wrong")
        assert login(client, person.username).status_code == 302, person.username


def test_failed_logins_count_per_real_client_behind_the_proxy(make_app, factory):
    """Behind TRUSTED_PROXIES the forwarded address is the client: two clients of one proxy
    count apart. Without it a forged X-Forwarded-For changes nothing."""
    factory.user("learner", username="zhao")
    proxied = make_app(TRUSTED_PROXIES=1, LOGIN_LIMIT_PER_IP="2 per minute")
    client = proxied.test_client()
    for _ in range(2):
        client.post("/login", data={"login": "nobody", "password": "x"}, headers={"X-Forwarded-For": "192.0.2.1"})
    assert client.post("/login", data={"login": "zhao", "password": PASSWORD},
                       headers={"X-Forwarded-For": "192.0.2.1"}).status_code == 429
    assert proxied.test_client().post("/login", data={"login": "zhao", "password": PASSWORD},
                                      headers={"X-Forwarded-For": "192.0.2.2"}).status_code == 302
    direct = make_app(LOGIN_LIMIT_PER_IP="2 per minute").test_client()
    for n in range(2):
        direct.post("/login", data={"login": "nobody", "password": "x"}, headers={"X-Forwarded-For": f"192.0.2.{n}"})
    assert direct.post("/login", data={"login": "zhao", "password": PASSWORD},
                       headers={"X-Forwarded-For": "192.0.2.9"}).status_code == 429


def test_failed_logins_are_throttled_per_address(make_app, factory):
    """Many failures from one address over different accounts block that address only."""
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="100 per minute", LOGIN_LIMIT_PER_IP="4 per minute")
    factory.user("learner", username="zhao")
    client = app.test_client()
    for n in range(4):
        login(client, f"guess{n}", "wrong-password")
    assert login(client, "zhao").status_code == 429
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert login(other, "zhao").status_code == 302


def test_successful_logins_do_not_count(make_app, factory):
    """Only failures count: a learner logging in and out many times is never blocked."""
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="2 per minute", LOGIN_LIMIT_PER_IP="2 per minute")
    factory.user("learner", username="zhao")
    for _ in range(4):
        client = app.test_client()
        assert login(client, "zhao").status_code == 302


def test_unknown_user_and_wrong_password_read_the_same(client, factory):
    """The login form never tells whether an account exists."""
    factory.user("learner", username="zhao")
    wrong = login(client, "zhao", "wrong-password").get_data(as_text=True)
    unknown = login(client, "nobody-here", "wrong-password").get_data(as_text=True)
    message = "Wrong mobile number, username or password."
    assert message in wrong and message in unknown


def test_sessions_of_a_deactivated_user_end(app, factory):
    """Turning an account off signs it out on the next request."""
    user = factory.user("learner", username="zhao")
    client = app.test_client()
    login(client, "zhao")
    user.active = False
    db.session.commit()
    assert "/login" in client.get("/me").headers["Location"]


def test_keep_me_signed_in_outlives_the_idle_time_only_when_asked(make_app, factory, monkeypatch):
    """Without "keep me signed in" no remember-me cookie is set; with it, the phone stays signed in
    after the idle time (for REMEMBER_DAYS)."""
    app = make_app(SESSION_IDLE_MINUTES=30)
    factory.user("learner", username="zhao")
    plain, kept = app.test_client(), app.test_client()
    assert not any(c.startswith("remember_token=") for c in set_cookie_headers(login(plain, "zhao")))
    remembered = set_cookie_headers(login(kept, "zhao", remember="y"))
    assert any(c.startswith("remember_token=") for c in remembered)
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + 2 * 3600)
    assert "/login" in plain.get("/me").headers["Location"]
    assert kept.get("/me").status_code == 200


def test_signing_out_makes_saved_cookies_useless(app, factory):
    """Cookies copied before signing out (the session and "keep me signed in") open nothing
    afterwards, not /me and not the data download; other sessions of the person go on."""
    factory.user("learner", username="zhao")
    phone, other_phone = app.test_client(), app.test_client()
    login(phone, "zhao", remember="y")
    login(other_phone, "zhao")
    saved = {name: phone.get_cookie(name).value for name in ("session", "remember_token")}
    assert phone.post("/logout").status_code == 302

    for names in (["session"], ["remember_token"], ["session", "remember_token"]):
        thief = app.test_client()
        for name in names:
            thief.set_cookie(name, saved[name])
        for path in ("/me", "/account/data.json"):
            assert "/login" in thief.get(path).headers["Location"], (names, path)
    assert other_phone.get("/me").status_code == 200
    assert phone.post("/logout").status_code == 302  # signing out twice is harmless


def test_sign_out_everywhere_and_old_identities_end_sessions(app, factory):
    """Moving the session version ends every session; an identity without a session id (an
    earlier release's) or older than REMEMBER_DAYS opens nothing."""
    from datetime import timedelta

    from training.services.accounts import sessions

    user = factory.user("learner", username="zhao")
    client = app.test_client()
    login(client, "zhao", remember="y")
    user.session_version += 1
    db.session.commit()
    assert "/login" in client.get("/me").headers["Location"]
    assert sessions.load_signed_in_user(db.session, f"{user.id}.{user.session_version}", timedelta(days=30)) is None
    user.login_session = sessions.new_login_session()
    current = user.get_id()
    assert sessions.load_signed_in_user(db.session, current, timedelta(days=30)) is not None
    started = int(current.split(".")[2])
    assert sessions.load_signed_in_user(db.session, current, timedelta(days=30),
                                        now=started + 31 * 86400) is None
