"""The session's signed CSRF token, signed once and then reused by this worker.

Flask-WTF keeps a random secret in the session and puts a *signed* copy of it in every form;
it signs a fresh copy on each request (a serializer, JSON, base64 and an HMAC), although any
signed copy of the same secret is as good as another. Every page with a form pays for that,
so each worker remembers the copy it signed for a session's secret and hands it out again
within the same request (through `g`, where Flask-WTF's own forms look first) and on later
requests. Tokens are checked exactly as before, by Flask-WTF.

With a WTF_CSRF_TIME_LIMIT set, a remembered copy is reused only while it is younger than a
quarter of the limit, so a form never carries a token that is about to expire.

CSRFProtect's check before each request looks up the view's exemptions before it looks at the
method, on every GET too; init_app() has it look at the method first. What it checks, and
how, is unchanged.
"""
import time

import flask_wtf
from flask import Flask, current_app, g, request, session
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms.csrf.core import CSRF

from .lru import LRU, per_app

DEFAULT_SIZE = 4096
# Without a time limit, a signed copy is still refreshed now and then.
MAX_REUSE_SECONDS = 3600


def _reuse_seconds(config) -> float:
    limit = config.get("WTF_CSRF_TIME_LIMIT")
    return MAX_REUSE_SECONDS if not limit else min(MAX_REUSE_SECONDS, limit / 4)


def signed_tokens() -> LRU[tuple[str, float]]:
    """This worker's signed copies: session secret -> (signed token, when it was signed)."""
    return per_app("csrf_tokens", lambda: LRU(current_app.config.get("CSRF_TOKEN_CACHE_SIZE") or DEFAULT_SIZE))


def csrf_token() -> str:
    """The signed CSRF token for this request's session (making the session's secret if it
    has none yet), the same all through the request."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    request_globals = g._get_current_object()
    token = request_globals.get(field)
    if token is not None:
        return token
    secret = session.get(field)
    cache = signed_tokens()
    remembered = cache.get(secret) if isinstance(secret, str) else None
    if remembered is not None and time.monotonic() - remembered[1] < _reuse_seconds(config):
        token = remembered[0]
        setattr(request_globals, field, token)  # where Flask-WTF's generate_csrf() looks first
        return token
    token = generate_csrf()
    cache.put(session[field], (token, time.monotonic()))
    return token


class _CachedCSRF(CSRF):
    """Flask-WTF's form CSRF, with the token from csrf_token() above; checked by Flask-WTF."""

    def setup_form(self, form):
        self.meta = form.meta
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field):
        return csrf_token()

    def validate_csrf_token(self, form, field):
        if g.get("csrf_valid", False):
            return  # CSRFProtect has checked this request already
        validate_csrf(field.data, self.meta.csrf_secret, self.meta.csrf_time_limit, self.meta.csrf_field_name)


class FlaskForm(flask_wtf.FlaskForm):
    """Flask-WTF's form, carrying the remembered token: every form of the app derives from it."""

    class Meta(flask_wtf.FlaskForm.Meta):
        csrf_class = _CachedCSRF


def init_app(app: Flask) -> None:
    """CSRFProtect (extensions.csrf), its check run only for the methods it protects."""
    from .extensions import csrf

    csrf.init_app(app)
    hooks = app.before_request_funcs[None]
    index = next((i for i, hook in enumerate(hooks) if hook.__module__ == "flask_wtf.csrf"), None)
    if index is None:
        raise RuntimeError("CSRFProtect registered no check before requests: Flask-WTF has changed")
    check = hooks[index]
    protected = app.config["WTF_CSRF_METHODS"]

    def csrf_protect():
        if request.method in protected:
            return check()
        return None

    hooks[index] = csrf_protect
