"""lessons whose quiz was passed are recorded complete

A passed lesson quiz records its lesson complete when the quiz is submitted. This records the
same for passes from before that rule (once: a lesson already recorded is left alone), then
recounts every enrolment's cached progress. A course this completes gets its completion date
and certificate the next time the learner submits one of its quizzes.

Revision ID: 8d4f0b6c2e17
Revises: 7c8a7f55ee06
Create Date: 2026-12-07 16:58:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d4f0b6c2e17'
down_revision = '7c8a7f55ee06'
branch_labels = None
depends_on = None

result = sa.table("quiz_result", sa.column("user_id"), sa.column("quiz_id"), sa.column("course_id"),
                  sa.column("passed", sa.Boolean), sa.column("passed_at"), sa.column("last_attempt_at"))
quiz = sa.table("quiz", sa.column("id"), sa.column("lesson_id"), sa.column("course_id"))
lesson = sa.table("lesson", sa.column("id"), sa.column("course_id"), sa.column("title"))
completion = sa.table("lesson_completion", sa.column("id"), sa.column("user_id"), sa.column("lesson_id"),
                      sa.column("course_id"), sa.column("lesson_title"), sa.column("completed_at"))
enrollment = sa.table("enrollment", sa.column("user_id"), sa.column("course_id"), sa.column("items_done"),
                      sa.column("items_total"), sa.column("percent"))


def upgrade():
    already = sa.select(completion.c.id).where(completion.c.user_id == result.c.user_id,
                                               completion.c.lesson_id == lesson.c.id)
    rows = (
        sa.select(result.c.user_id, lesson.c.id, lesson.c.course_id, sa.func.substr(lesson.c.title, 1, 200),
                  sa.func.coalesce(result.c.passed_at, result.c.last_attempt_at, sa.func.current_timestamp()))
        .select_from(result.join(quiz, quiz.c.id == result.c.quiz_id).join(lesson, lesson.c.id == quiz.c.lesson_id))
        .where(result.c.passed.is_(True), ~already.exists())
    )
    op.execute(completion.insert().from_select(
        ["user_id", "lesson_id", "course_id", "lesson_title", "completed_at"], rows))

    lessons_done = (sa.select(sa.func.count(completion.c.id))
                    .where(completion.c.user_id == enrollment.c.user_id,
                           completion.c.lesson_id.in_(sa.select(lesson.c.id)
                                                      .where(lesson.c.course_id == enrollment.c.course_id)))
                    .scalar_subquery())
    quizzes_passed = (sa.select(sa.func.count())
                      .where(result.c.user_id == enrollment.c.user_id, result.c.course_id == enrollment.c.course_id,
                             result.c.quiz_id.is_not(None), result.c.passed.is_(True))
                      .scalar_subquery())
    op.execute(enrollment.update().values(items_done=lessons_done + quizzes_passed))
    op.execute(enrollment.update().values(percent=sa.case(
        (enrollment.c.items_total > 0, 100 * enrollment.c.items_done / enrollment.c.items_total), else_=0)))


def downgrade():
    pass  # the completions stay: they are what the learner did
