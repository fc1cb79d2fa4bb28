"""Bounds on what the main process keeps: the merge rule's sides cache holds actors, never
whole incidents, and stays under its entry limit; the glibc memory calls are safe to make."""

from __future__ import annotations

import gc
from dataclasses import replace
from datetime import date

from tracker.adapters import memory
from tracker.core import merge
from tracker.core.incident import ActorRole, Incident


def _incident(n: int) -> Incident:
    return Incident(
        violation=True,
        event_type="Explosions/Remote violence",
        sub_event_type="Shelling/artillery/missile attack",
        date=date(2026, 1, 1 + n % 28),
        date_precision=1,
        location=None,
        fatalities=None,
        fatalities_low=None,
        fatalities_high=None,
        injured=None,
        evidence=(f"Shelling hit village {n} " * 20,),
        actors=(ActorRole(f"Army {n}", "government", "attacker"),
                ActorRole("rebels", "opposition", "target"),
                ActorRole("civilians", "civilian", "target")),
    )


def test_sides_cache_does_not_keep_incidents_alive() -> None:
    merge._SIDES.clear()
    incident = _incident(1)
    assert merge.attacker_sides(incident) == frozenset({"government"})
    assert merge.target_sides(incident) == frozenset({"opposition"})
    (entry,) = merge._SIDES.values()
    assert entry[0] is incident.actors
    # Nothing in the cache refers to the incident (its evidence and reasons can go).
    assert not any(isinstance(value, Incident) for e in merge._SIDES.values() for value in e)
    assert not any(h is merge._SIDES or h is entry for h in gc.get_referrers(incident))


def test_sides_are_those_of_the_actors_whatever_else_differs() -> None:
    merge._SIDES.clear()
    a = _incident(2)
    b = replace(a, evidence=("another text",))  # same actors tuple, another incident
    assert merge._sides(a) == merge._sides(b)
    c = replace(a, actors=(ActorRole("SDF", "sdf", "attacker"),))
    assert merge.attacker_sides(c) == frozenset({"sdf"})
    assert merge.target_sides(c) == frozenset()


def test_sides_cache_stays_under_its_limit() -> None:
    merge._SIDES.clear()
    keep = [_incident(n) for n in range(merge._SIDES_LIMIT + 10)]
    for incident in keep:
        merge.attacker_sides(incident)
    assert 0 < len(merge._SIDES) <= merge._SIDES_LIMIT
    merge._SIDES.clear()


def test_memory_calls_are_safe_anywhere() -> None:
    # On glibc both calls reach malloc; elsewhere they do nothing and say so.
    assert memory.cap_arenas() in (True, False)
    assert memory.release_free_memory() in (True, False)
    if memory._glibc() is not None:
        assert memory.cap_arenas() is True
