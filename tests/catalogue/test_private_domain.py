"""私域与社区团购 (private-domain): the content rules the issue asks of a new course.

Plain Chinese (no sentence over 50 characters, sources at the end of every lesson), a checklist
and a "what to say" in every lesson, phone-calculator steps for every calculation, the
personal-information rules taught in both languages, and hours by the documented rule.
"""
import re
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from tests.catalogue.test_plain_language import (
    SOURCE_JU,
    long_sentences,
    split_at_sources,
)
from training.services.authoring import course_reader

SEED = Path(__file__).resolve().parents[2] / "seed_courses"
ZH, EN = (course_reader.read_folder(SEED / f"private-domain-{lang}") for lang in ("zh", "en"))
CALC = {"zh": "在手机计算器上按", "en": "On your phone calculator press"}
SAY = {"zh": "说法示范", "en": "What to say"}
SOURCES = {"zh": "## 来源", "en": "## Sources"}


def lesson_paths(course):
    toml = tomllib.loads((SEED / course.slug / "course.toml").read_text(encoding="utf-8"))
    return [SEED / course.slug / lesson["file"] for lesson in toml["lessons"]]


def test_no_long_sentences_and_sources_last():
    offenders = [found for path in lesson_paths(ZH) for found in long_sentences(path)]
    assert not offenders, "\n".join(offenders)
    for path in lesson_paths(ZH):
        body, ends_with_sources = split_at_sources(path)
        assert ends_with_sources, path.name
        assert not [line for line in body if not line.lstrip().startswith(">") and SOURCE_JU.search(line)]


@pytest.mark.parametrize("course", [ZH, EN], ids=lambda c: c.slug)
def test_each_lesson_has_checklist_script_and_sources(course):
    for lesson in course.lessons:
        body = lesson.body_md
        assert re.search(r"^- \[ \] ", body, re.MULTILINE), lesson.key
        assert SAY[course.language] in body, lesson.key
        assert body.rstrip().rfind(SOURCES[course.language]) > len(body) * 0.6, lesson.key


@pytest.mark.parametrize("course", [ZH, EN], ids=lambda c: c.slug)
def test_every_calculation_shows_calculator_steps(course):
    """A lesson or question with a sum in it (÷ or ×) says how to key it in on a phone."""
    for lesson in course.lessons:
        if re.search(r"[÷×]", lesson.body_md):
            assert CALC[course.language] in lesson.body_md, lesson.key
    quizzes = [l.quiz for l in course.lessons] + [course.final_exam]
    for question in (q for quiz in quizzes for q in quiz.questions):
        if question.type in ("short_text", "single") and re.search(r"[÷×]", question.explanation):
            assert CALC[course.language] in question.explanation, question.key


def test_the_personal_information_rules_are_taught():
    """Consent, minimum necessary, no selling lists, separate consent to pass data on: both languages."""
    zh = next(l for l in ZH.lessons if l.key == "buyer-data").body_md
    en = next(l for l in EN.lessons if l.key == "buyer-data").body_md
    for article in ("第六条", "第十条", "第十三条", "第十四条", "第二十三条", "第四十七条"):
        assert article in zh
    for article in ("Art. 6", "Art. 10", "Art. 13", "Art. 14", "Art. 23", "Art. 47"):
        assert article in en
    assert "最小必要" in zh and "单独同意" in zh and "不卖名单" in zh
    assert "minimum necessary" in en and "separate consent" in en and "No selling lists" in en


def test_sign_ups_keep_addresses_out_of_the_group():
    zh = next(l for l in ZH.lessons if l.key == "repeat-orders").body_md
    en = next(l for l in EN.lessons if l.key == "repeat-orders").body_md
    assert "地址和电话不要写在群里" in zh
    assert "addresses and phone numbers are never written in the group" in en


def test_hours_follow_the_documented_rule_and_no_standard_mapping():
    for course in (ZH, EN):
        minutes = sum(lesson.minutes for lesson in course.lessons)
        questions = sum(len(l.quiz.questions) for l in course.lessons) + len(course.final_exam.questions)
        assert course.hours == Decimal(round((minutes + questions) / 45 * 2)) / 2
        assert course.level == "intermediate" and not course.sequential
    assert ZH.final_exam.title.startswith("结业考试") and EN.final_exam.title.startswith("Final exam")
