"""Reads that only tests need, straight from the tables (production classes carry no
test-only methods)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from tracker.adapters.storage.events import ACTIVE
from tracker.adapters.storage.models import EventRow, IncidentRow, Item, OutboxRow


def count_items(engine: Engine) -> int:
    """How many items are stored."""
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(Item)).scalar_one())


def count_active_events(engine: Engine) -> int:
    """How many merged events are active (not merged into another, not gone)."""
    with Session(engine) as session:
        query = select(func.count()).where(col(EventRow.status) == ACTIVE)
        return int(session.execute(query).scalar_one())


def incidents_of_item(engine: Engine, item_id: int) -> list[IncidentRow]:
    """The incident rows read from one item, in their order."""
    with Session(engine, expire_on_commit=False) as session:
        query = (
            select(IncidentRow)
            .where(col(IncidentRow.item_id) == item_id)
            .order_by(col(IncidentRow.seq))
        )
        return list(session.execute(query).scalars())


def outbox_rows(engine: Engine) -> list[OutboxRow]:
    """Every outbox row, oldest first."""
    with Session(engine, expire_on_commit=False) as session:
        return list(session.execute(select(OutboxRow).order_by(col(OutboxRow.id))).scalars())
