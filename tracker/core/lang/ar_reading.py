"""Reading one Arabic sentence: its acts, actors, places, date phrases and casualty figures.

Why a module of its own: these are the Arabic counterparts of the English sentence scan,
mention finders, date phrases and toll figures; they produce the shared structures
(:class:`~tracker.core.events.Act`, :class:`~tracker.core.gazetteer.PlaceMention`,
:class:`~tracker.core.dates.DatePhrase`) so that everything after them is language-neutral.
All offsets are into the ORIGINAL sentence (evidence is quoted as written).  Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tracker.core.dates import DatePhrase
from tracker.core.events import (
    AIR,
    ARMED_CLASH,
    IED,
    INCURSION,
    SHELLING,
    SUB_TO_TYPE,
    SUICIDE,
    Act,
)
from tracker.core.gazetteer import Place, PlaceMention
from tracker.core.lang.ar_lexicon import ArabicLexicon
from tracker.core.lang.arabic import (
    Normalised,
    PhraseMatch,
    Token,
    clause_index,
    clauses,
    normalise,
    stems,
    tokens,
)
from tracker.core.mentions import ActorInfo

# Act kind -> (sub-event type, specific).  "fire" and "attack" take their weapon from the
# clause; "advance" is a ground assault.
_KINDS: dict[str, tuple[str, bool]] = {
    "air": (AIR, True), "drone": (AIR, True), "shelling": (SHELLING, True),
    "fire": (SHELLING, False), "clash": (ARMED_CLASH, True), "attack": (ARMED_CLASH, False),
    "ied": (IED, True), "suicide": (SUICIDE, True), "incursion": (INCURSION, True),
    "advance": (ARMED_CLASH, True),
    # "جراء الغارات" / "جراء القصف": the act as the cause of the dead (its weapon from the
    # clause when the words do not say it).
    "cause_air": (AIR, True), "cause_shelling": (SHELLING, False),
}
_CUE_SUB = {"air": AIR, "drone": AIR, "shelling": SHELLING, "ied": IED}
# Words between the unreal cue and the act it governs, at most.
_UNREAL_WINDOW = 6
_ROLE_WINDOW = 3


@dataclass
class ArSentence:
    """One sentence read: normalised text, tokens, and what the lexicon found in it."""

    text: str  # as written
    start: int  # offset in the item's text
    norm: Normalised
    toks: list[Token]
    spans: list[tuple[int, int]]  # clauses, in normalised offsets
    acts: list[Act] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    actors: list[tuple[int, int, ActorInfo, int, int]] = field(default_factory=list)
    places: list[tuple[PlaceMention, str]] = field(default_factory=list)  # mention, context
    dates: list[DatePhrase] = field(default_factory=list)
    background: bool = False

    @property
    def background_only(self) -> bool:
        """The sentence told acts, every one of them recalled from before the report or
        framing it ("ويأتي القصف غداة يوم دامٍ قُتل فيه تسعة مدنيين")."""
        return not self.acts and any(r.startswith(_RECALLED) for r in self.rejected)

    def clause_of_token(self, k: int) -> int:
        return clause_index(self.spans, self.toks[k].start)


# How a rejected act recalled from the past is noted (see :func:`_acts`).
_RECALLED = "recalls the past"


def read_sentence(lex: ArabicLexicon, text: str, start: int = 0) -> ArSentence:
    """Everything the lexicon finds in one sentence."""
    norm = normalise(text)
    toks = tokens(norm.text)
    st = [stems(t.text) for t in toks]
    s = ArSentence(text, start, norm, toks, clauses(norm.text, lex.time_words))
    actor_hits = lex.actors.find(toks, st)
    s.actors = [(*_orig(norm, m), m.value, m.first, m.last) for m in actor_hits]
    taken = {k for m in actor_hits for k in range(m.first, m.last + 1)}
    date_hits = lex.dates.find(toks, st)
    s.dates = _dates(lex, s, date_hits)
    # Words of a date phrase ("تشرين الأول") are never place names.
    dated = taken | {k for m in date_hits if m.value[0] != "part"
                     for k in range(m.first, m.last + 1)}
    s.places = _places(lex, s, st, dated)
    background_tokens = {m.first for m in lex.background.find(toks, st)}
    if toks and ((toks[0].text in _PLUPERFECT and
                  any(t.text == "قد" for t in toks[1:_PLUPERFECT_REACH]))
                 or lex.context.match_at(toks, 0, st) is not None):
        # "وكانت أنقرة قد أطلقت ...": the pluperfect tells what had happened before, in
        # every clause of the sentence but one that tells what came after it ("وكان الطيران
        # قد غاب عن أجواء المنطقة منذ الخميس، قبل أن تخرق قوات النظام الهدوء").  A sentence
        # setting the report in its context ("ويأتي ذلك في ظل ...") is read the same way.
        starts = sorted({min(k for k in range(len(toks)) if s.clause_of_token(k) == c)
                         for c in {s.clause_of_token(k) for k in range(len(toks))}})
        for k in starts:
            if _after_then(toks, k):
                break  # this clause and those after it tell what came next
            background_tokens.add(k)
    # A habit is background wherever its words stand in the clause: mark the clause's start.
    for m in lex.habitual.find(toks, st):
        c0 = s.spans[s.clause_of_token(m.first)][0]
        background_tokens.add(next(k for k, t in enumerate(toks) if t.end > c0))
    _acts(lex, s, st, taken, background_tokens, dated)
    return s


def _after_then(toks: Sequence[Token], k: int) -> bool:
    """Whether the clause at token ``k`` opens by telling what came next ("قبل أن تخرق",
    "ثم", "إلى أن", "حتى")."""
    first = toks[k].text
    second = toks[k + 1].text if k + 1 < len(toks) else ""
    return (first in ("قبل", "الي", "حتي") and second == "ان") or first in ("ثم", "وبعدها")


def _orig(norm: Normalised, m: PhraseMatch[Any]) -> tuple[int, int]:
    return norm.original_span(m.start, m.end)


# ------------------------------------------------------------------ acts


def _acts(lex: ArabicLexicon, s: ArSentence, st: list[tuple[tuple[str, int], ...]],
          taken: set[int], background_tokens: set[int], named: set[int]) -> None:
    """Acts of the sentence: act words not inside an actor's name, not negated, not unreal
    (denied, threatened, intended), not in a clause recalling the past.  The words of an
    actor's name or a date phrase between an unreal cue and the act do not count towards its
    reach ("هددت القوات الروسية في 13 آب/أغسطس بقصف ...")."""
    toks = s.toks
    unreal = lex.unreal.find(toks, st)
    cues = lex.weapon_cues.find(toks, st)
    found = lex.acts.find(toks, st)
    found += _split_fire(s, st, {k for m in found for k in range(m.first, m.last + 1)})
    found += _set_up(s, st, {k for m in found for k in range(m.first, m.last + 1)})
    found.sort(key=lambda m: m.first)
    rising = any(m.value.startswith("cause_") for m in found) and bool(lex.rose.find(toks, st))
    for m in found:
        if m.first in taken:
            continue
        kind = m.value
        clause = s.clause_of_token(m.first)
        words = s.norm.text[m.start : m.end]
        if _negated(lex, s, m):
            s.rejected.append(f"negated: '{words}'")
            continue
        if kind.startswith("cause_") and rising:
            # "ارتفاع حصيلة القتلى جراء الغارات ... إلى 19": the day's toll over acts the
            # report tells one by one, not an act of its own.
            s.rejected.append(f"a rising toll's cause: '{words}'")
            continue
        if kind == "advance" and m.first > 0 and _in(s.toks[m.first - 1].text, lex.state):
            s.rejected.append(f"control as a state: '{words}'")
            continue
        if any(u.last < m.first and _reach(u.last, m.first, named) <= _UNREAL_WINDOW
               and s.clause_of_token(u.first) == clause for u in unreal):
            s.rejected.append(f"denied, threatened or intended: '{words}'")
            continue
        if any(b <= m.first and (s.clause_of_token(b) == clause
                                 or (s.clause_of_token(b) < clause
                                     and _continues(s, clause)))
               for b in background_tokens):
            s.rejected.append(f"{_RECALLED}: '{words}'")
            continue
        sub, specific = _KINDS.get(kind, (ARMED_CLASH, False))
        if not specific:
            cue_sub = _clause_cue(s, cues, clause)
            if cue_sub is not None:
                sub, specific = cue_sub, True
        cs, ce = s.spans[clause]
        o_start, o_end = _orig(s.norm, m)
        c0, c1 = s.norm.original_span(cs, max(cs + 1, ce))
        s.acts.append(Act(o_start, o_end, s.text[o_start:o_end], SUB_TO_TYPE[sub], sub,
                          specific, False, False, False, (c0, c1)))


# Between "وقف" and "إطلاق النار" in a ceasefire ("وقفا شاملا لإطلاق النار").
_CEASEFIRE_ADJECTIVES = frozenset({"شامل", "كامل", "فوري", "دايم", "تام", "مؤقت", "جديد",
                                   "شاملا", "كاملا", "فوريا", "دايما", "تاما", "مؤقتا",
                                   "جديدا"})


# A clause opening with these goes on with the time of the clause before it ("بعد أيام من
# حادثة ...، أعقبتها غارات روسية").
_FOLLOWERS = frozenset({"اعقبتها", "اعقبها", "اعقبه", "تلتها", "تلاها", "تلاه", "تبعتها",
                        "تبعها", "اعقبته", "تلته",
                        # "... منذ أشهر، إذ يستهدف مسلحوه الحواجز": "إذ" explains the clause
                        # before it, in its time.
                        "اذ"})


def _continues(s: ArSentence, clause: int) -> bool:
    """The clause opens with a word that continues the previous clause's account."""
    start = s.spans[clause][0]
    first = next((t for t in s.toks if t.end > start), None)
    return first is not None and first.text in _FOLLOWERS


# "أطلقت القوات الإسرائيلية، اليوم الخميس، النار على رعاة": the verb and its object apart.
_FIRE_VERBS = ("اطلق", "تطلق", "يطلق", "اطلاق")  # and the noun: "إطلاق جنود إسرائيليين النار"
_FIRE_OBJECTS = frozenset({"النار", "النيران"})
_FIRE_REACH = 8


def _split_fire(s: ArSentence, st: list[tuple[tuple[str, int], ...]],
                used: set[int]) -> list[PhraseMatch[str]]:
    """"أطلق ... النار" with words between: a clash act on the verb (the contiguous phrase is
    in the lexicon)."""
    out: list[PhraseMatch[str]] = []
    for k, tok in enumerate(s.toks):
        if k in used or not any(stem.startswith(_FIRE_VERBS) for stem, _ in st[k]):
            continue
        # The object may stand past an aside between commas ("، اليوم الخميس،").
        if any(s.toks[j].text in _FIRE_OBJECTS
               for j in range(k + 2, min(len(s.toks), k + 1 + _FIRE_REACH))):
            out.append(PhraseMatch(tok.start, tok.end, "clash", k, k))
    return out


# "أقامت قوة من جيش الاحتلال، اليوم الجمعة، حاجزاً عسكرياً على الطريق": an armed force
# setting up a checkpoint, barrier or post is an incursion (as English "set up a checkpoint").
_SET_UP_VERBS = ("اقام", "تقيم", "يقيم", "نصب", "تنصب", "ينصب", "انشا", "استحدث", "تستحدث",
                 "يستحدث")
_SET_UP_OBJECTS = ("حاجز", "حواجز", "نقطه", "نقاط", "ساتر", "سواتر", "مخفر", "برج", "ابراج")
_SET_UP_REACH = 8


def _set_up(s: ArSentence, st: list[tuple[tuple[str, int], ...]],
            used: set[int]) -> list[PhraseMatch[str]]:
    """A verb of setting up with a checkpoint, barrier or post as its object a few words on:
    an incursion act on the verb."""
    out: list[PhraseMatch[str]] = []
    for k, tok in enumerate(s.toks):
        if k in used or not any(stem.startswith(_SET_UP_VERBS) for stem, _ in st[k]):
            continue
        if any(s.toks[j].text.removeprefix("و").startswith(_SET_UP_OBJECTS)
               for j in range(k + 1, min(len(s.toks), k + 1 + _SET_UP_REACH))):
            out.append(PhraseMatch(tok.start, tok.end, "incursion", k, k))
    return out


def _reach(cue: int, act: int, named: set[int]) -> int:
    """Words from a cue to the act, the words of names and dates left out."""
    return sum(1 for k in range(cue + 1, act + 1) if k not in named)


def _negated(lex: ArabicLexicon, s: ArSentence, m: PhraseMatch[str]) -> bool:
    """"لم تقصف", "عدم استهداف": a negation word right before the act word (or on it); the
    word may carry و ("ووقف إطلاق النار")."""
    if m.first > 0 and _in(s.toks[m.first - 1].text, lex.negation):
        return True
    if m.first > 1 and _in(s.toks[m.first - 2].text, ("وقف", "وقفا")) and \
            s.toks[m.first - 1].text in _CEASEFIRE_ADJECTIVES:
        return True  # "وقف شامل لإطلاق النار": a ceasefire, no fire
    return m.first > 1 and s.toks[m.first - 2].text in lex.negation and \
        s.toks[m.first - 1].text in ("يتم", "تتم", "تم", "يجر", "تجر", "يحصل", "يحدث", "يكن",
                                      "تكن", "يقع", "تقع")


def _in(word: str, words: frozenset[str] | tuple[str, ...]) -> bool:
    """Whether the word, or the word without the conjunction و, is one of ``words``
    ("ووقف" is و + وقف, "ولم" و + لم)."""
    return word in words or (word.startswith("و") and word[1:] in words)


def _clause_cue(s: ArSentence, cues: Sequence[PhraseMatch[str]], clause: int) -> str | None:
    """The weapon the clause names (air, drone, shelling, explosive), most specific first."""
    found = {_CUE_SUB[c.value] for c in cues if s.clause_of_token(c.first) == clause}
    for sub in (AIR, IED, SHELLING):
        if sub in found:
            return sub
    return None


# ------------------------------------------------------------------ places


def _places(lex: ArabicLexicon, s: ArSentence, st: list[tuple[tuple[str, int], ...]],
            taken: set[int]) -> list[tuple[PlaceMention, str]]:
    """Places of the sentence: the countryside formula and bare directions of a governorate
    first, then gazetteer names; each with its context ("near", "origin" or "")."""
    toks = s.toks
    out: list[tuple[PlaceMention, str, int]] = []
    used: set[int] = set(taken)
    k = 0
    while k < len(toks):
        region = _countryside(lex, s, st, k)
        if region is not None:
            place, last = region
            out.append((_mention(s, place, toks[k].start, toks[last].end), "", k))
            used.update(range(k, last + 1))
            k = last + 1
            continue
        k += 1
    near = lex.near.find(toks, st)
    origin = lex.origin.find(toks, st)
    for m in lex.places.find(toks, st):
        if any(i in used for i in range(m.first, m.last + 1)):
            continue
        bare = _bare_direction(lex, s, st, m)
        if bare is not None:
            out.append((_mention(s, bare[0], toks[bare[1]].start, m.end), "", bare[1]))
            continue
        place = m.value[0]
        context = ""
        if any(n.last == m.first - 1 or (n.last == m.first - 2 and toks[m.first - 1].text in
                                          ("مدينه", "بلده", "قريه", "بلدة", "مدينة", "قرية"))
               for n in near):
            context = "near"
        if any(0 < m.first - o.last <= 2 for o in origin):
            context = "origin"
        o0, o1 = _orig(s.norm, m)
        out.append((PlaceMention(place, o0, o1, s.text[o0:o1], m.value), context, m.first))
    out.sort(key=lambda x: x[2])
    found = [(pm, ctx) for pm, ctx, _ in out]
    return [(pm, ctx) for pm, ctx in found if not _other_governorate(pm, found)]


# How far after a village the region that says where it lies may stand (characters).
_REGION_REACH = 120


def _other_governorate(pm: PlaceMention, found: Sequence[tuple[PlaceMention, str]]) -> bool:
    """A village of the larger gazetteer named in a sentence that places it in another
    governorate ("قرية العالية ... بريف الحسكة" read as the Alyeh of Idlib) is not that village:
    the first countryside region after it decides, when none of the places sharing the
    village's name lies there."""
    if pm.place.curated or pm.place.precision > 2:
        return False
    for other, _ in found:
        if other.start <= pm.end or other.start - pm.end > _REGION_REACH:
            continue
        if other.place.kind != "region" or not other.surface.lstrip("وب").startswith("ريف"):
            continue
        names = {c.admin1 for c in pm.candidates} | {pm.place.admin1}
        return other.place.admin1 not in names
    return False


def _mention(s: ArSentence, place: Place, nstart: int, nend: int) -> PlaceMention:
    start, end = s.norm.original_span(nstart, nend)
    return PlaceMention(place, start, end, s.text[start:end])


def _countryside(lex: ArabicLexicon, s: ArSentence, st: list[tuple[tuple[str, int], ...]],
                 k: int) -> tuple[Place, int] | None:
    """"ريف إدلب الجنوبي" at token ``k``: the region English calls "southern Idlib
    countryside" (the same place, so the same precision and zones)."""
    if k + 1 >= len(s.toks):
        return None
    if any(stem in lex.countryside for stem, _ in st[k]):
        gov = lex.governorates.match_at(s.toks, k + 1, st)
        if gov is None:
            return None
        last = gov.last
        direction = ""
        if last + 1 < len(s.toks):
            d = lex.directions.match_at(s.toks, last + 1, st)
            if d is not None:
                direction, last = d.value, d.last
        if s.toks[k].text.endswith("ريفي") and last + 1 < len(s.toks) \
                and s.toks[last + 1].text.startswith("و"):
            # The dual "ريفي حلب الغربي وإدلب": the second governorate is a countryside too,
            # not its city; the first region stands for the phrase.
            second = lex.governorates.match_at(s.toks, last + 1, st)
            if second is not None:
                last = second.last
    elif any(stem.startswith("ال") and stem[2:] in lex.countryside for stem, _ in st[k]):
        # "الريف الجنوبي الغربي لمحافظة السويداء", "الريف الشمالي لإدلب"
        d = lex.directions.match_at(s.toks, k + 1, st)
        if d is None or d.last + 1 >= len(s.toks):
            return None
        j = d.last + 1
        if any(stem == "محافظه" for stem, _ in st[j]) and j + 1 < len(s.toks):
            j += 1
        gov = lex.governorates.match_at(s.toks, j, st)
        if gov is None:
            return None
        direction, last = d.value, gov.last
    else:
        return None
    place = lex.regions.get((gov.value, direction)) or lex.regions.get((gov.value, ""))
    return (place, last) if place is not None else None


def _bare_direction(lex: ArabicLexicon, s: ArSentence, st: list[tuple[tuple[str, int], ...]],
                    m: PhraseMatch[tuple[Place, ...]]) -> tuple[Place, int] | None:
    """"جنوب إدلب": a direction right before a governorate's own name is its region."""
    gov = lex.governorates.match_at(s.toks, m.first, st)
    if gov is None or gov.last != m.last:
        return None
    for back in (2, 1):
        k = m.first - back
        if k < 0:
            continue
        d = lex.bare_directions.match_at(s.toks, k, st)
        if d is not None and d.last == m.first - 1:
            place = lex.regions.get((gov.value, d.value))
            if place is not None:
                return place, k
    return None


# ------------------------------------------------------------------ dates


def _ordinal_day(lex: ArabicLexicon, toks: Sequence[Token], k: int) -> tuple[int, int] | None:
    """"الثامن من" / "الحادي والعشرين من" ending right before token ``k`` (the month): the day
    and the index of its first token."""
    if k < 2 or toks[k - 1].text != "من":
        return None
    for n in (2, 1):
        if k - 1 - n < 0:
            continue
        words = " ".join(t.text for t in toks[k - 1 - n : k - 1])
        day = lex.ordinals.get(words)
        if day is not None:
            return day, k - 1 - n
    return None


def _dates(lex: ArabicLexicon, s: ArSentence,
           hits: Sequence[PhraseMatch[tuple[str, int]]]) -> list[DatePhrase]:
    """Date phrases as the English resolver reads them (kinds today, yesterday, days_ago,
    weekday, dmy), with their words as written.  Of a night between two days ("ليل الأربعاء -
    الخميس") the first day is the act's."""
    out: list[DatePhrase] = []
    toks = s.toks
    hits = list(hits)
    skip: set[int] = set()
    for n in range(1, len(hits)):
        a, b = hits[n - 1], hits[n]
        if a.value[0] == b.value[0] == "weekday" and \
                s.norm.text[toks[a.last].end : b.start].strip() in ("-", "–", "و", "/"):
            # "ليل الأربعاء - الخميس" is the first day's night; "بعد منتصف ليل الثلاثاء -
            # الأربعاء" (after midnight) the second day.
            part = hits[n - 2] if n >= 2 and hits[n - 2].value[0] == "part" else None
            after_midnight = part is not None and "منتصف" in s.norm.text[part.start : part.end]
            skip.add(n - 1 if after_midnight else n)
    for n in range(len(hits) - 1):
        a, b = hits[n], hits[n + 1]
        if a.value[0] == "today" and b.value[0] == "weekday" and \
                not s.norm.text[a.end : b.start].strip(" ،,"):
            # "مساء اليوم الأحد" told after midnight: the weekday names the day.
            skip.add(n)
    for n, m in enumerate(hits):
        kind, value = m.value
        if n in skip:
            continue
        start, end = m.start, m.end
        phrase: DatePhrase | None = None
        if kind == "today":
            phrase = DatePhrase("today", start, end, "")
        elif kind == "yesterday":
            phrase = DatePhrase("yesterday", start, end, "")
        elif kind == "day_before_yesterday":
            phrase = DatePhrase("days_ago", start, end, "", (2,))
        elif kind == "weekday":
            phrase = DatePhrase("weekday", start, end, "", (0, value))
        elif kind == "month":
            # "آذار/مارس": the second name of a month pair is the same month.
            after = m.last + 1
            nxt = hits[n + 1] if n + 1 < len(hits) else None
            if nxt is not None and nxt.value[0] == "month" and nxt.first - m.last <= 2:
                skip.add(n + 1)
                after, end = nxt.last + 1, nxt.end
            year = 0
            if after < len(toks) and toks[after].text.isdigit() and len(toks[after].text) == 4:
                year = int(toks[after].text)
                end = toks[after].end
            ordinal = _ordinal_day(lex, toks, m.first)
            if ordinal is not None:
                phrase = DatePhrase("dmy", toks[ordinal[1]].start, end, "",
                                    (ordinal[0], value, year))
            elif m.first > 0 and toks[m.first - 1].text.isdigit():
                day = int(toks[m.first - 1].text)
                if 1 <= day <= 31:
                    phrase = DatePhrase("dmy", toks[m.first - 1].start, end, "",
                                        (day, value, year))
            elif year or (m.first > 0 and toks[m.first - 1].text in _MONTH_HEADS):
                # A month without a day ("في آذار 2015", "مطلع تشرين الأول"): precision 4,
                # used only when the sentence names no day (see ar_frontend._own_date).  A
                # year or a head word is required: "آب" is also the end of "باب".
                phrase = DatePhrase("month", start, end, "", (0, value, year))
        if phrase is not None:
            o0, o1 = s.norm.original_span(phrase.start, phrase.end)
            out.append(DatePhrase(phrase.kind, o0, o1, s.text[o0:o1], phrase.values))
    return out


# ------------------------------------------------------------------ roles


def assign_roles(lex: ArabicLexicon, s: ArSentence, acts: Sequence[Act]) -> dict[str, str]:
    """Attacker and target of the acts' clauses.

    Arabic news puts the attacker right after the act verb or noun ("قصفت قوات النظام",
    "غارات للطيران الروسي", "قصف قوات النظام"), or before the verb ("قوات النظام قصفت"); a
    target noun before an actor ("مواقع قوات النظام", "على الفصائل") makes it the target; an
    agent phrase ("من قبل", "مصدره") the attacker; "بين X و Y" names both without roles.
    Civilians are never attackers.
    """
    st = [stems(t.text) for t in s.toks]
    target_ends = {m.last for m in lex.target_cues.find(s.toks, st)}
    agent_ends = {m.last for m in lex.agent_cues.find(s.toks, st)}
    source_ends = {m.last for m in lex.source_cues.find(s.toks, st)}
    clauses_of_acts = {s.clause_of_token(_token_at(s, a.start)) for a in acts}
    act_tokens = sorted(_token_at(s, a.start) for a in acts)
    act_ends = {_token_at(s, a.end - 1) for a in acts}
    roles: dict[str, str] = {}
    strong: set[str] = set()
    firsts = {first for _, _, _, first, _ in s.actors}
    told: dict[str, int] = {}  # a source actor -> the last token of its mention
    for _, _, info, first, last in s.actors:
        if _controls_origin(lex, s, first, act_tokens):
            # "أطلقت من بلدة المزرعة، الخاضعة لسيطرة القوات الحكومية": the party holding
            # the place the fire came from fired it.
            roles[info.name] = "attacker"
            strong.add(info.name)
            continue
        if info.name in told and first - told[info.name] <= 2:
            told[info.name] = last  # "قالت قوات سوريا الديمقراطية (قسد)": the same source
            continue
        before = {first - d for d in range(1, _ROLE_WINDOW + 1)}
        if s.clause_of_token(first) not in clauses_of_acts:
            if _told_by(s, first, source_ends):
                # "أعلن المركز الإعلامي لقسد، الأربعاء، أن مقاتليه نفذوا هجوماً": a source
                # in a clause of its own, whose own forces may be the act's subject
                told[info.name] = last
                continue
            if before & agent_ends and info.side != "civilian":
                # "بمقتل عنصرين من الجيش بنيران قسد، ... إطلاق نار": an agent phrase names
                # the attacker wherever the clause of the act word is.
                roles.setdefault(info.name, "attacker")
                strong.add(info.name)
            continue
        if info.generic and last + 1 < len(s.toks) and s.toks[last + 1].text in _AFFILIATION \
                and {last + 2, last + 3} & firsts:
            # "فصائل تابعة للحكومة السورية": the party is the one it belongs to, named next.
            continue
        if _told_by(s, first, source_ends):
            # "أعلنت وزارة الدفاع ...", "أفاد المرصد": who tells of the act, not a party.
            told[info.name] = last
            continue
        if info.side == "civilian":
            roles.setdefault(info.name, "target")
            continue
        if any(s.toks[j].text in lex.between for j in before if j >= 0):
            continue
        if before & agent_ends or _partitive_agent(s, first, agent_ends) or \
                first - 1 in act_ends or (
                first - 2 in act_ends and first - 1 not in target_ends
                and _genitive_l(s.toks[first].text)):
            # "من قبل X", "بنيران X", an actor right after the act word ("قصفت قوات
            # النظام", "لهجوم قوات الاحتلال"), and "هجوما انتحاريا لتنظيم الدولة" (the act
            # noun's agent by ل, an adjective between them at most).
            roles[info.name] = "attacker"
            strong.add(info.name)
        elif _subject_of_verb(s, last, act_tokens):
            # "عناصر من التنظيم استهدفوا مقراً": the party named as the subject right before
            # the verb did the act, whatever noun stands before it.
            roles[info.name] = "attacker"
            strong.add(info.name)
        elif first - 1 in target_ends or (first - 2 in target_ends and \
                s.toks[first - 1].text in ("ل", "من", "في", "التابعه", "تابعه")) or \
                _possessor(s, first, target_ends):
            roles.setdefault(info.name, "target")
        elif _affiliated_subject(s, first, act_tokens):
            # "استهدفت مجموعة مسلحة يعتقد أنها تتبع لخلايا تنظيم الدولة آلية ...": the
            # party the act's subject belongs to did the act.
            roles[info.name] = "attacker"
            strong.add(info.name)
        elif any(0 <= first - a <= 4 and s.clause_of_token(a) == s.clause_of_token(first)
                 for a in act_tokens) or \
                any(0 < a - last <= 6 and s.clause_of_token(a) == s.clause_of_token(first)
                    for a in act_tokens):
            # Near the act word in its clause: "قصفت ... قوات النظام", "قوات النظام قصفت";
            # not across a comma ("تابعين لوزارة الدفاع في الباغوز، كما أطلق مسلحون").
            roles.setdefault(info.name, "attacker")
    reply_at = {m.first for m in lex.reply.find(s.toks, st)}
    _own_forces(s, told, act_tokens, target_ends, reply_at, roles, strong)
    _accused(lex, s, st, roles, strong)
    _clash_partner(s, roles)
    if sum(1 for r in roles.values() if r == "attacker") > 1:
        # Two attackers in one clause: the first one named after (or before) the act is it,
        # the others are the other party of the act.
        # An attacker an agent phrase names wins over one the word order suggests.
        # Two actors joined by "و" ("قوات النظام والطيران الروسي قصفت") act together.
        names = [info.name for _, _, info, _, _ in s.actors if roles.get(info.name) == "attacker"]
        names = sorted(dict.fromkeys(names), key=lambda n: n not in strong)
        joined = {info.name for (_, _, info, first, _), (_, _, prev, _, plast)
                  in zip(s.actors[1:], s.actors, strict=False)
                  if first == plast + 1 and s.toks[first].text.startswith("و")
                  and roles.get(prev.name) == "attacker"}
        for name in names[1:]:
            if name not in joined:
                roles[name] = "target"
    return roles


# How many words may stand between an object noun and the party it belongs to
# ("آلية عسكرية لقوات سوريا الديمقراطية", "مقراً عسكرياً وحاجزاً أمنياً تابعين لوزارة الدفاع").
_POSSESSOR_REACH = 4
# Words that say a noun belongs to the party named next.
_BELONGS = frozenset({"تابعه", "التابعه", "تابع", "التابع", "تابعين", "التابعين", "تابعتين",
                      "تتبع", "يتبع", "تنتمي", "ينتمي", "المنتميه", "منتميه", "تعود", "يعود",
                      "محسوبه", "المحسوبه", "مرتبطه", "المرتبطه"})


def _adjective(word: str) -> bool:
    """A relative adjective or a noun joined by و in a list of objects ("عسكرية", "أمنياً",
    "وحاجزاً"): the words that may stand between an object and its possessor."""
    return word.endswith(("يه", "يا", "ي", "يين", "يان")) or word.startswith("و")


def _possessor(s: ArSentence, first: int, target_ends: set[int]) -> bool:
    """The party after an object noun and its adjectives is the object's owner, the one hit:
    "آلية عسكرية لقوات سوريا الديمقراطية", "حاجزاً أمنياً تابعين لوزارة الدفاع".  The party
    must carry ل or follow a word of belonging; only adjectives, listed objects and such a
    word may stand between."""
    word = s.toks[first].text
    belongs = first > 0 and s.toks[first - 1].text in _BELONGS
    if not (_genitive_l(word) or belongs):
        return False
    for k in range(first - 1, max(-1, first - 1 - _POSSESSOR_REACH), -1):
        if k in target_ends and k < first - 1:
            return True
        between = s.toks[k].text
        if not (_adjective(between) or between in _BELONGS):
            return False
    return False


# Nouns of an armed subject whose party a clause after it tells ("مجموعة مسلحة يعتقد أنها
# تتبع لخلايا تنظيم الدولة", "مسلحون ينتمون إلى ...").
_ARMED_SUBJECTS = frozenset({"مجموعه", "مسلحون", "مسلحين", "مسلحان", "خليه", "خلايا", "عناصر",
                             "مجموعات", "مسلح", "مسلحه", "مجهولون", "مجهولين"})
_SUBJECT_REACH = 8


def _affiliated_subject(s: ArSentence, first: int, act_tokens: Sequence[int]) -> bool:
    """Whether the party at token ``first`` is the one an act's armed subject belongs to:
    the act word, an armed noun right after it, then a word of belonging before the party,
    within a few words ("استهدفت مجموعة مسلحة يُعتقد أنها تتبع لخلايا تنظيم الدولة")."""
    for a in act_tokens:
        if not (a + 1 < first <= a + _SUBJECT_REACH) or s.toks[a + 1].text not in _ARMED_SUBJECTS:
            continue
        if any(s.toks[j].text in _BELONGS or s.toks[j].text.startswith(("ينتم", "تنتم"))
               for j in range(a + 2, first)):
            return True
    return False


# Nouns of a part of a party between an agent phrase and the party ("نفذتها مجموعة من عناصر
# قسد", "بنيران عدد من مقاتلي الهيئة").
_PARTITIVES = frozenset({"من", "مجموعه", "مجموعات", "عناصر", "مقاتلي", "مقاتلين", "افراد",
                         "خليه", "خلايا", "عدد", "وحدات", "قوه"})
_PARTITIVE_REACH = 4


def _partitive_agent(s: ArSentence, first: int, agent_ends: set[int]) -> bool:
    """Whether an agent phrase stands before the party past words naming a part of it only:
    "عملية تسلل نفذتها مجموعة من عناصر قوات سوريا الديمقراطية"."""
    for k in range(first - 1, max(-1, first - 1 - _PARTITIVE_REACH), -1):
        if s.toks[k].text not in _PARTITIVES:
            return k in agent_ends and k < first - 1
    return False


def _subject_of_verb(s: ArSentence, last: int, act_tokens: Sequence[int]) -> bool:
    """Whether an act verb in the past stands right after the party's name, in its clause:
    plural ("استهدفوا", "هاجموا") or feminine ("هاجمت", "قصفت"), not a noun ("هجمات",
    "برصاص")."""
    k = last + 1
    if k not in act_tokens or s.clause_of_token(k) != s.clause_of_token(last):
        return False
    word = s.toks[k].text
    if word.startswith(("ب", "ل")):
        return False
    return word.endswith("وا") or (word.endswith("ت") and not word.endswith("ات"))


# How far back from "الخاضعة لسيطرة X" the preposition of the fire's origin may stand.
_ORIGIN_REACH = 8


def _controls_origin(lex: ArabicLexicon, s: ArSentence, first: int,
                     act_tokens: Sequence[int]) -> bool:
    """Whether the party at ``first`` holds the place an act was fired from: "أطلقت من بلدة
    المزرعة، الخاضعة لسيطرة القوات الحكومية" (an act, then "من", a place, then the state of
    control naming the party)."""
    if first < 2 or not any(stem.endswith("سيطره") for stem, _ in stems(s.toks[first - 1].text)):
        return False
    if not _in(s.toks[first - 2].text, lex.state):
        return False
    named = {f for _, _, _, f, _ in s.actors}
    for k in range(first - 3, max(-1, first - 3 - _ORIGIN_REACH), -1):
        if k in named:
            return False  # "برصاص قناص من الفصائل على محور X الخاضعة لسيطرة ...": "من" names
            # the shooter, and X is where the victim was
        if s.toks[k].text == "من" and any(0 < k - a <= _ORIGIN_REACH for a in act_tokens):
            return True
    return False


def _told_by(s: ArSentence, first: int, source_ends: set[int]) -> bool:
    """Whether the actor starting at token ``first`` is named as who tells of the act:
    right after a source verb, or after one or two head words ("أفاد مصدر في الأسايش",
    "أعلنت قيادة قوات الحرس الوطني")."""
    if first - 1 in source_ends:
        return True
    for gap in (1, 2):
        if first - 1 - gap in source_ends and all(
                s.toks[j].text in _SOURCE_HEADS for j in range(first - gap, first)):
            return True
    return False


# A party's own forces, named by a pronoun that points back at it ("أعلنت قسد أن مقاتليه
# نفذوا هجوماً", "على مواقعها").
_OWN_FORCES = frozenset({"مقاتليه", "مقاتليها", "مقاتلوه", "مقاتلوها", "قواته", "قواتها",
                         "عناصره", "عناصرها", "وحداته", "وحداتها", "مواقعه", "مواقعها",
                         "نقاطه", "نقاطها"})
_OWN_REACH = 3
# "أن مقاتليه نفذوا يوم الإثنين 7 آب هجوماً": with a plural verb right after them, the act
# noun may stand past a date.
_OWN_VERB_REACH = 10


def _own_forces(s: ArSentence, told: dict[str, int], act_tokens: Sequence[int],
                target_ends: set[int], reply_at: set[int], roles: dict[str, str],
                strong: set[str]) -> None:
    """A source that is a party: when the statement's subject is the source's own forces
    ("أعلن المركز الإعلامي لقسد أن مقاتليه نفذوا هجوماً على موقع للفصائل"), the source is
    the attacker; its own positions hit ("قصف استهدف مواقعها") make it the target."""
    if len(told) != 1:
        return
    (name, end), = told.items()
    for k in range(end + 1, len(s.toks)):
        word = s.toks[k].text
        if word not in _OWN_FORCES:
            continue
        if any(0 < r - k <= _OWN_REACH for r in reply_at):
            return  # "قال الجيش الإسرائيلي إن قواته ردت على إطلاق نار": a reply, no attack
        verb_next = k + 1 < len(s.toks) and s.toks[k + 1].text.endswith("وا")
        reach = _OWN_VERB_REACH if verb_next else _OWN_REACH
        if word.startswith(("مقاتل", "قوات", "عناصر", "وحدات")) and k - 1 not in target_ends \
                and any(0 < a - k <= reach for a in act_tokens):
            roles[name] = "attacker"
            strong.add(name)
            return
        if k - 1 in target_ends or any(0 < k - a <= _OWN_REACH for a in act_tokens):
            roles.setdefault(name, "target")
            return


# How far after an accusing verb the accused party may be named.
_ACCUSE_REACH = 4


def _accused(lex: ArabicLexicon, s: ArSentence, st: Sequence[Sequence[tuple[str, int]]],
             roles: dict[str, str], strong: set[str]) -> None:
    """The party a sentence accuses is the attacker: "حمّلت أنقرة قوات النظام مسؤولية
    الهجوم" (verb, accuser, accused) and "«قسد» تتهم فصائل دمشق بمهاجمة" (accuser, verb,
    accused).  The accuser tells of the act; it is not its author."""
    for m in lex.accuse.find(s.toks, st):
        before = [a for a in s.actors if 0 < m.first - a[4] <= 3]
        after = [a for a in s.actors if 0 < a[3] - m.last <= _ACCUSE_REACH]
        if not after:
            continue
        if before or (len(after) == 1 and after[0][3] != m.last + 1):
            accused = after[0]  # accuser, verb, accused (or the accuser unnamed)
        elif len(after) > 1:
            accused = after[1]  # verb, accuser, accused
        else:
            continue
        if accused[2].side == "civilian":
            continue
        accuser = before[-1] if before else after[0] if accused is not after[0] else None
        if accuser is not None and accuser[2].name == accused[2].name:
            continue
        roles[accused[2].name] = "attacker"
        strong.add(accused[2].name)
        if accuser is not None and roles.get(accuser[2].name) == "attacker":
            del roles[accuser[2].name]


def _clash_partner(s: ArSentence, roles: dict[str, str]) -> None:
    """"مقتل ثلاثة من عناصر الجيش خلال اشتباكات مع مقاتلين من قسد": with every party a
    target and no attacker, the one the others clashed "with" is the side that hit them."""
    if not roles or any(r == "attacker" for r in roles.values()):
        return
    partners = [info.name for _, _, info, first, _ in s.actors
                if roles.get(info.name) == "target" and info.side != "civilian"
                and any(s.toks[j].text == "مع" for j in range(max(0, first - 3), first))]
    victims = [n for n, r in roles.items() if r == "target" and n not in partners]
    if len(set(partners)) == 1 and victims:
        roles[partners[0]] = "attacker"


# A sentence opening "وكان(ت) ... قد" + verb recalls events before the report's; the
# subject between them may be long ("وكانت جبهات سد تشرين وجسر قره قوزاق قد شهدت").
_PLUPERFECT = frozenset({"وكان", "وكانت", "كان", "كانت"})
_PLUPERFECT_REACH = 10
# Words before a month named without a day.
_MONTH_HEADS = frozenset({"في", "خلال", "مطلع", "اواخر", "اوايل", "منتصف", "شهر", "نهايه",
                          "بدايه", "اوسط"})
# After a generic party, before the actor it belongs to ("مجموعات تابعة لقسد").
_AFFILIATION = frozenset({"تابعه", "التابعه", "تابع", "التابع", "مواليه", "المواليه", "موالي",
                          "الموالي", "المرتبطه", "مرتبطه", "المدعومه", "مدعومه", "المحسوبه",
                          "محسوبه"})
# Words between a source verb and the actor it names ("أفاد مصدر في الأسايش").
_SOURCE_HEADS = frozenset({"مصدر", "مصادر", "بيان", "مسؤول", "متحدث", "المتحدث", "ناطق",
                           "قائد", "قياده", "مراسل", "اعلام", "وكاله", "قوات", "المركز",
                           "الاعلامي", "مكتب", "في"})


def _genitive_l(word: str) -> bool:
    """A name with the preposition ل on it ("لقوات", "للطيران", "لتنظيم"): right after an
    act noun it names the act's author."""
    return word.startswith("ل") and len(word) > 3


def _token_at(s: ArSentence, orig_pos: int) -> int:
    """Index of the token at an original-text offset."""
    for k, t in enumerate(s.toks):
        if s.norm.offsets[t.end - 1] >= orig_pos:
            return k
    return max(0, len(s.toks) - 1)
