"""The authoring service keeps its rules itself, so no view can forget them."""
import io

import pytest
from flask_babel import force_locale

from training.extensions import db
from training.models import CourseChange, Lesson
from training.services.authoring import authoring, course_checks, uploads


def _published(example_course):
    assert example_course.is_published
    return example_course


def test_every_content_change_keeps_a_published_course_publishable(app_ctx, trainer, example_course):
    """Do the service's own operations refuse changes that would break a live course?"""
    course = _published(example_course)
    lesson = course.lessons[0]
    quiz = next(q for q in course.quizzes if q.questions)
    with force_locale("en"):
        with pytest.raises(course_checks.BreaksLiveCourse) as refused:
            authoring.save_lesson(db.session, lesson, trainer.id,
                                  authoring.LessonInput(lesson.title, "", 5), lesson.version)
        assert any("has no content" in p for p in refused.value.args[0])
        db.session.rollback()
        with pytest.raises(course_checks.BreaksLiveCourse):
            authoring.add_lesson(db.session, course, trainer.id, authoring.LessonInput("Empty", "", 5))
        db.session.rollback()
        with pytest.raises(course_checks.BreaksLiveCourse):
            for question in list(quiz.questions):
                authoring.delete_question(db.session, question, trainer.id, quiz.version)
        db.session.rollback()
        details = authoring.CourseDetails(" ", course.summary, course.language, course.level, "x")
        with pytest.raises(course_checks.BreaksLiveCourse):
            authoring.save_course_details(db.session, course, trainer.id, details)
        db.session.rollback()


def test_a_live_course_gets_no_empty_quiz(app_ctx, trainer, example_course):
    """Can a quiz be deleted from a published course, but not added back without questions?"""
    course = _published(example_course)
    authoring.delete_quiz(db.session, course.final_exam, trainer.id)
    with pytest.raises(course_checks.BreaksLiveCourse):
        authoring.add_quiz(db.session, course, trainer.id, "No questions yet")


def test_refused_change_is_not_logged(app_ctx, trainer, example_course):
    """Is a refused change left out of the course history (the caller rolls back)?"""
    course = _published(example_course)
    before = db.session.scalar(db.select(db.func.count(CourseChange.id)))
    with pytest.raises(course_checks.BreaksLiveCourse):
        authoring.add_lesson(db.session, course, trainer.id, authoring.LessonInput("Empty", "", 5))
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(CourseChange.id))) == before
    assert db.session.scalar(db.select(db.func.count(Lesson.id)).where(Lesson.title == "Empty")) == 0


def test_draft_courses_may_be_incomplete(app_ctx, trainer):
    """Can a draft course hold an empty lesson and a quiz without questions?"""
    course = authoring.create_course(db.session, trainer, "Draft", "en", "beginner")
    lesson = authoring.add_lesson(db.session, course, trainer.id, authoring.LessonInput("Empty", "", 5))
    assert course.quizzes == []
    assert authoring.add_quiz(db.session, course, trainer.id, "Later", lesson).lesson is lesson


def test_moving_a_question_moves_the_quiz_version(app_ctx, trainer, example_course):
    """Does moving a question bump the quiz version, so an editor opened before sees a conflict?"""
    quiz = next(q for q in example_course.quizzes if len(q.questions) > 1)
    version, second = quiz.version, quiz.questions[1]
    assert authoring.move_question(db.session, second, trainer.id, "up")
    assert quiz.version == version + 1 and second.position == 0
    assert not authoring.move_question(db.session, second, trainer.id, "sideways")
    assert quiz.version == version + 1
    with pytest.raises(course_checks.VersionConflict):
        authoring.save_question(db.session, quiz, None, trainer.id,
                                course_checks.new_question_input("true_false"), version)


def test_moving_a_lesson_is_logged(app_ctx, trainer):
    """Does moving a lesson renumber the lessons and record the change?"""
    course = authoring.create_course(db.session, trainer, "Two lessons", "en", "beginner")
    first = authoring.add_lesson(db.session, course, trainer.id, authoring.LessonInput("One", "x", 5))
    second = authoring.add_lesson(db.session, course, trainer.id, authoring.LessonInput("Two", "y", 5))
    assert authoring.move_lesson(db.session, second, trainer.id, "up")
    assert (second.position, first.position) == (0, 1)
    db.session.expire(course, ["lessons"])
    assert not authoring.move_lesson(db.session, second, trainer.id, "up")
    assert authoring.history(db.session, course)[0].action == "lesson.move"


def test_insert_picture_at_cursor_or_end():
    """Does a picture line go where the cursor was, or at the end without a usable cursor?"""
    body, at_cursor = uploads.insert_picture("Top\n\nBottom", "images/a.png", "A [red] apple", 3)
    assert at_cursor and body == "Top\n\n![A (red) apple](images/a.png)\n\nBottom"
    body, at_cursor = uploads.insert_picture("Text", "images/a.png", "Apple", 99)
    assert not at_cursor and body == "Text\n\n![Apple](images/a.png)\n"


def test_refused_pictures_name_the_file(app_ctx, trainer):
    """Is an upload that is not a picture refused with a message naming the file, storing nothing?"""
    course = authoring.create_course(db.session, trainer, "Pictures", "en", "beginner")
    storage = uploads.Storage("/nonexistent", 1024 * 1024, 1024 * 1024)
    with force_locale("en"), pytest.raises(course_checks.MediaRefused) as refused:
        uploads.store_picture(db.session, course, uploads.Upload("notes.txt", io.BytesIO(b"hello")),
                                "picture", storage)
    assert "notes.txt" in refused.value.args[0][0]
    assert course.media == []


def test_question_without_choices_gets_three_empty_ones():
    """Does a new choice question start with three empty choices, and others with none?"""
    assert len(course_checks.new_question_input("single").choices) == 3
    assert course_checks.new_question_input("short_text").choices == []
