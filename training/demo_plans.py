"""Demo data's course plans: each published course's required steps, and for every question
ready-made right and wrong responses (stored as a real attempt stores them), so the generator
writes attempts without touching ORM objects."""
import json
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Course, CourseStatus
from .services.learning import quizzes, scoring

WRONG_TEXTS = ["不知道", "no idea", "直播", "快递"]
# The interface catalogue that speaks each course language: a real attempt's true/false
# answer is stored in its taker's language, which for these learners is the quiz's.
CATALOGUES = {"zh": "zh_Hans_CN", "en": "en"}


@dataclass
class QuestionPlan:
    """One question with ready-made right and wrong responses (JSON, readable text)."""

    id: int
    snapshot_json: str
    right: tuple[str, str]
    wrong: list[tuple[str, str]]
    difficulty: float


@dataclass
class QuizPlan:
    id: int
    title: str
    pass_mark: int
    questions: list[QuestionPlan]


@dataclass
class CoursePlan:
    id: int
    language: str
    # Required steps in course order: ("lesson", lesson_id) or ("quiz", QuizPlan).
    steps: list[tuple[str, Any]]
    # Completions keep the lesson's title (history survives a deleted lesson).
    lesson_titles: dict[int, str]
    # What a certificate of the course states (copied when it is issued).
    title: str = ""
    hours: Decimal | None = None
    standard: Any = None
    final_quiz_id: int | None = None


def true_false_labels(language: str) -> tuple[str, str]:
    """The words a real attempt stores for true and false, in a course's language (对/错)."""
    with force_locale(CATALOGUES.get(language, "zh_Hans_CN")):
        return gettext("True"), gettext("False")


def question_plan(question, rng: random.Random, labels: tuple[str, str] = ("True", "False")) -> QuestionPlan:
    snap = quizzes.snapshot(question)
    kind = snap["kind"]
    n = len(snap["choices"])
    right: Any
    wrong: list[Any]
    if kind == "single":
        right = next(i for i, c in enumerate(snap["choices"]) if c["correct"])
        wrong = [i for i in range(n) if i != right]
    elif kind == "multiple":
        right = [i for i, c in enumerate(snap["choices"]) if c["correct"]]
        others = [i for i in range(n) if i not in right]
        wrong = [right[:-1]] if len(right) > 1 else []
        wrong += [sorted(right + [i]) for i in others]
    elif kind == "true_false":
        right = bool(snap["answer"])
        wrong = [not right]
    elif kind == "short_text":
        right = snap["accepted"][0]
        wrong = list(WRONG_TEXTS)
    else:  # ordering: the right order, or two neighbouring steps swapped
        right = list(range(n))
        wrong = []
        for i in range(n - 1):
            order = list(range(n))
            order[i], order[i + 1] = order[i + 1], order[i]
            wrong.append(order)
    wrong = [w for w in wrong if not scoring.is_correct(snap, w)] or [None]
    rng.shuffle(wrong)  # the first wrong answer is the tempting one

    def pair(response):
        return json.dumps(response, ensure_ascii=False), scoring.response_text(snap, response, *labels)

    return QuestionPlan(
        id=question.id,
        snapshot_json=json.dumps(snap, ensure_ascii=False),
        right=pair(right),
        wrong=[pair(w) for w in wrong],
        # Most questions are easy; a few confuse many learners.
        difficulty=0.45 if rng.random() < 0.12 else rng.uniform(0.0, 0.2),
    )


def course_plans(session: Session, rng: random.Random) -> list[CoursePlan]:
    plans = []
    courses = session.scalars(
        select(Course).where(Course.status == CourseStatus.PUBLISHED).order_by(Course.id)
    ).all()
    for course in courses:
        steps: list[tuple[str, Any]] = []
        labels = true_false_labels(course.language)

        def quiz_plan(quiz, labels=labels):
            return QuizPlan(quiz.id, quiz.title, quiz.pass_mark,
                            [question_plan(q, rng, labels) for q in quiz.questions])

        for lesson in course.lessons:
            steps.append(("lesson", lesson.id))
            if lesson.quiz is not None:
                steps.append(("quiz", quiz_plan(lesson.quiz)))
        if course.final_exam is not None:
            steps.append(("quiz", quiz_plan(course.final_exam)))
        if steps:
            plans.append(CoursePlan(
                course.id, course.language, steps,
                {lesson.id: lesson.title for lesson in course.lessons}, title=course.title,
                hours=course.hours, standard=course.standard,
                final_quiz_id=course.final_exam.id if course.final_exam is not None else None))
    return plans
