"""course content_version, moved by every change to a course's content

Revision ID: b5c2d8e1f0a3
Revises: 4e868b6b04b2
Create Date: 2026-11-28 23:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5c2d8e1f0a3'
down_revision = '4e868b6b04b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_column('content_version')
