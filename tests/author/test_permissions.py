"""Who may use the studio: trainers for their own centre's courses, admins for all."""
import pytest
from sqlalchemy import select

from training.extensions import db
from training.models import Course

PAGES = [
    "/author/",
    "/author/courses/new",
    "/author/import",
]


def course_pages(course: Course) -> list[str]:
    lesson = course.lessons[0]
    quiz = lesson.quiz
    question = quiz.questions[0]
    return [
        f"/author/courses/{course.id}",
        f"/author/courses/{course.id}/history",
        f"/author/courses/{course.id}/duplicate",
        f"/author/courses/{course.id}/lessons/new",
        f"/author/lessons/{lesson.id}",
        f"/author/lessons/{lesson.id}/preview",
        f"/author/lessons/{lesson.id}/delete",
        f"/author/quizzes/{quiz.id}",
        f"/author/quizzes/{quiz.id}/preview",
        f"/author/quizzes/{quiz.id}/delete",
        f"/author/quizzes/{quiz.id}/questions/new?kind=single",
        f"/author/questions/{question.id}",
        f"/author/questions/{question.id}/delete",
    ]


def course_posts(course: Course) -> list[str]:
    lesson = course.lessons[0]
    question = lesson.quiz.questions[0]
    return [
        f"/author/courses/{course.id}/publish",
        f"/author/courses/{course.id}/unpublish",
        f"/author/courses/{course.id}/export",
        f"/author/courses/{course.id}/final-exam",
        f"/author/lessons/{lesson.id}/move",
        f"/author/lessons/{lesson.id}/quiz",
        f"/author/questions/{question.id}/move",
    ]


@pytest.fixture
def centre_course(example_course, trainer):
    """The example course, owned by the trainer's centre A."""
    example_course.centre_id = trainer.centre_id
    db.session.commit()
    return example_course


def test_anonymous_is_sent_to_login(client, centre_course):
    """Are signed-out visitors sent to the login page from every studio page?"""
    for url in PAGES + course_pages(centre_course):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_learner_gets_403_everywhere(learner_client, centre_course):
    """Does a learner reach no authoring page or action (403)?"""
    for url in PAGES + course_pages(centre_course):
        assert learner_client.get(url).status_code == 403, url
    for url in course_posts(centre_course):
        assert learner_client.post(url).status_code == 403, url


def test_learner_sees_no_studio_link(learner_client, trainer_client):
    """Is the Studio link shown to staff only?"""
    assert "/author/" not in learner_client.get("/courses").get_data(as_text=True)
    assert "/author/" in trainer_client.get("/courses").get_data(as_text=True)


def test_other_centre_trainer_gets_404(app, other_centre_trainer, centre_course):
    """Does Fred, a trainer of centre B, get 404 for every page and action of centre A's course?"""
    fred = app.test_client(user=other_centre_trainer)
    for url in course_pages(centre_course):
        assert fred.get(url).status_code == 404, url
    for url in course_posts(centre_course):
        assert fred.post(url).status_code == 404, url
    assert centre_course.title not in fred.get("/author/").get_data(as_text=True)
    db.session.refresh(centre_course)
    assert centre_course.is_published


def test_trainer_and_admin_may_edit(app, trainer_client, admin_client, centre_course):
    """Do the centre's trainer and an admin reach every page of the course?"""
    for client in (trainer_client, admin_client):
        for url in PAGES + course_pages(centre_course):
            assert client.get(url).status_code == 200, url
        assert centre_course.title in client.get("/author/").get_data(as_text=True)


def test_seed_course_without_centre_is_admin_only(trainer_client, admin_client, example_course):
    """Can only admins edit a course that belongs to no centre (the seed catalogue)?"""
    assert trainer_client.get(f"/author/courses/{example_course.id}").status_code == 404
    assert admin_client.get(f"/author/courses/{example_course.id}").status_code == 200


def test_new_course_belongs_to_trainers_centre(app_ctx, trainer, trainer_client):
    """Does a course a trainer creates belong to their centre, as a draft?"""
    trainer_client.post("/author/courses/new", data={"title": "Mine", "language": "zh", "level": "beginner"})
    course = db.session.scalar(select(Course).where(Course.title == "Mine"))
    assert course.centre_id == trainer.centre_id and course.status == "draft" and course.slug.startswith("mine")


def test_unknown_ids_give_404(trainer_client):
    """Do unknown course, lesson, quiz and question ids give 404?"""
    for url in ("/author/courses/999", "/author/lessons/999", "/author/quizzes/999", "/author/questions/999"):
        assert trainer_client.get(url).status_code == 404, url
