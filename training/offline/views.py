"""Offline support: the service worker, the offline page and a course's download list."""
import hashlib

from flask import Blueprint, Flask, jsonify, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from ..httpcache import revalidated
from ..pages import load_course
from ..policy import can_learn, ensure
from ..services.learning import offline
from . import voice

bp = Blueprint("offline", __name__)

# The app shell: what every page needs, cached when the service worker installs.
SHELL_FILES = ("css/app.css", "js/app.js", "img/icon.svg")


def approx_size(size: int | None) -> str:
    """"about 12 MB" in the interface language (约 12 MB), or "" when the size is unknown."""
    if size is None:
        return ""
    number, unit = offline.size_parts(size)
    return _("about %(size)s", size=f"{number} {unit}")


@bp.route("/sw.js")
def service_worker():
    """Served from the site root so that it controls every page."""
    shell = [url_for("static", filename=name) for name in SHELL_FILES] + [url_for("offline.page")]
    version = hashlib.sha256("|".join(shell).encode()).hexdigest()[:10]
    body = render_template("offline/sw.js", shell=shell, version=version,
                           offline_url=url_for("offline.page"))
    return revalidated(body, "application/javascript")  # a warm visit gets a 304


@bp.route("/offline")
def page():
    """Shown by the service worker for pages that were not saved on this phone."""
    return render_template("offline/offline.html")


@bp.route("/courses/<slug>/offline")
@login_required
def course_files(slug: str):
    """Every page and image of a course, for "save this course for offline"."""
    course = load_course(slug, current_user)
    ensure(can_learn(current_user, course))
    urls = [url_for("learn.course", slug=slug)]
    urls += [url_for("learn.lesson", slug=slug, key=lesson.key) for lesson in course.lessons]
    urls += [url_for("quiz.take", slug=slug, quiz_id=quiz.id) for quiz in course.quizzes]
    urls += [media.url_path for media in course.media]
    size = offline.course_download_bytes(course)
    return jsonify(urls=urls, bytes=size, size=approx_size(size))


def js_strings() -> dict[str, str]:
    """The words app.js shows, in the interface language ({name} marks a value JS fills in)."""
    return {
        "offline": _("No signal. Saved lessons still open, and your work is kept on this phone."),
        "queued": _("Saved on this phone. It will be sent when the signal returns."),
        "sending": _("Sending…"),
        "stalled": _("No answer from the network. Saved on this phone: it will be sent by itself when there is signal."),
        "sent": _("Sent: %(what)s", what="{what}"),
        "see": _("See the result"),
        "failed": _("Could not send: %(what)s.", what="{what}"),
        "open": _("Open it to try again"),
        "save": _("Save this course for offline (%(size)s)", size="{size}"),
        "saving": _("Saving… %(done)s of %(total)s", done="{done}", total="{total}"),
        "saved": _("Saved on this phone: it opens without signal."),
        "saveFailed": _("Saving stopped. Try again with a better signal."),
        "read": _("Read aloud"),
        "pause": _("Pause"),
        "resume": _("Resume"),
        "stop": _("Stop"),
        "readThis": _("Read this aloud"),
        "noVoice": _("This phone has no reading voice. Listen to the trainer's recording, or ask the trainer to read it."),
        "recStart": _("Record"),
        "recStop": _("Stop recording"),
        "recAgain": _("Record again"),
        "recRecording": _("Recording…"),
        "recDone": _("Recorded. Listen to it, then save it."),
        "recNoMic": _("The microphone could not be used. Allow it, or choose a sound file below."),
        "restored": _("Your answers from before were put back."),
        "lockedWaiting": _("What you did on this phone without signal is not sent yet. This step may open once it is sent: it goes by itself when there is signal."),
    }


_JS_STRINGS_ATTRIBUTE: dict[str, Markup] = {}


def js_strings_attribute() -> Markup:
    """js_strings() as JSON escaped for an HTML attribute (every page carries it), made once
    per language per process."""
    locale = str(get_locale())
    value = _JS_STRINGS_ATTRIBUTE.get(locale)
    if value is None:
        value = _JS_STRINGS_ATTRIBUTE[locale] = escape(str(htmlsafe_json_dumps(js_strings())))
    return value


def init_app(app: Flask) -> None:
    app.jinja_env.filters["approx_size"] = approx_size
    app.jinja_env.globals["js_strings_attribute"] = js_strings_attribute
    voice.init_app(app)
