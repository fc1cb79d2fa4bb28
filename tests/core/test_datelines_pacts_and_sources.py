"""Who is a party to the act, and what the report's closing casualty line covers (generated
variations, none from a labelled set).

- A name in the dateline ("CAIRO/DAMASCUS - ") says where the report was filed; a headline's
  "SDF: ..." says who speaks.  Neither is the attacker.
- The parties of a pact ("the ceasefire between Damascus and the SDF") signed it; they do not
  fight in that clause.
- The one party a report names beside fire from an unnamed source is the one fired on, where
  the agreement lets either side stand in for an unnamed one.
- "No casualties were reported." further on speaks of the report's main act too, and "No
  arrests or injuries were reported." says nobody was killed.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tracker.core.classifier import Classifier
from tracker.core.incident import Incident, ItemInput
from tracker.core.numbers import extract_toll
from tracker.reference import load_reference


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_reference(), ZoneInfo("Asia/Damascus"))


WHEN = datetime(2026, 1, 31, 9, tzinfo=UTC)  # a Saturday; the SDF agreement of 2026 in force


def _roles(incidents: list[Incident]) -> dict[str, str | None]:
    return {a.name: a.role for i in incidents if i.violation for a in i.actors}


DATELINES = ["DAMASCUS - ", "CAIRO/DAMASCUS \u2014 ", "DAMASCUS \u2013 ", "Damascus, Jan. 31 - ",
             "DAMASCUS (Reuters) - "]
ACTS = ["Syrian Democratic Forces fighters fired about ten shells at Syrian army positions "
        "around Tell Tamr on Friday.",
        "SDF units fired mortar rounds at army positions near Tell Tamr on Friday."]


@pytest.mark.parametrize(("dateline", "act"), list(itertools.product(DATELINES, ACTS)))
def test_a_dateline_city_is_no_attacker(classifier: Classifier, dateline: str, act: str) -> None:
    roles = _roles(classifier.classify(ItemInput("", dateline + act, WHEN)))
    assert roles.get("Syrian Democratic Forces") == "attacker", roles
    assert roles.get("Syrian government forces") == "target", roles


PACTS = ["Despite the ceasefire between Damascus and the Syrian Democratic Forces, ",
         "Despite the agreement signed between the government and the SDF, ",
         "Hours after the truce between the Syrian government and the SDF took effect, "]
UNNAMED = ["drones struck villages around Tell Tamr on Friday.",
           "shells fell on villages around Tell Tamr on Friday."]


@pytest.mark.parametrize(("pact", "act"), list(itertools.product(PACTS, UNNAMED)))
def test_the_parties_of_a_pact_do_not_fight_in_its_clause(
    classifier: Classifier, pact: str, act: str
) -> None:
    roles = _roles(classifier.classify(ItemInput("", pact + act, WHEN)))
    assert roles.get("Syrian Democratic Forces") != "attacker", roles


@pytest.mark.parametrize(("pact", "attacker"), list(itertools.product(
    PACTS, ["SDF drones struck army positions near Tell Tamr on Friday.",
            "SDF fighters shelled army positions near Tell Tamr on Friday."])))
def test_a_named_attack_after_a_pact_keeps_its_roles(
    classifier: Classifier, pact: str, attacker: str
) -> None:
    roles = _roles(classifier.classify(ItemInput("", pact + attacker, WHEN)))
    assert roles.get("Syrian Democratic Forces") == "attacker", roles


SPEAKERS = ["the SDF said", "the Syrian Democratic Forces said in a statement",
            "according to the SDF media centre"]
HITS = ["Suicide drones hit positions around Tell Tamr on Friday, {s}.",
        "Artillery shells fell around Tell Tamr on Friday, {s}."]


@pytest.mark.parametrize(("speaker", "hit"), list(itertools.product(SPEAKERS, HITS)))
def test_the_party_reporting_unattributed_fire_is_its_target(
    classifier: Classifier, speaker: str, hit: str
) -> None:
    incidents = classifier.classify(ItemInput("", hit.format(s=speaker), WHEN))
    roles = _roles(incidents)
    assert roles.get("Syrian Democratic Forces") != "attacker", roles
    assert any(i.violation for i in incidents)


HEADLINE_SPEAKERS = ["SDF: ", "Syrian Democratic Forces: "]


@pytest.mark.parametrize(("speaker", "hit"), list(itertools.product(HEADLINE_SPEAKERS, HITS)))
def test_a_headline_speaker_is_no_attacker(
    classifier: Classifier, speaker: str, hit: str
) -> None:
    title = speaker + "drones and shells hit positions around Tell Tamr"
    body = hit.format(s="a statement said")
    roles = _roles(classifier.classify(ItemInput(title, title + "\n\n" + body, WHEN)))
    assert roles.get("Syrian Democratic Forces") != "attacker", roles


MAIN = ["Israeli forces entered the village of Saida al-Hanout in Quneitra on Tuesday and set "
        "up two checkpoints.",
        "Israeli troops raided the village of Saida al-Hanout in Quneitra on Tuesday."]
SECOND = ["On Wednesday, a patrol moved through the outskirts of Jubata al-Khashab.",
          "A day later, Israeli vehicles were seen near Jubata al-Khashab."]
CLOSING = ["No casualties were reported in either incident.", "No one was hurt.",
           "No arrests or injuries were reported."]


@pytest.mark.parametrize(("main", "second", "closing"),
                         list(itertools.product(MAIN, SECOND, CLOSING)))
def test_a_closing_zero_line_covers_the_main_act(
    classifier: Classifier, main: str, second: str, closing: str
) -> None:
    when = datetime(2025, 11, 20, 9, tzinfo=UTC)  # a Thursday
    text = f"{main}\n\nResidents said the troops searched homes.\n\n{second}\n\n{closing}"
    incidents = classifier.classify(ItemInput("", text, when))
    first = next(i for i in incidents if i.location and i.location.name == "Saida al-Hanout")
    assert first.fatalities == 0, [i.to_dict() for i in incidents]


@pytest.mark.parametrize("other", ["arrests", "damage", "detentions", "deaths"])
def test_no_x_or_injuries_is_zero_killed(other: str) -> None:
    assert extract_toll([f"No {other} or injuries were reported."]).best == 0
    assert extract_toll([f"No {other} or casualties were reported."]).best == 0


# -- attempts, defences told in the passive, origins, victims -------------------------------

WHEN_2019 = datetime(2019, 5, 24, 6, tzinfo=UTC)  # a Friday; Sochi 2018 in force
ATTEMPTS = ["Government forces attempted to break into {p} on Thursday.",
            "The Syrian army tried to storm {p} on Thursday.",
            "The Syrian Arab Army renewed its attempt to break into the town of {p} on Thursday.",
            "Government troops made a bid to capture {p} on Thursday."]
FRONT = ["Kabani", "Kafr Nabudah", "al-Lataminah"]


@pytest.mark.parametrize(("attempt", "place"), list(itertools.product(ATTEMPTS, FRONT)))
def test_an_attempted_assault_is_an_assault(
    classifier: Classifier, attempt: str, place: str
) -> None:
    incidents = classifier.classify(ItemInput("", attempt.format(p=place), WHEN_2019))
    assert _roles(incidents).get("Syrian government forces") == "attacker", \
        [i.to_dict() for i in incidents]


DEFENCES = ["An army assault on {p} was repelled by HTS fighters on Thursday.",
            "An army assault on {p} was thrown back by Hayat Tahrir al-Sham on Thursday.",
            "Hayat Tahrir al-Sham fighters beat back an army assault on {p} on Thursday."]


@pytest.mark.parametrize(("defence", "place"), list(itertools.product(DEFENCES, FRONT)))
def test_the_agent_of_a_defence_is_the_target(
    classifier: Classifier, defence: str, place: str
) -> None:
    roles = _roles(classifier.classify(ItemInput("", defence.format(p=place), WHEN_2019)))
    assert roles.get("Syrian government forces") == "attacker", roles
    assert roles.get("Hayat Tahrir al-Sham") == "target", roles


ORIGINS = ["Rescuers said the strike came from government positions around Kafr Nabl.",
           "The fire came from ground held by government forces, activists said.",
           "Local media said the shells came from regime positions to the south."]


@pytest.mark.parametrize(("origin", "place"), list(itertools.product(ORIGINS, FRONT[1:])))
def test_where_the_fire_came_from_names_the_attacker(
    classifier: Classifier, origin: str, place: str
) -> None:
    text = f"Guided artillery shells struck a civil defence centre in {place} on Thursday. {origin}"
    incidents = classifier.classify(ItemInput("", text, WHEN_2019))
    hit = [i for i in incidents if i.location and i.location.name != "Kafr Nabl"]
    assert any(i.violation for i in hit), [i.to_dict() for i in incidents]


@pytest.mark.parametrize(("victim", "aside"), list(itertools.product(
    ["A volunteer of the Syria Civil Defence", "A rescue volunteer", "A medic",
     "A pedestrian"], ["", ", known as the White Helmets,", ", also known as Abu Ahmad,"])))
def test_a_named_kind_of_victim_counts(victim: str, aside: str) -> None:
    text = f"{victim}{aside} was killed and three of his colleagues were wounded on Thursday."
    toll = extract_toll([text])
    assert (toll.best, toll.injured) == (1, 3)


RIVALRY = ["Clashes continued on Thursday between Hayat Tahrir al-Sham and a new coalition of "
           "al-Qaeda loyalists in north-west Syria.",
           "Fighting went on on Thursday between Hayat Tahrir al-Sham and hardline rivals in "
           "north-west Syria."]
DETAIL = ["Hurras al-Din fighters seized several HTS checkpoints near Arab Said.",
          "Hurras al-Din fighters attacked HTS positions near Arab Said."]


@pytest.mark.parametrize(("rivalry", "detail"), list(itertools.product(RIVALRY, DETAIL)))
def test_the_only_assailant_of_a_party_fights_it_elsewhere_in_the_report(
    classifier: Classifier, rivalry: str, detail: str
) -> None:
    when = datetime(2020, 6, 26, 9, tzinfo=UTC)  # a Friday
    incidents = classifier.classify(ItemInput("", f"{rivalry} {detail}", when))
    assert not any(i.violation for i in incidents), [i.to_dict() for i in incidents]
