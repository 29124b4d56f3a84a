"""recordings, glossary, sequential courses, password resets

recording maps a trainer's voice recording (course media) to a lesson section or a question;
course gains sequential, position (its place in the catalogue within its level) and glossary;
centre gains phone (whom a learner who forgot their password calls); password_reset holds a
reset by SMS waiting for its one-time code.

Revision ID: 7c8a7f55ee06
Revises: 22c3e7f1a9b2
Create Date: 2026-12-07 13:38:17.353950

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c8a7f55ee06'
down_revision = '22c3e7f1a9b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('password_reset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('mobile', sa.String(length=11), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=True),
    sa.Column('code_sent_at', sa.DateTime(), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_password_reset_token_digest'))
    )
    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_created_at'), ['created_at'], unique=False)

    op.create_table('recording',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=True),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('section', sa.String(length=100), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.Column('media_id', sa.Integer(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_recording_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_recording_lesson_id_lesson'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['media_id'], ['course_media.id'], name=op.f('fk_recording_media_id_course_media'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_recording_question_id_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recording'))
    )
    with op.batch_alter_table('recording', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recording_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recording_lesson_id'), ['lesson_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recording_question_id'), ['question_id'], unique=False)

    with op.batch_alter_table('centre', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=30), server_default='', nullable=False))

    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequential', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('position', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('glossary', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))



def downgrade():
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_column('glossary')
        batch_op.drop_column('position')
        batch_op.drop_column('sequential')

    with op.batch_alter_table('centre', schema=None) as batch_op:
        batch_op.drop_column('phone')

    with op.batch_alter_table('recording', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recording_question_id'))
        batch_op.drop_index(batch_op.f('ix_recording_lesson_id'))
        batch_op.drop_index(batch_op.f('ix_recording_course_id'))

    op.drop_table('recording')
    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_created_at'))

    op.drop_table('password_reset')
