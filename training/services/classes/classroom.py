"""Classroom mode: a live quiz during a session, one question at a time on the classroom screen.

Learners answer on their phones; the trainer enters the answer of a learner without a phone
(assisted). Each answer is recorded once per learner and question (a unique constraint), while
the question is open. Ending the quiz turns every participant's answers into one ordinary
quiz attempt (quizzes.submit, so scoring, QuizResult, progress and item analysis are the same
as for a quiz taken alone), marked "classroom" or "assisted".

Transitions (show the counts, next question, end) are compare-and-set on `version`: a double
tap or two open screens move the quiz once. Phones poll with the version as their ETag.

Question kinds: single and multiple choice and true/false have counts per choice; a
short-text or ordering question is answered the same way (a text box, places for the steps)
and its counts are "right" and "not right" only, since answers have no fixed choices.
"""
import random
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, select, union, update
from sqlalchemy.orm import Session, joinedload

from ...dbutil import insert_ignore
from ...models import (
    Attempt,
    Attendance,
    ClassMember,
    ClassroomAnswer,
    ClassroomQuiz,
    Question,
    QuestionKind,
    Quiz,
    TrainingSession,
    User,
    class_course,
    utcnow,
)
from ..learning import progress, quizzes, scoring

CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 10
CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE)


class ClassroomError(Exception):
    """A refused action; `code` names why (the view turns it into a translated message):
    running, not_in_class, empty, not_open, old_question, not_participant, invalid, last,
    changed, ended."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ChoiceView:
    id: int  # the Choice's id, as a form sends it (true/false: unused, the form sends true/false)
    text: str
    image: str | None = None
    image_alt: str | None = None
    correct: bool = False  # shown on the screen only once the counts are


@dataclass(frozen=True)
class QuestionView:
    """The question on screen, as plain values with the model's attribute names (so
    quizzes.parse_responses reads a form for it). `choices` are in the snapshot's order;
    `shown` is the order on screen (steps of an ordering question are shuffled)."""

    id: int
    kind: str
    prompt: str
    image: str | None
    image_alt: str | None
    choices: tuple[ChoiceView, ...]
    shown: tuple[ChoiceView, ...]
    position: int  # 0-based
    count: int  # questions in the quiz

    @property
    def number(self) -> int:
        return self.position + 1

    @property
    def last(self) -> bool:
        return self.position + 1 >= self.count

    @property
    def has_choices(self) -> bool:
        return self.kind in CHOICE_KINDS


@dataclass(frozen=True)
class Counts:
    """Answers to one question, without names: per choice (in `QuestionView.shown` order for
    choice kinds; for true/false: true, then false), and right / not right."""

    answered: int
    per_choice: tuple[int, ...]
    correct: int


@dataclass(frozen=True)
class Ended:
    """What end() recorded: attempts made now, and learners whose attempts are used up."""

    recorded: int
    no_attempts_left: int


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def class_quizzes(session: Session, class_id: int) -> list[Quiz]:
    """Quizzes of the class's courses that have questions, course by course."""
    course_ids = select(class_course.c.course_id).where(class_course.c.class_id == class_id)
    return list(session.scalars(
        select(Quiz).where(Quiz.course_id.in_(course_ids), Quiz.questions.any())
        .options(joinedload(Quiz.course))
        .order_by(Quiz.course_id, Quiz.is_final, Quiz.lesson_id, Quiz.id)
    ))


def running(session: Session, session_id: int) -> ClassroomQuiz | None:
    """The session's classroom quiz that has not ended, if any."""
    return session.scalar(select(ClassroomQuiz).where(
        ClassroomQuiz.session_id == session_id, ClassroomQuiz.phase != "ended"))


def find_by_code(session: Session, code: str) -> ClassroomQuiz | None:
    if not code or len(code) > 32:
        return None
    return session.scalar(select(ClassroomQuiz).where(ClassroomQuiz.code == code))


def start(session: Session, meeting: TrainingSession, quiz: Quiz, trainer: User) -> ClassroomQuiz:
    """Start a classroom quiz on a quiz of one of the class's courses; one runs per session."""
    in_class = session.scalar(select(class_course.c.course_id).where(
        class_course.c.class_id == meeting.class_id, class_course.c.course_id == quiz.course_id))
    if in_class is None:
        raise ClassroomError("not_in_class")
    if not quiz.questions:
        raise ClassroomError("empty")
    # Lock the session row so two trainers starting at once start one quiz (PostgreSQL;
    # SQLite serialises writers anyway).
    session.scalar(select(TrainingSession.id).where(TrainingSession.id == meeting.id).with_for_update())
    if running(session, meeting.id) is not None:
        raise ClassroomError("running")
    cq = ClassroomQuiz(session_id=meeting.id, quiz_id=quiz.id, code=new_code(),
                       started_by_id=trainer.id, position=0, phase="open", version=1,
                       started_at=utcnow())
    session.add(cq)
    session.flush()
    return cq


def _questions(cq: ClassroomQuiz) -> list[Question]:
    return list(cq.quiz.questions) if cq.quiz is not None else []


def question(cq: ClassroomQuiz) -> QuestionView | None:
    """The current question as immutable data; None once ended (or if the quiz is gone)."""
    items = _questions(cq)
    if cq.phase == "ended" or not 0 <= cq.position < len(items):
        return None
    q = items[cq.position]
    if q.kind == QuestionKind.TRUE_FALSE:
        truth = q.answer.get("answer") is True
        choices = (ChoiceView(1, "", correct=truth), ChoiceView(0, "", correct=not truth))
    else:
        choices = tuple(ChoiceView(c.id, c.text, c.image, c.image_alt, c.is_correct) for c in q.choices)
    shown = list(choices)
    if q.kind == QuestionKind.ORDERING and len(shown) > 1:
        # The same order on every phone and reload; never already solved.
        random.Random(f"{cq.code}-{cq.position}").shuffle(shown)
        if shown == list(choices):
            shown = shown[1:] + shown[:1]
    return QuestionView(q.id, q.kind, q.prompt, q.image, q.image_alt, choices, tuple(shown),
                        cq.position, len(items))


def parse(view: QuestionView, form) -> tuple[Any, str | None]:
    """Read the answer to the question on screen from a submitted form (field q<id>), with
    the quiz's own parser: (response, None), or (None, error code "missing"/"invalid"/"order")."""
    responses, errors = quizzes.parse_responses([view], form)
    return responses.get(view.id), errors.get(view.id)


def _valid(kind: str, n: int, response: Any) -> bool:
    """Whether a response has the shape scoring expects for the kind (services.scoring)."""
    if kind == QuestionKind.SINGLE:
        return type(response) is int and 0 <= response < n
    if kind == QuestionKind.MULTIPLE:
        return (isinstance(response, list) and bool(response) and len(set(response)) == len(response)
                and all(type(i) is int and 0 <= i < n for i in response))
    if kind == QuestionKind.TRUE_FALSE:
        return type(response) is bool
    if kind == QuestionKind.SHORT_TEXT:
        return isinstance(response, str) and 0 < len(response.strip()) <= 200
    if kind == QuestionKind.ORDERING:
        return isinstance(response, list) and sorted(response) == list(range(n))
    return False


def is_participant(session: Session, cq: ClassroomQuiz, user_id: int) -> bool:
    """A member of the session's class, or someone checked in at the session."""
    return bool(session.scalar(select(
        exists().where(ClassMember.user_id == user_id, ClassMember.class_id == TrainingSession.class_id,
                       TrainingSession.id == cq.session_id)
        | exists().where(Attendance.user_id == user_id, Attendance.session_id == cq.session_id))))


def participants(session: Session, cq: ClassroomQuiz) -> list[User]:
    """Members and attendees, by name, for the trainer's assisted answers (one query)."""
    meeting = select(TrainingSession.class_id).where(TrainingSession.id == cq.session_id).scalar_subquery()
    ids = union(select(ClassMember.user_id).where(ClassMember.class_id == meeting),
                select(Attendance.user_id).where(Attendance.session_id == cq.session_id))
    return list(session.scalars(select(User).where(User.id.in_(ids)).order_by(User.display_name, User.id)))


def answered_ids(session: Session, cq: ClassroomQuiz, position: int) -> set[int]:
    return set(session.scalars(select(ClassroomAnswer.user_id).where(
        ClassroomAnswer.classroom_id == cq.id, ClassroomAnswer.position == position)))


def answer(session: Session, cq: ClassroomQuiz, user: User, position: int, response: Any,
           assisted: bool = False, recorded_by: User | None = None) -> bool:
    """Record a learner's answer to the open question, once: True if recorded now, False if
    they had answered it already (the first answer counts). Raises ClassroomError."""
    if cq.phase == "ended":
        raise ClassroomError("ended")
    if position != cq.position:
        raise ClassroomError("old_question")
    if cq.phase != "open":
        raise ClassroomError("not_open")
    if not is_participant(session, cq, user.id):
        raise ClassroomError("not_participant")
    items = _questions(cq)
    if not 0 <= position < len(items):
        raise ClassroomError("ended")
    q = items[position]
    snap = quizzes.snapshot(q)
    if not _valid(q.kind, len(snap["choices"]), response):
        raise ClassroomError("invalid")
    if q.kind == QuestionKind.MULTIPLE:
        response = sorted(response)
    # Read the phase again just before writing: an answer sent while the trainer pressed
    # "show" is refused rather than counted behind the screen's back.
    still_open = session.scalar(select(ClassroomQuiz.id).where(
        ClassroomQuiz.id == cq.id, ClassroomQuiz.phase == "open", ClassroomQuiz.position == position))
    if still_open is None:
        raise ClassroomError("not_open")
    return insert_ignore(session, ClassroomAnswer, {
        "classroom_id": cq.id, "user_id": user.id, "position": position, "question_id": q.id,
        "response": response, "is_correct": scoring.is_correct(snap, response),
        "assisted": assisted, "recorded_by_id": recorded_by.id if recorded_by else None,
        "answered_at": utcnow(),
    })


def counts(session: Session, cq: ClassroomQuiz, position: int) -> Counts:
    """Answers per choice for one question, no names: one query (JSON responses are counted
    here, not grouped in SQL, which PostgreSQL's json type cannot compare)."""
    rows = session.execute(select(ClassroomAnswer.response, ClassroomAnswer.is_correct).where(
        ClassroomAnswer.classroom_id == cq.id, ClassroomAnswer.position == position)).all()
    items = _questions(cq)
    q = items[position] if 0 <= position < len(items) else None
    per: tuple[int, ...] = ()
    if q is not None and q.kind == QuestionKind.TRUE_FALSE:
        per = (sum(r is True for r, _ in rows), sum(r is False for r, _ in rows))
    elif q is not None and q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        tally = [0] * len(q.choices)
        for response, _ in rows:
            for index in (response if isinstance(response, list) else [response]):
                if isinstance(index, int) and 0 <= index < len(tally):
                    tally[index] += 1
        per = tuple(tally)
    return Counts(len(rows), per, sum(1 for _, right in rows if right))


def answered_count(session: Session, cq: ClassroomQuiz) -> int:
    return session.scalar(select(func.count(ClassroomAnswer.id)).where(
        ClassroomAnswer.classroom_id == cq.id, ClassroomAnswer.position == cq.position)) or 0


def learner_state(session: Session, code: str, user_id: int):
    """What a phone's poll needs, in one query: (id, version, phase, position, answered,
    participant), or None for an unknown code."""
    cq = ClassroomQuiz
    answered = exists().where(ClassroomAnswer.classroom_id == cq.id, ClassroomAnswer.user_id == user_id,
                              ClassroomAnswer.position == cq.position)
    member = exists().where(ClassMember.user_id == user_id, ClassMember.class_id == TrainingSession.class_id,
                            TrainingSession.id == cq.session_id)
    attended = exists().where(Attendance.user_id == user_id, Attendance.session_id == cq.session_id)
    if not code or len(code) > 32:
        return None
    return session.execute(select(cq.id, cq.version, cq.phase, cq.position, answered, member | attended)
                           .where(cq.code == code)).first()


def _move(session: Session, cq: ClassroomQuiz, version: int, phases: tuple[str, ...], **values) -> None:
    """Compare-and-set: change the quiz only if it is still at `version` and in `phases`."""
    result = session.execute(
        update(ClassroomQuiz)
        .where(ClassroomQuiz.id == cq.id, ClassroomQuiz.version == version, ClassroomQuiz.phase.in_(phases))
        .values(version=ClassroomQuiz.version + 1, **values)
        .execution_options(synchronize_session=False))
    session.refresh(cq)
    if result.rowcount != 1:
        raise ClassroomError("changed")


def show(session: Session, cq: ClassroomQuiz, version: int) -> None:
    """Stop taking answers to the current question and show its counts."""
    _move(session, cq, version, ("open",), phase="shown")


def next_question(session: Session, cq: ClassroomQuiz, version: int) -> None:
    """Go to the next question (open for answers)."""
    if cq.position + 1 >= len(_questions(cq)):
        raise ClassroomError("last")
    _move(session, cq, version, ("open", "shown"), position=cq.position + 1, phase="open")


def end(session: Session, cq: ClassroomQuiz, true_label: str = "true",
        false_label: str = "false") -> Ended:
    """End the quiz and record one attempt per participant from their answers (unanswered
    questions count wrong). Ending twice records once: the attempt token is
    classroom-<quiz>-<user>. A learner whose attempts are used up keeps the classroom answers
    only (the quiz's attempt limit is not bypassed)."""
    if cq.phase != "ended":
        session.execute(update(ClassroomQuiz).where(ClassroomQuiz.id == cq.id, ClassroomQuiz.phase != "ended")
                        .values(phase="ended", version=ClassroomQuiz.version + 1, ended_at=utcnow())
                        .execution_options(synchronize_session=False))
        session.refresh(cq)
    quiz = cq.quiz
    if quiz is None:
        return Ended(0, 0)
    answers: dict[int, dict[int, Any]] = {}
    assisted: set[int] = set()
    for user_id, question_id, response, was_assisted in session.execute(
        select(ClassroomAnswer.user_id, ClassroomAnswer.question_id, ClassroomAnswer.response,
               ClassroomAnswer.assisted)
        .where(ClassroomAnswer.classroom_id == cq.id).order_by(ClassroomAnswer.user_id)
    ):
        if question_id is not None:
            answers.setdefault(user_id, {})[question_id] = response
        if was_assisted:
            assisted.add(user_id)
    recorded = closed = 0
    for user_id, responses in answers.items():
        token = f"classroom-{cq.id}-{user_id}"
        try:
            try:
                attempt, created = quizzes.submit(session, user_id, quiz, token, responses,
                                                  true_label, false_label)
            except progress.NotEnrolled:
                # Checked in without being a member (or left the class): enrol, as joining does.
                progress.enrol(session, user_id, quiz.course)
                attempt, created = quizzes.submit(session, user_id, quiz, token, responses,
                                                  true_label, false_label)
        except quizzes.QuizClosed:
            closed += 1
            continue
        if created:
            attempt.mode = "assisted" if user_id in assisted else "classroom"
            session.flush()
            recorded += 1
    return Ended(recorded, closed)


def attempt_count(session: Session, cq: ClassroomQuiz) -> int:
    """Attempts recorded by end() (their tokens are classroom-<quiz>-<user>)."""
    return session.scalar(select(func.count(Attempt.id)).where(
        Attempt.token.like(f"classroom-{cq.id}-%"))) or 0
