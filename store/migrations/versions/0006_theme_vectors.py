"""theme vectors at ingestion: interactions.themed_hash marks whose theme vectors are cached

Revision ID: 0006_theme_vectors
Revises: 0005_term_counts
Create Date: 2026-12-06 08:00:00

`themed_hash` is the content_hash whose theme text (and gloss) vectors are in the embedding cache for the
theme model; NULL means not computed yet. A partial index on the NULL rows lets the job that computes them
(`analytics.theme_vectors.fill_theme_vectors`) find new interactions without reading the others. Existing
interactions start at NULL: the job's first run computes (or finds already cached) their vectors.
"""

from alembic import op
import sqlalchemy as sa


revision = '0006_theme_vectors'
down_revision = '0005_term_counts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no table copy): the KPI triggers on interactions stay, and it is instant at 1 M rows.
    op.add_column('interactions', sa.Column('themed_hash', sa.String(length=64), nullable=True))
    op.create_index(
        'ix_interactions_unthemed',
        'interactions',
        ['pk'],
        sqlite_where=sa.text('themed_hash IS NULL'),
        postgresql_where=sa.text('themed_hash IS NULL'),
    )


def downgrade() -> None:
    op.drop_index('ix_interactions_unthemed', table_name='interactions')
    op.drop_column('interactions', 'themed_hash')
