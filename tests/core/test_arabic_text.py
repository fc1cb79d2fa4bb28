"""Arabic text handling: normalisation with offsets, digits, punctuation, sentences, clauses,
clitic-aware phrase matching, and the language choice."""

from __future__ import annotations

import pytest

from tracker.core.lang.arabic import (
    PhraseIndex,
    clauses,
    normalise,
    normalise_key,
    split_sentences,
    stems,
    tokens,
)
from tracker.core.lang.detect import choose_language, normalise_code, script_language


@pytest.mark.parametrize(("written", "key"), [
    ("أريحا", "اريحا"), ("إدلب", "ادلب"), ("آفس", "افس"), ("ٱلرقة", "الرقه"),
    ("معرة النعمان", "معره النعمان"), ("مصطفى", "مصطفي"), ("قوّاتُ النِّظامِ", "قوات النظام"),
    ("قـــصف", "قصف"), ("حماة", "حماه"), ("حماه", "حماه"),
])
def test_normalisation_folds_spellings_of_one_word(written: str, key: str) -> None:
    assert normalise_key(written) == key


def test_digits_and_punctuation_become_ascii() -> None:
    assert normalise("١٢٣ و۴۵۶").text == "123 و456"
    assert normalise("قصف، ثم؛ ماذا؟").text == "قصف, ثم; ماذا?"


def test_offsets_map_normalised_spans_back_to_the_text_as_written() -> None:
    written = "قَصَفَتْ قوّاتُ النظام بلدةَ كفرنبل"
    norm = normalise(written)
    start = norm.text.index("كفرنبل")
    s, e = norm.original_span(start, start + len("كفرنبل"))
    assert written[s:e] == "كفرنبل"
    start = norm.text.index("قوات النظام")
    s, e = norm.original_span(start, start + len("قوات النظام"))
    assert written[s:e] == "قوّاتُ النظام"


def test_stems_take_off_conjunctions_prepositions_and_lam_alif() -> None:
    assert ("سراقب", 1) in stems("وسراقب")
    assert ("كفرنبل", 1) in stems("بكفرنبل")
    assert ("النظام", 1) in stems("للنظام")
    assert ("الطيران", 2) in stems("وبالطيران")
    assert all(len(stem) >= 2 for stem, _ in stems("وب"))


@pytest.mark.parametrize("surface", ["كفرنبل", "بكفرنبل", "وكفرنبل", "لكفرنبل", "فبكفرنبل"])
def test_clitic_forms_match_the_name_and_quote_only_the_name(surface: str) -> None:
    index = PhraseIndex([("كفرنبل", "Kafr Nabl"), ("قوات النظام", "gov")])
    written = f"قصفت قوات النظام {surface} أمس"
    norm = normalise(written)
    found = index.find(tokens(norm.text))
    assert [m.value for m in found] == ["gov", "Kafr Nabl"]
    s, e = norm.original_span(found[1].start, found[1].end)
    assert written[s:e] == "كفرنبل"


def test_prefix_keys_match_verb_endings_and_longest_phrase_wins() -> None:
    index = PhraseIndex([("استهدف*", "fire"), ("غارة", "air"), ("غارة جوية", "air2")])
    toks = tokens(normalise("استهدفت غارة جوية واستهدفوا").text)
    assert [m.value for m in index.find(toks)] == ["fire", "air2", "fire"]


def test_sentences_split_at_arabic_question_mark_and_keep_decimals() -> None:
    text = "قصف على إدلب. سقط 2.5 طن؟ نعم\nسطر آخر"
    got = split_sentences(text)
    assert [s.text for s in got] == ["قصف على إدلب.", "سقط 2.5 طن؟", "نعم", "سطر آخر"]
    assert all(text[s.start : s.end] == s.text for s in got)


def test_arabic_commas_cut_clauses_but_short_asides_do_not() -> None:
    sentence = normalise("قصفت قوات النظام، أمس، بلدة كفرنبل، بينما تقدمت الفصائل نحو سراقب").text
    spans = clauses(sentence, frozenset({"امس"}))
    assert len(spans) == 2
    assert "امس" in sentence[spans[0][0] : spans[0][1]]


@pytest.mark.parametrize(("setting", "code"), [("ar", "ar"), ("AR-sy", "ar"), (" en_GB ", "en"),
                                               ("", None), (None, None)])
def test_feed_language_codes(setting: str | None, code: str | None) -> None:
    assert normalise_code(setting) == code


def test_language_from_the_feed_else_from_the_script() -> None:
    arabic = "قصفت قوات النظام بلدة كفرنبل في ريف إدلب الجنوبي"
    assert choose_language("ar", "", "Shelling hit Kafr Nabl").code == "ar"
    assert choose_language(None, "", arabic) == choose_language(None, arabic, "")
    assert choose_language(None, "", arabic).code == "ar"
    assert choose_language(None, "", arabic).source == "script"
    assert choose_language(None, "Shelling", "Government forces shelled Kafr Nabl").code == "en"
    assert script_language("Обстрел Идлиба продолжился") == "ru"
    assert script_language("1234 !!") == "en"
    fr = choose_language("fr", "", "Bombardement sur Idlib")
    assert fr.code == "fr" and not fr.supported
