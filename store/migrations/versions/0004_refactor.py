"""refactor: the report history of an analysis, computed once and kept with it

Revision ID: 0004_refactor
Revises: 0003_impact
Create Date: 2026-12-05 23:30:00

Additive only: analyses stored before this revision get their history at their report's first view.
"""

from alembic import op
import sqlalchemy as sa


revision = '0004_refactor'
down_revision = '0003_impact'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('analyses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('history', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('analyses', schema=None) as batch_op:
        batch_op.drop_column('history')
