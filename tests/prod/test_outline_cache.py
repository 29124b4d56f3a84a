"""The per-process course outlines: read-only pages reuse a course's outline, and any change to
its content, made by this process or another, is seen on the next request."""
import pytest
from sqlalchemy import select

from training.extensions import db
from training.models import Choice, Course, CourseMedia, Lesson, Question
from training.services.learning.learner_read import OutlineCache, course_outline

from .conftest import lesson_url


def version(course_id: int) -> int:
    return db.session.scalar(select(Course.content_version).where(Course.id == course_id))


def cache_loads(app) -> int:
    return app.extensions["course_outlines"].loads


def test_course_is_loaded_once_for_many_pages(app, enrolled, learner_client):
    for index in range(len(enrolled.lessons)):
        assert learner_client.get(lesson_url(enrolled, index)).status_code == 200
    assert learner_client.get(f"/courses/{enrolled.slug}").status_code == 200
    quiz = enrolled.quizzes[0]
    assert learner_client.get(f"/courses/{enrolled.slug}/quizzes/{quiz.id}").status_code == 200
    assert cache_loads(app) == 1


@pytest.mark.parametrize("change", ["course", "lesson", "quiz", "question", "choice", "media"])
def test_every_kind_of_content_change_moves_the_version(app_ctx, example_course, change):
    course = example_course
    before = version(course.id)
    quiz = next(q for q in course.quizzes if q.questions and q.questions[0].choices)
    if change == "course":
        course.summary = "A new summary"
    elif change == "lesson":
        course.lessons[0].title = "A new title"
    elif change == "quiz":
        quiz.pass_mark = 70
    elif change == "question":
        quiz.questions[0].explanation = "A new explanation"
    elif change == "choice":
        db.session.delete(quiz.questions[0].choices[-1])
    else:
        course.media.append(CourseMedia(path="images/new.png", stored_name="abc.png",
                                        content_type="image/png"))
    db.session.commit()
    assert version(course.id) == before + 1


def test_new_question_and_choices_move_the_version(app_ctx, example_course):
    quiz = example_course.quizzes[0]
    before = version(example_course.id)
    question = Question(key="extra", kind="single", prompt="Extra?", position=99)
    question.choices = [Choice(text="Yes", is_correct=True), Choice(text="No")]
    quiz.questions.append(question)
    db.session.commit()
    assert version(example_course.id) == before + 1


def test_change_committed_elsewhere_shows_on_the_next_request(app, enrolled, learner_client):
    """Another worker (here: another session) edits a lesson: the page shows it at once."""
    assert "Rewritten by another worker" not in learner_client.get(lesson_url(enrolled)).text
    with app.app_context():
        lesson = db.session.get(Lesson, enrolled.lessons[0].id)
        lesson.body_html = "<p>Rewritten by another worker</p>"
        db.session.commit()
        db.session.remove()
    assert "Rewritten by another worker" in learner_client.get(lesson_url(enrolled)).text
    assert cache_loads(app) == 2


def test_deleted_course_is_gone_from_the_cache(app, enrolled, learner_client):
    assert learner_client.get(f"/courses/{enrolled.slug}").status_code == 200
    with app.app_context():
        db.session.delete(db.session.get(Course, enrolled.id))
        db.session.commit()
        db.session.remove()
    assert learner_client.get(f"/courses/{enrolled.slug}").status_code == 404


def test_unpublished_course_is_hidden_at_once(app, trainer, enrolled, learner_client):
    assert learner_client.get(lesson_url(enrolled)).status_code == 200
    with app.app_context():
        db.session.get(Course, enrolled.id).status = "draft"
        db.session.commit()
        db.session.remove()
    assert learner_client.get(lesson_url(enrolled)).status_code == 404


def test_cache_keeps_only_the_most_recently_used(app_ctx, factory, example_course):
    from ..conftest import EXAMPLE_COURSE

    other = factory.import_course(EXAMPLE_COURSE, slug="another-course")
    cache = OutlineCache(size=1)
    course_outline(db.session, cache, example_course.slug)
    course_outline(db.session, cache, other.slug)
    course_outline(db.session, cache, other.slug)
    assert cache.loads == 2
    course_outline(db.session, cache, example_course.slug)
    assert cache.loads == 3
    assert course_outline(db.session, cache, "no-such-course") is None


def test_recording_progress_reuses_the_kept_outline(app, enrolled, learner_client):
    """Completing a lesson and submitting a quiz record by ids: the next pages use the same
    outline, read once."""
    from ..helpers import answer_form

    assert learner_client.get(lesson_url(enrolled)).status_code == 200
    assert learner_client.post(lesson_url(enrolled) + "/complete").status_code == 302
    quiz = enrolled.quizzes[0]
    url = f"/courses/{enrolled.slug}/quizzes/{quiz.id}"
    assert learner_client.get(url).status_code == 200
    submitted = learner_client.post(url, data=answer_form(quiz))
    assert submitted.status_code == 302 and "/attempts/" in submitted.headers["Location"]
    assert learner_client.get(submitted.headers["Location"]).status_code == 200
    assert learner_client.get(lesson_url(enrolled)).status_code == 200
    assert cache_loads(app) == 1
