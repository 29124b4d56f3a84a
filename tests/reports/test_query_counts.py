"""Every report page runs the same number of queries with 10 learners as with 200."""
from datetime import timedelta

import pytest

from training.extensions import db
from training.models import (
    Attendance, ClassMember, Enrollment, QuizResult, TrainingSession, User, utcnow,
)

from ..conftest import EXAMPLE_COURSE
from ..factories import Factory
from ..helpers import statements_run
from .conftest import add_attempt, add_class


def _add_learners(n: int, start: int, centre_id: int, class_id: int, session_id: int, course):
    """n learners in the class, each enrolled, with a quiz result, an attempt and a check-in."""
    now = utcnow()
    quiz = course.lessons[0].quiz
    question = quiz.questions[0].id
    users = [User(mobile=f"139{start + i:08d}", display_name=f"L{start + i}", password_hash="!",
                  role="learner", centre_id=centre_id) for i in range(n)]
    db.session.add_all(users)
    db.session.flush()
    for i, user in enumerate(users):
        db.session.add_all([
            ClassMember(class_id=class_id, user_id=user.id),
            Enrollment(user_id=user.id, course_id=course.id, items_done=i % 6, items_total=5,
                       percent=min(100, 20 * (i % 6)), last_active_at=now - timedelta(days=i % 40),
                       completed_at=now if i % 6 == 5 else None),
            QuizResult(user_id=user.id, quiz_id=quiz.id, course_id=course.id, attempts=1,
                       best_score=(37 * i) % 101, passed=i % 2 == 0),
            Attendance(session_id=session_id, user_id=user.id),
        ])
        add_attempt(user, quiz, 1, [(question, f"wrong {i % 3}", i % 4 == 0)], now)
    db.session.commit()


@pytest.fixture
def counted(make_app):
    """An app whose responses report how many queries they ran (X-Queries)."""
    app = make_app(REPORTS_STATS_MAX_AGE=0)  # the overview refreshes its figures every time

    @app.after_request
    def count(response):
        response.headers["X-Queries"] = str(len(statements_run()))
        return response

    return app


def test_query_count_does_not_grow_with_learners(counted):
    """Class, course and overview pages and their downloads: 10 learners cost as much as 200."""
    with counted.app_context():
        factory = Factory(counted)
        trainer = factory.user("trainer", centre="Centre A")
        admin = factory.user("admin")
        course = factory.import_course(EXAMPLE_COURSE)
        klass = add_class(trainer.centre_id, course)
        session = TrainingSession(class_id=klass.id, held_on=utcnow().date(), checkin_code="q1",
                                  opens_at=utcnow(), closes_at=utcnow())
        db.session.add(session)
        db.session.commit()
        ids = (trainer.centre_id, klass.id, session.id, course.id)
        urls = [
            (trainer, "/reports/"),
            (trainer, f"/reports/classes/{klass.id}"),
            (trainer, f"/reports/classes/{klass.id}/export.csv"),
            (trainer, f"/reports/classes/{klass.id}/export.xlsx?table=items"),
            (trainer, f"/reports/courses/{course.id}"),
            (admin, f"/reports/courses/{course.id}"),
            (admin, f"/reports/courses/{course.id}/export.csv"),
            (admin, f"/reports/?centre={trainer.centre_id}"),
            (admin, "/reports/overview"),
            (admin, "/reports/overview/export.csv?table=months"),
        ]

        def measure() -> list[int]:
            counts = []
            for user, url in urls:
                response = counted.test_client(user=user).get(url)
                assert response.status_code == 200, url
                counts.append(int(response.headers["X-Queries"]))
            return counts

        centre_id, class_id, session_id, course_id = ids
        _add_learners(10, 0, centre_id, class_id, session_id, course)
        small = measure()
        _add_learners(190, 10, centre_id, class_id, session_id, course)
        large = measure()
    assert large == small
    assert max(small) <= 20
