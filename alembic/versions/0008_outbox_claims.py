"""outbox claims carry their instance, and attempts are recorded before sending

Revision ID: 0007_faults
Revises: 0007_api
Create Date: 2026-12-06 12:30:00.000000

`claimed_by` names the instance holding an in-flight row (its heartbeat is the
`instance:<id>` lease), so a live instance can take over a dead one's claims without waiting
for the claim to run out; `attempt_at` marks a send under way, so an outcome that was never
recorded is known to be unknown instead of silently resent.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import tracker.adapters.storage.types

revision = "0007_faults"
down_revision = "0007_api"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_outbox") as batch:
        batch.add_column(
            sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch.add_column(
            sa.Column(
                "attempt_at",
                tracker.adapters.storage.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_outbox") as batch:
        batch.drop_column("attempt_at")
        batch.drop_column("claimed_by")
