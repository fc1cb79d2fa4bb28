"""Who and where a text names: actor mentions (registry names and generic nouns) and places.

Why a module of its own: mentions are found once per text, before any act is read, and the
same lists serve the act frames, the title and the tests.  The generic nouns ("regime",
"militants", "Turkish troops") say which side an unnamed party is on; registry names win where
the two overlap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.core.gazetteer import FoldedText, PlaceMention, fold_text
from tracker.core.registries import Registries
from tracker.core.text import CaselessPattern, LiteralGate

GOV, OPP, OTHER, CIV, UNKNOWN = "government", "opposition", "other", "civilian", "unknown"


@dataclass(frozen=True, slots=True)
class ActorInfo:
    """An actor as the classifier sees it: registry actor or generic noun."""

    name: str
    side: str
    excluded: bool
    generic: bool


# Generic nouns that identify a side without naming a group. Registry names win on overlap.
# Case-insensitive; written in lower case as CaselessPattern requires.  The optional gate
# lists words every match contains, so a text without them skips the pattern.
GENERIC_ACTORS: tuple[tuple[CaselessPattern, ActorInfo, LiteralGate | None], ...] = (
    (CaselessPattern(
        r"\b(?:pro-)?regime(?:-held|-controlled)?\b|\bforces\s+loyal\s+"
        r"to\s+(?:president\s+)?(?:bashar\s+)?(?:al-)?assad\b|\bgovernment(?:-held|"
        r"-controlled)\b|\bgovernment(?<!anti-government)\s+(?:forces|troops|positions|artillery|warplanes|"
        r"jets|helicopters|army|soldiers|lines|front\s*lines?|posts?|outposts?|bases?|"
        r"checkpoints?|barracks|militias|fighters|shelling|bombardment|air\s*strikes|"
        r"strikes?|raids?|rockets?|missiles?|drones?|aircraft|aviation|fire|gunfire|attacks?|"
        r"assaults?|offensives?|bombing|barrages?|shells?|mortars?|snipers?|warplane|jet|"
        r"helicopter)\b|\barmy(?<!turkish\sarmy)(?<!israeli\sarmy)"
        r"(?<!russian\sarmy)(?<!american\sarmy)(?<!iraqi\sarmy)(?<!national\sarmy)"
        r"(?<!free\ssyrian\sarmy)(?<!lebanese\sarmy)(?<!jordanian\sarmy)(?:'s)?\s+(?:positions?|"
        r"points?|units|troops|soldiers|personnel|lines|front\s*lines?|posts?|outposts?|bases?|checkpoints?|barracks)\b|\bsyrian\s+(?:army|troops|soldiers|forces|"
        r"military|air\s+forces?|warplanes|jets|helicopters|artillery|government\s+forces)"
        r"\b|\bdamascus(?:'s)?\s+forces\b|\bour\s+armed\s+forces\b"),
     ActorInfo("Syrian government forces", GOV, False, True), None),
    (CaselessPattern(
        r"\brussia\b|\brussian(?=\s+(?:air|war|jets?|planes?|aircraft|forces|troops|"
        r"military|soldiers|patrols?|drones?|helicopters?|strikes?|airstrikes?|air\s*"
        r"strikes?|raids?|bombing|bombardment|shelling|bases?|aviation|missiles?)\b)|"
        r"\bbelieved\s+(?:to\s+be\s+)?russian\b"),
     ActorInfo("Russian forces", GOV, False, True), LiteralGate(("russia",))),
    (CaselessPattern(
        r"\bturk(?:ey|iye)\b|\bturkish(?=\s+(?:military|army|armed|forces|troops|"
        r"soldiers|bases?|posts?|observation|positions?|patrols?|convoys?|drones?|"
        r"artillery|howitzers|tanks|jets|warplanes|personnel|outposts?|points?|shelling|"
        r"bombardment|shells|strikes?|air\s*strikes?|raids?|missiles?|rockets?|fire|"
        r"attacks?|occupation)\b)"),
     ActorInfo("Turkish Armed Forces", OPP, False, True), LiteralGate(("turk",))),
    (CaselessPattern(r"\b(?:turk(?:ish|ey)-backed|ankara-backed)\b"),
     ActorInfo("Syrian National Army", OPP, False, True), LiteralGate(("-backed",))),
    (CaselessPattern(
        r"\b(?:militants?|militant\s+groups?|jihadists?|jihadi(?:st)?\s+(?:groups?|"
        r"fighters|factions)|terrorists?|terrorist\s+groups?|rebels?|rebel\s+(?:groups?|"
        r"factions|fighters)|insurgents?|extremists?|extremist\s+(?:groups?|factions)|"
        r"opposition\s+(?:fighters|factions|forces|groups)|armed\s+(?:groups|factions|"
        r"opposition)|islamists?|radicals|(?:radical|hard-?line|hardliner)\s+(?:groups?|"
        r"factions|jihadists|militants|fighters)|hard-?liners|"
        r"(?:opposition|rebel|insurgent|militant)-(?:held|controlled))\b"),
     ActorInfo("Opposition armed groups (unnamed)", OPP, False, True), None),
    (CaselessPattern(
        r"\b(?:gunmen|(?:unknown|unidentified)\s+(?:armed\s+)?(?:assailants|attackers|gunmen|"
        r"persons|groups?|cells?|men|drones?|aircraft|warplanes))\b"),
     ActorInfo("Unidentified attackers", UNKNOWN, False, True),
     LiteralGate(("gunmen", "unknown", "unidentified"))),
    (CaselessPattern(
        r"\b(?:us|u\.s\.|american|united\s+states|us-led|coalition)(?=\s+(?:[a-z-]+\s+)?"
        r"(?:forces|troops|military|drones?|strikes?|air\s*strikes?|warplanes|jets|aircraft|"
        r"missiles?|special\s+forces|-led)\b)|\bus-led\s+coalition\b|\bthe\s+us\b|"
        r"\bthe\s+united\s+states\b|\b(?:us\s+)?central\s+command\b|\bcentcom\b"),
     ActorInfo("US-led coalition", OTHER, False, True), None),
    (CaselessPattern(
        r"\bisrael(?:i)?(?=\s+(?:[a-z-]+\s+)?(?:jets|warplanes|strikes?|air\s*strikes?|forces|"
        r"military|missiles?|aircraft|troops|soldiers|army|tanks|units|patrols?|vehicles|"
        r"bulldozers|drones?|artillery|shelling|fire|raids?|incursions?|force|occupation)\b)"
        r"|\bisrael\b"),
     ActorInfo("Israeli forces", OTHER, False, True), LiteralGate(("israel",))),
    # "the occupation forces", "an occupation force": Syrian and UN wording for Israel's army
    # in the south ("Turkish occupation forces" is read by the Turkish pattern first).
    (CaselessPattern(r"(?<!turkish\s)(?<!russian\s)(?<!iranian\s)(?<!american\s)\boccupation\s+"
                     r"(?:forces?|army|troops|soldiers|vehicles|patrols?|units)\b"),
     ActorInfo("Israeli forces", OTHER, False, True), LiteralGate(("occupation",))),
    (CaselessPattern(
        r"\bkurdish(?:-led)?\s+(?:fighters|forces|militia|militants|ypg)\b|\basayish\b"),
     ActorInfo("Syrian Democratic Forces", OTHER, False, True),
     LiteralGate(("kurdish", "asayish"))),
    (CaselessPattern(
        r"\b(?:civilians?|residents|villagers|shepherds?|farmers?|children|families|"
        r"displaced\s+people|a\s+(?:man|woman|child|boy|girl))\b"),
     ActorInfo("Civilians", CIV, False, True), None),
)

# Parties described by their patron rather than named: "groups affiliated with the
# government", "factions loyal to Damascus", "Damascus-linked fighters", "pro-government
# gunmen".  The whole phrase is one mention of the patron's side, and it wins over the
# registry name inside it ("the Syrian government" alone would read as a speaker or source).
_PATRON_GOV = (r"(?:the\s+)?(?:syria's\s+)?(?:(?:syrian|transitional|interim|new)\s+)*"
               r"(?:government(?:\s+in\s+damascus)?|damascus(?:\s+government)?|authorities(?:\s+"
               r"in\s+damascus)?|(?:syrian\s+)?(?:defen[cs]e|interior)\s+ministry|ministry\s+of\s+"
               r"(?:defen[cs]e|interior))")
_PARTY_NOUN = (r"(?:armed\s+)?(?:groups?|factions?|forces|fighters|militias?|militiamen|militants|"
               r"gunmen|units|troops|formations|elements|brigades|battalions|tribesmen|"
               r"tribal\s+fighters|clans)")
AFFILIATED_ACTORS: tuple[tuple[CaselessPattern, ActorInfo, LiteralGate | None], ...] = (
    (CaselessPattern(
        r"\b" + _PARTY_NOUN + r"\s+(?:(?:linked|affiliated|allied|aligned|loyal|close|"
        r"attached|belonging|subordinate)\s+(?:to|with)|(?:backed|supported|sent)\s+by|of)\s+"
        + _PATRON_GOV + r"\b|\b(?:damascus|government)-(?:linked|affiliated|aligned|allied|"
        r"backed|loyal|led)\b(?:\s+" + _PARTY_NOUN + r"\b)?|\bpro-(?:government|damascus)\b"
        r"(?:\s+" + _PARTY_NOUN + r"\b)?"),
     ActorInfo("Syrian government forces", GOV, False, True),
     LiteralGate(("government", "damascus", "ministry"))),
)

# The generic actor standing for the side an act is said to come from.
ORIGIN_ACTORS = {
    GOV: ActorInfo("Syrian government forces", GOV, False, True),
    OPP: ActorInfo("Opposition armed groups (unnamed)", OPP, False, True),
}

_ZONE_NAME_AFTER = re.compile(r"\s+de-?escalation\s+(?:zones?|areas?)\b", re.IGNORECASE)


def find_places(ref: Registries, text: str, folded: FoldedText | None = None) -> list[PlaceMention]:
    """Resolved Syrian place mentions of a text.

    ``folded`` (:func:`fold_text` of the same text) is shared with :func:`find_actors`
    so that a text is folded once.
    """
    gaz = ref.gazetteer
    ft = folded if folded is not None and folded.text is text else fold_text(text)
    found = gaz.resolve(gaz.find(text, ft), text, ft)
    if "escalation" in text:
        # "the Idlib de-escalation zone" names an agreement zone, not the town.
        found = [m for m in found if not _ZONE_NAME_AFTER.match(text, m.end)]
    if ", " in text:
        found = [m for m in found if not _is_person(text, m.start, m.end)]
    return found


# A family name that is also a village, told with a first name and a title: "a car carrying
# Bakr Jarada, co-chair of the local council".
_TITLE_AFTER = re.compile(r",\s+(?:the\s+|a\s+|an\s+)?(?:co-chair|chair(?:man|woman)?|head|"
                          r"leader|commander|chief|member|spokes(?:man|woman|person)|director|"
                          r"mayor|official|deputy|sheikh|brother|son|father|resident)\b")
_FIRST_NAME_BEFORE = re.compile(r"\b(?!(?:Tal|Tel|Tell|Kafr|Ain|Ayn|Deir|Dayr|Jisr|Maarat|"
                                r"Khan|Beit|Jabal|Jebel|Umm|Abu|Bab|Ras|Hayy|Wadi|Qasr|Mazraat|"
                                r"Bir|Ard|Sheikh|Al|The|In|At|Of|Near|And)\b)[A-Z][a-z]{2,}\s$")


def _is_person(text: str, start: int, end: int) -> bool:
    """Whether a place-like name is a person's surname (first name before, title after)."""
    return bool(_TITLE_AFTER.match(text, end)) and bool(
        _FIRST_NAME_BEFORE.search(text[max(0, start - 20) : start]))


def find_actors(
    ref: Registries, text: str, folded: FoldedText | None = None
) -> list[tuple[int, int, ActorInfo]]:
    """Registry and generic actor mentions, registry first, no overlaps, in order."""
    found: list[tuple[int, int, ActorInfo]] = []
    low = text.lower()
    for pattern, info, gate in AFFILIATED_ACTORS:
        if gate is None or gate(text):
            found.extend((gs, ge, info) for gs, ge in pattern.spans(text, low))
    for m in ref.actors.find(text, folded):
        if any(m.start < e and s < m.end for s, e, _ in found):
            continue
        a = m.actor
        found.append((m.start, m.end, ActorInfo(a.name, a.side, a.excluded, False)))
    for pattern, info, gate in GENERIC_ACTORS:
        if gate is not None and not gate(text):
            continue
        for gs, ge in pattern.spans(text, low):
            if any(gs < e and s < ge for s, e, _ in found):
                continue
            found.append((gs, ge, info))
    found.sort(key=lambda x: x[0])
    return found
