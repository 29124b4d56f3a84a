"""Shared by the hot-page and course-cache tests: a learner enrolled in the example course."""
import pytest


@pytest.fixture
def enrolled(factory, learner, example_course):
    factory.enrol(learner, example_course)
    return example_course


def lesson_url(course, index=0):
    return f"/courses/{course.slug}/lessons/{course.lessons[index].key}"
