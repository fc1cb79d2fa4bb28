"""Backlog batch sizing (issue 20, fresh first): a fresh report that arrives while a backlog
batch is being classified waits for that batch to end, so what bounds its delay is the
batch's duration, not its item count. Merging a backlog item costs more as its events grow,
so a fixed count drifts into long batches; sizing each batch from the last one's seconds per
item keeps the wait near a target whatever the history."""

from __future__ import annotations

# Batches never shrink below this share of the configured size: each batch has fixed costs
# (a commit, the events recompute), and on a loaded machine one-item batches drained a
# 600-item backlog in minutes instead of seconds.
SMALLEST_SHARE = 8
# The background drain starts no batch while a poll pass is under way, for at most this
# long at a time (a pass of thousands of feeds must not stop the backlog for its duration).
POLL_PAUSE_SECONDS = 30.0
# On SQLite, the pause after each backlog batch: longer than the longest sleep of SQLite's
# busy handler (100 ms), so a writer waiting for the lock (an alert's delivery, a poll's
# claim) gets it between two batches.
WRITER_GAP_SECONDS = 0.15


def smallest_batch(largest: int) -> int:
    return max(1, largest // SMALLEST_SHARE)


def next_batch_size(size: int, seconds: float, target_seconds: float, largest: int) -> int:
    """The next batch's item count after `size` items took `seconds`: aimed at
    `target_seconds`, at most doubling or halving at a time (one slow batch, e.g. a pause
    of the machine, does not collapse the size), between `smallest_batch(largest)` and
    `largest`. A target of 0 turns sizing off (always `largest`)."""
    if target_seconds <= 0:
        return largest
    floor = smallest_batch(largest)
    if seconds <= 0:
        return min(largest, max(floor, size * 2))
    aimed = size * target_seconds / seconds
    bounded = min(size * 2.0, max(size / 2.0, aimed))
    return max(floor, min(largest, int(bounded)))
