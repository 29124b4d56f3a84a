"""Both interface catalogues are complete, compiled and used; Chinese is the default."""
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "training" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def extracted_ids() -> set:
    method_map = [("training/**.py", "python"), ("templates/**.html", "jinja2")]
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=KEYWORDS):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def _key(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


def catalogue(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", ["zh_Hans_CN", "en"])
def test_every_string_is_translated(locale):
    """Is every string in the code and templates in the catalogue, translated and not fuzzy?"""
    cat = catalogue(locale)
    known = {m.id if isinstance(m.id, str) else m.id[0]: m for m in cat if m.id}
    missing = sorted(extracted_ids() - set(known))
    assert not missing, f"not in {locale} catalogue (run scripts/i18n.py update): {missing[:20]}"
    untranslated = [mid for mid, m in known.items()
                    if not (m.string if isinstance(m.string, str) else all(m.string))]
    fuzzy = [mid for mid, m in known.items() if m.fuzzy]
    assert not untranslated, f"untranslated in {locale}: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy in {locale}: {fuzzy[:20]}"


@pytest.mark.parametrize("locale", ["zh_Hans_CN", "en"])
def test_compiled_catalogue_is_current(locale):
    """Does the committed .mo hold exactly the .po's translations (run scripts/i18n.py compile)?"""
    def entries(cat):
        return {_key(m.id): _key(m.string) for m in cat if m.id}

    po = entries(catalogue(locale))
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        mo = entries(read_mo(handle))
    assert po == mo


def test_placeholders_survive_translation():
    """Does every Chinese translation keep the placeholders of its English source?"""
    pattern = re.compile(r"%\(\w+\)[sd]")
    for message in catalogue("zh_Hans_CN"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(pattern.findall(ids[-1]))
        for text in strings:
            assert set(pattern.findall(text)) == wanted, message.id


def test_chinese_is_the_default(app):
    client = app.test_client()
    del client.environ_base["HTTP_ACCEPT_LANGUAGE"]
    page = client.get("/courses").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "课程" in page and "村播学堂" in page


def test_pages_need_no_table_of_likely_scripts(app, learner_client, example_course, monkeypatch):
    """A worker's locales are parsed from full identifiers (zh_Hans_CN): parsing "zh_CN" would
    load Babel's table of likely scripts, 2 MiB in every worker, to find the same locale."""
    import babel.core

    from training.i18n import parsed_locale

    wanted = []
    real = babel.core.get_global
    monkeypatch.setattr(babel.core, "get_global", lambda key: wanted.append(key) or real(key))
    parsed_locale.cache_clear()
    for language in ("zh_CN", "en"):
        learner_client.post("/language", data={"language": language})
        assert learner_client.get(f"/courses/{example_course.slug}").status_code == 200
    assert wanted == []
    assert str(parsed_locale("zh_CN")) == str(babel.Locale.parse("zh_CN")) == "zh_Hans_CN"


def test_browser_language_is_used_for_visitors(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"
    assert '<html lang="en">' in client.get("/courses").get_data(as_text=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-TW,zh;q=0.9"
    assert '<html lang="zh-CN">' in client.get("/courses").get_data(as_text=True)


def test_switcher_remembers_the_choice_and_stays_on_the_page(client, example_course):
    """Does switching language keep the visitor on the same page and remember the choice?"""
    target = f"/courses/{example_course.slug}?x=1"
    response = client.post("/language", data={"language": "zh_CN", "next": target})
    assert response.status_code == 302 and response.headers["Location"] == target
    assert "课时" in client.get(f"/courses/{example_course.slug}").get_data(as_text=True)
    client.post("/language", data={"language": "en", "next": "/courses"})
    assert "Lessons" in client.get(f"/courses/{example_course.slug}").get_data(as_text=True)


def test_saved_preference_wins_for_signed_in_users(app, factory):
    user = factory.user(language="zh_CN")
    client = app.test_client(user=user)
    assert '<html lang="zh-CN">' in client.get("/me").get_data(as_text=True)
    client.post("/language", data={"language": "en", "next": "/me"})
    from training.extensions import db
    db.session.refresh(user)
    assert user.language == "en"
    assert '<html lang="en">' in client.get("/me").get_data(as_text=True)


def test_switcher_accepts_browser_style_codes(app, factory):
    """Is a code like zh-CN mapped onto the supported locale and saved for the user?"""
    user = factory.user(language="en")
    response = app.test_client(user=user).post("/language", data={"language": "zh-CN", "next": "/me"})
    from training.extensions import db
    db.session.refresh(user)
    assert response.headers["Location"] == "/me" and user.language == "zh_CN"


def test_unknown_language_changes_nothing(client):
    response = client.post("/language", data={"language": "fr", "next": "https://evil.example/"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "lang=" not in response.headers.get("Set-Cookie", "")


# Words allowed in Chinese pages: brand names, units and file formats.
ALLOWED_LATIN = {"cunbo", "mb", "kb", "mbps", "gpm", "gmv", "toml", "svg", "png", "jpeg", "jpg", "webp", "gif",
                 "csv", "xlsx", "qr", "url", "https", "utf", "zip", "mp4", "webm", "pdf", "id", "pin",
                 "gb", "json", "excel", "english", "ctrl"}  # GB18030 is an encoding; a language is named
# in its own language; Ctrl is the key printed on the keyboard (Ctrl+P to print).


class _VisibleText:
    """Visible interface text of a page: scripts, styles and anything marked with its own
    lang attribute (course content, language names) are left out."""

    def __init__(self, html: str):
        from html.parser import HTMLParser

        texts: list[str] = []
        skip_stack: list[str] = []

        class Parser(HTMLParser):
            def handle_starttag(self, tag, attrs):
                attributes = dict(attrs)
                # Scripts and styles are not text; textareas hold what a person typed; <code> holds
                # file names and identifiers; a lang attribute marks content in its own language.
                if skip_stack or tag in ("script", "style", "textarea", "code") or (
                        "lang" in attributes and tag != "html"):
                    if tag not in ("br", "img", "input", "meta", "link", "hr"):
                        skip_stack.append(tag)
                    return
                for name in ("placeholder", "aria-label", "title", "alt"):
                    if attributes.get(name):
                        texts.append(attributes[name])
                if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
                    texts.append(attributes["value"])

            def handle_endtag(self, tag):
                if skip_stack and skip_stack[-1] == tag:
                    skip_stack.pop()

            def handle_data(self, data):
                if not skip_stack:
                    texts.append(data)

        Parser().feed(html)
        text = " ".join(texts)
        # Addresses and codes (join codes such as K7M2QX, file names with digits) are not words.
        text = re.sub(r"https?://\S+", " ", text)
        self.text = re.sub(r"\b\w*\d\w*\b", " ", text)

    def latin_words(self) -> set[str]:
        return {w for w in re.findall(r"[A-Za-z]{2,}", self.text) if w.lower() not in ALLOWED_LATIN}


def test_chinese_pages_have_no_english_interface_words(app, factory, example_course):
    """Do the Chinese pages of every area read in Chinese outside user content?"""
    from training.extensions import db
    from training.services.learning import progress

    from .helpers import answer_form

    learner = factory.user("learner", language="zh_CN", display_name="王大姐")
    admin = factory.user("admin", language="zh_CN", display_name="管理员")
    progress.enrol(db.session, learner.id, example_course)
    db.session.commit()
    quiz = example_course.lessons[0].quiz
    learner_client = app.test_client(user=learner)
    attempt_url = learner_client.post(f"/courses/{example_course.slug}/quizzes/{quiz.id}",
                                      data=answer_form(quiz, correct=False)).headers["Location"]
    visitor = app.test_client()
    visitor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    pages = [
        (visitor, "/courses"), (visitor, "/login"), (visitor, "/register"), (visitor, "/nope"),
        (visitor, f"/courses/{example_course.slug}"),
        (learner_client, "/me"), (learner_client, f"/courses/{example_course.slug}"),
        (learner_client, f"/courses/{example_course.slug}/lessons/kit"),
        (learner_client, f"/courses/{example_course.slug}/quizzes/{quiz.id}"),
        (learner_client, attempt_url),
        (app.test_client(user=admin), "/admin/"),
    ]
    problems = {}
    for client, url in pages:
        html = client.get(url).get_data(as_text=True)
        assert '<html lang="zh-CN">' in html, url
        words = _VisibleText(html).latin_words()
        if words:
            problems[url] = sorted(words)
    assert not problems
