"""The fast export path against the row-by-row definition, on SQLite and PostgreSQL.

Exports read only the columns a format shows, decode JSON lists once per distinct text and
build CSV rows as tuples (tracker.adapters.storage.queries, tracker.core.export.write_csv).
Here a seeded database of varied events (odd actors, quotes, commas, line breaks, non-ASCII,
missing values, several pages, shared and duplicated reports) is read a second, independent
way: every events column through SQLAlchemy's own JSON decoding, the reports by a plain
join per event, each row made by `acled_row` / `event_document`. The files must be equal
byte for byte.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select
from sqlmodel import col

from tests.conftest import pg_database
from tracker.adapters.storage import db, queries
from tracker.adapters.storage.models import EventRow, Feed, IncidentRow, Item
from tracker.adapters.storage.queries import EventQueries
from tracker.core import export
from tracker.core.eventquery import EventFilters
from tracker.core.export import CSV_COLUMNS, acled_row, event_document, feature
from tracker.services.dataout import DataOut, Reference

T0 = datetime(2024, 1, 1, 6, 0, tzinfo=UTC)
ACTORS: list[dict[str, Any]] = [
    {"name": "Syrian government forces", "side": "government", "role": "attacker"},
    {"name": "Russian forces", "side": "government", "role": "attacker"},
    {"name": "Turkish Armed Forces", "side": "other", "role": "attacker"},
    {"name": "Hayat Tahrir al-Sham", "side": "opposition", "role": "target"},
    {"name": "Civilians", "side": "civilian", "role": "target"},
    {"name": 'Unit "42", north', "side": "unknown"},  # no role, a quote and a comma
    {"name": "مسلحون مجهولون", "side": "opposition", "role": None},
    {"name": "Line\nbreak brigade", "side": "other", "role": "attacker"},
]
EVIDENCE = [
    "Forces shelled the town, killing two.",
    'A "precise" strike, said the ministry; no comment, yet.',
    "قصف جوي على البلدة",
    "Two lines:\nsecond line\r\nthird",
    "",
]
N_EVENTS = 61


def _seed(engine: Engine, seed: int = 15) -> None:
    """Varied events and reports, inserted in bulk (ids in insertion order)."""
    rng = random.Random(seed)
    db.upgrade(engine)
    feeds = [
        {"url": f"https://f{i}.example/rss", "name": name, "next_check_at": T0, "created_at": T0}
        for i, name in enumerate(["Outlet, A", 'Outlet "B"', "منفذ", None])
    ]
    events: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    incidents: list[dict[str, Any]] = []
    item_id = 0
    for n in range(1, N_EVENTS + 1):
        undated = rng.random() < 0.15
        located = rng.random() < 0.8
        actors = rng.sample(ACTORS, rng.randint(0, 3))
        values: dict[str, Any] = {
            "violation": rng.random() < 0.5,
            "event_type": "Explosions/Remote violence",
            "sub_event_type": rng.choice(["Shelling/artillery/missile attack", "Air/drone strike"]),
            "event_date": None if undated else date(2023, 1, 1) + timedelta(rng.randrange(60)),
            "date_precision": rng.randint(1, 6),
            "place_name": rng.choice(["Sarmin", "Kafr, Nabl", "أريحا"]) if located else None,
            "admin1": rng.choice(["Idlib", None, ""]),
            "lat": rng.uniform(35, 37) if located else None,
            "lon": rng.uniform(36, 38) if located else None,
            "location_precision": rng.choice([None, 1, 2, 3, 4, 6]),
            "fatalities": rng.choice([None, 0, 1, 7]),
            "fatalities_low": rng.choice([None, 0, 2]),
            "fatalities_high": rng.choice([None, 9]),
            "injured": rng.choice([None, 3]),
            "actors": actors,
            "agreements": rng.sample(["sochi-2018", "moscow-2020", "x,y"], rng.randint(0, 2)),
            "zones": rng.sample(["idlib-deescalation", "z\"1"], rng.randint(0, 2)),
            "severity": rng.choice(["low", "medium", "high", "critical"]),
            "confidence": rng.choice([0.7, 0.1 + 0.2, 1.0, 0.123456789]),
            "reasons": ["moscow-2020 art. 1: stop"] if rng.random() < 0.5 else [],
            "evidence": rng.sample(EVIDENCE, rng.randint(0, 3)),
        }
        seen = T0 + timedelta(hours=rng.randrange(2000))
        reports = rng.randint(0, 4)
        events.append(
            {**values, "id": n, "status": "active", "source_count": reports,
             "report_count": reports, "report_keys": ["k"], "merge_reasons": ["m"],
             "review_status": rng.choice([None, None, "confirmed"]),
             "created_at": seen, "updated_at": seen + timedelta(seconds=rng.randrange(10**6))}
        )  # fmt: skip
        for _ in range(reports):
            item_id += 1
            items.append(
                {"id": item_id, "feed_id": 1 + rng.randrange(len(feeds)), "entry_key": f"e{item_id}",
                 "url": rng.choice([f"https://news.example/{item_id}", None, "",
                                    "https://news.example/same"]),
                 "title": "t", "summary": "", "text": "", "content_hash": f"h{item_id}",
                 "first_seen_at": seen + timedelta(minutes=rng.randrange(-30, 300)),
                 "published_at": None}
            )  # fmt: skip
            for seq in range(rng.choice([1, 1, 2])):  # two incidents of one item: same event
                incidents.append(
                    {**values, "item_id": item_id, "seq": seq, "event_id": n, "created_at": seen}
                )
    with engine.begin() as conn:
        conn.execute(insert(Feed), feeds)
        conn.execute(insert(EventRow), events)
        if items:
            conn.execute(insert(Item), items)
            conn.execute(insert(IncidentRow), incidents)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('rows') / 'rows.db'}"
        eng = db.create_db_engine(url)
        _seed(eng)
        yield eng
        eng.dispose()
        return
    with pg_database() as url:
        eng = db.create_db_engine(url)
        _seed(eng)
        yield eng
        eng.dispose()


def _reference_records(engine: Engine, order_key: Any) -> list[dict[str, Any]]:
    """Every active, undismissed event the slow way: all columns as SQLAlchemy decodes
    them, and its reports by a join of its own, earliest first."""
    events = (
        select(EventRow.__table__)  # type: ignore[attr-defined]
        .where(col(EventRow.status) == "active")
        .order_by(*order_key)
    )
    records = []
    with engine.connect() as conn:
        for row in conn.execute(events).mappings().all():
            if row["review_status"] == "dismissed":
                continue
            rec = dict(row)
            reports = conn.execute(
                select(col(Item.url), col(Feed.name), col(Item.first_seen_at))
                .join(IncidentRow, col(IncidentRow.item_id) == col(Item.id))
                .join(Feed, col(Feed.id) == col(Item.feed_id))
                .where(col(IncidentRow.event_id) == rec["id"])
                .order_by(col(Item.first_seen_at), col(Item.id))
            ).all()
            rec["sources"] = list(dict.fromkeys(u for u, _, _ in reports if u))
            rec["outlets"] = list(dict.fromkeys(o for _, o, _ in reports if o))
            rec["first_seen"] = reports[0][2] if reports else None
            records.append(rec)
    return records


def _newest_first() -> list[Any]:
    return [col(EventRow.event_date).desc().nulls_last(), col(EventRow.id).desc()]


def _data_out(engine: Engine) -> DataOut:
    return DataOut(
        EventQueries(engine),
        lambda: Reference([], {"features": []}),
        lambda: T0,
        "https://tracker.example",
    )


@pytest.fixture(params=[(7, 2), (1000, 4096)], ids=["small-pages-tiny-memos", "defaults"])
def paging(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 7 rows and memos of 2 entries (so both are crossed and cleared many times),
    and the defaults."""
    batch, memo = request.param
    monkeypatch.setattr(queries, "STREAM_BATCH", batch)
    monkeypatch.setattr(queries, "JSON_MEMO_SIZE", memo)
    monkeypatch.setattr(export, "ACTOR_MEMO_SIZE", memo)


def test_csv_equals_the_row_by_row_definition(engine: Engine, paging: None) -> None:
    records = _reference_records(engine, _newest_first())
    assert len(records) > 40 and any(r["event_date"] is None for r in records)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for rec in records:
        writer.writerow(acled_row(rec).values())
    got = "".join(_data_out(engine).export("csv", EventFilters()))
    assert got == buf.getvalue()
    assert '"Kafr, Nabl"' in got and '""' in got  # quoting was exercised


def test_jsonl_and_geojson_equal_the_documents(engine: Engine, paging: None) -> None:
    records = _reference_records(engine, _newest_first())
    base = "https://tracker.example"
    api = _data_out(engine)
    lines = "".join(api.export("jsonl", EventFilters(), base=base))
    assert lines == "".join(
        json.dumps(event_document(r, base), ensure_ascii=False) + "\n" for r in records
    )
    collection = json.loads("".join(api.export("geojson", EventFilters(), base=base)))
    assert collection["features"] == [json.loads(json.dumps(feature(r, base))) for r in records]


def test_csv_of_a_filtered_selection_with_limit(engine: Engine, paging: None) -> None:
    """Filters and limits go through the same narrowed reading."""
    records = [
        r for r in _reference_records(engine, [col(EventRow.id).asc()]) if r["violation"]
    ][:20]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for rec in records:
        writer.writerow(acled_row(rec).values())
    filters = EventFilters(violations_only=True, order="id")
    assert "".join(_data_out(engine).export("csv", filters, limit=20)) == buf.getvalue()


def test_shared_lists_come_from_one_decoding() -> None:
    """Equal JSON texts give one shared (unmodified) list; the memo is bounded."""
    texts = queries.JsonTexts()
    first = texts.repeated('["a", "b"]')
    assert texts.repeated('["a", "b"]') is first and first == ["a", "b"]
    assert texts.repeated(None) is None and texts.once("null") is None
    for n in range(queries.JSON_MEMO_SIZE + 5):
        texts.repeated(json.dumps([n]))
    assert len(texts.memo) <= queries.JSON_MEMO_SIZE
