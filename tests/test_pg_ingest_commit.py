"""Ingest writes on PostgreSQL commit without waiting for the disk (database.ingest_synchronous_commit).

Only the ingest transactions (items stored, feeds' fetch state, classifications) run with
``synchronous_commit = off``; the setting is ``SET LOCAL``, so it never leaks into the pooled
connection's later transactions (analysts' reviews, alert delivery), and ``True`` keeps
every commit synchronous. What each transaction commits is unchanged.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, text

from tracker.adapters.storage import db
from tracker.adapters.storage.feeds import FeedSpec, FeedStore
from tracker.core.feeds import FeedSuccess, NewItem

pytestmark = pytest.mark.postgres

NOW = datetime(2021, 6, 1, 9, tzinfo=UTC)


def _item(key: str) -> NewItem:
    return NewItem(
        entry_key=key, guid=key, url=f"https://news.example/{key}", title=f"title {key}",
        summary=f"text {key}", text=f"text {key}",
        content_hash=hashlib.sha256(key.encode()).hexdigest(), language="en",
        published_at=NOW, published_source="published", first_seen_at=NOW,
        alert_eligible=True,
    )


def _ingest(url: str, synchronous: bool) -> tuple[list[str], list[int], str]:
    """Run the three ingest writes; returns the synchronous_commit each transaction held at
    its COMMIT, the stored item ids, and what a later plain transaction on the pool holds."""
    engine = db.create_db_engine(url)
    db.upgrade(engine)
    store = FeedStore(engine, synchronous_ingest=synchronous)
    store.sync_feeds([FeedSpec("https://feed.example/rss", "feed")], NOW)
    (feed,) = store.list_feeds()
    assert feed.id is not None
    seen: list[str] = []

    def at_commit(conn: Any) -> None:
        seen.append(str(conn.exec_driver_sql("SHOW synchronous_commit").scalar_one()))

    event.listen(engine, "commit", at_commit)
    try:
        ids = store.store_items(feed.id, [_item("a"), _item("b")])
        store.record_successes([FeedSuccess(feed.id, NOW, 200, '"v1"', None, NOW, True, "d")])
        store.save_classifications([(i, []) for i in ids], NOW)
    finally:
        event.remove(engine, "commit", at_commit)
    with engine.connect() as conn:
        later = str(conn.execute(text("SHOW synchronous_commit")).scalar_one())
        stored = conn.execute(
            text("SELECT count(*) FROM items WHERE classified_at IS NOT NULL")
        ).scalar_one()
        etag = conn.execute(text("SELECT etag FROM feeds")).scalar_one()
    engine.dispose()
    assert (stored, etag) == (2, '"v1"')  # committed all the same
    return seen, ids, later


def test_ingest_transactions_commit_asynchronously_and_nothing_else(postgres_url: str) -> None:
    seen, ids, later = _ingest(postgres_url, synchronous=False)
    assert len(ids) == 2
    assert seen == ["off", "off", "off"]  # store_items, record_successes, save_classifications
    assert later == "on"  # SET LOCAL: the pooled connection is back to the server's default


def test_synchronous_ingest_keeps_every_commit_synchronous(postgres_url: str) -> None:
    seen, _, later = _ingest(postgres_url, synchronous=True)
    assert seen == ["on", "on", "on"]
    assert later == "on"


def test_the_setting_reaches_the_app_and_defaults_to_asynchronous(tmp_path: Any) -> None:
    from tracker.app import App
    from tracker.settings import Settings

    for value, expected in ((None, False), (True, True)):
        database: dict[str, Any] = {"url": f"sqlite:///{tmp_path}/t{value}.db"}
        if value is not None:
            database["ingest_synchronous_commit"] = value
        app = App(Settings(database=database, web={"enabled": False}))
        assert app.repo.synchronous_ingest is expected
        app.engine.dispose()
