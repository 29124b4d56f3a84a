"""Security headers, sanitized lesson HTML, escaped user text and the 413 page."""
import re
from pathlib import Path

import pytest

from training.services.authoring import content

from ..conftest import EXAMPLE_COURSE, ROOT

PAGES = ["/", "/courses", "/login", "/register", "/healthz", "/static/css/app.css", "/no-such-page",
         "/admin/"]


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(client, path):
    """CSP without inline scripts, nosniff, Referrer-Policy, no framing, no server version
    (the real server's header is checked in test_concurrency)."""
    response = client.get(path)
    response.close()
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'self'" and directives["form-action"] == "'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Werkzeug" not in response.headers.get("Server", "")
    assert "Strict-Transport-Security" not in response.headers  # only over HTTPS


def test_redirects_and_errors_carry_the_headers_too(learner_client):
    """A POST redirect and a 403 are covered as well as pages."""
    for response in (learner_client.post("/logout"), learner_client.get("/admin/")):
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_over_https(client):
    """HTTPS responses tell the browser to keep using HTTPS."""
    response = client.get("/courses", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_media_files_keep_their_stricter_policy(client, example_course):
    """An SVG opened directly is sandboxed: its own CSP is not replaced by the page policy."""
    name = example_course.media[0].stored_name
    response = client.get(f"/media/{name}")
    response.close()
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_templates_have_no_inline_scripts_handlers_or_styles():
    """The CSP forbids inline code: no template may contain <script> without src, on*= or style=."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+\s*=", text) \
                or re.search(r"\sstyle\s*=", text) or "<style" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders


@pytest.mark.parametrize("dirty, forbidden", [
    ('<p style="position:fixed;top:0">cover</p>', "style"),
    ('<a href="javascript:alert(1)">x</a>', "javascript"),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "data:"),
    ('<a href="vbscript:msgbox">x</a>', "vbscript"),
    ('<img src="x" onerror="alert(1)">', "onerror"),
    ('<script>alert(1)</script>', "<script"),
    ('<iframe src="https://evil.example"></iframe>', "iframe"),
    ('<img src="http://evil.example/track.png">', "http://evil"),
    ('<img src="data:image/png;base64,AAAA">', "data:"),
    ('<img src="/static/css/app.css">', "/static"),
    ('<svg><use href="#x"/></svg>', "<svg"),
    ('<form action="/logout"><button>x</button></form>', "<form"),
    ('<div class="flash">fake notice</div>', "class="),
    ('<a href="https://ok.example" target="_blank">x</a>', "target"),
])
def test_sanitizer_removes_what_could_run_hide_or_track(dirty, forbidden):
    """No script, handler, style, foreign scheme, off-site plain-http image, form or class survives."""
    assert forbidden not in content.render_markdown(dirty)


@pytest.mark.parametrize("markdown, kept", [
    ("[site](https://example.com)", 'href="https://example.com"'),
    ("[site](http://example.com)", 'href="http://example.com"'),
    ("[mail](mailto:help@example.com)", 'href="mailto:help@example.com"'),
    ("[next](/courses/x)", 'href="/courses/x"'),
    ("![pic](https://example.com/a.png)", 'src="https://example.com/a.png"'),
    ('<img src="/media/0123456789abcdef0123456789abcdef.png" alt="ok">', 'src="/media/'),
])
def test_sanitizer_keeps_allowed_links_and_images(markdown, kept):
    """http, https, mailto and relative links stay; images from /media/ or https stay."""
    assert kept in content.render_markdown(markdown)


def test_markdown_links_with_bad_schemes_lose_their_target():
    """Markdown links are sanitized the same way as raw HTML."""
    html = content.render_markdown("[x](javascript:alert(1)) ![y](file:///etc/passwd) "
                                   "[z](JaVaScRiPt:alert(2)) [w](data:text/html,hi)")
    assert not re.search(r'(href|src)="(javascript|file|data)', html, re.IGNORECASE)


SCRIPTY = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_script_in_a_display_name_is_shown_as_text(app, factory, admin_client):
    """A display name with markup is escaped on the welcome message, account and admin pages."""
    from training.extensions import db
    from training.services.accounts import privacy

    client = app.test_client()
    response = client.post("/register", data={
        "display_name": SCRIPTY, "login": "scripty", "password": "tea-garden-88",
        "confirm": "tea-garden-88", "language": "en", "consent": "y"}, follow_redirects=True)
    pages = [response.get_data(as_text=True), client.get("/account/").get_data(as_text=True)]
    from sqlalchemy import select

    from training.models import User
    user = db.session.scalar(select(User).where(User.username == "scripty"))
    privacy.request_deletion(db.session, user)
    db.session.commit()
    pages.append(admin_client.get("/admin/deletion-requests").get_data(as_text=True))
    pages.append(admin_client.get("/admin/audit").get_data(as_text=True))
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in pages[0] and "&lt;script&gt;" in pages[2]


def test_script_in_a_course_title_is_shown_as_text(client, factory):
    """Course titles and summaries are plain text in the catalogue and on the course page."""
    factory.import_course(EXAMPLE_COURSE, title=SCRIPTY, summary=SCRIPTY)
    for path in ("/courses", "/courses/first-stream-checklist"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_autoescape_is_never_switched_off_for_user_text():
    """No template marks text safe or turns autoescape off; lesson HTML (sanitized) is the exception."""
    allowed = {"body_html"}
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "autoescape false" not in text, path
        for match in re.finditer(r"\{\{\s*([\w.]+)\s*\|\s*safe", text):
            assert match.group(1).split(".")[-1] in allowed, (path, match.group(0))


def test_too_large_a_request_gets_a_friendly_413(make_app):
    """Over MAX_CONTENT_LENGTH: 413 with a readable page in the user's language, nothing stored."""
    app = make_app(MAX_CONTENT_LENGTH=2048)
    client = app.test_client()
    response = client.post("/login", data={"login": "x", "password": "y" * 4000})
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)
    chinese = client.post("/login", data={"login": "x", "password": "y" * 4000},
                          headers={"Accept-Language": "zh-CN"})
    assert chinese.status_code == 413 and '<html lang="zh-CN">' in chinese.get_data(as_text=True)


def test_media_files_are_not_under_static(app):
    """Uploaded and imported files live outside static/, served only by the media route."""
    assert not Path(app.config["MEDIA_DIR"]).resolve().is_relative_to((ROOT / "static").resolve())
