"""term counts: how many of a tenant's turns hold each word or word prefix, for the full-text search

Revision ID: 0005_term_counts
Revises: 0004_refactor
Create Date: 2026-12-06 05:00:00

Backfills the counts from the turns already stored (store.lexical.rebuild_term_counts), so searches on an
existing database weigh their words from this table at once.
"""

from alembic import op
import sqlalchemy as sa


revision = '0005_term_counts'
down_revision = '0004_refactor'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from store.lexical import rebuild_term_counts

    op.create_table('term_counts',
    sa.Column('tenant', sa.String(length=100), nullable=False),
    sa.Column('term', sa.String(length=16), nullable=False),
    sa.Column('turns', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'term')
    )
    rebuild_term_counts(op.get_bind())


def downgrade() -> None:
    op.drop_table('term_counts')
