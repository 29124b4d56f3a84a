"""Lighter warm visits (issue 23, item 10): /sw.js and the web app manifest revalidate with a
304, and the sign-in, sign-up and quiz pages answer a current copy with a 304 (per session)."""
import json
import re

from sqlalchemy import func, select

from training.extensions import db
from training.models import Attempt


def _revisit(client, url):
    """First visit, then a revisit with the ETag: (first response, second response)."""
    first = client.get(url)
    etag = first.headers.get("ETag")
    assert etag, f"{url} has no validator"
    return first, client.get(url, headers={"If-None-Match": etag})


def test_service_worker_has_a_validator_and_revalidates_with_304(client):
    """sw.js: no-cache with a strong ETag from its content; the same ETag gets 304 and no body."""
    first, again = _revisit(client, "/sw.js")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-cache"
    assert not first.headers["ETag"].startswith("W/")
    assert again.status_code == 304 and again.get_data() == b""
    assert client.get("/sw.js", headers={"If-None-Match": '"old-release"'}).status_code == 200


def test_manifest_revalidates_with_304(client):
    first, again = _revisit(client, "/manifest.webmanifest")
    assert first.mimetype == "application/manifest+json"
    assert json.loads(first.get_data(as_text=True))["name"] == "村播学堂"
    assert again.status_code == 304


def test_sign_in_and_sign_up_pages_answer_a_repeat_visit_with_304(client):
    """The same browser session asking again gets a 304; the page's CSRF token stays valid."""
    for url in ("/login", "/register"):
        first, again = _revisit(client, url)
        assert first.status_code == 200 and first.headers["ETag"].startswith("W/")
        assert first.headers["Cache-Control"] == "private, no-cache"
        assert again.status_code == 304 and again.get_data() == b""


def test_another_session_does_not_get_the_304(app, client):
    """A copy whose form carries one session's CSRF token is never confirmed to another session."""
    etag = client.get("/login").headers["ETag"]
    stranger = app.test_client()
    response = stranger.get("/login", headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag


def test_the_language_changes_the_etag(client):
    client.set_cookie("lang", "en")
    etag = client.get("/login").headers["ETag"]
    client.set_cookie("lang", "zh_CN")
    response = client.get("/login", headers={"If-None-Match": etag})
    assert response.status_code == 200 and "忘记密码" in response.get_data(as_text=True)


def test_a_flash_message_is_never_answered_with_304(client):
    """The page after logging out shows a message once: no validator."""
    etag = client.get("/login").headers["ETag"]
    with client.session_transaction() as saved:
        saved["_flashes"] = [("info", "You have logged out.")]
    response = client.get("/login", headers={"If-None-Match": etag})
    assert response.status_code == 200 and "ETag" not in response.headers


def _answers(quiz, token):
    form = {"attempt_token": token}
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
    return form


def test_quiz_page_repeat_visit_gets_304_until_an_attempt_changes_it(learner_client, learner, factory,
                                                                      example_course):
    """A repeat visit gets a 304 and the kept page's attempt token still submits exactly once;
    after that attempt the page changes (a new token), so no copy carries a used token."""
    factory.enrol(learner, example_course)
    quiz = example_course.lessons[0].quiz
    url = f"/courses/{example_course.slug}/quizzes/{quiz.id}"
    first, again = _revisit(learner_client, url)
    assert first.status_code == 200 and again.status_code == 304
    token = re.search(r'name="attempt_token" value="([^"]+)"', first.get_data(as_text=True)).group(1)
    for _ in range(2):  # the kept copy submitted twice (retry): one attempt
        assert learner_client.post(url, data=_answers(quiz, token)).status_code == 302
    assert db.session.scalar(select(func.count(Attempt.id)).where(Attempt.user_id == learner.id)) == 1
    after = learner_client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    assert token not in after.get_data(as_text=True)


def test_every_page_has_its_own_meta_description(client):
    """Lighthouse's SEO check: a description on every page, by default the page's title first."""
    descriptions = set()
    for url in ("/login", "/register", "/courses", "/offline", "/forgot"):
        page = client.get(url).get_data(as_text=True)
        found = re.search(r'<meta name="description" content="([^"]+)">', page)
        assert found and "CunBo Academy" in found.group(1), url
        descriptions.add(found.group(1))
    assert len(descriptions) == 5
