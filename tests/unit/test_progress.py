"""Progress rules, run on real rows but without any request."""
from sqlalchemy import func, select

from training.extensions import db
from training.models import LessonCompletion, QuizResult
from training.services.learning import progress, quizzes

from ..helpers import answer_form
from .test_course_files import _MultiDict


def submit(user, quiz, correct=True):
    form = answer_form(quiz, correct)
    responses, errors = quizzes.parse_responses(list(quiz.questions), _MultiDict(form))
    assert not errors
    attempt, _ = quizzes.submit(db.session, user.id, quiz, form["attempt_token"], responses)
    db.session.commit()
    return attempt


def test_course_percent_rounds_down():
    """Is 100% reserved for a complete course?"""
    assert progress.course_percent(6, 7) == 85
    assert progress.course_percent(0, 0) == 0
    assert progress.course_percent(7, 7) == 100


def test_percent_counts_lessons_and_passed_quizzes(factory, learner, example_course):
    """percent = required items done / required items (lessons done + quizzes passed)."""
    factory.enrol(learner, example_course)
    first = example_course.lessons[0]
    progress.complete_lesson(db.session, learner.id, first)
    db.session.commit()
    state = progress.load_state(db.session, learner.id, example_course)
    assert (state.done, state.total, state.percent) == (1, 5, 20)
    submit(learner, first.quiz, correct=False)  # a failed quiz counts nothing
    state = progress.load_state(db.session, learner.id, example_course)
    assert state.done == 1 and state.enrollment.percent == 20
    submit(learner, first.quiz)
    state = progress.load_state(db.session, learner.id, example_course)
    assert (state.done, state.percent, state.enrollment.percent) == (2, 40, 40)


def test_next_step_follows_course_order(factory, learner, example_course):
    """Is the next step lesson 1, its quiz, lesson 2, its quiz, then the final exam?"""
    factory.enrol(learner, example_course)
    seen = []
    for _ in range(5):
        step = progress.load_state(db.session, learner.id, example_course).next_step
        seen.append((step.kind, step.lesson.key if step.lesson else None, step.quiz.is_final if step.quiz else None))
        if step.kind == "lesson":
            progress.complete_lesson(db.session, learner.id, step.lesson)
            db.session.commit()
        else:
            submit(learner, step.quiz)
    assert seen == [("lesson", "kit", None), ("quiz", "kit", False), ("lesson", "rehearsal", None),
                    ("quiz", "rehearsal", False), ("quiz", None, True)]
    assert progress.load_state(db.session, learner.id, example_course).next_step is None


def test_completion_is_recorded_once(factory, learner, example_course):
    """Is the completion time set on reaching 100% and never moved afterwards?"""
    enrollment = factory.enrol(learner, example_course)
    for lesson in example_course.lessons:
        progress.complete_lesson(db.session, learner.id, lesson)
        submit(learner, lesson.quiz)
    assert enrollment.completed_at is None
    submit(learner, example_course.final_exam)
    db.session.refresh(enrollment)
    first_time = enrollment.completed_at
    assert first_time is not None and enrollment.percent == 100
    submit(learner, example_course.final_exam)  # passing again changes nothing
    progress.complete_lesson(db.session, learner.id, example_course.lessons[0])
    db.session.commit()
    db.session.refresh(enrollment)
    assert enrollment.completed_at == first_time


def test_completing_twice_records_once(factory, learner, example_course):
    factory.enrol(learner, example_course)
    lesson = example_course.lessons[0]
    assert progress.complete_lesson(db.session, learner.id, lesson) is True
    assert progress.complete_lesson(db.session, learner.id, lesson) is False
    db.session.commit()
    assert db.session.scalar(select(func.count(LessonCompletion.id))) == 1


def test_best_score_is_kept(factory, learner, example_course):
    """Does a worse later attempt leave the best score and the pass in place?"""
    factory.enrol(learner, example_course)
    quiz = example_course.lessons[0].quiz
    submit(learner, quiz, correct=True)
    submit(learner, quiz, correct=False)
    result = db.session.scalar(select(QuizResult).where(QuizResult.quiz_id == quiz.id))
    assert (result.best_score, result.passed, result.attempts) == (100, True, 2)


def test_refresh_course_recounts_every_enrolment(factory, learner, example_course):
    """After the course changes shape, are cached totals of all enrolments recounted?"""
    factory.enrol(learner, example_course)
    progress.complete_lesson(db.session, learner.id, example_course.lessons[0])
    db.session.commit()
    example_course.quizzes.remove(example_course.final_exam)
    db.session.flush()
    progress.refresh_course(db.session, example_course.id)
    db.session.commit()
    enrollment = progress.get_enrollment(db.session, learner.id, example_course.id)
    db.session.refresh(enrollment)
    assert (enrollment.items_done, enrollment.items_total, enrollment.percent) == (1, 4, 25)


def test_fingerprints_change_with_progress_only(factory, example_course):
    """Do two learners at the same point have the same fingerprint, and not after one moves on?"""
    first, second = factory.user(), factory.user()
    for user in (first, second):
        factory.enrol(user, example_course)
    assert progress.load_state(db.session, first.id, example_course).fingerprint() == \
        progress.load_state(db.session, second.id, example_course).fingerprint()

    progress.complete_lesson(db.session, first.id, example_course.lessons[0])
    db.session.commit()
    moved = progress.load_state(db.session, first.id, example_course)
    assert moved.fingerprint() != progress.load_state(db.session, second.id, example_course).fingerprint()
