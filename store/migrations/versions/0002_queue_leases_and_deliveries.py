"""queue: analysis leases (worker, heartbeat, attempts), one active run per period, deliveries

Revision ID: 0002_queue
Revises: 0002_hardening_sessions
Create Date: 2026-11-30 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0002_queue"
down_revision = "0002_hardening_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analyses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worker_id", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("active_key", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("trigger", sa.String(length=20), nullable=True))
        batch_op.create_unique_constraint("uq_analyses_active_key", ["active_key"])
    # Runs left pending or running before leases existed have no live worker any more: the next start of
    # `parcours serve` or `parcours worker` resumes them from their checkpoint.
    op.execute(
        "UPDATE analyses SET worker_id = 'before-leases' WHERE status IN ('pending', 'running')"
    )

    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("analysis_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("analysis_id", "channel", "event", "target", name="uq_deliveries_once"),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_analysis_id", ["analysis_id"], unique=False)
        batch_op.create_index("ix_deliveries_tenant_created", ["tenant", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_tenant_created")
        batch_op.drop_index("ix_deliveries_analysis_id")
    op.drop_table("deliveries")
    with op.batch_alter_table("analyses", schema=None) as batch_op:
        batch_op.drop_constraint("uq_analyses_active_key", type_="unique")
        batch_op.drop_column("trigger")
        batch_op.drop_column("active_key")
        batch_op.drop_column("attempts")
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("worker_id")
