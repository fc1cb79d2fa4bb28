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

`chat_id` becomes optional: a webhook or mailbox has no chat. Making a column nullable
rebuilds the table on SQLite, and dropping the old table there (foreign keys on) deletes the
rows that reference it (ON DELETE CASCADE): the outbox and the digest runs are copied aside
first, byte for byte, and put back after the rebuild.
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
    # Plain ADD COLUMN with a default (SQLite adds a NOT NULL column only with one).
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
    _make_chat_optional(conn)
    op.create_index(
        "uq_alert_destinations_channel_address",
        "alert_destinations",
        ["channel", "address"],
        unique=True,
    )


# The tables whose rows reference alert_destinations with ON DELETE CASCADE.
_CHILDREN = ("alert_outbox", "digest_runs")


def _make_chat_optional(conn: sa.Connection, optional: bool = True) -> None:
    """`chat_id` nullable (or not); on SQLite with the dependent rows kept across the
    rebuild."""
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        for table in _CHILDREN:
            conn.execute(sa.text(f"CREATE TEMP TABLE keep_{table} AS SELECT * FROM {table}"))
    with op.batch_alter_table("alert_destinations") as batch:
        batch.alter_column("chat_id", existing_type=sa.BigInteger(), nullable=optional)
    if sqlite:
        for table in _CHILDREN:
            conn.execute(sa.text(f"DELETE FROM {table}"))
            conn.execute(sa.text(f"INSERT INTO {table} SELECT * FROM keep_{table}"))
            conn.execute(sa.text(f"DROP TABLE keep_{table}"))


def downgrade() -> None:
    """Back to Telegram-only destinations: those without a chat (webhooks, mailboxes) and
    their outbox rows and digest runs have no place in the old schema and are deleted."""
    conn = op.get_bind()
    conn.execute(sa.text("DELETE FROM alert_destinations WHERE chat_id IS NULL"))
    op.drop_index("uq_alert_destinations_channel_address", table_name="alert_destinations")
    # Native DROP COLUMN (SQLite 3.35+), then one rebuild for NOT NULL with the rows kept.
    op.drop_column("alert_destinations", "address")
    op.drop_column("alert_destinations", "channel")
    _make_chat_optional(conn, optional=False)
