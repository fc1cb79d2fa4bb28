"""Victims told with their age count like any other ("a 65-year-old woman", "a young man in
his twenties"; generated variations, none from a labelled set)."""

from __future__ import annotations

import itertools

import pytest

from tracker.core.numbers import extract_toll

SUBJECTS = [("A 65-year-old woman", 1), ("A young man in his twenties", 1),
            ("Two 10-year-old boys", 2), ("A man in his early forties", 1),
            ("Three teenagers in their late teens", 3), ("An 80-year-old farmer", 1)]
ENDINGS = ["was killed on Tuesday when a shell hit the house.",
           "were killed on Tuesday when a shell hit the house."]
REST = ["", " Her husband was wounded.", " Several others were wounded."]


@pytest.mark.parametrize(("subject", "rest"), list(itertools.product(SUBJECTS, REST)))
def test_an_aged_victim_counts(subject: tuple[str, int], rest: str) -> None:
    words, count = subject
    ending = ENDINGS[0] if count == 1 else ENDINGS[1]
    assert extract_toll([f"{words} {ending}{rest}"]).best == count


@pytest.mark.parametrize("ages", ["aged 65", "65 years old", "in his twenties"])
def test_an_age_is_no_toll(ages: str) -> None:
    assert extract_toll([f"The man, {ages}, was wounded on Tuesday."]).best is None
