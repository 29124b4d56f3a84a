"""Taking a quiz: presenting questions, reading answers from a form, recording attempts.

An attempt is recorded exactly once per attempt token (made when the form is shown), and
never beyond the quiz's attempt limit; both are enforced by unique constraints.
"""
import random
import secrets
from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import Session

from ...dbutil import insert_ignore_returning, upsert
from ...models import Attempt, AttemptAnswer, Choice, Question, QuestionKind, Quiz, QuizResult, utcnow
from . import progress, scoring


class QuizClosed(Exception):
    """No attempts left."""


@dataclass
class PresentedQuestion:
    question: Question
    choices: list[Choice]  # in display order


def new_token() -> str:
    return secrets.token_urlsafe(24)


def snapshot(question: Question) -> dict[str, Any]:
    """The question as asked, kept with each answer."""
    return {
        "key": question.key,
        "kind": question.kind,
        "prompt": question.prompt,
        "explanation": question.explanation,
        "image": question.image,
        "image_alt": question.image_alt,
        "choices": [
            {"text": c.text, "correct": c.is_correct, "image": c.image, "image_alt": c.image_alt}
            for c in question.choices
        ],
        "accepted": list(question.answer.get("accepted", [])),
        "answer": question.answer.get("answer"),
    }


def present(quiz: Quiz, token: str) -> list[PresentedQuestion]:
    """Questions in display order. Ordering steps are always shuffled; with quiz.shuffle the
    questions and choices are too. The order is seeded by the attempt token, so a reload of
    the same form shows the same order."""
    rng = random.Random(token)
    questions = list(quiz.questions)
    if quiz.shuffle:
        rng.shuffle(questions)
    presented = []
    for question in questions:
        choices = list(question.choices)
        if question.kind == QuestionKind.ORDERING or (quiz.shuffle and question.kind != QuestionKind.TRUE_FALSE):
            original = list(choices)
            rng.shuffle(choices)
            # An ordering question must not start out already solved.
            if question.kind == QuestionKind.ORDERING and len(choices) > 1 and choices == original:
                choices = choices[1:] + choices[:1]
        presented.append(PresentedQuestion(question, choices))
    return presented


def field_name(question: Question) -> str:
    return f"q{question.id}"


def parse_responses(
    questions: list[Question], form: Mapping[str, Any]
) -> tuple[dict[int, Any], dict[int, str]]:
    """Read answers from a submitted form. Returns (responses by question id, error codes by
    question id); the view turns error codes into translated messages.

    Responses use choice positions (see services.scoring); error codes are "missing",
    "invalid" and "order".
    """
    responses: dict[int, Any] = {}
    errors: dict[int, str] = {}
    for question in questions:
        name = field_name(question)
        # Choice ids as the form sends them (text), mapped to their position in the snapshot.
        positions = {str(c.id): i for i, c in enumerate(question.choices)}
        kind = question.kind
        if kind == QuestionKind.SINGLE:
            value = form.get(name, "")
            if not value:
                errors[question.id] = "missing"
            elif value not in positions:
                errors[question.id] = "invalid"
            else:
                responses[question.id] = positions[value]
        elif kind == QuestionKind.MULTIPLE:
            values = form.getlist(name) if hasattr(form, "getlist") else form.get(name, [])
            if not values:
                errors[question.id] = "missing"
            elif any(v not in positions for v in values):
                errors[question.id] = "invalid"
            else:
                responses[question.id] = sorted({positions[v] for v in values})
        elif kind == QuestionKind.TRUE_FALSE:
            value = form.get(name, "")
            if value not in ("true", "false"):
                errors[question.id] = "missing" if not value else "invalid"
            else:
                responses[question.id] = value == "true"
        elif kind == QuestionKind.SHORT_TEXT:
            value = (form.get(name) or "").strip()
            if not value:
                errors[question.id] = "missing"
            elif len(value) > 200:
                errors[question.id] = "invalid"
            else:
                responses[question.id] = value
        elif kind == QuestionKind.ORDERING:
            # One select per step: f"{name}-{choice id}" = the place (1..n) the learner gave it.
            n = len(question.choices)
            places: dict[int, int] = {}
            for choice in question.choices:
                raw = form.get(f"{name}-{choice.id}", "")
                if raw.isdigit() and 1 <= int(raw) <= n:
                    places[choice.id] = int(raw)
            if not places:
                errors[question.id] = "missing"
            elif len(places) != n or sorted(places.values()) != list(range(1, n + 1)):
                errors[question.id] = "order"
            else:
                ordered = sorted(places, key=places.__getitem__)
                responses[question.id] = [positions[str(cid)] for cid in ordered]
    return responses, errors


def attempts_used(session: Session, user_id: int, quiz_id: int) -> int:
    return session.scalar(
        select(func.count(Attempt.id)).where(Attempt.user_id == user_id, Attempt.quiz_id == quiz_id)
    ) or 0


def attempts_left(quiz: Quiz, used: int) -> int | None:
    """None means unlimited."""
    if quiz.max_attempts == 0:
        return None
    return max(quiz.max_attempts - used, 0)


def find_attempt(session: Session, token: str) -> Attempt | None:
    return session.scalar(select(Attempt).where(Attempt.token == token))


def _sent_already(session: Session, user_id: int, token: str) -> Attempt | None:
    """The attempt this token recorded, if any; QuizClosed when it is someone else's."""
    existing = find_attempt(session, token)
    if existing is not None and existing.user_id != user_id:
        raise QuizClosed()
    return existing


def submit(
    session: Session, user_id: int, quiz: Quiz, token: str, responses: dict[int, Any],
    true_label: str = "true", false_label: str = "false",
) -> tuple[Attempt, bool]:
    """Grade and record an attempt. Returns (attempt, created).

    The same token submitted again returns the attempt already recorded (created=False): the
    unique token decides, so a first submission reads nothing to find out.
    Raises progress.NotEnrolled or QuizClosed.
    """
    enrollment = progress.lock_enrollment(session, user_id, quiz.course_id)
    if enrollment is None:
        if (existing := _sent_already(session, user_id, token)) is not None:
            return existing, False
        raise progress.NotEnrolled()

    questions = list(quiz.questions)
    snapshots = [snapshot(q) for q in questions]
    answers = [responses.get(q.id) for q in questions]
    graded = scoring.grade(snapshots, answers, quiz.pass_mark)
    now = utcnow()

    for _ in range(3):
        used = attempts_used(session, user_id, quiz.id)
        if quiz.max_attempts and used >= quiz.max_attempts:
            if (existing := _sent_already(session, user_id, token)) is not None:
                return existing, False  # the last attempt, tapped twice
            raise QuizClosed()
        attempt = insert_ignore_returning(session, Attempt, {
            "token": token, "user_id": user_id, "quiz_id": quiz.id, "course_id": quiz.course_id,
            "number": used + 1, "quiz_title": quiz.title, "pass_mark": quiz.pass_mark,
            "score": graded["score"], "correct_count": graded["correct"],
            "question_count": graded["total"], "passed": graded["passed"], "submitted_at": now,
        })
        if attempt is not None:
            break
        if (existing := _sent_already(session, user_id, token)) is not None:
            return existing, False  # the same form, sent before or at the same time
        # Another tab took this attempt number first: count again.
    else:  # pragma: no cover - three lost races in a row
        raise QuizClosed()

    # One multi-row INSERT: the answers are written once and never changed.
    session.execute(insert(AttemptAnswer), [
        {"attempt_id": attempt.id, "question_id": question.id, "position": position,
         "snapshot": snap, "response": response, "is_correct": right,
         "response_text": scoring.response_text(snap, response, true_label, false_label)}
        for position, (question, snap, response, right) in enumerate(
            zip(questions, snapshots, answers, graded["results"], strict=True))
    ])
    _update_result(session, user_id, quiz, attempt, now)
    if attempt.passed and quiz.lesson_id is not None:
        progress.complete_lesson_of_passed_quiz(session, user_id, quiz.lesson_id, now)
    progress.refresh_enrollment(session, enrollment, now)
    return attempt, True


def _update_result(session: Session, user_id: int, quiz: Quiz, attempt: Attempt, now) -> None:
    """The learner's standing in the quiz, made by the first attempt and updated by each one
    after it (one statement): attempts, best score, and the time of the first pass."""
    best = func.max if session.get_bind().dialect.name == "sqlite" else func.greatest
    changes: dict[str, Any] = {
        "attempts": QuizResult.attempts + 1,
        "best_score": best(QuizResult.best_score, attempt.score),
        "last_attempt_at": now,
    }
    if attempt.passed:
        changes["passed"] = True
        changes["passed_at"] = case((QuizResult.passed.is_(True), QuizResult.passed_at), else_=now)
    upsert(session, QuizResult, {
        "user_id": user_id, "quiz_id": quiz.id, "course_id": quiz.course_id, "attempts": 1,
        "best_score": attempt.score, "passed": attempt.passed,
        "passed_at": now if attempt.passed else None, "last_attempt_at": now,
    }, keys=["user_id", "quiz_id"], changes=changes)
    # The statement went around the session: a result object it holds is stale now.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, QuizResult):
            session.expire(obj)
