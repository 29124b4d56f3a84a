"""Work every request used to repeat, now done once per worker: verifying the session cookie,
signing the CSRF token, and Flask-Limiter's check before routes that have no limits.
Each shortcut must change nothing a learner or an attacker can observe."""
import re

from flask_wtf.csrf import generate_csrf
from itsdangerous import TimestampSigner

from training import csrf, security
from training.csrf import signed_tokens
from training.extensions import limiter

from .conftest import lesson_url

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_a_verified_cookie_is_not_decoded_again(app, learner, enrolled, monkeypatch):
    """The second request with the same cookie reads the remembered session: the serializer
    is not asked again, and the learner sees the same page."""
    client = app.test_client(user=learner)
    first = client.get(lesson_url(enrolled))  # sets the cookie the phone sends from now on
    assert "session=" in first.headers.get("Set-Cookie", "")
    assert client.get(lesson_url(enrolled)).status_code == 200

    def decode_again(*args, **kwargs):
        raise AssertionError("the cookie was decoded again")

    monkeypatch.setattr(app.session_interface.get_signing_serializer(app), "loads", decode_again)
    again = client.get(lesson_url(enrolled))
    assert again.get_data() == client.get(lesson_url(enrolled)).get_data()


def test_a_remembered_cookie_still_expires(make_app, factory, monkeypatch):
    """Remembering a verified cookie never extends it: after the idle time it is refused
    even though this worker has seen it before."""
    app = make_app(SESSION_IDLE_MINUTES=30)
    user = factory.user("learner", username="zhao")
    client = app.test_client(user=user)
    assert client.get("/me").status_code == 200
    assert client.get("/me").status_code == 200  # now remembered
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + 31 * 60)
    assert "/login" in client.get("/me").headers["Location"]


def test_a_tampered_cookie_is_refused_after_the_real_one_was_remembered(app, learner):
    client = app.test_client(user=learner)
    assert client.get("/me").status_code == 200
    cookie = client.get_cookie("session").value
    payload, stamp, signature = cookie.rsplit(".", 2)
    forged = f"{payload}.{stamp}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    client.set_cookie("session", forged)
    assert "/login" in client.get("/me").headers["Location"]


def test_sessions_holding_flash_messages_are_decoded_every_time(app):
    """A remembered session's values are shared by later requests, so only sessions of plain
    values are remembered: a pending message (a list) is never handed out twice."""
    interface = app.session_interface
    serializer = interface.get_signing_serializer(app)
    with app.test_request_context():
        plain = serializer.dumps({"_user_id": "1.1", "_fresh": True})
        flashed = serializer.dumps({"_flashes": [("info", "Saved.")]})
        for cookie in (plain, flashed):
            with app.test_request_context(headers={"Cookie": f"session={cookie}"}):
                from flask import request
                first = interface.open_session(app, request)
                second = interface.open_session(app, request)
                assert dict(first) == dict(second)
                if "_flashes" in first:
                    assert first["_flashes"] is not second["_flashes"]
                    first["_flashes"].append(("info", "Changed."))
                    assert second["_flashes"] == [("info", "Saved.")]
        assert interface._verified.get(f"session={plain}") is not None
        assert interface._verified.get(f"session={flashed}") is None


def test_only_cookie_headers_of_a_browsers_size_are_remembered(app):
    """Junk cookies beside a valid session cannot fill a worker's memory: a header longer than
    a browser's is verified every time and never remembered."""
    interface = app.session_interface
    with app.test_request_context():
        cookie = interface.get_signing_serializer(app).dumps({"_user_id": "1.1"})
    padded = f"session={cookie}; junk={'x' * security.REMEMBERED_HEADER_LENGTH}"
    with app.test_request_context(headers={"Cookie": padded}):
        from flask import request
        assert interface.open_session(app, request)["_user_id"] == "1.1"
    assert interface._verified.get(padded) is None


def test_the_csrf_token_is_signed_once_per_session(make_app, factory, monkeypatch):
    """Two pages of one session carry the same signed token, signed once (forms included),
    and it is accepted; another session gets another token."""
    app = make_app(WTF_CSRF_ENABLED=True)
    user = factory.user("learner", username="zhao")
    phone, other_phone = app.test_client(user=user), app.test_client(user=user)
    first = CSRF_RE.search(phone.get("/account/").get_data(as_text=True)).group(1)
    signings = []
    monkeypatch.setattr(csrf, "generate_csrf", lambda: signings.append(1) or generate_csrf())
    second = CSRF_RE.search(phone.get("/account/").get_data(as_text=True)).group(1)
    assert signings == []
    other = CSRF_RE.search(other_phone.get("/account/").get_data(as_text=True)).group(1)
    assert first == second != other
    assert phone.post("/language", data={"language": "en", "csrf_token": first}).status_code == 302
    assert other_phone.post("/language", data={"language": "en", "csrf_token": first}).status_code == 400


def test_with_a_time_limit_a_signed_token_is_renewed_well_before_it_expires(make_app, factory, monkeypatch):
    app = make_app(WTF_CSRF_ENABLED=True, WTF_CSRF_TIME_LIMIT=400)
    user = factory.user("learner", username="zhao")
    phone = app.test_client(user=user)
    first = CSRF_RE.search(phone.get("/account/").get_data(as_text=True)).group(1)
    with app.app_context():
        cache = signed_tokens()
        [(secret, (token, signed_at))] = list(cache._values.items())
        assert token == first
        cache.put(secret, (token, signed_at - 101))  # older than a quarter of the limit
    signings = []
    monkeypatch.setattr(csrf, "generate_csrf", lambda: signings.append(1) or generate_csrf())
    renewed = CSRF_RE.search(phone.get("/account/").get_data(as_text=True)).group(1)
    assert signings == [1]
    assert phone.post("/language", data={"language": "en", "csrf_token": renewed}).status_code == 302


def test_limits_are_checked_by_their_views_only(app, make_app, monkeypatch):
    """No Flask-Limiter check runs before every request (this app has no app-wide limits; the
    login and class-code limits are tested in security/ and classes/). Configuring a default
    limit brings the check back, and the limit holds."""
    assert limiter._check_request_limit not in app.before_request_funcs[None]
    # The limiter is one object for every app of the process: the default goes with the test.
    monkeypatch.setattr(limiter.limit_manager, "_default_limits", [])
    limited = make_app(RATELIMIT_DEFAULT="2 per minute")
    assert limiter._check_request_limit in limited.before_request_funcs[None]
    client = limited.test_client()
    assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 429]
    assert security.SessionInterface is type(app.session_interface)


def test_views_and_hooks_are_checked_for_coroutines_once(app, monkeypatch):
    """ensure_sync asks Flask about each function once, and remembers a bounded number."""
    from flask import Flask

    asked = []
    monkeypatch.setattr(Flask, "ensure_sync", lambda self, func: asked.append(func) or func)

    def plain():
        return "plain"

    assert app.ensure_sync(plain) is plain and app.ensure_sync(plain) is plain
    assert asked == [plain]
    for _ in range(2 * app._SYNC_REMEMBERED):
        app.ensure_sync(lambda: None)  # functions made per request must not pile up
    assert len(app._sync_functions) <= app._SYNC_REMEMBERED


def test_cookie_joins_a_vary_header_already_set(app):
    from training.httpcache import vary_on_cookie

    response = app.response_class("x", headers={"Vary": "Accept-Encoding"})
    vary_on_cookie(response)
    assert response.headers["Vary"] == "Accept-Encoding, Cookie"
    vary_on_cookie(response)
    assert response.headers["Vary"] == "Accept-Encoding, Cookie"


def test_csrf_protect_looks_at_the_method_first(make_app, factory, monkeypatch):
    """A GET skips CSRFProtect's lookup of exemptions; a POST without its token is still
    refused, and with it accepted."""
    from training.extensions import csrf as protect

    app = make_app(WTF_CSRF_ENABLED=True)
    phone = app.test_client(user=factory.user("learner", username="zhao"))
    lookups = []
    real = protect._is_exempt
    monkeypatch.setattr(protect, "_is_exempt", lambda: lookups.append(1) or real())
    page = phone.get("/account/")
    assert page.status_code == 200 and lookups == []
    assert phone.post("/language", data={"language": "en"}).status_code == 400
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    assert phone.post("/language", data={"language": "en", "csrf_token": token}).status_code == 302
    assert lookups == [1, 1]


def test_a_shared_lesson_page_works_out_its_neighbours_only_to_render(app, factory, enrolled, monkeypatch):
    """The previous and next steps are part of the rendered page: a second learner who gets
    the page already shared (or a browser revalidating it) costs no walk through the course."""
    from training.services.progress import CourseState

    first = factory.user("learner", display_name="Li Ming")
    second = factory.user("learner", display_name="Wang Fang")
    for learner in (first, second):
        factory.enrol(learner, enrolled)
    url = lesson_url(enrolled, 1)
    rendered = app.test_client(user=first).get(url)
    assert rendered.status_code == 200

    def walk(self):
        raise AssertionError("the course's steps were worked out again")

    monkeypatch.setattr(CourseState, "steps", property(walk))
    phone = app.test_client(user=second)
    shared = phone.get(url)
    assert shared.status_code == 200 and "Wang Fang" in shared.get_data(as_text=True)
    assert phone.get(url, headers={"If-None-Match": shared.headers["ETag"]}).status_code == 304
