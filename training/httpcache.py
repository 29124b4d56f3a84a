"""Conditional GET for pages that show one user's own state.

Such pages (a lesson with the learner's progress, the catalogue with their percentages, any
page with a CSRF token) must never be stored by a shared cache, but the learner's own browser
may keep a copy and revalidate it: on a slow mobile network a 304 costs a few hundred bytes
instead of the whole page. The ETag is computed from what the page shows *before* rendering
it, so a revalidation also skips the template:

- the release (templates, translations and code as deployed),
- the user (or anonymous), their role, and the session's CSRF secret (a copy whose forms carry
  another session's token must not be reused),
- the interface language,
- the content's and the learner's state, passed in by the view.

The ETag is weak (W/"..."): the page's CSRF token is re-signed on every render, so two pages
with the same ETag are equivalent rather than byte-identical (and a compressing proxy keeps
weak ETags). A pending flash message disables it: that page is shown once.

Views use learner_page(), which answers a current copy with a 304 before rendering anything.
"""
import functools
import hashlib
from collections.abc import Callable, Hashable
from pathlib import Path

from flask import Flask, Response, current_app, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.http import quote_etag

CACHE_CONTROL = "private, no-cache"
HTML = "text/html; charset=utf-8"


@functools.cache
def release_fingerprint(root: Path) -> str:
    """A short hash of the deployed templates, translations and Python code: a new release
    changes every ETag, and every machine running the same release agrees on them. Computed
    once per process (a release starts new processes)."""
    digest = hashlib.blake2b(digest_size=8)
    for folder in ("templates", "training"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".html", ".py", ".mo") and path.is_file():
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def page_etag(state: tuple, user, locale: str) -> str | None:
    """The ETag of a page showing `state` to `user` (current_user) in `locale` (the request's
    locale code); None while a flash message is pending."""
    if "_flashes" in session:
        return None
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field not in session:
        generate_csrf()  # the page's forms will need it: make the session's secret now
    digest = hashlib.blake2b(digest_size=16)
    who = (user.id, user.role, user.session_version) if user.is_authenticated else ("anonymous",)
    parts = (config["RELEASE"], who, session[field], locale, state)
    digest.update(repr(parts).encode())
    return digest.hexdigest()


def not_modified(etag: str | None) -> Response | None:
    """A 304 response when the browser's copy is still current, else None."""
    if etag is None or "HTTP_IF_NONE_MATCH" not in request.environ or not request.if_none_match.contains_weak(etag):
        return None
    return page_response(b"", etag, status=304)


def page_response(body: str | bytes, etag: str | None, status: int = 200) -> Response:
    """A per-user page's response: cacheable by the browser only, and revalidated every time
    (its caching headers are given with the body, not set one by one afterwards)."""
    headers = [("Content-Type", HTML), ("Cache-Control", CACHE_CONTROL), ("Vary", "Cookie")]
    if etag is not None:
        headers.append(("ETag", quote_etag(etag, weak=True)))
    return current_app.response_class(body, status=status, headers=headers)


def learner_page(template: str, state: Hashable, context: Callable[[], dict]) -> Response:
    """A page showing the viewer's own `state`, behind a conditional GET: a browser whose copy
    is current gets a 304 and nothing is rendered; `context()` gives the template's values."""
    etag = page_etag(state, current_user, str(get_locale()))
    if (cached := not_modified(etag)) is not None:
        return cached
    return page_response(render_template(template, **context()), etag)


def init_app(app: Flask, root: Path) -> None:
    app.config.setdefault("RELEASE", release_fingerprint(root))


def revalidated(body: str, mimetype: str) -> Response:
    """A small file that is the same for everyone (the service worker, the web app manifest):
    a strong ETag from its content, so a browser revalidating it (no-cache) gets a 304 instead
    of the whole file. The content changes with the release, so does the ETag."""
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


def conditional_page(state: Hashable, render: Callable[[], str | tuple[str, int]]) -> Response:
    """learner_page() for a view that renders its page itself: `render()` gives the HTML, or
    (HTML, status). A current copy gets a 304 without calling it; only a 200 carries an ETag."""
    etag = page_etag(state, current_user, str(get_locale()))
    if (cached := not_modified(etag)) is not None:
        return cached
    result = render()
    body, status = result if isinstance(result, tuple) else (result, 200)
    return page_response(body, etag if status == 200 else None, status)
