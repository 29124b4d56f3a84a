"""Light and offline-capable pages: fingerprinted static files, compression, the service
worker, the offline page, a course's download list and the video notice."""
import gzip
import json
import re

import brotli
import pytest
from sqlalchemy import func, select

from training.extensions import db
from training.models import Attempt, LessonCompletion
from training.services.learning import offline

STATIC_RE = re.compile(r'/static/(css/app|js/app|img/icon)\.[0-9a-f]{10}\.(css|js|svg)')


def _enrolled_lesson(factory, learner, course, key="kit"):
    factory.enrol(learner, course)
    return f"/courses/{course.slug}/lessons/{key}"


def test_pages_link_fingerprinted_static_files_cached_forever(client):
    """Pages link /static/…/name.<hash>.ext, and those URLs are cached for a year, immutable."""
    html = client.get("/courses").get_data(as_text=True)
    urls = sorted({m.group(0) for m in STATIC_RE.finditer(html)})
    assert len(urls) == 3
    for url in urls:
        with client.get(url) as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_stale_or_plain_static_urls_are_revalidated(client):
    """A plain static URL must be revalidated (ETag, 304), and an unknown hash is not found."""
    with client.get("/static/css/app.css") as plain:
        assert plain.headers["Cache-Control"] == "no-cache" and plain.headers.get("ETag")
        etag = plain.headers["ETag"]
    with client.get("/static/css/app.css", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304
    assert client.get("/static/css/app.0123456789.css").status_code == 404
    assert client.get("/static/../training/__init__.py").status_code == 404


def test_production_reads_and_compresses_static_files_when_the_app_is_made(make_app, monkeypatch):
    """gunicorn's workers are forked from the app the master made: every static file is read
    and compressed there, once, never in a learner's request (brotli's best level takes about
    a tenth of a second for app.js) nor again in each recycled worker."""
    from training import assets

    app = make_app(TESTING=False)

    def no_reading(path):
        raise AssertionError(f"{path} read during a request")

    monkeypatch.setattr(assets, "load_asset", no_reading)
    client = app.test_client()
    html = client.get("/courses").get_data(as_text=True)
    urls = sorted({m.group(0) for m in STATIC_RE.finditer(html)})
    assert len(urls) == 3
    for url in [*urls, "/static/img/icon-512.png", "/static/js/recorder.js"]:
        with client.get(url, headers={"Accept-Encoding": "br"}) as response:
            assert response.status_code == 200, url


@pytest.mark.parametrize("encoding, decode", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_pages_and_static_files_are_compressed(client, encoding, decode):
    """Brotli where the browser accepts it, gzip otherwise, for pages and static files alike."""
    headers = {"Accept-Encoding": f"{encoding}, deflate"}
    page = client.get("/courses", headers=headers)
    assert page.headers["Content-Encoding"] == encoding
    assert b"<!doctype html>" in decode(page.get_data())
    with client.get("/static/css/app.css", headers=headers) as css:
        assert css.headers["Content-Encoding"] == encoding and b"--green" in decode(css.get_data())
    with client.get("/static/css/app.css", headers={"Accept-Encoding": "identity"}) as plain:
        assert "Content-Encoding" not in plain.headers and b"--green" in plain.get_data()


def test_lesson_page_fits_the_weight_budget(learner_client, learner, factory, example_course):
    """A lesson's HTML, CSS and JS together stay under 30 KB compressed (benchmarks/pageweight.py measures it in a browser)."""
    url = _enrolled_lesson(factory, learner, example_course)
    headers = {"Accept-Encoding": "br"}
    page = learner_client.get(url, headers=headers)
    total = len(page.get_data())
    for asset in set(m.group(0) for m in STATIC_RE.finditer(brotli.decompress(page.get_data()).decode())):
        with learner_client.get(asset, headers=headers) as response:
            total += len(response.get_data())
    assert total < 30 * 1024


def test_pages_have_no_inline_scripts_styles_or_handlers(learner_client, learner, factory, example_course):
    """Ready for a strict Content-Security-Policy: scripts only from files, no style="" or onclick=""."""
    lesson = _enrolled_lesson(factory, learner, example_course)
    quiz_id = example_course.lessons[0].quiz.id
    for url in ("/courses", "/me", f"/courses/{example_course.slug}", lesson,
                f"/courses/{example_course.slug}/quizzes/{quiz_id}", "/offline"):
        html = learner_client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\sstyle=|\son[a-z]+=", html), url


def test_service_worker_is_served_from_the_root_and_never_cached_stale(client):
    """/sw.js controls the whole site, lists the fingerprinted app shell and the offline page."""
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "application/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    assert '"/offline"' in body and len(STATIC_RE.findall(body)) == 3


def test_offline_page_is_friendly_and_public(client):
    """The page shown for unsaved pages without signal needs no login."""
    response = client.get("/offline")
    assert response.status_code == 200 and "No signal right now" in response.get_data(as_text=True)


def test_course_download_list_for_offline(learner_client, learner, factory, example_course):
    """"Save this course for offline" gets every lesson, quiz and image, and the size first."""
    factory.enrol(learner, example_course)
    course_page = learner_client.get(f"/courses/{example_course.slug}").get_data(as_text=True)
    assert "data-offline-save=" in course_page and re.search(r'data-size="about \d+ KB"', course_page)
    data = learner_client.get(f"/courses/{example_course.slug}/offline").get_json()
    slug = example_course.slug
    assert f"/courses/{slug}/lessons/kit" in data["urls"] and f"/courses/{slug}/lessons/rehearsal" in data["urls"]
    assert sum("/quizzes/" in url for url in data["urls"]) == 3
    assert any(url.startswith("/media/") for url in data["urls"])
    assert data["bytes"] > sum(m.size for m in example_course.media)
    assert re.fullmatch(r"about \d+ KB", data["size"])


def test_course_download_list_access(client, app, learner_client, factory, example_course):
    """Anonymous visitors are sent to log in; a draft course is not found."""
    url = f"/courses/{example_course.slug}/offline"
    assert client.get(url).status_code == 302
    example_course.status = "draft"
    db.session.commit()
    assert learner_client.get(url).status_code == 404
    assert learner_client.get("/courses/no-such-course/offline").status_code == 404


def test_no_offline_button_before_enrolling(learner_client, example_course):
    """The save-for-offline placeholder appears only for enrolled learners."""
    html = learner_client.get(f"/courses/{example_course.slug}").get_data(as_text=True)
    assert "data-offline-save" not in html


def test_video_waits_for_a_tap_and_shows_its_size(app, learner_client, learner, factory, example_course):
    """A lesson video has preload="none" and a poster, and the learner sees its size first."""
    media_dir = app.config["MEDIA_DIR"]
    name = "ab" * 16 + ".mp4"
    (__import__("pathlib").Path(media_dir) / name).write_bytes(b"\0" * (3 * 1024 * 1024))
    lesson = example_course.lessons[0]
    lesson.video_url = f"/media/{name}"
    db.session.commit()
    html = learner_client.get(_enrolled_lesson(factory, learner, example_course)).get_data(as_text=True)
    assert 'preload="none"' in html and 'poster="/static/img/poster.' in html
    assert "about 3.0 MB" in html

    lesson.video_url = "https://video.example.org/lesson.mp4"
    db.session.commit()
    html = learner_client.get(f"/courses/{example_course.slug}/lessons/kit").get_data(as_text=True)
    assert 'preload="none"' in html and "downloads only when you tap play" in html


def test_queued_work_sent_twice_is_recorded_once(learner_client, learner, factory, example_course):
    """A queued lesson completion or quiz sent again (retry, second tab) changes nothing more."""
    factory.enrol(learner, example_course)
    lesson = example_course.lessons[0]
    for _ in range(2):
        assert learner_client.post(f"/courses/{example_course.slug}/lessons/{lesson.key}/complete").status_code == 302
    quiz = lesson.quiz
    form = {"attempt_token": "t" * 32}
    for question in quiz.questions:
        name = f"q{question.id}"
        if question.kind in ("single", "multiple"):
            form[name] = str(question.choices[0].id)
        elif question.kind == "true_false":
            form[name] = "true"
        elif question.kind == "short_text":
            form[name] = "x"
        else:
            for place, choice in enumerate(question.choices, start=1):
                form[f"{name}-{choice.id}"] = str(place)
    first = learner_client.post(f"/courses/{example_course.slug}/quizzes/{quiz.id}", data=form)
    second = learner_client.post(f"/courses/{example_course.slug}/quizzes/{quiz.id}", data=form)
    assert first.status_code == second.status_code == 302 and first.location == second.location
    assert db.session.scalar(select(func.count()).select_from(Attempt).where(Attempt.user_id == learner.id)) == 1
    assert db.session.scalar(
        select(func.count()).select_from(LessonCompletion).where(LessonCompletion.user_id == learner.id)) == 1


def test_csrf_tokens_do_not_expire(app):
    """Work queued for days offline still carries a valid CSRF token."""
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


@pytest.mark.parametrize("size, text", [(500, "1 KB"), (20_000, "20 KB"), (3 * 1024 * 1024, "3.0 MB"),
                                        (12 * 1024 * 1024, "12 MB")])
def test_size_parts(size, text):
    """Sizes shown before downloads are rounded for people, not for machines."""
    assert " ".join(offline.size_parts(size)) == text


@pytest.mark.parametrize("language, saved", [("en", "Saved on this phone"), ("zh_CN", "已保存")])
def test_every_page_carries_the_scripts_words_as_json(client, language, saved):
    """app.js reads its words from <body data-t>: valid JSON in the page's language."""
    from html.parser import HTMLParser

    class Body(HTMLParser):
        words = None

        def handle_starttag(self, tag, attrs):
            if tag == "body":
                Body.words = json.loads(dict(attrs)["data-t"])

    client.set_cookie("lang", language)
    Body().feed(client.get("/courses").get_data(as_text=True))
    assert saved in Body.words["saved"] and "{size}" in Body.words["save"]
