"""Rendered pages shared by every learner who would see the same page, with per-user slots.

On a training day hundreds of learners open the same lesson in the same state (not done, done,
quiz passed...), and rendering its template is most of the page's cost. A page rendered for
one of them differs from another's only in who they are: their name, their user id and the
CSRF token of their session. So each worker keeps recently rendered pages with those three
values left as *slots*, and fills them in for each learner.

What makes this safe rather than hopeful:

- The key holds everything else the page may depend on: the template, the state the view
  passes (course content version, the learner's progress...), the interface language, the
  viewer's role, the URL with its query string, and the host and path prefix (for url_for).
  The release is implicit: a new release starts new processes with empty caches.
- The shared render cannot see the learner. It runs with a stand-in viewer that has a role
  and slots, and nothing else; Flask-Login's user, the session and the request's other
  parts are replaced by tripwires. A template or helper that reaches for anything else raises
  `SharedPageError`, and the page is rendered the ordinary way (in tests, the error stands).
- A slot that a template transforms (cuts, upper-cases, escapes into JSON) would come out
  mangled: the render is checked for intact slots and refused otherwise.
- Every page goes through the same fill-in, the first render included, so a cached page and a
  fresh one are the same bytes; tests compare them across different learners.

Only learners' pages are shared; staff pages (few, and with more per-user parts) and pages
with a pending flash message are rendered per request. Only views whose output is a function
of the key may use it: nothing time-dependent, nothing read from the database inside the
template.
"""
import contextvars
import logging
import re
import secrets
from collections.abc import Callable, Hashable

from flask import Response, current_app, g, render_template, request, session
from flask.globals import request_ctx
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import escape

from .csrf import csrf_token as signed_csrf_token
from .httpcache import not_modified, page_etag, page_response
from .lru import LRU, per_app
from .models import Role
from .policy import can_for

DEFAULT_SIZE = 256

log = logging.getLogger(__name__)

# Slot markers: private-use characters around a per-process random word, which no content,
# translation or escaping produces.
_TOKEN = secrets.token_hex(6)
SLOTS = ("user_id", "display_name", "csrf_token")
_MARK = {name: f"\ue000{_TOKEN}:{name}\ue001" for name in SLOTS}
_SPLIT = re.compile(f"\ue000{_TOKEN}:({'|'.join(SLOTS)})\ue001")

# Set while a shared render runs: the CSRF token helper then returns its slot.
_sharing = contextvars.ContextVar("sharing_page", default=False)


class SharedPageError(RuntimeError):
    """A shared render reached for something of the learner's that is not a slot."""


class _Tripwire:
    """Stands where the learner's data would be during a shared render: any use raises."""

    def __init__(self, what: str):
        object.__setattr__(self, "_what", what)

    def _refuse(self, *args, **kwargs):
        raise SharedPageError(f"a shared page used {object.__getattribute__(self, '_what')}")

    def __getattr__(self, name):
        self._refuse()

    def __setattr__(self, name, value):
        if name != "accessed":  # Flask marks the session accessed when it is handed out
            self._refuse()

    __getitem__ = __contains__ = __iter__ = __len__ = __bool__ = __str__ = __call__ = _refuse


class Viewer:
    """A signed-in learner as a shared render sees them: a role, and slots for who they are."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, role: str):
        self.role = role
        self.is_admin = role == Role.ADMIN
        self.is_trainer = role == Role.TRAINER
        self.is_staff = role in (Role.ADMIN, Role.TRAINER)
        self.id = _MARK["user_id"]
        self.display_name = _MARK["display_name"]

    def __getattr__(self, name):
        raise SharedPageError(f"a shared page used the viewer's {name}")


class _SharedRequest:
    """The request as a shared render sees it: the URL (in the key), nothing else."""

    def __init__(self):
        self.path = request.path
        self.full_path = request.full_path
        self.query_string = request.query_string
        self.script_root = request.script_root

    def __getattr__(self, name):
        raise SharedPageError(f"a shared page used request.{name}")


def csrf_token() -> str:
    """The template helper `csrf_token()`: the session's token, or its slot in a shared render."""
    return _MARK["csrf_token"] if _sharing.get() else signed_csrf_token()


def compile_page(html: str) -> tuple[bytes | str, ...]:
    """Split a shared render into literal parts, already encoded as the response sends them
    (every copy then skips encoding the whole page), and slot names at the odd positions.
    Refuses a render whose slots came out altered."""
    parts = _SPLIT.split(html)
    literal = "".join(parts[0::2])
    if "\ue000" in literal or "\ue001" in literal or _TOKEN in literal:
        raise SharedPageError("a slot was altered by the template")
    return tuple(part if index % 2 else part.encode() for index, part in enumerate(parts))


def fill(parts: tuple[bytes | str, ...], values: dict[str, str]) -> bytes:
    out = list(parts)
    for i in range(1, len(out), 2):
        out[i] = values[out[i]].encode()
    return b"".join(out)


class PageCache(LRU[tuple[bytes | str, ...]]):
    """The most recently used shared pages of this process, as compiled by compile_page()."""

    def __init__(self, size: int = DEFAULT_SIZE):
        super().__init__(size)
        self.renders = 0  # shared renders made (for tests and benchmarks)


def page_cache() -> PageCache:
    return per_app("page_cache", lambda: PageCache(current_app.config.get("PAGE_CACHE_SIZE") or DEFAULT_SIZE))


def _shareable(user) -> bool:
    return (current_app.config.get("PAGE_CACHE_SIZE", DEFAULT_SIZE) > 0
            and user.is_authenticated and user.role == Role.LEARNER
            and "_flashes" not in session)


def render_page(template: str, state: Hashable, context: Callable[[], dict],
                user=None, locale: str | None = None) -> str | bytes:
    """The page `template` renders for the signed-in learner, shared with every learner who
    sees the same `state` (see the module's notes); `context()` gives the template's values
    and is only called when the page must be rendered. A caller that has them already passes
    the signed-in user and the locale code."""
    if user is None:
        user = current_user._get_current_object()
    if not _shareable(user):
        return render_template(template, **context())
    if locale is None:
        locale = str(get_locale())  # before the tripwires: the locale reads the user and session
    current = request._get_current_object()
    key = (template, state, locale, user.role, current.full_path, current.host, current.script_root)
    cache = page_cache()
    parts = cache.get(key)
    if parts is None:
        try:
            parts = _shared_render(template, user.role, context())
        except SharedPageError:
            if current_app.testing:
                raise
            log.warning("page %s cannot be shared; rendered for one learner", template, exc_info=True)
            return render_template(template, **context())
        cache.put(key, parts)
    return fill(parts, {"user_id": str(user.id),
                        "display_name": str(escape(user.display_name)),
                        "csrf_token": signed_csrf_token()})


def learner_page(template: str, state: Hashable, context: Callable[[], dict]) -> Response:
    """A page that shows the viewer's own state, behind a conditional GET (training/httpcache.py):
    a browser whose copy is current gets a 304 and nothing is rendered; otherwise render_page()."""
    user = current_user._get_current_object()
    locale = str(get_locale())
    etag = page_etag(state, user, locale)
    if (cached := not_modified(etag)) is not None:
        return cached
    return page_response(render_page(template, state, context, user, locale), etag)


def _shared_render(template: str, role: str, context: dict) -> tuple[bytes | str, ...]:
    viewer = Viewer(role)
    ctx = request_ctx._get_current_object()
    shared_request = _SharedRequest()
    # Flask-Login keeps the user in g._login_user; Flask's request context keeps the session
    # in _session (behind the `session` proxy). The tests check both tripwires hold.
    saved_user, saved_session = g._login_user, ctx._session
    g._login_user, ctx._session = _Tripwire("the signed-in user"), _Tripwire("the session")
    sharing = _sharing.set(True)
    try:
        html = render_template(
            template, **context, current_user=viewer, request=shared_request,
            session=_Tripwire("the session"), g=_Tripwire("g"),
            can=lambda action, obj=None: can_for(viewer, action, obj),
            get_flashed_messages=lambda *args, **kwargs: [])
    finally:
        _sharing.reset(sharing)
        g._login_user, ctx._session = saved_user, saved_session
    page_cache().renders += 1
    return compile_page(html)


def init_app(app) -> None:
    """Templates get the slot-aware `csrf_token()` (as a global too, for macros imported
    without context). Registered after Flask-WTF, whose helper it replaces."""
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
