"""the admin overview's daily figures are counted in local days

The overview's daily figures were grouped by UTC day. They are now grouped by calendar day in
the configured zone (China time by default), so every day is recounted: the refresh state goes
back to "never", and the next overview (or `flask reports refresh`) recomputes them all.

Revision ID: 9e1d3a7b5c20
Revises: 8d4f0b6c2e17
Create Date: 2026-12-07 19:20:00

"""
from datetime import datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9e1d3a7b5c20'
down_revision = '8d4f0b6c2e17'
branch_labels = None
depends_on = None

refresh = sa.table("report_refresh", sa.column("id"), sa.column("refreshed_at"))
NEVER = datetime(2000, 1, 1)  # admin_overview.NEVER


def upgrade():
    op.execute(refresh.update().values(refreshed_at=NEVER))


def downgrade():
    # UTC days are recounted the same way by the code of that release.
    op.execute(refresh.update().values(refreshed_at=NEVER))
