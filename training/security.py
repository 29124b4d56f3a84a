"""Response hardening and session lifetime, applied to every request.

- Security headers on every response (a strict Content-Security-Policy: scripts only from
  this site, never inline; nosniff; Referrer-Policy; no framing; HSTS on HTTPS).
- Sessions are permanent and renewed by the first request of each minute, so they end after
  SESSION_IDLE_MINUTES without activity; a "keep me signed in" cookie lasts REMEMBER_DAYS
  from login. Both carry User.session_version, so a password change ends them, and the login
  session's id, so signing out ends them (training/services/accounts/sessions.py).
- Cookies get the Secure flag when served over HTTPS (SESSION_COOKIE_SECURE=auto, the
  default), always (true) or never (false). Behind a reverse proxy set TRUSTED_PROXIES to the
  number of proxies in front of the app, so X-Forwarded-For/-Proto are believed (and only then).
- Users whose password was set by someone else (must_change_password) are sent to the
  change-password page until they choose their own, then back to the page they had opened.
"""
import time
from datetime import timedelta

from flask import Flask, Response, abort, current_app, redirect, request, session, url_for
from flask_login import current_user

from .account import landing

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


# Files shared by every visitor: no session, no cookie and no per-user work, so that browsers,
# the service worker and proxies can cache them.
STATELESS_ENDPOINTS = {"static", "main.media", "main.healthz", "offline.service_worker"}

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Content-Security-Policy": CSP,
}


def _after_request(response: Response) -> Response:
    """The security headers a response does not set itself (media files set a stricter
    policy of their own), and HSTS over HTTPS. A shared file neither sends the session nor
    varies by cookie, whatever other hooks (Flask-Login's) did with it: this hook is
    registered before theirs, so it runs after them."""
    if request.endpoint in STATELESS_ENDPOINTS:
        session.modified = session.accessed = False
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure or current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


class SecureCookiesOverHttps:
    """WSGI middleware: in "auto" mode, every cookie sent over HTTPS gets the Secure flag
    (session, remember-me, language...), whichever part of the app set it."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") not in ("https", "wss"):
            return self.wsgi_app(environ, start_response)

        def start_secure(status, headers, exc_info=None):
            headers[:] = [(name, value + "; Secure") if name.lower() == "set-cookie"
                          and "; secure" not in value.lower() else (name, value)
                          for name, value in headers]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_secure)


def _refuse_nul_bytes() -> None:
    """NUL characters are never meaningful in a URL or form, and PostgreSQL refuses them in text:
    answer 400 at the door instead of a database error later."""
    fields = [request.args, request.form] if request.method == "POST" else [request.args]
    values = [request.path] + [text for field in fields for key, texts in field.lists() for text in (key, *texts)]
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


def _before_request():
    """Before every request: refuse NUL bytes; then, but for shared files, keep the session
    alive and send a user who must change their password to that page."""
    _refuse_nul_bytes()
    if request.endpoint in STATELESS_ENDPOINTS:
        return None
    _keep_session_alive(session)
    if current_user.is_authenticated and current_user.must_change_password \
            and request.endpoint not in OPEN_WHILE_PASSWORD_EXPIRED:
        if request.method == "GET" and request.endpoint:  # a page, not a stray /favicon.ico
            landing.remember_return(request.full_path.rstrip("?"))  # back there once changed
        return redirect(url_for("account.change_password"))
    return None


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
    app.after_request(_after_request)
    if mode == "auto":
        # Inside ProxyFix (training.apply_proxy_fix wraps it later), so HTTPS behind a trusted
        # proxy counts.
        app.wsgi_app = SecureCookiesOverHttps(app.wsgi_app)
