"""Pre-aggregated figures for the admin overview.

A cache rebuilt from the source tables by services.reports (recent days on demand, every day
by `flask reports refresh`), never the source of truth; readers sum its rows.
"""
from datetime import date, datetime

from sqlalchemy import Date, Index
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .progress import Enrollment, QuizResult
from .users import User


class DailyStat(db.Model):
    __tablename__ = "report_daily_stat"
    __table_args__ = (Index("ix_report_daily_stat_course_day", "course_id", "day", "centre_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    centre_id: Mapped[int] = mapped_column(default=0)  # 0: learners without a centre
    course_id: Mapped[int] = mapped_column(default=0)  # 0: figures not about one course
    registered: Mapped[int] = mapped_column(default=0)
    enrolments: Mapped[int] = mapped_column(default=0)
    completions: Mapped[int] = mapped_column(default=0)
    person_times: Mapped[int] = mapped_column(default=0)


class StatsRefresh(db.Model):
    """One row (id 1): when the daily figures were last brought up to date."""

    __tablename__ = "report_refresh"

    id: Mapped[int] = mapped_column(primary_key=True)
    refreshed_at: Mapped[datetime]


# Indexes the reports need on other features' tables, kept here with the reports that use
# them: the daily refresh reads recent rows by time, the overview finds recently active learners.
Index("ix_enrollment_enrolled_at", Enrollment.enrolled_at)
Index("ix_enrollment_completed_at", Enrollment.completed_at)
Index("ix_enrollment_last_active_user", Enrollment.last_active_at, Enrollment.user_id)
Index("ix_users_created_at", User.created_at)
# Course report: quiz score bands read from the index alone.
Index("ix_quiz_result_course_scores", QuizResult.course_id, QuizResult.quiz_id,
      QuizResult.best_score, QuizResult.attempts, QuizResult.passed)
