"""One clear path through a course (issue 23, item 2): the lesson page's main button completes
the lesson and goes on in one tap, "continue" goes to the first unfinished step, a passed
lesson quiz counts its lesson, and sequential courses (and every final exam) lock later steps
with the reason and a link to the step to do first."""
import re
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from training.extensions import db
from training.models import Attempt, Course, LessonCompletion, Quiz
from training.services.authoring import course_exchange, course_format, course_reader
from training.services.learning import progress

from ..conftest import EXAMPLE_COURSE
from ..helpers import answer_form

ROOT = Path(__file__).resolve().parents[2]


def _quizzes(app, course_id):
    """The course's quizzes as (lesson quiz 1, lesson quiz 2, final exam)."""
    with app.app_context():
        quizzes = db.session.scalars(select(Quiz).where(Quiz.course_id == course_id)
                                     .order_by(Quiz.is_final, Quiz.id)).all()
        for quiz in quizzes:
            [q.choices for q in quiz.questions]  # loaded while the session is open
        return quizzes


def _pass(app, client, course, quiz):
    """Submit a quiz with every answer right; returns the result page's URL."""
    with app.app_context():
        form = answer_form(db.session.get(Quiz, quiz.id))
    response = client.post(f"/courses/{course.slug}/quizzes/{quiz.id}", data=form)
    assert response.status_code == 302 and "/attempts/" in response.headers["Location"]
    return response.headers["Location"]


def _main_button(page: str) -> str:
    """Where the page's one primary button leads: the complete form's `next`, or the link."""
    form = re.search(r'<form[^>]*data-main-step.*?</form>', page, re.DOTALL)
    if form:
        return re.search(r'name="next"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="next"', form.group())\
            .group(1)
    return re.search(r'class="btn btn-primary btn-block" href="([^"]+)"', page).group(1)


def _completions(app, user_id) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(LessonCompletion.id))
                                 .where(LessonCompletion.user_id == user_id))


@pytest.fixture
def chinese(app, learner):
    """The learner reads the site in Chinese (their saved choice)."""
    with app.app_context():
        db.session.get(type(learner), learner.id).language = "zh_CN"
        db.session.commit()


@pytest.fixture
def sequential(factory):
    return factory.import_course(EXAMPLE_COURSE, slug="in-order", sequential=True)


def test_the_main_button_completes_the_lesson_and_goes_to_its_quiz(app, learner_client, learner, factory,
                                                                     example_course):
    """Does one tap on an unfinished lesson's main button mark it complete and open its quiz?"""
    factory.enrol(learner, example_course)
    quiz1, _quiz2, _final = _quizzes(app, example_course.id)
    lesson_url = f"/courses/{example_course.slug}/lessons/kit"
    page = learner_client.get(lesson_url).get_data(as_text=True)
    target = _main_button(page)
    assert target == f"/courses/{example_course.slug}/quizzes/{quiz1.id}"
    response = learner_client.post(lesson_url + "/complete", data={"next": target})
    assert response.status_code == 302 and response.headers["Location"].endswith(target)
    assert _completions(app, learner.id) == 1
    # A second tap (a double tap, a queued copy) changes nothing.
    learner_client.post(lesson_url + "/complete", data={"next": target})
    assert _completions(app, learner.id) == 1


def test_next_leads_only_to_a_path_on_this_site(learner_client, learner, factory, example_course):
    """Is a `next` pointing elsewhere ignored (the lesson's quiz is the way on)?"""
    factory.enrol(learner, example_course)
    response = learner_client.post(f"/courses/{example_course.slug}/lessons/kit/complete",
                                   data={"next": "https://example.com/phish"})
    assert response.status_code == 302 and "/quizzes/" in response.headers["Location"]
    assert "example.com" not in response.headers["Location"]


def test_a_passed_lesson_quiz_counts_its_lesson_once(app, chinese, learner_client, learner, factory, example_course):
    """Does passing a lesson's quiz record the lesson as complete, once, so the course page never
    says "not started" next to "quiz passed"?"""
    factory.enrol(learner, example_course)
    quiz1, _quiz2, _final = _quizzes(app, example_course.id)
    _pass(app, learner_client, example_course, quiz1)
    assert _completions(app, learner.id) == 1
    _pass(app, learner_client, example_course, quiz1)  # taken again: still one completion
    assert _completions(app, learner.id) == 1
    page = learner_client.get(f"/courses/{example_course.slug}").get_data(as_text=True)
    first = page.split('<li class="step')[1].split("</li>")[0]
    assert "未开始" not in first and "已通过" in first
    with app.app_context():
        course = db.session.get(Course, example_course.id)
        state = progress.load_state(db.session, learner.id, course)
        assert state.percent == 40  # lesson 1 and its quiz: 2 of 5 steps


def test_the_result_page_and_resume_go_to_the_next_step(app, learner_client, learner, factory, example_course):
    """After passing lesson 1's quiz, do the result's main button and "continue" go to lesson 2?"""
    factory.enrol(learner, example_course)
    quiz1, _quiz2, _final = _quizzes(app, example_course.id)
    learner_client.post(f"/courses/{example_course.slug}/lessons/kit/complete")
    result = learner_client.get(_pass(app, learner_client, example_course, quiz1)).get_data(as_text=True)
    lesson2 = f"/courses/{example_course.slug}/lessons/rehearsal"
    assert _main_button(result) == lesson2
    response = learner_client.get(f"/courses/{example_course.slug}/continue")
    assert response.headers["Location"].endswith(lesson2)


def test_resume_goes_to_the_first_unfinished_step(app, learner_client, learner, factory, example_course):
    """With lesson 2 done but lesson 1's quiz not passed, does "continue" go to that quiz?"""
    factory.enrol(learner, example_course)
    quiz1, _quiz2, _final = _quizzes(app, example_course.id)
    for key in ("kit", "rehearsal"):
        learner_client.post(f"/courses/{example_course.slug}/lessons/{key}/complete")
    response = learner_client.get(f"/courses/{example_course.slug}/continue")
    assert response.headers["Location"].endswith(f"/quizzes/{quiz1.id}")


def test_a_sequential_course_locks_later_steps_with_the_reason(app, chinese, learner_client, learner, factory, sequential):
    """Does the course page show later steps locked, each saying what to do first, without links?"""
    factory.enrol(learner, sequential)
    page = learner_client.get(f"/courses/{sequential.slug}").get_data(as_text=True)
    assert f'href="/courses/{sequential.slug}/lessons/kit"' in page
    assert f'href="/courses/{sequential.slug}/lessons/rehearsal"' not in page
    assert "未开放：先学完第1课" in page
    quiz1, _quiz2, _final = _quizzes(app, sequential.id)
    learner_client.post(f"/courses/{sequential.slug}/lessons/kit/complete")
    page = learner_client.get(f"/courses/{sequential.slug}").get_data(as_text=True)
    assert "未开放：先通过第1课的测验" in page
    _pass(app, learner_client, sequential, quiz1)
    page = learner_client.get(f"/courses/{sequential.slug}").get_data(as_text=True)
    assert f'href="/courses/{sequential.slug}/lessons/rehearsal"' in page


def test_a_locked_step_opened_directly_says_what_comes_first(app, chinese, learner_client, learner, factory, sequential):
    """Does a locked lesson or quiz opened by its URL show a friendly page (200) with a link to
    the step to do first, and does a write to it (403) change nothing?"""
    factory.enrol(learner, sequential)
    _quiz1, quiz2, final = _quizzes(app, sequential.id)
    lesson2 = f"/courses/{sequential.slug}/lessons/rehearsal"
    page = learner_client.get(lesson2)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "这一步还没开放" in text and "先学完第1课" in text
    assert _main_button(text) == f"/courses/{sequential.slug}/lessons/kit"
    for quiz in (quiz2, final):
        page = learner_client.get(f"/courses/{sequential.slug}/quizzes/{quiz.id}")
        assert page.status_code == 200 and "这一步还没开放" in page.get_data(as_text=True)
        assert 'name="attempt_token"' not in page.get_data(as_text=True)
    assert learner_client.post(lesson2 + "/complete").status_code == 403
    assert _completions(app, learner.id) == 0
    with app.app_context():
        form = answer_form(db.session.get(Quiz, final.id))
    assert learner_client.post(f"/courses/{sequential.slug}/quizzes/{final.id}", data=form).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(Attempt.id))) == 0


def test_the_final_exam_waits_for_every_lesson_in_any_course(app, chinese, learner_client, learner, factory,
                                                             example_course):
    """In a course that is not sequential, is the final exam locked until every lesson is done
    (quizzes may wait), while lesson 2 and its quiz are open at once?"""
    factory.enrol(learner, example_course)
    _quiz1, quiz2, final = _quizzes(app, example_course.id)
    slug = example_course.slug
    assert "attempt_token" in learner_client.get(f"/courses/{slug}/quizzes/{quiz2.id}").get_data(as_text=True)
    assert learner_client.get(f"/courses/{slug}/lessons/rehearsal").status_code == 200
    exam = learner_client.get(f"/courses/{slug}/quizzes/{final.id}").get_data(as_text=True)
    assert "这一步还没开放" in exam and "先学完第1课" in exam
    page = learner_client.get(f"/courses/{slug}").get_data(as_text=True)
    assert f'href="/courses/{slug}/quizzes/{final.id}"' not in page
    for key in ("kit", "rehearsal"):
        learner_client.post(f"/courses/{slug}/lessons/{key}/complete")
    exam = learner_client.get(f"/courses/{slug}/quizzes/{final.id}").get_data(as_text=True)
    assert "attempt_token" in exam


def test_following_the_main_button_finishes_a_sequential_course(app, learner_client, learner, factory, sequential):
    """Does following only the main button, from enrolling, reach the end, with 2 taps per lesson
    (complete and go on; submit the quiz) plus the result page's button?"""
    response = learner_client.post(f"/courses/{sequential.slug}/enrol")
    location = response.headers["Location"]
    taps = 1
    for _ in range(20):
        page = learner_client.get(location).get_data(as_text=True)
        assert "This step is not open yet" not in page
        if "/lessons/" in location:
            response = learner_client.post(location + "/complete", data={"next": _main_button(page)})
        else:
            quiz_id = int(re.search(r"/quizzes/(\d+)", location).group(1))
            with app.app_context():
                form = answer_form(db.session.get(Quiz, quiz_id))
            response = learner_client.post(location, data=form)
            taps += 1
            page = learner_client.get(response.headers["Location"]).get_data(as_text=True)
            response = None
            location = _main_button(page)
            taps += 1
            if location.startswith("/certificates") or location == f"/courses/{sequential.slug}":
                break
            continue
        taps += 1
        location = response.headers["Location"]
    with app.app_context():
        course = db.session.get(Course, sequential.id)
        assert progress.load_state(db.session, learner.id, course).complete
    assert taps == 1 + 2 * (1 + 2) + 2  # enrol; per lesson: complete+go, submit, result; the final exam


def test_sequential_and_position_round_trip_through_the_course_files(app_ctx, tmp_path):
    """Do `sequential = true` and `position = 3` survive import, export and import again?"""
    files = dict(course_format.files_from_directory(EXAMPLE_COURSE))
    text = files["course.toml"].decode()
    files["course.toml"] = text.replace('level = "beginner"\n', 'level = "beginner"\nsequential = true\nposition = 3\n').encode()
    data = course_reader.read_course(files)
    assert data.sequential is True and data.position == 3
    course = course_exchange.import_course(db.session, data, app_ctx.config["MEDIA_DIR"])
    db.session.flush()
    assert course.sequential is True and course.position == 3
    exported = course_exchange.export_files(course, app_ctx.config["MEDIA_DIR"])
    meta = tomllib.loads(exported["course.toml"].decode())
    assert meta["sequential"] is True and meta["position"] == 3
    again = course_reader.read_course(exported)
    assert again.sequential is True and again.position == 3


@pytest.mark.parametrize("line", ['sequential = "yes"', "position = -1", "position = 1.5", 'position = "1"'])
def test_bad_sequential_or_position_is_a_clear_problem(app_ctx, line):
    """Is a bad `sequential` or `position` refused with a message naming the field?"""
    files = dict(course_format.files_from_directory(EXAMPLE_COURSE))
    files["course.toml"] = files["course.toml"].decode().replace(
        'level = "beginner"\n', f'level = "beginner"\n{line}\n').encode()
    with pytest.raises(course_format.CourseFormatError) as caught:
        course_reader.read_course(files)
    assert line.split()[0] in str(caught.value)


def test_the_seed_beginner_courses_are_sequential():
    """Are the seed beginner courses sequential, with livestream-basics first in its level?"""
    for path in sorted((ROOT / "seed_courses").glob("*/course.toml")):
        meta = tomllib.loads(path.read_text())
        assert meta.get("sequential", False) is (meta["level"] == "beginner"), path
        assert meta.get("position"), path
    basics = tomllib.loads((ROOT / "seed_courses/livestream-basics-zh/course.toml").read_text())
    assert basics["position"] == 1


def test_the_studio_form_offers_sequential_and_position(app, trainer_client, trainer, factory):
    """Does the course settings form show the checkbox and the position field?"""
    course = factory.import_course(EXAMPLE_COURSE, slug="studio-course", status="draft")
    with app.app_context():
        db.session.get(Course, course.id).centre_id = trainer.centre_id
        db.session.commit()
    page = trainer_client.get(f"/author/courses/{course.id}").get_data(as_text=True)
    assert 'name="sequential"' in page and 'name="position"' in page



def test_the_studio_saves_sequential_and_position(app, trainer_client, trainer, factory):
    """Ticking "sequential" and setting a position in the studio saves both, and moves the
    course's content version so learners' cached outlines follow."""
    course = factory.import_course(EXAMPLE_COURSE, slug="studio-saved", status="draft")
    with app.app_context():
        db.session.get(Course, course.id).centre_id = trainer.centre_id
        db.session.commit()
        version = db.session.get(Course, course.id).content_version
    form = {"title": course.title, "summary": course.summary, "language": course.language,
            "level": "beginner", "cover_alt": course.cover_alt or "cover", "sequential": "y",
            "position": "3"}
    assert trainer_client.post(f"/author/courses/{course.id}", data=form).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Course, course.id)
    assert (saved.sequential, saved.position) == (True, 3) and saved.content_version > version
