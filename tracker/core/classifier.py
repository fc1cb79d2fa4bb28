"""Turn one news item into incidents and decide, for each, whether it is a violation.

Pipeline (each step explains itself in the incident's reasons):

1. split the text into sentences; find the act sentences (:mod:`tracker.core.events`);
   a place matched only by an alternate or short name is dropped when its own phrase
   names a far containing city or governorate ("the al-Hal market ... of Idlib city");
2. per act, the place nearest the act in its sentence (a place introduced as a reference
   point, "50 km north-east of Aleppo", is penalised); an act whose own place is only
   described relative to a known place ("north-east of X", "near X") is placed at X with
   precision 2; an act with no place of its own is an elaboration of the act reported
   before it, or takes a neighbouring sentence's or the title's place;
3. the date phrase governing the act sentence (:mod:`tracker.core.dates`), then neighbours,
   then the title, then the report date; a day right after a speech verb ("said on
   Tuesday that ...") dates the statement, so the act's own date elsewhere wins;
4. actors (registry names plus generic nouns such as "militants", "regime", "government
   lines") and their roles in the clause;
5. acts of the same event (same day, same or containing place, compatible type) are merged;
   the incident's type comes from its main acts (not "after days of bombardment"), and
   the headline's act decides when they disagree;
6. fatalities over the event's sentences (:mod:`tracker.core.numbers`);
7. zones at the place, agreements in force on the day, and the violation rule of
   ``agreements.md``.

Pure: the reference data and the publication time are passed in; nothing is read here.
"""

from __future__ import annotations

import itertools
import math
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING

from tracker.core.actors import actor_id
from tracker.core.agreements import CAMP_PREFIX, EXPLICIT_ACTS, Agreement
from tracker.core.dates import (
    DatePhrase,
    DateResolution,
    find_date_phrases,
    is_background_phrase,
    report_date,
    resolve_phrase,
    to_local,
)
from tracker.core.events import (
    AIR,
    ARMED_CLASH,
    ATTACK,
    GROUND_WORDS,
    IED,
    SHELLING,
    SUB_TO_TYPE,
    SUICIDE,
    TYPE_PRIORITY,
    Act,
    SentenceScan,
    Span,
    assign_roles,
    clause_of,
    clauses,
    dominant_type,
    fire_origin_side,
    scan_sentence,
)
from tracker.core.gazetteer import FoldedText, Place, PlaceMention, drop_contradicted, fold_text
from tracker.core.incident import ActorRole, Incident, ItemInput, Location
from tracker.core.numbers import Toll, extract_toll
from tracker.core.text import (
    CaselessPattern,
    LiteralGate,
    Sentence,
    in_spans,
    normalise,
    quoted_spans,
    split_sentences,
)

if TYPE_CHECKING:
    from tracker.reference import ReferenceData

# Damascus has kept UTC+3 all year since October 2022; callers that need exact historic
# daylight-saving offsets pass ZoneInfo("Asia/Damascus").
DEFAULT_TZ = timezone(timedelta(hours=3), "Asia/Damascus (fixed +03:00)")

GOV, OPP, OTHER, CIV, UNKNOWN = "government", "opposition", "other", "civilian", "unknown"
_RELATIVE = ("today", "yesterday", "last_night", "days_ago", "weekday", "few_days")
_ANCHOR_KINDS = ("iso", "dmy", "mdy", "weekday", "today", "yesterday")


@dataclass(frozen=True, slots=True)
class _ActorInfo:
    """An actor as the classifier sees it: registry actor or generic noun."""

    name: str
    side: str
    excluded: bool
    generic: bool


# Generic nouns that identify a side without naming a group. Registry names win on overlap.
# Case-insensitive; written in lower case as CaselessPattern requires.  The optional gate
# lists words every match contains, so a text without them skips the pattern.
_GENERIC: tuple[tuple[CaselessPattern, _ActorInfo, LiteralGate | None], ...] = (
    (CaselessPattern(
        r"\b(?:pro-)?regime(?:-held|-controlled)?\b|\bforces\s+loyal\s+"
        r"to\s+(?:president\s+)?(?:bashar\s+)?(?:al-)?assad\b|\bgovernment(?:-held|"
        r"-controlled)\b|\bgovernment(?<!anti-government)\s+(?:forces|troops|positions|artillery|warplanes|"
        r"jets|helicopters|army|soldiers|lines|front\s*lines?|posts?|outposts?|bases?|"
        r"checkpoints?|barracks|militias|fighters|shelling|bombardment|air\s*strikes|"
        r"strikes|raids|rockets|missiles|drones|aircraft|aviation)\b|\barmy(?<!turkish\sarmy)(?<!israeli\sarmy)"
        r"(?<!russian\sarmy)(?<!american\sarmy)(?<!iraqi\sarmy)(?<!national\sarmy)"
        r"(?<!free\ssyrian\sarmy)(?<!lebanese\sarmy)(?<!jordanian\sarmy)(?:'s)?\s+(?:positions?|"
        r"lines|front\s*lines?|posts?|outposts?|bases?|checkpoints?|barracks)\b|\bsyrian\s+(?:army|troops|soldiers|forces|"
        r"military|air\s+forces?|warplanes|jets|helicopters|artillery|government\s+forces)"
        r"\b|\bdamascus(?:'s)?\s+forces\b|\bour\s+armed\s+forces\b"),
     _ActorInfo("Syrian government forces", GOV, False, True), None),
    (CaselessPattern(
        r"\brussia\b|\brussian(?=\s+(?:air|war|jets?|planes?|aircraft|forces|troops|"
        r"military|soldiers|patrols?|drones?|helicopters?|strikes?|airstrikes?|air\s*"
        r"strikes?|raids?|bombing|bombardment|shelling|bases?|aviation|missiles?)\b)|"
        r"\bbelieved\s+(?:to\s+be\s+)?russian\b"),
     _ActorInfo("Russian forces", GOV, False, True), LiteralGate(("russia",))),
    (CaselessPattern(
        r"\bturk(?:ey|iye)\b|\bturkish(?=\s+(?:military|army|armed|forces|troops|"
        r"soldiers|bases?|posts?|observation|positions?|patrols?|convoys?|drones?|"
        r"artillery|howitzers|tanks|jets|warplanes|personnel|outposts?|points?)\b)"),
     _ActorInfo("Turkish Armed Forces", OPP, False, True), LiteralGate(("turk",))),
    (CaselessPattern(r"\b(?:turk(?:ish|ey)-backed|ankara-backed)\b"),
     _ActorInfo("Syrian National Army", OPP, False, True), LiteralGate(("-backed",))),
    (CaselessPattern(
        r"\b(?:militants?|militant\s+groups?|jihadists?|jihadi(?:st)?\s+(?:groups?|"
        r"fighters|factions)|terrorists?|terrorist\s+groups?|rebels?|rebel\s+(?:groups?|"
        r"factions|fighters)|insurgents?|extremists?|extremist\s+(?:groups?|factions)|"
        r"opposition\s+(?:fighters|factions|forces|groups)|armed\s+(?:groups|factions|"
        r"opposition)|islamists?|(?:opposition|rebel|insurgent|militant)-(?:held|"
        r"controlled))\b"),
     _ActorInfo("Opposition armed groups (unnamed)", OPP, False, True), None),
    (CaselessPattern(
        r"\b(?:gunmen|unknown\s+(?:assailants|attackers|gunmen|persons)|unidentified\s+"
        r"(?:gunmen|assailants|attackers|persons|drones?|aircraft|warplanes))\b"),
     _ActorInfo("Unidentified attackers", UNKNOWN, False, True),
     LiteralGate(("gunmen", "unknown", "unidentified"))),
    (CaselessPattern(
        r"\b(?:us|u\.s\.|american|united\s+states|us-led|coalition)(?=\s+(?:forces|"
        r"troops|military|drones?|strikes?|air\s*strikes?|warplanes|jets|aircraft|"
        r"-led))|\bus-led\s+coalition\b|\bthe\s+us\b"),
     _ActorInfo("US-led coalition", OTHER, False, True), None),
    (CaselessPattern(
        r"\bisrael(?:i)?(?=\s+(?:jets|warplanes|strikes?|air\s*strikes?|forces|"
        r"military|missiles?|aircraft)\b)|\bisrael\b"),
     _ActorInfo("Israeli forces", OTHER, False, True), LiteralGate(("israel",))),
    (CaselessPattern(
        r"\bkurdish(?:-led)?\s+(?:fighters|forces|militia|militants|ypg)\b|\basayish\b"),
     _ActorInfo("Syrian Democratic Forces", OTHER, False, True),
     LiteralGate(("kurdish", "asayish"))),
    (CaselessPattern(
        r"\b(?:civilians?|residents|villagers|shepherds?|farmers?|children|families|"
        r"displaced\s+people|a\s+(?:man|woman|child|boy|girl))\b"),
     _ActorInfo("Civilians", CIV, False, True), None),
)

# The generic actor standing for the side an act is said to come from.
_ORIGIN_ACTORS = {
    GOV: _ActorInfo("Syrian government forces", GOV, False, True),
    OPP: _ActorInfo("Opposition armed groups (unnamed)", OPP, False, True),
}

_REFERENCE_BEFORE = CaselessPattern(
    r"(?:\b\d+\s*(?:km|kilometres|kilometers|miles)\b[^,;]{0,30}?\b(?:of|from)|\b(?:north|south|"
    r"east|west|northeast|northwest|southeast|southwest|north-east|north-west|south-east|"
    r"south-west|outside|away\s+from|from|towards?|to)\b(?:\s+of)?)\s+(?:the\s+)?(?:city\s+of\s+|"
    r"town\s+of\s+)?$",
)
# A place the act's own place is described against: UCDP precision 2 ("within ~25 km").
_RELATIVE_BEFORE = CaselessPattern(
    r"(?:\b\d+(?:\.\d+)?\s*(?:km|kilometres|kilometers|miles)\s+(?:\(\s*[\d.]+\s*\w+\s*\)\s+)?"
    r"(?:(?:to\s+the\s+)?(?:north|south|east|west|northeast|northwest|southeast|southwest|"
    r"north-east|north-west|south-east|south-west)\s+)?(?:of|from)|\b(?:north|south|east|west|"
    r"northeast|northwest|southeast|southwest|north-east|north-west|south-east|south-west)\s+of|"
    r"\bnear(?:by)?|\boutside|\boutskirts\s+of|\bon\s+the\s+(?:edge|fringes?)\s+of|"
    r"\bclose\s+to|\bvicinity\s+of)\s+(?:the\s+)?(?:city\s+of\s+|town\s+of\s+|village\s+of\s+)?$",
)
_ORIGIN = re.compile(r"\bfrom\b", re.IGNORECASE)
_ZONE_NAME_AFTER = re.compile(r"\s+de-?escalation\s+(?:zones?|areas?)\b", re.IGNORECASE)
# "the attack on its post number 10, at Sher Mughar": the place right after the act's clause
# still locates it.
_LOCATIVE_APPOSITION = re.compile(r"\s*,\s*(?:at|in|near)\s+(?:the\s+)?", re.IGNORECASE)
_LOCATIVE_BEFORE = CaselessPattern(
    r"\b(?:in|at|near|on|inside|around|outskirts\s+of|village\s+of|town\s+of|city\s+of|area\s+of|"
    r"countryside\s+of|district\s+of|neighbourhood\s+of|vicinity\s+of|axis|front|targeting|"
    r"targeted|hit|struck|shelled|bombed|pounded)\s+(?:the\s+)?(?:[\w'-]+\s+){0,2}$",
)
# "X said on Tuesday that ...": a date phrase right after a speech verb dates the statement.
_SPEECH_BEFORE = CaselessPattern(
    r"\b(?:said|says|announced|reported|stated|confirmed|claimed|added|told\s+(?:[\w'-]+\s+)"
    r"{1,3}?)\s+(?:in\s+a\s+(?:statement|video|post)\s+)?$")
_KIND_RANK = {"military_site": 0, "neighbourhood": 0, "settlement": 1, "road": 2, "region": 3}
# How far a place of each UCDP precision may be from another place of the same event
# (precision 2 is "within ~25 km of a named place").
_IMPRECISE_RADIUS_KM = {2: 25.0, 3: 40.0, 4: 80.0, 5: 45.0, 6: 400.0}


@dataclass(slots=True)
class _Record:
    """Acts of one sentence that share a place (one event mention)."""

    sent: int
    acts: list[Act]
    place: PlaceMention | None
    place_note: str
    date: DateResolution | None
    roles: dict[str, str]
    actors: dict[str, _ActorInfo]
    said: DateResolution | None = None  # the day of the statement that reports the act


@dataclass(slots=True)
class _Cluster:
    """Records merged into one incident."""

    records: list[_Record] = field(default_factory=list)

    @property
    def sentences(self) -> list[int]:
        """Sentence indexes of the member records, in order, de-duplicated."""
        return sorted({r.sent for r in self.records})


# Sentences after an act, without acts of their own, read for its toll.
_DETAIL_SENTENCES = 2


class Classifier:
    """Classifies news items; holds the reference registries, built once."""

    def __init__(self, ref: ReferenceData, tz: tzinfo | None = None) -> None:
        """Keep the registries; ``tz`` is the place's time zone (default fixed +03:00)."""
        self._ref = ref
        self._tz = tz or DEFAULT_TZ
        self._guarantors: frozenset[str] | None = None

    # ------------------------------------------------------------------ public

    def classify(self, item: ItemInput) -> list[Incident]:
        """All incidents the item reports, violations and non-violations alike."""
        text = normalise(item.text or "")
        title = normalise(item.title or "").strip()
        published = to_local(item.published, self._tz)
        doc = _Document(self, text, title, published)
        return doc.incidents()

    # ------------------------------------------------------------ lookups used by _Document

    def places(self, text: str, folded: FoldedText | None = None) -> list[PlaceMention]:
        """Resolved Syrian place mentions of a text.

        ``folded`` (:func:`fold_text` of the same text) is shared with :meth:`actor_mentions`
        so that a text is folded once.
        """
        gaz = self._ref.gazetteer
        ft = folded if folded is not None and folded.text is text else fold_text(text)
        found = gaz.resolve(gaz.find(text, ft), text, ft)
        if "escalation" in text:
            # "the Idlib de-escalation zone" names an agreement zone, not the town.
            found = [m for m in found if not _ZONE_NAME_AFTER.match(text, m.end)]
        return found

    def actor_mentions(
        self, text: str, folded: FoldedText | None = None
    ) -> list[tuple[int, int, _ActorInfo]]:
        """Registry and generic actor mentions, registry first, no overlaps, in order."""
        found: list[tuple[int, int, _ActorInfo]] = []
        for m in self._ref.actors.find(text, folded):
            a = m.actor
            found.append((m.start, m.end, _ActorInfo(a.name, a.side, a.excluded, False)))
        low = text.lower()
        for pattern, info, gate in _GENERIC:
            if gate is not None and not gate(text):
                continue
            for gs, ge in pattern.spans(text, low):
                if any(gs < e and s < ge for s, e, _ in found):
                    continue
                found.append((gs, ge, info))
        found.sort(key=lambda x: x[0])
        return found

    def is_guarantor(self, name: str) -> bool:
        """Whether the named actor guarantees some agreement (attacks on it weigh more)."""
        if self._guarantors is None:
            self._guarantors = frozenset(g for a in self._ref.agreements for g in a.guarantors)
        actor = self._ref.actors.get(name)
        return (actor.key if actor else actor_id(name)) in self._guarantors

    @property
    def ref(self) -> ReferenceData:
        """The reference data the classifier was built with."""
        return self._ref

    @property
    def tz(self) -> tzinfo:
        """Time zone used to localise publication times."""
        return self._tz


class _Document:
    """State for classifying one item (sentences, mentions, scans)."""

    def __init__(self, clf: Classifier, text: str, title: str, published: datetime) -> None:
        self.clf = clf
        self.ref = clf.ref
        self.title = title
        self.published = published
        self.pub_date = published.date()
        self.sentences: list[Sentence] = split_sentences(text)
        self._starts = [s.start for s in self.sentences]
        self.text = text
        folded = fold_text(text) if text else None
        all_places = clf.places(text, folded) if text else []
        all_actors = clf.actor_mentions(text, folded) if text else []
        self.places: list[list[PlaceMention]] = [[] for _ in self.sentences]
        self.actors: list[list[tuple[int, int, _ActorInfo]]] = [[] for _ in self.sentences]
        for pm in all_places:
            i = self._sentence_at(pm.start)
            if i is not None:
                s = self.sentences[i]
                self.places[i].append(PlaceMention(pm.place, pm.start - s.start,
                                                   pm.end - s.start, pm.surface, pm.candidates))
        # Alternate-name matches their own phrase contradicts ("al-Hal ... of Idlib city").
        self.homonyms: dict[int, list[tuple[PlaceMention, PlaceMention]]] = {}
        for i, pms in enumerate(self.places):
            if len(pms) > 1:
                kept, dropped = drop_contradicted(pms, self.sentences[i].text)
                if dropped:
                    self.places[i] = kept
                    self.homonyms[i] = dropped
        for start, end, info in all_actors:
            i = self._sentence_at(start)
            if i is not None:
                s = self.sentences[i]
                self.actors[i].append((start - s.start, end - s.start, info))
        self.scans: list[SentenceScan] = [
            scan_sentence(s.text, self.pub_date) if len(s.text.split(None, 5)) >= 5
            else SentenceScan((), (), None, False, False)
            for s in self.sentences
        ]
        self._context_memo: dict[tuple[int, int], str] = {}
        self._headline_memo: tuple[str, str] | tuple[()] | None = None
        self.title_folded = fold_text(title) if title else None
        self.title_places = (drop_contradicted(clf.places(title, self.title_folded), title)[0]
                             if title else [])

    def _sentence_at(self, pos: int) -> int | None:
        """Index of the sentence containing text offset ``pos``."""
        i = bisect_right(self._starts, pos) - 1  # sentences are in order, never overlapping
        if i >= 0 and pos < self.sentences[i].end:
            return i
        return None

    # ------------------------------------------------------------------ records

    def records(self) -> list[_Record]:
        """One record per (sentence, place) group of accepted acts."""
        out: list[_Record] = []
        for i, scan in enumerate(self.scans):
            if not scan.acts:
                continue
            out.extend(self._sentence_records(i, scan, bool(out)))
        return out

    def _sentence_records(
        self, i: int, scan: SentenceScan, has_previous: bool = False
    ) -> list[_Record]:
        """Accepted acts of sentence ``i`` grouped by the place each act is nearest to."""
        sent = self.sentences[i].text
        spans = clauses(sent)
        actors = self.actors[i]
        groups: dict[str, tuple[PlaceMention | None, str, list[Act]]] = {}
        for act in scan.acts:
            if act.weak and not self._agent_before(i, act):
                continue
            place, note = self._place_for(i, act, spans)
            if scan.perfect_only and (not _specific_place(place) or self._coordinated(i)):
                continue
            key = place.place.name if place else ""
            groups.setdefault(key, (place, note, []))[2].append(act)
        if "" in groups and len(groups) > 1:
            # Acts of the sentence with no place of their own belong to its placed act.
            placeless = groups.pop("")[2]
            next(iter(groups.values()))[2].extend(placeless)
        records: list[_Record] = []
        for place, note, acts in groups.values():
            if place is not None and note.endswith("(a reference point)") and has_previous:
                # "fired from ... south of Aleppo": the place locates something else; the
                # sentence elaborates the act reported before it.
                place, note = None, ""
            own = [(s, e, info) for s, e, info in actors]
            span_objs = [Span(s, e, info.name) for s, e, info in own]
            roles = assign_roles(sent, acts, span_objs)
            infos = {info.name: info for _, _, info in own}
            if place is None and not roles and not any(a.specific or a.definite for a in acts):
                continue
            date_res, statement = self._own_date(i, acts[0])
            if statement:
                records.append(_Record(i, acts, place, note, None, roles, infos, date_res))
            else:
                records.append(_Record(i, acts, place, note, date_res, roles, infos))
        return records

    def _coordinated(self, i: int) -> bool:
        """Places joined by "and"/"," ("around Saraqib and in the Ghab"): a general claim."""
        sent = self.sentences[i].text
        pms = self.places[i]
        # "at X in the Y" (without "and" or a comma) places X inside Y: not coordinated.
        return any(re.fullmatch(r"[\s,]*(?:and\s+)?(?:in|around|on|near|at)?\s*(?:the\s+)?",
                                gap, re.I) is not None and ("," in gap or "and" in gap.lower())
                   for a, b in itertools.pairwise(pms)
                   for gap in (sent[a.end : b.start],))

    def _agent_before(self, i: int, act: Act) -> bool:
        """A killing verb is an act only with an actor before it in its clause."""
        return any(act.clause[0] <= s < act.start for s, _, info in self.actors[i]
                   if info.side not in (CIV,))

    def _place_for(
        self, i: int, act: Act, spans: Sequence[tuple[int, int]]
    ) -> tuple[PlaceMention | None, str]:
        """The place nearest the act in its sentence, scored by clause and context."""
        candidates = self.places[i]
        if act.definite:
            sent = self.sentences[i].text
            candidates = [p for p in candidates if act.clause[0] <= p.start < act.clause[1]
                          or _LOCATIVE_APPOSITION.fullmatch(sent[act.clause[1] : p.start])]
        best: tuple[float, PlaceMention] | None = None
        act_clause = clause_of(spans, act.start)
        for pm in candidates:
            if any(s <= pm.start < e for s, e, _ in self.actors[i]):
                continue  # part of an actor's name
            if _qualifies_next(self.sentences[i].text, pm, candidates):
                continue  # "Syria's Idlib province": the next place is the one meant
            if _locates_previous(self.sentences[i].text, pm, candidates):
                continue  # "X in the southern Quneitra countryside": X is the place meant
            if pm.end <= act.start:
                gap = act.start - pm.end
                lo, hi = pm.end, act.start
            else:
                gap = max(0, pm.start - act.end)
                lo, hi = act.end, pm.start
            cuts = sum(1 for s, _ in spans if lo < s <= hi)
            score = gap + 45.0 * cuts
            context = self._place_context(i, pm.start)
            if context == "reference":
                score += 90
            elif context == "locative":
                score -= 15
            if pm.place.precision >= 4:
                score += 25
            if not pm.place.curated:
                score += 30  # bulk GeoNames names collide with ordinary words more often
                others = {o.place.admin1 for o in candidates if o is not pm}
                if others and pm.place.admin1 not in others:
                    score += 30
            if clause_of(spans, pm.start) == act_clause:
                score -= 10
            if best is None or score < best[0]:
                best = (score, pm)
        if best is None:
            return None, ""
        pm = best[1]
        sent = self.sentences[i].text
        if pm.place.precision >= 3 and not _origin_between(sent, act, pm):
            # "an attack on the villages of M and J, north-east of Ain Issa in Raqqa
            # province": the act's own place is not in the gazetteer but is described
            # relative to a known place of the same governorate; that place locates it
            # better than the governorate.
            anchors = [c for c in candidates if c.place.precision <= 2
                       and c.place.admin1 == pm.place.admin1 and self._relative(i, c)
                       and not _origin_between(sent, act, c)
                       and not any(s <= c.start < e for s, e, _ in self.actors[i])]
            if anchors:
                pm = min(anchors, key=lambda c: abs(c.start - act.start))
        homonyms = "".join(
            f" ('{m.surface}' not read as {m.place.name}, {m.place.admin1}: the phrase names "
            f"{c.surface}, {_km(m.place, c.place):.0f} km away)"
            for m, c in self.homonyms.get(i, ()))
        if pm.place.precision == 1 and self._relative(i, pm) \
                and not _origin_between(sent, act, pm):  # memoised test first
            near = replace(pm, place=replace(pm.place, precision=2))
            words = sent[max(0, pm.start - 45) : pm.end]
            phrase = _RELATIVE_BEFORE.search(sent[max(0, pm.start - 45) : pm.start])
            if phrase is not None:
                words = words[phrase.start():]
            return near, (f"place near {pm.place.name} from '{words.strip()}' in the act "
                          "sentence (the act's own place is given relative to it; precision 2)"
                          + homonyms)
        ref_point = self._place_context(i, pm.start) == "reference"
        note = f"place {pm.place.name} from '{pm.surface}' in the act sentence" + homonyms
        return pm, note + (" (a reference point)" if ref_point else "")

    def _relative(self, i: int, pm: PlaceMention) -> bool:
        """Whether the mention is a reference the act's place is given against ("5 km
        west of X", "north-east of X", "near X", "outside X", "on the outskirts of X")."""
        key = (i, -1 - pm.start)  # shares the context memo; negative keys for this question
        found = self._context_memo.get(key)
        if found is None:
            before = self.sentences[i].text[max(0, pm.start - 45) : pm.start]
            found = "relative" if _RELATIVE_BEFORE.search(before) else ""
            self._context_memo[key] = found
        return bool(found)

    def _place_context(self, i: int, start: int) -> str:
        """"reference" or "locative" by the 45 characters before a place mention, or "".

        Memoised per mention: every act of a sentence scores every place of it.
        """
        key = (i, start)
        found = self._context_memo.get(key)
        if found is None:
            before = self.sentences[i].text[max(0, start - 45) : start]
            if _REFERENCE_BEFORE.search(before):
                found = "reference"
            elif _LOCATIVE_BEFORE.search(before):
                found = "locative"
            else:
                found = ""
            self._context_memo[key] = found
        return found

    # ------------------------------------------------------------------ dates

    def _own_date(self, i: int, act: Act) -> tuple[DateResolution | None, bool]:
        """The date phrase of the act's own sentence nearest the act, quote-anchored.

        The flag is True when the phrase dates the statement that reports the act ("the SDF
        said on Tuesday that five of its fighters had been killed ..."): the act happened on
        that day or before it, so another sentence's own date for it wins.
        """
        sent = self.sentences[i].text
        phrases = [p for p in find_date_phrases(sent) if not is_background_phrase(p)]
        if not phrases:
            return None, False
        def cost(p: DatePhrase) -> int:
            outside = not (act.clause[0] <= p.start < act.clause[1])
            return min(abs(p.start - act.start), abs(p.end - act.start)) + 150 * outside

        def says(p: DatePhrase) -> bool:
            return act.start >= p.end and bool(
                _SPEECH_BEFORE.search(sent[max(0, p.start - 40) : p.start]))

        # "X said on Wednesday that its jets struck Y on Tuesday": the act's own day wins
        # over the day of the statement when both stand in the act's clause.
        own = [p for p in phrases if not says(p) and act.clause[0] <= p.start < act.clause[1]]
        phrase = min(own or phrases, key=cost)
        ref = self.published
        anchor_note = ""
        if phrase.kind in _RELATIVE and '"' in sent:
            quotes = quoted_spans(sent)
            if in_spans(phrase.start, quotes):
                anchor = self._statement_date(i, phrase, quotes)
                if anchor is not None:
                    ref = datetime.combine(anchor, time(0))
                    anchor_note = f" (inside a statement made on {anchor})"
        res = resolve_phrase(phrase, ref)
        if res.date is None or res.date > self.pub_date + timedelta(days=1):
            return None, False
        if anchor_note:
            res = DateResolution(res.date, res.precision, res.words, res.reason + anchor_note)
        return res, says(phrase)

    def _statement_date(
        self, i: int, phrase: DatePhrase, quotes: list[tuple[int, int]]
    ) -> date | None:
        """The day a quoted statement was made: a date outside the quotes, here or before."""
        sent = self.sentences[i].text
        candidates = [(sent, p, quotes) for p in find_date_phrases(sent)
                      if p is not phrase and not in_spans(p.start, quotes)]
        if i > 0:
            prev = self.sentences[i - 1].text
            pq = quoted_spans(prev)
            candidates += [(prev, p, pq) for p in find_date_phrases(prev)
                           if not in_spans(p.start, pq)]
        for _, p, _ in candidates:
            if p.kind in _ANCHOR_KINDS:
                res = resolve_phrase(p, self.published)
                if res.date is not None and res.date <= self.pub_date:
                    return res.date
        return None

    def _neighbour_date(self, i: int, taken: set[int]) -> DateResolution | None:
        """A recent date phrase in the sentence before/after ``i`` that has no other act."""
        for j in (i - 1, i + 1):
            if j < 0 or j >= len(self.sentences) or j in taken:
                continue
            if self.scans[j].background:
                continue
            res = self._recent_phrase(self.sentences[j].text)
            if res is not None:
                return DateResolution(res.date, res.precision, res.words,
                                      res.reason + " (from a neighbouring sentence)")
        return None

    def _recent_phrase(self, text: str) -> DateResolution | None:
        """First date phrase of ``text`` naming a day or week within 31 days of the report."""
        for p in find_date_phrases(text):
            if is_background_phrase(p):
                continue
            res = resolve_phrase(p, self.published)
            if res.date is None or res.precision > 3:
                continue
            if self.pub_date - timedelta(days=31) <= res.date <= self.pub_date:
                return res
        return None

    # ------------------------------------------------------------------ merging

    def clusters(self, records: list[_Record]) -> list[_Cluster]:
        """Merge records of the same event (same day, same or containing place, type)."""
        clusters: list[_Cluster] = []
        for rec in records:
            target: _Cluster | None = None
            if rec.place is None:
                # An act without a place elaborates the latest event unless it names a
                # different day of its own ("another 20 were killed a week ago"); a day
                # shortly before a statement that reports the event is compatible with it.
                own = rec.date or rec.said
                for c in reversed(clusters):
                    if own is None or any(_same_day_or_undated(own, r.date or r.said)
                                          or _reported_by(rec.date, r.said)
                                          for r in c.records) or _dates_next(c, rec, self.pub_date):
                        target = c
                        break
            else:
                for c in clusters:
                    if self._compatible(c, rec):
                        target = c
                        break
            if target is None:
                if rec.place is None and all(a.definite for a in rec.acts):
                    continue  # "the attack" with nothing before it to refer to
                clusters.append(_Cluster([rec]))
            else:
                target.records.append(rec)
        return clusters

    @staticmethod
    def _compatible(c: _Cluster, rec: _Record) -> bool:
        """Whether ``rec`` reports the same event as cluster ``c``."""
        for r in c.records:
            if not _record_dates_compatible(rec, r):
                return False
            if r.place is not None and rec.place is not None and not _places_compatible(
                r.place.place, rec.place.place
            ):
                return False
        rec_types = {a.sub_event_type for a in rec.acts if a.specific}
        c_types = {a.sub_event_type for r in c.records for a in r.acts if a.specific}
        return not rec_types or not c_types or bool(rec_types & c_types)

    # ------------------------------------------------------------------ incidents

    def incidents(self) -> list[Incident]:
        """Build every incident of the document."""
        records = self.records()
        from_title = False
        if not records and self.title:
            records = self._title_records()
            from_title = True
        clusters = self.clusters(records)
        taken = {r.sent for r in records}
        owner = {r.sent: ci for ci, c in enumerate(clusters) for r in c.records}
        out = [self._incident(c, ci, taken, owner, from_title) for ci, c in enumerate(clusters)]
        return [inc for inc in out if inc is not None]

    def _title_records(self) -> list[_Record]:
        """Acts of the title, used only when the body reports none."""
        scan = scan_sentence(self.title, self.pub_date)
        acts = [a for a in scan.acts if not a.weak]
        if not acts:
            return []
        actors = self.clf.actor_mentions(self.title, self.title_folded)
        spans = [Span(s, e, info.name) for s, e, info in actors]
        roles = assign_roles(self.title, acts, spans)
        place = self.title_places[0] if self.title_places else None
        note = f"place {place.place.name} from '{place.surface}' in the title" if place else ""
        return [_Record(-1, acts, place, note, None, roles,
                        {info.name: info for _, _, info in actors})]

    def _sentence_text(self, i: int) -> str:
        """Sentence text by index; -1 is the title."""
        return self.title if i < 0 else self.sentences[i].text

    def _incident(
        self, c: _Cluster, ci: int, taken: set[int], owner: dict[int, int], from_title: bool
    ) -> Incident | None:
        """One incident from a cluster: place, date, actors, toll, zones and the decision."""
        reasons: list[str] = []
        place, place_note, place_src = self._cluster_place(c, taken)
        date_res, date_src = self._cluster_date(c, taken)
        event_type, sub, type_note = self._cluster_type(c)
        actors, roles = _cluster_actors(c)
        origin_note = ""
        if not any(r == "attacker" for r in roles.values()):
            origin = self._origin_attacker(c, ci, owner)
            if origin is not None:
                info, words = origin
                actors.setdefault(info.name, info)
                roles[info.name] = "attacker"
                origin_note = f"attacker {info.name} from where the fire came: '{words}'"
        toll = self._cluster_toll(c, ci, owner, from_title)
        loc = (Location(place.name, place.admin1, place.lat, place.lon, place.precision)
               if place else None)
        zone_ids, zone_notes, approx = self._zones(place)
        day = date_res.date
        agreements = self.ref.agreements.in_force(zone_ids, day) if day and zone_ids else []
        att = self._parties(roles, actors, "attacker", day)
        tgt = self._parties(roles, actors, "target", day)
        named = self._parties({n: "" for n in actors if n not in roles}, actors, "", day)
        decision = _decide(att, tgt, zone_ids, agreements, sub, day, place is not None,
                           self._covering(zone_ids, day), named)
        violation, inferred = decision.violation, decision.inferred
        if violation:
            agreements = list(decision.breached)
        reasons.append(decision.rule)
        if origin_note:
            reasons.append(origin_note)
        if violation:
            reasons.extend(_article_reasons(decision))
        reasons.extend(_camp_reasons([*att, *tgt], day))
        reasons.extend(zone_notes)
        reasons.append(f"date {day} (precision {date_res.precision}) from "
                       f"{_words(date_res)}: {date_res.reason}" if day else
                       "date unknown")
        if place_note:
            reasons.append(place_note)
        if type_note:
            reasons.append(type_note)
        reasons.extend(_role_reasons(roles, actors))
        excluded_targets = [n for n, r in roles.items() if r == "target" and actors[n].excluded]
        if violation and excluded_targets:
            reasons.append("target is a group the agreements exclude ("
                           + ", ".join(excluded_targets)
                           + "); counted, but Russia and Iran contest this")
        reasons.extend(toll.notes)
        severity = _severity(sub, toll, roles, actors, place, c, self)
        confidence = _confidence(place, place_src, date_res, date_src, roles, inferred, approx,
                                 from_title)
        evidence = tuple(dict.fromkeys(self._sentence_text(i).strip() for i in c.sentences))[:4]
        actor_list = tuple(
            ActorRole(n, actors[n].side, roles.get(n)) for n in actors
            if roles.get(n) or not actors[n].generic
        )
        return Incident(
            violation=violation,
            event_type=event_type,
            sub_event_type=sub,
            date=day,
            date_precision=date_res.precision,
            location=loc,
            fatalities=toll.best,
            fatalities_low=toll.low,
            fatalities_high=toll.high,
            injured=toll.injured,
            actors=actor_list,
            agreements=tuple(a.id for a in agreements),
            zones=tuple(zone_ids),
            severity=severity,
            confidence=confidence,
            reasons=tuple(reasons),
            evidence=evidence,
        )

    def _cluster_type(self, c: _Cluster) -> tuple[str, str, str]:
        """(event_type, sub_event_type, note) of a cluster's acts.

        The most specific sub-type of the main acts wins; acts named as the setting or
        support of another ("after days of bombardment", "backed by shelling") only count
        when there is nothing else.  When the acts disagree and the headline names one of
        them ("Rebels storm army lines", "troops clash near Ras al-Ain"), the headline's act
        is the incident's act.
        """
        acts = [a for r in c.records for a in r.acts]
        main = [a for a in acts if not a.backdrop] or acts
        subs = [a.sub_event_type for a in main if a.specific] or [a.sub_event_type
                                                                 for a in main]
        event_type, sub = dominant_type(subs)
        note = ""
        if len(main) < len(acts):
            note = (f"type {sub} from the main act; "
                    + ", ".join(f"'{a.trigger}'" for a in acts if a.backdrop)
                    + " only sets the scene or supports it")
        if len({a.sub_event_type for a in main}) > 1:
            head = self._headline()
            if head is not None and head[0] != sub and sub not in _REFINES.get(head[0], ()) \
                    and any(_matches_headline(a, head[0]) for a in main):
                sub = head[0]
                event_type = SUB_TO_TYPE[sub]
                note = f"type {sub} from the headline's act '{head[1]}'"
        return event_type, sub, note

    def _headline(self) -> tuple[str, str] | None:
        """(sub_event_type, trigger) of the title's act, when the title names a clear one.

        A weapon word decides ("Air strikes kill ..."); without one, only ground-assault
        words count ("storm", "seize", "clash"): a bare "attack" or "hit" says nothing.
        """
        if self._headline_memo is not None:
            return self._headline_memo or None
        found: tuple[str, str] | tuple[()] = ()
        if self.title:
            acts = [a for a in scan_sentence(self.title, self.pub_date).acts
                    if not a.weak and not a.backdrop]
            typed = [a for a in acts if a.specific]
            if typed:
                best = min(typed, key=lambda a: TYPE_PRIORITY.index(a.sub_event_type))
                found = (best.sub_event_type, best.trigger)
            else:
                ground = [a.trigger for a in acts if GROUND_WORDS.match(a.trigger)]
                verb = _HEADLINE_GROUND.search(self.title)
                if ground or verb is not None:
                    found = (ARMED_CLASH, ground[0] if ground else verb.group(0) if verb else "")
        self._headline_memo = found
        return found or None

    def _cluster_place(self, c: _Cluster, taken: set[int]) -> tuple[Place | None, str, str]:
        """Most specific member place, else a neighbour's, else the title's."""
        placed = [r for r in c.records if r.place is not None]
        if placed:
            best = min(placed, key=lambda r: (
                r.place.place.precision if r.place else 9,
                _KIND_RANK.get(r.place.place.kind, 1) if r.place else 9,
            ))
            assert best.place is not None
            src = "title" if best.sent < 0 else "sentence"
            return best.place.place, best.place_note, src
        first = c.records[0].sent
        for j in (first - 1, first + 1):
            if 0 <= j < len(self.sentences) and j not in taken and self.places[j]:
                pm = self.places[j][-1] if j < first else self.places[j][0]
                return pm.place, (f"place {pm.place.name} from '{pm.surface}' in a neighbouring "
                                  "sentence (the act sentence names none)"), "neighbour"
        if self.title_places:
            pm = self.title_places[0]
            return pm.place, (f"place {pm.place.name} from '{pm.surface}' in the title (no place "
                              "near the act)"), "title"
        return None, "no place named for the act", "none"

    def _cluster_date(self, c: _Cluster, taken: set[int]) -> tuple[DateResolution, str]:
        """Most precise member date, else a neighbour's, the title's or the report date."""
        dated = [r.date for r in c.records if r.date is not None]
        if dated:
            return min(dated, key=lambda d: d.precision), "sentence"
        said = [r.said for r in c.records if r.said is not None]
        if said:
            stated = min(said, key=lambda d: d.precision)
            return DateResolution(stated.date, stated.precision, stated.words,
                                  stated.reason + " (the day of the statement reporting the act; "
                                  "no other date given for the act)"), "sentence"
        first = c.records[0].sent
        if first >= 0:
            res = self._neighbour_date(first, taken)
            if res is not None:
                return res, "neighbour"
        if self.title:
            res = self._recent_phrase(self.title)
            if res is not None:
                return DateResolution(res.date, res.precision, res.words,
                                      res.reason + " (from the title)"), "title"
        return report_date(self.published, self.clf.tz), "report"

    def _origin_attacker(
        self, c: _Cluster, ci: int, owner: dict[int, int]
    ) -> tuple[_ActorInfo, str] | None:
        """The side the fire came from ("launched from government-held territory"), looked
        for in the cluster's sentences and the act-free sentences right after each."""
        idx: list[int] = []
        for i in c.sentences:
            if i < 0:
                continue
            idx.append(i)
            for j in range(i + 1, min(i + 4, len(self.sentences))):
                if owner.get(j, ci) != ci or self.scans[j].acts:
                    break
                idx.append(j)
        for i in dict.fromkeys(idx):
            side = fire_origin_side(self.sentences[i].text)
            if side in _ORIGIN_ACTORS:
                return _ORIGIN_ACTORS[side], self.sentences[i].text.strip()
        return None

    def _cluster_toll(
        self, c: _Cluster, ci: int, owner: dict[int, int], from_title: bool
    ) -> Toll:
        """Casualty figures over the cluster's sentences and the detail sentences after each.

        Up to two sentences without acts of their own follow an act with its details ("Three
        servicemen were lightly injured. Nobody was killed.").
        """
        idx: list[int] = []
        for i in c.sentences:
            idx.append(i)
            if i < 0:
                continue
            for j in range(i + 1, min(i + 1 + _DETAIL_SENTENCES, len(self.sentences))):
                if owner.get(j, ci) != ci or self.scans[j].background or self.scans[j].acts:
                    break
                idx.append(j)
        texts = [self._sentence_text(i) for i in dict.fromkeys(idx)]
        if ci == 0 and self.title and not from_title:
            texts = [self.title, *texts]
        return extract_toll(texts)

    def _zones(self, place: Place | None) -> tuple[list[str], list[str], bool]:
        """Zone ids at the place, with notes on approximate or region-level decisions."""
        if place is None:
            return [], [], False
        hits = self.ref.zones.zones_at(place.lat, place.lon)
        ids = list(dict.fromkeys(h.zone_id for h in hits))
        notes: list[str] = []
        approx = False
        if place.precision >= 4:
            approx = True
            level = "governorate" if place.precision == 4 else "region or road"
            notes.append(f"approximate zone: {place.name} is a {level} (precision "
                         f"{place.precision}); zones decided from its centroid, not an exact "
                         "point")
        for h in hits:
            if h.near_edge:
                approx = True
                notes.append(f"approximate zone: {h.zone_id} ({h.edge_distance_km:.1f} km inside "
                             "its approximate edge)")
            else:
                notes.append(f"zone {h.zone_id}" + (" (approximate geometry)" if h.approximate
                                                    else ""))
        if not hits:
            notes.append(f"{place.name} is outside every agreement zone")
        return ids, notes, approx

    def _parties(
        self, roles: dict[str, str], actors: dict[str, _ActorInfo], role: str, day: date | None
    ) -> list[_Party]:
        """The actors in ``role`` with their id and their camp on ``day``."""
        out: list[_Party] = []
        for name, r in roles.items():
            if r != role:
                continue
            info = actors[name]
            actor = self.ref.actors.get(name)
            key = actor.key if actor else actor_id(name)
            camp = actor.camp_on(day) if actor else info.side
            out.append(_Party(name, key, camp, info.side))
        return out

    def _covering(self, zone_ids: list[str], day: date | None) -> str:
        """Why no agreement is in force for zones/day (for the reasons), or ""."""
        if not zone_ids or day is None:
            return ""
        covering = [a for a in self.ref.agreements if set(a.zone_ids) & set(zone_ids)]
        if not covering:
            return "no agreement covers these zones"
        parts = []
        for a in covering:
            if day < a.start.date():
                parts.append(f"{a.id} only from {a.start.date()}")
            elif a.end is not None and day > a.end:
                parts.append(f"{a.id} ended {a.end}")
        return "; ".join(parts)


# ---------------------------------------------------------------------- helpers


def _qualifies_next(sent: str, pm: PlaceMention, others: Sequence[PlaceMention]) -> bool:
    """A possessive place right before another place ("Syria's Idlib province") only says
    where that other place lies."""
    end = pm.end
    if sent[end : end + 2] in ("'s", "\u2019s"):
        end += 2
    elif not sent[pm.start : end].endswith(("'s", "\u2019s")):
        return False
    return any(o is not pm and end < o.start <= end + 2 for o in others)


_IN_AREA = re.compile(r"\s*,?\s*(?:in|of|within)\s+(?:the\s+)?$", re.IGNORECASE)


def _locates_previous(sent: str, pm: PlaceMention, others: Sequence[PlaceMention]) -> bool:
    """A region or governorate right after a named place of the same governorate ("al-Rafid
    in the southern Quneitra countryside") only says where that place lies."""
    if pm.place.precision < 4:
        return False
    return any(o is not pm and o.place.precision <= 2 and o.end <= pm.start
               and o.place.admin1 == pm.place.admin1
               and _IN_AREA.fullmatch(sent[o.end : pm.start]) is not None for o in others)


def _origin_between(sentence: str, act: Act, pm: PlaceMention) -> bool:
    """"fired from positions south of X": X locates where the fire came from."""
    lo, hi = (act.end, pm.start) if pm.start >= act.end else (pm.end, act.start)
    return bool(_ORIGIN.search(sentence[lo:hi])) if lo < hi else False


# Headlines report ground assaults in the present tense ("Rebels storm army lines",
# "Troops seize town", "Forces take control of ..."), which the act triggers leave out.
_HEADLINE_GROUND = CaselessPattern(
    r"\b(?:storms?|seizes?|captures?|recaptures?|retakes?|overruns?|takes?\s+(?:full\s+)?"
    r"control|clash|fight|battle|advance|advances|push(?:es)?\s+into)\b")
# Body types that describe the headline's act more precisely: a headline "car bomb" (IED)
# reported in the body as a suicide car bomb stays a suicide bomb.
_REFINES: dict[str, tuple[str, ...]] = {IED: (SUICIDE,)}


def _matches_headline(act: Act, head: str) -> bool:
    """Whether an act of the body is the kind of act the headline names."""
    if act.sub_event_type != head:
        return False
    if head == ARMED_CLASH:
        return True  # a ground assault in the headline names the body's untyped attack
    return act.specific


def _specific_place(pm: PlaceMention | None) -> bool:
    """A settlement-level place that is not also a governorate's name ("in Idlib")."""
    if pm is None or pm.place.precision > 2:
        return False
    return pm.place.name.casefold() != pm.place.admin1.casefold()


def _words(res: DateResolution) -> str:
    """Quoted source words of a date, or a note that none were found."""
    return f"'{res.words}'" if res.words else "no date words"


def _dates_next(c: _Cluster, rec: _Record, published: date) -> bool:
    """A placeless act in the sentence right after an undated event's last sentence
    ("... hit the post at X. The post came under fire on Thursday, and a round struck
    ...") goes on telling that event and gives it its day, when that day is one an
    undated act may have (the report date or up to two days before, as for merging)."""
    if any(r.date is not None or r.said is not None for r in c.records):
        return False
    if rec.date is None or rec.date.date is None:
        return False
    if not published - timedelta(days=2) <= rec.date.date <= published:
        return False
    return rec.sent == max(r.sent for r in c.records) + 1


def _same_day_or_undated(a: DateResolution | None, b: DateResolution | None) -> bool:
    """Stricter than overlap: no own date, or the very same day."""
    if a is None or a.date is None:
        return True
    if b is None or b.date is None:
        return False
    return a.date == b.date and a.precision == b.precision == 1


_STATEMENT_WINDOW_DAYS = 7


def _reported_by(act: DateResolution | None, said: DateResolution | None) -> bool:
    """An act day on or shortly before the day of a statement that reports it."""
    if act is None or said is None or act.date is None or said.date is None:
        return False
    return 0 <= (said.date - act.date).days <= _STATEMENT_WINDOW_DAYS


def _record_dates_compatible(a: _Record, b: _Record) -> bool:
    """Dates of two records allow one event; a statement's day bounds the act's day."""
    if a.date is not None and b.date is not None:
        return _dates_compatible(a.date, b.date)
    if a.date is not None and b.said is not None:
        return _reported_by(a.date, b.said) or _dates_compatible(a.date, b.said)
    if b.date is not None and a.said is not None:
        return _reported_by(b.date, a.said) or _dates_compatible(b.date, a.said)
    return _dates_compatible(a.said, b.said)


def _span_days(res: DateResolution) -> int:
    """Length in days of the window a date resolution stands for."""
    return {1: 1, 2: 4, 3: 8, 4: 31, 5: 366}.get(res.precision, 1)


def _dates_compatible(a: DateResolution | None, b: DateResolution | None) -> bool:
    """Two act dates may be the same event: equal days, or overlapping windows."""
    if a is None or b is None or a.date is None or b.date is None:
        return True
    if a.precision == 1 and b.precision == 1:
        return a.date == b.date
    a_end = a.date + timedelta(days=_span_days(a))
    b_end = b.date + timedelta(days=_span_days(b))
    return a.date < b_end and b.date < a_end


def _km(p: Place, q: Place) -> float:
    """Great-circle distance between two places."""
    r = 6371.0
    p1, p2 = math.radians(p.lat), math.radians(q.lat)
    dp, dl = p2 - p1, math.radians(q.lon - p.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(min(1.0, h)))


def _places_compatible(p: Place, q: Place) -> bool:
    """Same place, a district/site of a town, or a precise place inside an imprecise one."""
    if p.name == q.name:
        return True
    d = _km(p, q)
    worst = max(p.precision, q.precision)
    if worst >= 2:
        return d <= _IMPRECISE_RADIUS_KM.get(worst, 40.0)
    fine = {"neighbourhood", "military_site"}
    return (p.kind in fine or q.kind in fine) and d <= 8.0


def _cluster_actors(c: _Cluster) -> tuple[dict[str, _ActorInfo], dict[str, str]]:
    """All actors of a cluster and each one's majority role (first seen wins ties)."""
    actors: dict[str, _ActorInfo] = {}
    votes: dict[str, list[str]] = {}
    for r in c.records:
        for name, info in r.actors.items():
            actors.setdefault(name, info)
        for name, role in r.roles.items():
            votes.setdefault(name, []).append(role)
    roles: dict[str, str] = {}
    for name, vs in votes.items():
        a, t = vs.count("attacker"), vs.count("target")
        roles[name] = "attacker" if a > t else "target" if t > a else vs[0]
        if actors.get(name) and actors[name].side == CIV:
            roles[name] = "target"  # civilians are victims, never perpetrators
    # A named group makes an unnamed "militants" redundant on the same side and role.
    for name, info in list(actors.items()):
        if info.generic and info.side == OPP and name in roles:
            same = [n for n, i in actors.items() if not i.generic and i.side == OPP
                    and roles.get(n) == roles[name]]
            if same:
                roles.pop(name)
    return actors, roles


@dataclass(frozen=True, slots=True)
class _Party:
    """An attacker or target as the agreements see it on the day of the act."""

    name: str
    key: str  # actor id, as agreements list it on a side
    camp: str  # camp on the day (actor_periods.csv), else the actor's side
    side: str  # text-analysis side (government / opposition / other / civilian / unknown)


@dataclass(frozen=True, slots=True)
class _Verdict:
    """The decision under one agreement."""

    violation: bool
    rule: str
    inferred: bool
    articles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Decision:
    """The decision over all agreements in force: which ones the act breaches, and why."""

    violation: bool
    rule: str
    inferred: bool
    breached: tuple[Agreement, ...] = ()
    articles: tuple[tuple[Agreement, tuple[str, ...]], ...] = ()


def _other(labels: set[str]) -> set[str]:
    """The opposite side of an agreement ("b" when "a" is among ``labels``)."""
    return {"b" if "a" in labels else "a"}


def _side_name(a: Agreement, label: str) -> str:
    """A side's name for the reasons: its first entry ("@government" -> "government")."""
    members = a.side_a if label == "a" else a.side_b
    return members[0].lstrip(CAMP_PREFIX) if members else label


def _names(a: Agreement, labels: set[str]) -> str:
    """Readable, sorted side names."""
    return ", ".join(sorted(_side_name(a, x) for x in labels))


def _labels(a: Agreement, parties: Sequence[_Party]) -> set[str]:
    """The sides of ``a`` the parties are on."""
    out: set[str] = set()
    for p in parties:
        out |= a.sides_of(p.key, p.camp)
    return out


def _decide_under(
    a: Agreement, att: Sequence[_Party], tgt: Sequence[_Party], sub: str, zone_ids: list[str],
    named: Sequence[_Party] = (),
) -> _Verdict:
    """Are attacker and target on opposite sides of THIS agreement (its own parties)?

    A side missing from the report is inferred only for acts that have one (an air strike or
    shelling on a party's area comes from the other party); the agreement's data decide who
    flies unnamed aircraft (``unattributed_air``), whose acts breach it whoever the target is
    (``breaches`` rows with ``by``) and whose forces are guarantors.
    """
    att_l, tgt_l = _labels(a, att), _labels(a, tgt)
    if att and not att_l:
        if all(p.side == UNKNOWN for p in att):
            return _Verdict(False, "not a violation: attack by unidentified perpetrators", False)
        return _Verdict(False, "not a violation: the attacker is not a party to the agreement",
                        False)
    inferred = False
    remote_or_clash = sub in (AIR, SHELLING, ARMED_CLASH)
    if a.strict_sides and not tgt_l and any(p.side not in (CIV, UNKNOWN) for p in tgt):
        return _Verdict(False, "not a violation: the target is not a party to the agreement",
                        False)
    if not att and a.infer_from_named:
        both = _named_clash(a, named, tgt_l, sub, zone_ids)
        if both is not None:
            return both
        cand = _labels(a, named) - tgt_l
        if len(cand) == 1:
            att_l, inferred = cand, True
    if not att_l and tgt_l and remote_or_clash:
        att_l, inferred = _other(tgt_l) & set(a.inferable_sides), True
    elif att_l and not tgt_l and (remote_or_clash or (sub in (SUICIDE, IED, ATTACK) and bool(tgt))):
        tgt_l, inferred = _other(att_l) & set(a.inferable_sides), True
    elif not att_l and not tgt_l and sub == AIR and a.unattributed_air:
        att_l, tgt_l, inferred = {a.unattributed_air}, _other({a.unattributed_air}), True
    if not att_l:
        return _Verdict(False, "not a violation: perpetrator unknown", False)
    guarantor = any(p.key in a.guarantors for p in tgt)
    if not tgt_l:
        one_sided = [n for x in sorted(att_l) for n in a.one_sided_breach(x, sub, zone_ids)]
        if one_sided:
            return _Verdict(True, (f"violation: act of the {_names(a, att_l)} side that breaches "
                                   f"{a.id} whoever its target is, inside its zone on a day it "
                                   "was in force"), False, tuple(dict.fromkeys(one_sided)))
        return _Verdict(False, "not a violation: target side unknown", False)
    articles = tuple(a.breached_articles(sub, zone_ids, guarantor, att_l))
    if not articles and sub in EXPLICIT_ACTS:
        return _Verdict(False, f"not a violation: no article of {a.id} forbids this act "
                        "(no fire or strike reported)", inferred)
    if guarantor:
        return _Verdict(True, ("violation: attack on a guarantor's forces inside an agreement "
                               "zone on a day the agreement was in force"), inferred, articles)
    if any(x != y for x in att_l for y in tgt_l):
        how = " (one side inferred: an act against the other party's area in the zone)" \
            if inferred else ""
        return _Verdict(True, (f"violation: hostile act between opposing sides "
                               f"({_names(a, att_l)} against {_names(a, tgt_l)}) inside an "
                               f"agreement zone on a day the agreement was in force{how}"),
                        inferred, articles)
    return _Verdict(False, f"not a violation: intra-side fighting ({_names(a, att_l)})", inferred)


def _named_clash(
    a: Agreement, named: Sequence[_Party], tgt_l: set[str], sub: str, zone_ids: list[str]
) -> _Verdict | None:
    """Both parties of the agreement named in a clash or an exchange of fire, with no words
    saying who attacked whom ("clashes between the army and the SDF"): a violation."""
    if tgt_l or sub not in (AIR, SHELLING, ARMED_CLASH) or _labels(a, named) != {"a", "b"}:
        return None
    articles = tuple(a.breached_articles(sub, zone_ids, False, {"a", "b"}))
    return _Verdict(True, (f"violation: fighting between both parties of {a.id} named in the "
                           "report (who attacked whom not stated) inside its zone on a day it was "
                           "in force"), True, articles)


def _decide(
    att: Sequence[_Party],
    tgt: Sequence[_Party],
    zone_ids: list[str],
    agreements: Sequence[Agreement],
    sub: str,
    day: date | None,
    has_place: bool,
    covering_note: str,
    named: Sequence[_Party] = (),
) -> _Decision:
    """The violation rule of ``agreements.md``, asked of each agreement in force: a hostile
    act between two of ITS opposing parties, in its zone, on a day it is in force.  The act's
    agreements are the ones it breaches (all in force when it breaches none)."""
    if not has_place:
        return _Decision(False, "not a violation: no place named for the act, so no zone "
                         "applies", False)
    if not zone_ids:
        return _Decision(False, "not a violation: hostile act outside every agreement zone",
                         False)
    if day is None or not agreements:
        note = f" ({covering_note})" if covering_note else ""
        return _Decision(False, f"not a violation: no covering agreement in force on {day}{note}",
                         False)
    verdicts = [(a, _decide_under(a, att, tgt, sub, zone_ids, named)) for a in agreements]
    hits = [(a, v) for a, v in verdicts if v.violation]
    if not hits:
        first = verdicts[0][1]
        return _Decision(False, first.rule, first.inferred)
    return _Decision(True, hits[0][1].rule, hits[0][1].inferred,
                     tuple(a for a, _ in hits), tuple((a, v.articles) for a, v in hits))


def _article_reasons(decision: _Decision) -> list[str]:
    """Which article of each breached agreement the act breaches, with its text."""
    out: list[str] = []
    for a, numbers in decision.articles:
        for n in numbers:
            text = a.article(n)
            out.append(f"{a.id} art. {n}" + (f": {text}" if text else ""))
    return out


def _camp_reasons(parties: Sequence[_Party], day: date | None) -> list[str]:
    """Actors whose camp on the day differs from their usual side (HTS as the government)."""
    return [f"{p.name} counts as {p.camp} on {day} (dated camp of the actor registry)"
            for p in parties if p.camp != p.side]


def _role_reasons(roles: dict[str, str], actors: dict[str, _ActorInfo]) -> list[str]:
    """Readable attacker/target lines."""
    out = []
    for role in ("attacker", "target"):
        names = [f"{n} ({actors[n].side})" for n, r in roles.items() if r == role]
        if names:
            out.append(f"{role}: " + ", ".join(names))
    if not any(r == "attacker" for r in roles.values()):
        out.append("attacker: not identified in the report")
    return out


_CAR_BOMB_WORD = re.compile(r"car|truck|vehicle|VBIED", re.I)
_SMALL_ARMS = re.compile(r"\bsnip|\bgunfire|\bsmall\s+arms|\bmachine\s*gun", re.I)


def _severity(
    sub: str,
    toll: Toll,
    roles: dict[str, str],
    actors: dict[str, _ActorInfo],
    place: Place | None,
    c: _Cluster,
    doc: _Document,
) -> str:
    """low/medium/high/critical from the act, the toll and the target."""
    killed = toll.best or 0
    guarantor = any(r == "target" and doc.clf.is_guarantor(n) for n, r in roles.items()) or bool(
        place and "observation post" in place.name.lower())
    if killed >= 20 or (guarantor and killed > 0):
        return "critical"
    car_bomb = any(_CAR_BOMB_WORD.search(a.trigger)
                   for r in c.records for a in r.acts)
    if killed >= 5 or sub in (AIR, SUICIDE) or (sub == IED and car_bomb):
        return "high"
    words = " ".join(doc._sentence_text(i) for i in c.sentences)
    small_arms = bool(_SMALL_ARMS.search(words))
    if small_arms and not killed and not toll.injured:
        return "low"
    del actors
    return "medium"


def _confidence(
    place: Place | None,
    place_src: str,
    date_res: DateResolution,
    date_src: str,
    roles: dict[str, str],
    inferred: bool,
    approx: bool,
    from_title: bool,
) -> float:
    """A 0-1 score of how sure the extraction is (place, date, sides, zone edge)."""
    score = 0.55
    if place is None:
        score -= 0.25
    else:
        if place_src == "sentence" and place.precision <= 2:
            score += 0.1
        if place.precision >= 4:
            score -= 0.15
        if place_src in ("title", "neighbour"):
            score -= 0.1
    if date_res.precision == 1:
        score += 0.1
    elif date_src == "report":
        score -= 0.05
    has_att = any(r == "attacker" for r in roles.values())
    has_tgt = any(r == "target" for r in roles.values())
    if has_att and has_tgt:
        score += 0.1
    if inferred:
        score -= 0.1
    if approx:
        score -= 0.1
    if from_title:
        score -= 0.1
    return round(min(0.98, max(0.05, score)), 2)
