"""Sentence splitting and light normalisation for English news text.

Every later stage (gazetteer, actors, dates, numbers) works with character offsets into
the text it was given, so the normalisation here is strictly one character for one
character: offsets computed on the normalised text are valid in the original.
"""

from __future__ import annotations

import re
import re._constants as _c
import re._parser as _parser
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import ahocorasick

# Typographic characters mapped to ASCII look-alikes, one to one, so that offsets survive.
_TRANSLATION = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2012": "-",
        "\u2212": "-",
        "\u2010": "-",
        "\u2011": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u200b": " ",
        "\t": " ",
    }
)

# Lower-cased tokens that end with a full stop but do not end a sentence.
ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "cpt", "sgt",
        "brig", "adm", "cmdr", "st", "jr", "sr", "no", "nos", "vs", "etc", "approx", "est",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "mon", "tue", "tues", "wed", "thu", "thurs", "fri", "sat", "sun", "e.g", "i.e",
        "u.s", "u.k", "u.n", "a.m", "p.m", "km", "govt", "dept", "gov", "sen", "rep", "pres",
    }
)

_ESCAPE_OR_NAME = re.compile(r"\\.|\(\?P<\w+>|\(\?P=\w+\)")


# Literal starts of a pattern: at most this many strings, each at least this long, else the
# pattern is scanned by ``re`` alone (a one-letter start would make most positions candidates).
_MAX_STARTS = 400
_MIN_START = 3
# Below this many characters to scan, ``re`` alone is faster than the start finder (building
# the position list costs more than trying a short window at every offset): the windows
# before an act word ("the 60 characters before the verb") are scanned this way.
_SHORT_SCAN = 40
_ZERO_WIDTH = (_c.AT, _c.ASSERT, _c.ASSERT_NOT)
_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT)


def literal_starts(ops: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """Strings one of which every match of the parsed pattern ``ops`` begins with, or None
    when some match may begin without one (a class, a wildcard, an inline flag group).

    Zero-width items before the first literal (``\\b``, look-arounds) consume nothing, so the
    match still begins with what follows them; an alternation or optional item gives the
    starts of each way through it followed by the rest of the pattern.
    """
    head: list[str] = []
    for i, (op, av) in enumerate(ops):
        if op is _c.LITERAL:
            head.append(chr(av))
            continue
        if op in _ZERO_WIDTH and not head:
            continue
        rest = ops[i + 1:]
        ways: list[list[tuple[Any, Any]]] | None = None
        if op is _c.SUBPATTERN and not av[1] and not av[2]:
            ways = [[*av[3].data, *rest]]
        elif op is _c.BRANCH:
            ways = [[*alt.data, *rest] for alt in av[1]]
        elif op is _c.IN and len(av) <= 4 and all(o is _c.LITERAL for o, _ in av):
            ways = [[item, *rest] for item in av]  # "f(?:e|a)ll" is parsed as "f[ea]ll"
        elif op in _REPEATS:
            lo, hi, item = av
            # Once at most: the rest follows the item; more: another repeat may.
            ways = [[*item.data, *rest] if hi == 1 else list(item.data)]
            if lo == 0:
                ways.append(rest)
        return _head_then("".join(head), ways)
    return frozenset(("".join(head),)) if head else None


def _head_then(head: str, ways: list[list[tuple[Any, Any]]] | None) -> frozenset[str] | None:
    """``head`` followed by the starts of each way on, or ``head`` alone when a way has none."""
    tails: set[str] = set()
    for way in ways or ():
        starts = literal_starts(way)
        if starts is None:
            tails = set()
            break
        tails |= starts
        if len(tails) > _MAX_STARTS:
            tails = set()
            break
    if tails:
        return frozenset(head + t for t in tails)
    return frozenset((head,)) if head else None


class _StartFinder:
    """Where a match of a lower-case pattern may begin in lower-cased text: the positions of
    its literal starts, found in one Aho-Corasick pass instead of trying the pattern at
    every position (``re`` cannot skip ahead in a pattern that opens with ``\\b`` and an
    alternation)."""

    __slots__ = ("_automaton",)

    def __init__(self, starts: frozenset[str]) -> None:
        """Index the ``starts`` (non-empty strings).

        A start that begins with another start ("attacked" after "attack") is left out: it
        occurs only where the shorter one does, so the offsets are the same, and without it
        no two hits share an offset (two starts found at one offset would be one the
        prefix of the other), so the offsets need no de-duplication.
        """
        self._automaton = ahocorasick.Automaton()
        for word in starts:
            if not any(word.startswith(other) for other in starts if other != word):
                self._automaton.add_word(word, len(word) - 1)
        self._automaton.make_automaton()

    def positions(self, low: str, pos: int, endpos: int) -> list[int]:
        """Sorted start offsets >= ``pos`` of every start occurring in ``low[:endpos]``."""
        end = min(endpos, len(low))
        if pos >= end:
            return []
        return sorted([e - back for e, back in self._automaton.iter(low, pos, end)])


def _start_finder(source: str, flags: int) -> _StartFinder | None:
    """The finder of ``source``'s literal starts, or None when it has none worth using."""
    starts = literal_starts(list(_parser.parse(source, flags).data))
    if not starts or len(starts) > _MAX_STARTS or min(map(len, starts)) < _MIN_START:
        return None
    return _StartFinder(starts)


class CaselessPattern:
    """A case-insensitive regex that scans ASCII text lower-cased with a case-sensitive twin.

    Why: Python's ``re`` cannot use its literal fast paths (first-character skips in
    alternations, prefix scans) for IGNORECASE literals, so long word alternations run
    several times slower with ``re.I``.  On ASCII text, matching ``source`` case-insensitively
    gives exactly the spans that the case-sensitive ``source`` gives on the lower-cased text,
    provided ``source`` has no upper-case literal or range (checked here) and no inline flag
    groups.  Every twin match is re-matched with the case-insensitive pattern at the same
    position, so callers get ordinary match objects on the text they passed; non-ASCII text
    uses the case-insensitive pattern directly.  Patterns must not match the empty string.

    When every match of the pattern begins with one of a set of literal strings ("\\bclash",
    "\\bbattle", ...), the twin is only tried where one of them occurs (:class:`_StartFinder`):
    ``re.finditer`` tries each position from the end of the last match and takes the first
    that matches, and no other position can, so the matches are the same.
    """

    __slots__ = ("_ci", "_cs", "_finder", "_flags", "pattern")

    def __init__(self, source: str, flags: int = 0) -> None:
        """Compile ``source`` with ``re.I | flags`` and its case-sensitive twin."""
        bare = _ESCAPE_OR_NAME.sub("", source)
        if re.search(r"[A-Z]|\(\?[a-zA-Z-]+[:)]", bare):
            raise ValueError(f"CaselessPattern needs a lower-case source: {source!r}")
        self.pattern = source
        self._flags = flags & ~re.IGNORECASE
        self._ci = re.compile(source, flags | re.IGNORECASE)
        self._cs = re.compile(source, self._flags)
        self._finder: _StartFinder | bool | None = False  # False: not analysed yet

    def _starts(self) -> _StartFinder | None:
        """The start finder, analysed on first use (loading the reference data does not
        pay for patterns it never scans with)."""
        if self._finder is False:
            self._finder = _start_finder(self.pattern, self._flags)
        assert not isinstance(self._finder, bool)
        return self._finder

    def _twin_matches(self, low: str, pos: int, endpos: int) -> Iterator[re.Match[str]]:
        """``self._cs.finditer(low, pos, endpos)``, tried only where a literal start is."""
        finder = self._starts()
        if finder is None or min(endpos, len(low)) - pos < _SHORT_SCAN:
            yield from self._cs.finditer(low, pos, endpos)
            return
        match = self._cs.match
        after = pos
        for at in finder.positions(low, pos, endpos):
            if at < after:
                continue
            m = match(low, at, endpos)
            if m is not None:
                if m.end() == at:  # an empty match: let ``re`` decide where the next one is
                    yield from self._cs.finditer(low, at, endpos)
                    return
                after = m.end()
                yield m

    def _first_twin(self, low: str, pos: int, endpos: int) -> re.Match[str] | None:
        """``self._cs.search(low, pos, endpos)``, tried only where a literal start is."""
        finder = self._starts()
        if finder is None or min(endpos, len(low)) - pos < _SHORT_SCAN:
            return self._cs.search(low, pos, endpos)
        match = self._cs.match
        for at in finder.positions(low, pos, endpos):
            m = match(low, at, endpos)
            if m is not None:
                return m
        return None

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """Like :meth:`re.Pattern.search`."""
        if not string.isascii():
            return self._ci.search(string, pos, endpos)
        m = self._first_twin(string.lower(), pos, endpos)
        return None if m is None else self._ci.match(string, m.start(), endpos)

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """Like :meth:`re.Pattern.match` (anchored: no scan to speed up)."""
        return self._ci.match(string, pos, endpos)

    def match_ascii(
        self, string: str, lowered: str, pos: int, endpos: int
    ) -> re.Match[str] | None:
        """:meth:`match` for an ASCII ``string`` whose ``lowered`` form the caller has: the
        fast case-sensitive twin tries the position, and only a hit is re-matched."""
        m = self._cs.match(lowered, pos, endpos)
        return None if m is None else self._ci.match(string, pos, endpos)

    def spans(self, string: str, lowered: str | None = None) -> list[tuple[int, int]]:
        """``[m.span() for m in self.finditer(string)]`` without building match objects
        twice: on ASCII text the twin's spans are the answer (see the class docstring).

        ``lowered`` is ``string.lower()`` when the caller already has it, so that several
        patterns scanning one text lower it once.
        """
        if not string.isascii():
            return [m.span() for m in self._ci.finditer(string)]
        low = string.lower() if lowered is None else lowered
        return [m.span() for m in self._twin_matches(low, 0, sys.maxsize)]

    def finditer(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        """Like :meth:`re.Pattern.finditer`."""
        if not string.isascii():
            yield from self._ci.finditer(string, pos, endpos)
            return
        ci_match = self._ci.match
        for m in self._twin_matches(string.lower(), pos, endpos):
            found = ci_match(string, m.start(), endpos)
            assert found is not None and found.end() == m.end()
            yield found


# From this many words on, a LiteralGate finds them with one automaton pass (measured: below
# it, one substring test per word is as fast).
_AUTOMATON_WORDS = 8


class LiteralGate:
    """``re.compile("(?i)w1|w2|...").search(text) is not None`` for plain literal words.

    Substring tests on the lower-cased text are far cheaper than a case-insensitive
    alternation tried at every position; non-ASCII text keeps the regex.  A gate of many
    words (the act-word gate has over 80) looks for all of them in one Aho-Corasick pass
    instead of one substring test per word: about 5x faster per sentence.
    """

    __slots__ = ("_automaton", "_regex", "_words")

    def __init__(self, words: Iterable[str]) -> None:
        """``words`` are literal ASCII strings (no regex syntax)."""
        self._words = tuple(dict.fromkeys(w.lower() for w in words))
        if not all(w.isascii() and w for w in self._words):
            raise ValueError("LiteralGate words must be non-empty ASCII")
        self._regex = re.compile("|".join(map(re.escape, self._words)), re.IGNORECASE)
        self._automaton: Any = None
        if len(self._words) >= _AUTOMATON_WORDS:
            self._automaton = ahocorasick.Automaton()
            for word in self._words:
                self._automaton.add_word(word, 0)
            self._automaton.make_automaton()

    def _any_in(self, lowered: str) -> bool:
        """Whether any of the words occurs in the lower-cased ASCII text ``lowered``."""
        if self._automaton is not None:
            return next(self._automaton.iter(lowered), None) is not None
        return any(map(lowered.__contains__, self._words))  # no generator frames

    def __call__(self, text: str) -> bool:
        """Whether any of the words occurs in ``text``, ignoring case."""
        if text.isascii():
            return self._any_in(text.lower())
        return self._regex.search(text) is not None

    def within(self, text: str, lowered: str) -> bool:
        """``self(text)`` for a caller that has ``lowered == text.lower()`` already."""
        if text.isascii():
            return self._any_in(lowered)
        return self._regex.search(text) is not None


# Same matches as r"[.!?]+['\")\]]*(?=\s)|\n\s*\n|\n", written to start with one character class
# so that ``re`` skips ahead to candidate characters instead of trying every position.
_BOUNDARY = re.compile(r"[.!?\n](?:(?<=[.!?])[.!?]*['\")\]]*(?=\s)|(?<=\n)(?:\s*\n)?)")
_WORD_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz."


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence with its offsets in the source text (``text == source[start:end]``)."""

    text: str
    start: int
    end: int


def normalise(text: str) -> str:
    """Map curly quotes, dashes and odd spaces to ASCII without changing the length.

    Length preservation matters more than beauty: mentions found on the normalised text
    are reported with offsets into the caller's original string.
    """
    return text.translate(_TRANSLATION)


# A single line break inside a paragraph, after a long line and before a line that is not a
# list item: the text was hard-wrapped (plain-text feeds, e-mail bulletins, PDF extracts).
# Written as the same matches as r"(?<=[^\n]{50})[ \t]*\n(?=[ \t]*\S)" but opening with a
# character class, so that ``re`` jumps to white space instead of testing the 50-character
# look-behind at every position (4x faster); the look-behind then covers the first character.
_WRAPPED_BREAK = re.compile(
    r"[ \t\n](?<=[^\n]{50}[ \t\n])(?:(?<=\n)|(?<=[ \t])[ \t]*\n)(?=[ \t]*\S)")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*\u2022\u00b7>]|\d{1,2}[.)]\s)")


def _joined(m: re.Match[str]) -> str:
    """Spaces for a wrapped break; the break itself before a list item that follows a line
    ending a sentence or introducing the list ("...:" / "1. ...")."""
    text = m.string
    if text[m.start() - 1] in ".:;!?" and _LIST_ITEM.match(text, m.end()):
        return m.group(0)
    return " " * len(m.group(0))


def unwrap(text: str) -> str:
    """Join hard-wrapped lines into their paragraph without changing the length.

    Why: a single line break ends a sentence (headlines, datelines and list items stand on
    lines of their own), so a report wrapped at 80-100 columns would be read as fragments
    ("... struck and destroyed" / "a hideout used by ...") and lose its acts.  A break after
    a line of at least 50 characters, followed by text that is not a list item, is a wrap:
    it becomes a space.  Blank lines (paragraphs) and short lines are kept.
    """
    if "\n" not in text:
        return text
    return _WRAPPED_BREAK.sub(_joined, text)


def _word_before_stop(chunk: str) -> str | None:
    """The run of letters and dots before the full stop ending ``chunk``, or None.

    Same result as ``re.search(r"([A-Za-z.]+)\\.$", chunk).group(1)``, without the regex
    retrying the run at every position of a long chunk.
    """
    end = len(chunk) - 1 if chunk.endswith("\n") else len(chunk)  # "$" may precede a final \n
    if end < 1 or chunk[end - 1] != ".":
        return None
    head = chunk[: end - 1]
    return head[len(head.rstrip(_WORD_CHARS)) :] or None


_DOTTED_ACRONYM = re.compile(r"(?:[a-z]\.)+[a-z]?")


def _is_abbreviation(chunk: str) -> bool:
    """True when the full stop closing ``chunk`` belongs to an abbreviation or initial."""
    before = _word_before_stop(chunk)
    if before is None:
        return False
    word = before.lower().strip(".")
    if word in ABBREVIATIONS:
        return True
    # Single initials ("A. Smith") and dotted acronyms ("U.S.") do not end sentences.
    return len(word) == 1 or bool(_DOTTED_ACRONYM.fullmatch(word))


def _next_starts_sentence(text: str, pos: int) -> bool:
    """A sentence starts where the next visible character is upper case, a digit or a quote."""
    rest = text[pos : pos + 3].lstrip()
    if not rest:
        return True
    return rest[0].isupper() or rest[0].isdigit() or rest[0] in "\"'([*-|"


def split_sentences(text: str) -> list[Sentence]:
    """Split text into sentences, keeping offsets.

    Line breaks always end a sentence (news pages put headlines, captions and datelines on
    their own lines). A full stop ends one only when it does not close an abbreviation and
    the following word starts like a sentence; a closing quote after the stop stays with
    the sentence it closes.
    """
    norm = normalise(text)
    sentences: list[Sentence] = []
    start = 0
    for match in _BOUNDARY.finditer(norm):
        end = match.end()
        piece = match.group(0)
        if "\n" not in piece:
            stop = norm[start : match.start() + 1]
            if piece.startswith(".") and _is_abbreviation(stop):
                continue
            if not _next_starts_sentence(norm, end):
                continue
        _append(sentences, text, start, end)
        start = end
    _append(sentences, text, start, len(norm))
    return sentences


_ANY_WORD_CHAR = re.compile(r"\w")


def _append(out: list[Sentence], text: str, start: int, end: int) -> None:
    """Append the stripped span ``text[start:end]`` when it contains any word."""
    chunk = text[start:end]
    left = len(chunk) - len(chunk.lstrip())
    right = len(chunk.rstrip())
    if right <= left:
        return
    s, e = start + left, start + right
    if _ANY_WORD_CHAR.search(text, s, e):
        out.append(Sentence(text[s:e], s, e))


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) spans of double-quoted passages, an open quote runs to the end.

    Used to tell a reporter's words from a quoted statement: "today" inside a statement
    refers to the day of the statement.
    """
    norm = normalise(text)
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    for i, ch in enumerate(norm):
        if ch != '"':
            continue
        if open_at is None:
            open_at = i
        else:
            spans.append((open_at, i + 1))
            open_at = None
    if open_at is not None:
        spans.append((open_at, len(norm)))
    return spans


def in_spans(pos: int, spans: list[tuple[int, int]]) -> bool:
    """True when ``pos`` falls inside one of ``spans``."""
    return any(s <= pos < e for s, e in spans)
