"""A farmer scans a session's check-in QR code before ever signing in: log in with the one-time
password from the roster, choose their own password (without typing the one-time one again),
and land back on the check-in, which is recorded (issue 21, item 1)."""
from datetime import date, timedelta
from urllib.parse import quote

from sqlalchemy import func, select

from training.account import landing
from training.extensions import db
from training.models import Attendance, User, utcnow
from training.services.accounts.passwords import verify_password

from ..factories import PASSWORD

ONE_TIME = "k7m2qxpa"
NEW = "river-tea-garden"


def attendances():
    return db.session.scalar(select(func.count(Attendance.id)))


def imported_farmer(factory, mobile="13800138001"):
    """An account as a roster import makes it: a one-time password that must be changed."""
    return factory.user("learner", mobile=mobile, password=ONE_TIME, must_change_password=True,
                        language="zh_CN")


def scan(factory):
    """A session open for check-in now, which people not yet in the class may join by checking
    in (the farmers here are not members)."""
    meeting = factory.training_session(factory.training_class(), date(2026, 3, 5))
    meeting.opens_at, meeting.closes_at = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1)
    meeting.allow_join = True
    db.session.commit()
    return meeting, f"/classes/checkin/{meeting.checkin_code}"


def test_first_login_from_the_check_in_link_ends_checked_in(factory, client):
    """Scan → log in (one-time password) → new password only → back on the check-in, recorded."""
    farmer = imported_farmer(factory)
    meeting, url = scan(factory)
    to_login = client.get(url)
    assert to_login.status_code == 302 and "/login" in to_login.headers["Location"]
    logged_in = client.post(to_login.headers["Location"], data={"login": "13800138001", "password": ONE_TIME})
    assert logged_in.headers["Location"] == "/account/password?next=" + url
    page = client.get(logged_in.headers["Location"]).get_data(as_text=True)
    assert 'name="current"' not in page and 'name="consent"' in page
    changed = client.post(logged_in.headers["Location"], data={"password": NEW, "confirm": NEW, "consent": "y"})
    assert changed.headers["Location"] == url
    assert attendances() == 0
    landed = client.get(url)
    text = landed.get_data(as_text=True)
    assert landed.status_code == 200 and "已签到" in text and "签到成功" in text
    assert db.session.scalar(select(Attendance.user_id)) == farmer.id
    db.session.refresh(farmer)
    assert not farmer.must_change_password and verify_password(farmer.password_hash, NEW)
    # Coming back later by the same link shows the check-in, recorded once.
    assert "签到成功" in client.get(url).get_data(as_text=True)
    assert attendances() == 1


def test_first_password_must_differ_from_the_one_time_password(factory, client):
    """The one-time password cannot be kept as one's own."""
    imported_farmer(factory)
    client.post("/login", data={"login": "13800138001", "password": ONE_TIME})
    refused = client.post("/account/password", data={"password": ONE_TIME, "confirm": ONE_TIME, "consent": "y"})
    assert refused.status_code == 200
    assert "新密码不能和当前密码一样。" in refused.get_data(as_text=True)
    assert db.session.scalar(select(User.must_change_password)) is True


def test_an_old_one_time_login_asks_for_the_current_password(factory, app, monkeypatch):
    """Half an hour after signing in with the one-time password, it is asked for again."""
    imported_farmer(factory)
    client = app.test_client()
    client.post("/login", data={"login": "13800138001", "password": ONE_TIME})
    assert 'name="current"' not in client.get("/account/password").get_data(as_text=True)
    later = landing.time.time() + landing.ONE_TIME_LOGIN_SECONDS + 60
    monkeypatch.setattr(landing.time, "time", lambda: later)
    assert 'name="current"' in client.get("/account/password").get_data(as_text=True)


def test_a_forged_session_key_does_not_skip_the_current_password(factory, app):
    """The proof is the identity of this very login session, not any value in the key."""
    imported_farmer(factory)
    client = app.test_client()
    client.post("/login", data={"login": "13800138001", "password": ONE_TIME})
    with client.session_transaction() as session:
        session[landing.ONE_TIME_LOGIN] = "1.1.1.00000000000000000000000000000000"
    assert 'name="current"' in client.get("/account/password").get_data(as_text=True)


def test_ordinary_change_still_asks_for_the_current_password(learner_client):
    """Without a one-time password, the current one is required."""
    page = learner_client.get("/account/password").get_data(as_text=True)
    assert 'name="current"' in page
    refused = learner_client.post("/account/password", data={"password": NEW, "confirm": NEW})
    assert refused.status_code == 200 and db.session.scalar(select(User.session_version)) == 1


def test_returning_must_change_learner_goes_back_to_the_check_in(factory, client):
    """Signed in earlier, password not yet changed: the scan goes to the change page, then back
    to the check-in, which is recorded."""
    imported_farmer(factory)
    meeting, url = scan(factory)
    client.post("/login", data={"login": "13800138001", "password": ONE_TIME})
    sent = client.get(url)
    assert sent.headers["Location"].endswith("/account/password")
    changed = client.post("/account/password", data={"password": NEW, "confirm": NEW, "consent": "y"})
    assert changed.headers["Location"] == url
    assert "签到成功" in client.get(url).get_data(as_text=True)
    assert attendances() == 1


def test_next_to_another_site_is_ignored(factory, client):
    """Only paths on this site are followed, through login and the password change."""
    imported_farmer(factory)
    logged_in = client.post("/login?next=https://evil.example/x",
                            data={"login": "13800138001", "password": ONE_TIME})
    assert logged_in.headers["Location"] == "/account/password"
    changed = client.post("/account/password?next=//evil.example/x",
                          data={"password": NEW, "confirm": NEW, "consent": "y"})
    assert "evil" not in changed.headers["Location"]


def test_ordinary_login_from_the_check_in_link_records_it(factory, client):
    """A learner with their own password: scan → log in → checked in."""
    factory.user("learner", username="zhao")
    meeting, url = scan(factory)
    logged_in = client.post(client.get(url).headers["Location"], data={"login": "zhao", "password": PASSWORD})
    assert logged_in.headers["Location"] == url
    assert "You are checked in" in client.get(url).get_data(as_text=True)
    assert attendances() == 1


def test_sign_up_from_the_check_in_link_records_it(factory, client):
    """Scan → "Create an account" (which keeps next) → signed up → checked in."""
    meeting, url = scan(factory)
    login_url = client.get(url).headers["Location"]
    register_path = "/register?next=" + quote(url, safe="")
    assert register_path.replace("%2F", "/") in client.get(login_url).get_data(as_text=True).replace("%2F", "/")
    signed_up = client.post(register_path, data={
        "display_name": "王大姐", "login": "wangdajie", "password": NEW, "confirm": NEW,
        "language": "zh_CN", "consent": "y"})
    assert signed_up.headers["Location"] == url
    assert "签到成功" in client.get(url).get_data(as_text=True)  # the account's language
    assert attendances() == 1


def test_staff_landing_on_a_check_in_link_records_nothing(factory, client):
    """A trainer who logs in from a check-in link sees the page; staff never check in."""
    factory.user("trainer", centre="Centre A", username="teacher")
    meeting, url = scan(factory)
    client.post(client.get(url).headers["Location"], data={"login": "teacher", "password": PASSWORD})
    assert client.get(url).status_code == 200
    assert attendances() == 0
