"""Stored events with known properties, for the read API and export tests (and the bench).

Rows are inserted directly (no classifier): each event gets its reports (items of two
feeds) so that sources, outlets and first-seen times are real joins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from tracker.adapters.storage import db
from tracker.adapters.storage.models import EventRow, Feed, IncidentRow, Item

GOV = {"name": "Syrian government forces", "side": "government", "role": "attacker"}
RUS = {"name": "Russian forces", "side": "government", "role": "attacker"}
HTS = {"name": "Hayat Tahrir al-Sham", "side": "opposition", "role": "attacker"}
HTS_TARGET = {**HTS, "role": "target"}
CIVILIANS = {"name": "Civilians", "side": "civilian", "role": "target"}
T0 = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)


@dataclass
class Spec:
    name: str
    violation: bool = True
    event_date: date | None = date(2024, 5, 9)
    place: str | None = "Sarmin"
    admin1: str | None = "Idlib"
    lat: float | None = 35.9
    lon: float | None = 36.72
    precision: int | None = 1
    fatalities: int | None = None
    low: int | None = None
    high: int | None = None
    actors: list[dict[str, Any]] = field(default_factory=list)
    agreements: list[str] = field(default_factory=list)
    zones: list[str] = field(default_factory=list)
    severity: str = "medium"
    evidence: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=lambda: ["A report"])
    seen_hours: float = 0.0  # first report first seen at T0 + this
    status: str = "active"
    review: str | None = None
    merged_into: str | None = None
    split_from: str | None = None
    updated_hours: float | None = None
    event_type: str = "Explosions/Remote violence"
    sub_event_type: str = "Shelling/artillery/missile attack"


SPECS = [
    Spec(
        "sarmin",
        fatalities=3,
        low=2,
        high=4,
        actors=[GOV, CIVILIANS],
        agreements=["sochi-2018", "moscow-2020"],
        zones=["idlib-deescalation"],
        severity="high",
        evidence=["Regime forces shelled Sarmin, killing three civilians."],
        reasons=["moscow-2020 art. 1: all military actions stop along the line of contact"],
        titles=["Shelling on Sarmin kills three", "Three killed in Sarmin", "Sarmin shelled"],
        seen_hours=50,
    ),
    Spec(
        "ariha",
        event_date=date(2024, 5, 10),
        place="Ariha",
        lat=35.81,
        lon=36.61,
        fatalities=5,
        actors=[RUS, HTS_TARGET],
        agreements=["moscow-2020"],
        zones=["idlib-deescalation"],
        severity="critical",
        evidence=["قصف جوي روسي على أريحا"],
        titles=["Russian air strike on Ariha"],
        seen_hours=70,
    ),
    Spec(
        "clash",
        violation=False,
        event_date=date(2024, 4, 20),
        place="Kabani",
        admin1="Latakia",
        lat=35.77,
        lon=36.25,
        precision=2,
        actors=[HTS, {**GOV, "role": "target"}],
        severity="low",
        evidence=["HTS fighters clashed with the army near Kabani."],
        titles=["Clashes in Kabani"],
        seen_hours=10,
    ),
    Spec("undated", event_date=None, place=None, lat=None, lon=None, seen_hours=5),
    Spec("dismissed", review="dismissed", seen_hours=20, titles=["Not really an attack"]),
    Spec("absorbed", status="merged", merged_into="sarmin", titles=[], seen_hours=1),
    Spec("split", split_from="sarmin", event_date=date(2024, 5, 8), seen_hours=60),
]


def fill(engine: Engine, specs: list[Spec] = SPECS) -> dict[str, int]:
    """Migrate and insert the events (with their reports); returns event ids by name."""
    db.upgrade(engine)
    ids: dict[str, int] = {}
    with Session(engine) as session:
        feeds = [
            Feed(
                url=f"https://{n.replace(' ', '-').lower()}.example/feed",
                name=n,
                next_check_at=T0,
                created_at=T0,
            )
            for n in ("Outlet A", "Outlet B")
        ]
        session.add_all(feeds)
        session.flush()
        for spec in specs:
            ids[spec.name] = _event(session, spec, feeds, ids)
        session.commit()
    return ids


def _event(session: Session, spec: Spec, feeds: list[Feed], ids: dict[str, int]) -> int:
    seen = T0 + timedelta(hours=spec.seen_hours)
    updated = T0 + timedelta(hours=spec.updated_hours or spec.seen_hours)
    values: dict[str, Any] = {
        "violation": spec.violation,
        "event_type": spec.event_type,
        "sub_event_type": spec.sub_event_type,
        "event_date": spec.event_date,
        "place_name": spec.place,
        "admin1": spec.admin1,
        "lat": spec.lat,
        "lon": spec.lon,
        "location_precision": spec.precision,
        "fatalities": spec.fatalities,
        "fatalities_low": spec.low,
        "fatalities_high": spec.high,
        "actors": spec.actors,
        "agreements": spec.agreements,
        "zones": spec.zones,
        "severity": spec.severity,
        "confidence": 0.8,
        "reasons": spec.reasons,
        "evidence": spec.evidence,
    }
    event = EventRow(
        **values,
        status=spec.status,
        review_status=spec.review,
        merged_into=ids.get(spec.merged_into or ""),
        split_from=ids.get(spec.split_from or ""),
        source_count=len(spec.titles),
        report_count=len(spec.titles),
        created_at=seen,
        updated_at=updated,
    )
    session.add(event)
    session.flush()
    assert event.id is not None
    for n, title in enumerate(spec.titles):
        feed = feeds[n % 2]
        assert feed.id is not None
        item = Item(
            feed_id=feed.id,
            entry_key=f"{spec.name}-{n}",
            url=f"https://news.example/{spec.name}/{n}",
            title=title,
            summary=f"Summary of {title}",
            content_hash=f"{spec.name}{n}",
            first_seen_at=seen + timedelta(hours=n),
            published_at=seen - timedelta(hours=1),
        )
        session.add(item)
        session.flush()
        assert item.id is not None
        session.add(
            IncidentRow(**values, item_id=item.id, seq=0, event_id=event.id, created_at=seen)
        )
    return event.id
