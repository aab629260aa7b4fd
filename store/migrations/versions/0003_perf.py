"""perf: KPI rollups (kpi_days, kpi_contacts), their change log (kpi_dirty, filled by triggers), kpi_state

Revision ID: 0003_perf
Revises: 0002_privacy
Create Date: 2026-11-30 05:30:00

Backfills the rollups from the interactions already stored (store.kpi_rollup.rebuild), so `parcours migrate`
on an existing database leaves KPIs answered from rollups at once.
"""

from alembic import op
import sqlalchemy as sa


revision = '0003_perf'
down_revision = '0002_privacy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from core.settings import get_settings
    from store.kpi_rollup import rebuild, trigger_ddl

    op.create_table('kpi_days',
    sa.Column('pk', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant', sa.String(length=100), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('iso_week', sa.String(length=10), nullable=False),
    sa.Column('local_weekday', sa.Integer(), nullable=False),
    sa.Column('queue', sa.String(length=200), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('direction', sa.String(length=20), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=True),
    sa.Column('n_all', sa.Integer(), nullable=False),
    sa.Column('csat_n', sa.Integer(), nullable=False),
    sa.Column('csat_top2', sa.Integer(), nullable=False),
    sa.Column('csat_sum', sa.Integer(), nullable=False),
    sa.Column('csat_sumsq', sa.Integer(), nullable=False),
    sa.Column('queued_n', sa.Integer(), nullable=False),
    sa.Column('queued_abandoned', sa.Integer(), nullable=False),
    sa.Column('aht_n', sa.Integer(), nullable=False),
    sa.Column('eng_due', sa.Integer(), nullable=False),
    sa.Column('eng_due_ok', sa.Integer(), nullable=False),
    sa.Column('eng_due_late', sa.Integer(), nullable=False),
    sa.Column('eng_default', sa.Integer(), nullable=False),
    sa.Column('fcr_unknown', sa.Integer(), nullable=False),
    sa.Column('fcr_resolved_n', sa.Integer(), nullable=False),
    sa.Column('fcr_resolved_hits', sa.Integer(), nullable=False),
    sa.Column('fcr_repeat_n', sa.Integer(), nullable=False),
    sa.Column('fcr_by_theme', sa.Integer(), nullable=False),
    sa.Column('fcr_by_reason', sa.Integer(), nullable=False),
    sa.Column('fcr_by_any', sa.Integer(), nullable=False),
    sa.Column('rep_n', sa.Integer(), nullable=False),
    sa.Column('rep_hits', sa.Integer(), nullable=False),
    sa.Column('rep_without', sa.Integer(), nullable=False),
    sa.Column('aht_total', sa.Float(), nullable=False),
    sa.Column('aht_sumsq', sa.Float(), nullable=False),
    sa.Column('rt', sa.LargeBinary(), nullable=True),
    sa.Column('fr', sa.LargeBinary(), nullable=True),
    sa.Column('fcr_started', sa.LargeBinary(), nullable=True),
    sa.Column('eng_due_open', sa.LargeBinary(), nullable=True),
    sa.Column('eng_def_done', sa.LargeBinary(), nullable=True),
    sa.Column('eng_def_open', sa.LargeBinary(), nullable=True),
    sa.Column('att_fin', sa.LargeBinary(), nullable=True),
    sa.Column('att_code', sa.LargeBinary(), nullable=True),
    sa.Column('att_later', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('pk')
    )
    with op.batch_alter_table('kpi_days', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_days_tenant_date', ['tenant', 'local_date'], unique=False)
    op.create_table('kpi_contacts',
    sa.Column('pk', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('tenant', sa.String(length=100), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('fcr_repeat', sa.String(length=10), nullable=True),
    sa.Column('repeat_before', sa.Boolean(), nullable=False),
    sa.Column('att_return', sa.Boolean(), nullable=False),
    sa.Column('multi_day', sa.Boolean(), nullable=False),
    sa.Column('multi_week', sa.Boolean(), nullable=False),
    sa.Column('multi_month', sa.Boolean(), nullable=False),
    sa.Column('later_day', sa.BigInteger(), nullable=False),
    sa.Column('later_week', sa.BigInteger(), nullable=False),
    sa.Column('later_month', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('pk')
    )
    with op.batch_alter_table('kpi_contacts', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_contacts_tenant_date', ['tenant', 'local_date'], unique=False)
        batch_op.create_index('ix_kpi_contacts_multi_day', ['tenant', 'multi_day', 'local_date'], unique=False)
        batch_op.create_index('ix_kpi_contacts_multi_week', ['tenant', 'multi_week', 'local_date'], unique=False)
        batch_op.create_index('ix_kpi_contacts_multi_month', ['tenant', 'multi_month', 'local_date'], unique=False)
    op.create_table('kpi_dirty',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant', sa.String(length=100), nullable=True),
    sa.Column('local_date', sa.Date(), nullable=True),
    sa.Column('patient_ref', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('kpi_state',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    bind = op.get_bind()
    for statement in trigger_ddl(bind.dialect.name):
        op.execute(statement)
    rebuild(bind, get_settings())


def downgrade() -> None:
    from store.kpi_rollup import drop_trigger_ddl

    for statement in drop_trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('kpi_state')
    op.drop_table('kpi_dirty')
    with op.batch_alter_table('kpi_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_contacts_multi_month')
        batch_op.drop_index('ix_kpi_contacts_multi_week')
        batch_op.drop_index('ix_kpi_contacts_multi_day')
        batch_op.drop_index('ix_kpi_contacts_tenant_date')
    op.drop_table('kpi_contacts')
    with op.batch_alter_table('kpi_days', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_days_tenant_date')
    op.drop_table('kpi_days')
