"""Right-to-left text helpers (tracker.core.bidi) and the label files (tracker.core.labels,
tracker/data/labels/*.toml): direction by script share, isolates only where they change
something, and every language carrying every label the default one has."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from tracker.core import bidi
from tracker.core.labels import LabelError, flatten, parse_labels
from tracker.reference import label_languages, load_labels

ARABIC = "قصفت قوات النظام مدينة سراقب بريف إدلب الشرقي"


def test_direction_follows_the_share_of_right_to_left_letters() -> None:
    assert bidi.direction(ARABIC) == "rtl"
    assert bidi.direction("Shelling on Sarmin") == "ltr"
    # one Arabic word in an English sentence does not turn it around
    assert bidi.direction("Shelling on سراقب and Sarmin, Idlib countryside") == "ltr"
    # an Arabic sentence quoting a Latin name stays right to left
    assert bidi.direction(f"{ARABIC} (SOHR)") == "rtl"
    # digits and punctuation have no direction
    assert bidi.rtl_share("2024-05-10, 3") == 0.0
    assert bidi.direction("") == "ltr"


def test_isolate_only_where_it_changes_something() -> None:
    plain = "Kafranbel, Idlib"
    assert bidi.isolate(plain) is plain  # English in an English line: untouched
    assert bidi.isolate(ARABIC) == bidi.RLI + ARABIC + bidi.PDI
    # English in an Arabic line keeps its own order
    assert bidi.isolate(plain, "rtl") == bidi.LRI + plain + bidi.PDI
    # mostly-English text holding Arabic: its own first letter decides
    mixed = "Shelling on سراقب"
    assert bidi.isolate(mixed) == bidi.FSI + mixed + bidi.PDI
    assert bidi.isolate("") == ""


def test_dir_attributes_for_html() -> None:
    assert bidi.dir_attributes(ARABIC) == ' dir="rtl" lang="ar"'
    assert bidi.dir_attributes("Shelling on Sarmin") == ""
    # Hebrew is right to left but not Arabic: no lang="ar"
    assert bidi.dir_attributes("שלום עולם") == ' dir="rtl"'
    assert bidi.lang_of(ARABIC) == "ar"


def test_every_language_has_every_default_label() -> None:
    assert {"en", "ar"} <= set(label_languages())
    english = load_labels("en")
    for language in label_languages():
        labels = load_labels(language)
        assert labels.language == language
        assert set(english.texts) <= set(labels.texts), language
        # placeholders are the same fields, so a label cannot ask for a value nobody gives
        for key, text in english.texts.items():
            assert _fields(labels.texts[key]) == _fields(text), (language, key)


def _fields(text: str) -> set[str]:
    import string

    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_arabic_labels_run_right_to_left_and_are_arabic() -> None:
    ar = load_labels("ar")
    assert ar.rtl and ar.direction == "rtl"
    assert ar.get("alert.violation") == "خرق لوقف إطلاق النار"
    for key in ("alert.place", "alert.date", "alert.toll", "alert.agreements", "email.sources"):
        assert bidi.direction(ar.get(key)) == "rtl", key
    assert ar.fill("alert.killed", n=3).startswith("3 ")


def test_a_label_file_missing_a_key_is_refused_with_its_name() -> None:
    english = load_labels("en").texts
    raw = tomllib.loads(
        resources.files("tracker.data").joinpath("labels/ar.toml").read_text("utf-8")
    )
    del raw["alert"]["place"]
    with pytest.raises(LabelError, match=r"labels/ar.toml: missing labels: alert.place"):
        parse_labels(raw, english, origin="labels/ar.toml")
    with pytest.raises(LabelError, match="direction"):
        parse_labels({**raw, "direction": "up"}, None)
    with pytest.raises(LabelError, match=r"alert\.place: a label is text"):
        flatten({"alert": {"place": 3}})


def test_an_unknown_language_is_an_error_naming_it() -> None:
    with pytest.raises(LabelError, match="unknown language 'xx'"):
        load_labels("xx")
