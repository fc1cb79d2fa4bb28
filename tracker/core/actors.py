"""Armed-actor registry: which side a named group is on, and where it is named in a text.

Pure code (no I/O).  Names are matched with one Aho-Corasick automaton over the same folded text
as the gazetteer (so "Hurras Al Deen" finds Hurras al-Din and "Hayat Tahrir Al Sham" finds HTS).
Very short all-capital acronyms (IS, HTS, SNA, TIP, SAA ...) are the exception: as ordinary words
they collide with English ("is", "tip"), so they only count when written exactly as the acronym.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

import ahocorasick

from tracker.core.gazetteer import FoldedText, fold_key, fold_text

__all__ = [
    "SIDES",
    "Actor",
    "ActorMention",
    "ActorPeriod",
    "ActorRegistry",
    "actor_id",
    "is_case_sensitive_alias",
]

SIDES = frozenset({"government", "opposition", "other"})
# Acronyms up to this length, written in capitals, must match case-sensitively.
_MAX_STRICT_ACRONYM = 3


def actor_id(name: str) -> str:
    """Stable id of an actor without an explicit one: its name in lower case, words joined by
    '-' ("Syrian government forces" -> "syrian-government-forces")."""
    return re.sub(r"[^0-9a-z]+", "-", name.casefold()).strip("-")


@dataclass(frozen=True)
class ActorPeriod:
    """Which camp an actor belongs to from ``start`` to ``end`` (inclusive local days; None is
    open).  Camps are what agreements name as ``@camp`` on a side: "government" means the
    Syrian state of that day, so HTS is "opposition" until 2024-12-07 and "government" after."""

    start: date | None
    end: date | None
    camp: str
    note: str = ""

    def covers(self, day: date) -> bool:
        """True when ``day`` falls inside the period."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Actor:
    """An armed actor: ``side`` is government / opposition / other; ``excluded`` marks groups
    the agreements exclude as terrorist (attacks on them still count, but callers filter).

    ``side`` is the role the text analysis uses (who is "the other side" of a clause); which
    agreement side an actor is on depends on the day, so that comes from ``periods``
    (:meth:`camp_on`), falling back to ``side`` outside every period."""

    name: str
    side: str
    excluded: bool
    aliases: tuple[str, ...] = ()
    arabic: tuple[str, ...] = ()
    notes: str = ""
    id: str = ""
    periods: tuple[ActorPeriod, ...] = ()

    @property
    def key(self) -> str:
        """The actor's id (explicit, else derived from the name)."""
        return self.id or actor_id(self.name)

    def camp_on(self, day: date | None) -> str:
        """The camp on ``day``: the first period covering it, else ``side``."""
        if day is not None:
            for p in self.periods:
                if p.covers(day):
                    return p.camp
        return self.side


@dataclass(frozen=True)
class ActorMention:
    """An actor named in a text; ``start``/``end`` index the ORIGINAL text."""

    actor: Actor
    start: int
    end: int
    surface: str


def is_case_sensitive_alias(alias: str) -> bool:
    """Short all-capital acronyms ("IS", "HTS", "SNA") must be matched exactly as written."""
    letters = [c for c in alias if c.isalnum()]
    return 0 < len(letters) <= _MAX_STRICT_ACRONYM and all(c.isupper() for c in letters)


def _alnum(s: str) -> str:
    """Letters and digits only, possessive 's removed (for exact acronym comparison)."""
    for suffix in ("'s", "’s"):
        if s.endswith(suffix):
            s = s[: -len(suffix)]
    return "".join(c for c in s if c.isalnum())


@dataclass(frozen=True)
class _Key:
    """One automaton key; ``exact`` lists the case-sensitive spellings ("" = any case)."""

    key: str
    actor: Actor
    exact: frozenset[str]
    any_case: bool


class ActorRegistry:
    """All actor names and aliases compiled into one automaton."""

    def __init__(
        self, actors: list[Actor], keys: list[_Key], automaton: ahocorasick.Automaton
    ) -> None:
        """Use :meth:`build`."""
        self._actors = actors
        self._by_name = {a.name.casefold(): a for a in actors}
        self._keys = keys
        self._automaton = automaton

    @classmethod
    def build(cls, actors: Iterable[Actor]) -> ActorRegistry:
        """Compile the actors once; on an alias clash the earlier actor wins."""
        actor_list = list(actors)
        for a in actor_list:
            if a.side not in SIDES:
                raise ValueError(f"actor {a.name!r}: side {a.side!r} not in {sorted(SIDES)}")
        collected: dict[str, tuple[Actor, set[str], bool]] = {}
        for a in actor_list:
            for alias in dict.fromkeys((a.name, *a.aliases, *a.arabic)):
                key = fold_key(alias)
                if not key:
                    continue
                owner, exact, any_case = collected.get(key, (a, set(), False))
                if owner is not a:
                    continue
                if is_case_sensitive_alias(alias):
                    exact.add(_alnum(alias))
                else:
                    any_case = True
                collected[key] = (owner, exact, any_case)
        automaton = ahocorasick.Automaton()
        keys: list[_Key] = []
        for key, (actor, exact, any_case) in collected.items():
            keys.append(_Key(key, actor, frozenset(exact), any_case))
            automaton.add_word(f" {key} ", len(keys) - 1)
        if keys:
            automaton.make_automaton()
        return cls(actor_list, keys, automaton)

    @property
    def actors(self) -> tuple[Actor, ...]:
        """All registered actors in registry order."""
        return tuple(self._actors)

    def get(self, name: str) -> Actor | None:
        """Actor by canonical name (case-insensitive), or None."""
        return self._by_name.get(name.casefold())

    def by_id(self, key: str) -> Actor | None:
        """Actor by id, or None."""
        return next((a for a in self._actors if a.key == key), None)

    def with_periods(self, periods: Mapping[str, Iterable[ActorPeriod]]) -> ActorRegistry:
        """New registry whose actors carry the dated camps given by actor id (unknown ids are
        an error: a typo would silently leave an actor on its old side)."""
        known = {a.key for a in self._actors}
        unknown = sorted(set(periods) - known)
        if unknown:
            raise ValueError(f"actor periods for unknown actor ids: {', '.join(unknown)}")
        return ActorRegistry.build(
            replace(a, periods=tuple(periods.get(a.key, ()))) if a.key in periods else a
            for a in self._actors
        )

    def find(self, text: str, folded: FoldedText | None = None) -> list[ActorMention]:
        """Actor mentions, non-overlapping, longest match wins, in text order.

        ``folded`` (from :func:`tracker.core.gazetteer.fold_text` on the same text) lets the
        caller fold a text once for both the gazetteer and this registry.
        """
        if not self._keys:
            return []
        ft = folded if folded is not None and folded.text is text else fold_text(text)
        hits: list[tuple[int, int, _Key]] = []
        for end_idx, key_id in self._automaton.iter(ft.folded):
            k = self._keys[key_id]
            last = ft.word_at_space(end_idx)
            first = last - k.key.count(" ")
            if not k.any_case:
                s, e = ft.span(first, last)
                if _alnum(text[s:e]) not in k.exact:
                    continue
            hits.append((first, last, k))
        hits.sort(key=lambda h: (-(h[1] - h[0]), -len(h[2].key), h[0]))
        taken = bytearray(len(ft.word_starts))  # 1 for each word a kept hit covers
        out: list[ActorMention] = []
        for first, last, k in hits:
            if taken.find(1, first, last + 1) != -1:
                continue  # overlaps a longer hit
            taken[first : last + 1] = b"\x01" * (last + 1 - first)
            s, e = ft.span(first, last)
            out.append(ActorMention(k.actor, s, e, text[s:e]))
        out.sort(key=lambda m: m.start)
        return out
