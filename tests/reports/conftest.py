"""A small hand-computed province for the report tests.

Centre A runs class K (course: the example course) with learners Ann, Bo and Cai; Dan is a
learner of centre B (Fred's centre) in no class. Dates are relative to NOW:

| learner | enrolled   | items done | completed   | last active | final best | lesson-1 quiz best |
|---------|------------|------------|-------------|-------------|------------|--------------------|
| Ann (A) | NOW-10 d   | all        | NOW-7 d     | NOW-7 d     | 90 passed  | 70 passed          |
| Bo  (A) | NOW-10 d   | 1          |             | NOW-20 d    |            | 40 failed, 2 tries |
| Cai (A) | NOW-40 d   | 0          |             | NOW-40 d    |            |                    |
| Dan (B) | NOW-10 d   | all        | at NOW      | NOW         | 100 passed |                    |

Item analysis, first question of the lesson-1 quiz: Ann right once, Bo "B" twice, Cai "C"
once; Dan (not in the class) "C" three times. "Last active" is the last quiz submitted (the
class report's measure) and the enrolment's last_active_at. Sessions of class K: 5 days ago Ann and Bo
checked in, 3 days ago Ann: 3 person-times.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from training.extensions import db
from training.models import (
    Attempt, AttemptAnswer, Attendance, ClassMember, Course, Enrollment, Quiz, QuizResult,
    TrainingClass, TrainingSession, User, utcnow,
)


@dataclass
class Province:
    now: datetime
    course: Course
    training_class: TrainingClass
    ann: User
    bo: User
    cai: User
    dan: User
    final: Quiz
    quiz1: Quiz
    question_id: int


def add_class(centre_id: int, course: Course, name: str = "Class K", code: str = "K1") -> TrainingClass:
    training_class = TrainingClass(centre_id=centre_id, name=name, code=code)
    training_class.courses.append(course)
    db.session.add(training_class)
    db.session.flush()
    return training_class


def add_attempt(user: User, quiz: Quiz, number: int, answers: list[tuple[int, str, bool]],
                at: datetime) -> Attempt:
    """An attempt with the given (question id, answer text, right?) answers."""
    right = sum(ok for _q, _t, ok in answers)
    attempt = Attempt(
        token=f"t-{user.id}-{quiz.id}-{number}", user_id=user.id, quiz_id=quiz.id,
        course_id=quiz.course_id, number=number, quiz_title=quiz.title, pass_mark=quiz.pass_mark,
        score=100 * right // len(answers), correct_count=right, question_count=len(answers),
        passed=right == len(answers), submitted_at=at,
    )
    db.session.add(attempt)
    db.session.flush()
    for position, (question_id, text, ok) in enumerate(answers):
        db.session.add(AttemptAnswer(attempt_id=attempt.id, question_id=question_id,
                                     position=position, snapshot={}, response=text,
                                     response_text=text, is_correct=ok))
    return attempt


@pytest.fixture
def province(factory, trainer, other_centre_trainer, example_course) -> Province:
    now = utcnow()
    course = example_course
    final = course.final_exam
    quiz1 = course.lessons[0].quiz
    question_id = quiz1.questions[0].id
    total = len(course.lessons) + len(course.quizzes)
    ann = factory.user("learner", centre="Centre A", display_name="Ann", mobile="13812345678")
    bo = factory.user("learner", centre="Centre A", display_name="Bo")
    cai = factory.user("learner", centre="Centre A", display_name="Cai")
    dan = factory.user("learner", centre="Centre B", display_name="Dan")
    klass = add_class(trainer.centre_id, course)
    for learner in (ann, bo, cai):
        db.session.add(ClassMember(class_id=klass.id, user_id=learner.id))

    def enrol(user, enrolled, done, completed, last):
        db.session.add(Enrollment(user_id=user.id, course_id=course.id, enrolled_at=enrolled,
                                  items_done=done, items_total=total,
                                  percent=100 * done // total, completed_at=completed,
                                  last_active_at=last))

    enrol(ann, now - timedelta(days=10), total, now - timedelta(days=7), now - timedelta(days=7))
    enrol(bo, now - timedelta(days=10), 1, None, now - timedelta(days=20))
    enrol(cai, now - timedelta(days=40), 0, None, now - timedelta(days=40))
    enrol(dan, now - timedelta(days=10), total, now, now)

    def result(user, quiz, best, passed, attempts=1):
        db.session.add(QuizResult(user_id=user.id, quiz_id=quiz.id, course_id=course.id,
                                  attempts=attempts, best_score=best, passed=passed))

    result(ann, final, 90, True)
    result(ann, quiz1, 70, True)
    result(bo, quiz1, 40, False, attempts=2)
    result(dan, final, 100, True)

    # Each member's last quiz is their last learning ("last active" above); Dan's is 8 days ago.
    add_attempt(ann, quiz1, 1, [(question_id, "A", True)], now - timedelta(days=7))
    add_attempt(bo, quiz1, 1, [(question_id, "B", False)], now - timedelta(days=21))
    add_attempt(bo, quiz1, 2, [(question_id, "B", False)], now - timedelta(days=20))
    add_attempt(cai, quiz1, 1, [(question_id, "C", False)], now - timedelta(days=40))
    for n in range(3):
        add_attempt(dan, quiz1, n + 1, [(question_id, "C", False)], now - timedelta(days=8))

    for days, people, code in ((5, (ann, bo), "s1"), (3, (ann,), "s2")):
        session = TrainingSession(class_id=klass.id, held_on=(now - timedelta(days=days)).date(),
                                  checkin_code=code, opens_at=now, closes_at=now)
        db.session.add(session)
        db.session.flush()
        for person in people:
            db.session.add(Attendance(session_id=session.id, user_id=person.id))
    db.session.commit()
    return Province(now, course, klass, ann, bo, cai, dan, final, quiz1, question_id)
