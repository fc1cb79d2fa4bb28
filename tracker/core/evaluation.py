"""Scoring classifier output against labelled cases (pure; the command does the I/O).

A report counts as predicted-violation when any of its incidents is a violation. Field
accuracies are measured over the true positives only, on the predicted violation nearest
the labelled place, because a report may describe several incidents and the label
describes one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tracker.core.geo import haversine_km

LOCATION_TOLERANCE_KM = 15.0


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
    case_id: str, label: Mapping[str, Any], incidents: Sequence[Mapping[str, Any]]
) -> CaseScore:
    """Compare one case's predicted incidents with its label."""
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
    )


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
