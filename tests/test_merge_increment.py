"""Adding reports to stored events (tracker.core.increment) gives what clustering every report
at once gives: the same events and the same traces, or an honest "unsettled" (the caller then
clusters the neighbourhood again)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.core import increment
from tracker.core.incident import ActorRole, Incident, Location
from tracker.core.merge import Report, cluster_traced

GOV = ActorRole("Syrian government forces", "government", "attacker")
HTS = ActorRole("Hayat Tahrir al-Sham", "opposition", "attacker")
PLACES = [
    Location("Ariha", "Idlib", 35.8126, 36.6106, 1),
    Location("Ariha-east", "Idlib", 35.8126, 36.68, 1),  # ~6 km east
    Location("Saraqib", "Idlib", 35.8647, 36.8063, 1),  # ~18 km
    Location("Ariha", "Idlib", 35.81, 36.61, 2),
    Location("Sarmin", "Idlib", 35.90, 36.72, 2),
    Location("Idlib governorate", "Idlib", 35.93, 36.63, 4),
    Location("Jabal al-Zawiya", "Idlib", 35.72, 36.55, 5),
    None,
]
KINDS = [
    ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Explosions/Remote violence", "Air/drone strike"),
]
EVIDENCE = [
    "Government forces shelled the town of Ariha on Monday, killing two civilians.",
    "Government forces shelled the town of Ariha on Monday, killing two civilians today.",
    "Artillery fire hit Ariha in southern Idlib; two people died, rescuers said.",
    "Warplanes struck the area at dawn.",
]


@st.composite
def reports(draw: Any, prefix: str, size: int) -> list[Report]:
    """Reports crowded into a few days and places, so that events grow, chain and tie."""
    out = []
    for i in range(draw(st.integers(0, size))):
        kind, sub = draw(st.sampled_from(KINDS))
        day = date(2021, 6, 7) + timedelta(days=draw(st.integers(0, 2)))
        incident = Incident(
            violation=True,
            event_type=kind,
            sub_event_type=sub,
            date=draw(st.sampled_from([day, day, day, None])),
            date_precision=draw(st.sampled_from([1, 1, 1, 2, 3, 4])),
            location=draw(st.sampled_from(PLACES)),
            fatalities=draw(st.sampled_from([None, 1, 2, 4])),
            fatalities_low=None,
            fatalities_high=None,
            injured=None,
            actors=draw(st.sampled_from([(GOV,), (GOV,), (HTS,), ()])),
            confidence=0.5,
            evidence=(draw(st.sampled_from(EVIDENCE)),),
        )
        key = f"{prefix}{i:02d}-{draw(st.integers(0, 99)):02d}"
        out.append(
            Report(
                key=key,
                incident=incident,
                origin=draw(st.sampled_from([key, key, f"item-{prefix}"])),
                url=f"https://{key}.example/a",
                title=draw(st.sampled_from(["", "Shelling on Ariha", "Strikes in Idlib"])),
                content_hash=draw(st.sampled_from([None, None, "h1", "h2"])),
            )
        )
    return out


def _stored(everything: Sequence[Report]) -> dict[int, list[increment.Stored]]:
    """What storage keeps after clustering ``everything``: events numbered 1.. with each
    report's trace (as event numbers)."""
    clusters, traces = cluster_traced(everything)
    return {
        n + 1: [
            increment.Stored(r, n + 1, frozenset(i + 1 for i in traces[r.key]))
            for r in members
        ]
        for n, members in enumerate(clusters)
    }


def _apply(
    stored: dict[int, list[increment.Stored]], ext: increment.Extension
) -> tuple[set[frozenset[str]], dict[str, frozenset[frozenset[str]]]]:
    """The events after the extension (as sets of keys) and each report's trace (as the
    events it names, each a set of keys)."""
    events: dict[int, set[str]] = {b: {s.report.key for s in ms} for b, ms in stored.items()}
    for key, block in ext.placed.items():
        events.setdefault(block, set()).add(key)
    for block, members in ext.grown.items():
        assert {r.key for r in members} == events[block]
    traces = {s.report.key: s.trace for ms in stored.values() for s in ms}
    traces.update(ext.traces)
    as_keys = {b: frozenset(keys) for b, keys in events.items()}
    return set(as_keys.values()), {k: frozenset(as_keys[b] for b in t) for k, t in traces.items()}


def _plain(everything: Sequence[Report]) -> tuple[set[frozenset[str]], dict[str, Any]]:
    clusters, traces = cluster_traced(everything)
    as_keys = [frozenset(r.key for r in c) for c in clusters]
    return set(as_keys), {k: frozenset(as_keys[i] for i in t) for k, t in traces.items()}


@settings(max_examples=300, deadline=None)
@given(old=reports("o", 14), new=reports("n", 5))
def test_adding_reports_equals_clustering_everything(
    old: list[Report], new: list[Report]
) -> None:
    stored = _stored(old)
    ext = increment.extend(stored, new)
    if isinstance(ext, increment.Unsettled):
        return  # the caller clusters the neighbourhood again: the plain definition itself
    assert isinstance(ext, increment.Extension)  # every event was given: nothing missing
    assert _apply(stored, ext) == _plain([*old, *new])


@settings(max_examples=150, deadline=None)
@given(old=reports("o", 14), batches=st.lists(reports("n", 4), min_size=1, max_size=4))
def test_batch_after_batch_equals_clustering_everything(
    old: list[Report], batches: list[list[Report]]
) -> None:
    """Stored state written by the extension (not by a full clustering) stays exact."""
    everything = list(old)
    stored = _stored(old)
    for n, batch in enumerate(batches):
        batch = [r for r in batch if all(r.key != o.key for o in everything)]
        ext = increment.extend(stored, batch)
        everything += batch
        if isinstance(ext, increment.Unsettled):
            stored = _stored(everything)
            continue
        assert isinstance(ext, increment.Extension)
        events, traces = _apply(stored, ext)
        assert (events, traces) == _plain(everything)
        # Store the result the way the adapter does: new events get fresh numbers.
        fresh = {b: 1000 * (n + 1) - b for b in set(ext.placed.values()) if b < 0}
        block_of = {s.report.key: s.block for ms in stored.values() for s in ms}
        block_of.update({k: fresh.get(b, b) for k, b in ext.placed.items()})
        trace_of = {s.report.key: s.trace for ms in stored.values() for s in ms}
        trace_of.update(
            {k: frozenset(fresh.get(b, b) for b in t) for k, t in ext.traces.items()}
        )
        by_key = {r.key: r for r in everything}
        stored = {}
        for key, block in block_of.items():
            stored.setdefault(block, []).append(
                increment.Stored(by_key[key], block, trace_of[key])
            )


def test_a_report_joining_a_large_event_checks_only_the_new_members() -> None:
    """Twenty stored copies of one story and one more: placed in one event, nobody moved,
    and only the new report gets a trace (the stored ones keep theirs)."""
    base = dict(
        violation=True, event_type=KINDS[0][0], sub_event_type=KINDS[0][1],
        date=date(2021, 6, 7), date_precision=1, location=PLACES[0], fatalities=2,
        fatalities_low=None, fatalities_high=None, injured=None, actors=(GOV,),
        confidence=0.5, evidence=(EVIDENCE[0],),
    )
    old = [Report(f"k{i:02d}", Incident(**base), f"item-{i}") for i in range(0, 40, 2)]
    new = [Report("k21", Incident(**base), "item-21")]
    stored = _stored(old)
    ext = increment.extend(stored, new)
    assert isinstance(ext, increment.Extension)
    assert ext.placed == {"k21": 1}
    assert set(ext.traces) == {"k21"}
    assert [r.key for r in ext.grown[1]] == sorted(r.key for r in [*old, *new])


@settings(max_examples=300, deadline=None)
@given(old=reports("o", 16), new=reports("n", 6))
def test_groups_that_settle_equal_clustering_them_with_the_stored(
    old: list[Report], new: list[Report]
) -> None:
    """Groups of new reports are placed independently: what settles is exactly the clustering
    of the stored reports with the settled new ones (the rest is clustered again later)."""
    stored = _stored(old)
    parts = increment.extend_parts(stored, new)
    assert isinstance(parts, increment.Parts)
    left = {r.key for r in parts.unsettled}
    assert set(parts.extension.placed) == {r.key for r in new} - left
    settled = [r for r in new if r.key not in left]
    assert _apply(stored, parts.extension) == _plain([*old, *settled])


@settings(max_examples=300, deadline=None)
@given(old=reports("o", 16), new=reports("n", 6), shuffle=st.randoms(use_true_random=False))
def test_partners_given_by_the_caller_change_nothing(
    old: list[Report], new: list[Report], shuffle: Any
) -> None:
    """The storage adapter hands over the compatible (new, stored) pairs it has tested: the
    result is the one extend_parts finds by itself, whatever the order of the pairs."""
    from tracker.core.merge import compatible

    stored = _stored(old)
    given_pairs: dict[str, list[str]] = {}
    for n in new:
        keys = [o.key for o in old if compatible(n, o)]
        shuffle.shuffle(keys)
        if keys:
            given_pairs[n.key] = keys
    assert increment.extend_parts(stored, new, given_pairs) == increment.extend_parts(
        stored, new
    )
