"""The one line `tracker run` logs when it is ready: what an operator checks first (which
version, which database, where the web endpoints are, what it polls, where alerts go, which
agreements it judges against today)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_MAX_NAMES = 5


@dataclass(frozen=True)
class ReadyFacts:
    version: str
    database: str  # already masked
    web: str | None  # base URL, None when the web endpoints are off
    feed_languages: Sequence[str | None]  # one per enabled feed
    notifier: str
    destinations: Sequence[str]  # names of the active destinations
    agreements_in_force: Sequence[str]  # agreement ids
    today: str  # the local Damascus day the agreements were checked for


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_MAX_NAMES])
    more = len(names) - _MAX_NAMES
    return shown + (f" and {more} more" if more > 0 else "")


def languages(feed_languages: Iterable[str | None]) -> str:
    """'en 5, ar 1, unknown 1': languages by number of feeds, most first."""
    counts = Counter(lang or "unknown" for lang in feed_languages)
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return ", ".join(f"{lang} {n}" for lang, n in ranked)


def ready_line(facts: ReadyFacts) -> str:
    n = len(facts.feed_languages)
    feeds = f"{n} feed{'s' if n != 1 else ''}" + (
        f" ({languages(facts.feed_languages)})" if n else ""
    )
    channels = f"{facts.notifier} to " + (
        f"{len(facts.destinations)} destination(s): {_names(facts.destinations)}"
        if facts.destinations
        else "no destination"
    )
    agreements = _names(facts.agreements_in_force) if facts.agreements_in_force else "none"
    return (
        f"tracker {facts.version} ready; database {facts.database}; "
        f"web {facts.web or 'off'}; {feeds}; alerts: {channels}; "
        f"agreements in force on {facts.today}: {agreements}"
    )
