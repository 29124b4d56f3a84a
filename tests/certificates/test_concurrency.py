"""Exactly one certificate when two requests complete the same course at the same moment: two
threads, each with its own app context, database session and connection, released together.

Runs on the suite's database: SQLite by default, PostgreSQL when TEST_DATABASE_URL is set (as
in CI's second pass). On PostgreSQL the enrolment row lock and the unique constraint on
(user_id, course_id) decide; on SQLite writers wait for each other (busy timeout)."""
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from training.extensions import db
from training.models import Certificate, Enrollment, Lesson, utcnow
from training.services.learning import certificates, progress

from ..unit.test_progress import submit


def at_once(app, work, n: int = 2) -> list:
    """Run work() in n threads, each in its own app context (own session), started together."""
    barrier = threading.Barrier(n)

    def run(_):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                result = work()
                db.session.commit()
                return result
            finally:
                db.session.remove()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def count_certificates(user_id: int) -> int:
    return db.session.scalar(select(func.count(Certificate.id)).where(Certificate.user_id == user_id))


def test_two_taps_on_the_last_lesson_issue_one_certificate(app, factory, learner, example_course):
    """Everything done but the last lesson; two requests complete it at once: one certificate."""
    *first, last = example_course.lessons
    # A passed lesson quiz completes its lesson: the last lesson has no quiz here, so it is
    # the one step left.
    db.session.delete(last.quiz)
    db.session.commit()
    factory.enrol(learner, example_course)
    for lesson in first:
        progress.complete_lesson(db.session, learner.id, lesson)
        submit(learner, lesson.quiz)
    submit(learner, example_course.final_exam)
    db.session.commit()
    assert count_certificates(learner.id) == 0
    user_id, lesson_id = learner.id, last.id

    results = at_once(app, lambda: progress.complete_lesson(
        db.session, user_id, db.session.get(Lesson, lesson_id)))

    assert sorted(results) == [False, True]
    db.session.expire_all()
    assert count_certificates(user_id) == 1
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == user_id))
    assert enrollment.completed_at is not None


def test_issuing_twice_at_once_keeps_one(app, factory, learner, example_course):
    """Two sessions issue for the same completed enrolment at the same moment (no lock at all):
    the unique constraint keeps one, and the other is told it already exists."""
    enrollment = factory.enrol(learner, example_course)
    enrollment.completed_at = utcnow()
    db.session.commit()
    user_id, enrollment_id = learner.id, enrollment.id

    for _ in range(3):
        results = at_once(app, lambda: certificates.issue(
            db.session, db.session.get(Enrollment, enrollment_id)), n=4)
        assert results.count(True) <= 1
    db.session.expire_all()
    assert count_certificates(user_id) == 1
