"""Syndicated copies are read once: the classifier's results kept by content.

A wire story reaches the tracker through several feeds (the poll bench carries each story in
four), each copy a new item with its own URL and the same title, text and publication time.
:meth:`tracker.core.classifier.Classifier.classify` reads nothing else of an item but its
language setting (not its URL), and it keeps no state between calls that changes its answer,
so the incidents of one copy are the incidents of every other copy with the same language
setting: :class:`CachedClassifier` returns them from a bounded table of the most recently
classified contents instead of reading the text again. The incidents are frozen dataclasses,
so copies share them safely; each call
gets a list of its own.

The key is a digest of the language setting (the seam picks the front end by it, see
:mod:`tracker.core.lang.detect`), the title, the text and the publication time written with
its UTC offset (two times that are the same instant in different offsets are different keys: a
miss, never a wrong hit). Pure: no I/O, no clock.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from datetime import tzinfo
from typing import Protocol

from tracker.core.incident import Incident, ItemInput
from tracker.core.lang.detect import normalise_code
from tracker.core.registries import Registries


class _Inner(Protocol):
    def classify(self, item: ItemInput) -> list[Incident]: ...

    @property
    def ref(self) -> Registries: ...

    @property
    def tz(self) -> tzinfo: ...


def content_key(item: ItemInput) -> bytes:
    """What the classifier's answer depends on, as a 16-byte digest."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (normalise_code(item.language) or "", item.title or "", item.text or "",
                 item.published.isoformat()):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.digest()


class CachedClassifier:
    """``inner.classify`` with the results of the last ``size`` distinct contents kept
    (least recently used dropped first); ``size`` 0 keeps nothing."""

    def __init__(self, inner: _Inner, size: int) -> None:
        self._inner = inner
        self._size = max(0, size)
        self._results: OrderedDict[bytes, tuple[Incident, ...]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def classify(self, item: ItemInput) -> list[Incident]:
        if self._size == 0:
            return self._inner.classify(item)
        key = content_key(item)
        with self._lock:
            found = self._results.get(key)
            if found is not None:
                self._results.move_to_end(key)
                self.hits += 1
                return list(found)
        incidents = self._inner.classify(item)
        with self._lock:
            self.misses += 1
            self._results[key] = tuple(incidents)
            while len(self._results) > self._size:
                self._results.popitem(last=False)
        return list(incidents)

    def __len__(self) -> int:
        return len(self._results)

    @property
    def size(self) -> int:
        """How many distinct contents are kept at most."""
        return self._size

    @property
    def inner(self) -> _Inner:
        """The classifier that does the reading."""
        return self._inner

    @property
    def ref(self) -> Registries:
        """The reference data of the classifier behind the cache."""
        return self._inner.ref

    @property
    def tz(self) -> tzinfo:
        """Time zone of the classifier behind the cache."""
        return self._inner.tz
