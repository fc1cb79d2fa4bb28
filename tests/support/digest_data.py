"""A database filled with known incidents, for the digest tests.

Times are UTC; the digests use Asia/Damascus (UTC+3 in 2024), so a few items sit close to a
local midnight on purpose. The target day is 2024-05-10.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from tracker.adapters.storage import db
from tracker.adapters.storage.models import EventRow, Feed, IncidentRow, Item

DAY = date(2024, 5, 10)
EMPTY_DAY = date(2024, 5, 20)
GOV = {"name": "Syrian Arab Army", "side": "government", "role": "attacker"}
OPP = {"name": "Hayat Tahrir al-Sham", "side": "opposition", "role": "attacker"}


@dataclass
class Known:
    seen: datetime
    violation: bool
    event_type: str = "shelling"
    event_date: date | None = None
    admin1: str | None = "Idlib"
    place: str | None = "Sarmin"
    lat: float | None = 35.9
    lon: float | None = 36.72
    fatalities: int | None = None
    injured: int | None = None
    agreements: list[str] = field(default_factory=list)
    zones: list[str] = field(default_factory=list)
    severity: str = "low"
    actors: list[dict[str, Any]] = field(default_factory=list)
    title: str = "report"


def _utc(day: int, hour: int, minute: int = 0, month: int = 5) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=UTC)


# In the period of DAY (local 2024-05-10 = UTC 05-09 21:00 .. 05-10 21:00).
IN_DAY = [
    Known(
        _utc(10, 8),
        True,
        "shelling",
        date(2024, 5, 9),
        fatalities=3,
        injured=2,
        agreements=["sochi-2018", "moscow-2020"],
        zones=["idlib-dmz"],
        severity="high",
        actors=[GOV],
        title="Shelling on Sarmin <kills> three & more",
    ),
    Known(
        _utc(10, 20, 30),
        True,
        "airstrike",
        date(2024, 5, 10),
        fatalities=5,
        agreements=["astana-2017"],
        zones=["idlib-deescalation"],
        severity="critical",
        actors=[GOV],
        place="Ariha",
        title="Air strike on Ariha",
    ),
    Known(
        _utc(9, 22),
        False,
        "armed clash",
        date(2024, 4, 20),
        admin1="Aleppo",
        place="Azaz",
        lat=36.59,
        lon=37.05,
        fatalities=1,
        actors=[OPP],
        title="Old clash",
    ),
    Known(
        _utc(10, 12),
        True,
        "shelling",
        date(2024, 5, 1),
        admin1="Hama",
        place="Kafr Nabudah",
        lat=35.4,
        lon=36.5,
        agreements=["sochi-2018"],
        zones=["idlib-dmz"],
        severity="medium",
        actors=[OPP],
        title="Late shelling report",
    ),
]
# Violations of the 7 previous days, newest first (05-09 .. 05-03): 1, 2, 0, 1, 0, 3, 0;
# their mean is 1.0.
PREVIOUS = [
    Known(_utc(9, 20), True),  # 23:00 local on 05-09
    Known(_utc(8, 9), True),
    Known(_utc(8, 10), True),
    Known(_utc(8, 11), False),
    Known(_utc(6, 9), True),
    Known(_utc(4, 9), True),
    Known(_utc(4, 10), True),
    Known(_utc(4, 11), True),
]
OUTSIDE = [
    Known(_utc(2, 9), True),  # eight days before: in the chart, not in the comparison
    Known(_utc(10, 21, 30), True),  # 00:30 local on 05-11: the next day
]
ALL = IN_DAY + PREVIOUS + OUTSIDE


def fill(engine: Engine, knowns: list[Known] = ALL) -> dict[str, int]:
    """Migrate and insert two feeds (one failing) and, per entry, one item with one incident
    that is one merged event of its own (digests count events)."""
    db.upgrade(engine)
    created = _utc(1, 0, month=4)
    ids: dict[str, int] = {}
    with Session(engine) as session:
        good = Feed(
            url="https://ok.example/feed",
            name="Good feed",
            next_check_at=created,
            created_at=created,
        )
        bad = Feed(
            url="https://bad.example/feed",
            name="Bad <feed>",
            state="degraded",
            consecutive_errors=6,
            last_error="HTTP 503 Service Unavailable",
            next_check_at=created,
            created_at=created,
        )
        session.add_all([good, bad])
        session.flush()
        assert good.id is not None
        for n, k in enumerate(knowns):
            item = Item(
                feed_id=good.id,
                entry_key=f"k{n}",
                url=f"https://ok.example/{n}?a=1&b=2",
                title=k.title,
                content_hash=f"h{n}",
                first_seen_at=k.seen,
            )
            session.add(item)
            session.flush()
            assert item.id is not None
            event = EventRow(
                violation=k.violation,
                event_type=k.event_type,
                sub_event_type=k.event_type,
                event_date=k.event_date,
                place_name=k.place,
                admin1=k.admin1,
                lat=k.lat,
                lon=k.lon,
                fatalities=k.fatalities,
                injured=k.injured,
                actors=k.actors,
                agreements=k.agreements,
                zones=k.zones,
                severity=k.severity,
                confidence=0.8,
                reasons=["violation: hostile act between opposing sides" if k.violation else
                         "not a violation: hostile act outside every agreement zone"],
                source_count=1,
                report_count=1,
                created_at=k.seen,
                updated_at=k.seen,
            )
            session.add(event)
            session.flush()
            row = IncidentRow(
                item_id=item.id,
                event_id=event.id,
                violation=k.violation,
                event_type=k.event_type,
                sub_event_type=k.event_type,
                event_date=k.event_date,
                place_name=k.place,
                admin1=k.admin1,
                lat=k.lat,
                lon=k.lon,
                fatalities=k.fatalities,
                injured=k.injured,
                actors=k.actors,
                agreements=k.agreements,
                zones=k.zones,
                severity=k.severity,
                confidence=0.8,
                created_at=k.seen,
            )
            session.add(row)
            session.flush()
            ids[k.title if k in IN_DAY else f"other{n}"] = int(event.id or 0)
        session.commit()
    return ids
