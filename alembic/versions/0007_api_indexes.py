"""api indexes: keyset pages of events by date (either way) and by last change

Revision ID: 0007_api
Revises: 0006
Create Date: 2026-12-06 12:35:00

The read API pages through events in the order asked (`-date` by default) and continues
after the last row's (sort key, id); with these indexes PostgreSQL reads each page as one
index range instead of sorting the whole table (see bench/api_bench.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_api"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite sorts NULL first and has no NULLS LAST in indexes: DESC alone puts them last.
    nulls_last = " NULLS LAST" if op.get_bind().dialect.name == "postgresql" else ""
    op.create_index(
        "ix_events_date_desc",
        "events",
        [sa.text(f"event_date DESC{nulls_last}"), sa.text("id DESC")],
    )
    op.create_index("ix_events_date_id", "events", ["event_date", "id"])
    op.create_index("ix_events_updated_id", "events", ["updated_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_events_updated_id", table_name="events")
    op.drop_index("ix_events_date_id", table_name="events")
    op.drop_index("ix_events_date_desc", table_name="events")
