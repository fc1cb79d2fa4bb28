"""Merging never hides an act (issue 21, item 5).

Opposite-side attackers and swapped roles never merge; an unknown attacker is no wildcard
beyond an exact place's tolerance; one outlet is one source; two mentions of one act in one
report are one incident.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.reference import shipped_classifier, shipped_reference
from tracker.core.classifier import Classifier
from tracker.core.incident import ActorRole, Incident, ItemInput, Location
from tracker.core.merge import (
    EXACT_PLACE_KM,
    Report,
    assess,
    cluster,
    compatible,
    merge,
    outlet_keys,
    pairwise_scores,
    site_of,
    source_groups,
    syndicated,
)

# name: (lat, lon, precision, admin1); distances checked with haversine_km.
PLACES: dict[str, tuple[float, float, int, str]] = {
    "Kafr Nabl": (35.6136, 36.5611, 1, "Idlib"),
    "Hass": (35.6194, 36.6022, 1, "Idlib"),  # ~4 km from Kafr Nabl
    "near Kafr Nabudah": (35.4667, 36.4500, 2, "Hama"),  # ~19 km from Kafr Nabl
    "Jabal al-Zawiya": (35.72, 36.55, 5, "Idlib"),
}
GOV = ActorRole("Syrian government forces", "government", "attacker")
GOV_T = ActorRole("Syrian government forces", "government", "target")
HTS = ActorRole("Hayat Tahrir al-Sham", "opposition", "attacker")
HTS_T = ActorRole("Hayat Tahrir al-Sham", "opposition", "target")
IRG = ActorRole("Iran-backed militias", "other", "attacker")
CIV = ActorRole("Civilians", "civilian", "target")
SHELLING = ("Explosions/Remote violence", "Shelling/artillery/missile attack")


def report(
    key: str,
    *,
    place: str | None = "Kafr Nabl",
    actors: tuple[ActorRole, ...] = (GOV, CIV),
    url: str | None = None,
    outlet: str | None = None,
    evidence: str = "",
    content_hash: str | None = None,
    killed: int | None = None,
    confidence: float = 0.5,
) -> Report:
    location = None
    if place is not None:
        lat, lon, precision, admin1 = PLACES[place]
        location = Location(place, admin1, lat, lon, precision)
    incident = Incident(
        violation=True,
        event_type=SHELLING[0],
        sub_event_type=SHELLING[1],
        date=date(2019, 5, 6),
        date_precision=1,
        location=location,
        fatalities=killed,
        fatalities_low=killed,
        fatalities_high=killed,
        injured=None,
        actors=actors,
        confidence=confidence,
        evidence=(evidence or f"shelling at {place} reported by {key}",),
    )
    return Report(key=key, incident=incident, origin=key,
                  url=url if url is not None else f"https://{key}.example/a",
                  title=key, content_hash=content_hash or f"hash-{key}", outlet=outlet)


def _apart(why: str, a: Report, b: Report) -> None:
    verdict = assess(a, b)
    assert not verdict.compatible, (why, verdict.reasons)
    assert not compatible(a, b) and not compatible(b, a), why
    assert len(cluster([a, b])) == 2, why


# -- sides and roles -------------------------------------------------------------------------


def test_attackers_on_opposite_sides_never_merge() -> None:
    gov = report("a", actors=(GOV, HTS_T))
    hts = report("b", actors=(HTS, GOV_T))
    _apart("government shelling vs an HTS attack, same day and place", gov, hts)
    assert any("attackers differ" in r for r in assess(gov, hts).reasons)


def test_attacker_and_target_swapped_never_merge_even_with_a_shared_attacker() -> None:
    # Both name an allied militia among the attackers, so the attacker sides overlap; still
    # each report's attacker is the other's target.
    a = report("a", actors=(GOV, IRG, HTS_T))
    b = report("b", actors=(HTS, IRG, GOV_T))
    _apart("roles swapped", a, b)
    assert any("swapped" in r for r in assess(a, b).reasons)


def test_the_same_roles_with_a_shared_ally_still_merge() -> None:
    a = report("a", actors=(GOV, IRG, HTS_T))
    b = report("b", actors=(GOV, HTS_T))
    assert assess(a, b).compatible and compatible(a, b)


# -- an unknown attacker ---------------------------------------------------------------------


def test_unknown_attacker_merges_within_an_exact_places_tolerance() -> None:
    known = report("a")
    unknown = report("b", place="Hass", actors=(CIV,))
    assert assess(known, unknown).compatible and compatible(known, unknown)
    assert EXACT_PLACE_KM >= 4


def test_unknown_attacker_is_no_wildcard_beyond_it() -> None:
    # The case: an attack near Kafr Nabudah read without its attacker (HTS as a
    # target) was merged into government shelling of Kafr Nabl ~20 km away.
    shelling = report("a")
    hts_attack = report("b", place="near Kafr Nabudah", actors=(HTS_T, GOV_T))
    _apart("unknown attacker ~20 km away", shelling, hts_attack)
    assert any("attacker is unknown" in r for r in assess(shelling, hts_attack).reasons)


def test_unknown_attacker_needs_a_known_place() -> None:
    _apart("no place and no attacker", report("a"), report("b", place=None, actors=(CIV,)))
    _apart("region and no attacker", report("a"),
           report("b", place="Jabal al-Zawiya", actors=(CIV,)))


def test_with_both_attackers_known_the_region_still_merges() -> None:
    a = report("a")
    b = report("b", place="Jabal al-Zawiya")
    assert assess(a, b).compatible and compatible(a, b)


def test_a_copy_of_one_article_is_exempt() -> None:
    text = "Shells hit the Jabal al-Zawiya villages on Monday, killing two, rescuers said."
    a = report("a", place="Jabal al-Zawiya", actors=(CIV,), evidence=text, content_hash="h")
    b = report("b", actors=(GOV, CIV), evidence=text, content_hash="h")
    assert assess(a, b).compatible and compatible(a, b)


# -- one outlet, one source ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://www.enabbaladi.net/archives/1", "enabbaladi.net"),
        ("https://english.enabbaladi.net/archives/2", "enabbaladi.net"),
        ("https://www.bbc.co.uk/news/world", "bbc.co.uk"),
        ("https://sana.sy/en/?p=1", "sana.sy"),
        ("http://localhost:8080/x", "localhost"),
        (None, None),
        ("", None),
    ],
)
def test_site_of(url: str | None, site: str | None) -> None:
    assert site_of(url) == site


def test_reports_of_one_site_are_one_source() -> None:
    first = report("a", url="https://wire.example/2019/05/06/kafr-nabl", killed=3,
                   evidence="Shelling killed three civilians in Kafr Nabl on Monday.")
    update = report("b", url="https://www.wire.example/2019/05/07/kafr-nabl-toll", killed=4,
                    evidence="The toll of Monday's bombardment of Kafr Nabl rose to four.")
    other = report("c", url="https://monitor.example/kafr-nabl", killed=4,
                   evidence="Four people died under artillery fire on Kafr Nabl.")
    event = merge([first, update, other])
    assert len(event.reports) == 3
    assert event.source_count == 2
    # One figure per source: the outlet's own update (4) and the monitor's (4).
    assert event.incident.fatalities == 4
    # Two independent witnesses, not three.
    assert event.incident.confidence == pytest.approx(1 - 0.5**2, abs=1e-3)


def test_reports_of_one_feed_without_urls_are_one_source() -> None:
    a = report("a", url="", outlet="Syria Monitor", evidence="Shells hit Kafr Nabl.")
    b = report("b", url="", outlet="syria monitor ", evidence="Artillery struck the town.")
    c = report("c", url="", outlet="Wire", evidence="Three died in Kafr Nabl.")
    assert {frozenset(r.key for r in g) for g in source_groups([a, b, c])} == {
        frozenset({"a", "b"}), frozenset({"c"})}


def test_an_aggregator_feed_is_as_many_outlets_as_sites() -> None:
    a = report("a", url="https://news.google.com/rss/articles/one", outlet="Google News",
               evidence="Shells hit Kafr Nabl.")
    b = report("b", url="https://news.google.com/rss/articles/two", outlet="Google News",
               evidence="Artillery struck the town.")
    c = report("c", url="https://wire.example/x", outlet="Google News",
               evidence="Three died in Kafr Nabl.")
    d = report("d", url="https://monitor.example/y", outlet="Google News",
               evidence="A child among the dead.")
    assert outlet_keys(a) == ()
    assert len(source_groups([a, b, c, d])) == 4


# -- one act, one incident -------------------------------------------------------------------


def test_two_incidents_of_one_report_never_merge() -> None:
    a = report("a")
    b = report("b", place="Hass")
    same_item = [Report(r.key, r.incident, "item:1", r.url, r.title, r.content_hash)
                 for r in (a, b)]
    _apart("two acts told apart in one article", *same_item)


def test_a_second_mention_of_one_act_in_a_report_is_one_incident() -> None:
    clf = Classifier(shipped_reference())
    item = ItemInput(
        "Shelling kills three in Kafr Nabl",
        "Government shelling killed three civilians in Kafr Nabl in southern Idlib on Monday, "
        "local rescuers said. The shelling of Kafr Nabl on Monday also wounded five people, "
        "among them two children. Residents said the bombardment of Kafr Nabl was the "
        "heaviest in weeks.",
        datetime(2021, 6, 8, 10, 0),
    )
    incidents = clf.classify(item)
    assert len(incidents) == 1
    assert incidents[0].fatalities == 3 and incidents[0].injured == 5
    assert len(incidents[0].evidence) == 3


# -- the labelled merge set ------------------------------------------------------------------

MERGE_GROUPS = Path(__file__).resolve().parents[1] / "data" / "merge_groups.jsonl"


def _groups() -> list[dict[str, Any]]:
    return [json.loads(line) for line in MERGE_GROUPS.read_text("utf-8").splitlines() if line]


def test_the_merge_set_has_rewrites_opposite_sides_and_same_outlet_copies() -> None:
    kinds = Counter(g["kind"] for g in _groups())
    assert kinds["cross-outlet-rewrite"] >= 3
    assert kinds["opposite-sides-same-day-nearby"] >= 3
    assert kinds["same-outlet-copy"] >= 2
    assert kinds["unknown-attacker-nearby"] >= 1


@pytest.fixture(scope="module")
def labelled() -> tuple[list[Report], dict[str, str]]:
    from tracker.commands.incidents import labelled_reports

    return labelled_reports(_groups(), shipped_classifier().classify)


def test_merge_goals_on_the_labelled_set(labelled: tuple[list[Report], dict[str, str]]) -> None:
    reports, gold = labelled
    scores = pairwise_scores(gold, [[r.key for r in c] for c in cluster(reports)])
    assert scores.true_pairs >= 70
    assert scores.precision >= 0.97, scores
    assert scores.recall >= 0.93, scores


def test_same_outlet_copies_are_one_source_in_the_labelled_set(
    labelled: tuple[list[Report], dict[str, str]],
) -> None:
    reports, gold = labelled
    expected = {"g38/a": 2, "g39/a": 2, "g33/a": 3, "g34/a": 3}
    found = {}
    for members in cluster(reports):
        labels = {gold[r.key] for r in members}
        if len(labels) == 1 and (label := labels.pop()) in expected:
            found[label] = merge(members).source_count
    assert found == expected


@st.composite
def outlet_reports(draw: Any) -> list[Report]:
    texts = ["Shells hit Kafr Nabl on Monday, killing three people in the market.",
             "Artillery struck the town.", "Three died in Kafr Nabl when shells fell.", ""]
    out = []
    for i in range(draw(st.integers(min_value=1, max_value=10))):
        host = draw(st.sampled_from(["wire.example", "www.wire.example", "monitor.example",
                                     "news.google.com", ""]))
        out.append(report(
            f"o{i:02d}",
            url=f"https://{host}/{i}" if host else "",
            outlet=draw(st.sampled_from([None, "Wire", "Monitor", "Google News"])),
            evidence=draw(st.sampled_from(texts)),
            content_hash=draw(st.sampled_from([None, "h1"])),
        ))
    return out


@settings(max_examples=150, deadline=None)
@given(reports=outlet_reports())
def test_source_groups_are_the_components_of_copies_and_shared_outlets(
    reports: list[Report],
) -> None:
    def linked(a: Report, b: Report) -> bool:
        return syndicated(a, b) or bool(set(outlet_keys(a)) & set(outlet_keys(b)))

    component = {r.key: {r.key} for r in reports}
    for a in reports:
        for b in reports:
            if a is not b and linked(a, b) and component[a.key] is not component[b.key]:
                merged = component[a.key] | component[b.key]
                for key in merged:
                    component[key] = merged
    expected = {frozenset(c) for c in component.values()}
    assert {frozenset(r.key for r in g) for g in source_groups(reports)} == expected
