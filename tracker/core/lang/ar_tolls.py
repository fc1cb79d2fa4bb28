"""Casualty figures of Arabic sentences: counts in digits, number words, duals and person
nouns, with the killed and injured cues around them, and the "no casualties" phrases.

Why a module of its own: the toll is the figure alerts and digests add up; Arabic counts it
with words English does not have (the dual "طفلين" is two children, "مقتل طفل وامرأة" two
people).  The result is the shared :class:`~tracker.core.numbers.Toll`.  Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tracker.core.lang.ar_lexicon import ArabicLexicon
from tracker.core.lang.arabic import PhraseMatch, Token, normalise, stems, tokens
from tracker.core.numbers import Toll

# How many words after (or before) a cue a count may stand.
_AFTER = 4
_BEFORE = 2


@dataclass(frozen=True, slots=True)
class Figure:
    """A count of killed or injured people in one sentence."""

    kind: str  # "killed" or "injured"
    value: int
    words: str
    final: bool = False  # "the toll rose to N": the final figure


def parse_count(lex: ArabicLexicon, toks: Sequence[Token], k: int,
                numerals_only: bool = False, joined: bool = False) -> tuple[int, int] | None:
    """(value, last token) of a count starting at token ``k``: digits, number words
    (ثلاثة، خمسة وعشرين، أحد عشر), vague quantities (عشرات) or a person noun (طفل = 1,
    طفلين = 2), with "و"-joined person nouns added ("طفل وامرأة" = 2).  ``joined`` lets
    the count itself carry "و" ("وثلاثة جرحى" after a killed figure)."""
    if k >= len(toks):
        return None
    word = toks[k].text
    if joined and word.startswith("و") and (word[1:].isdigit() or word[1:] in lex.numbers):
        word = word[1:]  # "قتيل وثلاثة جرحى": the second figure of a pair
    value: int | None = None
    last = k
    if word.isdigit():
        value = int(word)
    elif word in lex.vague:
        value = lex.vague[word]
    elif word in lex.teens_first and k + 1 < len(toks) and toks[k + 1].text in ("عشر", "عشره"):
        value, last = 10 + lex.teens_first[word], k + 1
    elif word in lex.numbers:
        value = lex.numbers[word]
        if value < 10 and k + 1 < len(toks) and toks[k + 1].text in ("عشر", "عشره"):
            value, last = value + 10, k + 1
        elif value < 10 and k + 1 < len(toks) and toks[k + 1].text.startswith("و") \
                and lex.numbers.get(toks[k + 1].text[1:], 0) >= 20:
            value, last = value + lex.numbers[toks[k + 1].text[1:]], k + 1
    elif not numerals_only:
        value = _person(lex, word) or _definite_person(lex, word)
        if value is not None:
            # "طفل وامرأة", "رجل وزوجته وطفليهما": each joined person counts
            j = k + 1
            while j < len(toks) and toks[j].text.startswith("و"):
                more = _person(lex, toks[j].text[1:])
                if more is None:
                    break
                value += more
                last = j
                j += 1
    numeral = word.isdigit() or word in lex.numbers or word in lex.teens_first
    if value is not None and numeral and last + 1 < len(toks) \
            and toks[last + 1].text in lex.measures:
        return None  # "(32 عاماً)", "23 شباط", "عيار 23 ملم": an age, a date, a size
    if value is not None and numeral:
        # "ثلاث معلمات وطالبة", "ثمانية أطفال ووالدتهم": a person joined after the counted
        # noun adds to the count; one adjective may stand between ("سبعة جنود أتراك وموظف").
        j = last + 2
        if j + 1 < len(toks) and not toks[j].text.startswith("و") \
                and toks[j + 1].text.startswith("و") and _person(lex, toks[j + 1].text[1:]):
            j += 1
        while j < len(toks) and toks[j].text.startswith("و"):
            more = _person(lex, toks[j].text[1:])
            if more is None:
                break
            value += more
            last = j
            j += 1
    return (value, last) if value is not None else None


def _person(lex: ArabicLexicon, word: str) -> int | None:
    for stem, _ in stems(word):
        if stem in lex.persons:
            return lex.persons[stem]
    return None


def _definite_person(lex: ArabicLexicon, word: str) -> int | None:
    """A person noun with the article counts too: "استشهد المدني ساهر" is one man killed,
    "مقتل الطفلين" two (the article is not a proclitic :func:`stems` takes off)."""
    for stem, _ in stems(word):
        if stem.startswith("ال") and stem[2:] in lex.persons:
            return lex.persons[stem[2:]]
    return None


def _skip_approx(lex: ArabicLexicon, toks: Sequence[Token], k: int,
                 st: Sequence[Sequence[tuple[str, int]]]) -> int:
    """Skip "نحو", "أكثر من", "ما لا يقل عن" before a count."""
    while k < len(toks):
        m = lex.approx.match_at(toks, k, st)
        if m is None:
            return k
        k = m.last + 1
    return k


def sentence_figures(lex: ArabicLexicon, sentence: str) -> list[Figure]:
    """Killed and injured counts of one sentence (zero phrases give a killed count of 0;
    "no information about casualties" gives none)."""
    norm = normalise(sentence)
    toks = tokens(norm.text)
    st = [stems(t.text) for t in toks]
    out: list[Figure] = []
    rose = [m.last for m in lex.rose.find(toks, st)]
    cues: list[PhraseMatch[str]] = []
    for kind, index in (("killed", lex.killed), ("injured", lex.injured)):
        for m in index.find(toks, st):
            cues.append(m)
            fig = _count_near(lex, toks, st, m, kind, rose)
            if fig is not None:
                out.append(fig)
    if not any(f.kind == "killed" for f in out):
        fig = _risen_total(lex, toks, st, cues)
        if fig is not None:
            out.append(fig)
    if not any(f.kind == "killed" for f in out):
        for m in lex.zero.find(toks, st):
            if not _unknown_near(lex, st, m.first - 3, m.last + 3):
                out.append(Figure("killed", 0, norm.text[m.start : m.end]))
        if not out or all(f.kind != "killed" for f in out):
            out.extend(_denied_casualties(lex, toks, st))
    return out


def _unknown_near(lex: ArabicLexicon, st: Sequence[Sequence[tuple[str, int]]],
                  first: int, last: int) -> bool:
    """Whether a word of "nothing is known yet" stands in tokens ``first..last``."""
    return any(stem in lex.unknown
               for k in range(max(0, first), min(len(st), last + 1)) for stem, _ in st[k])


# Verbs of a toll that rises ("ارتفعت الحصيلة إلى 21"): the count right after them is the
# final figure when a killed cue stands before them in the sentence.
_RISE_VERBS = ("ارتفع", "ترتفع", "يرتفع", "لترتفع", "ليرتفع", "وارتفع")
_RISE_REACH = 8


def _risen_total(lex: ArabicLexicon, toks: Sequence[Token],
                 st: Sequence[Sequence[tuple[str, int]]],
                 cues: Sequence[PhraseMatch[str]]) -> Figure | None:
    """"حصيلة قتلى الفصائل خلال هجوم السبت ارتفعت إلى 21 مقاتلاً": the subject of the rise
    is a killed cue several words back; the figure follows the verb."""
    killed_at = [m.last for m in cues if m.value == "killed"]
    for r, tok in enumerate(toks):
        if not tok.text.startswith(_RISE_VERBS):
            continue
        if not any(0 < r - c <= _RISE_REACH for c in killed_at):
            continue
        k = _skip_approx(lex, toks, r + 1, st)
        got = parse_count(lex, toks, k, numerals_only=True)
        if got is not None:
            # not "final": a rise told apart from the lead's own figure is often a wider
            # total ("قتلى الغارات خلال اليوم ارتفعت إلى 13 في مناطق متفرقة")
            return Figure("killed", got[0], " ".join(t.text for t in toks[r : got[1] + 1]))
    return None


# "لم تُسجل أي وفيات", "دون تسجيل اعتقالات أو إصابات", "عدم تسجيل إصابات بشرية": a negator
# and, a few words on, a casualty noun say nobody was killed (the zero list spelled out).
_NEGATORS = frozenset({"دون", "عدم", "لم", "بلا", "بدون"})
_CASUALTY_NOUNS = frozenset({"اصابات", "اصابه", "وفيات", "وفاه", "ضحايا", "قتلي", "جرحي",
                             "اصابتان", "بشريه"})
_NEGATOR_REACH = 5


def _denied_casualties(lex: ArabicLexicon, toks: Sequence[Token],
                       st: Sequence[Sequence[tuple[str, int]]]) -> list[Figure]:
    for k in range(len(toks)):
        if not any(stem in _NEGATORS for stem, _ in st[k]):
            continue
        for j in range(k + 1, min(len(toks), k + 1 + _NEGATOR_REACH)):
            if any(stem in _CASUALTY_NOUNS for stem, _ in st[j]):
                if _unknown_near(lex, st, k, j + 2):
                    break  # "دون ورود معلومات عن ضحايا": not known, not none
                words = " ".join(x.text for x in toks[k : j + 1])
                return [Figure("killed", 0, words)]
    return []


# A past verb in the plural ("قتلوا", "قضوا", "استشهدوا") may follow its counted subject.
_SUBJECT_REACH = 6


def _is_plural_verb(word: str) -> bool:
    return word.endswith("وا") and len(word) > 3


def _count_near(lex: ArabicLexicon, toks: Sequence[Token],
                st: Sequence[Sequence[tuple[str, int]]], m: PhraseMatch[str], kind: str,
                rose: Sequence[int]) -> Figure | None:
    """The count right before the cue ("3 قتلى", "ثلاثة شهداء"), else after it ("مقتل 3
    مدنيين", "إصابة ثلاثة آخرين")."""
    k = _skip_approx(lex, toks, m.last + 1, st)
    # "مقتل وإصابة 5": killed and injured together, no split: no killed figure
    joined_injured = kind == "killed" and m.last + 1 < len(toks) \
        and toks[m.last + 1].text.startswith("و") \
        and any(toks[m.last + 1].text[1:].startswith(w) for w in ("اصاب", "اصيب", "جرح"))
    if joined_injured and not _is_plural_verb(toks[m.last].text):
        return None
    for j in range(max(0, m.first - _BEFORE), m.first):
        got = parse_count(lex, toks, j, numerals_only=True, joined=True)
        if got is not None and got[1] == m.first - 1:
            # "ترتفع الحصيلة إلى 19 قتيلاً": a rise right before the count makes it final
            final = any(r < j and j - r <= 4 for r in rose)
            return Figure(kind, got[0], " ".join(t.text for t in toks[j : m.last + 1]), final)
    if m.first == m.last:
        own = next((lex.counted[stem] for stem, _ in st[m.first] if stem in lex.counted), None)
        if own is not None:  # "قتيل وجريحان", "سقوط قتيلين"
            return Figure(kind, own, toks[m.first].text)
    if _is_plural_verb(toks[m.last].text):
        # "إن سبعة عناصر من قوات النظام قُتلوا": the counted subject stands before the verb
        for j in range(m.first - 1, max(-1, m.first - 1 - _SUBJECT_REACH), -1):
            got = parse_count(lex, toks, j, numerals_only=True)
            if got is not None:
                return Figure(kind, got[0], " ".join(t.text for t in toks[j : m.last + 1]))
    if joined_injured:
        return None  # "قتلوا وأصيب 14 آخرون": the figure after is the wounded
    for j in range(k, min(k + _AFTER, len(toks))):
        got = parse_count(lex, toks, j)
        if got is not None:
            final = any(r < m.first and m.first - r <= 4 for r in rose) or \
                any(m.last < r < j for r in rose)
            return Figure(kind, got[0], " ".join(t.text for t in toks[m.first : got[1] + 1]),
                          final)
        if toks[j].text in ("في", "جراء", "اثر", "بسبب", "على", "من"):
            break
    return None


# A sentence's reading for the toll: (flashback?, figures).  One per sentence text; the
# front end keeps one such memo per report, so a sentence several incidents (or the report
# scan below) read is read once.
Memo = dict[str, tuple[bool, list[Figure]]]


def _read(lex: ArabicLexicon, sentence: str, memo: Memo) -> tuple[bool, list[Figure]]:
    got = memo.get(sentence)
    if got is None:
        got = memo[sentence] = (_flashback(sentence), sentence_figures(lex, sentence))
    return got


def extract_toll(lex: ArabicLexicon, sentences: Sequence[str],
                 report: Sequence[str] = (), memo: Memo | None = None) -> Toll:
    """The toll over an incident's sentences: a final figure ("ارتفعت الحصيلة إلى 7") wins,
    else the first count told (the lead states the toll; later sentences restate it or tell
    other events' figures, they do not add to it).

    ``report`` (the lead incident's whole report) answers when the incident's own sentences
    say nothing of deaths: a report whose only word on deaths is "nobody was hurt"
    ("ولم تُسجل أي وفيات" in a closing sentence) says it of its lead act too.  ``memo``
    (one per report) saves reading a sentence twice.
    """
    memo = {} if memo is None else memo
    read = [_read(lex, s, memo) for s in sentences]
    # a flashback's figures are another event's, unless the incident is told only there
    current = [figs for back, figs in read if not back] or [figs for _, figs in read]
    figures = [f for figs in current for f in figs]
    killed = [f for f in figures if f.kind == "killed"]
    if not killed and report and any(_may_deny(s) for s in report):
        told = [f for s in report for back, figs in (_read(lex, s, memo),) if not back
                for f in figs if f.kind == "killed"]
        if told and all(f.value == 0 for f in told):
            killed = told[:1]
    injured = [f for f in figures if f.kind == "injured"]
    best = _pick(killed)
    hurt = _pick(injured)
    if best is None and hurt is None:
        return Toll()
    notes: list[str] = []
    if best is not None:
        notes.append(f"fatalities {best.value} from '{best.words}'")
    if hurt is not None:
        notes.append(f"injured {hurt.value} from '{hurt.words}'")
    value = best.value if best is not None else None
    return Toll(best=value, low=value, high=value,
                injured=hurt.value if hurt is not None else None,
                evidence=tuple(f.words for f in (best, hurt) if f is not None),
                notes=tuple(notes))


# "وكان تسعة مدنيين قد قضوا في الرابع من الشهر": كان ... قد tells an earlier event.
_FLASHBACK_OPENERS = frozenset({"وكان", "وكانت", "كان", "كانت"})
_FLASHBACK_REACH = 10


def _may_deny(sentence: str) -> bool:
    """A cheap look for a negator ("دون", "لم", "عدم", "بلا", "لا"): only such a sentence can
    say that nobody was hurt, so a report without one is not read for it."""
    return any(w in sentence for w in ("دون", "لم", "عدم", "بلا", "لا ", "بدون"))


def _flashback(sentence: str) -> bool:
    """Whether a sentence opens with the pluperfect "(و)كان ... قد": background, whose
    figures belong to an earlier event, not to the act being read."""
    if "كان" not in sentence[:12]:
        return False  # the cheap test first: most sentences do not open so
    toks = tokens(normalise(" ".join(sentence.split()[:_FLASHBACK_REACH])).text)
    if not toks or toks[0].text not in _FLASHBACK_OPENERS:
        return False
    return any(t.text == "قد" for t in toks[1:_FLASHBACK_REACH])


def _pick(figs: Sequence[Figure]) -> Figure | None:
    if not figs:
        return None
    finals = [f for f in figs if f.final]
    return max(finals, key=lambda f: f.value) if finals else figs[0]
