"""Parties named by their patron, accusations and comments, hard-wrapped reports, and the
attacker side the violation rule infers (generated variations; none of these sentences
comes from a labelled set).

Each family crosses its lexicon with sentence templates, so one wording cannot pass by luck:
the answer must not change with the party noun, the relation word, the patron's name, the
verb of comment, or the width a report is wrapped at.
"""

from __future__ import annotations

import itertools
import json
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.support.reference import shipped_reference
from tracker.core.classifier import Classifier
from tracker.core.events import Span, assign_roles, scan_sentence
from tracker.core.incident import Incident, ItemInput
from tracker.core.mentions import GOV, find_actors
from tracker.core.merge import attacker_sides
from tracker.core.text import unwrap

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(shipped_reference(), ZoneInfo("Asia/Damascus"))

NOUNS = ["groups", "factions", "fighters", "forces", "militias", "gunmen", "armed groups"]
RELATIONS = ["affiliated with", "loyal to", "linked to", "allied with", "backed by",
             "aligned with"]
PATRONS = ["the government", "Damascus", "the Syrian government", "the government in Damascus",
           "the Defence Ministry", "the transitional government"]


@pytest.mark.parametrize(("noun", "relation", "patron"),
                         list(itertools.product(NOUNS, RELATIONS, PATRONS)))
def test_a_party_named_by_its_patron_is_one_government_mention(
    classifier: Classifier, noun: str, relation: str, patron: str
) -> None:
    phrase = f"{noun} {relation} {patron}"
    sentence = f"The SDF said {phrase} shelled the village of Tal Tamr on Monday."
    found = [(sentence[s:e], info.side) for s, e, info in find_actors(classifier.ref, sentence)]
    assert (phrase, GOV) in found, found


@pytest.mark.parametrize("phrase", [
    "Damascus-linked fighters", "government-affiliated factions", "pro-government gunmen",
    "Damascus-backed militias", "government-aligned forces", "pro-Damascus factions",
])
def test_hyphenated_patrons_name_the_government_side(classifier: Classifier, phrase: str) -> None:
    sentence = f"{phrase} attacked SDF positions near Deir Hafer on Tuesday."
    sides = {info.side for s, e, info in find_actors(classifier.ref, sentence)
             if s == 0}
    assert sides == {GOV}


def test_the_patron_phrase_is_not_read_as_a_source(classifier: Classifier) -> None:
    """"linked to the government" used to mark a source ("an outlet linked to X")."""
    item = ItemInput(
        "", "Groups affiliated with the government in Damascus shelled the town of Deir Hafer, "
        "east of Aleppo, with heavy weapons on Tuesday, the Syrian Democratic Forces said.",
        datetime(2026, 1, 13, 18, tzinfo=UTC))
    incidents = classifier.classify(item)
    assert incidents
    attackers = {a.side for a in incidents[0].actors if a.role == "attacker"}
    assert attackers == {GOV}


ACCUSERS = ["The SDF", "The Syrian Democratic Forces (SDF)", "The Kurdish-led force",
            "The Asayish"]
ACCUSE_FORMS = ["{who} accused {whom} of shelling {what}",
                "{who} on Wednesday accused {whom} of shelling {what}",
                "{who} blamed {whom} for shelling {what}",
                "{who} held {whom} responsible for shelling {what}"]
ACCUSED = ["government forces", "forces of the Damascus government", "the Syrian army",
           "Turkish-backed factions"]


@pytest.mark.parametrize(("form", "who", "whom"),
                         list(itertools.product(ACCUSE_FORMS, ACCUSERS, ACCUSED)))
def test_the_accused_is_the_attacker_and_the_accuser_is_not(
    classifier: Classifier, form: str, who: str, whom: str
) -> None:
    sentence = form.format(who=who, whom=whom, what="the Tishrin Dam and nearby villages") + "."
    found = find_actors(classifier.ref, sentence)
    spans = [Span(s, e, info.name) for s, e, info in found]
    roles = assign_roles(sentence, scan_sentence(sentence, date(2025, 10, 1)).acts, spans)
    accused = [info.name for s, e, info in found if s >= sentence.index(whom)]
    accuser = [info.name for s, e, info in found if e <= sentence.index(whom)]
    assert accused and all(roles.get(n) == "attacker" for n in accused), (sentence, roles)
    assert all(roles.get(n) != "attacker" for n in accuser if n not in accused), (sentence, roles)


@pytest.mark.parametrize(("verb", "act"), list(itertools.product(
    ["attributed the raid to", "attributed the strikes to", "blamed the attack on",
     "attributed all of the raids to"],
    ["Russian aircraft", "government warplanes", "regime forces"])))
def test_an_attribution_names_the_attacker(classifier: Classifier, verb: str, act: str) -> None:
    sentence = f"The Observatory {verb} {act}, saying several houses were destroyed."
    found = find_actors(classifier.ref, sentence)
    spans = [Span(s, e, info.name) for s, e, info in found]
    scan = scan_sentence(sentence, date(2019, 12, 24))
    assert scan.acts
    roles = assign_roles(sentence, scan.acts, spans)
    named = [info.name for s, e, info in found if s >= sentence.index(act)]
    assert named and all(roles.get(n) == "attacker" for n in named), roles


@pytest.mark.parametrize(("speaker", "verb"), list(itertools.product(
    ["The SDF", "Hayat Tahrir al-Sham", "The Syrian army", "Turkey"],
    ["called the shelling", "condemned the shelling", "denounced the strikes as",
     "described the attack as", "on Thursday condemned the raids"])))
def test_a_speaker_commenting_on_an_act_did_not_carry_it_out(
    classifier: Classifier, speaker: str, verb: str
) -> None:
    sentence = f"{speaker} {verb} a serious escalation and a breach of the ceasefire."
    found = find_actors(classifier.ref, sentence)
    spans = [Span(s, e, info.name) for s, e, info in found]
    scan = scan_sentence(sentence, date(2025, 10, 1))
    assert scan.acts, sentence
    roles = assign_roles(sentence, scan.acts, spans)
    assert spans and all(roles.get(sp.key) is None for sp in spans), roles


def _cases(name: str, limit: int) -> list[dict[str, object]]:
    lines = (DATA / f"{name}_cases.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()][:limit]


def _item(case: dict[str, object], text: str) -> ItemInput:
    return ItemInput(str(case["title"]), text,
                     datetime.fromisoformat(str(case["published"])))


def _shape(incidents: list[Incident]) -> list[tuple[object, ...]]:
    return [(i.violation, i.date, i.location.name if i.location else None, i.fatalities,
             tuple((a.name, a.role) for a in i.actors), i.agreements) for i in incidents]


@pytest.mark.parametrize("width", [60, 72, 80, 100])
@pytest.mark.parametrize("set_name", ["holdout12", "holdout10"])
def test_a_hard_wrapped_report_reads_like_the_original(
    classifier: Classifier, set_name: str, width: int
) -> None:
    for case in _cases(set_name, 12):
        text = str(case["text"])
        paragraphs = text.split("\n\n")
        wrapped = "\n\n".join(textwrap.fill(p, width, break_long_words=False,
                                            break_on_hyphens=False) for p in paragraphs)
        assert "\n" in wrapped.replace("\n\n", "")
        assert _shape(classifier.classify(_item(case, wrapped))) == _shape(
            classifier.classify(_item(case, text))), case["id"]


@pytest.mark.parametrize(("text", "kept"), [
    ("Three killed in Idlib\nRescuers said the strike hit a market.", True),  # short headline
    ("The strike hit a market in the town of Sarmin on Monday evening, and\nrescuers said.",
     False),
    ("A long first line of a report that keeps going past fifty characters:\n- a list item",
     True),
    ("A long first line of a report that keeps going past fifty characters.\n2. a numbered item",
     True),
    ("By Monday evening the number of dead in the town had reached\n44. Five were children.",
     False),
    ("Paragraph one ends here after more than fifty characters of text.\n\nParagraph two.",
     True),
])
def test_unwrap_joins_only_wrapped_lines(text: str, kept: bool) -> None:
    out = unwrap(text)
    assert len(out) == len(text)
    assert ("\n" in out) is kept


@pytest.mark.parametrize(("weapon", "place", "day"), list(itertools.product(
    ["Warplanes struck", "Air strikes hit", "Aircraft bombed", "Jets pounded"],
    ["Kafr Nabl", "Maarat al-Numan", "Saraqib", "Ariha"],
    ["on Tuesday", "late on Monday"])))
def test_an_inferred_attacker_is_marked_and_ignored_by_merging(
    classifier: Classifier, weapon: str, place: str, day: str
) -> None:
    item = ItemInput("", f"{weapon} the town of {place} in Idlib province {day}, killing three "
                     "civilians, rescuers said.", datetime(2019, 12, 25, 9, tzinfo=UTC))
    incidents = [i for i in classifier.classify(item) if i.violation]
    assert incidents, item.text
    inc = incidents[0]
    stand_ins = [a for a in inc.actors if a.inferred]
    assert [(a.side, a.role) for a in stand_ins] == [(GOV, "attacker")]
    assert any("attacker side inferred" in r for r in inc.reasons)
    assert attacker_sides(inc) == frozenset()
    assert inc.to_dict()["actors"][-1].get("inferred") is True


@pytest.mark.parametrize(("weapon", "verb", "agent", "side"), [
    (w, v, a, s) for w, v in itertools.product(
        ["the rockets", "the shells", "the mortar rounds", "the missiles"],
        ["were launched by", "had been fired by", "were probably fired by"])
    for a, s in [("government forces", GOV), ("regime troops", GOV)]])
def test_the_agent_of_the_weapons_in_a_later_sentence_is_the_attacker(
    classifier: Classifier, weapon: str, verb: str, agent: str, side: str
) -> None:
    text = ("Two civilians were killed late on Saturday when rockets struck a camp for displaced "
            "people on the outskirts of Sarmin in Idlib province, rescuers said. Two more people "
            f"were hurt. The rescue group said {weapon} {verb} {agent} stationed in Saraqib.")
    incidents = classifier.classify(ItemInput("", text, datetime(2023, 9, 24, 9, tzinfo=UTC)))
    assert incidents and incidents[0].violation, text
    attackers = [(a.side, a.inferred) for a in incidents[0].actors if a.role == "attacker"]
    assert attackers == [(side, False)]


@pytest.mark.parametrize(("subject", "verb", "want"), [
    (s, v, n) for (s, n), v in itertools.product(
        [("Two civilians, an elderly man and a woman,", 2),
         ("Three people, a woman and her two sons,", 3),
         ("Four soldiers, one of them an officer,", 4),
         ("A soldier of the government forces", 1)],
        ["were killed", "were shot dead", "died"])
    if not (s.startswith("A ") and v == "died")])
def test_a_victim_count_with_an_appositive_is_counted(
    subject: str, verb: str, want: int
) -> None:
    from tracker.core.numbers import extract_toll

    sentence = f"{subject} {verb} on Saturday when shells hit the village."
    if subject.startswith("A soldier"):
        sentence = sentence.replace(" were ", " was ")
    assert extract_toll([sentence]).best == want, sentence


@pytest.mark.parametrize("lead_day", ["on Saturday", "late on Saturday", "on Saturday evening"])
def test_a_detail_sentence_keeps_the_time_the_report_was_telling(
    classifier: Classifier, lead_day: str
) -> None:
    text = (f"Nineteen civilians were killed {lead_day} in air strikes by the Syrian government "
            "and its Russian ally on the Idlib region, a monitor said. The heaviest toll was in "
            "Balyun, a village in Jabal al-Zawiya, where Russian raids killed nine civilians.")
    incidents = classifier.classify(ItemInput("", text, datetime(2019, 12, 8, 9, tzinfo=UTC)))
    dates = {i.date for i in incidents}
    assert dates == {date(2019, 12, 7)}, [(i.date, i.location) for i in incidents]


@pytest.mark.parametrize(("lead", "first", "middle", "second"), [
    (lead, f, m, s) for lead, (f, s), m in itertools.product(
        ["Fighting broke out late on Thursday in the western countryside of Sweida between",
         "Fierce clashes erupted on Wednesday night on the edge of the city between"],
        [("the Druze \"National Guard\"", "the government's General Security forces"),
         ("government forces", "the \"National Guard\"")],
        [" and ", ", backed by allied fighters, and "])])
def test_the_first_party_of_clashes_between_two_is_the_attacker(
    classifier: Classifier, lead: str, first: str, middle: str, second: str
) -> None:
    sentence = f"{lead} {first}{middle}{second}, local sources said."
    found = find_actors(classifier.ref, sentence)
    spans = [Span(s, e, info.name) for s, e, info in found]
    roles = assign_roles(sentence, scan_sentence(sentence, date(2025, 10, 1)).acts, spans)
    by_place = {sentence[s:e]: roles.get(info.name) for s, e, info in found}
    parties = list(by_place.values())
    assert parties[0] == "attacker" and parties[-1] == "target", (sentence, by_place)


@pytest.mark.parametrize("look_back", ["Earlier in January", "Earlier this month"])
def test_a_look_back_to_older_strikes_does_not_join_the_reported_act(
    classifier: Classifier, look_back: str
) -> None:
    text = ("Ten civilians died early on Thursday when Russian warplanes bombed the Idlib town of "
            "Ariha, with the raids landing close to a bakery, the Observatory reported. Rescuers "
            "warned that the toll could rise. "
            f"{look_back}, strikes on a market and industrial zone in Idlib city killed 18 people.")
    incidents = classifier.classify(ItemInput("", text, datetime(2020, 1, 30, 12, tzinfo=UTC)))
    main = [i for i in incidents if i.location and i.location.name == "Ariha"]
    assert main and main[0].fatalities == 10, [(i.location, i.fatalities) for i in incidents]


@pytest.mark.parametrize(("dateline", "victims", "verb"), list(itertools.product(
    ["ERBIL (Kurdistan24) - ", "Idlib, SANA - ", "DAMASCUS, Dec. 16 - ", ""],
    ["Two fighters of the Syrian Democratic Forces", "A soldier of the Syrian Arab Army",
     "Three members of Hayat Tahrir al-Sham"],
    ["were wounded on Tuesday when a suicide drone exploded near them",
     "was wounded on Tuesday when a shell hit their position"])))
def test_members_of_a_party_hurt_by_an_act_are_its_target(
    classifier: Classifier, dateline: str, victims: str, verb: str
) -> None:
    sentence = f"{dateline}{victims} {verb}."
    found = find_actors(classifier.ref, sentence)
    spans = [Span(s, e, info.name) for s, e, info in found]
    roles = assign_roles(sentence, scan_sentence(sentence, date(2025, 12, 16)).acts, spans)
    party = [info.name for s, e, info in found if info.side != "civilian"]
    assert party and all(roles.get(n) == "target" for n in party), (sentence, roles)


@pytest.mark.parametrize("speaker", ["The Syrian Democratic Forces (SDF)", "The SDF",
                                     "The Syrian Democratic Forces"])
def test_a_speaker_with_its_acronym_is_a_source(classifier: Classifier, speaker: str) -> None:
    sentence = (f"RAQQA - {speaker} said on Saturday that factions affiliated with the Damascus "
                "government had attacked its positions on the Ghanem al-Ali axis.")
    found = find_actors(classifier.ref, sentence)
    spans = [Span(s, e, info.name) for s, e, info in found]
    roles = assign_roles(sentence, scan_sentence(sentence, date(2025, 11, 15)).acts, spans)
    assert roles.get("Syrian government forces") == "attacker"
    assert roles.get("Syrian Democratic Forces") != "attacker", roles


@pytest.mark.parametrize(("shooter", "verb", "thing", "shooter_role"), [
    (sh, v, t, r) for (sh, r_jet), v, (t, kind) in itertools.product(
        [("Turkish forces", "attacker"), ("Opposition fighters backed by Turkey", "attacker")],
        ["shot down", "downed"],
        [("two Syrian air force Su-24 bombers", "jet"), ("a Syrian government helicopter", "jet"),
         ("a Syrian government L-39 jet", "jet"), ("two drones launched by regime forces", "drone")])
    for r in [r_jet if kind == "jet" else "target"]])
def test_shooting_down_a_crewed_aircraft_is_an_attack_and_a_drone_a_defence(
    classifier: Classifier, shooter: str, verb: str, thing: str, shooter_role: str
) -> None:
    sentence = f"{shooter} {verb} {thing} over Idlib province on Sunday."
    found = find_actors(classifier.ref, sentence)
    spans = [Span(s, e, info.name) for s, e, info in found]
    roles = assign_roles(sentence, scan_sentence(sentence, date(2020, 3, 1)).acts, spans)
    first = found[0][2].name
    assert roles.get(first) == shooter_role, (sentence, roles)
    gov = [info.name for s, e, info in found if info.side == GOV]
    assert gov and all(roles.get(n) == ("target" if shooter_role == "attacker" else "attacker")
                       for n in gov), (sentence, roles)


@pytest.mark.parametrize("force", ["Israeli engineering units", "Israeli troops",
                                   "Israeli army bulldozers", "Israeli tanks", "An Israeli patrol"])
def test_an_israeli_force_named_by_its_unit_is_israel(classifier: Classifier, force: str) -> None:
    sentence = f"{force} entered the village of Jubata al-Khashab in northern Quneitra on Monday."
    found = find_actors(classifier.ref, sentence)
    assert any(info.name == "Israeli forces" for s, e, info in found), found
