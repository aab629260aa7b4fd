"""privacy: erasure audit trail, privacy state (pseudonym key fingerprint), ingest_errors.ext_id index

Revision ID: 0002_privacy
Revises: 0002_ux
Create Date: 2026-11-30 12:00:00

Additive only. Interactions stored before this revision keep their patient_ref and agent_ref as sent until
the first process that holds the pseudonym key opens the store: `store.pseudonyms` then replaces them by
their keyed hash once (the key is not available to migrations).
"""

from alembic import op
import sqlalchemy as sa


revision = '0002_privacy'
down_revision = '0002_ux'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('privacy_state',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('erasures',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('tenant', sa.String(length=100), nullable=True),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=True),
    sa.Column('requested_by', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('interactions', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('erasures', schema=None) as batch_op:
        batch_op.create_index('ix_erasures_tenant_requested', ['tenant', 'requested_at'], unique=False)
    with op.batch_alter_table('ingest_errors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ingest_errors_ext_id'), ['ext_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ingest_errors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ingest_errors_ext_id'))
    with op.batch_alter_table('erasures', schema=None) as batch_op:
        batch_op.drop_index('ix_erasures_tenant_requested')
    op.drop_table('erasures')
    op.drop_table('privacy_state')
