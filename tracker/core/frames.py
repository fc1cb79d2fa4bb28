"""Act frames: each act a sentence reports, with its arguments read from that sentence.

An act frame (:class:`ActFrame`) is one mention of a hostile act: the act phrases of one
sentence that share a place, with the place nearest the act (a reference point such as "50 km
north-east of Aleppo" penalised, "near X" read as precision 2), the act's own date phrase (a
day right after a speech verb dates the statement, not the act), and the attacker and target
roles of the clause.  Why a module of its own: the frame is the unit the rest of the pipeline
folds and scores; reading an act's arguments is the one place new wordings are met, so it is
kept apart from the document-level decisions (:mod:`tracker.core.folding`,
:mod:`tracker.core.arguments`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from tracker.core.dates import (
    DatePhrase,
    DateResolution,
    find_date_phrases,
    is_background_phrase,
    resolve_phrase,
)
from tracker.core.distance import haversine_km
from tracker.core.document import Document
from tracker.core.events import (
    Act,
    SentenceScan,
    Span,
    assign_roles,
    clause_of,
    clauses,
    dateline_end,
    scan_sentence,
)
from tracker.core.gazetteer import Place, PlaceMention
from tracker.core.mentions import CIV, ActorInfo, find_actors
from tracker.core.text import CaselessPattern, in_spans, quoted_spans

_RELATIVE = ("today", "yesterday", "last_night", "days_ago", "weekday", "few_days")
_ANCHOR_KINDS = ("iso", "dmy", "mdy", "weekday", "today", "yesterday")

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
    r"{1,3}?)\s+(?:in\s+a\s+(?:statement|video|post)\s+)?(?:on\s+|late\s+on\s+|early\s+on\s+)?$")


@dataclass(slots=True)
class ActFrame:
    """Acts of one sentence that share a place (one event mention)."""

    sent: int
    acts: list[Act]
    place: PlaceMention | None
    place_note: str
    date: DateResolution | None
    roles: dict[str, str]
    actors: dict[str, ActorInfo]
    said: DateResolution | None = None  # the day of the statement that reports the act



def act_frames(doc: Document) -> list[ActFrame]:
    """One record per (sentence, place) group of accepted acts."""
    out: list[ActFrame] = []
    for i, scan in enumerate(doc.scans):
        if not scan.acts:
            continue
        out.extend(_sentence_records(doc, i, scan, bool(out)))
    return out


def _sentence_records(
    doc: Document, i: int, scan: SentenceScan, has_previous: bool = False
) -> list[ActFrame]:
    """Accepted acts of sentence ``i`` grouped by the place each act is nearest to."""
    sent = doc.sentences[i].text
    spans = clauses(sent)
    actors = doc.actors[i]
    groups: dict[str, tuple[PlaceMention | None, str, list[Act]]] = {}
    for act in scan.acts:
        if act.weak and not _agent_before(doc, i, act):
            continue
        place, note = _place_for(doc, i, act, spans)
        if scan.perfect_only and (not _specific_place(place) or _coordinated(doc, i)):
            continue
        key = place.place.name if place else ""
        groups.setdefault(key, (place, note, []))[2].append(act)
    if "" in groups and len(groups) > 1:
        # Acts of the sentence with no place of their own belong to its placed act.
        placeless = groups.pop("")[2]
        next(iter(groups.values()))[2].extend(placeless)
    records: list[ActFrame] = []
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
        date_res, statement = _own_date(doc, i, acts[0])
        if statement:
            records.append(ActFrame(i, acts, place, note, None, roles, infos, date_res))
        else:
            records.append(ActFrame(i, acts, place, note, date_res, roles, infos))
    return records


_JOINING_GAP = re.compile(r"[\s,]*(?:and\s+)?(?:in|around|on|near|at)?\s*(?:the\s+)?", re.I)


def _coordinated(doc: Document, i: int) -> bool:
    """Places joined by "and"/"," ("around Saraqib and in the Ghab"): a general claim."""
    sent = doc.sentences[i].text
    pms = doc.places[i]
    # "at X in the Y" (without "and" or a comma) places X inside Y: not coordinated.
    return any(_JOINING_GAP.fullmatch(gap) is not None and ("," in gap or "and" in gap.lower())
               for a, b in itertools.pairwise(pms)
               for gap in (sent[a.end : b.start],))

def _agent_before(doc: Document, i: int, act: Act) -> bool:
    """A killing verb is an act only with an actor before it in its clause."""
    return any(act.clause[0] <= s < act.start for s, _, info in doc.actors[i]
               if info.side not in (CIV,))


def _place_for(
    doc: Document, i: int, act: Act, spans: Sequence[tuple[int, int]]
) -> tuple[PlaceMention | None, str]:
    """The place nearest the act in its sentence, scored by clause and context."""
    candidates = doc.places[i]
    if act.definite:
        sent = doc.sentences[i].text
        candidates = [p for p in candidates if act.clause[0] <= p.start < act.clause[1]
                      or _LOCATIVE_APPOSITION.fullmatch(sent[act.clause[1] : p.start])]
    best: tuple[float, PlaceMention] | None = None
    act_clause = clause_of(spans, act.start)
    for pm in candidates:
        if any(s <= pm.start < e for s, e, _ in doc.actors[i]):
            continue  # part of an actor's name
        if _qualifies_next(doc.sentences[i].text, pm, candidates):
            continue  # "Syria's Idlib province": the next place is the one meant
        if _locates_previous(doc.sentences[i].text, pm, candidates):
            continue  # "X in the southern Quneitra countryside": X is the place meant
        if pm.end <= act.start and _STATIONED_BEFORE.search(
                doc.sentences[i].text[max(0, pm.start - 70) : pm.start]) and any(
                o.start >= act.end for o in candidates):
            continue  # "units stationed in X fired at the town of Y": X is where they fired from
        if _NAME_PART_AFTER.match(doc.sentences[i].text, pm.end):
            continue  # "the Tal Tamr Military Council": part of a body's name
        if _reporter_place(doc.sentences[i].text, pm):
            continue  # "our correspondent in Idlib said ...": where the news came from
        if _launch_site(doc.sentences[i].text, act, pm):
            continue  # "the shells were fired on Friday from positions in Y": Y is where
            # the fire came from, not where it fell
        if pm.end <= act.start:
            gap = act.start - pm.end
            lo, hi = pm.end, act.start
        else:
            gap = max(0, pm.start - act.end)
            lo, hi = act.end, pm.start
        cuts = sum(1 for s, _ in spans if lo < s <= hi)
        score = gap + 45.0 * cuts
        context = _place_context(doc, i, pm.start)
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
    sent = doc.sentences[i].text
    if pm.place.precision >= 3 and not _origin_between(sent, act, pm):
        # "an attack on the villages of M and J, north-east of Ain Issa in Raqqa
        # province": the act's own place is not in the gazetteer but is described
        # relative to a known place of the same governorate; that place locates it
        # better than the governorate.
        anchors = [c for c in candidates if c.place.precision <= 2
                   and c.place.admin1 == pm.place.admin1 and _relative(doc, i, c)
                   and not _origin_between(sent, act, c)
                   and not any(s <= c.start < e for s, e, _ in doc.actors[i])]
        if anchors:
            pm = min(anchors, key=lambda c: abs(c.start - act.start))
    homonyms = "".join(
        f" ('{m.surface}' not read as {m.place.name}, {m.place.admin1}: the phrase names "
        f"{c.surface}, {km(m.place, c.place):.0f} km away)"
        for m, c in doc.homonyms.get(i, ()))
    if pm.place.precision == 1 and _relative(doc, i, pm) \
            and not _origin_between(sent, act, pm):  # memoised test first
        near = replace(pm, place=replace(pm.place, precision=2))
        words = sent[max(0, pm.start - 45) : pm.end]
        phrase = _RELATIVE_BEFORE.search(sent[max(0, pm.start - 45) : pm.start])
        if phrase is not None:
            words = words[phrase.start():]
        return near, (f"place near {pm.place.name} from '{words.strip()}' in the act "
                      "sentence (the act's own place is given relative to it; precision 2)"
                      + homonyms)
    ref_point = _place_context(doc, i, pm.start) == "reference"
    note = f"place {pm.place.name} from '{pm.surface}' in the act sentence" + homonyms
    return pm, note + (" (a reference point)" if ref_point else "")

# "Enab Baladi's correspondent in Idlib said", "activists in Daraa told": the place of the
# one who tells the news, not of the act, when a verb of telling follows it.
_REPORTER_BEFORE = re.compile(
    r"\b(?:correspondents?|reporters?|journalists?|photographers?|sources?|activists?|"
    r"monitors?|media\s+(?:office|activists?)|officials?)\s+(?:(?:based|stationed)\s+)?"
    r"(?:in|from)\s+(?:the\s+)?(?:city\s+of\s+|town\s+of\s+)?$", re.IGNORECASE)
_TELLING_AFTER = re.compile(
    r"^(?:\s+(?:city|countryside|province|governorate))?,?\s+(?:(?:also|later|had|has|have)\s+)?"
    r"(?:said|says|told|reported|reports|confirmed|added|stated)\b", re.IGNORECASE)


# "Units stationed in Halfaya and Suran fired at ...": where the firing side sits.
_STATIONED_BEFORE = re.compile(
    r"\b(?:stationed|deployed|based|positioned|entrenched|massed|garrisoned)\s+(?:in|at|near|"
    r"around|on)\s+(?:the\s+)?(?:[a-z'-]+\s+){0,3}?(?:[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*){0,2}"
    r"\s*(?:,\s*|\s+and\s+))*$")


# A place that names a body: "Tal Tamr Military Council", "Daraa Operations Room".
_NAME_PART_AFTER = re.compile(
    r"\s+(?:(?:Military|Civil|Local|Revolutionary|Provincial)\s+Council|Operations?\s+Room|"
    r"(?:Media|Press)\s+(?:Centre|Center|Office)|Brigades?|Battalion|Revolutionaries|Martyrs)\b")


def _reporter_place(sentence: str, pm: PlaceMention) -> bool:
    """Whether the mention places the teller of the news ("correspondent in X said")."""
    return bool(_REPORTER_BEFORE.search(sentence[max(0, pm.start - 45) : pm.start])
                and _TELLING_AFTER.match(sentence[pm.end : pm.end + 40]))


def _relative(doc: Document, i: int, pm: PlaceMention) -> bool:
    """Whether the mention is a reference the act's place is given against ("5 km
    west of X", "north-east of X", "near X", "outside X", "on the outskirts of X")."""
    key = (i, -1 - pm.start)  # shares the context memo; negative keys for this question
    found = doc.context_memo.get(key)
    if found is None:
        before = doc.sentences[i].text[max(0, pm.start - 45) : pm.start]
        found = "relative" if _RELATIVE_BEFORE.search(before) else ""
        doc.context_memo[key] = found
    return bool(found)

def _place_context(doc: Document, i: int, start: int) -> str:
    """"reference" or "locative" by the 45 characters before a place mention, or "".

    Memoised per mention: every act of a sentence scores every place of it.
    """
    key = (i, start)
    found = doc.context_memo.get(key)
    if found is None:
        before = doc.sentences[i].text[max(0, start - 45) : start]
        if _REFERENCE_BEFORE.search(before):
            found = "reference"
        elif _LOCATIVE_BEFORE.search(before):
            found = "locative"
        else:
            found = ""
        doc.context_memo[key] = found
    return found


def _own_date(doc: Document, i: int, act: Act) -> tuple[DateResolution | None, bool]:
    """The date phrase of the act's own sentence nearest the act, quote-anchored.

    The flag is True when the phrase dates the statement that reports the act ("the SDF
    said on Tuesday that five of its fighters had been killed ..."): the act happened on
    that day or before it, so another sentence's own date for it wins.
    """
    sent = doc.sentences[i].text
    phrases = [p for p in find_date_phrases(sent) if not is_background_phrase(p)]
    if not phrases:
        return None, False
    def cost(p: DatePhrase) -> int:
        outside = not (act.clause[0] <= p.start < act.clause[1])
        return min(abs(p.start - act.start), abs(p.end - act.start)) + 150 * outside

    dateline = dateline_end(sent)

    def says(p: DatePhrase) -> bool:
        # "HAMA, Sept. 8 (SANA) - ...": a dateline's day is the report's, not the act's.
        if act.start >= p.end and p.end <= dateline:
            return True
        # "X said on Tuesday that ...", "..., state TV reported on Wednesday"
        return (act.start >= p.end or p.start >= act.end) and bool(
            _SPEECH_BEFORE.search(sent[max(0, p.start - 40) : p.start]))

    # "X said on Wednesday that its jets struck Y on Tuesday": the act's own day wins
    # over the day of the statement when both stand in the act's clause.
    own = [p for p in phrases if not says(p) and act.clause[0] <= p.start < act.clause[1]]
    body = [p for p in phrases if p.end > dateline]
    phrase = min(own or body or phrases, key=cost)
    ref = doc.published
    anchor_note = ""
    if phrase.kind in _RELATIVE and '"' in sent:
        quotes = quoted_spans(sent)
        if in_spans(phrase.start, quotes):
            anchor = _statement_date(doc, i, phrase, quotes)
            if anchor is not None:
                ref = datetime.combine(anchor, time(0))
                anchor_note = f" (inside a statement made on {anchor})"
    res = resolve_phrase(phrase, ref)
    if res.date is None or res.date > doc.pub_date + timedelta(days=1):
        return None, False
    if anchor_note:
        res = DateResolution(res.date, res.precision, res.words, res.reason + anchor_note)
    return res, says(phrase)

def _statement_date(
    doc: Document, i: int, phrase: DatePhrase, quotes: list[tuple[int, int]]
) -> date | None:
    """The day a quoted statement was made: a date outside the quotes, here or before."""
    sent = doc.sentences[i].text
    candidates = [(sent, p, quotes) for p in find_date_phrases(sent)
                  if p is not phrase and not in_spans(p.start, quotes)]
    if i > 0:
        prev = doc.sentences[i - 1].text
        pq = quoted_spans(prev)
        candidates += [(prev, p, pq) for p in find_date_phrases(prev)
                       if not in_spans(p.start, pq)]
    for _, p, _ in candidates:
        if p.kind in _ANCHOR_KINDS:
            res = resolve_phrase(p, doc.published)
            if res.date is not None and res.date <= doc.pub_date:
                return res.date
    return None


def title_frames(doc: Document) -> list[ActFrame]:
    """Acts of the title, used only when the body reports none."""
    scan = scan_sentence(doc.title, doc.pub_date)
    acts = [a for a in scan.acts if not a.weak]
    if not acts:
        return []
    actors = find_actors(doc.ref, doc.title, doc.title_folded)
    spans = [Span(s, e, info.name) for s, e, info in actors]
    roles = assign_roles(doc.title, acts, spans)
    place = doc.title_places[0] if doc.title_places else None
    note = f"place {place.place.name} from '{place.surface}' in the title" if place else ""
    return [ActFrame(-1, acts, place, note, None, roles,
                    {info.name: info for _, _, info in actors})]


# "the Idlib town of Ariha", "the Daraa village of Nawa": the first place only says where.
_KIND_OF = re.compile(r"\s+(?:(?:northern|southern|eastern|western|north-?western|north-?eastern|"
                      r"south-?western|south-?eastern|central|rebel-held|opposition-held|"
                      r"government-held|border|frontline|front-line|small|nearby)\s+)*(?:town|"
                      r"village|city|hamlet|neighbou?rhood|suburb)\s+of\s+(?:the\s+)?$",
                      re.IGNORECASE)


def _qualifies_next(sent: str, pm: PlaceMention, others: Sequence[PlaceMention]) -> bool:
    """A possessive place right before another place ("Syria's Idlib province") only says
    where that other place lies; so does one naming its kind ("the Idlib town of Ariha")."""
    if any(o is not pm and o.start > pm.end and o.place.precision <= pm.place.precision
           and _KIND_OF.fullmatch(sent[pm.end : o.start]) for o in others):
        return True
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


_LAUNCH_WORDS = r"(?:fired|launched|lobbed|came|originated)"
_LAUNCH_TRIGGER = re.compile(rf"^{_LAUNCH_WORDS}$", re.IGNORECASE)
_LAUNCH_VERB = re.compile(rf"^[^,;]{{0,30}}?\b{_LAUNCH_WORDS}\b", re.IGNORECASE)
# Lower-case words only (a capitalised one may be another place: "fired from Suran at X"),
# but for the adjectives of the armies that fire ("from Russian bases in the town of X").
_FROM_SITE = re.compile(r"^[^,;]{0,40}?\b[Ff]rom\s+(?:(?:the|its|their)\s+)?(?:(?:[a-z'-]+|Russian|"
                        r"Turkish|Iranian|Syrian|Israeli|Lebanese|Kurdish|Iraqi)\s+){0,4}?"
                        r"(?:(?:in|near|around|inside)\s+the\s+(?:town|village|city|area|outskirts)\s+of"
                        r"|in|of|near|around|at|inside)?\s*"
                        # a second launch site joined to the first ("posts at Morek and X")
                        r"(?:[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*){0,2}\s*(?:,\s*|\s+and\s+|\s+or\s+))*$")


def _launch_site(sentence: str, act: Act, pm: PlaceMention) -> bool:
    """Whether ``pm`` is where a launched weapon came from ("rockets were launched from
    positions in X"), told after the launching verb."""
    if pm.start < act.end:
        return False
    between = sentence[act.end : pm.start]
    if not _LAUNCH_TRIGGER.match(act.trigger):
        verb = _LAUNCH_VERB.search(between)
        if verb is None:
            return False
        between = between[verb.end() :]
    return bool(_FROM_SITE.match(between))


def _origin_between(sentence: str, act: Act, pm: PlaceMention) -> bool:
    """"fired from positions south of X": X locates where the fire came from."""
    lo, hi = (act.end, pm.start) if pm.start >= act.end else (pm.end, act.start)
    return bool(_ORIGIN.search(sentence[lo:hi])) if lo < hi else False




def _specific_place(pm: PlaceMention | None) -> bool:
    """A settlement-level place that is not also a governorate's name ("in Idlib")."""
    if pm is None or pm.place.precision > 2:
        return False
    return pm.place.name.casefold() != pm.place.admin1.casefold()


def km(p: Place, q: Place) -> float:
    """Great-circle distance between two places (the project's one distance function)."""
    return haversine_km(p.lat, p.lon, q.lat, q.lon)
