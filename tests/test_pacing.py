"""Backlog batches sized by time (issue 20, fresh first): `core.pacing.next_batch_size`."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tracker.core.pacing import next_batch_size, smallest_batch


@given(
    size=st.integers(1, 5000),
    seconds=st.floats(0, 1000, allow_nan=False),
    target=st.floats(0.01, 60, allow_nan=False),
    largest=st.integers(1, 5000),
)
def test_size_stays_between_one_and_largest_and_moves_at_most_twofold(
    size: int, seconds: float, target: float, largest: int
) -> None:
    got = next_batch_size(size, seconds, target, largest)
    assert smallest_batch(largest) <= got <= largest
    assert got <= max(smallest_batch(largest), size * 2)
    assert got >= min(largest, max(1, size // 2))


def test_slow_batches_shrink_toward_the_target_and_fast_ones_grow() -> None:
    assert next_batch_size(200, 4.0, 1.0, 200) == 100  # halved at most
    assert next_batch_size(100, 1.25, 1.0, 200) == 80
    assert next_batch_size(30, 0.5, 1.0, 200) == 60  # doubled at most
    assert next_batch_size(150, 0.1, 1.0, 200) == 200  # never above the configured batch


def test_batches_never_shrink_below_an_eighth_of_the_configured_size() -> None:
    assert next_batch_size(25, 30.0, 1.0, 200) == 25
    assert next_batch_size(1, 30.0, 1.0, 5) == 1


def test_target_zero_keeps_the_configured_size() -> None:
    assert next_batch_size(3, 100.0, 0.0, 200) == 200
