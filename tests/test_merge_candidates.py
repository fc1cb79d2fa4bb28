"""Merge candidates found by the database (issue 20): the query is a superset of what the
merge rule links, so stored events equal clustering every stored report at once."""

from __future__ import annotations

import hashlib
import random
import shutil
import tempfile
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from sqlmodel import Session

from tracker.adapters.storage import db
from tracker.adapters.storage.events import EventStore
from tracker.adapters.storage.feeds import FeedSpec, FeedStore
from tracker.core import candidates, merge
from tracker.core.feeds import NewItem
from tracker.core.incident import ActorRole, Incident, ItemInput, Location
from tracker.services.classification import ClassificationService

NOW = datetime(2021, 6, 30, 12, 0, tzinfo=UTC)
GOV = ActorRole("Syrian government forces", "government", "attacker")
HTS = ActorRole("Hayat Tahrir al-Sham", "opposition", "attacker")
PLACES = [
    Location("Ariha", "Idlib", 35.8126, 36.6106, 1),
    Location("Saraqib", "Idlib", 35.8647, 36.8063, 1),
    Location("Ariha", "Idlib", 35.81, 36.61, 2),
    Location("Idlib governorate", "Idlib", 35.93, 36.63, 4),
    Location("Aleppo", "Aleppo", 36.2021, 37.1343, 1),
    Location("Damascus", "Damascus", 33.5138, 36.2765, 1),
    Location("ariha", "Elsewhere", 10.0, 10.0, 1),  # a homonym far away: "the same place"
    Location("Jisr al-Shughur", "Idlib", 35.8117, 36.3167, 3),
]
KINDS = [
    ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Explosions/Remote violence", "Air/drone strike"),
    ("Battles", "Armed clash"),
]
_LONG = (
    "Government forces shelled the town and its surroundings early in the morning killing "
    "several civilians and wounding many others while rescue teams searched the rubble of "
    "destroyed houses near the market and the old mosque according to witnesses and a local"
)
EVIDENCE = [
    _LONG + " doctor",
    _LONG + " nurse",  # a near copy of the one before (Jaccard of shingles > 0.8)
    "Jets struck the village.",
    "Rebels attacked army posts.",
]


@st.composite
def incidents(draw: Any) -> Incident:
    kind, sub = draw(st.sampled_from(KINDS))
    day = date(2021, 6, 1) + timedelta(days=draw(st.integers(0, 60)))
    return Incident(
        violation=True,
        event_type=kind,
        sub_event_type=sub,
        date=draw(st.sampled_from([day, day, day, None])),
        date_precision=draw(st.sampled_from([1, 1, 2, 3, 4, 5])),
        location=draw(st.sampled_from([*PLACES, None])),
        fatalities=draw(st.sampled_from([None, 1, 4])),
        fatalities_low=None,
        fatalities_high=None,
        injured=None,
        actors=draw(st.sampled_from([(GOV,), (HTS,), ()])),
        confidence=0.5,
        reasons=("hostile act",),
        evidence=(draw(st.sampled_from(EVIDENCE)),),
    )


@st.composite
def histories(draw: Any) -> tuple[list[list[Incident]], list[int], list[list[int]]]:
    """Items (their incidents), the stored text each carries (copies share one), and the
    batches they arrive in."""
    n = draw(st.integers(1, 9))
    articles = [draw(st.lists(incidents(), min_size=0, max_size=2)) for _ in range(n)]
    bodies = [draw(st.integers(0, 3)) for _ in range(n)]
    order = draw(st.permutations(list(range(n))))
    cuts = sorted(set(draw(st.lists(st.integers(1, max(1, n - 1)), max_size=3))))
    batches, start = [], 0
    for cut in [*cuts, n]:
        if cut > start:
            batches.append(list(order[start:cut]))
            start = cut
    return articles, bodies, batches


class Classifier:
    def __init__(self, articles: Sequence[Sequence[Incident]]) -> None:
        self.articles = articles

    def classify(self, item: ItemInput) -> Sequence[Incident]:
        return self.articles[int((item.url or "").rsplit("/", 1)[1])]


def _stored_vs_plain(engine: Engine, store: EventStore) -> tuple[set[frozenset[str]], Any]:
    with Session(engine) as session:
        everything = [r for r, _ in store._reports(session).values()]
    stored = {frozenset(e.report_keys) for e in store.list_events()}
    return stored, merge.partition(everything)


def _stored_traces(engine: Engine, store: EventStore) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each report's trace as stored (the events it names, as sets of report keys), and as
    clustering every stored report at once gives it (tracker.core.increment relies on it)."""
    with Session(engine) as session:
        everything = store._load(session)
        rows = session.execute(text("SELECT incident_id, event_id FROM merge_traces")).all()
        traced = session.execute(text("SELECT id, merge_traced FROM incidents")).all()
    keys_of = {e.id: frozenset(e.report_keys) for e in store.list_events()}
    stored: dict[str, set[frozenset[str]]] = {}
    by_id = {i: f[0].key for i, f in everything.items()}
    for incident_id, flag in traced:
        if flag:
            stored[by_id[incident_id]] = set()
    for incident_id, event_id in rows:
        stored[by_id[incident_id]].add(keys_of[event_id])
    clusters, traces = merge.cluster_traced([f[0] for f in everything.values()])
    as_keys = [frozenset(r.key for r in c) for c in clusters]
    plain = {k: {as_keys[i] for i in t} for k, t in traces.items()}
    return stored, plain


def _run(url: str, history: tuple[list[list[Incident]], list[int], list[list[int]]]) -> None:
    articles, bodies, batches = history
    engine = db.create_db_engine(url)
    db.upgrade(engine)
    try:
        repo = FeedStore(engine)
        store = EventStore(engine)
        repo.classification_hooks.append(store.recompute_in)
        classification = ClassificationService(repo, lambda: Classifier(articles), lambda: NOW)
        repo.sync_feeds([FeedSpec("https://feed.example/rss", "feed")], NOW)
        feed_id = repo.list_feeds()[0].id
        assert feed_id is not None
        for batch in batches:
            items = []
            for i in batch:
                body = f"body {bodies[i]}"
                items.append(
                    NewItem(
                        entry_key=f"e{i}",
                        guid=f"g{i}",
                        url=f"https://news.example/{i}",
                        title=f"title {i}",
                        summary=body,
                        text=body,
                        content_hash=hashlib.sha256(body.encode()).hexdigest(),
                        language="en",
                        published_at=NOW,
                        published_source="published",
                        first_seen_at=NOW,
                        alert_eligible=True,
                    )
                )
            classification.classify_ids(repo.store_items(feed_id, items))
        stored, plain = _stored_vs_plain(engine, store)
        assert stored == set(plain)
        traces, plain_traces = _stored_traces(engine, store)
        assert traces == plain_traces
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database at the head revision, migrated once: each example starts from a
    copy of it (the same empty tables a fresh migration gives, without migrating 40 times)."""
    path = tmp_path_factory.mktemp("template") / "events.db"
    engine = db.create_db_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    engine.dispose()  # the last connection checkpoints the WAL into the file
    return path


@settings(max_examples=40, deadline=None)
@given(history=histories())
def test_stored_events_equal_clustering_everything_sqlite(
    migrated_sqlite: Path, history: tuple[list[list[Incident]], list[int], list[list[int]]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copyfile(migrated_sqlite, Path(tmp) / "events.db")
        _run(f"sqlite:///{Path(tmp) / 'events.db'}", history)


@pytest.mark.postgres
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories())
def test_stored_events_equal_clustering_everything_postgres(
    postgres_url: str, history: tuple[list[list[Incident]], list[int], list[list[int]]]
) -> None:
    engine = db.create_db_engine(postgres_url)
    db.upgrade(engine)
    with engine.begin() as conn:  # each example starts from empty tables
        conn.execute(
            text("TRUNCATE feeds, items, incidents, events, shingle_ranks, merge_traces CASCADE")
        )
    engine.dispose()
    _run(postgres_url, history)


# -- the superset, pair by pair ----------------------------------------------------------------


def _report(key: str, inc: Incident, content_hash: str | None = None) -> merge.Report:
    return merge.Report(key=key, incident=inc, origin=key, content_hash=content_hash)


def _in_ranges(probe: merge.Report, other: merge.Report) -> bool:
    """What the SQL date part accepts, evaluated in Python."""
    day = other.incident.date
    if day is None:
        return True
    known = candidates.known_precisions()
    for (precisions, _, _), (low, high) in zip(
        candidates.precision_classes(), candidates.date_ranges(probe), strict=True
    ):
        p = other.incident.date_precision
        member = p in precisions if precisions is not None else p not in known
        if member and low <= day <= high:
            return True
    return False


def _in_box(probe: merge.Report, other: merge.Report) -> bool:
    """What the SQL place part accepts, evaluated in Python."""
    boxes = candidates.place_boxes(probe)
    loc = other.incident.location
    if boxes is None or loc is None:
        return True
    if candidates.place_key(loc.name) == candidates.place_key(probe.incident.location.name):  # type: ignore[union-attr]
        return True
    boxed = candidates.BOXED_PRECISIONS
    box = boxes[boxed.index(loc.precision)] if loc.precision in boxed else boxes[-1]
    lon_ok = box.lon_low is None or box.lon_low <= loc.lon <= box.lon_high  # type: ignore[operator]
    return box.lat_low <= loc.lat <= box.lat_high and lon_ok


@settings(max_examples=400, deadline=None)
@given(a=incidents(), b=incidents(), same_text=st.booleans())
def test_every_compatible_pair_is_a_candidate(a: Incident, b: Incident, same_text: bool) -> None:
    ra = _report("a", a, "h" if same_text else "ha")
    rb = _report("b", b, "h" if same_text else "hb")
    if not merge.compatible(ra, rb):
        return
    assert a.event_type == b.event_type
    by_tokens = bool(
        set(candidates.copy_prefix(candidates.shingle_tokens(ra), RANK))
        & set(candidates.copy_prefix(candidates.shingle_tokens(rb), RANK))
    ) and candidates.may_be_copies(candidates.copy_sketch(ra), candidates.copy_sketch(rb))
    by_place_and_date = _in_ranges(ra, rb) and _in_box(ra, rb)
    assert by_place_and_date or same_text or by_tokens


RANK = {t: random.Random(t).randrange(1 << 30) for e in EVIDENCE for t in
        candidates.shingle_tokens(_report("x", Incident(
            violation=True, event_type="", sub_event_type="", date=None, date_precision=1,
            location=None, fatalities=None, fatalities_low=None, fatalities_high=None,
            injured=None, actors=(), confidence=0.0, reasons=(), evidence=(e,))))}


def _edited_pair(words: list[str], edits: list[tuple[int, str]]) -> tuple[Any, Any]:
    """Two reports whose evidence is ``words`` and ``words`` with ``edits`` applied."""
    other = list(words)
    for pos, word in edits:
        if pos < len(other):
            other[pos] = word
    base = dict(
        violation=True, event_type="x", sub_event_type="y", date=None, date_precision=1,
        location=None, fatalities=None, fatalities_low=None, fatalities_high=None, injured=None,
        actors=(), confidence=0.0, reasons=(),
    )
    ra = _report("a", Incident(**base, evidence=(" ".join(words),)))  # type: ignore[arg-type]
    rb = _report("b", Incident(**base, evidence=(" ".join(other),)))  # type: ignore[arg-type]
    return ra, rb


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.sampled_from("abcdefghijklmnop"), min_size=3, max_size=40),
    edits=st.lists(st.tuples(st.integers(0, 39), st.sampled_from("abcdefghijklmnopq")),
                   max_size=4),
    seed=st.integers(0, 1000),
)
def test_copies_share_a_prefix_token_under_any_fixed_rank(
    words: list[str], edits: list[tuple[int, str]], seed: int
) -> None:
    ra, rb = _edited_pair(words, edits)
    ta, tb = candidates.shingle_tokens(ra), candidates.shingle_tokens(rb)
    rng = random.Random(seed)
    rank = {t: rng.randrange(1 << 20) for t in sorted(set(ta) | set(tb))}
    if merge.syndicated(ra, rb) and ta and tb:
        assert set(candidates.copy_prefix(ta, rank)) & set(candidates.copy_prefix(tb, rank))
        # ... and the copy sketches (the token query's filter) let them through.
        assert candidates.may_be_copies(candidates.copy_sketch(ra), candidates.copy_sketch(rb))


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=1, max_size=120),
    edits=st.lists(st.tuples(st.integers(0, 119), st.sampled_from("abcdefghijklmnopq")),
                   max_size=6),
)
def test_copy_sketch_never_drops_a_copy(words: list[str], edits: list[tuple[int, str]]) -> None:
    """The sketch gap is at most the shingles two evidences differ in (capped counts
    included: long texts fill buckets past the cap), so a syndicated pair always passes."""
    ra, rb = _edited_pair(words, edits)
    sa, sb = candidates.copy_sketch(ra), candidates.copy_sketch(rb)
    differ = len(merge._shingles(ra) ^ merge._shingles(rb))
    assert candidates.sketch_gap(sa[0], sb[0]) <= differ
    assert sa[1] == len(merge._shingles(ra)) and sa[0] >= 0
    if merge.syndicated(ra, rb):
        assert candidates.may_be_copies(sa, sb)


def _sql_may_be_copies(url: str, pairs: Sequence[tuple[tuple[int, int], tuple[int, int]]]) -> list[bool]:
    engine = db.create_db_engine(url)
    try:
        with engine.connect() as conn:
            condition = candidates.may_be_copies_sql(":sa", ":na", ":sb", ":nb")
            return [
                bool(conn.execute(
                    text(f"SELECT CASE WHEN {condition} THEN 1 ELSE 0 END"),
                    {"sa": a[0], "na": a[1], "sb": b[0], "nb": b[1]},
                ).scalar_one())
                for a, b in pairs
            ]
    finally:
        engine.dispose()


_SKETCHES = st.tuples(
    st.lists(st.integers(0, 15), min_size=candidates.SKETCH_BUCKETS,
             max_size=candidates.SKETCH_BUCKETS),
    st.integers(1, 400),
).map(lambda v: (sum(c << (candidates.SKETCH_BITS * n) for n, c in enumerate(v[0])), v[1]))


@settings(max_examples=25, deadline=None)
@given(pairs=st.lists(st.tuples(_SKETCHES, _SKETCHES), min_size=1, max_size=20))
def test_sketch_filter_in_sql_equals_python_sqlite(
    pairs: list[tuple[tuple[int, int], tuple[int, int]]],
) -> None:
    expected = [candidates.may_be_copies(a, b) for a, b in pairs]
    assert _sql_may_be_copies("sqlite://", pairs) == expected


@pytest.mark.postgres
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pairs=st.lists(st.tuples(_SKETCHES, _SKETCHES), min_size=1, max_size=20))
def test_sketch_filter_in_sql_equals_python_postgres(
    postgres_url: str, pairs: list[tuple[tuple[int, int], tuple[int, int]]]
) -> None:
    expected = [candidates.may_be_copies(a, b) for a, b in pairs]
    assert _sql_may_be_copies(postgres_url, pairs) == expected
