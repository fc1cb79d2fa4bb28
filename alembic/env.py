"""Alembic environment: the engine comes from the caller (tracker.adapters.storage.db), or
from TRACKER_DATABASE_URL / sqlite:///tracker.db when alembic is run by hand."""

from __future__ import annotations

import os

from alembic import context
from sqlmodel import SQLModel

import tracker.adapters.storage.models  # noqa: F401  (registers the tables)
from tracker.adapters.storage.db import create_db_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = create_db_engine(os.environ.get("TRACKER_DATABASE__URL", "sqlite:///tracker.db"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `tracker db upgrade`")
run_migrations_online()
