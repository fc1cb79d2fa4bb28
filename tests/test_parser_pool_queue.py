"""The parser pool's deadline is a task's own: feeds queued behind busy workers do not time
out while they wait (issue 20: a 1,000-feed pass on two loaded workers killed the pool)."""

from __future__ import annotations

import asyncio
import time

from tracker.adapters.feeds.parse import ParserPool


async def _three_at_once(pool: ParserPool, seconds: float) -> list[object]:
    await pool.start()
    return list(await asyncio.gather(*(pool._run(time.sleep, seconds) for _ in range(3))))


def test_tasks_queued_behind_a_busy_worker_are_not_timed_out() -> None:
    # One worker, three tasks of 0.6 s each against a 1.5 s deadline: the third task would
    # be 1.8 s after its submission, but each task alone is well within the deadline.
    pool = ParserPool(workers=1, timeout_seconds=1.5)
    try:
        assert asyncio.run(_three_at_once(pool, 0.6)) == [None, None, None]
    finally:
        pool.close()


def test_a_task_over_its_own_deadline_still_times_out() -> None:
    pool = ParserPool(workers=1, timeout_seconds=0.5)
    try:
        asyncio.run(pool.start())
        try:
            asyncio.run(pool._run(time.sleep, 3))
        except Exception as exc:  # ParseTimeout
            assert "longer than 0.5 s" in str(exc)
        else:
            raise AssertionError("a 3 s task finished under a 0.5 s deadline")
    finally:
        pool.close()
