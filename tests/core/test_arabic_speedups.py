"""Speed-ups of the Arabic text layer that must not change a result (h-speed4).

``normalise`` translates the whole text at once instead of character by character, ``stems``
is cached, and ``PhraseIndex.find`` skips words no phrase can start with.  These tests hold
each to the plain algorithm it replaced, on the labelled sets' texts and generated text.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.core.lang import arabic
from tracker.core.lang.arabic import Normalised, PhraseIndex, PhraseMatch, normalise, stems, tokens

DATA = Path(__file__).resolve().parents[1] / "data"


def _plain_normalise(text: str) -> Normalised:
    """The per-character normalisation ``normalise`` replaced."""
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        if ch in arabic._DROPPED:
            continue
        out = ch.translate(arabic._TABLE)
        if out.isascii():
            out = out.lower()
        chars.append(out)
        offsets.append(i)
    offsets.append(len(text))
    return Normalised("".join(chars), tuple(offsets))


def _plain_find(index: PhraseIndex[str], toks: list[arabic.Token]) -> list[PhraseMatch[str]]:
    """``find`` as it was: ``match_at`` tried at every word."""
    st_ = [stems(t.text) for t in toks]
    out: list[PhraseMatch[str]] = []
    k = 0
    while k < len(toks):
        m = index.match_at(toks, k, st_)
        if m is None:
            k += 1
            continue
        out.append(m)
        k = m.last + 1
    return out


def _arabic_texts() -> list[str]:
    texts: list[str] = []
    for path in sorted(DATA.glob("arabic*_cases.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                obj = json.loads(line)
                texts += [str(obj.get("title") or ""), str(obj.get("text") or "")]
    return texts


_ALPHABET = st.sampled_from(
    sorted(arabic._DROPPED) + sorted(arabic._MAP) + list("abcXYZ 09.,É\n")
    + [chr(c) for c in range(0x0620, 0x064B)])


def test_normalise_matches_the_per_character_loop_on_the_labelled_sets() -> None:
    texts = _arabic_texts()
    assert len(texts) > 100
    for text in texts:
        assert normalise(text) == _plain_normalise(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_normalise_matches_the_per_character_loop_on_generated_text(text: str) -> None:
    assert normalise(text) == _plain_normalise(text)


_PHRASES = [("قصف*", "act"), ("استهدف* مواقع", "act2"), ("سراقب", "place"),
            ("كفر نبل", "place2"), ("النظام", "gov"), ("قوات النظام", "gov2"), ("غار*", "air")]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["قصف", "وقصفت", "استهدفت", "مواقع", "بسراقب", "كفر", "نبل",
                                 "للنظام", "قوات", "النظام", "غارات", "على", "في", "و10"]),
                max_size=14))
def test_find_matches_match_at_at_every_word(words: list[str]) -> None:
    index = PhraseIndex(_PHRASES)
    toks = tokens(normalise(" ".join(words)).text)
    assert index.find(toks) == _plain_find(index, toks)
    assert index.find(toks) == _plain_find(index, toks)  # the remembered words give the same


def test_find_matches_match_at_on_the_labelled_sets() -> None:
    index = PhraseIndex(_PHRASES)
    for text in _arabic_texts()[:200]:
        toks = tokens(normalise(text).text)
        assert index.find(toks) == _plain_find(index, toks)


def test_stems_are_cached_tuples() -> None:
    assert stems("وبالطيران") == (("وبالطيران", 0), ("بالطيران", 1), ("الطيران", 2))
    assert stems("للنظام") is stems("للنظام")
