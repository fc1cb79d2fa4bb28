"""feeds.body_digest: the SHA-256 of the last feed body parsed and stored

Revision ID: 0013_feed_digest
Revises: 0012_traces
Create Date: 2026-12-06 20:50:00

A feed that answers 200 with the very bytes it sent last time (no validators, or validators
it ignores) is not parsed again: its entries were stored from those bytes already.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_feed_digest"
down_revision = "0012_traces"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("feeds", sa.Column("body_digest", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of `feeds` would drop the old table,
    # and with foreign keys on that deletes every item (ON DELETE CASCADE) and its reports.
    op.drop_column("feeds", "body_digest")
