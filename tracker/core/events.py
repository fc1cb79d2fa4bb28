"""Hostile-act detection, ACLED event typing and attacker/target roles within a sentence.

An *act* is a hostile-act word (verb or noun: attack, shell, strike, clash, infiltrate,
repel, ...) in a clause that reports something that happened. Clauses that only threaten,
plan, condition or recall attacks in general terms are not acts: news about Syria is full
of "warned of more attacks", "to end the fighting", "have frequently targeted" and
"in 2019, the army clashed with ...", and those must never become incidents.

The event type follows ACLED: the weapon or mode named in the act's clause decides the
sub-event type (suicide bomb > air/drone strike > IED > grenade > shelling), otherwise an
armed clash; direct attacks on civilians without such a weapon are violence against
civilians.

Roles come from clause structure: "X attacked Y" (X attacker), "Y were killed in an attack
by X" (by-phrase attacker, passive subject target), "Y repelled X's infiltration"
(defensive verbs reverse the roles), "X's/Russian airstrikes" (possessive or adjective
before the act noun is the attacker), "on/against/targeting Y" (target). A speaker whose
statement's subject points back to it ("HTS said its fighters had ...") did the act;
coordinated mentions share a role ("HTS and factions of the NLF launched ..."), while
"clashes between X and Y" or "X and Y clashed" put the two on opposite sides; a side's
positions, lines and posts are targets unless the fire came "from" them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache

from tracker.core.dates import find_date_phrases, resolve_phrase, years_mentioned
from tracker.core.text import CaselessPattern, LiteralGate

_I = re.IGNORECASE

BATTLES = "Battles"
EXPLOSIONS = "Explosions/Remote violence"
VAC = "Violence against civilians"

ARMED_CLASH = "Armed clash"
AIR = "Air/drone strike"
SHELLING = "Shelling/artillery/missile attack"
SUICIDE = "Suicide bomb"
IED = "Remote explosive/landmine/IED"
GRENADE = "Grenade"
ATTACK = "Attack"
STRATEGIC = "Strategic developments"
# A ground incursion, raid, new post, checkpoint or detention by an armed force, with no
# weapon used: ACLED's "Strategic developments / Other". It breaches an agreement only
# where a breach row names this act kind (an incursion into a buffer zone), never through
# a row that lists no acts.
INCURSION = "Other"

SUB_TO_TYPE = {
    ARMED_CLASH: BATTLES,
    AIR: EXPLOSIONS,
    SHELLING: EXPLOSIONS,
    SUICIDE: EXPLOSIONS,
    IED: EXPLOSIONS,
    GRENADE: EXPLOSIONS,
    ATTACK: VAC,
    INCURSION: STRATEGIC,
}

# Sub-event types by how specific the evidence for them is; used when merging acts.
TYPE_PRIORITY = (SUICIDE, AIR, IED, GRENADE, SHELLING, ATTACK, ARMED_CLASH, INCURSION)

# (pattern, defensive, gate) — hostile-act words. Defensive verbs make their subject the
# target.  The gate (None: none) lists words one of which every match contains, so a sentence
# without them skips the pattern; it never changes what the pattern finds.
_TRIGGERS: tuple[tuple[CaselessPattern, bool, LiteralGate | None], ...] = (
    # "launched missiles at", "fired rockets towards": the weapon is the act
    (CaselessPattern(r"\blaunch(?:ed|es|ing)?\s+(?:[\w-]+\s+){0,3}?(?:missiles?|rockets?|"
                     r"shells?|drones?|mortars?|projectiles?|barrel\s+bombs?)\s+(?:at|on|towards?|"
                     r"against|into)\b"), False, LiteralGate(("launch",))),
    (CaselessPattern(r"\b(?:air\s*strikes?|air\s*raids?|air\s+attacks?|"
                     r"drone\s+(?:strikes?|attacks?)"
                     r"|aerial\s+(?:bombardment|attacks?|bombing|strikes?)|barrel\s+bombs?)\b"),
     False, LiteralGate(("air", "drone", "aerial", "barrel"))),
    (CaselessPattern(r"\b(?:suicide\s+)?(?:car|truck|vehicle)[-\s]bombs?(?:\s+attacks?)?\b"
                     r"|\bvbieds?\b|\bieds?\b|\broadside\s+bombs?\b|\blandmines?\b"
                     r"|\bsuicide\s+(?:bombing|bomber|attack)s?\b"), False,
     LiteralGate(("bomb", "ied", "landmine", "suicide"))),
    (CaselessPattern(r"\b(?:attack(?:s|ed|ing)?|assault(?:s|ed|ing)?|offensive|raid(?:s|ed)?|"
                     r"bombard(?:s|ed|ing|ments?)?|bomb(?:s|ed|ing|ings)?|shell(?:s|ed|ing)|"
                     r"strikes?|struck|striking|pound(?:s|ed|ing)|clash(?:es|ed)?|(?:in)?fighting|"
                     r"fought|"
                     r"battles?|skirmish(?:es)?|infiltrat(?:e|es|ed|ing|ion|ions)|ambush(?:es|ed)?|"
                     r"storm(?:s|ed|ing)|snip(?:ed|ing)|sniper\s+(?:fire|attacks?|bullets?)|"
                     r"targe?t(?:s|ed|ing)|opened\s+fire|fired|firing|detonat(?:ed|es|ion)|"
                     r"explo(?:ded|sions?|sive\s+device)|blasts?|blew\s+up|shot|hit|rocket\s+fire|"
                     r"artillery\s+fire|mortar\s+fire|rocket\s+attacks?|missile\s+attacks?|"
                     r"grenades?|(?:re)?captur(?:ed|ing)|seiz(?:ed|ing)|overr(?:an|un)|retook|"
                     r"retaken|"
                     r"(?:regain(?:ed|s|ing)?|wrest(?:ed|s|ing)?|recover(?:ed|s|ing)?|"
                     r"(?:took|taken)\s+back)\s+(?:(?:full|complete|total)\s+)?(?:control\s+of|"
                     r"the\s+(?:strategic\s+)?(?:town|village|city|hill)\s+of)|"
                     r"(?:took|taken|take|takes|taking|gained|seized)\s+(?:full\s+|complete\s+|"
                     r"total\s+)?control\s+of|"
                     r"c(?:ame|omes?|oming)\s+under\s+(?:[\w-]+\s+){0,3}?fire|"
                     # an attempted assault is an assault: "tried to storm", "its attempt to
                     # break into the town"
                     r"(?:tr(?:y|ied|ies|ying)|attempt(?:s|ed|ing)?|bids?|sought|seek(?:s|ing)?)"
                     r"\s+to\s+(?:storm|break\s+into|capture|seize|overrun|retake|recapture|"
                     r"infiltrate|advance\s+(?:on|into))"
                     r")\b"), False, None),
    (CaselessPattern(r"\b(?:repel(?:s|led|ling)?|repuls(?:e|ed|es|ing)|thwart(?:s|ed|ing)?|"
                     r"(?:threw|thrown|throwing|beat|beaten|beating)\s+back|"
                     r"foil(?:s|ed|ing)?|confront(?:s|ed|ing)?|intercept(?:s|ed|ing)?|"
                     r"fought\s+off|shot\s+down|downed|destroy(?:ed|s|ing))\b"), True,
     LiteralGate(("repel", "repuls", "thwart", "foil", "confront", "intercept", "fought", "shot",
                  "downed", "destroy", "threw", "thrown", "throwing", "beat"))),
)
# "shot down / downed" a crewed aircraft is an attack on it; shooting down drones, missiles or
# rockets fired at oneself stays a defence.
_MANNED_AIRCRAFT_AFTER = re.compile(
    r"\s+(?:(?:a|an|the|two|three|four|one|another|its|their|[\w'-]+)\s+){0,4}?"
    r"(?:(?:[\w-]+\s+){0,2})(?:jets?|warplanes?|planes?|aircraft|helicopters?|bombers?|"
    r"fighter\s+jets?|su-?\d+s?|l-?39s?|mig-?\d+s?)\b(?![^.;]{0,20}\bdrones?\b)", re.IGNORECASE)

# Ground moves and detentions by an armed force (see INCURSION): acts only where the sentence
# names a force (troops, tanks, a patrol ...) and no weapon word types the clause otherwise.
_INCURSION_WORDS = (
    r"\b(?:incursions?|incursed|(?:push(?:ed|es|ing)?|advanc(?:ed|es|ing)|mov(?:ed|es|ing)|"
    r"drove|driv(?:es|ing)|crossed|penetrat(?:ed|es|ing)|rolled|thrust)\s+(?:\w+\s+){0,4}?into|"
    r"penetrat(?:ed|es|ing)|"
    r"(?:push(?:ed|es|ing)?|advanc(?:e|ed|es|ing)|mov(?:e|ed|es|ing))\s+(?:\w+\s+){0,3}?(?:towards?|"
    r"(?:on|to)\s+the\s+(?:outskirts|edges?|entrance)\s+of)|"
    r"reach(?:ed|es|ing)\s+the\s+(?:outskirts|edges?|entrance)\s+of|"
    r"entered|enter(?:s|ing)\b(?!\s+into\s+force)|"
    r"detain(?:s|ed|ing)?|detentions?|arrest(?:s|ed|ing)?|abduct(?:s|ed|ing|ions?)?|"
    r"kidnapp?(?:ed|ing|s)?|seized\s+(?:\w+\s+){0,2}?(?:men|man|shepherds?|civilians?|"
    r"residents?|youths?|farmers?|villagers?)|"
    r"(?:set|setting|sets)\s+up\s+(?:\w+\s+){0,3}?(?:checkpoints?|posts?|positions?|barriers?)|"
    r"(?:erect|establish|install|build|buil|set)(?:s|ed|ing|t)?\s+(?:\w+\s+){0,3}?"
    r"(?:checkpoints?|military\s+posts?|outposts?|posts?|positions?|barriers?|earth\s+berms?)|"
    r"search(?:ed|es|ing)\s+(?:\w+\s+){0,2}?(?:homes?|houses?|villages?)|"
    r"raid(?:ed|s|ing)?\s+(?:\w+\s+){0,2}?(?:homes?|houses?)|"
    r"bulldoz(?:ed|es|ing|ers?))\b")
_INCURSION_TRIGGER = CaselessPattern(_INCURSION_WORDS)
_INCURSION_GATE = LiteralGate((
    "incurs", "into", "toward", "outskirts", "edge", "entrance", "enter", "penetrat", "detain",
    "detention",
    "arrest", "abduct", "kidnap", "seized",
    "checkpoint", "post", "position", "barrier", "berm", "search", "raid", "bulldoz",
))
_FORCE = CaselessPattern(
    r"\b(?:troops?|forces?|soldiers?|army|armou?red|tanks?|military\s+(?:vehicles?|convoys?)|"
    r"(?:israeli|turkish|russian|army|occupation)\s+(?:vehicles|convoys?|columns?)|"
    r"bulldozers?|patrols?|units?|idf|occupation|infantry|commandos?|brigades?|"
    r"battalions?|reservists?|factions|fighters|militants|militias?|militiamen)\b")
# Killing verbs count as acts only in the active voice with an agent ("a group killed 21").
_KILL = CaselessPattern(r"\b(?:killed|killing)\b(?!\s+(?:in|by|during|when|while|and|or|as)\b)")
_KILL_GATE = LiteralGate(("kill",))
_PASSIVE_BEFORE = CaselessPattern(r"\b(?:was|were|been|being|is|are|got)\s+(?:\w+\s+)?$")

# Hostile-act words that are not acts in a given context.
_NOT_ACT = CaselessPattern(
    r"\b(?:targeted\s+killings?|fighters?|fighting\s+vehicles?|strike\s+a\s+deal|hunger\s+strike|"
    r"brainstorm\w*|attack\s+(?:helicopters?|drones?|aircraft|jets?|planes?|boats?|dogs|"
    r"submarines?)|shot\s+(?:a|the)\s+video|"
    r"target(?:s|ed)?\s+(?:date|audience|market)|fired\s+(?:from|by)\s+(?:his|her|their)\s+job|"
    r"hit\s+(?:back|out|list)|advanced\s+(?:weapons|systems|technology)|"
    r"(?:a|an|the|of)\s+(?:downed|intercepted|shot-down)\s+(?:[\w-]+\s+)?(?:drones?|missiles?|"
    r"rockets?|aircraft|jets?|planes?|uavs?)|"
    r"seiz(?:ed|es|ing|ure\s+of)\s+(?:(?:a|an|the|two|three|several|dozens\s+of|[\w-]+)\s+){0,3}?"
    r"(?:weapons?|arms|ammunition|missiles?|rockets?|drugs?|captagon|pills|shipments?|caches?|"
    r"consignments?|explosives?|cargo|trucks?|smuggl\w+))\b")

# Weapon or mode cues deciding the sub-event type, in priority order.
_TYPE_CUES: tuple[tuple[str, CaselessPattern], ...] = (
    # A clause naming a drone is a drone strike whatever it says of suicide (classify_type).
    (SUICIDE, CaselessPattern(r"\bsuicide\b|\bself-detonat|"
                              r"\bblew\s+(?:him|her|them)sel(?:f|ves)\s+up"
                              r"|\binghimasi")),
    (AIR, CaselessPattern(r"\b(?:air\s*strikes?|air\s*raids?|air\s+attacks?|warplanes?|"
                          r"war\s+planes?|jets?|aircraft|helicopters?|barrel\s+bombs?|drones?|"
                          r"aerial|air\s+forces?|aviation|bombers?|sorties?|uavs?)\b")),
    (IED, CaselessPattern(r"\b(?:ieds?|vbieds?|roadside\s+bombs?|landmines?|mines?|explosive\s+"
                          r"devices?|car[-\s]bombs?|truck[-\s]bombs?|booby[-\s]trap\w*|"
                          r"packed\s+with\s+explosives|explosives?-laden|bomb-laden|"
                          r"motorcycle\s+bomb|explosions?|blasts?|detonat\w*|exploded|blew\s+up|"
                          r"bomb)\b")),
    (GRENADE, CaselessPattern(r"\bgrenades?\b")),
    (SHELLING, CaselessPattern(r"\b(?:shell(?:s|ed|ing)?|artillery|mortars?|rockets?|missiles?|"
                               r"howitzers?|launchers?|bombard\w*|heavy\s+weapons|atgms?|"
                               r"anti-tank|tank\s+fire|projectiles?|grad|shrapnel)\b")),
)
_CIVILIAN_TARGET = CaselessPattern(r"\b(?:civilians?|residents?|villagers?|shepherds?|farmers?|"
                                   r"children|child|women|woman|family|families|man|men|boy|girl|"
                                   r"worker|workers|doctor|teacher|displaced)\b")
_DIRECT_VIOLENCE = CaselessPattern(r"\b(?:shot|gunmen|gunfire|executed|stabbed|opened\s+fire|"
                                   r"killed|killing|murdered|beat|abducted)\b")

# Words that make a hostile-act word hypothetical, planned, denied or a statement topic.
# Case-sensitive "may" ("May" is the month) is searched separately by _modal_search.
_MODAL = CaselessPattern(
    r"\b(?:will|would|could|might|shall|threat\w*|warn\w*|vow\w*|"
    r"plan(?:s|ned|ning)?|expect\w*|"
    r"looming|imminent|possible|potential|prepar\w*|fear\w*|intend\w*|aim\w*\s+to|ready\s+to|"
    r"prevent\w*|avoid\w*|deter(?:s|red|ring|rence)?|stave\s+off|held\s+off|halt\w*|"
    r"cease|ceased|ceasing|called\s+for|urg(?:e|ed|es|ing)|"
    r"if|unless|whether|future|possibility|risk\w*|demand\w*|"
    r"end(?:ed|ing|s)?|stop\w*|against\s+(?:any|a\s+possible)|refrain\w*|"
    r"rule\s+out|ruled\s+out|no\s+longer|never|deny|denied|denies|rejected|"
    r"in\s+response\s+to\s+(?:any|future)|calls?\s+for|protest\w*|condemn\w*\s+(?:any|all)|"
    r"right\s+to|in\s+(?:the\s+)?case\s+of|in\s+the\s+event\s+of|"
    # a belief the report goes on to correct: "we thought it was regime planes bombing us"
    r"(?:thought|assumed)\s+(?:it|this|that)\s+(?:was|were)|mistook|mistaken\s+for)\b",
)
# "any attack", "every violation", "any further shelling": an act in general, not one that
# happened (only right before the act word).
_ANY_BEFORE = re.compile(r"\b(?:any|every)(?:\s+[\w-]+)?\s*$", _I)
_MAY = re.compile(r"\bmay\b")


def _modal_search(window: str) -> re.Match[str] | None:
    """First modal word of ``window``, as one search over _MODAL's words and "may" gives.

    No other _MODAL word can match where "may" does, so the leftmost of the two
    searches is the leftmost match of the combined alternation.
    """
    m = _MODAL.search(window)
    may = _MAY.search(window)
    if may is not None and (m is None or may.start() < m.start()):
        return may
    return m
# "No clashes were reported", "the withdrawal passed without any shelling".
_NO_ACT_BEFORE = re.compile(r"\b(?:no|without(?:\s+any)?|nor|zero)\s+(?:[\w-]+\s+)?$", _I)
_FUTURE_ADJ = re.compile(r"\b(?:more(?!\s+than)|new|further|fresh|renewed|another\s+round\s+of)\b",
                         _I)
_HELD_OFF = re.compile(r"\b(?:has|have|had|was|were)\s+(?:\w+\s+)?been\s+(?:averted|postponed|"
                       r"prevented|called\s+off|held\s+off|delayed|put\s+off)\b", _I)
_NEGATION_AFTER = re.compile(r"^\W*(?:was|were|is|are|has|have|had)?\s*(?:been\s+)?"
                             r"(?:averted|postponed|prevented|called\s+off|expected|planned|"
                             r"feared|imminent|looming|likely|would|will|could|to\s+come|"
                             r"does\s+not\s+cease|do\s+not\s+stop)\b", _I)
_GENERAL = CaselessPattern(
    r"\b(?:frequently|repeatedly|regularly|often|periodic(?:ally)?|sporadic(?:ally)?|sparodic|"
    r"occasional(?:ly)?|continuous(?:ly)?|constantly|routinely|daily|almost\s+daily|every\s+day|"
    r"time\s+and\s+again|increase\s+in|increasing|wave\s+of|"
    r"series\s+of|spate\s+of|string\s+of|breaches|numerous|recent\s+(?:weeks|months|years|days)|"
    r"(?:a|one|two|three|four|five|six|several|many|\d+)\s+(?:days?|weeks?|months?|years?)\s+of|"
    r"(?:days|weeks|months|years)\s+of|"
    r"in\s+recent\s+\w+|over\s+the\s+(?:past|last)\s+(?:\w+\s+)?(?:days|weeks|months|years)|"
    r"in\s+the\s+past\s+(?:\w+\s+)?(?:days|weeks|months|years)|this\s+year|last\s+year|"
    r"earlier\s+this\s+year|for\s+years|for\s+months|since|used\s+to|history\s+of|"
    r"throughout|at\s+times|tend\s+to|usually|"
    r"have\s+seen|has\s+seen|had\s+seen|past\s+attacks|earlier\s+attacks|"
    r"years?\s+ago|months\s+ago|(?:comes?|came)\s+(?:\w+\s+){0,3}?(?:after|since))\b",
)
_COMES_AFTER = CaselessPattern(r"\b(?:comes?|came)\s+(?:\w+\s+){0,3}?(?:after|since)\b")
_PERFECT = CaselessPattern(
    r"\b(?:has|have|'ve)\s+(?:\w+\s+){0,2}?(?:been\s+)?\w+(?:ed|en|ught|uck)\b")
_PAST_PERFECT = CaselessPattern(r"\bhad\s+(?:\w+\s+)?(?:been\s+)?\w+(?:ed|en|ught|uck)\b")
_TOPIC = CaselessPattern(
    r"\b(?:talks|negotiat\w*|summit|humanitarian|aid\s+(?:groups|agencies|convoy)|refugees?|"
    r"displaced|forced\s+from\s+their\s+homes|fled|reinforcements|convoys?|deployment|"
    r"deployed|massing|protests?|protesters|demonstrat\w*|sit-in|rall(?:y|ies)|"
    r"agreement\s+was\s+reached|agreed|memorandum|signed|elections?|anniversary|documentary|"
    r"analysis|analysts?|video\s+showing|published\s+a\s+video)\b",
)
_DEFINITE = re.compile(r"\b(?:the|this|that|these|those|their|its|his|her|such|said|both)\s+"
                       r"(?:[\w'\"-]+\s+){0,2}$", _I)
_CLAUSE_SPLIT = CaselessPattern(
    r"[;:()\[\]]|,|\s-\s|\s(?=(?:which|where|who|whom|while|whereas|although|though|but|"
    r"because|after|before|when|as\s+well\s+as|amid|despite)\b)|"
    r"\s(?=and\s+(?:warned|said|added|indicated|claimed|threatened|called|urged|stressed|"
    r"noted|vowed)\b)",
)


# An act named as the setting or the support of another act: a campaign measured in days
# ("after a week of intense air and artillery bombardment", "under days of shelling") or
# fire backing a ground push ("clashes, backed by suicide car bombs and heavy shelling").
_BACKDROP_BEFORE = CaselessPattern(
    r"(?:\b(?:hours?|days?|nights?|weeks?|months?|years?)\s+of\s+"
    r"|\b(?:backed|supported|covered|preceded|accompanied|assisted)\s+by\s+"
    r"|\b(?:with|under)\s+(?:the\s+)?(?:support|cover|help)\s+of\s+|\bunder\s+cover\s+of\s+)"
    r"(?:[\w'-]+\s+){0,6}$")
# Ground-assault words: they never take a weapon's type from a neighbouring clause.
GROUND_WORDS = CaselessPattern(
    r"\b(?:storm\w*|seiz\w*|captur\w*|recaptur\w*|overr(?:an|un)|retook|retaken|took|taken|"
    r"take|takes|taking|gained|clash\w*|fight\w*|fought|battles?|skirmish\w*|infiltrat\w*|"
    r"ambush\w*|assault\w*|offensive)\b")


@dataclass(frozen=True, slots=True)
class Act:
    """A hostile act reported in a sentence (offsets into that sentence).

    ``specific`` means a weapon or mode word fixed the type (not just "attack");
    ``definite`` means the act noun is introduced as already known ("the attack"), so it
    may restate an act reported elsewhere; ``weak`` marks a killing verb that is an act
    only when an agent stands before it; ``backdrop`` marks an act named as the setting or
    support of another ("after days of bombardment", "backed by heavy shelling"), which
    does not decide the incident's type when the report has a main act.
    """

    start: int
    end: int
    trigger: str
    event_type: str
    sub_event_type: str
    specific: bool
    defensive: bool
    definite: bool
    weak: bool
    clause: tuple[int, int]
    backdrop: bool = False


@dataclass(frozen=True, slots=True)
class SentenceScan:
    """The acts of one sentence, or why the sentence's hostile-act words were discarded.

    ``perfect_only`` marks a present-perfect report without a day ("X has launched
    airstrikes on Y"): an act only when it names a precise place, which the caller knows.
    """

    acts: tuple[Act, ...]
    rejected: tuple[str, ...]
    background: str | None
    perfect_only: bool
    day_phrase: bool


def clauses(sentence: str) -> list[tuple[int, int]]:
    """Clause spans of a sentence, cut at punctuation and subordinating words."""
    return list(_clauses(sentence))


@lru_cache(maxsize=64)
def _clauses(sentence: str) -> tuple[tuple[int, int], ...]:
    """:func:`clauses`, cached (small LRU): one item asks about the same sentence up to
    four times (act scan, place choice, roles per record)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _CLAUSE_SPLIT.finditer(sentence):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(sentence):
        spans.append((start, len(sentence)))
    return tuple(spans) or ((0, len(sentence)),)


def clause_of(spans: Sequence[tuple[int, int]], pos: int) -> tuple[int, int]:
    """The clause span containing ``pos`` (the nearest one when ``pos`` is on a cut)."""
    for s, e in spans:
        if s <= pos < e:
            return (s, e)
    return min(spans, key=lambda sp: min(abs(sp[0] - pos), abs(sp[1] - pos)))


_FIRE_CUE = re.compile(r"\bsnip(?:er|ing|ed)\b|\bgunfire\b|\bopened\s+fire\b|\bclash", _I)
_TO_BEFORE = re.compile(r"\bto\s+$")
_SAID_WORD = re.compile(r"\b(?:said|says)\b", _I)


_DRONE_WORD = re.compile(r"\bdrones?\b|\buavs?\b", _I)


def classify_type(clause_text: str, sentence: str) -> tuple[str, str, bool]:
    """(event_type, sub_event_type, specific) from the weapon cues of the act's clause."""
    for sub, pattern in _TYPE_CUES:
        if pattern.search(clause_text):
            if sub == SUICIDE and _DRONE_WORD.search(clause_text):
                continue  # "a drone carried out a suicide attack": a drone strike
            return SUB_TO_TYPE[sub], sub, True
    if _CIVILIAN_TARGET.search(clause_text) and _DIRECT_VIOLENCE.search(clause_text):
        return VAC, ATTACK, True
    if _FIRE_CUE.search(clause_text):
        return BATTLES, ARMED_CLASH, True
    del sentence
    return BATTLES, ARMED_CLASH, False


# Any of these words (case-insensitive) must occur for a sentence to hold a hostile act.
_TRIGGER_GATE = LiteralGate((
    "attack", "assault", "offensive", "raid", "launch", "bomb", "shell", "strike", "struck",
    "pound",
    "clash", "fight", "fought", "battle", "skirmish", "infiltrat", "ambush", "storm", "snip",
    "targ", "fire", "firing", "detonat", "explo", "blast", "blew", "shot", "hit", "rocket",
    "artillery", "mortar", "missile", "grenade", "captur", "seiz", "repel", "repuls", "thwart",
    "foil", "confront", "intercept", "downed", "destroy", "kill", "IED", "landmine", "threw",
    "thrown", "throwing", "beat",
    "overr", "retook", "retaken", "control of", "regain", "wrest", "town of", "village of",
    "city of", "hill of", "slammed into", "slams into", "crashed into",
    "rained down", "fell on", "fell in", "fell near", "fell onto", "fell inside", "landed on",
    "landed in", "landed near", "landed inside", "falls on", "falls in", "fallen on", "fallen in",
    "lands on", "lands in", "break into", "retake", "advance on", "advance into",
))

# Impact verbs ("a missile slammed into the camp") are acts only with a weapon as their
# subject, looked for in the 80 characters before the verb: "a bus slammed into a truck"
# is an accident.
_IMPACT = CaselessPattern(r"\b(?:slam(?:s|med)\s+into|crash(?:es|ed)\s+into|rained\s+down\s+on|"
                          r"f(?:e|a)ll(?:s|en)?\s+(?:on|onto|in|inside|near)|"
                          r"land(?:s|ed)\s+(?:on|in|inside|near))\b")
_IMPACT_GATE = LiteralGate(("slam", "crash", "rained", "fell", "fall", "land"))
_WEAPON_BEFORE = CaselessPattern(
    r"\b(?:missiles?|rockets?|shells?|mortars?|bombs?|projectiles?|drones?|munitions|"
    r"artillery|(?:rocket|shell|mortar|gun|tank|artillery)\s*fire|barrages?|grenades?|"
    r"warheads?|bullets?|(?:air\s*)?strikes?)\b"
    r"[^.;:]{0,80}$")


# "Fragments of an interceptor fell near X", "debris of Iranian missiles landed in Y", "a drone
# downed by Israeli fire crashed into a house": what falls after an interception was not
# aimed at where it fell.
_WRECKAGE_BEFORE = CaselessPattern(
    r"\b(?:fragments?|debris|wreckage|remnants|shrapnel|pieces|parts|remains|"
    r"(?:downed|intercepted|shot[-\s]down|stray)\s+(?:[\w'-]+\s+)?(?:drones?|missiles?|rockets?|"
    r"uavs?|projectiles?)|(?:drones?|missiles?|rockets?|uavs?)\s+(?:that\s+(?:was|were)\s+)?"
    r"(?:downed|intercepted|shot\s+down))\b[^.;:]{0,60}$")


# "destroyed a drone/missile" fends off an attack; "destroyed a workshop/depot" is one.
_INCOMING_OBJECT = re.compile(
    r"^\s+(?:[\w'-]+\s+){0,3}?(?:drones?|missiles?|rockets?|aircraft|jets?|warplanes?|planes?|"
    r"helicopters?|uavs?|projectiles?|shells?|car\s+bombs?|vbieds?|boats?)\b", _I)


def _offensive_destroy(sentence: str, start: int, end: int) -> bool:
    """True for a "destroy" verb whose object is not an incoming weapon."""
    if not sentence[start:end].lower().startswith("destroy"):
        return False
    return not _INCOMING_OBJECT.match(sentence[end : end + 60])


# A move made under an agreement ("drove into the outskirts of Kobani in the first phase of the
# deal to integrate ...", "deployed as agreed"): a deployment the parties consented to.
_AGREED_MOVE = CaselessPattern(
    r"\b(?:under|as\s+part\s+of|in\s+(?:the\s+)?(?:first|second|third|next|final|latest)\s+"
    r"(?:phase|stage|step)\s+of|in\s+line\s+with|in\s+accordance\s+with|pursuant\s+to|"
    r"(?:to\s+)?implement(?:s|ed|ing)?)\s+(?:[\w'-]+\s+){0,3}?(?:deal|agreement|accord|"
    r"understanding|arrangement|integration)\b|\bas\s+agreed\b")


def _incursion_hits(sentence: str, low: str) -> list[tuple[int, int]]:
    """Spans of ground-move and detention words in a sentence that names an armed force (none
    when the sentence says the move was made under an agreement)."""
    if not _INCURSION_GATE(sentence) or not _FORCE.search(sentence):
        return []
    if _AGREED_MOVE.search(sentence):
        return []
    return list(_INCURSION_TRIGGER.spans(sentence, low))


def _trigger_hits(sentence: str) -> list[tuple[int, int, bool, bool, bool]]:
    """(start, end, defensive, weak, incursion) for every hostile-act word, overlaps
    removed; `incursion` marks a ground-move or detention word (see INCURSION)."""
    low = sentence.lower()
    incursions = _incursion_hits(sentence, low)
    if not incursions and not _TRIGGER_GATE(sentence):
        return []
    blocked = _NOT_ACT.spans(sentence, low)
    hits: list[tuple[int, int, bool, bool, bool]] = []
    for pattern, defensive, gate in _TRIGGERS:
        if gate is not None and not gate.within(sentence, low):
            continue
        for start, end in pattern.spans(sentence, low):
            hits.append((start, end, defensive, False, False))
    hits.extend((start, end, False, False, True) for start, end in incursions)
    for start, end in (_IMPACT.spans(sentence, low) if _IMPACT_GATE.within(sentence, low)
                       else ()):
        before = sentence[max(0, start - 80) : start]
        if _WEAPON_BEFORE.search(before) and not _WRECKAGE_BEFORE.search(before):
            hits.append((start, end, False, False, False))
    for start, end in (_KILL.spans(sentence, low) if _KILL_GATE.within(sentence, low) else ()):
        # "were killed": an auxiliary and at most one word before the verb (60 characters
        # reach any such pair).
        if not _PASSIVE_BEFORE.search(sentence[max(0, start - 60) : start]):
            hits.append((start, end, False, True, False))
    if "destroy" in low:
        hits = [(s, e, d and not _offensive_destroy(sentence, s, e), w, i)
                for s, e, d, w, i in hits]
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    out: list[tuple[int, int, bool, bool, bool]] = []
    for h in hits:
        if any(s <= h[0] < e for s, e in blocked):
            continue
        if out and h[0] < out[-1][1]:
            continue
        out.append(h)
    return out


# "last winter's offensive", "the previous year's strikes": an earlier act named in passing.
_EARLIER_BEFORE = re.compile(r"\b(?:last|previous|past)\s+(?:winter|summer|spring|autumn|fall|"
                             r"year|month)(?:'s|\u2019s)\s+(?:[\w-]+\s+)?$", _I)


# "X denied reports that its forces shelled Y": the act is what is denied.  Denying a role in
# an act ("denied responsibility for the attack") leaves the act standing.
_DENIAL_BEFORE = re.compile(
    r"\b(?:denied|denies|deny|denying|refuted|refutes|dismissed|dismisses)\s+"
    r"(?!responsibility|involvement|any\s+(?:role|involvement|responsibility)|a\s+role|role)"
    r"(?:(?:the\s+|any\s+)?(?:reports?|claims?|allegations?|accusations?|rumou?rs|news)\s+)?"
    r"(?:that\s+)?(?:[\w'-]+\s+){0,8}$", _I)


# "a week of fighting", "after three days of clashes": a stretch of acts summed up, dated by
# its end if at all, not one act.
_STRETCH_BEFORE = re.compile(r"\b(?:days?|nights?|weeks?|months?|years?)\s+of\s+"
                             r"(?:(?:heavy|fierce|intense|intermittent|sporadic|renewed|deadly|"
                             r"violent)\s+)?$", _I)
# "... seized the village after a week of heavy shelling": the stretch is the backdrop of
# another act (see Act.backdrop), kept for typing.
_STRETCH_BACKDROP = re.compile(r"\b(?:after|under|amid|following|despite)\s+(?:(?:a|an|the|one|"
                               r"two|three|four|five|six|several|many|\d+)\s+)?$", _I)
# A verb phrase negated right before the act word: "aircraft had not struck Idlib", "did not
# carry out air raids", "wasn't shelled".  Not "it was not clear who shelled" (the act is
# reported, its author unknown) nor "not only shelled".
_VERB_NOT_BEFORE = re.compile(
    r"\b(?:did|does|do|had|has|have|was|were|is|are)(?:\s+not|n't)\s+"
    r"(?!(?:yet\s+)?(?:clear|known|immediately|only|just|certain|confirmed|the\s+first|"
    r"the\s+only)\b)(?:[\w-]+\s+){0,3}$", _I)


def _negated(
    sentence: str, clause: tuple[int, int], start: int, end: int, day_phrase: bool
) -> str | None:
    """Why the act word at start:end is hypothetical/planned/a topic, or None.

    "more/new/further attacks" is read as a threat only when no recent day is named:
    "a new attack on Sunday" is a report.
    """
    before = sentence[clause[0] : start]
    window = " ".join(before.split()[-5:])
    word = sentence[start:end].lower()
    if word.endswith("ing") or _TO_BEFORE.search(before):
        # A gerund or infinitive belongs to the sentence's main verb: "we will not allow
        # ... attacking", "plans to attack".
        window = sentence[:start]
    earlier = _EARLIER_BEFORE.search(before)
    if earlier:
        return f"'{earlier.group(0).strip()} {sentence[start:end]}' names an earlier act"
    denial = _DENIAL_BEFORE.search(before)
    if denial:
        return f"'{denial.group(0).strip()} {sentence[start:end]}' is a denied report"
    stretch = _STRETCH_BEFORE.search(before)
    if stretch and not _STRETCH_BACKDROP.search(before[: stretch.start()]):
        return f"'{stretch.group(0).strip()} {sentence[start:end]}' tells a stretch of acts"
    verb_not = _VERB_NOT_BEFORE.search(before)
    if verb_not:
        return f"'{verb_not.group(0).strip()} {sentence[start:end]}' says the act did not happen"
    denied = _NO_ACT_BEFORE.search(before)
    if denied:
        return f"'{denied.group(0).strip()} {sentence[start:end]}' reports that no act happened"
    m = (_modal_search(window) or _ANY_BEFORE.search(before)
         or (None if day_phrase else _FUTURE_ADJ.search(window)))
    if m:
        return f"'{m.group(0)} ... {sentence[start:end]}' is not a reported act"
    after = sentence[end : clause[1]]
    held = _HELD_OFF.search(after)
    if held:
        return f"'{sentence[start:end]} ... {held.group(0)}' is not a reported act"
    m2 = _NEGATION_AFTER.search(after)
    if m2:
        return f"'{sentence[start:end]} {m2.group(0).strip()}' is not a reported act"
    return None


@dataclass(frozen=True, slots=True)
class _Backdrop:
    """Why a sentence's acts may be background, where the cue starts, and whether it only
    compares ("the first raids since March 2020", "the latest in a string of attacks") rather
    than dates the act."""

    reason: str
    start: int
    comparative: bool


_SINCE_BEFORE = re.compile(r"\bsince\b[^,;:]{0,60}$", _I)


# "Earlier in January", "earlier this month": the story looks back from the act
# it reports to older ones ("Earlier in January, strikes on a market killed 18 people").
_LOOKING_BACK = re.compile(r"\bearlier\s+(?:in|this)\s+\w+$", re.IGNORECASE)
_LOOK_BACK_KINDS = frozenset({"month", "this_month"})


def _day_level(sentence: str, published: date | None) -> tuple[bool, _Backdrop | None]:
    """(has a recent day/week phrase, background cue from an old date phrase)."""
    day_phrase = False
    background: _Backdrop | None = None
    for phrase in find_date_phrases(sentence):
        since = bool(_SINCE_BEFORE.search(sentence[: phrase.start]))
        if phrase.kind == "year" and published is not None and not since \
                and phrase.values[-1] == published.year:
            continue  # "on Monday, the first day of 2024" in a 2024 report dates nothing old
        if phrase.kind == "year" or (phrase.kind in ("month", "weekday")
                                     and phrase.values[0] == -2):
            background = background or _Backdrop(
                f"'{phrase.words}' dates background, not a new act", phrase.start,
                since or phrase.values[:1] == (-2,))
            continue
        if _LOOKING_BACK.search(sentence[max(0, phrase.start - 12) : phrase.end]) and \
                phrase.kind in _LOOK_BACK_KINDS:
            background = background or _Backdrop(
                f"'{phrase.words}' looks back before the reported act", phrase.start, False)
            continue
        if published is None:
            day_phrase = day_phrase or phrase.kind not in ("month",)
            continue
        res = resolve_phrase(phrase, datetime(published.year, published.month, published.day))
        if res.date is None:
            continue
        # A day told more than two weeks back dates background; a month or season only
        # when it started more than 45 days back (it may run up to the report).
        # A whole month before the report's ("In August" in a September report) is over:
        # what it dates is background too.
        limit = timedelta(days=14 if res.precision <= 3 else 45)
        past_month = res.precision == 4 and (res.date.year, res.date.month) < (
            published.year, published.month)
        if res.date < published - limit or res.date > published + timedelta(days=1) \
                or past_month:
            background = background or _Backdrop(
                f"'{phrase.words}' ({res.date}) is long before the report", phrase.start, since)
        elif res.precision <= 3:
            day_phrase = True
    return day_phrase, background


def _acts_before_comparison(acts: list[Act], spans: Sequence[tuple[int, int]],
                            cue: _Backdrop) -> list[Act]:
    """The acts reported in clauses before a comparing cue.

    "X struck Y on Wednesday, the first raids on the city since the Sochi deal" reports a new
    act and only compares it with the past; the comparison's clause (and any after it) is
    background, the clauses before it are not. A cue that dates the act itself ("in 2019")
    or stands in the act's own clause keeps the whole sentence background.
    """
    if not cue.comparative:
        return []
    cue_clause = clause_of(spans, cue.start)
    return [a for a in acts if a.clause[1] <= cue_clause[0]]


def scan_sentence(sentence: str, published: date | None = None) -> SentenceScan:
    """Find the acts of a sentence and the reasons some hostile-act words were discarded.

    ``published`` (the local report date) lets old dates ("in December" in a February
    report, "in 2019") mark background; a recent day phrase overrides generality cues.
    """
    hits = _trigger_hits(sentence)
    if not hits:
        return SentenceScan((), (), None, False, False)
    comes_after = _COMES_AFTER.search(sentence)
    if comes_after is not None:
        m = comes_after
        return SentenceScan((), (), f"'{m.group(0)}' recalls an earlier event", False, False)
    day_phrase, cue = _day_level(sentence, published)
    if cue is None and published is not None:
        for year in years_mentioned(sentence):
            dated = re.search(
                rf"\b(in|since|during|of|from|by)\s+(?:early\s+|late\s+|mid-)?{year}\b",
                sentence, _I)
            if year < published.year and dated:
                cue = _Backdrop(f"'{year}' dates background, not a new act", dated.start(),
                                dated.group(1).lower() == "since"
                                or bool(_SINCE_BEFORE.search(sentence[: dated.start()])))
                break
    if cue is None and not day_phrase:
        general = _GENERAL.search(sentence)
        if general:
            cue = _Backdrop(f"'{general.group(0)}' describes attacks in general terms",
                            general.start(), False)
    spans = clauses(sentence)
    acts: list[Act] = []
    rejected: list[str] = []
    typed: dict[tuple[int, int], tuple[str, str, bool]] = {}
    for start, end, defensive, weak, incursion in hits:
        if defensive and _MANNED_AIRCRAFT_AFTER.match(sentence, end):
            defensive = False  # "Turkey shot down two Syrian Su-24s": an attack on the jets
        clause = clause_of(spans, start)
        why = _negated(sentence, clause, start, end, day_phrase)
        if why:
            rejected.append(why)
            continue
        if clause not in typed:  # several act words often share one clause
            typed[clause] = classify_type(sentence[clause[0] : clause[1]], sentence)
        event_type, sub, specific = typed[clause]
        if not specific and incursion:
            event_type, sub = STRATEGIC, INCURSION
        definite = not sentence[start:end].lower().endswith("ed") and bool(
            _DEFINITE.search(sentence[max(0, start - 40) : start]))
        lead = sentence[clause[0] : start]
        backdrop = (" of " in lead or " by " in lead) and bool(_BACKDROP_BEFORE.search(lead))
        acts.append(Act(start, end, sentence[start:end], event_type, sub, specific, defensive,
                        definite, weak, clause, backdrop))
    acts = _inherit_participles(sentence, acts)
    # The topic and perfect-tense searches only matter without a recent day phrase.
    topic = _TOPIC.search(sentence) if acts and not day_phrase else None
    if topic and not any(a.specific for a in acts):
        rejected.append(f"'{topic.group(0)}': the sentence is about {topic.group(0)}, not an act")
        acts = []
    if cue is not None:
        acts = _acts_before_comparison(acts, spans, cue)
        if not acts:
            return SentenceScan((), tuple(rejected), cue.reason, False, day_phrase)
    perfect = bool(acts) and not day_phrase and bool(
        _PERFECT.search(sentence) or _PAST_PERFECT.search(sentence))
    return SentenceScan(tuple(acts), tuple(rejected), None, perfect, day_phrase)


def _inherit_participles(sentence: str, acts: list[Act]) -> list[Act]:
    """A participle clause elaborating the main act shares its weapon.

    "Russian jets resumed bombing on Tuesday, striking the town of X": "striking" opens its
    own clause after a comma, has no subject or weapon word of its own, and describes the
    same strikes; it takes the type of the nearest typed act in an earlier clause.  Ground
    words ("..., storming the village") keep their own type.
    """
    if len(acts) < 2 or not any(a.specific for a in acts):
        return acts
    out: list[Act] = []
    for act in acts:
        lead = sentence[act.clause[0] : act.start]
        if (not act.specific and act.trigger.lower().endswith("ing") and not lead.strip()
                and sentence[: act.clause[0]].rstrip().endswith(",")
                and not GROUND_WORDS.match(act.trigger)):
            main = [a for a in out if a.specific and not a.backdrop
                    and a.clause[1] <= act.clause[0]]
            if main:
                src = main[-1]
                act = replace(act, event_type=src.event_type, sub_event_type=src.sub_event_type,
                              specific=True)
        out.append(act)
    return out


@dataclass(frozen=True, slots=True)
class Span:
    """An actor mention inside a sentence (offsets into the sentence) with an id."""

    start: int
    end: int
    key: str


# A speaker's acronym in brackets right after its name ("The Syrian Democratic Forces (SDF)
# said"), or the closing bracket after the acronym itself ("(SDF) said").
_ACRONYM_AFTER = r"(?:\s*\([^()]{1,40}\))?"
_ACRONYM_OR_CLOSE_AFTER = r"(?:\s*\([^()]{1,40}\)|\))?"
_SOURCE_BEFORE = re.compile(r"(?:according\s+to|(?:media|press|information)\s+(?:centre|center|"
                            r"office|wing|department)\s+of|spokes(?:man|woman|person)\s+for|"
                            r"a\s+source\s+(?:with)?in|sources?\s+(?:in|from|"
                            r"close\s+to|within)|outlet\s+(?:run\s+by|linked\s+to)|linked\s+to|"
                            r"affiliated\s+with|run\s+by|close\s+to|told)\s+(?:the\s+)?"
                            r"(?:[\w'-]+\s+){0,2}$", _I)
# "X's defence ministry said", "X's media wing said": X speaks through a part of itself.
_ORG_PART = (r"'s\s+(?:[\w-]+\s+){0,2}?(?:ministry|spokes(?:man|woman|person)|statement|office|"
             r"wing|command|leadership|channel|agency|commander|officials?)")
_SPEECH_VERB = (r"(?:said|says|claimed|claims|announced|announces|reported|reports|stated|states|"
                r"confirmed|confirms|added|adds)")
_SOURCE_AFTER = re.compile(r"^" + _ACRONYM_AFTER + r"(?:-linked|-affiliated|-run|\s+(?:said|says|"
                           r"reported|announced|"
                           r"stated|added|told|media|news|outlet|sources?|statement|"
                           r"spokes\w*|officials?|commander\s+said)|" + _ORG_PART
                           + r"\s+(?:has\s+|had\s+|also\s+)?" + _SPEECH_VERB + r")\b", _I)
_CLAIM_AFTER = re.compile(r"^(?:\W+\w+){0,3}?\W+(?:that\s+|which\s+|who\s+)?claimed\s+"
                          r"(?:responsibility|the\s+attack|an\s+attack|the\s+bombing)", _I)
_BY_BEFORE = re.compile(r"\bby\s+(?:[\w'-]+\s+){0,4}$", _I)
# A by-phrase right after the act word ("repelled | by the army", "beaten back on Monday by").
_AGENT_NEXT = re.compile(r"^\s*(?:(?:on|at|in|early|late|overnight|\w+day)\s+){0,3}by\s+"
                         r"(?:[\w'-]+\s+){0,4}$", _I)
# "came under fire from X": X fired.
_UNDER_FIRE = re.compile(r"c(?:ame|omes?|oming)\s+under\b", _I)
_FROM_BEFORE = re.compile(r"\bfrom\s+(?:the\s+)?(?:[\w'-]+\s+){0,2}$", _I)
# "positions held by X": X owns what was hit; "fired from territory held by X": X fired.
_HELD_BY = re.compile(r"\b(?:held|controlled|run|occupied|manned)\s+by\s+(?:[\w'-]+\s+){0,4}$", _I)
_FIRED_FROM = re.compile(r"\bfrom\s+(?:the\s+)?(?:territory|areas?|positions?|regions?|"
                         r"parts?)\s+(?:held|controlled)\s+by\s+(?:[\w'-]+\s+){0,4}$", _I)
# "on Monday", "at dawn", "in the morning" date the act; they do not introduce its target.
_DATE_WORD = (r"(?:the\s+)?(?:night|morning|evening|afternoon|dawn|dusk|eve|weekend|monday|"
              r"tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|"
              r"may|june|july|august|september|october|november|december|\d)")
_TARGET_BEFORE = re.compile(r"\b(?:(?:on|at)\s+(?!" + _DATE_WORD + r")|(?:against|targeting|"
                            r"targeted|toward|towards|into|of|hit|hitting|struck|striking)\s+)"
                            r"(?:[\w'\"-]+\s+){0,4}$", _I)
# "A column of seven Israeli vehicles crossed", "a group of HTS fighters attacked": the "of"
# of a collective noun heads the subject; it does not introduce a target.
_COLLECTIVE_OF = re.compile(
    r"\b(?:columns?|convoys?|groups?|units?|squads?|patrols?|detachments?|contingents?|teams?|"
    r"cells?|waves?|swarms?|formations?|numbers?|dozens|scores|hundreds|fleets?)\s+of\s+"
    r"(?:[\w'\"-]+\s+){0,4}$", _I)
# A victim told without an auxiliary: "two SDF fighters wounded in a government drone strike".
_REDUCED_VICTIM = re.compile(r"^\s*(?:[\w-]+\s+){0,2}?(?:killed|wounded|injured|hurt|dead)\s+"
                             r"(?:in|by|when|during|as)\b", _I)
_VICTIM_BETWEEN = re.compile(r"\b(?:was|were|been|being|is|are|got)\s+(?:\w+\s+){0,2}?"
                             r"(?:killed|wounded|injured|attacked|targeted|shelled|hit|struck|"
                             r"bombed|ambushed|shot|besieged)\b", _I)

# "Fighters of X attacked ...": X heads the subject, it is not the object of a preposition.
_MEMBERS_OF = re.compile(
    r"(?:^|[.;:,]\s*|\s-\s+|\b(?:the|a|an|some|several|dozens\s+of|\d+|two|three|four|five|"
    r"when|as|after|while|because|since|and|but|that|then|before)\s+)"
    r"(?:(?:military|armou?red|army|heavy)\s+)?"
    r"(?:fighters?|members?|militants?|militiam[ae]n|units?|elements?|troops|forces|gunm[ae]n|"
    r"soldiers?|officers?|personnel|groups?|cells?|squads?|snipers?|commandos?|battalions?|"
    r"brigades?|vehicles|tanks|patrols?|convoys?|columns?|bulldozers)\s+(?:of|from|belonging\s+to|"
    r"loyal\s+to|affiliated\s+with)\s+(?:the\s+)?$", _I)
# An act told as the setting of another: "the strikes came as government forces pressed an
# offensive", "the raid came days after ...": who follows belongs to that other clause.
_CAME_AS = re.compile(r"\b(?:came|come|comes|coming|broke\s+out|erupted|began|started|"
                      r"flared(?:\s+up)?)\s+(?:just\s+|only\s+|shortly\s+)?"
                      r"(?:as|amid|while|when|after|before|(?:a|one|two|three|several|\d+)\s+"
                      r"(?:days?|hours?|weeks?)\s+(?:after|before))\b", _I)
# "positions came under heavy fire", "insurgents withdrew under days of bombardment".
_UNDER_BEFORE = re.compile(r"\bunder\s+(?:[\w'-]+\s+){0,6}$", _I)


def _is_source(sentence: str, span: Span) -> bool:
    """A mention that attributes the report ("according to X", "X-linked outlet")."""
    if _CLAIM_AFTER.search(sentence[span.end : span.end + 60]):
        return False
    return bool(_SOURCE_BEFORE.search(sentence[max(0, span.start - 50) : span.start])
                or _SOURCE_AFTER.search(sentence[span.end : span.end + 30]))


_ALLY_BEFORE = re.compile(r"\b(?:with\s+the\s+help\s+of|backed\s+by|supported\s+by|alongside|"
                          r"together\s+with|with\s+support\s+from|covered\s+by)\s+(?:the\s+)?"
                          r"(?:[\w'-]+\s+){0,2}$", _I)
_DENIED_AFTER = re.compile(r"^\s+(?:did\s+not|didn't|do\s+not|does\s+not|denied|deny|denies|"
                           r"were\s+not|was\s+not|had\s+no)\b", _I)


# The mention is the subject of a verb of comment whose object is the act.
_COMMENT_BETWEEN = re.compile(
    r"^" + _ACRONYM_OR_CLOSE_AFTER
    # "Russian forces stationed in the area watched the shelling"
    + r"(?:\s+(?:stationed|deployed|based|positioned|present)\s+(?:in|at|near|around|on)\s+"
    r"(?:the\s+)?(?:[\w'-]+\s+){0,2}?[\w'-]+)?"
    + r"\s+(?:(?:has|have|had|also|later|again|strongly|swiftly|"
    r"on\s+\w+)\s+)*(?:called|calls|described|describes|condemned|condemns|denounced|"
    r"denounces|termed|terms|branded|brands|labelled|labeled|dubbed|decried|decries|"
    r"criticised|criticized|slammed|deplored|deplores|mourned|documented|recorded|"
    r"reported|confirmed|denied|denies|acknowledged|listed|lists|counted|counts|logged|"
    r"tallied|cited|cites|mentioned|investigated|investigates|watched|watches|witnessed|"
    r"observed|observes|monitored|monitors|filmed|saw|heard|tracked)\s+(?:the|this|that|these|those|its|"
    r"their|an?|such|yesterday's|today's|[\w-]+'s)\s+(?:[\w-]+\s+){0,2}$", _I)


# "The SDF put its units on alert after (what it called) drone attacks on the dam", "Army on
# alert following shelling of its posts": the act is told in a clause of reaction, so the
# subject reacted to it; it did not carry it out.
_REACTION_BEFORE = re.compile(
    r"\b(?:after|following|amid|in\s+(?:response|reaction|retaliation)\s+(?:to|for))\s+"
    r"(?:[\w'-]+\s+){0,14}$", _I)


_JOINER = re.compile(r"[,;:]|\b(?:before|and|but|while|then|when|as|until)\b", _I)


def _reacting_to(sentence: str, span: Span, act: Act, acts: Sequence[Act]) -> bool:
    """Whether the words between a subject and a later act make the act what the subject
    reacted to (see ``_REACTION_BEFORE``): no other act of the subject's comes first."""
    between = sentence[span.end : act.start]
    m = _REACTION_BEFORE.search(between)
    if m is None or _BY_BEFORE.search(between):
        return False
    word = span.end + m.start()
    if _JOINER.search(sentence, span.end, word):
        return False  # "X took two posts before troops ... recovered them after clashes"
    return not any(span.end <= a.start < word for a in acts)


def _role_for(sentence: str, span: Span, act: Act, acts: Sequence[Act] = ()) -> str | None:
    """Role of one mention relative to one act in the same clause (or None)."""
    if _CLAIM_AFTER.search(sentence[span.end : span.end + 60]):
        return "attacker"
    if _DENIED_AFTER.search(sentence[span.end : span.end + 20]):
        return None
    before = sentence[max(0, span.start - 40) : span.start]
    if _ALLY_BEFORE.search(before):
        return "attacker"
    wide = sentence[max(0, span.start - 70) : span.start]
    if _FIRED_FROM.search(wide):
        return "attacker"
    if _HELD_BY.search(before):
        return "target"
    if span.start >= act.end:
        after_act = sentence[act.end : span.start]  # "backed by Turkey shot down a |jet|"
        if _BY_BEFORE.search(after_act):
            # "the assault was repelled by HTS fighters": the agent of a defence defended;
            # "confronted attacks by X": X is the agent of the attacks, not of the defence
            return "target" if act.defensive and _AGENT_NEXT.match(after_act) else "attacker"
        if _UNDER_FIRE.match(act.trigger) and _FROM_BEFORE.search(before):
            return "attacker"
        return "attacker" if act.defensive else "target"
    # Mention left of the act word.
    between = sentence[span.end : act.start]
    if _COMMENT_BETWEEN.match(between):
        return None  # "X condemned the shelling", "X called the raid a massacre": a speaker
    if _BY_BEFORE.search(before):
        return "attacker"
    if _MEMBERS_OF.search(before):
        # "Fighters of X attacked": X heads the subject; "members of X were shot": the patient.
        passive = _PASSIVE_BEFORE.search(between) and not act.trigger.lower().endswith("ing")
        if passive or _VICTIM_BETWEEN.search(between):  # "... were wounded when a drone hit"
            return "target"
        # "are shelling" is active, not passive; "Fighters of X repelled an attack": X
        # defended
        return "target" if act.defensive else "attacker"
    if _TARGET_BEFORE.search(before) and not _SAID_WORD.search(between) \
            and not _COLLECTIVE_OF.search(before):
        return "target"
    if _UNDER_FIRE.match(act.trigger):
        # "rebel-held Harasta came under artillery fire"; "came under rebel fire": the firer
        if span.start >= act.start:
            return "attacker"
        return "target"
    if _VICTIM_BETWEEN.search(between) or _UNDER_BEFORE.search(between) \
            or _REDUCED_VICTIM.match(between):
        return "target"
    if _reacting_to(sentence, span, act, acts):
        return None
    return "target" if act.defensive else "attacker"


# "X said (on Saturday) that its fighters had ...": a speech verb after the speaker.
_SPEECH_AFTER = re.compile(
    r"^" + _ACRONYM_AFTER + r"(?:" + _ORG_PART + r")?(?:\s+(?:has|had|also|later|then))?\s+"
    + _SPEECH_VERB + r"\b", _I)
# The complement's subject, when it points back to the speaker ("its fighters", "it").
# Only time words, "in a statement" and the like may stand between the verb and it.
_SPEAKER_PRONOUN = re.compile(
    r"(?:\s+(?:on|in|at|a|an|the|its|their|late|early|last|this|earlier|later|night|morning|"
    r"evening|afternoon|statement|telegram|channel|website|online|separately|also|today|"
    r"yesterday|monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|"
    r"march|april|may|june|july|august|september|october|november|december|\d+))*?"
    r"(?:\s+that)?\s+(?:(?:at\s+least\s+)?[\w-]+\s+of\s+)?(?P<pro>(?:its|their)\s+(?:own\s+)?"
    r"(?:[a-z]*-?[a-z]*\d[\w-]*\s+)?"  # a model designation: "two of its Su-34 bombers"
    r"(?:fighters|forces|troops|units?|members|militants|militiamen|men|soldiers|servicemen|"
    r"officers|advisers|advisors|guards|artillery|aircraft|warplanes|jets?|drones?|gunners|"
    r"bombers?|helicopters?|planes?|warships?|submarines?|navy|"
    r"snipers|air\s+force|air\s+defen[cs]es|special\s+forces|commandos|elements|"
    r"personnel|positions|posts|outposts|bases?|checkpoints?|convoys?|patrols?|"
    r"headquarters)|it|they)\b", _I)
# Between that subject and the act: auxiliaries, a light verb, a determiner or number.
_AGENT_BRIDGE = re.compile(
    r"\s+(?:(?:had|has|have|also|successfully|then|later|again|jointly|on\s+\w+)\s+)*"
    r"(?:(?:launched|carried\s+out|conducted|mounted|staged|executed|drove|driven|sent|used|"
    r"fired|detonated)\s+)?(?:(?:a|an|the|two|three|four|five|six|seven|eight|nine|ten|several|"
    r"multiple|\d+|heavy|new|large|major|surprise|joint|coordinated|series\s+of|dozens\s+of|"
    r"number\s+of|wave\s+of)\s+)*", _I)


def _speaker_role(sentence: str, span: Span, acts: Sequence[Act]) -> str | None:
    """Role of a speaker whose statement reports its own act, or None.

    "HTS said on Saturday that its fighters had driven two car bombs into ...": the
    complement's subject ("its fighters", "it", "they") refers back to the speaker, so the
    speaker is the attacker (the target with a defensive verb or a victim's "were killed").
    A monitor reporting someone else's act ("the Observatory said government aircraft
    struck ...") gets no role: the complement's subject is not a pronoun.
    """
    after = sentence[span.end : span.end + 160]
    verb = _SPEECH_AFTER.match(after)
    if verb is None:
        return None
    pro = _SPEAKER_PRONOUN.match(after, verb.end())
    if pro is None:
        return _speaker_as_object(sentence, span.end + verb.end(), acts)
    pro_end = span.end + pro.end("pro")
    later = [a for a in acts if a.start >= pro_end]
    if not later:
        return None
    act = min(later, key=lambda a: a.start)
    bridge = sentence[pro_end : act.start]
    if len(bridge) <= 60 and (_VICTIM_BETWEEN.search(bridge) or _UNDER_BEFORE.search(bridge)):
        return "target"
    if _AGENT_BRIDGE.fullmatch(bridge):
        return "target" if act.defensive else "attacker"
    return None


# "... had shelled its base": the speaker's own forces or positions after the act.
_OWN_OBJECT = re.compile(
    r"^\s+(?:(?:[\w-]+\s+){0,3}?(?:on|at|against|into|towards?|targeting)\s+)?(?:its|their)\s+"
    r"(?:own\s+)?(?:[\w-]+\s+)?"
    r"(?:positions?|posts?|outposts?|bases?|checkpoints?|soldiers|servicemen|troops|forces|"
    r"fighters|patrols?|convoys?|personnel|units?|members|lines|headquarters)\b", _I)


def _speaker_as_object(sentence: str, start: int, acts: Sequence[Act]) -> str | None:
    """"Russia said militants had shelled its base": the speaker's own side was hit."""
    for act in acts:
        if act.start >= start and _OWN_OBJECT.match(sentence[act.end : act.end + 60]):
            return "target" if not act.defensive else None
    return None


# "government lines", "regime positions", "Turkish observation posts": a place held by a side
# is what is hit, unless the act comes from it ("drones launched from government-held areas").
_POSITION_AFTER = re.compile(
    r"^(?:'s|-held|-controlled|-run)?\s+(?:(?:military|observation|forward|front-?line|"
    r"defensive|fortified|nearby)\s+)?(?:positions?|lines|posts?|outposts?|bases?|"
    r"checkpoints?|barracks|headquarters|fortifications|defen[cs]es|gatherings|"
    r"concentrations|areas|territory|territories|sites?|depots?|front\s*lines?|trenches|"
    r"points)\b", _I)
_POSITION_IN = re.compile(
    r"\b(?:positions?|lines|posts?|outposts?|bases?|checkpoints?|barracks|headquarters|"
    r"fortifications|defen[cs]es|gatherings|areas|territory|territories)$", _I)
_ORIGIN_BEFORE = re.compile(r"\bfrom\s+(?:the\s+|its\s+|their\s+)?(?:[\w'-]+\s+){0,2}$", _I)


def _position_role(sentence: str, span: Span) -> str | None:
    """"target" for a side's positions/lines/posts, "attacker" when fire came from them."""
    if not (_POSITION_AFTER.match(sentence[span.end : span.end + 40])
            or _POSITION_IN.search(sentence[span.start : span.end])):
        return None
    if _ORIGIN_BEFORE.search(sentence[max(0, span.start - 40) : span.start]):
        return "attacker"
    return "target"


# The head noun a generic mention leaves out ("regime| forces", "Russian| jets").
_HEAD_NOUN = (r"(?:\s+(?:forces|troops|fighters|militants|militiamen|units|soldiers|militias?|"
              r"jets|warplanes|aircraft|helicopters|drones|artillery|factions|groups))?")
# "HTS and factions of the NLF launched ...": coordinated mentions share one role.
_COORDINATED = re.compile(
    _HEAD_NOUN + r"\s*(?:(?:,\s*(?:and\s+)?|and\s+|&\s+|as\s+well\s+as\s+|along\s+with\s+|"
    r"together\s+with\s+|alongside\s+)(?:(?:the|their|its|allied|other|several|some|"
    r"affiliated)\s+)*(?:(?:[\w-]+\s+)?(?:factions?|fighters|units?|members|militants|elements|"
    r"forces|troops|brigades?|groups?|battalions?|militias?)\s+(?:of|from|belonging\s+to)\s+"
    r"(?:the\s+)?)?)?", _I)
# "clashes between X and Y": the two are on opposite sides of the act.
_BETWEEN_BEFORE = re.compile(
    r"\b(?:clash\w*|fighting|fights?|battles?|skirmish\w*|confrontations?|hostilities|"
    r"infighting|fire)\s+(?:[\w'-]+,?\s+){0,14}?between\s+(?:the\s+)?(?:[\w'-]+\s+){0,2}[\"']?$",
    _I)
_BETWEEN_AND = re.compile(
    r"[\"']?" + _HEAD_NOUN + r"(?:\s*,\s*[^,;:()]{2,50},)?(?:\s+on\s+(?:the\s+)?one\s+"
    r"(?:side|hand))?\s+and\s+[^,;:()]{0,70}", _I)
# Acts two parties do to each other: coordinated subjects without a "with" object fight
# each other ("HTS and Hurras al-Din clashed near Idlib").
_RECIPROCAL = re.compile(r"clash\w*|fight\w*|fought|battl\w*|skirmish\w*", _I)
_WITH_OBJECT = re.compile(r"^\s+(?:[\w-]+\s+)?(?:with|against)\b", _I)


def _link_coordinated(
    sentence: str,
    acts: Sequence[Act],
    spans: Sequence[Span],
    roles: list[str | None],
    sources: Sequence[bool],
) -> None:
    """Give coordinated mentions their shared or opposite roles (in place).

    Coordinated subjects or objects of one act share its role ("HTS and factions of the
    NLF launched an assault": both attack).  Two parties named as "between X and Y", or
    coordinated subjects of a reciprocal verb with no "with" object ("X and Y clashed"),
    are on opposite sides: the first is recorded as attacker, the second as target.
    Not coordinated: a source ("..., Turkish officials said") and the subject of the next
    verb after an object ("HTS attacked regime forces and Russian jets struck Sarmin").
    """
    cl = clauses(sentence)
    for k in range(len(spans) - 1):
        a, b = spans[k], spans[k + 1]
        if a.key == b.key or sources[k] or sources[k + 1] \
                or any(a.end <= act.start < b.start for act in acts):
            continue
        a_clause, b_clause = clause_of(cl, a.start), clause_of(cl, b.start)
        if any(act.end <= a.start and act.start >= a_clause[0] for act in acts) and any(
                b.end <= act.start < b_clause[1] for act in acts):
            continue  # an object, then the subject of a new verb
        gap = sentence[a.end : b.start]
        if _BETWEEN_BEFORE.search(sentence[max(0, a.start - 120) : a.start]) and \
                _BETWEEN_AND.fullmatch(gap):
            roles[k], roles[k + 1] = "attacker", "target"
            continue
        if roles[k] is None or not _COORDINATED.fullmatch(gap):
            continue
        nxt = [act for act in acts if act.start >= b.end]
        first = min(nxt, key=lambda act: act.start) if nxt else None
        if (first is not None and _RECIPROCAL.fullmatch(first.trigger)
                and not _WITH_OBJECT.match(sentence[first.end : first.end + 30])
                and not any(first.end <= sp.start < first.clause[1] for sp in spans)
                and roles[k] == "attacker" and gap.strip(" ,") != ""):
            roles[k + 1] = "target"
        else:
            roles[k + 1] = roles[k]


_WITH_PARTY = re.compile(r"^\s+with\s+(?:the\s+)?(?:[\w'-]+\s+){0,3}$", _I)


def _oppose_victims(
    sentence: str, acts: Sequence[Act], spans: Sequence[Span], roles: list[str | None]
) -> None:
    """"Three HTS fighters were killed in clashes with Hurras al-Din": the party the victims
    were fighting "with" is on the other side of the act (in place)."""
    for k, b in enumerate(spans):
        before = [a for a in acts if a.end <= b.start and _RECIPROCAL.fullmatch(a.trigger)]
        if not before:
            continue
        act = max(before, key=lambda a: a.end)
        if not _WITH_PARTY.match(sentence[act.end : b.start]):
            continue
        if any(roles[j] == "target" and sp.key != b.key and sp.end <= act.start
               for j, sp in enumerate(spans)):
            roles[k] = "attacker"


# "the ceasefire between Damascus and ", "an agreement signed between the government and ":
# the words before a party named as a signatory of a pact, not as a fighter.
_PACT_BEFORE = re.compile(
    r"\b(?:agreements?|ceasefire|cease-fire|truce|deal|accords?|memorandum|understanding|"
    r"arrangements?|talks|negotiations|de-escalation)\s+(?:[\w'-]+\s+){0,3}?between\s+"
    r"(?:(?!and\b|or\b)[\w'-]+\s+){0,4}(?:(?:and|&)\s+(?:[\w'-]+\s+){0,3})?$", _I)


def assign_roles(sentence: str, acts: Sequence[Act], spans: Sequence[Span]) -> dict[str, str]:
    """Roles ("attacker"/"target") of the actor spans of one sentence, by key.

    Each mention takes its role from the nearest act in its own clause; a mention in a
    clause without an act only gets a role from an explicit marker ("by X", "claimed").
    Source attributions ("according to X", "X-linked outlet") get no role, except a
    speaker whose statement reports its own act ("the army said it shelled ...").
    A side's positions are targets; coordinated mentions share a role.
    """
    roles: dict[str, str] = {}
    if not acts:
        return roles
    cl = clauses(sentence)
    sources = [_is_source(sentence, span) for span in spans]
    # A name inside the dateline ("CAIRO/DAMASCUS - ") says where the report was filed; the
    # parties of a pact ("the ceasefire between Damascus and the SDF") are who signed it.
    lead = dateline_end(sentence)
    pact = "between" in sentence.casefold()  # every pact phrase says "between"
    found = [None if span.start < lead or (pact and _PACT_BEFORE.search(sentence[: span.start]))
             else _span_role(sentence, acts, span, cl, source)
             for span, source in zip(spans, sources, strict=True)]
    _link_coordinated(sentence, acts, spans, found, sources)
    _oppose_victims(sentence, acts, spans, found)
    for span, role in zip(spans, found, strict=True):
        if role and span.key not in roles:
            roles[span.key] = role
    return roles


# "X accused Y of shelling", "blamed Y for", "held Y responsible": Y is the perpetrator;
# "attributed the raid to Y", "blamed the attack on Y" likewise.  The accuser is a speaker.
_ACCUSED_BEFORE = re.compile(r"\b(?:accus(?:e|ed|es|ing)|blam(?:e|ed|es|ing)|held|holds|holding)\s+"
                             r"(?:the\s+)?(?:[\w'-]+\s+){0,3}$", _I)
_ATTRIBUTED_BEFORE = re.compile(r"\b(?:attribut(?:ed|es|ing)|blam(?:ed|es|ing)|pinned|pinning)\s+"
                                r"(?:[\w'-]+\s+){0,5}?(?:to|on)\s+(?:the\s+)?(?:[\w'-]+\s+){0,2}$",
                                _I)
# A negated accusation: "did not accuse", "has not blamed", "stopped short of accusing".
_NOT_ACCUSING = re.compile(r"(?:\b(?:did|does|do|has|have|had|was|were)(?:\s+not|n't)|\bnever|"
                           r"\bstopped\s+short\s+of|\bwithout|\brefrained\s+from)\s+$", _I)
_ACCUSED_AFTER = re.compile(r"^(?:'s\s+(?:[\w-]+\s+){0,2})?\s*(?:of|for|over)\b|^\s+"
                            r"(?:\w+\s+){0,2}?responsible\b", _I)
_ACCUSER_AFTER = re.compile(r"^" + _ACRONYM_OR_CLOSE_AFTER + r"(?:" + _ORG_PART + r")?\s+"
                            r"(?:(?:has|had|also|again|then|later|on\s+\w+)\s+)*"
                            r"(?:accus(?:ed|es)|blam(?:ed|es)|held|holds)\b", _I)


def _accusation_role(sentence: str, span: Span) -> str | None:
    """"attacker" for the accused of an accusation, "" for the accuser, None otherwise."""
    if _ACCUSER_AFTER.match(sentence[span.end : span.end + 60]):
        return ""
    before = sentence[max(0, span.start - 70) : span.start]
    cue = _ATTRIBUTED_BEFORE.search(before)
    if cue is None:
        cue = _ACCUSED_BEFORE.search(before)
        if cue is None or not _ACCUSED_AFTER.match(sentence[span.end : span.end + 40]):
            return None
    if _NOT_ACCUSING.search(before[: cue.start()]):
        return ""  # "the SDF did not accuse government forces of involvement": no one accused
    return "attacker"


# "ERBIL (Kurdistan24) - ", "Idlib, SANA - ", "DAMASCUS, Jan. 26 - ": where and who, before the
# sentence proper starts.
_DATELINE = re.compile(r"^\s*[A-Z][\w .'/-]{1,30}(?:,\s*[\w .]{1,20})?(?:\s*\([^()]{1,30}\))?"
                       r"\s*[-:\u2013\u2014]\s+")


def dateline_end(sentence: str) -> int:
    """Where the sentence proper starts after a dateline (0 without one)."""
    m = _DATELINE.match(sentence)
    return m.end() if m else 0


def _span_role(
    sentence: str, acts: Sequence[Act], span: Span, cl: Sequence[tuple[int, int]], source: bool
) -> str | None:
    """Role of one mention from the acts of its sentence (see :func:`assign_roles`)."""
    accusation = _accusation_role(sentence, span)
    if accusation is not None:
        return accusation or None
    if source:
        return _speaker_role(sentence, span, acts)
    clause = clause_of(cl, span.start)
    local = [a for a in acts if a.clause == clause or (clause[0] <= a.start < clause[1])]
    role: str | None = None
    # An act the mention only follows across "came as", "broke out after" ... is the setting
    # of the mention's own clause: its role comes from the next nearest act.
    local = [a for a in local
             if not (span.start >= a.end and _CAME_AS.search(sentence[a.end : span.start]))]
    if local:
        act = min(local, key=lambda a: min(abs(a.start - span.end), abs(span.start - a.end)))
        role = _role_for(sentence, span, act, acts)
    elif _HELD_BY.search(sentence[max(0, span.start - 40) : span.start]):
        role = "target"  # "positions held by X" in a clause of its own: X owns what was hit
    elif _CLAIM_AFTER.search(sentence[span.end : span.end + 60]) or _BY_BEFORE.search(
        sentence[max(0, span.start - 25) : span.start]
    ):
        role = "attacker"
    elif span.start < acts[0].start and clause[0] <= dateline_end(sentence):
        # Sentence subject standing in its own clause before the first act.
        between = sentence[span.end : acts[0].start]
        if _VICTIM_BETWEEN.search(between) or _UNDER_BEFORE.search(between):
            role = "target"
        elif _reacting_to(sentence, span, acts[0], acts):
            role = None
        else:
            role = "target" if acts[0].defensive else "attacker"
    if role is not None:
        role = _position_role(sentence, span) or role
    return role


def dominant_type(subs: Sequence[str]) -> tuple[str, str]:
    """(event_type, sub_event_type) of merged acts: the most specific sub-type wins."""
    if not subs:
        return BATTLES, ARMED_CLASH
    best = min(subs, key=TYPE_PRIORITY.index)
    return SUB_TO_TYPE[best], best


# "the missile had been launched from government-held territory", "shells fired from positions
# of the army": the side the fire came from.  Checked only when no attacker is named.
_ORIGIN_SIDE_WORDS = {
    "government": "government", "regime": "government", "army": "government",
    "syrian army": "government", "government forces": "government",
    "opposition": "opposition", "rebel": "opposition", "rebels": "opposition",
    "militant": "opposition", "militants": "opposition", "insurgent": "opposition",
    "insurgents": "opposition", "opposition factions": "opposition",
}
_FIRE_ORIGIN = re.compile(
    r"\b(?:launched|fired|shot|lobbed|came|originated|coming)\s+(?:\w+\s+){0,2}?from\s+"
    r"(?:the\s+)?(?:(?:positions?|areas?|territory|ground|bases?)\s+(?:of|held\s+by|controlled\s+by)"
    r"\s+(?:the\s+)?(?P<of>syrian\s+army|government\s+forces|opposition\s+factions|government|"
    r"regime|army|opposition|rebels|militants|insurgents)\b|(?P<held>government|regime|army|"
    r"opposition|rebel|militant|insurgent)-(?:held|controlled)\s+(?:territory|territories|"
    r"areas?|regions?|parts|positions|villages|towns|zones?)\b|(?P<own>government|regime|army|"
    r"opposition|rebel|militant|insurgent)\s+(?:positions|posts|bases|lines|artillery|"
    r"batteries)\b)", _I)


_SPACES = re.compile(r"\s+")


def fire_origin_side(sentence: str) -> str | None:
    """The side ("government"/"opposition") whose ground the fire is said to come from."""
    m = _FIRE_ORIGIN.search(sentence)
    if m is None:
        return None
    word = _SPACES.sub(" ", (m.group("of") or m.group("held") or m.group("own")).lower())
    return _ORIGIN_SIDE_WORDS.get(word)
