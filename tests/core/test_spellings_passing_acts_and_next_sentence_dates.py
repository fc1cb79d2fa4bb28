"""General rules found by the third (blind) hold-out set: the "gh"/"g" spelling of ghayn,
"fighting vehicles" as a noun, an earlier act named in passing, a placeless act in the
next sentence that gives an undated event its day, and weapons that "slammed into" a
place."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.support.reference import shipped_reference
from tracker.core.classifier import Classifier
from tracker.core.events import scan_sentence
from tracker.core.gazetteer import normalise_word
from tracker.core.incident import ItemInput


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    from zoneinfo import ZoneInfo


    return Classifier(shipped_reference(), ZoneInfo("Asia/Damascus"))


@pytest.mark.parametrize(
    ("a", "b"),
    [("Shughur", "Shugour"), ("Shughour", "Shogour"), ("Maghara", "Magara")],
)
def test_ghayn_spellings_fold_alike(a: str, b: str) -> None:
    assert normalise_word(a) == normalise_word(b)


def test_a_french_style_spelling_finds_the_town(classifier: Classifier) -> None:
    text = "Warplanes struck the market in Jisr al-Shugour on Sunday, killing four people."
    places = classifier.places(text)
    assert [p.place.name for p in places] == ["Jisr al-Shughur"]


@pytest.mark.parametrize(
    ("sentence", "acts"),
    [
        ("A column of tanks and infantry fighting vehicles drove to the base on Monday, "
         "activists said.", 0),
        ("The convoy passed positions that the army took during last year's offensive, "
         "activists said on Monday.", 0),
        ("Troops pulled back from villages lost in last winter's heavy bombardment, "
         "residents said on Tuesday.", 0),
        # the same words about a current act still count
        ("Government forces launched an offensive on the village on Monday, a monitor said.", 1),
        ("Fighting raged near the village on Monday, a monitor said.", 1),
    ],
)
def test_acts_named_in_passing_are_not_reported(sentence: str, acts: int) -> None:
    assert len(scan_sentence(sentence, date(2021, 3, 10)).acts) == acts


def _item(text: str, published: datetime) -> ItemInput:
    return ItemInput(title="", text=text, published=published)


def test_next_sentence_dates_an_undated_event(classifier: Classifier) -> None:
    text = (
        "A soldier was killed when government artillery hit the Turkish observation post at "
        "Sher Mughar in the Hama countryside, a monitor said. "
        "The post came under fire twice on Tuesday, and the second round struck a watchtower, "
        "the monitor added."
    )
    incidents = classifier.classify(_item(text, datetime(2019, 6, 12, 8, tzinfo=UTC)))
    assert len(incidents) == 1
    assert incidents[0].date == date(2019, 6, 11) and incidents[0].date_precision == 1


def test_an_older_day_in_the_next_sentence_is_another_event(classifier: Classifier) -> None:
    text = (
        "A soldier was killed when government artillery hit the Turkish observation post at "
        "Sher Mughar in the Hama countryside, a monitor said. "
        "Last Monday a shell struck a watchtower in the same area, the monitor added."
    )
    # an afternoon report: its undated act is of the report's day (a morning one's of the
    # day before, see test_morning_reports.py)
    incidents = classifier.classify(_item(text, datetime(2019, 6, 14, 12, tzinfo=UTC)))
    dated = [i for i in incidents if i.location is not None]
    assert [i.date for i in dated] == [date(2019, 6, 14)]


@pytest.mark.parametrize(
    ("sentence", "acts"),
    [
        ("Nine people died on Monday when a rocket slammed into a crowded market in the town, "
         "medics said.", True),
        ("A drone crashed into a school yard on Monday morning, a teacher said.", True),
        ("Cluster munitions rained down on the village on Monday, residents said.", True),
        # without a weapon before it, an impact verb is an accident, not an act
        ("Four people died on Monday when a bus slammed into a lorry on the highway, police "
         "said.", False),
    ],
)
def test_weapons_that_slam_into_a_place(sentence: str, acts: bool) -> None:
    scan = scan_sentence(sentence, date(2021, 3, 10))
    impact = [a for a in scan.acts if a.trigger.lower().startswith(("slam", "crash", "rain"))]
    assert bool(impact) == acts
    assert len(scan.acts) == len(impact)  # no other act word in these sentences
