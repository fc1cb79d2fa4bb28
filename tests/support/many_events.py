"""Many stored events at once (bulk inserts, no classifier), for the dashboard's dense-map
test and its benchmark: places spread over north-west Syria, a mix of violations and other
incidents, severities, sides and event types, one or two reports each."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from tracker.adapters.storage import db
from tracker.adapters.storage.models import EventRow, Feed, IncidentRow, Item

PLACES = [
    ("Sarmin", "Idlib", 35.90, 36.72),
    ("Ariha", "Idlib", 35.81, 36.61),
    ("Kabani", "Latakia", 35.77, 36.25),
    ("Kafr Nabl", "Idlib", 35.61, 36.56),
    ("Atarib", "Aleppo", 36.14, 36.83),
    ("Jisr al-Shughur", "Idlib", 35.81, 36.32),
    ("Saraqib", "Idlib", 35.86, 36.80),
    ("Maarat al-Numan", "Idlib", 35.64, 36.67),
    ("Darat Izza", "Aleppo", 36.28, 36.85),
    ("Kafr Takharim", "Idlib", 36.12, 36.52),
    ("Suqaylabiyah", "Hama", 35.37, 36.39),
    ("Latamina", "Hama", 35.32, 36.62),
    ("Daraa", "Daraa", 32.62, 36.10),
    ("Deir ez-Zor", "Deir ez-Zor", 35.34, 40.14),
]
ATTACKERS = [
    {"name": "Syrian government forces", "side": "government", "role": "attacker"},
    {"name": "Russian forces", "side": "government", "role": "attacker"},
    {"name": "Hayat Tahrir al-Sham", "side": "opposition", "role": "attacker"},
]
CIVILIANS = {"name": "Civilians", "side": "civilian", "role": "target"}
TYPES = [
    ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Explosions/Remote violence", "Air/drone strike"),
    ("Battles", "Armed clash"),
]
SEVERITIES = ["low", "medium", "high", "critical"]
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def fill_many(engine: Engine, n_events: int, seed: int = 7, days: int = 90) -> None:
    """Migrate, then insert `n_events` events (ids 1..n) dated over `days` days from
    2024-01-01, newest last."""
    rng = random.Random(seed)
    db.upgrade(engine)

    def rows() -> Iterator[tuple[dict[str, Any], int, datetime]]:
        for n in range(n_events):
            place, admin1, lat, lon = rng.choice(PLACES)
            day = date(2024, 1, 1) + timedelta(days=n * days // max(n_events, 1))
            seen = T0 + timedelta(minutes=n)
            violation = rng.random() < 0.5
            kind, sub = rng.choice(TYPES)
            values = {
                "violation": violation,
                "event_type": kind,
                "sub_event_type": sub,
                "event_date": day,
                "place_name": place,
                "admin1": admin1,
                "lat": round(lat + rng.uniform(-0.05, 0.05), 4),
                "lon": round(lon + rng.uniform(-0.05, 0.05), 4),
                "location_precision": 1,
                "fatalities": rng.choice([None, 0, 1, 2, 3]),
                "actors": [rng.choice(ATTACKERS), CIVILIANS],
                "agreements": ["moscow-2020"] if violation else [],
                "zones": ["idlib-deescalation"] if admin1 in ("Idlib", "Aleppo") else [],
                "severity": rng.choice(SEVERITIES),
                "confidence": 0.7,
                "reasons": ["moscow-2020 art. 1"] if violation else [],
                "evidence": [f"Shelling on {place}, event {n}."],
            }
            yield values, rng.randint(1, 2), seen

    insert_events(engine, rows(), feeds=4, t0=T0, batch=2000)


def insert_events(
    engine: Engine,
    rows: Iterable[tuple[dict[str, Any], int, datetime]],
    *,
    feeds: int,
    t0: datetime,
    batch: int,
) -> int:
    """Bulk-insert `feeds` feeds, then one event per row (ids 1..n in order) with `reports`
    items and incidents each (the event's columns, first seen from `seen` a minute apart);
    a row is (event columns, reports, seen). Returns the number of items. Shared by the
    dashboard tests and the API bench."""
    with engine.begin() as conn:
        conn.execute(
            insert(Feed),
            [
                {"url": f"https://feed{i}.example/rss", "name": f"Outlet {i}",
                 "next_check_at": t0, "created_at": t0}
                for i in range(feeds)
            ],
        )  # fmt: skip
    item_id = 0
    events: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    incidents: list[dict[str, Any]] = []

    def flush() -> None:
        if events:
            with engine.begin() as conn:
                conn.execute(insert(EventRow), events)
                conn.execute(insert(Item), items)
                conn.execute(insert(IncidentRow), incidents)
        events.clear()
        items.clear()
        incidents.clear()

    for n, (values, reports, seen) in enumerate(rows):
        place = values["place_name"]
        events.append(
            {**values, "id": n + 1, "source_count": reports, "report_count": reports,
             "report_keys": [], "merge_reasons": [], "created_at": seen, "updated_at": seen}
        )  # fmt: skip
        for r in range(reports):
            item_id += 1
            items.append(
                {"id": item_id, "feed_id": 1 + (n + r) % feeds, "entry_key": f"e{item_id}",
                 "url": f"https://news.example/{item_id}", "title": f"Shelling on {place}",
                 "summary": "", "text": "", "content_hash": f"h{item_id}",
                 "first_seen_at": seen + timedelta(minutes=r), "published_at": seen}
            )  # fmt: skip
            incidents.append(
                {**values, "item_id": item_id, "seq": 0, "event_id": n + 1, "created_at": seen}
            )  # fmt: skip
        if len(events) >= batch:
            flush()
    flush()
    return item_id
