"""Sign-up throttling per address and per number, and the SMS backend interface."""
import pytest

from training import sms


def signup(client, login, n=0):
    return client.post("/register", data={
        "display_name": "李师傅", "login": login, "password": "short", "confirm": "short",
        "language": "en", "consent": "y"})


def test_signups_are_throttled_per_number_and_per_address(make_app):
    """Trying one number again and again, or many numbers from one address, gets 429 (asking
    which numbers are registered costs time); another address and number still sign up."""
    app = make_app(REGISTER_LIMIT_PER_LOGIN="3 per minute", REGISTER_LIMIT_PER_IP="5 per minute")
    for n in range(3):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        assert signup(client, "139 0000 1111").status_code == 200
    assert signup(app.test_client(), "13900001111").status_code == 429
    room = app.test_client()
    room.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for n in range(5):
        assert signup(room, f"1390000200{n}").status_code == 200
    assert signup(room, "13900003000").status_code == 429
    assert signup(app.test_client(), "13900004000").status_code == 200


def test_console_sms_backend_records_messages_and_none_refuses(make_app):
    """Tests and development use the console backend (messages kept in its outbox); "none" sends nothing."""
    with make_app().app_context():
        sms.send("13900001111", "hello")
        assert sms.backend().outbox == [("13900001111", "hello")]
    with make_app(SMS_BACKEND="none").app_context():
        assert not sms.available()
        with pytest.raises(sms.SmsUnavailable):
            sms.send("13900001111", "hello")
