"""The Arabic lexicon compiled for matching: act words, cues, actors, places, dates, numbers.

Why compiled once here: the words are data (``tracker/data/lexicons/ar.toml``, read by the
reference layer); the front end needs them as normalised phrase indexes, and the places and
actors as the SAME :class:`~tracker.core.gazetteer.Place` and registry actors the English
front end uses, so that sides (with their dated camps), zones and precisions are decided once
for both languages.  Pure: the caller passes the parsed data, the places and the actor registry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tracker.core.actors import ActorRegistry
from tracker.core.gazetteer import DIRECTIONS, Place, fold_key
from tracker.core.lang.arabic import PhraseIndex, normalise_key
from tracker.core.mentions import ActorInfo

# Letters of the Arabic block: a gazetteer alias with any of them is an Arabic name.
_ARABIC = range(0x0621, 0x064B)
# Arabic names the gazetteer shares with ordinary words are dropped when they are this short.
_MIN_BULK_LETTERS = 4


@dataclass(frozen=True)
class ArabicLexicon:
    """Everything the Arabic front end matches, compiled."""

    acts: PhraseIndex[str]  # act kind
    weapon_cues: PhraseIndex[str]  # air / drone / shelling / ied
    negation: frozenset[str]
    unreal: PhraseIndex[str]
    background: PhraseIndex[str]
    habitual: PhraseIndex[str]  # anywhere in the clause: a habit, not one event
    target_cues: PhraseIndex[str]
    agent_cues: PhraseIndex[str]
    source_cues: PhraseIndex[str]  # before an actor that only tells of the act
    between: frozenset[str]
    actors: PhraseIndex[ActorInfo]
    places: PhraseIndex[tuple[Place, ...]]
    near: PhraseIndex[str]
    origin: PhraseIndex[str]
    countryside: frozenset[str]
    governorates: PhraseIndex[str]  # Arabic base name -> admin1
    directions: PhraseIndex[str]  # الشمالي -> "north" (after ريف X)
    bare_directions: PhraseIndex[str]  # جنوب -> "south" (before a governorate's name)
    regions: Mapping[tuple[str, str], Place]  # (admin1, direction or "") -> region place
    dates: PhraseIndex[tuple[str, int]]  # (kind, value)
    ordinals: Mapping[str, int]  # normalised ordinal day ("الثامن", "الحادي عشر") -> day
    time_words: frozenset[str]  # every word of a date phrase (asides between commas)
    numbers: Mapping[str, int]  # normalised word -> value (units, tens)
    teens_first: Mapping[str, int]
    vague: Mapping[str, int]
    approx: PhraseIndex[str]
    persons: Mapping[str, int]  # normalised singular / dual noun -> 1 / 2
    killed: PhraseIndex[str]
    injured: PhraseIndex[str]
    zero: PhraseIndex[str]
    rose: PhraseIndex[str]
    measures: frozenset[str]  # a word after a figure that makes it an age, a size or a date
    unknown: frozenset[str]  # near a negated casualty noun: "nothing known", not "nobody"
    counted: Mapping[str, int]  # a casualty noun that is its own count: قتيل = 1, جريحان = 2
    reply: PhraseIndex[str]  # a reply to an attack: its attacker only answers
    accuse: PhraseIndex[str]  # a verb of accusing: the party accused is the attacker
    # Right before a word of control: control as a state ("الخاضعة لسيطرة"), not an advance.
    state: frozenset[str] = frozenset()
    # First word of a sentence that frames the report ("ويأتي ذلك في سياق ..."): background.
    context: PhraseIndex[str] = field(default_factory=lambda: PhraseIndex(()))


def _words(data: Mapping[str, Any], *path: str) -> list[str]:
    """A list of phrases at ``path`` of the lexicon, or []."""
    node: Any = data
    for key in path:
        node = node.get(key, {}) if isinstance(node, Mapping) else {}
    return [str(w) for w in node] if isinstance(node, list) else []


def _table(data: Mapping[str, Any], *path: str) -> dict[str, Any]:
    """A table at ``path`` of the lexicon, or {}."""
    node: Any = data
    for key in path:
        node = node.get(key, {}) if isinstance(node, Mapping) else {}
    return dict(node) if isinstance(node, Mapping) else {}


def _tagged(words: Iterable[str], tag: str) -> list[tuple[str, str]]:
    return [(w, tag) for w in words]


def _is_arabic(name: str) -> bool:
    return any(ord(ch) in _ARABIC for ch in name)


def _duals(singular: str) -> list[str]:
    """Dual forms of a normalised person noun: طفل -> طفلين/طفلان, امراه -> امراتين."""
    stem = singular[:-1] + "ت" if singular.endswith("ه") else singular
    if singular.endswith("ا"):  # accusative -an forms (مدنيا) have no dual of their own
        return []
    return [stem + "ين", stem + "ان"]


def _persons(nouns: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for noun in nouns:
        key = normalise_key(noun)
        out.setdefault(key, 1)
        if " " not in key:
            for dual in _duals(key):
                out.setdefault(dual, 2)
    return out


def _numbers(data: Mapping[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in ("units", "tens"):
        for word, value in _table(data, "numbers", part).items():
            out[normalise_key(word)] = int(value)
    return out


def _actor_phrases(data: Mapping[str, Any], registry: ActorRegistry) -> list[tuple[str, ActorInfo]]:
    """Aliases of the lexicon and of the registry's arabic column, longest first, each with
    the actor (registry actors keep their registry name, so dated camps apply)."""
    out: list[tuple[str, ActorInfo]] = []
    for name, aliases in _table(data, "actors").items():
        actor = registry.get(name)
        if actor is None:
            raise ValueError(f"ar lexicon: actor {name!r} is not in the actor registry")
        info = ActorInfo(actor.name, actor.side, actor.excluded, False)
        out.extend((str(a), info) for a in aliases)
    for actor in registry.actors:
        info = ActorInfo(actor.name, actor.side, actor.excluded, False)
        out.extend((a, info) for a in actor.arabic)
    for name, spec in _table(data, "generic_actors").items():
        info = ActorInfo(name, str(spec.get("side", "unknown")), False, True)
        out.extend((str(a), info) for a in spec.get("aliases", ()))
    return out


# Head nouns of curated sites' Arabic names; the name of two words or more after them is the
# site too ("نقطة المراقبة التركية في شير مغار").
_SITE_HEADS = frozenset({"نقطه", "قاعده", "مطار"})


def _place_index(
    places: Sequence[Place], stop: set[str]
) -> PhraseIndex[tuple[Place, ...]]:
    """Arabic names of the gazetteer's places, normalised; earlier places first."""
    by_key: dict[str, list[Place]] = {}
    for p in places:
        if p.country != "SY":
            continue
        for alias in p.aliases:
            if not _is_arabic(alias):
                continue
            key = normalise_key(alias)
            keys = [key]
            head, _, rest = key.partition(" ")
            if p.curated and head in _SITE_HEADS and " " in rest:
                keys.append(rest)  # "نقطة شير مغار" is also written "... في شير مغار"
            for key in keys:
                if key in stop or len(key.replace(" ", "")) < 3:
                    continue
                if not p.curated and " " not in key and len(key) < _MIN_BULK_LETTERS:
                    continue
                cands = by_key.setdefault(key, [])
                if not any(c.name == p.name and c.admin1 == p.admin1 for c in cands):
                    cands.append(p)
    return PhraseIndex((k, tuple(v)) for k, v in by_key.items())


def _direction(name: str) -> str:
    """The direction a region's English name starts with ("southern Idlib ..." -> south)."""
    key = fold_key(name)
    best = ""
    size = 0
    for direction, (forms, _) in DIRECTIONS.items():
        for form in forms:
            f = fold_key(form)
            if key.startswith(f + " ") and len(f) > size:
                best, size = direction, len(f)
    return best


def _regions(places: Sequence[Place]) -> dict[tuple[str, str], Place]:
    """(admin1, direction) -> the region place English uses for "<direction> X countryside";
    (admin1, "") -> "X countryside"."""
    out: dict[tuple[str, str], Place] = {}
    for p in places:
        if p.kind != "region" or not p.admin1:
            continue
        names = (p.name, *p.aliases)
        if not any("countryside" in n.lower() for n in names):
            continue
        out.setdefault((p.admin1, _direction(p.name)), p)
    return out


def _governorates(places: Sequence[Place]) -> PhraseIndex[str]:
    """Arabic base names of the governorates ("محافظة إدلب" -> "إدلب") -> admin1."""
    pairs: list[tuple[str, str]] = []
    for p in places:
        if p.kind != "governorate":
            continue
        for alias in p.aliases:
            if _is_arabic(alias):
                base = alias.replace("محافظة", "").strip()
                pairs.append((base, p.admin1))
    return PhraseIndex(pairs)


def build_arabic_lexicon(
    data: Mapping[str, Any], places: Sequence[Place], actors: ActorRegistry
) -> ArabicLexicon:
    """Compile the parsed ``ar.toml`` with the gazetteer's places and the actor registry."""
    act_pairs = [(w, kind) for kind, words in _table(data, "acts").items() for w in words]
    cue_pairs = [(w, kind) for kind in ("air", "drone", "shelling", "ied")
                 for w in _words(data, "cues", kind)]
    date_pairs: list[tuple[str, tuple[str, int]]] = []
    for kind in ("today", "yesterday", "day_before_yesterday"):
        date_pairs += [(w, (kind, 0)) for w in _words(data, "dates", kind)]
    date_pairs += [(w, ("weekday", int(v))) for w, v in _table(data, "dates", "weekdays").items()]
    date_pairs += [(w, ("month", int(v))) for w, v in _table(data, "dates", "months").items()]
    date_pairs += [(w, ("part", 0)) for w in _words(data, "dates", "day_parts")]
    actor_pairs = _actor_phrases(data, actors)
    # Words the lexicon reads as something else are never place names.
    stop = {normalise_key(w) for w in _words(data, "places", "stop")}
    stop |= {normalise_key(w) for w, _ in act_pairs if not w.endswith("*")}
    stop |= {normalise_key(w) for w, _ in actor_pairs}
    stop |= {normalise_key(w) for w, _ in date_pairs}
    return ArabicLexicon(
        acts=PhraseIndex(act_pairs),
        weapon_cues=PhraseIndex(cue_pairs),
        negation=frozenset(normalise_key(w) for w in _words(data, "cues", "negation")),
        unreal=PhraseIndex(_tagged(_words(data, "cues", "unreal"), "unreal")),
        background=PhraseIndex(_tagged(_words(data, "cues", "background"), "background")),
        habitual=PhraseIndex(_tagged(_words(data, "cues", "habitual"), "habitual")),
        target_cues=PhraseIndex(_tagged(_words(data, "cues", "target"), "target")),
        agent_cues=PhraseIndex(_tagged(_words(data, "cues", "agent"), "agent")),
        source_cues=PhraseIndex(_tagged(_words(data, "cues", "source"), "source")),
        between=frozenset(normalise_key(w) for w in _words(data, "cues", "between")),
        actors=PhraseIndex(actor_pairs),
        places=_place_index(places, stop),
        near=PhraseIndex(_tagged(_words(data, "places", "near"), "near")),
        origin=PhraseIndex(_tagged(_words(data, "places", "origin"), "origin")),
        countryside=frozenset(normalise_key(w) for w in _words(data, "places", "countryside")),
        governorates=_governorates(places),
        directions=PhraseIndex(_table(data, "places", "directions").items()),
        bare_directions=PhraseIndex(_table(data, "places", "bare_directions").items()),
        regions=_regions(places),
        dates=PhraseIndex(date_pairs),
        ordinals={normalise_key(w): int(v) for w, v in _table(data, "dates", "ordinals").items()},
        time_words=frozenset(w for phrase, _ in date_pairs for w in normalise_key(phrase).split()),
        numbers=_numbers(data),
        teens_first={normalise_key(w): int(v)
                     for w, v in _table(data, "numbers", "teens_first").items()},
        vague={normalise_key(w): int(v) for w, v in _table(data, "numbers", "vague").items()},
        approx=PhraseIndex(_tagged(_words(data, "numbers", "approx"), "approx")),
        persons=_persons(_words(data, "numbers", "persons")),
        killed=PhraseIndex(_tagged(_words(data, "tolls", "killed"), "killed")),
        injured=PhraseIndex(_tagged(_words(data, "tolls", "injured"), "injured")),
        zero=PhraseIndex(_tagged(_words(data, "tolls", "zero"), "zero")),
        rose=PhraseIndex(_tagged(_words(data, "tolls", "rose"), "rose")),
        measures=frozenset(normalise_key(w) for w in _words(data, "numbers", "measures"))
        | {normalise_key(w).split()[0] for w in _table(data, "dates", "months")},
        unknown=frozenset(normalise_key(w) for w in _words(data, "tolls", "unknown")),
        counted={normalise_key(w): int(v) for w, v in _table(data, "tolls", "counted").items()},
        reply=PhraseIndex(_tagged(_words(data, "cues", "reply"), "reply")),
        accuse=PhraseIndex(_tagged(_words(data, "cues", "accuse"), "accuse")),
        state=frozenset(normalise_key(w) for w in _words(data, "cues", "state")),
        context=PhraseIndex(_tagged(_words(data, "cues", "context"), "context")),
    )
