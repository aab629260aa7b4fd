"""theme labels: who wrote them, and the manager's edit

Revision ID: 0002_ux
Revises: 0002_queue
Create Date: 2026-12-01 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_ux"
down_revision = "0002_queue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing themes keep label_source NULL: their keyword labels are rewritten once by the next analysis.
    with op.batch_alter_table("themes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label_source", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("label_edited_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("label_edited_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("themes", schema=None) as batch_op:
        batch_op.drop_column("label_edited_at")
        batch_op.drop_column("label_edited_by")
        batch_op.drop_column("label_source")
