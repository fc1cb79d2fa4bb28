"""A surname that is also a village is a person when a first name comes before it and a title
after it ("Bakr Jarada, co-chair of the local council"); the village named with "a village"
or alone stays a place (generated variations, none from a labelled set)."""

from __future__ import annotations

import itertools

import pytest

from tracker.core.mentions import find_places
from tracker.core.registries import Registries
from tracker.reference import load_reference


@pytest.fixture(scope="module")
def ref() -> Registries:
    return load_reference()


SURNAMES = ["Jarada", "Sarmin", "Binnish", "Taftanaz"]
FIRST = ["Bakr", "Ahmed", "Mohammed", "Hassan"]
TITLES = ["co-chair of the local council", "a commander of the faction", "the head of the "
          "local council", "spokesman of the group"]


@pytest.mark.parametrize(("surname", "first", "title"),
                         list(itertools.product(SURNAMES, FIRST, TITLES)))
def test_a_named_person_is_not_a_place(
    ref: Registries, surname: str, first: str, title: str
) -> None:
    text = f"The drone targeted a car carrying {first} {surname}, {title}, on Tuesday."
    assert not [m for m in find_places(ref, text) if m.surface == surname]


@pytest.mark.parametrize(("surname", "form"), list(itertools.product(
    SURNAMES, ["A drone struck a car in {s}, a village near the front, on Tuesday.",
               "Shells hit {s} on Tuesday.", "Shells hit the town of {s}, residents said."])))
def test_the_village_stays_a_place(ref: Registries, surname: str, form: str) -> None:
    assert [m for m in find_places(ref, form.format(s=surname)) if m.surface == surname]
