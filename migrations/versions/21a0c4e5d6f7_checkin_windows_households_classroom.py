"""check-in windows, households, session photos and classroom quizzes

training_session gains its check-in window (opens_at/closes_at, filled for existing sessions
with 07:00–22:00 China time on their day), a late window with its reason, allow_join and screen_code_required;
attendance records who ticked it; users.mobile is no longer unique (households share a
phone) and users gain a PIN, the last four ID characters and the household category with
its own consent; attempt gains its mode (self, classroom or assisted); new tables
session_photo, classroom_quiz and classroom_answer.

Revision ID: 21a0c4e5d6f7
Revises: 0ff3c238bd94
Create Date: 2026-12-07 13:00:00

"""
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '21a0c4e5d6f7'
down_revision = '0ff3c238bd94'
branch_labels = None
depends_on = None


def _utc(day, at):
    return datetime.combine(day, at, ZoneInfo("Asia/Shanghai")).astimezone(UTC).replace(tzinfo=None)


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_mobile'), type_='unique')
        batch_op.create_index(batch_op.f('ix_users_mobile'), ['mobile'], unique=False)
        batch_op.add_column(sa.Column('pin_hash', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('id_last4', sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column('household_category', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('household_consent_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opens_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('closes_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('late_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('late_reason', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('allow_join', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('screen_code_required', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    sessions = sa.table('training_session', sa.column('id', sa.Integer), sa.column('held_on', sa.Date),
                        sa.column('opens_at', sa.DateTime), sa.column('closes_at', sa.DateTime))
    conn = op.get_bind()
    for session_id, held_on in conn.execute(sa.select(sessions.c.id, sessions.c.held_on)).all():
        conn.execute(sessions.update().where(sessions.c.id == session_id).values(
            opens_at=_utc(held_on, time(7)), closes_at=_utc(held_on, time(22))))
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.alter_column('opens_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column('closes_at', existing_type=sa.DateTime(), nullable=False)

    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_attendance_recorded_by_id_users'), 'users',
                                    ['recorded_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mode', sa.String(length=10), nullable=False,
                                      server_default='self'))

    op.create_table('session_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=80), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_session_photo_session_id_training_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_session_photo_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_photo')),
    sa.UniqueConstraint('file_name', name=op.f('uq_session_photo_file_name'))
    )
    with op.batch_alter_table('session_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_photo_session_id'), ['session_id'], unique=False)

    op.create_table('classroom_quiz',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['quiz_id'], ['quiz.id'], name=op.f('fk_classroom_quiz_quiz_id_quiz'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_classroom_quiz_session_id_training_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_classroom_quiz_started_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_classroom_quiz')),
    sa.UniqueConstraint('code', name=op.f('uq_classroom_quiz_code'))
    )
    with op.batch_alter_table('classroom_quiz', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_classroom_quiz_session_id'), ['session_id'], unique=False)

    op.create_table('classroom_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('classroom_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('is_correct', sa.Boolean(), nullable=False),
    sa.Column('assisted', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['classroom_id'], ['classroom_quiz.id'], name=op.f('fk_classroom_answer_classroom_id_classroom_quiz'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_classroom_answer_question_id_question'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_classroom_answer_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_classroom_answer_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_classroom_answer')),
    sa.UniqueConstraint('classroom_id', 'user_id', 'position', name=op.f('uq_classroom_answer_classroom_id_user_id_position'))
    )
    with op.batch_alter_table('classroom_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_classroom_answer_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('classroom_answer')
    op.drop_table('classroom_quiz')
    op.drop_table('session_photo')
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_column('mode')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attendance_recorded_by_id_users'), type_='foreignkey')
        batch_op.drop_column('recorded_by_id')
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.drop_column('screen_code_required')
        batch_op.drop_column('allow_join')
        batch_op.drop_column('late_reason')
        batch_op.drop_column('late_until')
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('household_consent_at')
        batch_op.drop_column('household_category')
        batch_op.drop_column('id_last4')
        batch_op.drop_column('pin_hash')
        batch_op.drop_index(batch_op.f('ix_users_mobile'))
        batch_op.create_unique_constraint(batch_op.f('uq_users_mobile'), ['mobile'])
