"""Fatality and injury counts from report sentences.

Conventions (ACLED/UCDP): "dozens" = 12, "tens" = 10, "hundreds" = 100; "a number of",
"several", "many" are unknown; unknown stays ``None``, never 0. "killed and wounded N"
gives no killed figure (the split is unknown).

How figures combine, and why:

* Figures are grouped by the side they describe (government, opposition, Turkish,
  Russian, civilians, or unspecified) because reports list the dead per side:
  "21 regime fighters were killed ... Five militants were also killed" is 26.
* Within one side the same number repeated (headline, lead, quote) is one figure;
  "also"/"another"/"in addition" adds; a different number without such a word is another
  estimate, kept as low/high. ``best`` is the highest estimate: tolls only grow as bodies
  are recovered and reports are updated ("rose to"), so the larger figure is normally the
  later one; low/high span all estimates.
* An unspecified-side figure ("7 people were killed") may be the total of the per-side
  ones, so the final count is the larger of the two sums.
* "including 3 civilians" is a subset, never added.
* The attackers' own dead ("two of the attackers killed themselves") are never part of the
  victims' figures, so they are added to the final count.
* Coordinated objects of one killing verb add up ("killing seven children and nine adults");
  a coordinated figure that is the subject of its own verb ("..., and three rebels died")
  is counted once, as that subject.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from tracker.core.text import CaselessPattern, LiteralGate

UNITS = {
    "zero": 0, "no": 0, "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "three": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
VAGUE = {"dozens": 12, "a dozen": 12, "dozen": 12, "tens": 10, "hundreds": 100, "scores": 20}
UNKNOWN_WORDS = ("a number of", "several", "many", "some", "a few", "numerous", "scores of")

_UNIT_ALT = "|".join(sorted(UNITS, key=len, reverse=True))
_TENS_ALT = "|".join(TENS)
_WORDNUM = (
    rf"(?:(?:{_UNIT_ALT}|{_TENS_ALT})\s+hundred(?:\s+and)?(?:\s+(?:{_TENS_ALT})(?:[-\s](?:{_UNIT_ALT}))?"
    rf"|\s+(?:{_UNIT_ALT}))?|(?:{_TENS_ALT})(?:[-\s](?:{_UNIT_ALT}))?|{_UNIT_ALT})"
)
_NUM_WORDS = (
    r"a\s+dozen", r"dozens(?:\s+of)?", r"tens\s+of", r"hundreds(?:\s+of)?", r"scores\s+of",
    r"a\s+number\s+of", "several", "many", "numerous", r"a\s+few",
)
_NUM = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|{'|'.join(_NUM_WORDS)}|{_WORDNUM})"
_QUAL_WORDS = (
    r"at\s+least", r"more\s+than", "over", "about", "around", "nearly", "almost", r"up\s+to",
    "some", "approximately", "roughly", r"as\s+many\s+as", r"an\s+estimated", "another",
    r"a\s+further", "further", "other", "also",
)
_QUAL = rf"(?:(?:{'|'.join(_QUAL_WORDS)})\s+)*"
# The first word of every match of a pattern that starts with "\b{_QUAL}{_NUM}" is a digit
# run or one of these words (see _figure_starts).
_FIGURE_FIRST_WORDS = frozenset(
    {w.split("\\")[0].split("(")[0] for w in _QUAL_WORDS + _NUM_WORDS} | set(UNITS) | set(TENS)
)
# Relatives named after a first victim ("a man and his two sons", "two children and their
# mother"): a singular noun counts one, a plural one needs its number ("parents" is two).
KIN_SINGULAR = ("mother", "father", "wife", "husband", "son", "daughter", "brother", "sister",
                "baby", "grandson", "granddaughter", "grandmother", "grandfather", "nephew",
                "niece", "cousin", "uncle", "aunt")
KIN_PLURAL = ("sons", "daughters", "brothers", "sisters", "babies", "grandchildren", "parents",
              "cousins", "nephews", "nieces", "relatives")
PERSON_NOUNS = (
    "people|persons|person|civilians|civilian|soldiers|soldier|troops|trooper|fighters|"
    "fighter|members|member|militants|militant|rebels|rebel|jihadists|jihadist|terrorists|"
    "terrorist|insurgents|insurgent|gunmen|gunman|forces|personnel|officers|officer|men|man|"
    "women|woman|children|child|kids|commanders|commander|servicemen|serviceman|guards|guard|"
    "militiamen|militia|militias|recruits|elements|combatants|conscripts|others|residents|"
    "villagers|workers|policemen|policeman|staff|individuals|paramilitaries|mercenaries|"
    "operatives|loyalists|boys|girls|infants|babies|family|families|farmers|volunteers|"
    "attackers|attacker|assailants|assailant|adults|adult|girl|boy|baby|infant|teenagers|"
    "teenager|teens|teen|farmer|shepherds|shepherd|herders|herder|students|student|"
    "doctors|doctor|nurses|nurse|teachers|teacher|drivers|driver|journalists|journalist|"
    "rescuers|rescuer|paramedics|paramedic|passengers|passenger|worker|youths|youth|"
    "volunteer|colleagues|colleague|medics|medic|pedestrians|pedestrian|worshippers|"
    "schoolgirls|schoolgirl|schoolboys|schoolboy|pupils|pupil|pilots|pilot|citizens|citizen|"
    "locals|"
    + "|".join(KIN_SINGULAR + KIN_PLURAL)
)
_STOP = (r"(?:killed|killing|kill|kills|left|leaving|wounded|wounding|injured|injuring|were|was|"
         r"is|are|had|has|have|that|which|who|after|when|while|in|on|at|by|\d+(?!-))\b")
_W = rf"(?!{_STOP})[\w'-]+"
# An age told after the noun: "a young man in his twenties".
_AGE_AFTER = (r"(?:\s+in\s+(?:his|her|their)\s+(?:early\s+|mid-|late\s+)?(?:teens|twenties|"
              r"thirties|forties|fifties|sixties|seventies|eighties|nineties))?")
_NP = rf"(?P<np>(?:{_W}\s+){{0,4}}?(?:{PERSON_NOUNS})\b{_AGE_AFTER}(?:\s+{_W}){{0,7}}?)"
_AUX = (
    r"(?:\s+(?:were|was|have\s+been|has\s+been|had\s+been|are|is|being|got|reportedly|also|"
    r"all|later|allegedly|subsequently|been|had|have|has))*"
)
_KILLED = (r"(?:killed|dead|died|slain|martyred|perished|lost\s+their\s+lives|lost\s+his\s+life|"
           r"shot\s+dead|gunned\s+down)")
# "Two civilians, an elderly man and a woman, were killed": an appositive naming the victims.
_NAMING_APPOSITIVE = (r"(?:\s*,\s*(?:an?|the|one|two|three|four|five|six|his|her|their)\s+"
                      r"[^,;.]{2,60}?,)?")
_INJURED = r"(?:injured|wounded|hurt)"
_BOTH = rf"(?:{_KILLED}\s+(?:and|or)\s+{_INJURED}|{_INJURED}\s+(?:and|or)\s+{_KILLED})"

_I = re.IGNORECASE
_SUBJECT_BOTH = CaselessPattern(rf"\b{_QUAL}(?P<num>{_NUM})\b\s+{_NP}{_AUX}\s+{_BOTH}\b")
_SUBJECT_KILLED = CaselessPattern(
    rf"\b{_QUAL}(?P<num>{_NUM})\b\s+{_NP}{_NAMING_APPOSITIVE}{_AUX}\s+{_KILLED}\b")
_SUBJECT_INJURED = CaselessPattern(rf"\b{_QUAL}(?P<num>{_NUM})\b\s+{_NP}{_AUX}\s+{_INJURED}\b")
_BARE = CaselessPattern(rf"\b{_QUAL}(?P<num>\d+|{_WORDNUM})\b(?:\s+(?:were|have\s+been|had\s+been|"
                   rf"also|reportedly))*\s+(?P<verb>killed|dead|injured|wounded)"
                   rf"(?!\s+(?:and|or)\b)")
_OBJECT_BOTH = CaselessPattern(
    rf"\b(?:killing|killed|killed)\s+and\s+(?:wounding|injuring|wounded|injured)\s+"
    rf"(?:of\s+)?{_QUAL}(?P<num>{_NUM})\b")
_OBJECT_KILLED = CaselessPattern(
    rf"\b(?:killing|killed|kills|kill|claimed\s+the\s+lives\s+of|claiming\s+the\s+lives\s+of"
    rf"|left|leaving|the\s+deaths?\s+of|the\s+killing\s+of)\s+(?:all\s+)?(?:the\s+)?{_QUAL}"
    rf"(?P<num>{_NUM})\b\s+{_NP}"
    rf"(?P<dead>\s+dead)?")
_OBJECT_INJURED = CaselessPattern(
    rf"\b(?:injuring|wounding|injured|wounded|injures|wounds)\s+{_QUAL}(?P<num>{_NUM})\b\s+{_NP}")
_TOLL = CaselessPattern(rf"\b(?:death\s+toll|toll|number\s+of\s+(?:dead|deaths|fatalities))\s+"
                   rf"(?:[\w'\u2019-]+\s+){{0,10}}?(?:to|at|of|reached|is|was|stands\s+at)\s+"
                   rf"{_QUAL}(?P<num>\d+|{_WORDNUM})\b\b")
_ZERO = CaselessPattern(
    r"\b(?:(?:nobody|no\s+one|no-one|none(?:\s+of\s+(?:them|the\s+\w+|those\s+\w+))?)\s+"
    r"(?:was|were|had\s+been|has\s+been|have\s+been)\s+(?:(?:reported|believed|said\s+to\s+"
    r"have\s+been)\s+)?(?:killed|hurt|harmed|injured|wounded|dead|reported\s+(?:killed|hurt|"
    r"injured|wounded))"
    r"|no\s+(?:[a-z-]+\s+(?:or|and)\s+)?(?:one|deaths?|casualties|fatalities|lives|injuries|(?:(?:material\s+or\s+)?human|"
    r"human\s+or\s+material)\s+(?:casualties|losses)|loss\s+of\s+(?:human\s+)?life)\s+"
    r"(?:\w+\s+){0,2}?(?:killed|reported|lost|recorded|dead|confirmed|documented)"
    r"|without\s+(?:causing\s+)?(?:any\s+)?(?:(?:human\s+)?casualties|deaths|fatalities|"
    r"injuries|loss\s+of\s+(?:human\s+)?life)"
    r"|no\s+(?:human\s+)?casualties|no\s+(?:deaths|fatalities)"
    r"|no\s+reports?\s+of\s+(?:any\s+)?(?:casualties|deaths|fatalities|injuries)"
    r"|material\s+damage\s+only|only\s+material\s+damage)\b")

# "soldiers were killed" with no number: a death is claimed but not counted.
_UNCOUNTED = CaselessPattern(rf"\b(?:were|have\s+been|had\s+been)\s+(?:\w+\s+)?{_KILLED}\b"
                        rf"(?!\s+(?:and|or)\s+(?:wounded|injured))")
_SUBSET_BEFORE = re.compile(r"(?:including|among\s+them|among\s+whom|of\s+whom|of\s+them|"
                            r"amongst\s+them)\s+(?:\w+\s+){0,2}$", _I)
_ADDITIVE = re.compile(r"\b(?:also|another|in\s+addition|additional|a\s+further|further|"
                       r"as\s+well|too|more\s+were)\b", _I)

_GROUPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("civilian", re.compile(r"\b(?:civilians?|citizens?|locals|children|child|women|woman|"
                            r"residents|villagers|"
                            r"kids|infants|famil(?:y|ies)|farmers|workers)\b", _I)),
    # "Turkish-backed factions", "Russian-backed militias": the proxies, not the patron's
    # own soldiers.
    ("opposition", re.compile(r"\b(?:turk(?:ish|ey)|ankara)[-\s](?:backed|supported|allied|"
                              r"aligned|affiliated|funded)\b", _I)),
    ("government", re.compile(r"\b(?:russian?|moscow|iranian?|tehran)[-\s](?:backed|supported|"
                              r"allied|aligned|affiliated|funded)\b", _I)),
    ("turkish", re.compile(r"\bturk(?:ish|ey)\b", _I)),
    ("russian", re.compile(r"\brussian?\b", _I)),
    ("government", re.compile(r"\b(?:regime|government|pro-government|loyalist|assad|syrian\s+"
                              r"(?:army|troops|soldiers)|army|saa|hezbollah|iranian|iran-backed|"
                              r"allied\s+militia|tiger)\b", _I)),
    ("opposition", re.compile(r"\b(?:militants?|rebels?|jihadists?|terrorists?|insurgents?|"
                              r"opposition|hts|nusra|extremists?|factions?|hurras|tahrir|"
                              r"ansar|gunmen|attackers|assailants|bombers?)\b", _I)),
)


@dataclass(frozen=True, slots=True)
class Figure:
    """One casualty figure found in a sentence.

    ``kind`` is "killed", "injured" or "killed_or_injured"; ``value`` None means the
    report gives no number ("a number of"); ``group`` is the side the figure describes.
    """

    value: int | None
    kind: str
    group: str
    additive: bool
    subset: bool
    words: str
    sentence: int


@dataclass(frozen=True, slots=True)
class Toll:
    """Combined casualty figures for one incident, with the words they came from."""

    best: int | None = None
    low: int | None = None
    high: int | None = None
    injured: int | None = None
    evidence: tuple[str, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)
    # Deaths were reported but not counted ("soldiers were killed"): unknown, not zero.
    uncounted: bool = False


_SPACES = re.compile(r"\s+")
_OF_END = re.compile(r"\s+of$")
_PLAIN_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")


def parse_count(words: str) -> int | None:
    """Turn a number expression into an int; vague quantities without a value give None.

    >>> parse_count("twenty-one"), parse_count("dozens of"), parse_count("several")
    (21, 12, None)
    """
    w = _SPACES.sub(" ", words.strip().lower().replace("-", " "))
    w = _OF_END.sub("", w)
    if not w:
        return None
    if _PLAIN_NUMBER.fullmatch(w):
        return int(w.replace(",", ""))
    if w in VAGUE:
        return VAGUE[w]
    if any(w == u or w.startswith(u + " ") for u in UNKNOWN_WORDS):
        return None
    total = 0
    current = 0
    for token in w.split():
        if token == "and":
            continue
        if token in UNITS:
            current += UNITS[token]
        elif token in TENS:
            current += TENS[token]
        elif token == "hundred":
            current = max(current, 1) * 100
        elif token == "thousand":
            total += max(current, 1) * 1000
            current = 0
        else:
            return None
    return total + current


def _group_of(text: str) -> str:
    """The side a casualty noun phrase describes ("any" when it names none)."""
    for name, pattern in _GROUPS:
        if pattern.search(text):
            return name
    return "any"


def _is_subset(sentence: str, start: int) -> bool:
    """True when the figure at ``start`` is introduced as part of another ("including 3")."""
    return bool(_SUBSET_BEFORE.search(sentence[max(0, start - 40) : start]))


_VERB = CaselessPattern(rf"\b(?:{_KILLED}|{_INJURED})\b")


_TOKEN = re.compile(r"\w+")


def _figure_starts(sentence: str) -> list[int] | None:
    """Offsets where a "\b{_QUAL}{_NUM}..." pattern can match in an ASCII ``sentence``.

    Such a match starts at a word that is a digit run or in _FIGURE_FIRST_WORDS (every
    alternative of _QUAL and _NUM begins with one and ends it with a space, hyphen, comma
    or word boundary), so trying only these offsets finds the same leftmost match as a
    scan of every offset.  None for non-ASCII text (plain search then).
    """
    if not sentence.isascii():
        return None
    words = _FIGURE_FIRST_WORDS
    return [m.start() for m in _TOKEN.finditer(sentence.lower())
            if m.group(0) in words or m.group(0).isdigit()]


def _near_verbs(
    pattern: CaselessPattern,
    sentence: str,
    verbs: Sequence[tuple[int, int]] | None = None,
    starts: Sequence[int] | None = None,
) -> list[re.Match[str]]:
    """Matches of a subject-first pattern, searched only in the 160 characters up to each
    casualty verb: the same results as ``finditer`` on these patterns, far faster, since
    they all end at such a verb.  ``verbs`` are the verb spans when already known;
    ``starts`` (from :func:`_figure_starts`) the only offsets where a match can start."""
    out: list[re.Match[str]] = []
    if verbs is None:
        verbs = [m.span() for m in _VERB.finditer(sentence)]
    # ``starts`` is only given for ASCII text, where the lower-cased twin matches alike.
    low = sentence.lower() if starts is not None else sentence
    for v_start, v_end in verbs:
        end = min(len(sentence), v_end + 40)
        lo = max(0, v_start - 160)
        if starts is None:
            m = pattern.search(sentence, lo, end)
        else:
            m = None
            for pos in starts[bisect_left(starts, lo) :]:
                if pos >= end:
                    break
                m = pattern.match_ascii(sentence, low, pos, end)
                if m is not None:
                    break
        if m and not any(m.start() == o.start() for o in out):
            out.append(m)
    return out


_AUX_WORD = re.compile(r"\b(?:were|was|been|are|is|got)\b", _I)
_OBJECT_START = re.compile(rf"(?:{_NUM})\b|the\b|their\b|his\b", _I)


_INTRANSITIVE_END = re.compile(r"\b(?:died|perished|lost\s+(?:their|his|her)\s+li(?:ves|fe))$",
                               _I)


def _active_voice(m: re.Match[str], sentence: str) -> bool:
    """True when "N ... killed" is active ("a group killed 21 soldiers"), not a toll.

    Singular "a/an" subjects need an auxiliary ("a soldier was killed"); any subject whose
    verb is followed by an object (a number or determiner) is the killer, not the killed.
    """
    text = m.group(0)
    if _INTRANSITIVE_END.search(text):
        return False  # "a woman died", "two men perished": no object, so never the killer
    has_aux = bool(_AUX_WORD.search(text[len(m.group("num")):]))
    if m.group("num").strip().lower() in ("a", "an", "one") and not has_aux:
        return True
    after = sentence[m.end() :].lstrip()
    return not has_aux and bool(
        _OBJECT_START.match(after)
    )


_CASUALTY_GATE = LiteralGate((
    "kill", "dead", "died", "death", "wound", "injur", "hurt", "slain", "martyr", "lives", "life",
    "perish", "toll", "casualt", "fatalit", "gunned", "harm", "losses", "material damage",
))
_APPOSITIVE = re.compile(r"(?:,\s+(?:(?:\w+|\d+)\s+of\s+(?:them|whom)\s+[\w\s'-]+?|including\s+"
                         r"[\w\s'-]+?|among\s+them\s+[\w\s'-]+?|(?:also\s+)?(?:known|referred\s+to|"
                         r"identified)\s+as\s+[\w\s'.-]+?|(?:called|nicknamed|dubbed|named)\s+"
                         r"[\w\s'.-]+?|from\s+[\w\s'-]+?))+,")
_AND_MORE = re.compile(rf"^\s*(?:,\s*|\s+and\s+|,\s+and\s+){_QUAL}(?P<num>{_NUM})\b\s+"
                       rf"(?:[\w'-]+\s+){{0,2}}?(?:{PERSON_NOUNS})\b", _I)


_KIN = "|".join(KIN_SINGULAR + KIN_PLURAL + ("children", "child", "kids"))
_AND_KIN = re.compile(rf"\s*,?\s+and\s+(?:his|her|their|the)\s+(?:(?P<num>{_NUM})\s+)?"
                      rf"(?:(?:young|little|infant|teenage|baby|elderly|two-year-old)\s+)?"
                      rf"(?P<kin>{_KIN})\b", _I)


# "killed their mother and father", "killing his wife and son": relatives named without a
# number are counted one each (two for "parents").
_KIN_OBJECT_WORDS = "|".join((*KIN_SINGULAR, "parents"))
_OBJECT_KIN = re.compile(
    rf"\b(?:killing|killed|kills|kill|claimed\s+the\s+lives\s+of|claiming\s+the\s+lives\s+of)"
    rf"\s+(?:his|her|their)\s+(?:(?:young|little|infant|teenage|baby|elderly)\s+)?"
    rf"(?P<k1>{_KIN_OBJECT_WORDS})\b"
    rf"(?:\s*,?\s+and\s+(?:(?:his|her|their)\s+)?(?:(?:young|little|infant|teenage|baby|"
    rf"elderly)\s+)?(?P<k2>{_KIN_OBJECT_WORDS})\b)?", _I)


def _kin_word_count(word: str) -> int | None:
    """How many relatives one kin word names without a number: two for "parents", one for a
    singular; None for another plural ("sons")."""
    kin = word.lower()
    if kin == "parents":
        return 2
    return 1 if kin in KIN_SINGULAR or kin == "child" else None


def kin_count(m: re.Match[str]) -> int | None:
    """How many relatives an ``_AND_KIN`` match names (None: a plural without a number)."""
    if m.group("num"):
        return parse_count(m.group("num"))
    return _kin_word_count(m.group("kin"))


# A second, coordinated subject inside a subject noun phrase: "... and nine rebels".
_AND_SUBJECT = re.compile(rf"(?<!between)(?<!between\s\w{{3}})(?<!between\s\w{{4}})"
                          rf"(?<!between\s\w{{5}})\s+and\s+{_QUAL}(?P<num>{_NUM})\b\s+"
                          rf"(?:(?!and\b|or\b)[\w'-]+\s+){{0,3}}?(?:{PERSON_NOUNS})\b", _I)


# The attacking side's own dead ("two of the attackers killed themselves"): never part of
# the victims' toll, so they are added to it.
_ATTACKERS = re.compile(r"\b(?:attackers?|assailants?|suicide\s+bombers?)\b", _I)

_AGE_BEFORE = re.compile(r"\b(?:aged|ages?|between)\s+(?:between\s+|from\s+)?$", _I)


_CLAUSE_PUNCT = re.compile(r"[,;.]")
_ALSO_AFTER = re.compile(r"\b(?:also|too|as well)\b", _I)
_ALSO_BEFORE = re.compile(r"\b(?:also|another)\s*$", _I)


def _add_kin(figures: list[tuple[int, Figure]], kin: re.Match[str]) -> None:
    """Fold the relatives named after the last figure into it ("a man and his two sons" is
    one figure of 3): the phrase is one list of victims, another estimate of the same toll
    if the report gives a total elsewhere."""
    value = kin_count(kin)
    at, first = figures[-1]
    if value is None or first.value is None:
        return
    figures[-1] = (at, replace(first, value=first.value + value,
                               words=f"{first.words} {kin.group(0).strip()}"))


# A day or a time before the dash of a dateline is no count of the dead.
_DATELINE_NUMBER = re.compile(r"^(.{0,40}?)(\b\d{1,2}(?::\d{2})?\s*[-\u2013\u2014]\s+)(?=[A-Z])")


def find_figures(sentence: str, index: int = 0) -> list[Figure]:
    """All casualty figures in one sentence, left to right, without double counting.

    Appositions ("seven civilians, five of them children, were killed") are removed first:
    they restate part of a figure and would break the noun phrase.
    """
    if not _CASUALTY_GATE(sentence):
        return []
    sentence = _APPOSITIVE.sub(" ", sentence)
    lead = _DATELINE_NUMBER.match(sentence)
    if lead is not None:  # "ALEPPO, Jan. 2 - Three civilians ...", "20:10 - Twelve ..."
        sentence = sentence[: lead.start(2)] + " " * (lead.end(2) - lead.start(2)) \
            + sentence[lead.end(2):]
    figures: list[tuple[int, Figure]] = []
    taken: list[tuple[int, int]] = []
    verbs = [m.span() for m in _VERB.finditer(sentence)]
    starts = _figure_starts(sentence) if verbs else None

    def add(m: re.Match[str], kind: str, group_text: str | None = None) -> None:
        if any(m.start() < e and s < m.end() for s, e in taken):
            return
        taken.append((m.start(), m.end()))
        num_words = m.group("num")
        value = parse_count(num_words)
        if num_words.strip().lower() in ("no", "zero"):
            value = 0
        np_text = group_text if group_text is not None else m.group(0)
        tail = sentence[m.end() : m.end() + 60]
        group = "attacker" if _ATTACKERS.search(np_text) else _group_of(np_text)
        if group == "any" and kind != "injured":
            group = _group_of(_CLAUSE_PUNCT.split(tail, 1)[0]) if "in an attack" not in tail \
                else "any"
            if group not in ("civilian", "any"):
                group = "any"
        subset = _is_subset(sentence, m.start())
        additive = bool(_ADDITIVE.search(m.group(0))) or bool(
            _ALSO_AFTER.search(sentence[m.end() : m.end() + 25])
        ) or bool(_ALSO_BEFORE.search(sentence[max(0, m.start() - 12) : m.start()]))
        figures.append((m.start(), Figure(value, kind, group, additive, subset,
                                          m.group(0).strip(), index)))

    for m in _OBJECT_BOTH.finditer(sentence):
        add(m, "killed_or_injured")
    for m in _near_verbs(_SUBJECT_BOTH, sentence, verbs, starts):
        add(m, "killed_or_injured")
    for m in _near_verbs(_SUBJECT_KILLED, sentence, verbs, starts):
        if _active_voice(m, sentence):
            continue
        np_text = m.group("np")
        inner = _AND_SUBJECT.search(np_text)
        kin = None if inner else _AND_KIN.search(np_text)
        add(m, "killed", np_text[: inner.start()] if inner else np_text)
        if kin is not None and figures and figures[-1][0] == m.start():
            _add_kin(figures, kin)
        if inner and _AGE_BEFORE.search(sentence[: m.start()]):
            inner = None  # "children aged between six and ten and a woman": an age, not a toll
        if inner and figures and figures[-1][0] == m.start():
            # "15 soldiers and nine rebels were killed": each side's figure counts, so the
            # first one must not be read as another estimate of the same total.
            first = figures[-1][1]
            if first.group == "any":
                figures[-1] = (m.start(), replace(first, group=f"coord{len(figures)}"))
            at = m.start("np") + inner.start()
            # "an officer and three soldiers": the second figure is its own slot, never a
            # rival estimate of the first.
            second = _group_of(inner.group(0))
            figures.append((at, Figure(parse_count(inner.group("num")), "killed",
                                       second if second != "any" else f"and{len(figures)}",
                                       True, False, inner.group(0).strip(), index)))
    for m in _OBJECT_KIN.finditer(sentence):
        if any(m.start() < e and s < m.end() for s, e in taken):
            continue
        taken.append((m.start(), m.end()))
        # _OBJECT_KIN names only singulars and "parents": every word counts.
        relatives = sum(_kin_word_count(w) or 0 for w in (m.group("k1"), m.group("k2")) if w)
        figures.append((m.start(), Figure(relatives, "killed", "civilian", False, False,
                                          m.group(0), index)))
    for m in _OBJECT_KILLED.finditer(sentence):
        word = m.group(0).split()[0].lower()
        if word in ("left", "leaving") and not m.group("dead"):
            continue
        add(m, "killed", m.group("np"))
        kin = _AND_KIN.search(m.group("np")) or _AND_KIN.match(sentence, m.end())
        if kin is not None and figures and figures[-1][0] == m.start():
            _add_kin(figures, kin)
            continue
        more = _AND_MORE.match(sentence[m.end() :])
        at_more = m.end() + (more.start("num") if more else 0)
        if more and any(s <= at_more < e for s, e in taken):
            # "killing six civilians, and three rebels died": the second figure is the
            # subject of its own verb, already counted; it is not a second object.
            more = None
        if more and figures and figures[-1][0] == m.start():
            # "killing two children and a woman": coordinated victims add up.
            first = figures[-1][1]
            if first.group == "any":
                figures[-1] = (m.start(), replace(first, group=f"coord{len(figures)}"))
            value = parse_count(more.group("num"))
            figures.append((m.end() + more.start(), Figure(value, "killed", f"and{len(figures)}",
                                                           True, False, more.group(0).strip(),
                                                           index)))
    for m in _near_verbs(_SUBJECT_INJURED, sentence, verbs, starts):
        add(m, "injured", m.group("np"))
    for m in _OBJECT_INJURED.finditer(sentence):
        add(m, "injured", m.group("np"))
    for m in _TOLL.finditer(sentence):
        add(m, "killed", "")
    for m in _near_verbs(_BARE, sentence, verbs, starts):
        verb = m.group("verb").lower()
        add(m, "killed" if verb in ("killed", "dead") else "injured", "")
    for m in _UNCOUNTED.finditer(sentence):
        if any(m.start() < e and s < m.end() for s, e in taken):
            continue
        taken.append((m.start(), m.end()))
        figures.append((m.start(), Figure(None, "killed", "any", False, False, m.group(0), index)))
    for m in _ZERO.finditer(sentence):
        if any(m.start() < e and s < m.end() for s, e in taken):
            continue
        taken.append((m.start(), m.end()))
        figures.append((m.start(), Figure(0, "killed", "any", False, False, m.group(0), index)))
    figures.sort(key=lambda item: item[0])
    periods = _cumulative_clauses(sentence)
    return [f for start, f in figures if not any(s <= start < e for s, e in periods)]


# A total over a period ("fifteen killed in the town over the past seven days", "more than
# a hundred since the beginning of the year") sums many acts: it is no act's toll.  A day or
# two ("in the past 24 hours", "over two days") can still be one act's toll and stays.
_CUMULATIVE = CaselessPattern(
    r"\b(?:over|in|during|for|within)\s+the\s+(?:past|last|previous)\s+"
    r"(?:(?:few|several|three|four|five|six|seven|eight|nine|ten|[3-9]|\d{2,})\s+days|"
    r"(?:[\w-]+\s+)?(?:weeks?|months?|years?))\b"
    r"|\bsince\s+the\s+(?:beginning|start)\s+of\b|\bso\s+far\s+this\s+(?:week|month|year)\b"
    # "in two separate attacks", "in raids on several villages", "across the province": a
    # total over several acts, which their own sentences break down
    r"|\bin\s+(?:two|three|four|five|six|several|multiple|a\s+series\s+of|[2-9])\s+(?:separate\s+)?"
    r"(?:attacks|raids|strikes|air\s*strikes|incidents|bombings|assaults)\b"
    r"|\b(?:strikes|raids|shelling|bombardment)\s+on\s+(?:several\s+|multiple\s+|a\s+number\s+of\s+|"
    r"[\w-]+\s+)?(?:villages|towns)\b"
    r"|\bacross\s+(?:the\s+)?(?:province|region|country|enclave|north-?west|de-escalation\s+zone)\b"
    # "in the following days", "over the next weeks": later acts' dead
    r"|\b(?:in|over|during)\s+the\s+(?:following|next|subsequent|coming)\s+(?:few\s+|several\s+)?"
    r"(?:days|weeks|months)\b|\bin\s+the\s+days\s+that\s+followed\b"
    # "putting Thursday's toll at 13", "the day's death toll": a day's total over many acts
    r"|\b(?:the\s+day's|(?:mon|tues|wednes|thurs|fri|satur|sun)day's|today's|yesterday's)\s+"
    r"(?:overall\s+|total\s+|death\s+)*toll\b"
    r"|\b(?:in\s+total|in\s+all)\s+since\b")
_CLAUSE_EDGE = re.compile(r"[,;:()]|\s[-\u2013\u2014]\s")


def _cumulative_clauses(sentence: str) -> list[tuple[int, int]]:
    """Spans of the clauses (cut at commas and the like) that hold a period total."""
    spans: list[tuple[int, int]] = []
    for s, e in _CUMULATIVE.spans(sentence, sentence.lower()):
        left = max((m.end() for m in _CLAUSE_EDGE.finditer(sentence, 0, s)), default=0)
        right = _CLAUSE_EDGE.search(sentence, e)
        spans.append((left, right.start() if right else len(sentence)))
    return spans


_VAGUE_WORDS = re.compile(r"\b(?:dozens|(?:a\s+)?dozen|tens|hundreds|scores)\b", re.IGNORECASE)


def _combine(figures: Sequence[Figure]) -> tuple[int | None, int | None, int | None]:
    """(best, low, high) for figures of one kind, following the module conventions."""
    known = [f for f in figures if f.value is not None and not f.subset]
    positive = [f for f in known if f.value]
    # "dozens of militants" beside "30 of the attackers" is the same dead told vaguely: the
    # convention's 12 for "dozens" stands in only where nothing counts them.
    counted = [f for f in positive if not _VAGUE_WORDS.search(f.words)]
    if counted:
        positive = counted
    if not positive:
        if known and len(known) == len(figures):
            return 0, 0, 0
        return None, None, None
    slots: dict[str, list[list[int]]] = {}
    for f in positive:
        assert f.value is not None
        estimates = slots.setdefault(f.group, [])
        if f.additive or not estimates:
            estimates.append([f.value])
        elif not any(f.value in entry for entry in estimates):
            # A value seen before is a repetition; a new one is another estimate.
            estimates[-1].append(f.value)
    attackers = slots.pop("attacker", [])
    # "21 attackers killed" in the headline and "21 fighters from the factions were killed" in
    # the lead are one figure told twice, not the attackers' dead on top of 21 victims.
    told = {v for entries in slots.values() for entry in entries for v in entry}
    repeated = {f.value for f in positive if f.group == "attacker" and not f.additive
                and f.value in told}
    attackers = [e for e in attackers if not set(e) <= repeated]
    specific = {g: e for g, e in slots.items() if g != "any"}
    best = sum(sum(_pick(e, 0) for e in entries) for entries in specific.values())
    low = sum(sum(_pick(e, -1) for e in entries) for entries in specific.values())
    high = sum(sum(_pick(e, 1) for e in entries) for entries in specific.values())
    if "any" in slots:
        any_entries = slots["any"]
        a_best = sum(_pick(e, 0) for e in any_entries)
        a_low = sum(_pick(e, -1) for e in any_entries)
        a_high = sum(_pick(e, 1) for e in any_entries)
        if a_best >= best:
            best, low, high = a_best, max(a_low, low), max(a_high, high)
    # The attackers' dead come on top of their victims, whichever way those were counted.
    best += sum(_pick(e, 0) for e in attackers)
    low += sum(_pick(e, -1) for e in attackers)
    high += sum(_pick(e, 1) for e in attackers)
    return best, low, high


def _pick(values: list[int], which: int) -> int:
    """Best (0, the largest), smallest (-1) or largest (1) of one slot's estimates."""
    return min(values) if which < 0 else max(values)


def extract_toll(sentences: Sequence[str]) -> Toll:
    """Combine the figures of the sentences describing one incident into a Toll."""
    figures: list[Figure] = []
    for i, sentence in enumerate(sentences):
        figures.extend(find_figures(sentence, i))
    killed = [f for f in figures if f.kind == "killed"]
    injured = [f for f in figures if f.kind == "injured"]
    both = [f for f in figures if f.kind == "killed_or_injured"]
    best, low, high = _combine(killed)
    inj, _, _ = _combine(injured)
    notes: list[str] = []
    if both and best is None:
        notes.append("killed and wounded reported together; the killed count is unknown")
    if best is not None and low != high:
        notes.append(f"sources differ: {low}-{high} killed")
    used = {f.sentence for f in killed + injured + both}
    evidence = tuple(sentences[i].strip() for i in sorted(used))
    return Toll(best, low if best is not None else None, high if best is not None else None,
                inj, evidence, tuple(notes), uncounted=best is None and bool(killed))
