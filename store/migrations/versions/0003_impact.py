"""impact: the targets of adopted actions (segment, metrics, start), to measure what they changed

Revision ID: 0003_impact
Revises: 0002_privacy
Create Date: 2026-11-30 06:00:00

Additive only: actions adopted before this revision have no target; moving them to done records one.
"""

from alembic import op
import sqlalchemy as sa


revision = '0003_impact'
down_revision = '0003_perf'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('action_targets',
    sa.Column('pk', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('action_id', sa.String(length=40), nullable=False),
    sa.Column('tenant', sa.String(length=100), nullable=False),
    sa.Column('friction_id', sa.String(length=40), nullable=False),
    sa.Column('segment', sa.JSON(), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('before_start', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pk'),
    sa.UniqueConstraint('action_id', 'friction_id', name='uq_action_targets_friction')
    )
    with op.batch_alter_table('action_targets', schema=None) as batch_op:
        batch_op.create_index('ix_action_targets_tenant', ['tenant'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_targets_action_id'), ['action_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('action_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_targets_action_id'))
        batch_op.drop_index('ix_action_targets_tenant')
    op.drop_table('action_targets')
