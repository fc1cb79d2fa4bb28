"""incident_tokens.sketch and .shingles, and a covering token index

Revision ID: 0015_token_sketch
Revises: 0014_rank_index
Create Date: 2026-12-07 00:50:00

A batch's syndication tokens matched tens of thousands of stored reports that share a
template phrase but cannot be copies (one weekday or number apart), and each match read its
incident before the merge rule dropped it. Every token row now carries its incident's copy
sketch and shingle count (tracker.core.candidates.copy_sketch), and the token index covers
them, so the database drops such matches from the index alone. Rows stored before keep NULL
(never filtered) until a recompute writes their tokens again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_token_sketch"
down_revision = "0014_rank_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident_tokens") as batch:
        batch.add_column(sa.Column("sketch", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("shingles", sa.Integer(), nullable=True))
    op.create_index(
        "ix_incident_tokens_covering",
        "incident_tokens",
        ["token", "shingles", "sketch", "incident_id"],
    )
    op.drop_index("ix_incident_tokens_token", table_name="incident_tokens")


def downgrade() -> None:
    op.create_index("ix_incident_tokens_token", "incident_tokens", ["token"])
    op.drop_index("ix_incident_tokens_covering", table_name="incident_tokens")
    with op.batch_alter_table("incident_tokens") as batch:
        batch.drop_column("shingles")
        batch.drop_column("sketch")
