"""The classification cache (tracker.core.classify_cache) gives what reading every copy gives."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tracker.core.classifier import Classifier
from tracker.core.classify_cache import CachedClassifier, content_key
from tracker.core.incident import Incident, ItemInput
from tracker.reference import load_reference

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_reference(), ZoneInfo("Asia/Damascus"))


def _items() -> list[ItemInput]:
    items = []
    for name in ("holdout17_cases.jsonl", "holdout18_cases.jsonl"):
        for line in (DATA / name).read_text().splitlines():
            case = json.loads(line)
            items.append(
                ItemInput(
                    case.get("title") or "",
                    case["text"],
                    datetime.fromisoformat(case["published"]),
                    case.get("url"),
                )
            )
    return items


def _dicts(incidents: list[Incident]) -> list[dict[str, object]]:
    return [i.to_dict() for i in incidents]


class _Counting:
    """A classifier that counts its readings (and says what it read)."""

    def __init__(self, inner: Classifier) -> None:
        self.inner = inner
        self.calls = 0

    def classify(self, item: ItemInput) -> list[Incident]:
        self.calls += 1
        return self.inner.classify(item)

    @property
    def ref(self):  # type: ignore[no-untyped-def]
        return self.inner.ref

    @property
    def tz(self):  # type: ignore[no-untyped-def]
        return self.inner.tz


@pytest.mark.parametrize("size", [0, 1, 7, 1000])
def test_copies_get_what_reading_them_gives(classifier: Classifier, size: int) -> None:
    """Every item in four copies (other URLs and language settings), in a shuffled order,
    through a cache of any size (evictions included): the same incidents as reading each
    copy.  The language setting picks the front end, so it is part of the content."""
    items = _items()
    assert len(items) >= 60
    copies = [
        ItemInput(i.title, i.text, i.published, f"https://copy{n}.example/{k}", lang)
        for k, i in enumerate(items)
        for n, lang in enumerate((None, "en", "EN", "ar"))
    ]
    plain = {content_key(c): _dicts(classifier.classify(c)) for c in copies}
    assert sum(1 for v in plain.values() if v) >= 30  # most cases report an act
    assert len(plain) == 3 * len(items)  # "en" and "EN" are one setting
    random.Random(size).shuffle(copies)
    counting = _Counting(classifier)
    cached = CachedClassifier(counting, size)
    for item in copies:
        assert _dicts(cached.classify(item)) == plain[content_key(item)]
    assert len(cached) <= size
    if size == 0:
        assert counting.calls == len(copies)
    if size >= len(plain):
        assert counting.calls == len(plain)  # each content read once
        assert cached.hits == len(copies) - len(plain)


def test_what_the_answer_depends_on_is_in_the_key(classifier: Classifier) -> None:
    """Another title, text or publication time is another reading; the same instant written
    in another offset is a miss (read again), with the same result."""
    item = _items()[0]
    counting = _Counting(classifier)
    cached = CachedClassifier(counting, 100)
    first = _dicts(cached.classify(item))
    later = ItemInput(item.title, item.text, item.published + timedelta(days=3), item.url)
    assert _dicts(cached.classify(later)) == _dicts(classifier.classify(later))
    retitled = ItemInput(item.title + " (update)", item.text, item.published, item.url)
    assert _dicts(cached.classify(retitled)) == _dicts(classifier.classify(retitled))
    edited = ItemInput(item.title, item.text + " More follows.", item.published, item.url)
    assert _dicts(cached.classify(edited)) == _dicts(classifier.classify(edited))
    assert counting.calls == 4
    shifted = item.published.astimezone(timezone(timedelta(hours=5)))
    assert shifted == item.published
    moved = ItemInput(item.title, item.text, shifted, item.url)
    assert content_key(moved) != content_key(item)
    assert _dicts(cached.classify(moved)) == first
    assert counting.calls == 5
    # Title and text boundaries are part of the key.
    a = ItemInput("ab", "c", item.published)
    b = ItemInput("a", "bc", item.published)
    assert content_key(a) != content_key(b)


def test_each_call_gets_its_own_list(classifier: Classifier) -> None:
    item = next(i for i in _items() if classifier.classify(i))
    cached = CachedClassifier(classifier, 10)
    first = cached.classify(item)
    first.clear()
    assert cached.classify(item) == classifier.classify(item)
    assert cached.ref is classifier.ref and cached.tz is classifier.tz


def test_the_app_classifies_through_the_cache(tmp_path: Path) -> None:
    from tracker.app import App
    from tracker.settings import Settings

    settings = Settings(
        database={"url": f"sqlite:///{tmp_path}/t.db"},
        classifier={"cache_items": 123},
        web={"enabled": False},
    )
    app = App(settings)
    try:
        built = app.classification.classifier
        assert isinstance(built, CachedClassifier)
        assert built.size == 123
        assert isinstance(built.inner, Classifier)
    finally:
        asyncio.run(app.aclose())
