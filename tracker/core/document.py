"""Document state: one item's sentences, its mentions per sentence and the act scan of each.

Why a module of its own: every later step (act frames, folding, arguments) reads the same
per-sentence lists; building them once here, with offsets made relative to their sentence,
keeps those steps pure functions of a ``Document``.  The memo dictionaries are the only
mutable state, and they live exactly as long as one classification.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from datetime import datetime, tzinfo

from tracker.core.events import SentenceScan, scan_sentence
from tracker.core.gazetteer import PlaceMention, drop_contradicted, fold_text
from tracker.core.mentions import ActorInfo, find_actors, find_places
from tracker.core.registries import Registries
from tracker.core.text import Sentence, split_sentences

# A line that links another report ("Read more: Army and SDF clash again in Maadan desert"):
# its places, parties and acts are that report's, not this one's.
_TRAILER_LINE = re.compile(r"(?:read more|also read|related|see also|more on)\s*[:\-–]",
                           re.IGNORECASE)


def _is_trailer(text: str, s: Sentence) -> bool:
    """Whether sentence ``s`` starts a "Read more:" / "Related:" line of ``text``."""
    if not _TRAILER_LINE.match(s.text):
        return False
    return not text[text.rfind("\n", 0, s.start) + 1 : s.start].strip()


class Document:
    """State for classifying one item (sentences, mentions, scans)."""

    def __init__(
        self, ref: Registries, tz: tzinfo, text: str, title: str, published: datetime
    ) -> None:
        """Split, find mentions and scan every sentence of ``text`` (``title`` apart)."""
        self.tz = tz
        self.ref = ref
        self.title = title
        self.published = published
        self.pub_date = published.date()
        self.sentences: list[Sentence] = [s for s in split_sentences(text)
                                          if not _is_trailer(text, s)]
        self._starts = [s.start for s in self.sentences]
        self.text = text
        folded = fold_text(text) if text else None
        all_places = find_places(ref, text, folded) if text else []
        all_actors = find_actors(ref, text, folded) if text else []
        self.places: list[list[PlaceMention]] = [[] for _ in self.sentences]
        self.actors: list[list[tuple[int, int, ActorInfo]]] = [[] for _ in self.sentences]
        for pm in all_places:
            i = self._sentence_at(pm.start)
            if i is not None:
                s = self.sentences[i]
                self.places[i].append(PlaceMention(pm.place, pm.start - s.start,
                                                   pm.end - s.start, pm.surface, pm.candidates))
        # Alternate-name matches their own phrase contradicts ("al-Hal ... of Idlib city").
        self.homonyms: dict[int, list[tuple[PlaceMention, PlaceMention]]] = {}
        for i, pms in enumerate(self.places):
            if len(pms) > 1:
                kept, dropped = drop_contradicted(pms, self.sentences[i].text)
                if dropped:
                    self.places[i] = kept
                    self.homonyms[i] = dropped
        for start, end, info in all_actors:
            i = self._sentence_at(start)
            if i is not None:
                s = self.sentences[i]
                self.actors[i].append((start - s.start, end - s.start, info))
        self.scans: list[SentenceScan] = [
            scan_sentence(s.text, self.pub_date) if len(s.text.split(None, 5)) >= 5
            else SentenceScan((), (), None, False, False)
            for s in self.sentences
        ]
        self.context_memo: dict[tuple[int, int], str] = {}
        self.headline_memo: tuple[str, str] | tuple[()] | None = None
        self.title_folded = fold_text(title) if title else None
        self.title_places = (drop_contradicted(find_places(ref, title, self.title_folded), title)[0]
                             if title else [])

    def _sentence_at(self, pos: int) -> int | None:
        """Index of the sentence containing text offset ``pos``."""
        i = bisect_right(self._starts, pos) - 1  # sentences are in order, never overlapping
        if i >= 0 and pos < self.sentences[i].end:
            return i
        return None

    def sentence_text(self, i: int) -> str:
        """Sentence text by index; -1 is the title."""
        return self.title if i < 0 else self.sentences[i].text
