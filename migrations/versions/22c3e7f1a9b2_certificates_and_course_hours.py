"""certificates of completion and course hours

course gains hours (学时) and standard (its mapping to the national standard for 互联网营销师);
users gain certificate_full_name (show the whole name on the public check); new table
certificate, one per learner and course, with a snapshot of what it states and its revocation.

Revision ID: 22c3e7f1a9b2
Revises: 5b7e2c9d1a40
Create Date: 2026-12-07 13:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '22c3e7f1a9b2'
down_revision = '5b7e2c9d1a40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hours', sa.Numeric(precision=5, scale=1), nullable=True))
        batch_op.add_column(sa.Column('standard', sa.JSON(), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certificate_full_name', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('learner_name', sa.String(length=60), nullable=False),
    sa.Column('course_title', sa.String(length=200), nullable=False),
    sa.Column('course_language', sa.String(length=5), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('standard', sa.JSON(), nullable=True),
    sa.Column('centre_id', sa.Integer(), nullable=True),
    sa.Column('centre_name', sa.String(length=120), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=True),
    sa.Column('class_name', sa.String(length=120), nullable=False),
    sa.Column('trainer_name', sa.String(length=60), nullable=False),
    sa.Column('final_score', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_reason', sa.String(length=200), nullable=False),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_certificate_centre_id_centre'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['class_id'], ['training_class.id'], name=op.f('fk_certificate_class_id_training_class'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_certificate_course_id_course'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_certificate_revoked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_certificate_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('code', name=op.f('uq_certificate_code')),
    sa.UniqueConstraint('user_id', 'course_id', name=op.f('uq_certificate_user_id_course_id'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('certificate')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('certificate_full_name')
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_column('standard')
        batch_op.drop_column('hours')
