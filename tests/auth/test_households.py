"""Household accounts sharing a number (issue 21, item 5): the password decides who signs in,
"who is this?" among verified accounts only, PIN sign-in, and switching person in two taps."""
import re

import pytest
from sqlalchemy import func, select

from training.extensions import db
from training.models import AuditEvent, EndedSession, User
from training.services.accounts import households

from ..factories import PASSWORD

NUMBER = "13800138000"
SHARED = "family-password-1"


def login(client, name, password, next_url=None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"login": name, "password": password})


def pin_login(client, name, pin):
    return client.post("/login/pin", data={"login": name, "pin": pin})


def who(client) -> str | None:
    """The display name the client is signed in as (the footer's log-out button), or None."""
    page = client.get("/me")
    if page.status_code != 200:
        return None
    match = re.search(r"Log out \(([^)]*)\)", page.get_data(as_text=True))
    return match.group(1) if match else None


@pytest.fixture
def family(factory):
    """Three people on one number: mother and son share a password, grandfather has his own."""
    return {
        "mother": factory.user(mobile=NUMBER, display_name="Wang Mother", password=SHARED),
        "son": factory.user(mobile=NUMBER, display_name="Wang Son", password=SHARED),
        "grandpa": factory.user(mobile=NUMBER, display_name="Wang Grandpa", password=PASSWORD),
    }


def test_two_accounts_on_one_number_each_password_signs_in_its_owner(app, factory):
    """Two people on one number with their own passwords: the password decides who signs in."""
    husband = factory.user(mobile=NUMBER, display_name="Li Husband", password="husband-secret-1")
    factory.user(mobile=NUMBER, display_name="Li Wife", password="wife-secret-22")
    for password, name in (("husband-secret-1", "Li Husband"), ("wife-secret-22", "Li Wife")):
        client = app.test_client()
        response = login(client, "138 0013 8000", password)
        assert response.status_code == 302 and response.headers["Location"] == "/"
        assert who(client) == name
    db.session.refresh(husband)
    assert husband.last_login_at is not None


def test_three_on_one_number_password_picks_the_one_it_opens(app, family):
    """With three on the number, grandfather's own password signs him in without a question."""
    client = app.test_client()
    assert login(client, NUMBER, PASSWORD).headers["Location"] == "/"
    assert who(client) == "Wang Grandpa"


def test_same_password_asks_who_among_the_verified_only(app, family):
    """A password two share asks "who is this?" with their two names (not grandfather's), and
    the tap signs in the chosen one, back to the page they came for."""
    client = app.test_client()
    response = login(client, NUMBER, SHARED, next_url="/courses")
    assert response.status_code == 302 and response.headers["Location"] == "/login/who?next=/courses"
    assert who(client) is None
    page = client.get("/login/who?next=/courses").get_data(as_text=True)
    assert "Wang Mother" in page and "Wang Son" in page and "Wang Grandpa" not in page
    chosen = client.post("/login/who?next=/courses", data={"person": family["son"].id})
    assert chosen.status_code == 302 and chosen.headers["Location"] == "/courses"
    assert who(client) == "Wang Son"
    assert client.get("/login/who").headers["Location"].startswith("/")  # signed in: nothing to choose


@pytest.mark.parametrize("pick", ["grandpa", "stranger", "junk"])
def test_tampered_choice_is_refused(app, factory, family, pick):
    """Choosing an account whose password was not checked (grandfather's, anyone else's, or
    nonsense) is refused with a message; nobody is signed in; the real choice still works."""
    stranger = factory.user(mobile="13900139000", password=SHARED)
    value = {"grandpa": family["grandpa"].id, "stranger": stranger.id, "junk": "x"}[pick]
    client = app.test_client()
    login(client, NUMBER, SHARED)
    refused = client.post("/login/who", data={"person": value})
    assert refused.status_code == 422 and "Tap one of the names shown." in refused.get_data(as_text=True)
    assert who(client) is None
    assert client.post("/login/who", data={"person": family["mother"].id}).status_code == 302
    assert who(client) == "Wang Mother"


def test_choice_without_or_with_a_forged_token_goes_back_to_login(app, family):
    """No token, an altered token, or one signed with another key: back to the sign-in page."""
    client = app.test_client()
    assert client.post("/login/who", data={"person": family["mother"].id}).headers["Location"].startswith("/login")
    forged = households.choice_token(b"not the app's key", [family["grandpa"]])
    with client.session_transaction() as session:
        session["household_choice"] = forged
    response = client.post("/login/who", data={"person": family["grandpa"].id})
    assert response.headers["Location"].startswith("/login") and who(client) is None


def test_choice_token_expires(app, family):
    """A "who is this?" token older than its lifetime is refused."""
    token = households.choice_token(app.secret_key, [family["mother"]])
    assert households.read_choice(app.secret_key, token) is not None
    assert households.read_choice(app.secret_key, token, max_age=-1) is None


def test_wrong_password_on_a_shared_number_reads_like_an_unknown_number(app, family):
    """A wrong password for a number three people share gets the very page an unknown number
    gets; each account on the number gets the failure in the audit log."""
    pages = []
    for name in (NUMBER, "13911112222"):
        response = login(app.test_client(), name, "not-the-password")
        pages.append(re.sub(r'(name="csrf_token"|value)="[^"]*"', "", response.get_data(as_text=True)))
        assert response.status_code == 200
    assert pages[0] == pages[1] and "Wrong mobile number, username or password." in pages[0]
    failed = db.session.scalars(select(AuditEvent.target_id).where(AuditEvent.action == "user.login_failed")).all()
    assert sorted(i for i in failed if i) == sorted(u.id for u in family.values())


def test_shared_number_logins_are_throttled_per_account(make_app):
    """Failed logins to a shared number count against the number; the limit applies to every
    password tried for it, and another number still signs in."""
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
    with app.app_context():
        from ..factories import Factory
        factory = Factory(app)
        factory.user(mobile=NUMBER, password=SHARED)
        factory.user(mobile=NUMBER, password=PASSWORD)
        factory.user(mobile="13900139000", password=PASSWORD)
    client = app.test_client()
    for _ in range(3):
        assert login(client, NUMBER, "wrong-password-x").status_code == 200
    assert login(client, NUMBER, SHARED).status_code == 429
    assert login(client, "13900139000", PASSWORD).status_code == 302


def test_sign_up_without_sms_still_refuses_a_number_in_use(make_app):
    """Without SMS nobody proved the phone: a number in use is not joined to that household."""
    app = make_app(SMS_BACKEND="none")
    with app.app_context():
        from ..factories import Factory
        Factory(app).user(mobile=NUMBER)
    response = app.test_client().post("/register", data={
        "display_name": "Stranger", "login": NUMBER, "password": "mushroom-2026", "confirm": "mushroom-2026",
        "language": "en", "consent": "y"})
    assert "already registered" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1


# --- PIN ---------------------------------------------------------------------------------------

@pytest.fixture
def helped(factory, family):
    """Grandfather, in a class of Centre A, so its trainers help him at the help desk."""
    factory.member(factory.training_class("Centre A"), family["grandpa"])
    return family["grandpa"]


@pytest.mark.parametrize("pin, reason", [
    ("000000", "too-simple"), ("123456", "too-simple"), ("654321", "too-simple"), ("890123", "too-simple"),
    ("121212", "too-simple"), ("138000", "too-simple"), ("12345", "format"), ("12a456", "format"),
    ("520520", "too-simple"), ("385926", None),
])
def test_trivial_pins_are_refused(pin, reason):
    """Repeats, runs, common PINs and the end of the person's number are refused."""
    assert households.check_pin(pin, User(mobile="13912138000")) == reason


def test_random_pins_pass_the_check():
    assert all(households.check_pin(households.random_pin()) is None for _ in range(50))


def test_trainer_sets_a_pin_shown_once_and_audited(trainer_client, trainer, helped):
    """A typed PIN is shown once and stored hashed; a trivial one is refused and changes nothing;
    an empty field gives a random PIN; each is audited "user.pin_set" without the PIN."""
    url = f"/classes/learners/{helped.id}/pin"
    assert "This learner has no PIN." in trainer_client.get(url).get_data(as_text=True)
    refused = trainer_client.post(url, data={"pin": "123456"})
    assert refused.status_code == 422 and "too easy to guess" in refused.get_data(as_text=True)
    assert not households.has_pin(db.session, helped)
    shown = trainer_client.post(url, data={"pin": "３８５ ９２６"})  # full-width digits and a space
    assert shown.status_code == 200 and "385926" in shown.get_data(as_text=True)
    stored = db.session.scalar(select(User.pin_hash).where(User.id == helped.id))
    assert stored and "385926" not in stored
    assert "This learner has a PIN." in trainer_client.get(url).get_data(as_text=True)
    random_page = trainer_client.post(url, data={"pin": ""}).get_data(as_text=True)
    random_pin = re.search(r'class="poster-code">(\d{6})<', random_page).group(1)
    assert households.check_pin(random_pin, helped) is None
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.pin_set")
                                .order_by(AuditEvent.id)).all()
    assert [(e.actor_id, e.target_id, e.detail) for e in events] == [
        (trainer.id, helped.id, {"replaced": False}), (trainer.id, helped.id, {"replaced": True})]
    assert "385926" not in repr([e.detail for e in events]) and random_pin not in repr([e.detail for e in events])


def test_trainer_clears_a_pin_audited(trainer_client, trainer, helped):
    """Removing a PIN is audited "user.pin_clear"; the PIN no longer signs in; removing again
    changes nothing."""
    households.set_pin(db.session, helped, "385926", trainer.id)
    db.session.commit()
    url = f"/classes/learners/{helped.id}/pin/clear"
    assert trainer_client.post(url).headers["Location"].endswith(f"/classes/learners/{helped.id}/pin")
    assert trainer_client.post(url).status_code == 302
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.pin_clear")).all()
    assert [(e.actor_id, e.target_id) for e in events] == [(trainer.id, helped.id)]
    assert not households.has_pin(db.session, helped)


def test_other_centre_and_staff_accounts_get_no_pin(app, factory, other_centre_trainer, trainer_client, helped):
    """Fred (centre B) cannot see or set the PIN; no staff account gets a PIN at all."""
    fred = app.test_client(user=other_centre_trainer)
    assert fred.get(f"/classes/learners/{helped.id}/pin").status_code == 404
    assert fred.post(f"/classes/learners/{helped.id}/pin", data={"pin": "385926"}).status_code == 404
    colleague = factory.user("trainer", centre="Centre A")
    assert trainer_client.post(f"/classes/learners/{colleague.id}/pin", data={"pin": "385926"}).status_code == 404
    with pytest.raises(households.PinError):
        households.set_pin(db.session, colleague, "385926", None)
    assert not households.has_pin(db.session, helped)


def test_pin_sign_in_on_a_shared_number(app, trainer, family):
    """Number + PIN signs in the one person with that PIN, among three on the number; a username
    works too; a wrong PIN gets one message."""
    households.set_pin(db.session, family["grandpa"], "385926", trainer.id)
    db.session.commit()
    client = app.test_client()
    assert client.get("/login").get_data(as_text=True).count('href="/login/pin"') == 1
    wrong = pin_login(client, NUMBER, "385927")
    assert wrong.status_code == 200 and "Wrong mobile number, username or PIN." in wrong.get_data(as_text=True)
    assert pin_login(client, NUMBER, "385926").headers["Location"] == "/"
    assert who(client) == "Wang Grandpa"


def test_wrong_pins_are_throttled_hard(app, trainer, family):
    """Five wrong PINs for a number lock PIN sign-in for it (even the right PIN), audited;
    the password still signs in, and another number's PIN is not locked."""
    households.set_pin(db.session, family["grandpa"], "385926", trainer.id)
    db.session.commit()
    client = app.test_client()
    for pin in ("111222", "222333", "333444", "444555", "555666"):
        assert pin_login(client, NUMBER, pin).status_code == 200
    assert pin_login(client, NUMBER, "385926").status_code == 429
    locked = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.login_locked")).all()
    assert {e.detail["scope"] for e in locked} == {"pin-account-client"}
    assert login(client, NUMBER, PASSWORD).status_code == 302


def test_wrong_pin_for_an_unknown_name_reads_the_same(app):
    """An unknown name gets the same message as a wrong PIN (nothing tells which names exist)."""
    response = pin_login(app.test_client(), "13911112222", "385926")
    assert "Wrong mobile number, username or PIN." in response.get_data(as_text=True)


# --- switching person ---------------------------------------------------------------------------

def test_switch_person_in_two_taps(app, family):
    """Signed in as the mother: the header offers "Switch person"; tap 1 lists the others; tap 2
    ends her login session (her old cookie opens nothing), then the son's sign-in opens with his
    name and the number filled in; his own password is still needed."""
    client = app.test_client()
    login(client, NUMBER, SHARED)
    client.post("/login/who", data={"person": family["mother"].id})
    home = client.get("/courses").get_data(as_text=True)
    assert 'href="/household"' in home
    listing = client.get("/household").get_data(as_text=True)
    assert "Wang Son" in listing and "Wang Grandpa" in listing
    assert f'action="/household/{family["son"].id}" data-logout' in listing
    old_cookie = client.get_cookie("session").value
    tap = client.post(f"/household/{family['son'].id}")
    assert tap.status_code == 302 and tap.headers["Location"] == "/login"
    assert who(client) is None
    assert db.session.scalar(select(func.count(EndedSession.id))) == 1
    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    assert who(replay) is None
    page = client.get("/login").get_data(as_text=True)
    assert "Log in as Wang Son" in page and f'value="{NUMBER}"' in page
    assert login(client, NUMBER, PASSWORD).status_code == 200  # grandfather's password is not the son's...
    assert who(client) is None
    # ...and the shared password signs in the person tapped, without asking again.
    assert login(client, NUMBER, SHARED).headers["Location"] == "/"
    assert who(client) == "Wang Son"


def test_switch_to_someone_else_is_404(app, factory, family):
    """Only people on the signed-in person's own number can be switched to; nothing ends."""
    stranger = factory.user(mobile="13900139000")
    client = app.test_client(user=family["mother"])
    assert client.post(f"/household/{stranger.id}").status_code == 404
    assert client.post(f"/household/{family['mother'].id}").status_code == 404
    assert client.get("/me").status_code == 200


def test_no_switch_link_for_a_number_of_ones_own(app, factory):
    """Someone alone on their number sees no "Switch person"; the list page says so."""
    factory.user(mobile=NUMBER, password=PASSWORD)
    client = app.test_client()
    login(client, NUMBER, PASSWORD)
    assert 'href="/household"' not in client.get("/courses").get_data(as_text=True)
    assert "No one else uses this mobile number." in client.get("/household").get_data(as_text=True)


def test_someone_else_can_take_over_a_prefilled_sign_in(app, family):
    """"Not Wang Son?" empties the sign-in: the name is forgotten."""
    client = app.test_client(user=family["mother"])
    client.post(f"/household/{family['son'].id}")
    assert "Log in as Wang Son" not in client.get("/login?anyone=1").get_data(as_text=True)
    assert "Log in as Wang Son" not in client.get("/login").get_data(as_text=True)


def test_logout_ends_the_session_and_forgets_the_household(app, family):
    """Logging out ends the login session (data-logout makes the page forget saved pages) and
    drops the household keys of the session."""
    client = app.test_client()
    login(client, NUMBER, PASSWORD)
    page = client.get("/courses").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/logout"[^>]*data-logout', page)
    client.post("/logout")
    with client.session_transaction() as session:
        assert not {"household", "household_choice", "household_switch"} & set(session.keys())
    assert db.session.scalar(select(func.count(EndedSession.id))) == 1
    assert who(client) is None
