"""alerts follow events

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 11:30:00.000000

Released schema 0004 kept alerts on their own incidents (`alert_incidents`, linked to reports
through `alert_reports`), with the outbox and the analysts' decisions on those. From here on
alerts follow the merged events: the outbox is keyed on `events.id`, decisions live on
`events`, and digests are recorded per period in `digest_runs` (the per-destination
`next_digest_at` and the outbox's `digest` rows are gone).

How old rows find their event. An alert incident's reports are (item_id, seq) pairs in
`alert_reports`; the same pair is unique in `incidents`, whose `event_id` (added by 0004) names
the event the report now belongs to. So an alert incident maps to every event that holds one of
its reports, and its *primary* event is the one holding most of them (the lowest id on a tie).

- A review decision is copied onto every event the alert incident maps to; when decisions of
  several alert incidents land on one event, the most recent one (`reviewed_at`) wins.
- An immediate outbox row that was sent moves to the primary event only (one message, one
  event), keeping status, chat id, message ids, content hash and sent_at. It is flagged for
  an edit, so the message is re-rendered from the event: the old text and review buttons carry
  the alert incident's id, which means nothing (or another event) from now on. Editing sends no
  new message. Rows not sent (pending, dead, skipped) carry no message and go to every mapped
  event, so no part of an alert still due is lost.
- When several old rows end up on one (event, destination, kind), one is kept: sent before
  pending before dead before skipped, then the earliest sent, then the oldest row. A row kept
  as pending for an event that is no longer active, or that an analyst dismissed, becomes
  skipped, as the application does for such events.

Dropped because they cannot be carried: rows whose alert incident maps to no event (its
reports were reclassified away, or were never grouped into an event); `digest` outbox rows
(digests are now whole periods in `digest_runs`, not one line per incident, and nothing reads
those rows any more); `alert_destinations.next_digest_at` (the digest schedule is global now).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

import tracker.adapters.storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_UTC = tracker.adapters.storage.types.UTCDateTime

# The 0004 tables the data step reads, described here rather than imported from the models
# (which describe the newest schema, not this one).
_alert_incidents = sa.table(
    "alert_incidents",
    sa.column("id", sa.Integer()),
    sa.column("review_status", sa.String()),
    sa.column("reviewed_by", sa.String()),
    sa.column("reviewed_at", _UTC()),
)
_alert_reports = sa.table(
    "alert_reports",
    sa.column("item_id", sa.Integer()),
    sa.column("seq", sa.Integer()),
    sa.column("incident_id", sa.Integer()),
)
_incidents = sa.table(
    "incidents",
    sa.column("id", sa.Integer()),
    sa.column("item_id", sa.Integer()),
    sa.column("seq", sa.Integer()),
    sa.column("event_id", sa.Integer()),
)
_events = sa.table(
    "events",
    sa.column("id", sa.Integer()),
    sa.column("status", sa.String()),
    sa.column("review_status", sa.String()),
    sa.column("reviewed_by", sa.String()),
    sa.column("reviewed_at", _UTC()),
)
_OUTBOX_COLUMNS = (
    sa.column("id", sa.Integer()),
    sa.column("destination_id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("status", sa.String()),
    sa.column("attempts", sa.Integer()),
    sa.column("next_attempt_at", _UTC()),
    sa.column("edit_pending", sa.Boolean()),
    sa.column("chat_id", sa.BigInteger()),
    sa.column("message_ids", sa.JSON()),
    sa.column("content_hash", sa.String()),
    sa.column("plain", sa.Boolean()),
    sa.column("last_error", sa.Text()),
    sa.column("created_at", _UTC()),
    sa.column("sent_at", _UTC()),
)
_old_outbox = sa.table("alert_outbox", sa.column("incident_id", sa.Integer()), *_OUTBOX_COLUMNS)

_STATUS_RANK = {"sent": 0, "pending": 1, "dead": 2, "skipped": 3}
_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


def _event_links(conn: sa.Connection) -> dict[int, list[int]]:
    """Alert incident id -> the events holding its reports, primary event first."""
    counts = conn.execute(
        sa.select(
            _alert_reports.c.incident_id,
            _incidents.c.event_id,
            sa.func.count().label("reports"),
        )
        .select_from(
            _alert_reports.join(
                _incidents,
                sa.and_(
                    _incidents.c.item_id == _alert_reports.c.item_id,
                    _incidents.c.seq == _alert_reports.c.seq,
                ),
            )
        )
        .where(_incidents.c.event_id.is_not(None))
        .group_by(_alert_reports.c.incident_id, _incidents.c.event_id)
    ).all()
    ranked: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for alert_id, event_id, reports in counts:
        ranked[int(alert_id)].append((-int(reports), int(event_id)))
    return {alert_id: [e for _, e in sorted(pairs)] for alert_id, pairs in ranked.items()}


def _copy_decisions(conn: sa.Connection, links: dict[int, list[int]]) -> dict[int, str]:
    """Put each analyst's decision on the events; returns event id -> review status."""
    decided = conn.execute(
        sa.select(
            _alert_incidents.c.id,
            _alert_incidents.c.review_status,
            _alert_incidents.c.reviewed_by,
            _alert_incidents.c.reviewed_at,
        ).where(_alert_incidents.c.review_status.is_not(None))
    ).all()
    chosen: dict[int, tuple[tuple[datetime, int], dict[str, Any]]] = {}
    for alert_id, status, by, at in decided:
        # Decisions of alert incidents whose reports are in no event have nowhere to go.
        for event_id in links.get(int(alert_id), []):
            rank = (at or datetime.min.replace(tzinfo=UTC), int(alert_id))
            if event_id not in chosen or rank > chosen[event_id][0]:
                values = {"review_status": status, "reviewed_by": by, "reviewed_at": at}
                chosen[event_id] = (rank, values)
    if chosen:
        conn.execute(
            sa.update(_events)
            .where(_events.c.id == sa.bindparam("target_event"))
            .values(
                review_status=sa.bindparam("decision"),
                reviewed_by=sa.bindparam("decided_by"),
                reviewed_at=sa.bindparam("decided_at", type_=_UTC()),
            ),
            [
                {
                    "target_event": event_id,
                    "decision": values["review_status"],
                    "decided_by": values["reviewed_by"],
                    "decided_at": values["reviewed_at"],
                }
                for event_id, (_, values) in chosen.items()
            ],
        )
    return {event_id: str(values["review_status"]) for event_id, (_, values) in chosen.items()}


def _carried_outbox(
    conn: sa.Connection, links: dict[int, list[int]], decisions: dict[int, str], now: datetime
) -> list[dict[str, Any]]:
    """The old immediate outbox rows rewritten onto events, at most one per new key."""
    old_rows = conn.execute(
        sa.select(_old_outbox).where(_old_outbox.c.kind == "immediate").order_by(_old_outbox.c.id)
    ).mappings()
    best: dict[tuple[int, int, str], dict[str, Any]] = {}

    def preference(row: dict[str, Any]) -> tuple[int, datetime, int]:
        return (_STATUS_RANK.get(row["status"], 9), row["sent_at"] or _FAR_FUTURE, row["id"])

    for mapping in old_rows:
        old = dict(mapping)
        events = links.get(int(old["incident_id"]), [])
        # No event, no key: such a row is dropped (see the module docstring).
        targets = events[:1] if old["status"] == "sent" else events
        for event_id in targets:
            key = (event_id, int(old["destination_id"]), str(old["kind"]))
            if key not in best or preference(old) < preference(best[key]):
                best[key] = old
    statuses = dict(conn.execute(sa.select(_events.c.id, _events.c.status)).all())
    carried = []
    for (event_id, _dest, _kind), kept in sorted(best.items(), key=lambda kv: kv[1]["id"]):
        row = {k: v for k, v in kept.items() if k not in ("id", "incident_id")}
        row["event_id"] = event_id
        row["message_ids"] = list(row["message_ids"] or [])
        if row["status"] == "sent":
            # Re-render the message from the event (new id, new review buttons); an edit.
            row["edit_pending"] = True
            row["next_attempt_at"] = now
        elif row["status"] == "pending":
            if decisions.get(event_id) == "dismissed":
                row["status"], row["last_error"] = "skipped", "dismissed by an analyst"
            elif statuses.get(event_id) != "active":
                row["status"] = "skipped"
                row["last_error"] = "merged into another incident before sending"
        carried.append(row)
    return carried


def upgrade() -> None:
    conn = op.get_bind()
    now = datetime.now(UTC)

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("review_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )
        batch_op.add_column(
            sa.Column("reviewed_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "reviewed_at",
                tracker.adapters.storage.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )

    links = _event_links(conn)
    decisions = _copy_decisions(conn, links)
    carried = _carried_outbox(conn, links, decisions, now)

    # The old outbox goes first: alert_destinations is rebuilt below on SQLite (dropping a
    # column), and with foreign keys on, dropping a parent table deletes its children's rows
    # (ON DELETE CASCADE). Nothing may reference alert_destinations at that point.
    with op.batch_alter_table("alert_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_outbox_due")
        batch_op.drop_index(batch_op.f("ix_alert_outbox_destination_id"))
    op.drop_table("alert_outbox")

    with op.batch_alter_table("alert_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_reports_incident_id"))
    op.drop_table("alert_reports")
    with op.batch_alter_table("alert_incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_incidents_type_date")
    op.drop_table("alert_incidents")

    with op.batch_alter_table("alert_destinations", schema=None) as batch_op:
        batch_op.drop_column("next_digest_at")

    outbox = op.create_table(
        "alert_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("destination_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at",
            tracker.adapters.storage.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("edit_pending", sa.Boolean(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_ids", sa.JSON(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("plain", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at", tracker.adapters.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "sent_at", tracker.adapters.storage.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(["destination_id"], ["alert_destinations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "destination_id", "kind", name="uq_alert_outbox_key"),
    )
    with op.batch_alter_table("alert_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_outbox_destination_id"), ["destination_id"], unique=False
        )
        batch_op.create_index("ix_alert_outbox_due", ["status", "next_attempt_at"], unique=False)
    if carried:
        op.bulk_insert(outbox, carried)

    op.create_table(
        "digest_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("destination_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_ids", sa.JSON(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at", tracker.adapters.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "sent_at", tracker.adapters.storage.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(["destination_id"], ["alert_destinations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "period_kind", "period_start", "destination_id", name="uq_digest_runs_period_dest"
        ),
    )


def downgrade() -> None:
    """Back to the 0004 structure. Structure only: the event-keyed outbox, the decisions on
    events and the digest runs are dropped, not turned back into alert incidents (the old
    tables come back empty, and `next_digest_at` comes back NULL)."""
    conn = op.get_bind()

    op.drop_table("digest_runs")
    with op.batch_alter_table("alert_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_outbox_due")
        batch_op.drop_index(batch_op.f("ix_alert_outbox_destination_id"))
    op.drop_table("alert_outbox")

    with op.batch_alter_table("alert_destinations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "next_digest_at",
                tracker.adapters.storage.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )

    op.create_table(
        "alert_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("place_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("review_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("reviewed_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column(
            "reviewed_at", tracker.adapters.storage.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "created_at", tracker.adapters.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("alert_incidents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alert_incidents_type_date", ["event_type", "event_date"], unique=False
        )

    op.create_table(
        "alert_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("destination_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at",
            tracker.adapters.storage.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("edit_pending", sa.Boolean(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_ids", sa.JSON(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("plain", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at", tracker.adapters.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "sent_at", tracker.adapters.storage.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(["destination_id"], ["alert_destinations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["incident_id"], ["alert_incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "destination_id", "kind", name="uq_alert_outbox_key"),
    )
    with op.batch_alter_table("alert_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_outbox_destination_id"), ["destination_id"], unique=False
        )
        batch_op.create_index("ix_alert_outbox_due", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "alert_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["alert_incidents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "seq", name="uq_alert_reports_item_seq"),
    )
    with op.batch_alter_table("alert_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_reports_incident_id"), ["incident_id"], unique=False
        )

    # On SQLite dropping columns rebuilds `events`, and dropping the old table (foreign keys
    # on) runs its ON DELETE SET NULL on incidents.event_id. Those links are 0004 data, so
    # they are noted first and put back.
    links = conn.execute(
        sa.select(_incidents.c.id, _incidents.c.event_id).where(_incidents.c.event_id.is_not(None))
    ).all()
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewed_by")
        batch_op.drop_column("review_status")
    if links:
        conn.execute(
            sa.update(_incidents)
            .where(_incidents.c.id == sa.bindparam("incident_id"))
            .values(event_id=sa.bindparam("linked_event")),
            [{"incident_id": i, "linked_event": e} for i, e in links],
        )
