"""merge traces: incidents.merge_traced, merge_traces(incident_id, event_id)

Revision ID: 0012_traces
Revises: 0011_candidates
Create Date: 2026-12-06 18:00:00

Each report keeps the events it was eligible for when clustering placed it, so a new report
that joins an event is checked against what changed, not against the whole event again
(tracker.core.increment). Rows stored before this revision have no trace: the first
recompute that reaches them clusters their neighbourhood again and writes one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_traces"
down_revision = "0011_candidates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no table copy on SQLite): NOT NULL with a constant default.
    op.add_column(
        "incidents",
        sa.Column("merge_traced", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "merge_traces",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("incident_id", "event_id"),
    )
    op.create_index("ix_merge_traces_event", "merge_traces", ["event_id"])


def downgrade() -> None:
    op.drop_index("ix_merge_traces_event", table_name="merge_traces")
    op.drop_table("merge_traces")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("merge_traced")
