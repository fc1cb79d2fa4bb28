"""The parser pool starts its workers with the first task, and replaces a worker after
`max_tasks_per_child` tasks (polling.parser_max_tasks_per_child)."""

from __future__ import annotations

import asyncio

from tracker.adapters.feeds.parse import ParserPool

RSS = (
    b"<rss version='2.0'><channel><title>t</title>"
    b"<item><title>one</title><link>http://127.0.0.1/1</link></item></channel></rss>"
)


async def _parse_and_watch(pool: ParserPool, times: int) -> tuple[list[str], set[int]]:
    titles: list[str] = []
    pids: set[int] = set()
    for _ in range(times):
        parsed = await pool.parse_feed(RSS, {}, "http://127.0.0.1/feed", 10)
        titles += [e.title for e in parsed.entries]
        assert pool._pool is not None
        pids.update(pool._pool._processes)  # type: ignore[attr-defined]
    return titles, pids


def test_workers_start_with_the_first_task() -> None:
    pool = ParserPool(workers=1, timeout_seconds=20)
    try:
        assert not pool.started
        titles, pids = asyncio.run(_parse_and_watch(pool, 1))
        assert pool.started
        assert titles == ["one"]
        assert len(pids) == 1
    finally:
        pool.close()


def test_a_worker_is_replaced_after_its_tasks() -> None:
    pool = ParserPool(workers=1, timeout_seconds=20, max_tasks_per_child=2)
    try:
        titles, pids = asyncio.run(_parse_and_watch(pool, 6))
    finally:
        pool.close()
    assert titles == ["one"] * 6
    assert len(pids) >= 3  # the warm-up and five parses, two tasks a worker


def test_without_a_limit_one_worker_does_every_task() -> None:
    pool = ParserPool(workers=1, timeout_seconds=20)
    try:
        titles, pids = asyncio.run(_parse_and_watch(pool, 4))
    finally:
        pool.close()
    assert titles == ["one"] * 4
    assert len(pids) == 1
