"""Site-wide routes: health check, media files, the web app manifest and the language switcher."""
import json
import re
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, jsonify, redirect, send_from_directory, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import text

from ..pages import safe_next
from ..extensions import db
from ..httpcache import revalidated
from ..i18n import LANGUAGE_COOKIE
from ..policy import can
from ..services.authoring import content
from .forms import LanguageForm

bp = Blueprint("main", __name__)

# Stored names: 32 hex digits, optionally a width variant (-480w), and the type's extension.
MEDIA_NAME_RE = re.compile(r"^[0-9a-f]{32}(-[0-9]{2,4}w)?\.(png|jpg|webp|gif|svg|mp4|webm|m4a)$")
ONE_YEAR = 365 * 24 * 3600


@bp.route("/healthz")
def healthz():
    """200 when the app can reach its database, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means unhealthy
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.route("/media/<name>")
def media(name: str):
    """Uploaded and imported files: unguessable content-named files, cached for a year."""
    if not MEDIA_NAME_RE.match(name):
        abort(404)
    response = send_from_directory(Path(current_app.config["MEDIA_DIR"]), name, max_age=ONE_YEAR)
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # An SVG opened directly must not run anything.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    """The web app manifest: "添加到主屏幕" gives an app-like icon that opens the site full screen.
    The same for everyone, with a validator (a warm visit gets a 304); the service worker's
    scope is unchanged (/sw.js controls every page)."""
    data = {
        "name": "村播学堂",
        "short_name": "村播学堂",
        "description": "农民直播带货与网店技能免费课程",
        "lang": "zh-CN",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": "#1f7a4d",  # --green in static/css/app.css
        "background_color": "#f7f8f5",  # --bg
        "icons": [
            {"src": url_for("static", filename=f"img/icon-{size}.png"), "sizes": f"{size}x{size}",
             "type": "image/png", "purpose": "any maskable"}
            for size in (192, 512)
        ],
    }
    return revalidated(json.dumps(data, ensure_ascii=False), "application/manifest+json")


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language and stay on the same page."""
    form = LanguageForm()
    response = redirect(safe_next(form.next.data) or url_for("learn.home"))
    if not form.validate_on_submit():
        return response  # an unknown language changes nothing
    code = form.locale()
    if current_user.is_authenticated:
        current_user.language = code
        db.session.commit()
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response


def media_picture(course, path: str | None, alt: str | None) -> Markup:
    """A course image (question or choice picture) with its size and srcset copies."""
    item = next((m for m in course.media if m.path == path), None) if path else None
    if item is None:
        return Markup("")
    return Markup(content.picture_html(content.image_ref(item), alt or ""))


def init_app(app: Flask) -> None:
    from ..form_errors import form_problems
    from ..localtime import zone_label

    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["media_picture"] = media_picture
    app.jinja_env.globals["form_problems"] = form_problems  # the error summary of every form page
    app.jinja_env.globals["zone_label"] = zone_label  # "北京时间": the one name of the shown zone
