"""Migrations build the same schema as the models, on SQLite and on PostgreSQL."""
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from training import create_app
from training.dbutil import dispose_engines
from training.extensions import db


def _fresh_database_url(tmp_path):
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path / 'migrated.sqlite3'}", None
    name = f"cunbo_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


@pytest.fixture
def migrated_app(tmp_path):
    url, drop = _fresh_database_url(tmp_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path),
                      "MEDIA_DIR": str(tmp_path / "media")})
    yield app
    with app.app_context():
        dispose_engines(db)
    if drop:
        drop()


def test_upgrade_matches_the_models_and_downgrades(migrated_app):
    """Does `db upgrade` on a fresh database give exactly the models' schema?"""
    with migrated_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == []
        downgrade(revision="base")
        with db.engine.connect() as conn:
            tables = db.inspect(conn).get_table_names()
        assert set(tables) <= {"alembic_version"}


def test_passes_from_before_the_rule_record_their_lessons(migrated_app):
    """A lesson quiz passed without the lesson marked read (before a pass recorded it) gets
    its lesson completion from the migration, once, and the enrolment is recounted."""
    from sqlalchemy import delete, select, update

    from training.models import Enrollment, LessonCompletion, QuizResult
    from training.services.learning import progress

    from .conftest import EXAMPLE_COURSE
    from .factories import Factory

    with migrated_app.app_context():
        upgrade()
        factory = Factory(migrated_app)
        learner = factory.user("learner")
        course = factory.import_course(EXAMPLE_COURSE)
        factory.enrol(learner, course)
        quiz = next(q for q in course.quizzes if q.lesson_id is not None)
        progress.complete_lesson(db.session, learner.id, quiz.lesson)
        db.session.add(QuizResult(user_id=learner.id, quiz_id=quiz.id, course_id=course.id, attempts=1,
                                  best_score=100, passed=True))
        db.session.commit()
        # As a release before the rule left it: the pass, but no completion of its lesson.
        db.session.execute(delete(LessonCompletion))
        db.session.execute(update(Enrollment).values(items_done=1, percent=0))
        db.session.commit()
        downgrade(revision="7c8a7f55ee06")
        upgrade()
        upgrade()
        completions = db.session.scalars(select(LessonCompletion.lesson_id)).all()
        enrollment = db.session.scalar(select(Enrollment))
        assert completions == [quiz.lesson_id]
        assert enrollment.items_done == 2
        assert enrollment.percent == 100 * 2 // enrollment.items_total


def test_overview_figures_counted_in_utc_days_are_recounted(migrated_app):
    """Daily figures grouped by UTC day (before the overview counted local days) are all
    recomputed by the next overview: the migration sets the refresh state back to never."""
    from datetime import datetime

    from sqlalchemy import select

    from training.models import DailyStat, StatsRefresh
    from training.services.reports import admin_overview

    from .factories import Factory

    with migrated_app.app_context():
        upgrade(revision="8d4f0b6c2e17")  # the release that counted UTC days (same tables)
        learner = Factory(migrated_app).user("learner")
        learner.created_at = datetime(2026, 3, 31, 23, 30)  # 07:30 on 1 April in China
        db.session.commit()
        admin_overview.rebuild_daily_stats(db.session, "UTC", now=datetime(2026, 4, 2))
        db.session.commit()
        upgrade()
        assert db.session.scalar(select(StatsRefresh.refreshed_at)) == admin_overview.NEVER
        admin_overview.ensure_daily_stats(db.session, 60, "Asia/Shanghai", now=datetime(2026, 4, 2))
        days = db.session.scalars(select(DailyStat.day).where(DailyStat.registered > 0)).all()
        assert days == [datetime(2026, 4, 1).date()]
