"""The classifier's input item and output incident (the JSON contract)."""

from __future__ import annotations

from collections.abc import Mapping
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
    inferred: bool = False  # not named in the report: the side the violation rule put there

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of one entry of the contract's "actors" list ("inferred" only when
        true, so the shape of named actors is unchanged)."""
        out: dict[str, Any] = {"name": self.name, "side": self.side, "role": self.role}
        if self.inferred:
            out["inferred"] = True
        return out


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


@dataclass(frozen=True, slots=True)
class ContractFields:
    """One incident of the JSON contract read leniently into flat fields (what storage keeps
    in its columns and what alerts show): missing keys become None or their defaults, the
    location's parts stand alone (a place name is kept without coordinates), and actors stay
    the contract's own objects."""

    violation: bool
    event_type: str
    sub_event_type: str
    event_date: date | None
    date_precision: int
    place_name: str | None
    admin1: str | None
    lat: float | None
    lon: float | None
    location_precision: int | None
    fatalities: int | None
    fatalities_low: int | None
    fatalities_high: int | None
    injured: int | None
    actors: tuple[dict[str, Any], ...]
    agreements: tuple[str, ...]
    zones: tuple[str, ...]
    severity: str
    confidence: float
    reasons: tuple[str, ...]
    evidence: tuple[str, ...]


def read_contract(data: Mapping[str, Any]) -> ContractFields:
    """The one reader of the contract dict (`Incident.to_dict`, `IncidentRow.to_contract`,
    `EventRow.to_contract`); dates may come as ISO text or as `date`."""
    loc = data.get("location") or {}
    day = data.get("date")
    return ContractFields(
        violation=bool(data.get("violation")),
        event_type=str(data.get("event_type") or ""),
        sub_event_type=str(data.get("sub_event_type") or ""),
        event_date=date.fromisoformat(day) if isinstance(day, str) and day else day or None,
        date_precision=int(data.get("date_precision") or 1),
        place_name=loc.get("name"),
        admin1=loc.get("admin1"),
        lat=loc.get("lat"),
        lon=loc.get("lon"),
        location_precision=loc.get("precision"),
        fatalities=data.get("fatalities"),
        fatalities_low=data.get("fatalities_low"),
        fatalities_high=data.get("fatalities_high"),
        injured=data.get("injured"),
        actors=tuple(dict(a) for a in data.get("actors") or ()),
        agreements=tuple(data.get("agreements") or ()),
        zones=tuple(data.get("zones") or ()),
        severity=str(data.get("severity") or "low"),
        confidence=float(data.get("confidence") or 0.0),
        reasons=tuple(data.get("reasons") or ()),
        evidence=tuple(data.get("evidence") or ()),
    )
