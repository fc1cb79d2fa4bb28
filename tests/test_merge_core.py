"""The merge rule, merged values, order independence and the labelled merge set."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.reference import shipped_classifier
from tracker.core.incident import ActorRole, Incident, Location
from tracker.core.merge import (
    Report,
    assess,
    best_toll,
    cluster,
    compatibility_closure,
    compatible,
    merge,
    pairwise_scores,
    partition,
    reconcile,
    source_groups,
    syndicated,
)

MERGE_GROUPS = Path(__file__).parent / "data" / "merge_groups.jsonl"

# name: (lat, lon, precision, admin1)
PLACES: dict[str, tuple[float, float, int, str]] = {
    "Ariha": (35.8126, 36.6106, 1, "Idlib"),
    "Ariha-east": (35.8126, 36.68, 1, "Idlib"),  # ~6 km east: a neighbouring village
    "Maarat Misrin": (35.9967, 36.6878, 1, "Idlib"),  # ~21 km from Ariha
    "Saraqib": (35.8647, 36.8063, 1, "Idlib"),  # ~18 km from Ariha
    "Jabal al-Zawiya": (35.72, 36.55, 5, "Idlib"),
    "Idlib governorate": (35.9, 36.6, 4, "Idlib"),
    "Aleppo governorate": (36.2, 37.1, 4, "Aleppo"),
}
GOV = ActorRole("Syrian government forces", "government", "attacker")
RUS = ActorRole("Russian forces", "government", "attacker")
HTS = ActorRole("Hayat Tahrir al-Sham", "opposition", "attacker")
SHELLING = ("Explosions/Remote violence", "Shelling/artillery/missile attack")
AIR = ("Explosions/Remote violence", "Air/drone strike")
CLASH = ("Battles", "Armed clash")


def report(
    key: str,
    *,
    day: str = "2021-06-07",
    date_precision: int = 1,
    place: str | None = "Ariha",
    kind: tuple[str, str] = SHELLING,
    actors: tuple[ActorRole, ...] = (GOV,),
    killed: int | None = None,
    low: int | None = None,
    high: int | None = None,
    confidence: float = 0.5,
    evidence: str = "",
    title: str = "",
    content_hash: str | None = None,
    origin: str | None = None,
) -> Report:
    location = None
    if place is not None:
        lat, lon, precision, admin1 = PLACES[place]
        location = Location(place, admin1, lat, lon, precision)
    incident = Incident(
        violation=True,
        event_type=kind[0],
        sub_event_type=kind[1],
        date=date.fromisoformat(day),
        date_precision=date_precision,
        location=location,
        fatalities=killed,
        fatalities_low=killed if low is None else low,
        fatalities_high=killed if high is None else high,
        injured=None,
        actors=actors,
        confidence=confidence,
        evidence=(evidence or f"{kind[1]} at {place} reported by {key}",),
    )
    return Report(
        key=key,
        incident=incident,
        origin=origin or key,
        url=f"https://{key}.example/a",
        title=title or key,
        content_hash=content_hash or f"hash-{key}",
    )


SAME = [
    ("identical facts", report("a"), report("b")),
    ("neighbouring village 6 km away", report("a"), report("b", place="Ariha-east")),
    (
        "exact place inside the region another report names",
        report("a", place="Jabal al-Zawiya", kind=AIR, actors=(RUS,)),
        report("b", kind=AIR, actors=(RUS,)),
    ),
    (
        "imprecise date overlaps the exact one",
        report("a", day="2021-06-08", date_precision=2),
        report("b", day="2021-06-07"),
    ),
    (
        "month-precision date covers the day",
        report("a", day="2021-06-01", date_precision=4),
        report("b", day="2021-06-07"),
    ),
    ("attacker unknown in one report", report("a", actors=()), report("b")),
    (
        "sub-types differ but the texts tell one story",
        report("a", kind=AIR, evidence="Russian jets and guns pounded the Ariha vegetable market"),
        report("b", evidence="Russian jets and guns pounded the Ariha vegetable market at noon"),
    ),
    (
        "syndicated copy dated differently by a rewritten headline",
        report("a", content_hash="same"),
        report("b", content_hash="same", day="2021-06-08"),
    ),
]

DIFFERENT = [
    ("a day apart at the same place", report("a"), report("b", day="2021-06-08")),
    ("different kinds of act", report("a"), report("b", kind=CLASH, actors=(HTS,))),
    ("different sub-types, unrelated texts", report("a"), report("b", kind=AIR)),
    ("opposite attackers", report("a"), report("b", actors=(HTS,))),
    ("exact places 21 km apart", report("a"), report("b", place="Maarat Misrin")),
    ("exact places 18 km apart", report("a"), report("b", place="Saraqib")),
    (
        "governorate-level reports in different governorates",
        report("a", place="Idlib governorate"),
        report("b", place="Aleppo governorate"),
    ),
    ("two acts of one article", report("a", origin="item"), report("b", origin="item")),
    (
        "copies of one article cannot bridge 21 km",
        report("a", content_hash="same"),
        report("b", content_hash="same", place="Maarat Misrin"),
    ),
]


@pytest.mark.parametrize(("why", "a", "b"), SAME, ids=[c[0] for c in SAME])
def test_reports_of_one_event_are_compatible(why: str, a: Report, b: Report) -> None:
    verdict = assess(a, b)
    assert verdict.compatible, verdict.reasons
    assert assess(b, a).compatible
    assert len(verdict.reasons) == 5


@pytest.mark.parametrize(("why", "a", "b"), DIFFERENT, ids=[c[0] for c in DIFFERENT])
def test_reports_of_different_events_are_kept_apart(why: str, a: Report, b: Report) -> None:
    verdict = assess(a, b)
    assert not verdict.compatible, why
    assert not assess(b, a).compatible
    assert verdict.score == 0.0


def test_a_place_verdict_names_the_check_that_failed() -> None:
    """Governorate-level places 55 km apart fail on the governorates, not the distance."""
    verdict = assess(report("a", place="Idlib governorate"),
                     report("b", place="Aleppo governorate"))
    assert "different governorates (Idlib, Aleppo)" in verdict.reasons
    far = assess(report("a"), report("b", place="Maarat Misrin"))
    assert any(r.startswith("Ariha and Maarat Misrin are 22 km apart (limit 10)") for r in far.reasons)


def test_an_imprecise_report_goes_to_one_event_and_never_chains_two() -> None:
    monday = report("mon", day="2021-06-07")
    tuesday = report("tue", day="2021-06-08")
    vague = report("vague", day="2021-06-08", date_precision=2)  # could be either day
    clusters = partition([monday, tuesday, vague])
    assert frozenset({"mon"}) in clusters or frozenset({"tue"}) in clusters
    assert len(clusters) == 2


def test_syndicated_copies_are_one_source() -> None:
    text = "Government guns shelled Ariha on Monday, killing four people in the market."
    original = report("wire", evidence=text, killed=4)
    copy = report("portal", evidence=text, killed=4, title="Another headline")
    independent = report("local", evidence="Four died in Ariha when shells hit", killed=5)
    assert syndicated(original, copy)
    assert not syndicated(original, independent)
    event = merge([original, copy, independent])
    assert len(event.reports) == 3
    assert event.source_count == 2


def test_merged_values_best_precision_toll_and_confidence() -> None:
    reports = [
        report("a", place="Jabal al-Zawiya", killed=4, confidence=0.5, date_precision=2),
        report("b", killed=4, low=3, confidence=0.5),
        report("c", killed=7, high=9, confidence=0.5),
    ]
    event = merge(reports)
    inc = event.incident
    assert inc.location is not None and inc.location.name == "Ariha"
    assert inc.date_precision == 1
    assert (inc.fatalities, inc.fatalities_low, inc.fatalities_high) == (4, 3, 9)
    assert inc.confidence == pytest.approx(1 - 0.5**3, abs=1e-3)
    assert event.source_count == 3
    assert len(event.merge_reasons) == 2


@pytest.mark.parametrize(
    ("figures", "best"),
    [([], None), ([4], 4), ([4, 4, 7], 4), ([3, 5], 3), ([2, 5, 9], 5), ([5, 5, 8, 8], 5)],
)
def test_best_toll_is_never_a_sum(figures: list[int], best: int | None) -> None:
    assert best_toll(figures) == best


def test_reconcile_keeps_ids_and_records_a_split() -> None:
    a, b, c = report("a"), report("b"), report("c", day="2021-06-08")
    merged_once = merge([a, b])
    old = {7: merged_once.keys | {"c"}}  # a wrong merge: c is a day later
    events = [merge(x) for x in cluster([a, b, c])]
    plan = reconcile(old, events)
    kept = [p for p in plan.placements if p.event_id == 7]
    split = [p for p in plan.placements if p.event_id is None]
    assert kept[0].event.keys == frozenset({"a", "b"})
    assert split[0].split_from == 7 and split[0].event.keys == frozenset({"c"})
    assert plan.retired == {}


def test_reconcile_retires_an_absorbed_event() -> None:
    a, b = report("a"), report("b")
    plan = reconcile({3: frozenset({"a"}), 5: frozenset({"b"})}, [merge([a, b])])
    assert [p.event_id for p in plan.placements] == [3]
    assert plan.retired == {5: 3}


def test_closure_reaches_through_compatible_pairs_only() -> None:
    seed = report("seed")
    near = report("near", place="Ariha-east")
    other_day = report("other", day="2021-06-09")
    found = compatibility_closure([seed], [near, other_day])
    assert {r.key for r in found} == {"seed", "near"}


def test_pairwise_scores() -> None:
    gold = {"a": "x", "b": "x", "c": "x", "d": "y"}
    scores = pairwise_scores(gold, [["a", "b"], ["c", "d"]])
    assert scores.true_pairs == 3 and scores.predicted_pairs == 2 and scores.correct_pairs == 1
    assert scores.precision == 0.5 and scores.recall == pytest.approx(1 / 3)


# -- order independence -----------------------------------------------------------------------

_DAYS = ["2021-06-07", "2021-06-08", "2021-06-09"]
_PLACE_NAMES = ["Ariha", "Ariha-east", "Maarat Misrin", "Jabal al-Zawiya", "Idlib governorate"]


@st.composite
def report_sets(draw: Any) -> list[Report]:
    n = draw(st.integers(min_value=1, max_value=12))
    reports = []
    for i in range(n):
        reports.append(
            report(
                f"r{i:02d}",
                day=draw(st.sampled_from(_DAYS)),
                date_precision=draw(st.sampled_from([1, 1, 2, 3])),
                place=draw(st.sampled_from([*_PLACE_NAMES, None])),
                kind=draw(st.sampled_from([SHELLING, AIR])),
                actors=draw(st.sampled_from([(GOV,), (HTS,), ()])),
                killed=draw(st.sampled_from([None, 1, 2, 4])),
                content_hash=draw(st.sampled_from([None, "copy"])),
            )
        )
    return reports


@settings(max_examples=150, deadline=None)
@given(reports=report_sets(), data=st.data())
def test_any_arrival_order_gives_the_same_events(reports: list[Report], data: Any) -> None:
    shuffled = data.draw(st.permutations(reports))
    assert partition(shuffled) == partition(reports)
    by_keys = {e.keys: e.incident for e in (merge(c) for c in cluster(reports))}
    for event in (merge(c) for c in cluster(shuffled)):
        assert by_keys[event.keys] == event.incident


@settings(max_examples=100, deadline=None)
@given(reports=report_sets())
def test_every_cluster_is_pairwise_compatible(reports: list[Report]) -> None:
    for members in cluster(reports):
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                assert assess(a, b).compatible


# -- the fast paths agree with the plain definitions --------------------------------------------

_EVIDENCE = [
    "",
    "Government forces shelled the town of Ariha on Monday, killing two civilians.",
    "Government forces shelled the town of Ariha on Monday, killing two civilians today.",
    "Artillery fire hit Ariha in southern Idlib; two people died, rescuers said.",
    "Warplanes struck Maarat Misrin at dawn.",
]


@st.composite
def varied_reports(draw: Any) -> list[Report]:
    n = draw(st.integers(min_value=1, max_value=14))
    out = []
    for i in range(n):
        r = report(
            f"v{i:02d}",
            day=draw(st.sampled_from([*_DAYS, "2021-06-20", "2021-07-30"])),
            date_precision=draw(st.sampled_from([1, 2, 3, 4, 5])),
            place=draw(st.sampled_from([*_PLACE_NAMES, "Saraqib", "Aleppo governorate", None])),
            kind=draw(st.sampled_from([SHELLING, AIR, CLASH])),
            actors=draw(st.sampled_from([(GOV,), (HTS,), (RUS,), ()])),
            evidence=draw(st.sampled_from(_EVIDENCE)),
            title=draw(st.sampled_from(["", "Shelling on Ariha", "Strikes in Idlib"])),
            content_hash=draw(st.sampled_from([None, None, "h1", "h2"])),
            origin=draw(st.sampled_from([None, None, "item-1"])),
        )
        if draw(st.booleans()) and r.incident.date is not None:
            r = replace(r, incident=replace(r.incident, date=None))
        out.append(r)
    return out


@settings(max_examples=200, deadline=None)
@given(reports=varied_reports())
def test_compatible_is_assess_without_the_reasons(reports: list[Report]) -> None:
    for a in reports:
        for b in reports:
            if a is not b:
                assert compatible(a, b) == assess(a, b).compatible


@settings(max_examples=150, deadline=None)
@given(reports=varied_reports(), data=st.data())
def test_closure_with_the_candidate_index_is_the_plain_closure(reports: list[Report], data: Any) -> None:
    k = data.draw(st.integers(min_value=1, max_value=len(reports)))
    seeds, pool = reports[:k], reports[k:]
    found = {r.key: r for r in seeds}
    frontier = list(seeds)
    while frontier:  # the definition: everything reachable through compatible pairs
        current = frontier.pop()
        for r in pool:
            if r.key not in found and assess(current, r).compatible:
                found[r.key] = r
                frontier.append(r)
    assert {r.key for r in compatibility_closure(seeds, pool)} == set(found)


@settings(max_examples=150, deadline=None)
@given(reports=varied_reports())
def test_source_groups_are_the_components_of_syndicated(reports: list[Report]) -> None:
    component = {r.key: {r.key} for r in reports}
    for a in reports:
        for b in reports:
            if a is not b and syndicated(a, b) and component[a.key] is not component[b.key]:
                merged = component[a.key] | component[b.key]
                for key in merged:
                    component[key] = merged
    expected = {frozenset(c) for c in component.values()}
    assert {frozenset(r.key for r in g) for g in source_groups(reports)} == expected


# -- the labelled set -------------------------------------------------------------------------


def _groups() -> list[dict[str, Any]]:
    return [json.loads(line) for line in MERGE_GROUPS.read_text("utf-8").splitlines() if line]


def test_labelled_set_covers_the_required_cases() -> None:
    groups = _groups()
    kinds = {g["kind"] for g in groups}
    assert len(groups) >= 30
    assert {"one-event", "same-place-same-day", "same-place-day-apart", "syndicated"} <= kinds
    assert all(len(g["reports"]) >= 2 for g in groups)


def test_merge_precision_and_recall_on_the_labelled_set() -> None:
    from tracker.commands.incidents import evaluate_merge

    scores, mistakes = evaluate_merge(_groups(), shipped_classifier().classify)
    assert scores.true_pairs >= 50
    assert scores.precision >= 0.9, mistakes
    assert scores.recall >= 0.9, mistakes
