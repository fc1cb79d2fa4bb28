"""Arabic text handling for matching: normalisation with offsets, sentences, clauses, and
clitic-aware phrase matching.

Why: Arabic media write one name in many ways (hamza forms of alef, ta marbuta or ha, with or
without vowel marks and tatweel, Arabic-Indic or Persian digits) and glue the conjunctions and
prepositions و ف ب ل ك and the article ال onto the next word ("وسراقب", "بكفرنبل", "للنظام").
Matching runs on a normalised copy whose every character remembers where it came from, so a
match is reported in the ORIGINAL text (evidence quotes the sentence as written).  Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from tracker.core.text import Sentence

T = TypeVar("T")

# Vowel marks (harakat, tanwin, shadda, sukun, dagger alef, Quranic marks) and tatweel: dropped.
_DROPPED = frozenset(
    [chr(c) for c in range(0x064B, 0x0660)] + [chr(0x0670), chr(0x0640)]
    + [chr(c) for c in range(0x06D6, 0x06EE)] + [chr(0x200C), chr(0x200D), chr(0x200F),
                                                 chr(0x200E), chr(0x061C)]
)
_MAP = {
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
    "ک": "ك", "ی": "ي", "،": ",", "؛": ";", "؟": "?", "٪": "%", "«": '"', "»": '"',
    "٫": ".", "٬": ",",
}
_MAP.update({chr(0x0660 + d): str(d) for d in range(10)})  # Arabic-Indic digits
_MAP.update({chr(0x06F0 + d): str(d) for d in range(10)})  # Persian digits
_TABLE = {ord(k): v for k, v in _MAP.items()}
# What :func:`normalise` does to each character in one table: dropped marks deleted, the
# mapped characters replaced (each by one character, never an upper-case ASCII letter), and
# ASCII upper case lowered (``str.lower`` of an ASCII character does only that).
_NORMALISE_TABLE = {**_TABLE, **{ord(c): None for c in _DROPPED},
                    **{ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}}
_DROPPED_RUN = re.compile("[" + "".join(sorted(_DROPPED)) + "]+")


@dataclass(frozen=True, slots=True)
class Normalised:
    """A normalised text and, per character of it, its offset in the original text."""

    text: str
    offsets: tuple[int, ...]  # len(text) + 1 entries; the last is len(original)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original text's (start, end) for the normalised ``text[start:end]``."""
        return self.offsets[start], (self.offsets[end - 1] + 1 if end > start
                                     else self.offsets[start])


def normalise(text: str) -> Normalised:
    """Normalise for matching: alef forms -> ا, ى -> ي, ة -> ه, no vowel marks or tatweel,
    ASCII digits, Arabic punctuation as ASCII marks, Latin in lower case.

    One ``str.translate`` over the whole text (every kept character maps to exactly one
    character, so the offsets are those of the kept characters); only runs of dropped
    marks cost a Python step, instead of every character (the Arabic front end normalises
    every sentence, and this was a sixth of its time).
    """
    norm = text.translate(_NORMALISE_TABLE)
    if len(norm) == len(text):
        return Normalised(norm, tuple(range(len(text) + 1)))
    offsets: list[int] = []
    kept = 0
    for m in _DROPPED_RUN.finditer(text):
        offsets.extend(range(kept, m.start()))
        kept = m.end()
    offsets.extend(range(kept, len(text)))
    offsets.append(len(text))
    return Normalised(norm, tuple(offsets))


def normalise_key(phrase: str) -> str:
    """A lexicon or gazetteer phrase as a matching key: normalised, single-spaced."""
    return " ".join(normalise(phrase).text.split())


# ------------------------------------------------------------------ sentences and clauses

# A sentence ends at . ! ? (Arabic ؟ is normalised to ?) or a line break; a full stop between
# digits is a decimal mark.
_SENTENCE_END = re.compile(r"(?<!\d)[.!?؟]+(?!\d)[\"»”]?|\n+")
_CLAUSE_CUT = re.compile(r"[,;:،؛]|\s[-–—]\s|\s(?:بينما|في حين|حيث|إلا أن|الا ان|لكن|غير أن)\s")


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of an Arabic text with their offsets (``text[start:end] == sentence``)."""
    out: list[Sentence] = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        _add(text, pos, m.end(), out)
        pos = m.end()
    _add(text, pos, len(text), out)
    return out


def _add(text: str, start: int, end: int, out: list[Sentence]) -> None:
    """Append ``text[start:end]`` trimmed of white space, when it holds any letter."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if any(ch.isalpha() for ch in text[start:end]):
        out.append(Sentence(text[start:end], start, end))


# A stretch between two cuts of at most this many time words is an aside ("، أمس،", "، اليوم
# الاثنين،"), not a clause: it joins the clauses around it.
_ASIDE_WORDS = 4


def clauses(sentence: str, aside_words: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """Clause spans of a (normalised) sentence, cut at commas (، ,), semicolons (؛ ;), dashes
    and the contrastive conjunctions (بينما، في حين، لكن); a stretch made only of
    ``aside_words`` (time words) and digits joins its neighbours."""
    raw: list[tuple[int, int]] = []
    pos = 0
    for m in _CLAUSE_CUT.finditer(sentence):
        raw.append((pos, m.start()))
        pos = m.end()
    raw.append((pos, len(sentence)))
    spans: list[tuple[int, int]] = []
    join_next = False
    for s, e in raw:
        words = _WORD.findall(sentence[s:e])
        if not words:
            continue
        aside = len(words) <= _ASIDE_WORDS and all(w.isdigit() or w in aside_words
                                                   for w in words)
        if spans and (aside or join_next):
            spans[-1] = (spans[-1][0], e)
        else:
            spans.append((s, e))
        join_next = aside and len(spans) > 0
    return spans


def clause_index(spans: list[tuple[int, int]], pos: int) -> int:
    """Index of the clause containing ``pos``."""
    for k, (s, e) in enumerate(spans):
        if s <= pos < e:
            return k
    return len(spans) - 1


# ------------------------------------------------------------------ words and clitics

# Letters and digits are separate words ("و10" is "و" and "10").
_WORD = re.compile(r"\d+|[^\W\d_]+|%")
# Proclitics, outermost first: a conjunction, then a preposition, then (in the key) the article.
_CONJ = ("", "و", "ف")
_PREP = ("", "ب", "ل", "ك")


@dataclass(frozen=True, slots=True)
class Token:
    """A word of a normalised text: its text and its (start, end) in the normalised text."""

    text: str
    start: int
    end: int


def tokens(norm: str) -> list[Token]:
    """Words (letters, digits, %) of a normalised text."""
    return [Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(norm)]


@lru_cache(maxsize=1 << 15)
def stems(word: str) -> tuple[tuple[str, int], ...]:
    """The word with its possible proclitics taken off, and how many letters were taken.

    "وبالطيران" -> (("وبالطيران", 0), ("بالطيران", 1), ("الطيران", 2)); "للنظام" gives
    "النظام" (ل + ال, whose alef is not written).  At least two letters stay.

    Cached, hence a tuple: the front end asks for the stems of every word of a sentence
    several times (acts, places, tolls, roles), and news repeats its words.
    """
    out = [(word, 0)]
    for conj in _CONJ:
        if conj and not word.startswith(conj):
            continue
        for prep in _PREP:
            if not conj and not prep:
                continue
            pre = conj + prep
            rest = word[len(pre):]
            if not word.startswith(pre) or len(rest) < 2:
                continue
            out.append((rest, len(pre)))
            if prep == "ل" and rest.startswith("ل"):
                out.append(("ا" + rest, len(pre)))  # "للنظام" = ل + النظام
    return tuple(out)


@dataclass(frozen=True, slots=True)
class PhraseMatch(Generic[T]):
    """A lexicon phrase found in a normalised text: its span there (clitics left out), its
    tokens and the value the lexicon gives it."""

    start: int
    end: int
    value: T
    first: int  # index of the first token
    last: int  # index of the last token
    clitics: int = 0  # letters of proclitics on the first word, outside the span


# At most this many words remembered per :class:`PhraseIndex` (then it starts over).
_MAY_START_WORDS = 50_000


class PhraseIndex(Generic[T]):
    """Phrases (normalised, word by word) to values, matched with clitics on the first word.

    A key word ending in ``*`` matches any word that starts with it (verb and noun endings:
    "استهدف*" matches استهدفت, استهدفوا).  The longest phrase at a position wins; matches do
    not overlap.  Prefix keys are bucketed by their first two letters, so a lookup costs a few
    dictionary probes per word whatever the size of the lexicon.
    """

    def __init__(self, phrases: Iterable[tuple[str, T]]) -> None:
        """Index ``(phrase, value)`` pairs; the first value of a repeated phrase wins."""
        self._exact: dict[str, list[tuple[tuple[str, ...], T]]] = {}
        self._prefix: dict[str, list[tuple[str, tuple[str, ...], T]]] = {}
        seen: set[tuple[str, ...]] = set()
        for phrase, value in phrases:
            words = tuple(normalise_key(phrase).split())
            if not words or words in seen or len(words[0].rstrip("*")) < 2:
                continue
            seen.add(words)
            head, rest = words[0], words[1:]
            if head.endswith("*"):
                self._prefix.setdefault(head[:2], []).append((head[:-1], rest, value))
            else:
                self._exact.setdefault(head, []).append((rest, value))
        for lst in self._exact.values():
            lst.sort(key=lambda rv: -len(rv[0]))
        for plist in self._prefix.values():
            plist.sort(key=lambda p: (-len(p[1]), -len(p[0])))
        self.size = len(seen)
        # Word -> whether some phrase may start with it (see :meth:`find`).
        self._may_start: dict[str, bool] = {}

    def _starts_with(self, word_stems: Sequence[tuple[str, int]]) -> bool:
        """Whether a phrase's first word may be one of ``word_stems`` (:meth:`match_at`
        finds nothing at a word for which this is False, whatever follows it)."""
        for stem, _ in word_stems:
            if stem in self._exact:
                return True
            if any(stem.startswith(head) for head, _, _ in self._prefix.get(stem[:2], ())):
                return True
        return False

    @staticmethod
    def _word_ok(key: str, word: str) -> bool:
        return word.startswith(key[:-1]) if key.endswith("*") else word == key

    def _tail_ok(self, rest: tuple[str, ...], toks: Sequence[Token], k: int) -> bool:
        if k + len(rest) >= len(toks):
            return False
        return all(self._word_ok(w, toks[k + 1 + j].text) for j, w in enumerate(rest))

    def match_at(
        self, toks: Sequence[Token], k: int, token_stems: Sequence[Sequence[tuple[str, int]]]
    ) -> PhraseMatch[T] | None:
        """The longest phrase starting at token ``k`` (clitics allowed on that token)."""
        best: tuple[int, int, T] | None = None  # (words, clitic letters, value)
        for stem, cut in token_stems[k]:
            for rest, value in self._exact.get(stem, ()):
                if (best is None or len(rest) + 1 > best[0]) and self._tail_ok(rest, toks, k):
                    best = (len(rest) + 1, cut, value)
                    break
            for head, rest, value in self._prefix.get(stem[:2], ()):
                if stem.startswith(head) and (best is None or len(rest) + 1 > best[0]) \
                        and self._tail_ok(rest, toks, k):
                    best = (len(rest) + 1, cut, value)
        if best is None:
            return None
        n, cut, value = best
        last = k + n - 1
        start = toks[k].start + cut
        return PhraseMatch(start, toks[last].end, value, k, last, cut)

    def find(
        self, toks: Sequence[Token], token_stems: Sequence[Sequence[tuple[str, int]]] | None = None
    ) -> list[PhraseMatch[T]]:
        """All matches, left to right, longest first at each position, never overlapping.

        ``token_stems[k]`` must be ``stems(toks[k].text)`` (what every caller passes): whether
        a word may start a phrase is then a property of the word, remembered per index, so
        most words of a sentence cost one dictionary look-up instead of a :meth:`match_at`.
        """
        st = token_stems if token_stems is not None else [stems(t.text) for t in toks]
        out: list[PhraseMatch[T]] = []
        may_start = self._may_start
        if len(may_start) > _MAY_START_WORDS:
            may_start.clear()  # a long-running service meets new words without end
        k = 0
        while k < len(toks):
            word = toks[k].text
            start = may_start.get(word)
            if start is None:
                start = may_start[word] = self._starts_with(st[k])
            if not start:
                k += 1
                continue
            m = self.match_at(toks, k, st)
            if m is None:
                k += 1
                continue
            out.append(m)
            k = m.last + 1
        return out


def index_of(mapping: Mapping[str, T]) -> PhraseIndex[T]:
    """A :class:`PhraseIndex` of a phrase -> value mapping."""
    return PhraseIndex(mapping.items())
