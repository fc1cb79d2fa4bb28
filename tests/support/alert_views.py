"""One stored event as alerts see it (an `AlertView`), for tests of alert wording."""

from __future__ import annotations

from typing import Any

from tracker.core.alerts import AlertView, Source, event_view

CONTRACT: dict[str, Any] = {
    "violation": True,
    "event_type": "Explosions/Remote violence",
    "sub_event_type": "Air/drone strike",
    "date": "2020-03-10",
    "date_precision": 1,
    "location": {"name": "Ariha", "admin1": "Idlib", "lat": 35.81, "lon": 36.61, "precision": 1},
    "fatalities": 3,
    "fatalities_low": 2,
    "fatalities_high": 4,
    "injured": 6,
    "actors": [
        {"name": "Russian forces", "side": "russia", "role": "attacker"},
        {"name": "civilians", "side": "civilians", "role": "target"},
    ],
    "agreements": ["moscow-2020"],
    "zones": ["idlib-deescalation"],
    "severity": "high",
    "confidence": 0.7,
    "reasons": ["moscow-2020 art. 1: cessation of all military actions along the line of contact."],
    "evidence": ["Russian warplanes struck Ariha, killing three <civilians> & wounding six."],
}


FIRST = Source("Strike on Ariha", "https://a.example/1")


def event(
    sources: list[Source] | None = None, event_id: int = 17, extra: Any = None, **changes: Any
) -> AlertView:
    """The alert view of one stored event whose merged values are CONTRACT with `changes`."""
    listed = [FIRST] if sources is None else sources
    return event_view(event_id, {**CONTRACT, **changes}, listed, **(extra or {}))


def view(**changes: Any) -> AlertView:
    return event(**changes)
