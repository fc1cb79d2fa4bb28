"""destinations name their channel and address

Revision ID: 0009
Revises: 0007_faults
Create Date: 2026-12-06 13:50:00.000000

A destination was a Telegram chat (`chat_id`). It now also says, channel-neutrally, which
channel it is on and where in that channel (`channel`, `address`; see tracker.core.channels).
Every stored destination is a Telegram chat, so each gets channel "telegram" and its chat id
in decimal as address; the one exception is the console's stand-in chat id 0, which becomes
channel "console". `chat_id` and the outbox rows are left as they are (Telegram delivery
still reads them), so nothing already sent or pending changes.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0007_faults"
branch_labels = None
depends_on = None

_destinations = sa.table(
    "alert_destinations",
    sa.column("chat_id", sa.BigInteger()),
    sa.column("channel", sa.String()),
    sa.column("address", sa.String()),
)


def upgrade() -> None:
    # Plain ADD COLUMN with a default and a unique index, never a batch rebuild: on SQLite a
    # rebuild drops the old table, and with foreign keys on that would delete every outbox
    # row and digest run of the destinations (ON DELETE CASCADE).
    op.add_column(
        "alert_destinations",
        sa.Column(
            "channel",
            sqlmodel.sql.sqltypes.AutoString(length=16),
            nullable=False,
            server_default="telegram",
        ),
    )
    op.add_column(
        "alert_destinations",
        sa.Column(
            "address",
            sqlmodel.sql.sqltypes.AutoString(length=2000),
            nullable=False,
            server_default="",
        ),
    )
    conn = op.get_bind()
    # The decimal text of the chat id, sign included, on both SQLite and PostgreSQL.
    conn.execute(
        sa.update(_destinations).values(
            channel=sa.case((_destinations.c.chat_id == 0, "console"), else_="telegram"),
            address=sa.cast(_destinations.c.chat_id, sa.String()),
        )
    )
    if conn.dialect.name != "sqlite":
        # The application always sets both; the defaults were only there to add the columns
        # (SQLite cannot drop a default without a rebuild, so there they stay, unused).
        op.alter_column("alert_destinations", "channel", server_default=None)
        op.alter_column("alert_destinations", "address", server_default=None)
    op.create_index(
        "uq_alert_destinations_channel_address",
        "alert_destinations",
        ["channel", "address"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_alert_destinations_channel_address", table_name="alert_destinations")
    # Native DROP COLUMN (SQLite 3.35+), not a rebuild, for the same reason as above.
    op.drop_column("alert_destinations", "address")
    op.drop_column("alert_destinations", "channel")
