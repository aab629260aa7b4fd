"""theme texts stored by the theme-vector job: interactions.theme_text

Revision ID: 0007_theme_texts
Revises: 0006_theme_vectors
Create Date: 2026-12-06 10:30:00

`theme_text` is the interaction's theme text (the topic sentences of its redacted patient side, else its
redacted text: `analytics.theme_text.theme_text`) as the theme-vector job computed it for `themed_hash`; the
analysis reads it instead of computing it again for every interaction of its window. It lives on the row, so
an erasure or a retention purge deletes it with the interaction. Existing interactions are marked to be
visited again (`themed_hash` NULL): the job's next run stores their theme text (their vectors are already
cached: nothing is encoded again). Until then the analysis computes their text as before.
"""

from alembic import op
import sqlalchemy as sa


revision = '0007_theme_texts'
down_revision = '0006_theme_vectors'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no table copy): the KPI triggers on interactions stay.
    op.add_column('interactions', sa.Column('theme_text', sa.Text(), nullable=True))
    op.execute("UPDATE interactions SET themed_hash = NULL WHERE themed_hash IS NOT NULL")


def downgrade() -> None:
    op.drop_column('interactions', 'theme_text')
