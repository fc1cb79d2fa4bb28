"""The classifier's input item and output incident (the JSON contract)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class ItemInput:
    """One news item to classify; ``published`` anchors every relative date phrase."""

    title: str
    text: str
    published: datetime
    url: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Location:
    """Where an incident happened, with its UCDP where_prec precision."""

    name: str
    admin1: str
    lat: float
    lon: float
    precision: int

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of the contract's "location" object."""
        return {"name": self.name, "admin1": self.admin1, "lat": self.lat, "lon": self.lon,
                "precision": self.precision}


@dataclass(frozen=True, slots=True)
class ActorRole:
    """An actor taking part in an incident; ``role`` is attacker, target or None."""

    name: str
    side: str
    role: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of one entry of the contract's "actors" list."""
        return {"name": self.name, "side": self.side, "role": self.role}


@dataclass(frozen=True, slots=True)
class Incident:
    """One hostile act (possibly reported in several sentences) and the decision on it.

    Fields are exactly those of the JSON contract; ``to_dict`` produces that shape.
    """

    violation: bool
    event_type: str
    sub_event_type: str
    date: date | None
    date_precision: int
    location: Location | None
    fatalities: int | None
    fatalities_low: int | None
    fatalities_high: int | None
    injured: int | None
    actors: tuple[ActorRole, ...] = field(default_factory=tuple)
    agreements: tuple[str, ...] = field(default_factory=tuple)
    zones: tuple[str, ...] = field(default_factory=tuple)
    severity: str = "low"
    confidence: float = 0.0
    reasons: tuple[str, ...] = field(default_factory=tuple)
    evidence: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """The incident as the JSON contract object (keys in contract order)."""
        return {
            "violation": self.violation,
            "event_type": self.event_type,
            "sub_event_type": self.sub_event_type,
            "date": self.date.isoformat() if self.date else None,
            "date_precision": self.date_precision,
            "location": self.location.to_dict() if self.location else None,
            "fatalities": self.fatalities,
            "fatalities_low": self.fatalities_low,
            "fatalities_high": self.fatalities_high,
            "injured": self.injured,
            "actors": [a.to_dict() for a in self.actors],
            "agreements": list(self.agreements),
            "zones": list(self.zones),
            "severity": self.severity,
            "confidence": self.confidence,
            "reasons": list(self.reasons),
            "evidence": list(self.evidence),
        }
