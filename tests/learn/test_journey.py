"""The whole learner journey through the test client, as a farmer would go."""
import re

from sqlalchemy import func, select

from training import sms
from training.extensions import db
from training.models import Attempt, Enrollment, LessonCompletion, Quiz, User

from ..helpers import answer_form


def test_new_farmer_signs_up_completes_the_example_course_and_sees_100(app, client, example_course):
    """Can a new user sign up (in Chinese), enrol, finish every lesson and quiz, and see 100%?"""
    response = client.post("/register", data={
        "display_name": "王大姐", "login": "１３８ ０013 8000", "password": "mushroom-2026",
        "confirm": "mushroom-2026", "language": "zh_CN", "consent": "y"}, follow_redirects=True)
    assert response.status_code == 200 and "138****8000" in response.get_data(as_text=True)
    with app.app_context():
        # The number is proved by the code sent to it (the console backend keeps the message).
        code = re.search(r"\d{6}", sms.backend().outbox[-1][1]).group()
    response = client.post("/register/code", data={"code": code}, follow_redirects=True)
    assert response.status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.mobile == "13800138000"))
        assert user is not None and user.display_name == "王大姐"

    catalogue = client.get("/courses").get_data(as_text=True)
    assert example_course.title in catalogue

    response = client.post(f"/courses/{example_course.slug}/enrol")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/lessons/kit")

    with app.app_context():
        course_quizzes = {q.id: q for q in db.session.scalars(select(Quiz))}
    location = response.headers["Location"]
    for _ in range(10):
        if "/lessons/" in location:
            page = client.get(location)
            assert page.status_code == 200
            assert "学完了，标记完成" in page.get_data(as_text=True)
            response = client.post(location + "/complete")
        elif "/quizzes/" in location:
            quiz_id = int(re.search(r"/quizzes/(\d+)", location).group(1))
            page = client.get(location).get_data(as_text=True)
            token = re.search(r'name="attempt_token" value="([^"]+)"', page).group(1)
            with app.app_context():
                quiz = db.session.get(Quiz, quiz_id)
                form = answer_form(quiz, token=token)
            response = client.post(location, data=form)
            assert response.status_code == 302 and "/attempts/" in response.headers["Location"]
            result = client.get(response.headers["Location"]).get_data(as_text=True)
            assert "100%" in result
            # The one primary button leads on: the next step, or the course page when done.
            next_url = re.search(r'class="btn btn-primary btn-block" href="(/courses/[^"]+)"', result).group(1)
            if next_url.endswith(f"/courses/{example_course.slug}"):
                break
            location = next_url
            continue
        location = response.headers["Location"]
        if location.endswith(f"/courses/{example_course.slug}"):
            break

    course_page = client.get(f"/courses/{example_course.slug}").get_data(as_text=True)
    assert "已完成 5 / 5 步（100%）" in course_page
    home = client.get("/me").get_data(as_text=True)
    assert "学完" in home and "已学完" in home
    with app.app_context():
        enrollment = db.session.scalar(select(Enrollment))
        assert enrollment.percent == 100 and enrollment.completed_at is not None
        assert db.session.scalar(select(func.count(LessonCompletion.id))) == 2
        assert db.session.scalar(select(func.count(Attempt.id))) == 3
        assert len(course_quizzes) == 3


def test_catalogue_filters_by_language_and_level(client, factory, example_course, tmp_path):
    from ..conftest import EXAMPLE_COURSE
    factory.import_course(EXAMPLE_COURSE, slug="english-course", language="en", title="English course",
                          level="advanced")
    both = client.get("/courses?language=all").get_data(as_text=True)
    assert "English course" in both and example_course.title in both
    only_en = client.get("/courses?language=en").get_data(as_text=True)
    assert "English course" in only_en and example_course.title not in only_en
    beginner = client.get("/courses?level=beginner").get_data(as_text=True)
    assert "English course" not in beginner and example_course.title in beginner
    assert client.get("/courses?level=bogus&language=xx").status_code == 200


def test_drafts_are_hidden_from_learners(learner_client, factory):
    from ..conftest import EXAMPLE_COURSE
    draft = factory.import_course(EXAMPLE_COURSE, slug="draft-course", status="draft", title="Secret draft")
    assert "Secret draft" not in learner_client.get("/courses").get_data(as_text=True)
    assert learner_client.get(f"/courses/{draft.slug}").status_code == 404


def test_course_page_shows_each_lesson_status(learner_client, learner, factory, example_course):
    factory.enrol(learner, example_course)
    learner_client.post(f"/courses/{example_course.slug}/lessons/kit/complete")
    page = learner_client.get(f"/courses/{example_course.slug}").get_data(as_text=True)
    assert "1 of 5 steps done (20%)" in page
    assert page.count("Not started") == 1 and "Done" in page
    assert 'value="20"' in page  # the progress bar


def test_lesson_needs_enrolment(learner_client, example_course):
    response = learner_client.get(f"/courses/{example_course.slug}/lessons/kit")
    assert response.status_code == 302 and response.headers["Location"].endswith(example_course.slug)
    response = learner_client.post(f"/courses/{example_course.slug}/lessons/kit/complete")
    assert response.status_code == 302
    with learner_client.application.app_context():
        assert db.session.scalar(select(func.count(LessonCompletion.id))) == 0


def test_lesson_page_shows_where_the_learner_is(learner_client, learner, factory, example_course):
    factory.enrol(learner, example_course)
    page = learner_client.get(f"/courses/{example_course.slug}/lessons/rehearsal").get_data(as_text=True)
    assert "Lesson 2 of 2" in page and 'rel="prev"' in page and 'rel="next"' in page
    assert "<h2>彩排清单</h2>" in page


def test_unknown_things_are_404(learner_client, example_course):
    assert learner_client.get("/courses/nope").status_code == 404
    assert learner_client.get(f"/courses/{example_course.slug}/lessons/nope").status_code == 404
    assert learner_client.get(f"/courses/{example_course.slug}/quizzes/9999").status_code == 404
    assert learner_client.get("/attempts/9999").status_code == 404


def test_continue_goes_to_the_next_unfinished_step(learner_client, learner, factory, example_course):
    factory.enrol(learner, example_course)
    learner_client.post(f"/courses/{example_course.slug}/lessons/kit/complete")
    response = learner_client.get(f"/courses/{example_course.slug}/continue")
    assert re.search(r"/quizzes/\d+$", response.headers["Location"])
    home = learner_client.get("/").get_data(as_text=True)
    assert f"/courses/{example_course.slug}/continue" in home and "20% done" in home


def test_anonymous_visitor_sees_catalogue_and_must_log_in_to_learn(client, example_course):
    assert example_course.title in client.get("/").get_data(as_text=True)
    assert client.get(f"/courses/{example_course.slug}").status_code == 200
    response = client.post(f"/courses/{example_course.slug}/enrol")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "/login" in client.get("/me").headers["Location"]
