"""Toll subjects the reader used to drop (generated variations, none from a labelled set):
intransitive deaths ("a woman died of her wounds"), victims named by role ("a schoolgirl",
"the pilot" aside), coordinated relatives with an adjective ("four of her grown-up
children"), and chains of appositives ("a man, identified as X, from Y village, was killed").
"""

from __future__ import annotations

import itertools

import pytest

from tracker.core.numbers import extract_toll

DYING = [("A woman", 1), ("A child", 1), ("Two men", 2), ("Three fighters", 3)]
ENDS = ["died of her wounds on Monday.", "died of wounds sustained in the shelling.",
        "died in hospital on Monday.", "perished in the fire that followed the strike."]


@pytest.mark.parametrize(("subject", "end"), list(itertools.product(DYING, ENDS)))
def test_an_intransitive_death_counts(subject: tuple[str, int], end: str) -> None:
    words, count = subject
    assert extract_toll([f"{words} {end}"]).best == count


@pytest.mark.parametrize(("object_", "count"), [("two civilians", 2), ("three soldiers", 3)])
def test_a_killer_with_an_object_is_no_toll_of_its_own(object_: str, count: int) -> None:
    # "A soldier killed two civilians": the figure is the object's, never the subject's 1.
    assert extract_toll([f"A soldier killed {object_} near the checkpoint."]).best == count


@pytest.mark.parametrize(("first", "second", "total"), [
    ("Three teachers", "a schoolgirl", 4), ("Two women", "a schoolboy", 3),
    ("An elderly woman", "four of her grown-up children", 5),
    ("A man", "three of his young sons", 4), ("Two medics", "a pupil", 3)])
def test_coordinated_victims_add_up(first: str, second: str, total: int) -> None:
    text = f"{first} and {second} were killed on Tuesday when shells struck the area."
    assert extract_toll([text]).best == total


@pytest.mark.parametrize("asides", [
    ", identified as Suleiman al-Salim,", ", from Kafr Aweed village,",
    ", identified as Suleiman al-Salim, from Kafr Aweed village,",
    ", known as Abu Ahmad, from the town of Ariha,"])
def test_appositives_leave_the_subject_whole(asides: str) -> None:
    assert extract_toll([f"A 40-year-old man{asides} was killed on Monday."]).best == 1
