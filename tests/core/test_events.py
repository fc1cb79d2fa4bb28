"""Hostile-act detection, ACLED typing, negative cues and roles (table-driven)."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.core.events import (
    AIR,
    ARMED_CLASH,
    ATTACK,
    IED,
    SHELLING,
    SUICIDE,
    Span,
    assign_roles,
    scan_sentence,
)

PUBLISHED = date(2020, 9, 2)

ACTS = [
    ("Russian jets struck a market in Ariha on Monday.", AIR),
    ("Regime forces shelled Kafranbel with artillery on Sunday.", SHELLING),
    ("Militants launched two suicide car bomb attacks on army posts on Saturday.", SUICIDE),
    ("A roadside bomb hit a patrol near Ariha this morning.", IED),
    ("HTS fighters clashed with army units near Kabani on Tuesday.", ARMED_CLASH),
    ("A unit of the army repelled an infiltration attempt at dawn today.", ARMED_CLASH),
    ("Gunmen shot dead a shepherd near Sarmada yesterday.", ATTACK),
    ("Explosive-laden suicide drones hit a car in Qastoun on Thursday.", AIR),
]


@pytest.mark.parametrize(("sentence", "sub"), ACTS)
def test_acts_and_their_type(sentence: str, sub: str) -> None:
    scan = scan_sentence(sentence, PUBLISHED)
    assert scan.acts, scan
    assert sub in {a.sub_event_type for a in scan.acts}


NOT_ACTS = [
    "The group warned of more attacks on Turkish soldiers.",
    "The group has threatened new attacks on Turkish positions.",
    "Turkey could launch a fresh military offensive if the assault does not cease.",
    "An agreement was reached to end the fighting.",
    "Roadside bombs and rockets have frequently targeted the patrols.",
    "In 2019, the Syrian army clashed with HTS for several days at the Kabanah axis.",
    "Recent weeks have seen escalating bombing of rebel positions.",
    "A devastating offensive on Idlib in December killed hundreds of civilians.",
    "Turkey is sending reinforcements before an expected offensive by the army.",
    "The deal comes a week after 33 soldiers were killed in an air strike.",
    "Hundreds of targeted killings have been reported since April.",
]


@pytest.mark.parametrize("sentence", NOT_ACTS)
def test_statements_threats_and_background_are_not_acts(sentence: str) -> None:
    assert scan_sentence(sentence, PUBLISHED).acts == ()


def test_present_perfect_without_a_day_is_flagged() -> None:
    scan = scan_sentence("Russia has also launched airstrikes on the Kabana area.", PUBLISHED)
    assert scan.acts and scan.perfect_only


def _roles(sentence: str, names: list[str]) -> dict[str, str]:
    scan = scan_sentence(sentence, PUBLISHED)
    spans = [Span(sentence.index(n), sentence.index(n) + len(n), n) for n in names]
    return assign_roles(sentence, scan.acts, spans)


ROLES = [
    (
        "Ansar Abu Bakr claimed an attack on a Turkish base last week.",
        {"Ansar Abu Bakr": "attacker", "Turkish base": "target"},
    ),
    (
        "21 soldiers were killed in an attack by Ansar al-Tawhid on Sunday.",
        {"soldiers": "target", "Ansar al-Tawhid": "attacker"},
    ),
    (
        "The Syrian army confronted HTS militants trying to infiltrate on Friday.",
        {"Syrian army": "target", "HTS": "attacker"},
    ),
    (
        "Russian warplanes bombed rebel positions in Idlib on Monday.",
        {"Russian warplanes": "attacker", "rebel": "target"},
    ),
    (
        "Army artillery on Saturday hit positions held by the TIP near Kabani.",
        {"Army": "attacker", "TIP": "target"},
    ),
]


@pytest.mark.parametrize(("sentence", "expected"), ROLES)
def test_roles_from_clause_structure(sentence: str, expected: dict[str, str]) -> None:
    assert _roles(sentence, list(expected)) == expected


def test_source_attribution_gets_no_role() -> None:
    sentence = "According to HTS, regime forces shelled Ariha on Monday."
    roles = _roles(sentence, ["HTS", "regime forces"])
    assert "HTS" not in roles and roles["regime forces"] == "attacker"
