"""Interface language: the user's saved choice, then the visitor's cookie, then the
browser's Accept-Language, then Simplified Chinese."""
import functools

from babel import Locale
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

from .extensions import babel

LANGUAGE_COOKIE = "lang"


def supported() -> dict[str, str]:
    return current_app.config["LANGUAGES"]


def normalise(code: str | None) -> str | None:
    """Map browser and stored codes (zh, zh-CN, zh_Hans_CN, en-GB...) onto a supported locale."""
    if not code:
        return None
    code = code.replace("-", "_")
    if code in supported():
        return code
    base = code.split("_")[0].lower()
    if base == "zh":
        return "zh_CN"
    return base if base in supported() else None


def select_locale() -> str:
    forced = g.get("forced_locale")
    if forced:
        return forced
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated:
        chosen = normalise(current_user.language)
        if chosen:
            return chosen
    chosen = normalise(request.cookies.get(LANGUAGE_COOKIE))
    if chosen:
        return chosen
    best = request.accept_languages.best_match(["zh_CN", "zh", "en"])
    return normalise(best) or current_app.config["BABEL_DEFAULT_LOCALE"]


# Supported codes by their full identifiers: to parse "zh_CN" Babel loads its table of likely
# scripts (2 MiB in every worker) only to find the "Hans" that "zh_Hans_CN" names already.
FULL_IDENTIFIERS = {"zh_CN": "zh_Hans_CN"}


@functools.cache
def parsed_locale(code: str) -> Locale:
    """A locale code parsed once per process: Flask-Babel would parse it on every request."""
    return Locale.parse(FULL_IDENTIFIERS.get(code, code))


def course_language() -> str:
    """The course language matching the interface: "zh" or "en"."""
    return "zh" if str(get_locale()).startswith("zh") else "en"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=lambda: parsed_locale(select_locale()))

    @app.context_processor
    def inject_language():
        locale = get_locale()
        return {
            "languages": supported(),
            "current_locale": str(locale),
            "html_lang": "zh-CN" if str(locale).startswith("zh") else "en",
        }
