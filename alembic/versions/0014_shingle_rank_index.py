"""shingle_ranks.rank indexed: the next rank (max + 1) without reading every shingle

Revision ID: 0014_rank_index
Revises: 0013_feed_digest
Create Date: 2026-12-06 23:50:00

`EventStore._write_tokens` gives new shingles the ranks after the highest stored one, once
per batch that brings new shingles; `max(rank)` over an unindexed column read the whole
table, which grows with every report ever stored.
"""

from __future__ import annotations

from alembic import op

revision = "0014_rank_index"
down_revision = "0013_feed_digest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_shingle_ranks_rank", "shingle_ranks", ["rank"])


def downgrade() -> None:
    op.drop_index("ix_shingle_ranks_rank", table_name="shingle_ranks")
