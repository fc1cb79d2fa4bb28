"""Actor registry: aliases, seed-corpus spellings, acronym case rules, offsets."""

from __future__ import annotations

from functools import cache
from importlib import resources

import pytest

from tracker.core.actors import Actor, ActorRegistry, is_case_sensitive_alias
from tracker.reference import parse_actors_csv


@cache
def _reg() -> ActorRegistry:
    text = resources.files("tracker.data").joinpath("actors.csv").read_text(encoding="utf-8")
    return ActorRegistry.build(parse_actors_csv(text))


def _found(text: str) -> list[tuple[str, str]]:
    return [(m.surface, m.actor.name) for m in _reg().find(text)]


@pytest.mark.parametrize(
    ("text", "surface", "actor"),
    [
        ("regime forces shelled the town", "regime forces", "Syrian government forces"),
        ("the Syrian regime said", "Syrian regime", "Syrian government forces"),
        ("pro-regime forces advanced", "pro-regime forces", "Syrian government forces"),
        (
            "regime forces had thwarted a fierce attack by Jolani's militants",
            "Jolani's militants",
            "Hayat Tahrir al-Sham",
        ),
        ("Jolani’s militants attacked", "Jolani’s militants", "Hayat Tahrir al-Sham"),
        ("an attack by Ansar Al Tawhid", "Ansar Al Tawhid", "Ansar al-Tawhid"),
        ("ties to the larger Hurras Al Deen group", "Hurras Al Deen", "Hurras al-Din"),
        ("linked Hurras Al-Din", "Hurras Al-Din", "Hurras al-Din"),
        ("Hayat Tahrir Al Sham controls Idlib", "Hayat Tahrir Al Sham", "Hayat Tahrir al-Sham"),
        ("Hay'at Tahrir al-Sham", "Hay'at Tahrir al-Sham", "Hayat Tahrir al-Sham"),
        (
            "The Ansar Abu Bakr Brigade claimed",
            "Ansar Abu Bakr Brigade",
            "Ansar Abu Bakr al-Siddiq",
        ),
        (
            "claimed by Kata'ib Khattab al-Shishani",
            "Kata'ib Khattab al-Shishani",
            "Kata'ib Khattab al-Shishani",
        ),
        ("Turkish-backed rebels assaulted", "Turkish-backed rebels", "Syrian National Army"),
        (
            "the Turkestani Islamic Party (TIP)",
            "Turkestani Islamic Party",
            "Turkistan Islamic Party",
        ),
        ("Russian airstrikes hit", "Russian airstrikes", "Russian forces"),
        ("Iran-backed militias west of Aleppo", "Iran-backed militias", "Iran-backed militias"),
        ("Tiger Forces units", "Tiger Forces", "Tiger Forces"),
        ("jihadists fired rockets", "jihadists", "Unspecified jihadist groups"),
        ("قوات النظام", "قوات النظام", "Syrian government forces"),
    ],
)
def test_aliases(text: str, surface: str, actor: str):
    assert (surface, actor) in _found(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IS claimed the attack", [("IS", "Islamic State")]),
        ("the attack is claimed", []),
        ("Is this an attack?", []),
        ("ISIS cells", [("ISIS", "Islamic State")]),
        ("sleeper agents of Isis", [("Isis", "Islamic State")]),
        ("HTS fighters", [("HTS", "Hayat Tahrir al-Sham")]),
        ("hts fighters", []),
        ("HTS’s fighters", [("HTS’s", "Hayat Tahrir al-Sham")]),
        ("the SNA advanced", [("SNA", "Syrian National Army")]),
        ("sna", []),
        ("TIP fighters", [("TIP", "Turkistan Islamic Party")]),
        ("a tip from locals", []),
        ("the SAA advanced", [("SAA", "Syrian government forces")]),
        ("SA units", []),
    ],
)
def test_acronym_case_rules(text: str, expected: list[tuple[str, str]]):
    assert _found(text) == expected


def test_longest_match_and_offsets():
    text = "Later, Syrian regime forces and Hayat Tahrir al-Sham (HTS) clashed."
    ms = _reg().find(text)
    assert [(m.surface, m.actor.name) for m in ms] == [
        ("Syrian regime forces", "Syrian government forces"),
        ("Hayat Tahrir al-Sham", "Hayat Tahrir al-Sham"),
        ("HTS", "Hayat Tahrir al-Sham"),
    ]
    assert all(text[m.start : m.end] == m.surface for m in ms)


def test_sides_and_exclusion():
    reg = _reg()
    hts = reg.get("Hayat Tahrir al-Sham")
    assert hts is not None and hts.side == "opposition" and hts.excluded
    saa = reg.get("syrian government forces")
    assert saa is not None and saa.side == "government" and not saa.excluded
    sdf = reg.get("Syrian Democratic Forces")
    assert sdf is not None and sdf.side == "other"
    assert reg.get("nobody") is None
    assert {a.side for a in reg.actors} <= {"government", "opposition", "other"}


def test_word_boundaries():
    assert _found("Hezbollahstan and NLFX are not actors") == []


def test_case_sensitive_alias_rule():
    assert is_case_sensitive_alias("IS") and is_case_sensitive_alias("HTS")
    assert not is_case_sensitive_alias("ISIS") and not is_case_sensitive_alias("Daesh")


def test_bad_side_rejected():
    with pytest.raises(ValueError):
        ActorRegistry.build([Actor("X", "neutral", False)])
