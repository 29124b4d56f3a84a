"""The seed catalogue: every course imports, translations match, answer keys and lengths hold."""
import re
from pathlib import Path

import pytest

from training.services.authoring import content, course_exchange, course_reader

SEED = Path(__file__).resolve().parents[2] / "seed_courses"
COURSES = course_reader.read_all(SEED)
BY_SLUG = {c.slug: c for c in COURSES}
GROUPS = sorted({c.translation_group for c in COURSES})
HAN = re.compile(r"[\u4e00-\u9fff]")
ALL_QUIZZES = [
    (course.slug, lesson.key if lesson else "final-exam", quiz)
    for course in COURSES
    for lesson, quiz in [(l, l.quiz) for l in course.lessons if l.quiz] + [(None, course.final_exam)]
    if quiz is not None
]


def pair(group):
    return BY_SLUG[f"{group}-zh"], BY_SLUG[f"{group}-en"]


def test_every_course_in_both_languages():
    """Each course comes in Chinese and English: at least the first five, and each one added since."""
    assert sorted(c.language for c in COURSES) == ["en"] * len(GROUPS) + ["zh"] * len(GROUPS)
    assert len(GROUPS) >= 5
    assert "product-selection" in GROUPS
    assert "short-video" in GROUPS
    assert "opening-a-shop" in GROUPS
    for group in GROUPS:
        zh, en = pair(group)
        assert (zh.language, en.language) == ("zh", "en")
        assert zh.status == en.status == "published"


def test_every_course_imports(app_ctx):
    """Does the whole catalogue import in one transaction, every lesson, quiz, question and
    picture of it, with each lesson's body rendered?"""
    from sqlalchemy import func, select

    from training.extensions import db
    from training.models import Course, CourseMedia, Lesson, Question, Quiz

    course_exchange.import_courses(db.session, COURSES, app_ctx.config["MEDIA_DIR"])
    db.session.commit()

    def count(model):
        return db.session.scalar(select(func.count()).select_from(model))

    assert count(Course) == len(COURSES)
    assert count(Lesson) == sum(len(c.lessons) for c in COURSES)
    quizzes = [l.quiz for c in COURSES for l in c.lessons if l.quiz] + [c.final_exam for c in COURSES if c.final_exam]
    assert count(Quiz) == len(quizzes)
    assert count(Question) == sum(len(q.questions) for q in quizzes)
    assert count(CourseMedia) == sum(len(c.files) for c in COURSES) > 0
    for course in db.session.scalars(select(Course)):
        assert course.status == "published"
        assert all(lesson.body_html.strip() for lesson in course.lessons), course.slug


def _shape(quiz):
    return [
        (q.key, q.type, [c.correct for c in q.choices], q.answer, len(q.steps), len(q.accepted) > 0)
        for q in quiz.questions
    ]


@pytest.mark.parametrize("group", GROUPS)
def test_chinese_and_english_have_the_same_structure(group):
    """Same lessons, same questions, same correct answers in both languages."""
    zh, en = pair(group)
    assert [l.key for l in zh.lessons] == [l.key for l in en.lessons]
    assert zh.level == en.level
    for lz, le in zip(zh.lessons, en.lessons):
        assert (lz.quiz is None) == (le.quiz is None)
        if lz.quiz:
            assert _shape(lz.quiz) == _shape(le.quiz), lz.key
            assert lz.quiz.pass_mark == le.quiz.pass_mark
    assert _shape(zh.final_exam) == _shape(en.final_exam)


@pytest.mark.parametrize("course", COURSES, ids=lambda c: c.slug)
def test_course_size(course):
    assert 5 <= len(course.lessons) <= 7
    for lesson in course.lessons:
        assert lesson.quiz is not None and 4 <= len(lesson.quiz.questions) <= 6, lesson.key
    assert course.final_exam is not None and len(course.final_exam.questions) >= 10


@pytest.mark.parametrize("course", COURSES, ids=lambda c: c.slug)
def test_lesson_minimum_length(course):
    """At least 600 Chinese characters per Chinese lesson, 400 words per English lesson."""
    for lesson in course.lessons:
        if course.language == "zh":
            assert len(HAN.findall(lesson.body_md)) >= 600, lesson.key
        else:
            assert len(lesson.body_md.split()) >= 400, lesson.key


@pytest.mark.parametrize("slug, where, quiz", ALL_QUIZZES, ids=lambda v: v if isinstance(v, str) else "")
def test_answer_keys_and_explanations(slug, where, quiz):
    """Every question has a valid key, an explanation and enough choices."""
    for q in quiz.questions:
        assert q.explanation.strip(), q.key
        if q.type == "single":
            assert len(q.choices) >= 3 and sum(c.correct for c in q.choices) == 1, q.key
        elif q.type == "multiple":
            assert len(q.choices) >= 3 and sum(c.correct for c in q.choices) >= 1, q.key
            assert len({c.text for c in q.choices}) == len(q.choices)
        elif q.type == "true_false":
            assert isinstance(q.answer, bool)
        elif q.type == "short_text":
            assert q.accepted and all(a.strip() for a in q.accepted)
        elif q.type == "ordering":
            assert len(q.steps) >= 3, q.key


@pytest.mark.parametrize("course", COURSES, ids=lambda c: c.slug)
def test_quizzes_mix_question_types(course):
    kinds = {q.type for l in course.lessons for q in l.quiz.questions}
    kinds |= {q.type for q in course.final_exam.questions}
    assert {"single", "multiple", "true_false", "ordering"} <= kinds


@pytest.mark.parametrize("course", COURSES, ids=lambda c: c.slug)
def test_images_exist_have_alt_text_and_links_resolve(course):
    """Every image referenced exists with alt text; no broken internal links."""
    keys = {l.key for l in course.lessons}
    images = 0
    for lesson in course.lessons:
        for src, alt in content.image_paths(lesson.body_md):
            images += 1
            assert alt.strip(), (lesson.key, src)
            assert src.startswith("https://") or src.removeprefix("../") in course.files, src
        for target in content.link_targets(lesson.body_md):
            assert target.startswith(("https://", "http://", "mailto:", "lesson:", "#")), target
            if target.startswith("lesson:"):
                assert target[len("lesson:"):] in keys
    assert images >= 2


@pytest.mark.parametrize("course", COURSES, ids=lambda c: c.slug)
def test_course_ends_with_sources(course):
    last = course.lessons[-1].body_md
    marker = "资料来源" if course.language == "zh" else "Sources"
    assert marker in last


def test_brief_correction_about_seventeen_departments():
    """The county-commerce opinions were issued by MOFCOM and 16 other departments."""
    for course in COURSES:
        for lesson in course.lessons:
            assert "17 other" not in lesson.body_md and "and seventeen other" not in lesson.body_md
