"""merge candidates by index: incidents(event_type, date_precision, event_date), place_key,
incident_tokens, shingle_ranks

Revision ID: 0011_candidates
Revises: 0009_analysts
Create Date: 2026-12-06 15:30:00

The merge step used to load every incident of a 40-day window into Python for each batch;
it now asks the database for the candidates of each new report (same act kind, a date
range per date-precision class, a box around the place, a shared syndication token) and
lets tracker.core.merge decide. Rows stored before this revision keep place_key NULL (never
filtered by place) and have no tokens until they are recomputed.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011_candidates"
down_revision = "0009_analysts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(
            sa.Column("place_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
    op.create_index(
        "ix_incidents_candidates", "incidents", ["event_type", "date_precision", "event_date"]
    )
    op.create_index("ix_incidents_kind_date", "incidents", ["event_type", "event_date"])
    op.create_table(
        "incident_tokens",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("incident_id", "token"),
    )
    op.create_index("ix_incident_tokens_token", "incident_tokens", ["token"])
    op.create_table(
        "shingle_ranks",
        sa.Column("token", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("rank", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("token"),
    )


def downgrade() -> None:
    op.drop_table("shingle_ranks")
    op.drop_index("ix_incident_tokens_token", table_name="incident_tokens")
    op.drop_table("incident_tokens")
    op.drop_index("ix_incidents_kind_date", table_name="incidents")
    op.drop_index("ix_incidents_candidates", table_name="incidents")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("place_key")
