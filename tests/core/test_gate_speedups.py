"""LiteralGate's automaton (gates of many words, h-speed4) answers exactly as one substring
test per word and as the case-insensitive alternation do."""

from __future__ import annotations

import gc
import json
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import tracker.core.arguments
import tracker.core.events
import tracker.core.frames
import tracker.core.mentions
import tracker.core.numbers  # noqa: F401  (imported for their gates)
from tracker.core.text import LiteralGate, split_sentences

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
