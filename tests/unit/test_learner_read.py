"""The learner's read model: a course's outline and the learner's state, without any request."""
import dataclasses

import pytest
from training.extensions import db
from training.services.learning import learner_read, progress

from ..helpers import statements_run


def test_outline_and_state_come_from_one_query_once_the_outline_is_kept(factory, learner, example_course):
    """Is the state by slug the same as by id, and does a kept outline cost one query?"""
    factory.enrol(learner, example_course)
    progress.complete_lesson(db.session, learner.id, example_course.lessons[0])
    db.session.commit()
    cache = learner_read.OutlineCache()
    outline, state = learner_read.course_and_state(db.session, cache, learner.id, example_course.slug)
    assert state == dataclasses.replace(progress.load_state(db.session, learner.id, example_course),
                                        course=outline)
    assert state.lessons_done == {example_course.lessons[0].id}
    assert cache.loads == 1

    before = len(statements_run())
    again, _state = learner_read.course_and_state(db.session, cache, learner.id, example_course.slug)
    assert again is outline and len(statements_run()) - before == 1
    assert learner_read.course_and_state(db.session, cache, learner.id, "no-such-course") is None


def test_outline_is_immutable_and_mirrors_the_course(example_course):
    """Are outlines plain frozen values with what the learner's pages read of the course?"""
    outline = learner_read.course_outline(db.session, learner_read.OutlineCache(), example_course.slug)
    assert outline.slug == example_course.slug and outline.is_published
    assert [lesson.key for lesson in outline.lessons] == [lesson.key for lesson in example_course.lessons]
    assert outline.final_exam.id == example_course.final_exam.id
    assert [lesson.quiz.id if lesson.quiz else None for lesson in outline.lessons] == \
        [lesson.quiz.id if lesson.quiz else None for lesson in example_course.lessons]
    assert any(lesson.quiz for lesson in outline.lessons)
    with pytest.raises(dataclasses.FrozenInstanceError):
        outline.title = "changed"
    question = outline.final_exam.questions[0]
    with pytest.raises(TypeError):
        question.answer["answer"] = "changed"


def test_a_changed_course_is_read_again(example_course):
    """A change to the course moves its content version: the next read loads the new outline."""
    cache = learner_read.OutlineCache()
    first = learner_read.course_outline(db.session, cache, example_course.slug)
    example_course.lessons[0].title = "A new title"
    db.session.commit()
    second = learner_read.course_outline(db.session, cache, example_course.slug)
    assert second.lessons[0].title == "A new title" and first.lessons[0].title != "A new title"
    assert cache.loads == 2

    example_course.status = "draft"
    db.session.commit()
    assert not learner_read.course_outline(db.session, cache, example_course.slug).is_published
