"""Hot pages: a bounded number of queries, and private ETag revalidation (304)."""
import pytest

from training.extensions import db

from ..conftest import EXAMPLE_COURSE
from ..helpers import answer_form, statements_run
from .conftest import lesson_url


@pytest.fixture
def queries(app):
    """The SQL statements of each request, in order (recorded before the request ends)."""
    log: list[list[str]] = []

    @app.after_request
    def record(response):
        log.append(statements_run())
        return response

    return log


def test_lesson_page_query_count_is_small_and_bounded(queries, factory, learner, enrolled,
                                                      learner_client):
    """The lesson page takes 2 queries (the user; the course's content version with the
    learner's progress) once its course's outline is in the worker's cache, and at most 7 more
    to read the outline (course, lessons, quizzes, questions, choices, media, recordings),
    whatever the lesson and the course size."""
    counts = []
    for index in range(len(enrolled.lessons)):
        assert learner_client.get(lesson_url(enrolled, index)).status_code == 200
        counts.append(len(queries[-1]))
    assert counts[0] <= 9, queries[0]
    assert max(counts[1:]) == 2, queries[-1]


def test_course_and_quiz_pages_read_the_learners_state_in_one_query(queries, factory, learner, enrolled,
                                                                    learner_client):
    """The course page, "continue" and a quiz page read the user, then the course's version
    with the learner's state in one statement: the quiz page adds only its attempts."""
    learner_client.get(f"/courses/{enrolled.slug}")  # fills the worker's outline cache
    assert learner_client.get(f"/courses/{enrolled.slug}").status_code == 200
    assert len(queries[-1]) == 2, queries[-1]
    assert learner_client.get(f"/courses/{enrolled.slug}/continue").status_code == 302
    assert len(queries[-1]) == 2, queries[-1]
    quiz = enrolled.quizzes[0]
    assert learner_client.get(f"/courses/{enrolled.slug}/quizzes/{quiz.id}").status_code == 200
    assert len(queries[-1]) <= 4, queries[-1]
    assert sum("UNION" in sql.upper() for sql in queries[-1]) == 1, queries[-1]


def test_catalogue_query_count_does_not_grow_with_courses(queries, factory, learner, learner_client):
    """The catalogue takes 3 queries (the user, the listed courses, the learner's percentages),
    for 1 or 4 courses."""
    course = factory.import_course(EXAMPLE_COURSE)
    factory.enrol(learner, course)
    learner_client.get("/courses")
    one = len(queries[-1])
    for n in range(3):
        other = factory.import_course(EXAMPLE_COURSE, slug=f"copy-{n}")
        factory.enrol(learner, other)
    learner_client.get("/courses")
    response = learner_client.get("/courses")
    assert one == len(queries[-1]) == 3, queries[-1]
    again = learner_client.get("/courses", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and len(queries[-1]) == 3, queries[-1]


def test_lesson_page_is_private_and_revalidated(enrolled, learner_client):
    """A lesson carries a weak ETag, private no-cache and Vary: Cookie; the same ETag gets a 304."""
    first = learner_client.get(lesson_url(enrolled))
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert "Cookie" in first.headers["Vary"]
    again = learner_client.get(lesson_url(enrolled), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == "private, no-cache"


def test_completing_a_lesson_changes_its_etag(enrolled, learner_client):
    """After "Mark as complete" the old copy is stale: the page comes back in full."""
    url = lesson_url(enrolled, 1)
    etag = learner_client.get(url).headers["ETag"]
    learner_client.post(url + "/complete")
    learner_client.get("/")  # shows and clears the flash message
    response = learner_client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200 and f'action="{url}/complete"' not in response.text


def test_another_users_etag_is_never_a_match(app, factory, enrolled, learner_client):
    """Two learners at the same point in the same lesson get different ETags."""
    other = factory.user("learner")
    factory.enrol(other, enrolled)
    etag = learner_client.get(lesson_url(enrolled)).headers["ETag"]
    other_client = app.test_client(user=other)
    response = other_client.get(lesson_url(enrolled), headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag


def test_edited_lesson_changes_its_etag(app_ctx, enrolled, learner_client):
    """Editing a lesson's content makes the browser's copy stale."""
    etag = learner_client.get(lesson_url(enrolled)).headers["ETag"]
    lesson = enrolled.lessons[0]
    lesson.body_html = "<p>Rewritten lesson</p>"
    lesson.version += 1
    db.session.commit()
    response = learner_client.get(lesson_url(enrolled), headers={"If-None-Match": etag})
    assert response.status_code == 200 and "Rewritten lesson" in response.text


def test_language_is_part_of_the_etag(enrolled, learner_client):
    """The same lesson in another interface language is another page."""
    etags = {}
    for code in ("en", "zh_CN"):
        learner_client.post("/language", data={"language": code, "next": "/"})
        etags[code] = learner_client.get(lesson_url(enrolled)).headers["ETag"]
    response = learner_client.get(lesson_url(enrolled), headers={"If-None-Match": etags["en"]})
    assert response.status_code == 200 and response.headers["ETag"] == etags["zh_CN"] != etags["en"]


def test_page_with_flash_message_has_no_etag(enrolled, learner_client):
    """A page showing a one-time message is neither revalidated nor given an ETag."""
    learner_client.post(lesson_url(enrolled) + "/complete")
    page = learner_client.get(lesson_url(enrolled, 1))
    assert "Lesson completed." in page.text and "ETag" not in page.headers
    assert page.headers["Cache-Control"] == "private, no-cache"


def test_catalogue_revalidates_and_follows_progress(factory, learner, example_course, learner_client):
    """The catalogue gets a 304 while nothing changed, and a new page after enrolling."""
    etag = learner_client.get("/courses").headers["ETag"]
    assert learner_client.get("/courses", headers={"If-None-Match": etag}).status_code == 304
    factory.enrol(learner, example_course)
    response = learner_client.get("/courses", headers={"If-None-Match": etag})
    assert response.status_code == 200 and "0% done" in response.text


def test_anonymous_catalogue_is_private_too(client, example_course):
    """Visitors' catalogue carries a CSRF token, so it is private to their browser as well."""
    response = client.get("/courses")
    assert response.headers["Cache-Control"] == "private, no-cache"
    etag = client.get("/courses").headers["ETag"]  # now with the session's CSRF secret
    assert client.get("/courses", headers={"If-None-Match": etag}).status_code == 304


def test_release_fingerprint_follows_content_not_machine(tmp_path):
    """Two checkouts of the same release agree on it; a changed template changes it."""
    from training.httpcache import release_fingerprint

    roots = []
    for name, body in (("one", "<p>a</p>"), ("two", "<p>a</p>"), ("three", "<p>b</p>")):
        root = tmp_path / name
        (root / "templates").mkdir(parents=True)
        (root / "training").mkdir()
        (root / "templates" / "page.html").write_text(body)
        (root / "training" / "views.py").write_text("x = 1\n")
        roots.append(release_fingerprint(root))
    assert roots[0] == roots[1] != roots[2]


def test_revalidation_works_through_compression(enrolled, learner_client):
    """A brotli-compressed lesson keeps its weak ETag, and revalidating it still gets a 304."""
    url = lesson_url(enrolled)
    page = learner_client.get(url, headers={"Accept-Encoding": "br"})
    assert page.headers.get("Content-Encoding") == "br"
    again = learner_client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("change", ["session_version", "active"])
def test_a_session_ended_elsewhere_is_refused_at_once(app, learner, enrolled, learner_client, change):
    """A session ended elsewhere (sign-out everywhere, an account switched off) is refused on a
    lesson page at once."""
    assert learner_client.get(lesson_url(enrolled)).status_code == 200
    with app.app_context():
        user = db.session.get(type(learner), learner.id)
        if change == "active":
            user.active = False
        else:
            user.session_version += 1
        db.session.commit()
    response = learner_client.get(lesson_url(enrolled))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_quiz_submission_reads_nothing_back_after_its_commit(app, enrolled, learner_client):
    """A submission's statements are bounded (the learner, their state, the attempt's token,
    the enrolment's lock, the attempt number, the writes, the lesson a passed quiz completes and
    the new progress), and its redirect
    to the result needs no read of the attempt after the commit."""
    quiz = enrolled.quizzes[0]
    url = f"/courses/{enrolled.slug}/quizzes/{quiz.id}"
    seen = {}

    @app.after_request
    def record(response):
        seen["all"] = statements_run()
        return response

    learner_client.get(url)  # fills the worker's outline cache
    response = learner_client.post(url, data=answer_form(quiz))
    assert response.status_code == 302 and "/attempts/" in response.headers["Location"]
    assert len(seen["all"]) <= 15, seen["all"]
    assert not seen["all"][-1].lstrip().upper().startswith("SELECT"), seen["all"][-1]
