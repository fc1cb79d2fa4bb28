"""The shipped reference data and a classifier over it, loaded once per test process.

`load_reference()` reads and indexes the whole gazetteer (about a second on a quiet machine,
several under load); the registries are read-only lookups, so the test modules that only
read them share one load instead of each loading its own. Tests of loading itself, or of
user additions, still call `load_reference` directly.
"""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo

from tracker.core.classifier import Classifier
from tracker.core.lang.ar_lexicon import ArabicLexicon
from tracker.core.lang.ar_reading import assign_roles, read_sentence
from tracker.reference import ReferenceData, load_reference


@functools.cache
def shipped_reference() -> ReferenceData:
    """`load_reference()` with no user additions, once per process."""
    return load_reference()


def shipped_classifier() -> Classifier:
    """A classifier over the shared shipped reference, in Damascus time (as the app builds
    it with no [reference] files)."""
    return Classifier(shipped_reference(), ZoneInfo("Asia/Damascus"))


def arabic_roles(lex: ArabicLexicon, sentence: str) -> dict[str, str]:
    """The roles the Arabic reader gives the parties of one sentence (which must hold an
    act): the one shared helper of the Arabic role tests."""
    s = read_sentence(lex, sentence)
    assert s.acts, sentence
    return assign_roles(lex, s, s.acts)
