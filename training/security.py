"""Response hardening and session lifetime, applied to every request.

- Security headers on every response (a strict Content-Security-Policy: scripts only from
  this site, never inline; nosniff; Referrer-Policy; no framing; HSTS on HTTPS), and the
  development server's Server header names no software version.
- Sessions are permanent and renewed by the first request of each minute, so they end after
  SESSION_IDLE_MINUTES without activity; a "keep me signed in" cookie lasts REMEMBER_DAYS
  from login. Both carry User.session_version, so a password change ends them.
- Cookies get the Secure flag when served over HTTPS (SESSION_COOKIE_SECURE=auto, the
  default), always (true) or never (false). Behind a reverse proxy set TRUSTED_PROXIES to the
  number of proxies in front of the app, so X-Forwarded-For/-Proto are believed (and only then).
- Users whose password was set by someone else (must_change_password) are sent to the
  change-password page until they choose their own.
"""
import time
from datetime import timedelta

from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from itsdangerous import BadSignature, TimestampSigner

from .httpcache import vary_on_cookie
from .lru import LRU

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: data:",
    "media-src 'self' https:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])
HSTS = "max-age=31536000; includeSubDomains"
SERVER_NAME = "CunBo"
# Endpoints a user who must change their password may still reach.
OPEN_WHILE_PASSWORD_EXPIRED = {
    "account.change_password", "auth.logout", "static", "main.media", "main.healthz",
    "main.set_language", "offline.service_worker", "offline.page",
}


def _secure_mode(app: Flask) -> str:
    value = str(app.config.get("SESSION_COOKIE_SECURE_MODE", "auto")).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return "always"
    if value in ("0", "false", "no", "off"):
        return "never"
    return "auto"


def _https() -> bool:
    mode = _secure_mode(current_app)
    return mode == "always" or (mode == "auto" and request.is_secure)


# Files shared by every visitor: no session, no cookie and no per-user work, so that browsers,
# the service worker and proxies can cache them.
STATELESS_ENDPOINTS = {"static", "main.media", "main.healthz", "offline.service_worker"}


def _stateless() -> bool:
    return request.endpoint in STATELESS_ENDPOINTS


# Sessions whose cookie each worker has verified recently (see SessionInterface), by Cookie
# headers of at most this many characters: a browser's header (session, remember-me,
# language) is a few hundred; a longer one is verified every time, so that padding headers
# with junk cookies cannot grow a worker's memory beyond about 8 MB.
VERIFIED_SESSIONS = 4096
REMEMBERED_HEADER_LENGTH = 2048
_IMMUTABLE = (str, int, float, bool, type(None))


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (in "auto" mode), and
    shared files never carry it (nor `Vary: Cookie`).

    A learner's phone sends the same cookie for up to a minute (it is renewed once a minute),
    so each worker remembers the Cookie headers it has verified: the next request with the
    same header skips parsing it, the signature check and the decoding, never the expiry
    check. Only the exact header that passed the check is remembered, so nothing unsigned gets
    in; sessions holding anything mutable (pending flash messages) are decoded afresh every
    time."""

    def __init__(self, remembered: int = VERIFIED_SESSIONS):
        self._verified: LRU[tuple[dict, int]] = LRU(remembered)
        self._serializers: dict = {}

    def get_cookie_secure(self, app: Flask) -> bool:
        return _https()

    def get_signing_serializer(self, app: Flask):
        """Flask's serializer, built once per secret key instead of on every request."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            self._serializers = {keys: serializer}
        return serializer

    def open_session(self, app: Flask, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        header = request.environ.get("HTTP_COOKIE")
        if not header:
            return self.session_class()
        entry = self._verified.get(header)
        if entry is None:
            cookie = request.cookies.get(self.get_cookie_name(app))
            if not cookie:
                return self.session_class()
            try:
                data, signed_at = serializer.loads(cookie, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            entry = (data, int(signed_at.timestamp()))
            if len(header) <= REMEMBERED_HEADER_LENGTH and all(
                    isinstance(value, _IMMUTABLE) for value in data.values()):
                self._verified.put(header, entry)
        data, signed_at = entry
        # The signer's clock, as Flask's own check uses (tests move it).
        age = TimestampSigner.get_timestamp(serializer) - signed_at
        if not 0 <= age <= app.permanent_session_lifetime.total_seconds():
            return self.session_class()
        return self.session_class(data)

    def save_session(self, app, session, response) -> None:
        if _stateless():
            return
        if not session.modified:
            # Nothing to send (sessions are not re-sent on every request, see init_app):
            # what Flask would do, without working out the cookie's settings first.
            if session.accessed:
                vary_on_cookie(response)
            return
        super().save_session(app, session, response)


# The same on every response, as (name, lower-case name, value).
SECURITY_HEADERS = [(name, name.lower(), value) for name, value in (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ("Content-Security-Policy", CSP),
)]


def harden(headers: list[tuple[str, str]], https: bool) -> None:
    """Complete a response's WSGI header list: the security headers it does not set itself
    (media files set a stricter policy of their own, static files set nosniff too), and over
    HTTPS, HSTS and the Secure flag on every cookie (session, remember-me, language...)."""
    present = {name.lower() for name, _ in headers}
    headers.extend((name, value) for name, lower, value in SECURITY_HEADERS if lower not in present)
    if not https:
        return
    if "strict-transport-security" not in present:
        headers.append(("Strict-Transport-Security", HSTS))
    for index, (name, value) in enumerate(headers):
        if name.lower() == "set-cookie" and "; secure" not in value.lower():
            headers[index] = (name, value + "; Secure")


class HardenedResponses:
    """WSGI middleware around the app: every response leaves through harden(), errors and
    redirects included. Done on the plain list of headers the app hands to the server, where
    appending costs nothing, rather than through Flask's response headers (each header set
    there is validated and compared against the others)."""

    def __init__(self, wsgi_app, secure_mode: str):
        self.wsgi_app = wsgi_app
        self.secure_mode = secure_mode

    def __call__(self, environ, start_response):
        https = self.secure_mode == "always" or (
            self.secure_mode == "auto" and environ.get("wsgi.url_scheme") in ("https", "wss"))

        def start_hardened(status, headers, exc_info=None):
            harden(headers, https)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_hardened)


def _refuse_nul_bytes(current):
    """NUL characters are never meaningful in a URL or form, and PostgreSQL refuses them in text:
    answer 400 at the door instead of a database error later."""
    query = current.query_string
    if current.method != "POST" and b"%00" not in query and b"\x00" not in query:
        # The query string decodes to a NUL only from these; the path is checked decoded.
        if "\x00" in current.path:
            abort(400)
        return
    pairs = list(current.args.lists())
    if current.method == "POST" and current.mimetype in ("application/x-www-form-urlencoded",
                                                         "multipart/form-data"):
        pairs += list(current.form.lists())
    values = [current.path] + [key for key, _ in pairs] + [v for _, vs in pairs for v in vs]
    if any("\x00" in value for value in values):
        abort(400)


# A session's expiry is renewed at most once a minute: re-signing and re-sending the cookie
# on every request costs every page some CPU and bytes for nothing.
RENEW_SECONDS = 60


def now() -> float:
    return time.time()


def _keep_session_alive(current) -> None:
    """Permanent sessions expire PERMANENT_SESSION_LIFETIME after the last request (renewed
    by the first request in each minute, so at most a minute early)."""
    if not current.permanent:
        current.permanent = True
    moment = int(now())
    if moment - current.get("_renewed", 0) >= RENEW_SECONDS:
        current["_renewed"] = moment


def _force_password_change(endpoint: str | None):
    user = current_user._get_current_object()
    if user.is_authenticated and user.must_change_password and endpoint not in OPEN_WHILE_PASSWORD_EXPIRED:
        return redirect(url_for("account.change_password"))
    return None


def _before_request():
    """Before every request: refuse NUL bytes; then, but for shared files, keep the session
    alive and send a user who must change their password to that page. (One hook rather than
    three: Flask's own work per hook is counted on every request.)"""
    current = request._get_current_object()
    _refuse_nul_bytes(current)
    endpoint = current.endpoint
    if endpoint in STATELESS_ENDPOINTS:
        return None
    _keep_session_alive(session._get_current_object())
    return _force_password_change(endpoint)


def _hide_development_server_version() -> None:
    """`flask run` (scripts/serve.sh) would announce "Werkzeug/x.y Python/x.y" in every response.
    gunicorn sends just "gunicorn", without a version."""
    from werkzeug.serving import WSGIRequestHandler

    WSGIRequestHandler.version_string = lambda self: SERVER_NAME


def init_app(app: Flask) -> None:
    minutes = int(app.config.get("SESSION_IDLE_MINUTES", 120))
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=minutes)
    # The cookie is saved when the session changes, which _keep_session_alive() makes happen
    # once a minute of activity.
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=int(app.config.get("REMEMBER_DAYS", 30)))
    # Not refreshed per request: Flask-Login would then remember every session, even without
    # "keep me signed in". The remember-me cookie lasts REMEMBER_DAYS from login.
    app.config["REMEMBER_COOKIE_REFRESH_EACH_REQUEST"] = False
    mode = _secure_mode(app)
    app.config["SESSION_COOKIE_SECURE"] = mode == "always"
    app.config["REMEMBER_COOKIE_SECURE"] = mode == "always"

    # TRUSTED_PROXIES is applied once, with the per-header PROXY_FIX_* settings, by
    # training.apply_proxy_fix() at the end of create_app().

    app.before_request(_before_request)
    _hide_development_server_version()
    app.session_interface = SessionInterface()
    # Inside ProxyFix (training.apply_proxy_fix wraps it later), so HTTPS behind a trusted
    # proxy counts.
    app.wsgi_app = HardenedResponses(app.wsgi_app, mode)
