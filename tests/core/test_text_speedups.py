"""Text-layer speed-ups of h-speed4 that must not change an answer: LiteralGate's automaton
(gates of many words) answers as one substring test per word and as the case-insensitive
alternation do, and the rewritten wrapped-break pattern matches where the plain one does."""

from __future__ import annotations

import gc
import json
import re
import re._parser as sre_parser
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import tracker.core.arguments
import tracker.core.events
import tracker.core.frames
import tracker.core.mentions
import tracker.core.numbers  # noqa: F401  (imported for their gates)
from tracker.core.text import (
    _WRAPPED_BREAK,
    CaselessPattern,
    LiteralGate,
    literal_starts,
    normalise,
    split_sentences,
)

DATA = Path(__file__).resolve().parents[1] / "data"


def _gates() -> list[LiteralGate]:
    return [o for o in gc.get_objects() if isinstance(o, LiteralGate)]


def _plain(gate: LiteralGate, text: str) -> bool:
    return re.search("|".join(map(re.escape, gate._words)), text, re.IGNORECASE) is not None


def _sentences() -> list[str]:
    out: list[str] = []
    for path in sorted(DATA.glob("holdout4*_cases.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out += [s.text for s in split_sentences(str(json.loads(line).get("text") or ""))]
    return out


def test_shipped_gates_answer_as_the_alternation_on_report_sentences() -> None:
    gates = _gates()
    assert any(g._automaton is not None for g in gates)
    sentences = _sentences()
    assert len(sentences) > 500
    for gate in gates:
        for s in sentences:
            assert gate(s) == _plain(gate, s)
            assert gate.within(s, s.lower()) == _plain(gate, s)


_WORDS = ["attack", "shell", "town of", "fell on", "kill", "ied", "strike", "blast", "raid"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*_WORDS, "Attack", "SHELL", "Town Of", " ", "x", "é", "of"]),
                max_size=12).map(" ".join))
def test_a_many_word_gate_answers_as_substring_tests(text: str) -> None:
    gate = LiteralGate(_WORDS)
    assert gate._automaton is not None
    assert gate(text) == any(w in text.lower() for w in _WORDS) == _plain(gate, text)


_PLAIN_WRAPPED_BREAK = re.compile(r"(?<=[^\n]{50})[ \t]*\n(?=[ \t]*\S)")


def test_wrapped_breaks_are_found_where_the_plain_pattern_finds_them() -> None:
    texts = [normalise(str(json.loads(line).get("text") or ""))
             for path in sorted(DATA.glob("*_cases.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    found = 0
    for text in texts:
        spans = [m.span() for m in _PLAIN_WRAPPED_BREAK.finditer(text)]
        assert [m.span() for m in _WRAPPED_BREAK.finditer(text)] == spans
        found += len(spans)
    assert found > 100


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a" * 20, "a" * 49, "b", " ", "\t", "\n", " \n", "\n\n", ".",
                                 "1. ", "- "]), max_size=20).map("".join))
def test_wrapped_breaks_on_generated_text(text: str) -> None:
    assert ([m.span() for m in _WRAPPED_BREAK.finditer(text)]
            == [m.span() for m in _PLAIN_WRAPPED_BREAK.finditer(text)])


def test_start_positions_are_every_offset_where_a_start_occurs_once_each() -> None:
    patterns = [o for o in gc.get_objects() if isinstance(o, CaselessPattern)]
    sentences = [s.lower() for s in _sentences()[:300]]
    tried = 0
    for pattern in patterns:
        finder = pattern._starts()
        if finder is None:
            continue
        starts = literal_starts(list(sre_parser.parse(pattern.pattern).data))
        assert starts is not None
        for low in sentences:
            expected = [i for i in range(len(low)) if any(low.startswith(s, i) for s in starts)]
            assert finder.positions(low, 0, len(low)) == expected
            tried += 1
    assert tried > 1000
