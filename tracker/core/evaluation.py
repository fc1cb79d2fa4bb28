"""Scoring classifier output against labelled cases (pure; the command does the I/O).

A report counts as predicted-violation when any of its incidents is a violation. Field
accuracies are measured over the true positives only, on the predicted violation nearest
the labelled place, because a report may describe several incidents and the label
describes one.

Attacker side: the label names the attacker (``attacker``, else the first of ``actors``,
which lists the attacker first) and the other parties (``target``, else the rest of
``actors``).  Both the label's names and the prediction's attackers are resolved to a side
on the labelled day by the same lookup (:func:`side_finder`): the camp (government or
opposition) when the actor has one, else the actor itself (Israel, the SDF, the Druze
factions are each their own side).  The side is correct when the labelled attacker's side is
among the predicted attackers' and none of them is on a labelled target's side.  Where the
label names the agreements breached, an actor that is a party to one of them is on that
agreement's side ("National Guard" and "Druze factions" are both side b of the Sweida
ceasefire): the side is what the violation rule asks about, not the actor's name.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker.core.actors import actor_id
from tracker.core.geo import haversine_km
from tracker.core.mentions import GOV, OPP, find_actors
from tracker.core.registries import Registries

LOCATION_TOLERANCE_KM = 15.0
# (actor name, labelled day, labelled agreements) -> the side it is on that day, or None when
# the name is unknown.
SideOf = Callable[[str, date | None, tuple[str, ...]], str | None]


@dataclass(frozen=True, slots=True)
class CaseScore:
    """How one labelled case fared."""

    case_id: str
    expected: bool
    predicted: bool
    date_ok: bool | None = None
    location_ok: bool | None = None
    fatalities_ok: bool | None = None
    agreements_ok: bool | None = None
    event_type_ok: bool | None = None
    sub_event_type_ok: bool | None = None
    attacker_side_ok: bool | None = None


def side_finder(ref: Registries) -> SideOf:
    """A :data:`SideOf` over the actor registry and the classifier's generic actor nouns."""
    memo: dict[tuple[str, date | None, tuple[str, ...]], str | None] = {}

    def side_of(name: str, day: date | None, agreements: tuple[str, ...] = ()) -> str | None:
        key = (name, day, agreements)
        if key not in memo:
            found = find_actors(ref, name)
            if not found:
                memo[key] = None
            else:
                info = found[0][2]
                actor = ref.actors.get(info.name)
                camp = actor.camp_on(day) if actor else info.side
                akey = actor.key if actor else actor_id(info.name)
                memo[key] = _agreement_side(ref, akey, camp, agreements) or (
                    camp if camp in (GOV, OPP) else "actor:" + akey)
        return memo[key]

    return side_of


def _agreement_side(ref: Registries, key: str, camp: str, agreements: tuple[str, ...]) -> str:
    """The side ("<agreement>:a" or ":b") of the first labelled agreement the actor is a
    party to, on one side only; "" when none."""
    for aid in agreements:
        found = ref.agreements.get(aid)
        sides = found.sides_of(key, camp) if found else set()
        if len(sides) == 1:
            return f"{aid}:{next(iter(sides))}"
    return ""


def _label_parties(label: Mapping[str, Any]) -> tuple[str | None, list[str]]:
    """(attacker, other parties) of a label: ``attacker``/``target`` keys, else ``actors``
    (attacker first)."""
    actors = [str(a) for a in label.get("actors") or [] if a]
    attacker = label.get("attacker") or (actors[0] if actors else None)
    if label.get("target") is not None:
        target = label["target"]
        others = [str(t) for t in (target if isinstance(target, list) else [target]) if t]
    else:
        others = [a for a in actors if a != attacker]
    return (str(attacker) if attacker else None), others


def attacker_side_ok(
    label: Mapping[str, Any], match: Mapping[str, Any], side_of: SideOf
) -> bool | None:
    """Whether the predicted attackers are on the labelled attacker's side (None when the
    label names no attacker, or one the lookup does not know)."""
    attacker, others = _label_parties(label)
    if attacker is None:
        return None
    try:
        day = date.fromisoformat(str(label.get("date"))) if label.get("date") else None
    except ValueError:
        day = None
    agreed = tuple(str(a) for a in label.get("agreements") or [])
    want = side_of(attacker, day, agreed)
    if want is None:
        return None
    not_them = {side_of(o, day, agreed) for o in others} - {want, None}
    got = {side_of(str(a.get("name") or ""), day, agreed) or str(a.get("side") or "")
           for a in match.get("actors") or [] if a.get("role") == "attacker"}
    return want in got and not got & not_them


def nearest_violation(
    incidents: Sequence[Mapping[str, Any]], label: Mapping[str, Any]
) -> Mapping[str, Any] | None:
    """The predicted violation nearest the labelled place (first one without coordinates)."""
    violations = [i for i in incidents if i.get("violation")]
    if not violations:
        return None
    lat, lon = label.get("lat"), label.get("lon")
    if lat is None or lon is None:
        return violations[0]

    def dist(inc: Mapping[str, Any]) -> float:
        loc = inc.get("location")
        if not loc:
            return math.inf
        return haversine_km(float(lat), float(lon), float(loc["lat"]), float(loc["lon"]))

    return min(violations, key=dist)


def score_case(
    case_id: str, label: Mapping[str, Any], incidents: Sequence[Mapping[str, Any]],
    side_of: SideOf | None = None,
) -> CaseScore:
    """Compare one case's predicted incidents with its label (the attacker side only when
    ``side_of`` is given)."""
    expected = bool(label.get("violation"))
    match = nearest_violation(incidents, label)
    predicted = match is not None
    if not (expected and predicted):
        return CaseScore(case_id, expected, predicted)
    assert match is not None
    loc = match.get("location")
    if loc and label.get("lat") is not None and label.get("lon") is not None:
        location_ok = haversine_km(float(label["lat"]), float(label["lon"]), float(loc["lat"]),
                                  float(loc["lon"])) <= LOCATION_TOLERANCE_KM
    else:
        location_ok = bool(loc) and loc is not None and loc.get("name") == label.get("place")
    return CaseScore(
        case_id,
        expected,
        predicted,
        date_ok=match.get("date") == label.get("date"),
        location_ok=location_ok,
        fatalities_ok=match.get("fatalities") == label.get("fatalities"),
        agreements_ok=sorted(match.get("agreements") or []) == sorted(label.get("agreements")
                                                                       or []),
        event_type_ok=match.get("event_type") == label.get("event_type"),
        sub_event_type_ok=match.get("sub_event_type") == label.get("sub_event_type"),
        attacker_side_ok=attacker_side_ok(label, match, side_of) if side_of else None,
    )


@dataclass(frozen=True, slots=True)
class CorpusSet:
    """One labelled set of the development corpus manifest (``eval/corpus.toml``)."""

    name: str
    path: str  # relative to the manifest's folder


def corpus_sets(manifest: Mapping[str, Any]) -> list[CorpusSet]:
    """The sets a parsed corpus manifest names, in order; a set without a path is an error."""
    out: list[CorpusSet] = []
    for n, entry in enumerate(manifest.get("sets") or [], 1):
        path = str(entry.get("path") or "")
        if not path:
            raise ValueError(f"corpus set {n} has no path")
        out.append(CorpusSet(str(entry.get("name") or path), path))
    if not out:
        raise ValueError("the corpus manifest names no [[sets]]")
    return out


def report_words(text: str) -> int:
    """Words of a report's body (whitespace-separated), as the corpus length rule counts them."""
    return len(text.split())


def _rate(values: Sequence[bool | None]) -> float | None:
    """Share of True among the non-None values (None when there are none)."""
    vals = [v for v in values if v is not None]
    return round(sum(vals) / len(vals), 4) if vals else None


def summarise(scores: Sequence[CaseScore], elapsed_seconds: float) -> dict[str, Any]:
    """The figures ``tracker eval --json`` prints."""
    tp = sum(1 for s in scores if s.expected and s.predicted)
    fp = sum(1 for s in scores if not s.expected and s.predicted)
    fn = sum(1 for s in scores if s.expected and not s.predicted)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    tps = [s for s in scores if s.expected and s.predicted]
    return {
        "n": len(scores),
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "violation_precision": round(precision, 4),
        "violation_recall": round(recall, 4),
        "violation_f1": round(f1, 4),
        "date_accuracy": _rate([s.date_ok for s in tps]),
        "location_within_15km": _rate([s.location_ok for s in tps]),
        "fatalities_exact": _rate([s.fatalities_ok for s in tps]),
        "agreements_exact": _rate([s.agreements_ok for s in tps]),
        "event_type_accuracy": _rate([s.event_type_ok for s in tps]),
        "sub_event_type_accuracy": _rate([s.sub_event_type_ok for s in tps]),
        "attacker_side_correct": _rate([s.attacker_side_ok for s in tps]),
        "attacker_side_scored": sum(1 for s in tps if s.attacker_side_ok is not None),
        "items_per_second": round(len(scores) / elapsed_seconds, 1) if elapsed_seconds > 0
        else None,
    }


def format_table(summary: Mapping[str, Any]) -> str:
    """A plain two-column table of the summary."""
    width = max(len(k) for k in summary)
    lines = [f"{'metric'.ljust(width)}  value", f"{'-' * width}  -----"]
    for key, value in summary.items():
        shown = "n/a" if value is None else (f"{value:.3f}" if isinstance(value, float)
                                             else str(value))
        lines.append(f"{key.ljust(width)}  {shown}")
    return "\n".join(lines)
