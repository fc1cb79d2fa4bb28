"""Leases in the database: one instance at a time does a named job (see models.Lease).

Taking a lease is one conditional UPDATE (or an INSERT the first time), so two instances
racing for it on PostgreSQL or SQLite cannot both win: the loser's statement matches no row
or hits the primary key.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from tracker.adapters.storage.models import Lease

EXPIRED = datetime(1970, 1, 1, tzinfo=UTC)


class LeaseStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def acquire(
        self, name: str, holder: str, now: datetime, seconds: float
    ) -> tuple[bool, int | None]:
        """Take or renew the lease `name` until now + seconds.

        Returns (held, cursor): held is False while another holder's lease runs; the cursor
        is the progress the last holder saved.
        """
        until = now + timedelta(seconds=seconds)
        with Session(self.engine) as session:
            taken = session.execute(
                update(Lease)
                .where(
                    col(Lease.name) == name,
                    or_(col(Lease.holder) == holder, col(Lease.expires_at) <= now),
                )
                .values(holder=holder, expires_at=until)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                session.commit()
                cursor = session.execute(
                    select(col(Lease.cursor)).where(col(Lease.name) == name)
                ).scalar_one()
                return True, cursor
            if session.get(Lease, name) is not None:
                return False, None
            session.add(Lease(name=name, holder=holder, expires_at=until))
            try:
                session.commit()
            except IntegrityError:  # another instance created it first
                session.rollback()
                return False, None
            return True, None

    def save_cursor(self, name: str, holder: str, cursor: int) -> bool:
        """Record progress; False if the lease has passed to someone else meanwhile."""
        with Session(self.engine) as session:
            saved = session.execute(
                update(Lease)
                .where(col(Lease.name) == name, col(Lease.holder) == holder)
                .values(cursor=cursor)
            )
            session.commit()
            return bool(saved.rowcount == 1)  # type: ignore[attr-defined]

    def release(self, name: str, holder: str) -> None:
        """Let another instance take over at once (on a clean shutdown)."""
        with Session(self.engine) as session:
            session.execute(
                update(Lease)
                .where(col(Lease.name) == name, col(Lease.holder) == holder)
                .values(expires_at=EXPIRED)
            )
            session.commit()

    def get(self, name: str) -> Lease | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.get(Lease, name)
