"""Casualty figures: number words, vague quantities, sums over sides, unknowns."""

from __future__ import annotations

import pytest

from tracker.core.numbers import extract_toll, parse_count

WORDS = [
    ("21", 21),
    ("1,200", 1200),
    ("five", 5),
    ("twenty-one", 21),
    ("twenty one", 21),
    ("a hundred", 100),
    ("two hundred and fifty", 250),
    ("dozens", 12),
    ("dozens of", 12),
    ("tens of", 10),
    ("hundreds", 100),
    ("a dozen", 12),
    ("several", None),
    ("a number of", None),
]


@pytest.mark.parametrize(("words", "value"), WORDS)
def test_parse_count(words: str, value: int | None) -> None:
    assert parse_count(words) == value


TOLLS = [
    # (sentences, best, low, high, injured)
    (["Nine civilians were killed in the raid."], 9, 9, 9, None),
    (
        ["21 regime fighters were killed at dawn.", "Five militants were also killed."],
        26,
        26,
        26,
        None,
    ),
    (
        ["The group killed 21 soldiers on Sunday.", "21 soldiers were killed, a monitor said."],
        21,
        21,
        21,
        None,
    ),
    (
        [
            "Rockets killed two civilians, a monitor said.",
            "Medics said four civilians were killed.",
        ],
        4,
        2,
        4,
        None,
    ),
    (["Dozens of fighters were killed in the battle."], 12, 12, 12, None),
    (["The strike killed and wounded 14 people."], None, None, None, None),
    (["More than 20 soldiers were killed and wounded."], None, None, None, None),
    (
        ["The attack led to the killing and wounding of a number of militants."],
        None,
        None,
        None,
        None,
    ),
    (["A number of soldiers were killed."], None, None, None, None),
    (["Seven civilians, five of them children, were killed on Saturday."], 7, 7, 7, None),
    (["The shelling left 8 civilians dead; it also injured 11 others."], 8, 8, 8, 11),
    (["The jets struck a house, killing two children and a woman."], 3, 3, 3, None),
    (["A car bomb wounded three soldiers; no one was killed."], 0, 0, 0, 3),
    (
        ["Soldiers were killed, the group claimed.", "No deaths were reported."],
        None,
        None,
        None,
        None,
    ),
    (["The death toll rose to 16."], 16, 16, 16, None),
    (["Two suicide car bomb attacks targeted the army."], None, None, None, None),
]


@pytest.mark.parametrize(("sentences", "best", "low", "high", "injured"), TOLLS)
def test_extract_toll(
    sentences: list[str],
    best: int | None,
    low: int | None,
    high: int | None,
    injured: int | None,
) -> None:
    toll = extract_toll(sentences)
    assert (toll.best, toll.low, toll.high, toll.injured) == (best, low, high, injured)


def test_unknown_is_never_zero() -> None:
    toll = extract_toll(["Several people were killed in the shelling."])
    assert toll.best is None


def test_evidence_lists_the_sentences_with_figures() -> None:
    toll = extract_toll(["Jets struck Ariha.", "Four people were killed."])
    assert toll.evidence == ("Four people were killed.",)
