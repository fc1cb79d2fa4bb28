"""General rules found by the fourth (blind) hold-out set: a clause that only compares an
act with the past ("the first raids since ...") does not erase the act before it; an
artillery barrage that "slammed into" a place is an act; single-word place names must be
capitalised like names (the English word "man" is not the village of Ma'an); "fighting
between X on one side and Y on the other" puts X and Y on opposite sides of the act.

Each rule is checked with sentences of our own in several wordings, and with the wordings
that must keep the old answer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.support.reference import shipped_reference
from tracker.core.classifier import Classifier
from tracker.core.events import scan_sentence
from tracker.core.incident import ItemInput

REPORT_DAY = date(2021, 10, 20)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    from zoneinfo import ZoneInfo


    return Classifier(shipped_reference(), ZoneInfo("Asia/Damascus"))


def _classify(clf: Classifier, text: str) -> list[dict[str, object]]:
    item = ItemInput(title="", text=text,
                     published=datetime(2021, 10, 20, 12, 0, tzinfo=UTC))
    return [i.to_dict() for i in clf.classify(item)]


ACT = "Government rockets hit the market of Ariha on Wednesday, killing ten people"


@pytest.mark.parametrize(
    "tail",
    [
        ", the deadliest bombardment since the Russian-Turkish truce of March 2020.",
        ", the first raids on the town since the Sochi agreement in September 2018.",
        ", in the heaviest shelling of the town since 2019, rescuers said.",
        " - the worst attack on the town since 2019.",
    ],
)
def test_a_comparing_clause_keeps_the_act_before_it(tail: str) -> None:
    scan = scan_sentence(ACT + tail, REPORT_DAY)
    assert scan.background is None
    assert [a.trigger for a in scan.acts] == ["hit", "killing"]


@pytest.mark.parametrize(
    "sentence",
    [
        # a date that dates the act itself, wherever it stands
        "Government rockets hit the market of Ariha in March 2020, killing ten people.",
        "Government rockets hit the market of Ariha, killing ten people, in March 2020.",
        # "since" inside the act's own clause: a description of a period, not a new act
        "Government rockets have hit the market of Ariha since 2019.",
        # the comparison comes first: nothing before it to keep
        "Since the truce of March 2020, government rockets hit the market of Ariha.",
    ],
)
def test_a_dating_cue_still_makes_the_sentence_background(sentence: str) -> None:
    scan = scan_sentence(sentence, REPORT_DAY)
    assert scan.acts == ()
    assert scan.background


def test_the_comparing_clause_does_not_erase_the_incident(classifier: Classifier) -> None:
    plain = _classify(classifier, ACT + ".")
    compared = _classify(classifier, ACT + ", the deadliest bombardment since the truce of "
                         "March 2020, rescuers said.")
    for found in (plain, compared):
        assert len(found) == 1
        inc = found[0]
        assert inc["violation"] is True
        assert inc["date"] == "2021-10-20"
        assert inc["fatalities"] == 10
        assert inc["location"]["name"] == "Ariha"  # type: ignore[index]


@pytest.mark.parametrize(
    ("sentence", "impact"),
    [
        ("Government artillery slammed into Ariha on Wednesday, killing a child.", True),
        ("Rocket fire crashed into the square of Ariha on Wednesday.", True),
        ("Artillery barrages rained down on Ariha on Wednesday.", True),
        ("Air strikes slammed into the outskirts of Ariha on Wednesday.", True),
        # an accident keeps no act
        ("A lorry slammed into a bus near Ariha on Wednesday.", False),
    ],
)
def test_impact_verbs_with_fire_as_subject(sentence: str, impact: bool) -> None:
    acts = scan_sentence(sentence, REPORT_DAY).acts
    assert any(a.trigger.startswith(("slammed", "crashed", "rained")) for a in acts) is impact
    assert bool(acts) is impact


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("\"We thought it was the end,\" said a displaced man in the camp.", []),
        ("A man was wounded by shelling on Ma'an on Monday.", ["Ma'an"]),
        ("Shells fell on al-Bab on Monday.", ["al-Bab"]),
        ("Shells fell on Al-Bab on Monday.", ["al-Bab"]),
    ],
)
def test_single_word_places_need_a_capital(classifier: Classifier, text: str,
                                           names: list[str]) -> None:
    found = [m.place.name.split(" (")[0] for m in classifier.places(text)]
    assert [n for n in found if n in ("Ma'an", "al-Bab")] == names


@pytest.mark.parametrize(
    "text",
    [
        "At least 26 fighters were killed on Tuesday in fighting between Hayat Tahrir al-Sham "
        "on one side and the Nour al-Din al-Zinki Movement on the other in Daret Izza.",
        "At least 26 fighters were killed on Tuesday in fighting between Hayat Tahrir al-Sham "
        "and the Nour al-Din al-Zinki Movement in Daret Izza.",
        "At least 26 fighters were killed on Tuesday in fighting between Hayat Tahrir al-Sham "
        "on the one hand and the Nour al-Din al-Zinki Movement on the other in Daret Izza.",
    ],
)
def test_between_one_side_and_the_other_is_intra_side(classifier: Classifier,
                                                       text: str) -> None:
    found = _classify(classifier, text)
    assert len(found) == 1
    inc = found[0]
    assert inc["violation"] is False
    roles = {a["name"]: a["role"] for a in inc["actors"]}  # type: ignore[attr-defined]
    assert roles == {"Hayat Tahrir al-Sham": "attacker", "Nour al-Din al-Zinki": "target"}
    assert "intra-side" in inc["reasons"][0]  # type: ignore[index]


@pytest.mark.parametrize(
    ("details", "toll"),
    [
        (" Three soldiers were lightly injured. Nobody was killed.", 0),
        (" Three soldiers were lightly injured. Four civilians were killed.", 4),
        (" Four civilians were killed.", 4),
        # the second detail sentence reports an act of its own: its dead are not this act's
        (" Three soldiers were lightly injured. Separately, jets bombed Sarmin, killing two.",
         None),
    ],
)
def test_detail_sentences_after_the_act_give_its_toll(classifier: Classifier, details: str,
                                                       toll: int | None) -> None:
    text = "A roadside bomb hit a joint Russian-Turkish patrol near Ariha on Wednesday." + details
    found = [i for i in _classify(classifier, text)
             if i["location"] and i["location"]["name"] == "Ariha"]  # type: ignore[index]
    assert len(found) == 1
    assert found[0]["fatalities"] == toll


@pytest.mark.parametrize(
    ("sentence", "values"),
    [
        ("Nine civilians were killed on Friday.", [9]),
        ("Activists say fifteen civilians have been killed in the town over the past seven "
         "days.", []),
        ("More than a hundred people have been killed across the region since the beginning "
         "of the year.", []),
        ("Twenty fighters were killed in the last two weeks, a monitor said.", []),
        # one act's toll beside a period total: only the total goes
        ("The strike killed nine people, bringing the number killed over the past month to 40.",
         [9]),
        # a day or two can still be one act's toll
        ("Twelve civilians were killed in the past 24 hours in air strikes on the town.", [12]),
    ],
)
def test_period_totals_are_no_acts_toll(sentence: str, values: list[int]) -> None:
    from tracker.core.numbers import find_figures

    found = [f.value for f in find_figures(sentence) if f.kind == "killed"]
    assert found == values


@pytest.mark.parametrize(
    ("sentence", "best"),
    [
        ("Shelling hit the town on Monday, killing a man and his two sons.", 3),
        ("Shelling hit the town on Monday, killing two children and their mother.", 3),
        ("Shelling hit the town on Monday, killing a woman and her three children.", 4),
        ("A mother and her baby were killed when shells hit the town.", 2),
        ("The strike killed a farmer and his wife.", 2),
        ("An elderly man and his parents were killed.", 3),
        # a plural without a number cannot be counted: only the first victim is
        ("A woman and her children were killed.", 1),
    ],
)
def test_relatives_named_after_a_victim_add_up(sentence: str, best: int) -> None:
    from tracker.core.numbers import extract_toll

    assert extract_toll([sentence]).best == best


def test_a_family_listed_in_detail_is_not_added_to_the_total() -> None:
    from tracker.core.numbers import extract_toll

    toll = extract_toll(["Shelling killed nine civilians in the town on Monday.",
                         "A teacher died at the school, and a woman and her son were killed "
                         "nearby."])
    assert toll.best == 9


@pytest.mark.parametrize(
    ("text", "roles"),
    [
        ("Fighters of Hayat Tahrir al-Sham attacked Syrian army positions near Ariha on "
         "Wednesday, killing two soldiers.",
         {"Hayat Tahrir al-Sham": "attacker", "Syrian government forces": "target"}),
        ("HTS fighters stormed an army post near Ariha on Wednesday.",
         {"Hayat Tahrir al-Sham": "attacker", "Syrian government forces": "target"}),
        ("Two members of the Syrian government forces were shot dead by HTS snipers near "
         "Ariha on Wednesday.",
         {"Hayat Tahrir al-Sham": "attacker", "Syrian government forces": "target"}),
        ("The town of Ariha came under heavy fire from Russian forces on Wednesday.",
         {"Russian forces": "attacker"}),
    ],
)
def test_subject_heads_and_fire_from(classifier: Classifier, text: str,
                                     roles: dict[str, str]) -> None:
    found = _classify(classifier, text)
    assert len(found) == 1 and found[0]["violation"] is True
    assert {a["name"]: a["role"] for a in found[0]["actors"]} == roles  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("sentence", "acts"),
    [
        ("Activists denied reports that government forces had shelled Ariha on Wednesday.", 0),
        ("The army dismissed claims that its jets struck Ariha on Wednesday.", 0),
        ("Activists said government forces shelled Ariha on Wednesday.", 1),
    ],
)
def test_a_denied_report_is_not_an_act(sentence: str, acts: int) -> None:
    assert len(scan_sentence(sentence, REPORT_DAY).acts) == acts
