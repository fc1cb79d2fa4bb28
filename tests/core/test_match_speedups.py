"""Speed-ups that must not change a match: CaselessPattern's literal-start finder gives
exactly the matches ``re`` gives, and fold_text's ASCII tokeniser cuts where the Unicode one does.

The classifier's patterns are tried only where one of their literal starts occurs (speed);
these tests hold that to the plain case-insensitive regex on the shipped patterns, the
development corpus's sentences and generated text, and check the start analysis itself.
"""

from __future__ import annotations

import gc
import json
import re
import re._parser as sre_parser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tracker.core.arguments
import tracker.core.dates
import tracker.core.events
import tracker.core.frames
import tracker.core.mentions
import tracker.core.numbers  # noqa: F401  (imported for their patterns)
from tracker.core.text import CaselessPattern, literal_starts, normalise, split_sentences, unwrap

DATA = Path(__file__).resolve().parents[1] / "data"


def _patterns() -> list[CaselessPattern]:
    """Every CaselessPattern the classifier's modules built."""
    return [o for o in gc.get_objects() if isinstance(o, CaselessPattern)]


def _starts(source: str) -> frozenset[str] | None:
    return literal_starts(list(sre_parser.parse(source).data))


def _texts() -> list[str]:
    """Sentences and whole bodies of a development set."""
    out: list[str] = []
    for name in ("holdout4_cases.jsonl",):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines()[:120]:
            if line.strip():
                body = unwrap(normalise(json.loads(line)["text"]))
                out.append(body)
                out.extend(s.text for s in split_sentences(body))
    return out


def _same(pattern: CaselessPattern, text: str) -> None:
    plain = re.compile(pattern.pattern, re.IGNORECASE)
    want = [m.span() for m in plain.finditer(text)]
    assert pattern.spans(text) == want
    assert [m.span() for m in pattern.finditer(text)] == want
    first = pattern.search(text)
    assert (first.span() if first else None) == (want[0] if want else None)
    for pos in (1, len(text) // 2):
        got = pattern.search(text, pos)
        ref = plain.search(text, pos)
        assert (got.span() if got else None) == (ref.span() if ref else None)


def test_most_patterns_have_a_start_finder() -> None:
    """The speed-up reaches the long alternations (else the finder is dead code)."""
    patterns = _patterns()
    assert len(patterns) > 40
    with_finder = [p for p in patterns if p._starts() is not None]
    assert len(with_finder) > len(patterns) // 2


def test_corpus_matches_equal_plain_regex() -> None:
    texts = _texts()
    assert len(texts) > 200
    for pattern in _patterns():
        for text in texts:
            _same(pattern, text)


_WORDS = ["attack", "attacked", "the", "us", "U.S.", "forces", "rebel-held", "re", "captured",
          "recaptured", "killed", "in", "last", "night", "regime", "pro-regime", "fell", "on",
          "Turkish", "troops", "a", "man", "civilians", "-", ",", "(", "occupation", "israeli",
          "jets", "shelled", "air", "strikes", "airstrikes", "grenades", "militants", "x"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=25),
       st.lists(st.sampled_from(["", " ", "  ", "-", "\n"]), min_size=25, max_size=25))
def test_generated_text_matches_equal_plain_regex(words: list[str], gaps: list[str]) -> None:
    """Words that start patterns run into each other, overlap and sit inside other words."""
    text = "".join(w + g for w, g in zip(words, gaps, strict=False))
    for pattern in _patterns():
        _same(pattern, text)


@pytest.mark.parametrize(("source", "starts"), [
    (r"\b(?:attack(?:s|ed)?|raid)\b", {"attack", "raid"}),
    (r"\b(?:re)?captur(?:ed|ing)", {"recaptured", "recapturing", "captured", "capturing"}),
    (r"f(?:e|a)ll", {"fell", "fall"}),
    (r"(?<!turkish\s)\boccupation\s+forces", {"occupation"}),
    (r"\b(?:\w+\s+)?killed", None),
    (r"[;:]|,", {";", ":", ","}),
    (r"[a-z]+", None),
    (r"(?:a\s+){1,3}b", {"a"}),
])
def test_literal_starts(source: str, starts: set[str] | None) -> None:
    got = _starts(source)
    assert (set(got) if got is not None else None) == starts


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_ascii_word_split_equals_unicode_split(text: str) -> None:
    """fold_text's ASCII tokeniser cuts ASCII text where the Unicode one does."""
    from tracker.core.gazetteer import _SPLIT_ASCII_RE, _SPLIT_RE

    assert _SPLIT_ASCII_RE.split(text) == _SPLIT_RE.split(text)
