"""What the studio refuses: a question that cannot be asked, a course that cannot be published,
and the errors the studio's services raise."""
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...models import (
    Course,
    Lesson,
    Question,
    QuestionKind,
    Quiz,
)
from . import content

CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.ORDERING)


class VersionConflict(Exception):
    """Someone saved a newer version since the form was opened."""


class NotAllowed(Exception):
    """A change refused for a reason given in plain words (args[0])."""


class BreaksLiveCourse(NotAllowed):
    """A change that would leave a published course unpublishable (args[0]: its problems)."""


class MediaRefused(NotAllowed):
    """An uploaded file refused (args[0]: one message naming the file)."""


@dataclass
class ChoiceInput:
    text: str = ""
    correct: bool = False
    image: str | None = None
    image_alt: str = ""


@dataclass
class QuestionInput:
    """A question as the trainer wrote it in the form (not yet saved)."""

    kind: str
    prompt: str = ""
    explanation: str = ""
    image: str | None = None
    image_alt: str = ""
    choices: list[ChoiceInput] = field(default_factory=list)
    answer: bool | None = None
    accepted: list[str] = field(default_factory=list)


def question_input(question: Question) -> QuestionInput:
    """A stored question as form input."""
    return QuestionInput(
        kind=question.kind, prompt=question.prompt, explanation=question.explanation,
        image=question.image, image_alt=question.image_alt or "",
        choices=[ChoiceInput(c.text, c.is_correct, c.image, c.image_alt or "") for c in question.choices],
        answer=question.answer.get("answer"), accepted=list(question.answer.get("accepted", [])),
    )


def new_question_input(kind: str) -> QuestionInput:
    """An empty question of a kind, with three empty choices where it has choices."""
    data = QuestionInput(kind=kind)
    if kind in CHOICE_KINDS:
        data.choices = [ChoiceInput() for _n in range(3)]
    return data


def question_problems(data: QuestionInput) -> dict[str, str]:
    """What is missing or wrong in a question, by form field; empty when it can be used."""
    problems: dict[str, str] = {}
    if not data.prompt.strip():
        problems["prompt"] = _("Write the question.")
    if not data.explanation.strip():
        problems["explanation"] = _("Add an explanation: learners read it after answering.")
    if data.image and not data.image_alt.strip():
        problems["image_alt"] = _("Describe the picture in a few words for learners who cannot see it.")
    if data.kind in CHOICE_KINDS:
        for n, choice in enumerate(data.choices, start=1):
            if not choice.text.strip():
                problems[f"choice-{n - 1}"] = _("Choice %(n)d has no text.", n=n)
            elif choice.image and not choice.image_alt.strip():
                problems[f"choice-{n - 1}"] = _("Describe the picture of choice %(n)d in a few words.", n=n)
        if len(data.choices) < 2:
            problems["choices"] = (_("Give at least two steps, in the right order.")
                                   if data.kind == QuestionKind.ORDERING
                                   else _("Give at least two choices."))
        elif data.kind == QuestionKind.SINGLE and sum(c.correct for c in data.choices) != 1:
            problems["choices"] = _("Mark exactly one choice as the correct answer.")
        elif data.kind == QuestionKind.MULTIPLE and not any(c.correct for c in data.choices):
            problems["choices"] = _("Mark at least one choice as a correct answer.")
        elif data.kind == QuestionKind.ORDERING:
            texts = [c.text.strip() for c in data.choices]
            if len(set(texts)) != len(texts):
                problems["choices"] = _("The steps must all be different.")
    elif data.kind == QuestionKind.TRUE_FALSE:
        if data.answer is None:
            problems["answer"] = _("Choose whether the statement is true or false.")
    elif data.kind == QuestionKind.SHORT_TEXT:
        if not [a for a in data.accepted if a.strip()]:
            problems["accepted"] = _("Give at least one accepted answer.")
    return problems


def _lesson_problems(course: Course, lesson: Lesson) -> list[str]:
    problems = []
    title = lesson.title or _("(untitled)")
    if not (lesson.body_md or "").strip():
        problems.append(_("Lesson “%(title)s” has no content.", title=title))
    paths = {m.path for m in course.media}
    for src, alt in content.image_paths(lesson.body_md):
        if not alt.strip():
            problems.append(_("Lesson “%(title)s”: a picture has no text alternative "
                              "(write a few words between the square brackets).", title=title))
        if not src.startswith("https://") and content.normalise_path(src) not in paths:
            problems.append(_("Lesson “%(title)s”: the picture “%(src)s” was not uploaded.",
                              title=title, src=src))
    keys = {l.key for l in course.lessons}
    for target in content.link_targets(lesson.body_md):
        if target.startswith("lesson:") and target[len("lesson:"):] not in keys:
            problems.append(_("Lesson “%(title)s” links to a lesson that does not exist: %(target)s.",
                              title=title, target=target))
    return problems


def _quiz_problems(quiz: Quiz) -> list[str]:
    title = quiz.title or _("(untitled)")
    if not quiz.questions:
        return [_("Quiz “%(title)s” has no questions.", title=title)]
    problems = []
    for n, question in enumerate(quiz.questions, start=1):
        for message in question_problems(question_input(question)).values():
            problems.append(_("Quiz “%(title)s”, question %(n)d: %(problem)s",
                              title=title, n=n, problem=message))
    return problems


def course_problems(course: Course) -> list[str]:
    """Every reason the course cannot be published, in plain words; empty when it can."""
    problems = []
    if not course.title.strip():
        problems.append(_("The course has no title."))
    if course.cover_image and not (course.cover_alt or "").strip():
        problems.append(_("The cover picture needs a text alternative."))
    if not course.lessons:
        problems.append(_("The course has no lessons yet."))
    for lesson in course.lessons:
        problems.extend(_lesson_problems(course, lesson))
        if lesson.quiz is not None:
            problems.extend(_quiz_problems(lesson.quiz))
    if course.final_exam is not None:
        problems.extend(_quiz_problems(course.final_exam))
    return problems


def check_live(session: Session, course: Course) -> None:
    """A published course must stay publishable: refuse a change that would break it."""
    if course.is_published:
        session.flush()
        session.expire(course, ["lessons", "quizzes", "media"])
        problems = course_problems(course)
        if problems:
            raise BreaksLiveCourse(problems)
