"""Place-name matching for Syrian conflict reports (pure: no I/O).

Reports spell the same village half a dozen ways (Kabani / Kabana / Kabanah, Maarat al-Numan /
Ma'arrat an-Nu'man).  Instead of listing every spelling, both the gazetteer keys and the text are
folded by one word-level normaliser (:func:`normalise_word`) and matched with a single
Aho-Corasick automaton over the folded text.  Every folded word keeps the character span it came
from, so matches are reported with offsets into the ORIGINAL text.

The module also provides the text folding used by :mod:`tracker.core.actors`, so that actor names
and place names are tolerant in the same way.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import accumulate

import ahocorasick

from tracker.core.geo import haversine_km
from tracker.core.skeleton import SkeletonIndex

__all__ = [
    "DIRECTIONS",
    "FoldedText",
    "Gazetteer",
    "Place",
    "PlaceMention",
    "drop_contradicted",
    "expand_regions",
    "fold_key",
    "fold_text",
    "normalise_word",
]

# --------------------------------------------------------------------------------------------
# Text folding
# --------------------------------------------------------------------------------------------

# A word is a run of letters/digits, possibly joined by apostrophe-like characters
# (Ma'arrat, Nu'man, Jolani's).  Hyphens and spaces separate words, so "al-Numan" and
# "al Numan" fold to the same two words.
_WORD_RE = re.compile(r"[^\W_]+(?:['’‘`´ʼ′][^\W_]+)*")

_APOSTROPHES = "'’‘`´ʼ′ʿʾ"
_TRANSLATE = str.maketrans(
    {
        **{c: None for c in _APOSTROPHES},
        "ı": "i",
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ß": "ss",
        "æ": "ae",
        # Arabic: hamza carriers, ta marbuta, alef maqsura, tatweel
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ؤ": "و",
        "ئ": "ي",
        "ـ": None,
    }
)
_DOUBLED_RE = re.compile(r"(.)\1+")
_TRAILING_H_RE = re.compile(r"(?<=[aiu])h$")
_POSSESSIVE_RE = re.compile(r"['’]s$")
# Arabic definite-article forms.  Hyphenated ("an-Nu'man") they are always the article;
# before a space they are the article only when assimilated to the next consonant ("ash Shughur").
_ARTICLES = frozenset({"al", "an", "as", "ash", "at", "ath", "ad", "adh", "ar", "az", "ul"})
_HYPHENS = "-‐‑–"


@lru_cache(maxsize=200_000)
def normalise_word(word: str) -> str:
    """Fold one word so that common transliteration variants compare equal.

    Why each step: casefold + accent stripping (Ḩ -> h), apostrophes/ayn dropped (Ma'arrat ->
    maarrat), possessive 's dropped (Jolani's -> jolani), ou/oo -> u and ee -> i (Nouman, Sarmeen),
    e -> a and o -> u (Maaret / Maarat, Morek / Murak), q -> k (Saraqeb / Sarakeb), ai/ei -> ay
    (Sheikh / Shaykh, Deir / Dayr), doubled letters collapsed (Ma'arrat / Maarat), and a final h
    after a vowel dropped (Kabanah / Kabana).  The same function folds keys and text, so it only
    has to be consistent, not linguistically correct.
    """
    w = _POSSESSIVE_RE.sub("", word) if "s" in word else word
    if w.isascii():
        w = w.lower()  # what casefold and accent stripping leave of ASCII (loading: speed)
    else:
        w = unicodedata.normalize("NFKD", w.casefold())
        w = "".join(c for c in w if not unicodedata.combining(c))
    w = w.translate(_TRANSLATE)
    # Arabic ghayn is written "gh" or "g" (Shughur / Shugour).
    w = w.replace("ou", "u").replace("oo", "u").replace("ee", "i").replace("gh", "g")
    w = w.replace("e", "a").replace("o", "u").replace("q", "k")
    w = w.replace("ai", "ay")
    w = _DOUBLED_RE.sub(r"\1", w)
    return _TRAILING_H_RE.sub("", w) if len(w) > 3 and "h" in w else w


@dataclass(frozen=True)
class FoldedText:
    """A text folded word by word, with each folded word's span in the original text.

    ``folded`` is ``" " + " ".join(words) + " "``: the padding lets keys be stored as
    ``" key "`` so that every automaton hit is automatically on word boundaries.  Build it
    once per text with :func:`fold_text` and pass it to both the gazetteer and the actor
    registry to fold each text only once.
    """

    text: str
    folded: str
    word_starts: Sequence[int]  # original start offset of each word
    word_ends: Sequence[int]  # original end offset (exclusive) of each word

    def span(self, first_word: int, last_word: int) -> tuple[int, int]:
        """Original (start, end) of words first_word..last_word inclusive."""
        return self.word_starts[first_word], self.word_ends[last_word]

    def word_at_space(self, folded_index: int) -> int:
        """Index of the word whose trailing space is at ``folded_index``."""
        return self.folded.count(" ", 0, folded_index) - 1


_SPLIT_RE = re.compile(f"({_WORD_RE.pattern})")
# _SPLIT_RE restricted to ASCII text, where a word character other than "_" is [A-Za-z0-9]
# and the apostrophes are ' and `: plain ranges scan faster than the Unicode categories.
_SPLIT_ASCII_RE = re.compile(r"([A-Za-z0-9]+(?:['`][A-Za-z0-9]+)*)")
_OTHER_ARTICLES = _ARTICLES - {"al"}


def _fold_words(text: str) -> tuple[list[str], list[int], list[int]]:
    """Tokenise and fold ``text``; articles get the canonical form "al".

    Written with split/accumulate/map rather than a per-match loop: folding is the hot path
    (every article of every feed item).
    """
    parts = (_SPLIT_ASCII_RE if text.isascii() else _SPLIT_RE).split(text)
    raw = parts[1::2]
    offsets = list(accumulate(map(len, parts)))
    starts = offsets[0::2][: len(raw)]
    ends = offsets[1::2]
    words = list(map(normalise_word, raw))
    last = len(words) - 1
    for i in [i for i, w in enumerate(words) if w in _OTHER_ARTICLES]:
        if i == last:
            continue
        hyphenated = ends[i] < len(text) and text[ends[i]] in _HYPHENS
        if hyphenated or _assimilated(words[i], words[i + 1]):
            words[i] = "al"
    return words, starts, ends


def _assimilated(article: str, next_word: str) -> bool:
    """True for "an Numan", "ash Shughur", "at Tanf": article assimilated to a sun letter."""
    consonant = article[1:]
    return next_word.startswith(consonant) and len(next_word) > len(consonant)


def fold_text(text: str) -> FoldedText:
    """Fold ``text`` for matching and keep the offset map back into ``text``."""
    words, starts, ends = _fold_words(text)
    folded = " " + " ".join(words) + " " if words else " "
    return FoldedText(text, folded, starts, ends)


_KEY_WORD_RE = re.compile(f"({_WORD_RE.pattern})([{_HYPHENS}]?)")


@lru_cache(maxsize=1 << 16)
def fold_key(name: str) -> str:
    """Fold a gazetteer/actor name into its matching key (words joined by single spaces).

    Same folding as :func:`fold_text` without the offsets, and cached: loading the reference
    data folds ~25,000 names, several of them more than once, and this is most of its time.
    """
    pairs = _KEY_WORD_RE.findall(name)
    words = [normalise_word(w) for w, _ in pairs]
    for i in range(len(words) - 1):
        if words[i] in _OTHER_ARTICLES and (pairs[i][1] or _assimilated(words[i], words[i + 1])):
            words[i] = "al"
    return " ".join(words)


# --------------------------------------------------------------------------------------------
# Places and mentions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A named location with a UCDP ``where_prec`` precision (1 exact ... 6 country).

    ``country`` is ISO 3166 alpha-2; non-Syrian places exist only as disambiguation candidates
    (Ma'an in Jordan, Sinjar in Iraq) and are never returned by :meth:`Gazetteer.resolve`.
    ``curated`` is False for bulk GeoNames entries. Single-word names of either kind must
    appear capitalised in the text before they count (GeoNames carries many common-word
    names, and a curated "Ma'an" folds to "man").
    """

    name: str
    admin1: str
    lat: float
    lon: float
    precision: int
    kind: str
    country: str = "SY"
    aliases: tuple[str, ...] = ()
    curated: bool = True
    admin2: str = ""


@dataclass(frozen=True)
class PlaceMention:
    """A place found in a text; ``start``/``end`` index the ORIGINAL text.

    ``candidates`` lists every place sharing the matched key (Syrian ones first, in priority
    order); more than one means the surface is ambiguous and :meth:`Gazetteer.resolve` should
    be applied.
    """

    place: Place
    start: int
    end: int
    surface: str
    candidates: tuple[Place, ...] = field(default=(), compare=False)

    @property
    def ambiguous(self) -> bool:
        """True when the surface names more than one place."""
        return len(self.candidates) > 1


# --------------------------------------------------------------------------------------------
# Region generation ("northern Hama countryside", "southern Idlib", "Idlib province")
# --------------------------------------------------------------------------------------------

# direction -> (adjective forms, unit offset (dlat, dlon))
DIRECTIONS: dict[str, tuple[tuple[str, ...], tuple[float, float]]] = {
    "north": (("north", "northern"), (1.0, 0.0)),
    "south": (("south", "southern"), (-1.0, 0.0)),
    "east": (("east", "eastern"), (0.0, 1.0)),
    "west": (("west", "western"), (0.0, -1.0)),
    "northwest": (
        ("northwest", "north-west", "northwestern", "north-western"),
        (0.7071, -0.7071),
    ),
    "northeast": (
        ("northeast", "north-east", "northeastern", "north-eastern"),
        (0.7071, 0.7071),
    ),
    "southwest": (
        ("southwest", "south-west", "southwestern", "south-western"),
        (-0.7071, -0.7071),
    ),
    "southeast": (
        ("southeast", "south-east", "southeastern", "south-eastern"),
        (-0.7071, 0.7071),
    ),
}
# How far (degrees) a generated "northern X" region is moved from the governorate centroid.
# A fixed ~30 km: these are precision-5 fuzzy regions, never used as exact positions.
_REGION_SHIFT_DEG = 0.3
_GOV_SUFFIX_RE = re.compile(r"\s+(?:governorate|province)$", re.IGNORECASE)
_DIRECTIONAL_PATTERNS = (
    "{d} {b}",
    "{d} {b} countryside",
    "{d} countryside of {b}",
    "{d} rural {b}",
    "{d} {b} province",
    "{d} {b} governorate",
    "{d} {b} region",
    "{d} part of {b} province",
    "{d} parts of {b} province",
)
_GOVERNORATE_PATTERNS = (
    "{b} province",
    "{b} governorate",
    "province of {b}",
    "governorate of {b}",
)
_COUNTRYSIDE_PATTERNS = ("{b} countryside", "countryside of {b}", "rural {b}")


def _direction_of(name: str) -> str | None:
    """Direction word a region name starts with ("north-western Hama ..." -> "northwest")."""
    key = fold_key(name)
    best: tuple[int, str] | None = None
    for direction, (forms, _) in DIRECTIONS.items():
        for form in forms:
            f = fold_key(form)
            if key.startswith(f + " ") and (best is None or len(f) > best[0]):
                best = (len(f), direction)
    return best[1] if best else None


def _governorate_bases(gov: Place) -> list[str]:
    """Bare governorate names ("Idlib", "Idleb") from "Idlib province"-style names."""
    bases: list[str] = []
    for n in (gov.name, *gov.aliases):
        b = _GOV_SUFFIX_RE.sub("", n.strip())
        if b != n.strip() and b not in bases:
            bases.append(b)
    return bases or [gov.admin1]


def expand_regions(places: Sequence[Place]) -> list[Place]:
    """Add generated governorate / countryside / directional region names.

    Why: reports locate events as "southern Idlib", "the countryside of Hama" or "Idlib
    province"; listing every combination by hand is error-prone.  Curated regions (kind
    "region" whose name starts with a direction, e.g. "northern Hama countryside") keep their
    coordinates and only gain the generated phrasings; directions without a curated region get
    a new precision-5 place shifted ~30 km from the governorate centroid.  Governorates are the
    places of kind "governorate" (precision 4).
    """
    out = list(places)
    index = {id(p): i for i, p in enumerate(out)}
    # Phrases a curated place already owns ("Damascus countryside" = Rif Dimashq) are not
    # generated again for another place.
    taken = {fold_key(n) for p in places for n in (p.name, *p.aliases)}
    govs = [p for p in places if p.kind == "governorate"]
    curated_dir: dict[tuple[str, str], Place] = {}
    for p in places:
        if p.kind == "region" and p.admin1:
            d = _direction_of(p.name)
            if d and (p.admin1, d) not in curated_dir:
                curated_dir[(p.admin1, d)] = p
    extra: list[Place] = []
    for gov in govs:
        bases = _governorate_bases(gov)
        gov_aliases = [pat.format(b=b) for b in bases for pat in _GOVERNORATE_PATTERNS]
        out[index[id(gov)]] = _with_aliases(gov, gov_aliases)
        countryside = [pat.format(b=b) for b in bases for pat in _COUNTRYSIDE_PATTERNS]
        countryside = [a for a in countryside if fold_key(a) not in taken]
        taken.update(fold_key(a) for a in countryside)
        if countryside:
            extra.append(
                Place(
                    name=countryside[0],
                    admin1=gov.admin1,
                    lat=gov.lat,
                    lon=gov.lon,
                    precision=5,
                    kind="region",
                    aliases=tuple(countryside[1:]),
                )
            )
        for direction, (forms, (dlat, dlon)) in DIRECTIONS.items():
            aliases = [
                pat.format(d=f, b=b) for f in forms for b in bases for pat in _DIRECTIONAL_PATTERNS
            ]
            aliases = [a for a in aliases if fold_key(a) not in taken]
            taken.update(fold_key(a) for a in aliases)
            cur = curated_dir.get((gov.admin1, direction))
            if cur is not None:
                out[index[id(cur)]] = _with_aliases(out[index[id(cur)]], aliases)
                continue
            name = f"{forms[1] if len(forms) > 1 else forms[0]} {gov.admin1} countryside"
            if fold_key(name) in taken - {fold_key(a) for a in aliases}:
                name = aliases[0] if aliases else ""
            if not name:
                continue
            taken.add(fold_key(name))
            extra.append(
                Place(
                    name=name,
                    admin1=gov.admin1,
                    lat=round(gov.lat + dlat * _REGION_SHIFT_DEG, 4),
                    lon=round(gov.lon + dlon * _REGION_SHIFT_DEG, 4),
                    precision=5,
                    kind="region",
                    aliases=tuple(a for a in aliases if a != name),
                )
            )
    return out + extra


def _with_aliases(place: Place, aliases: Iterable[str]) -> Place:
    """Copy of ``place`` with extra aliases (duplicates by folded key dropped)."""
    seen = {fold_key(a) for a in (place.name, *place.aliases)}
    new = list(place.aliases)
    for a in aliases:
        k = fold_key(a)
        if k not in seen:
            seen.add(k)
            new.append(a)
    return replace(place, aliases=tuple(new))


# --------------------------------------------------------------------------------------------
# The gazetteer
# --------------------------------------------------------------------------------------------

_MIN_KEY_CHARS = 3
_DIGIT_RE = re.compile(r"\d")
_SAME_PLACE_KM = 10.0
# resolve(): how far (characters) a governorate / country name may be from an ambiguous
# mention to count as "named nearby", and how far other places count as geographic context.
_ADMIN1_WINDOW = 200
_CONTEXT_WINDOW = 600


@dataclass(frozen=True)
class _Entry:
    """One automaton key: its candidates and whether a capitalised surface is required."""

    key: str
    candidates: tuple[Place, ...]
    needs_capital: bool


def _same_place(a: Place, b: Place) -> bool:
    """Whether two entries for one key describe the same place (e.g. curated vs GeoNames)."""
    if a.country != b.country or a.admin1 != b.admin1:
        return False
    if a.precision >= 4 and b.precision >= 4:
        return True
    return haversine_km(a.lat, a.lon, b.lat, b.lon) <= _SAME_PLACE_KM


def _long_enough(key: str) -> bool:
    """Keys need 3+ characters, except road codes such as "M4" / "M-4"."""
    compact = key.replace(" ", "")
    return len(compact) >= _MIN_KEY_CHARS or (len(compact) == 2 and compact[1].isdigit())


def _ordered(cands: list[Place]) -> tuple[Place, ...]:
    """Syrian candidates first (priority order kept), then foreign ones."""
    return tuple([c for c in cands if c.country == "SY"] + [c for c in cands if c.country != "SY"])


# The transliterated Arabic article stays lower case in running English ("al-Bab").
_ARTICLE = re.compile(r"^(?:[ae][lnrstdz]|ash|adh|ath)[-‐‑]", re.IGNORECASE)


@lru_cache(maxsize=8192)
def _looks_like_name(surface: str) -> bool:
    """Capitalised like a proper name ("Sarmin", not "sarmin" or the acronym "SANA").

    Caseless scripts (Arabic) always pass.  Cached: the same surfaces ("Idlib", "al-Bab")
    recur in every report and the test runs for each of their hits.
    """
    letters = [c for c in _ARTICLE.sub("", surface) if c.isalpha()]
    if not any(c.isupper() or c.islower() for c in letters):
        return True
    return letters[0].isupper() and not all(c.isupper() for c in letters)


_POST_SUFFIX = "observation post"
_POST_WORD = re.compile(r"\bposts?\b", re.IGNORECASE)
_POST_BEFORE = re.compile(r"\b(?:observation\s+)?posts?\b(?:\s+(?:number|no\.?)\s+\d+)?,?\s+"
                          r"(?:at|in|near|of|outside)\s+(?:the\s+)?(?:town\s+of\s+|village\s+of\s+)?$",
                          re.IGNORECASE)
_POST_AFTER = re.compile(r"^\s+(?:observation\s+)?(?:post|OP)\b", re.IGNORECASE)
# "Syria's southern Sweida province", "the country's north-western Idlib region": the direction
# places the governorate in the country, it does not name a part of the governorate.
_COUNTRY_POSSESSIVE = re.compile(r"\b(?:Syria|the\s+country)['\u2019]s\s+$", re.IGNORECASE)
_PART_OF_GOVERNORATE = re.compile(r"\b(?:countryside|rural)\b", re.IGNORECASE)


class Gazetteer:
    """All place names compiled into one Aho-Corasick automaton over folded keys."""

    def __init__(
        self,
        entries: list[_Entry],
        automaton: ahocorasick.Automaton,
        posts: dict[str, Place] | None = None,
        skeletons: Callable[[], SkeletonIndex] | None = None,
    ) -> None:
        """Use :meth:`build`; the constructor only stores the compiled parts.

        ``skeletons`` builds the skeleton index on first use: a tenth of a second that the
        processes which load the reference data but never read a report do not pay.
        """
        self._entries = entries
        self._automaton = automaton
        self._posts = posts or {}
        self._governorates = {e.candidates[0].admin1: e.candidates[0] for e in entries
                              if e.candidates and e.candidates[0].kind == "governorate"}
        self._build_skeletons = skeletons
        self._skeletons: SkeletonIndex | None = None

    @classmethod
    def build(
        cls,
        places: Iterable[Place],
        stop_phrases: Iterable[str] = (),
        skeleton_places: Iterable[Place] | None = None,
        skeleton_stop: Iterable[str] = (),
    ) -> Gazetteer:
        """Compile ``places`` (in priority order: earlier wins on duplicates) once.

        ``stop_phrases`` (e.g. armed-group names such as "Ahrar al-Sham") are matched like
        places but never reported, so a place name inside them ("al-Sham") does not count.
        ``skeleton_places`` (default: ``places``) are also indexed by transliteration
        skeleton (:mod:`tracker.core.skeleton`), a fallback for spellings no key covers;
        ``skeleton_stop`` are names (person names...) never read that way, besides the stop
        phrases.
        """
        by_key: dict[str, list[Place]] = {}
        places = list(places)
        stop_phrases = list(stop_phrases)
        skeleton_list = places if skeleton_places is None else list(skeleton_places)
        skeleton_stops = {fold_key(n) for n in (*stop_phrases, *skeleton_stop)}

        def skeletons() -> SkeletonIndex:
            return SkeletonIndex.build(skeleton_list, fold_key, skeleton_stops)
        for p in places:
            for name in dict.fromkeys((p.name, *p.aliases)):
                key = fold_key(name)
                if not _long_enough(key):
                    continue
                cands = by_key.setdefault(key, [])
                if not any(_same_place(c, p) for c in cands):
                    cands.append(p)
        # "X observation post": X alone names the post after "post ... at"; an X the
        # gazetteer does not otherwise know ("Sher Mughar") can only be the post.
        posts: dict[str, Place] = {}
        suffix = " " + fold_key(_POST_SUFFIX)
        for p in places:
            key = fold_key(p.name)
            if p.kind == "military_site" and key.endswith(suffix):
                base = key[: -len(suffix)]
                if not _long_enough(base):
                    continue
                posts.setdefault(base, p)
                if base not in by_key:
                    by_key[base] = [p]
        automaton = ahocorasick.Automaton()
        entries: list[_Entry] = []
        for key, cands in by_key.items():
            # Single words must be capitalised like a name, curated ones too: "Ma'an" folds
            # to the English word "man".  Names only the bulk lists know must be capitalised
            # whatever their length ("for a" is not OCHA's "For a", "at Tel" not "At Tall").
            # Road codes ("M4") are exempt.
            bulk_only = not any(c.curated for c in cands)
            needs_capital = (" " not in key or bulk_only) and not _DIGIT_RE.search(key)
            entries.append(_Entry(key, _ordered(cands), needs_capital))
            automaton.add_word(f" {key} ", len(entries) - 1)
        for phrase in stop_phrases:
            key = fold_key(phrase)
            if " " in key and key not in by_key:
                by_key[key] = []
                entries.append(_Entry(key, (), False))
                automaton.add_word(f" {key} ", len(entries) - 1)
        if entries:
            automaton.make_automaton()
        return cls(entries, automaton, posts, skeletons)

    def __len__(self) -> int:
        """Number of distinct folded keys."""
        return len(self._entries)

    def lookup(self, name: str) -> tuple[Place, ...]:
        """Candidates for an exact (folded) name; empty when unknown."""
        key = fold_key(name)
        for e in self._entries:
            if e.key == key:
                return e.candidates
        return ()

    def _hits(self, text: str, ft: FoldedText) -> Iterator[tuple[int, int, _Entry]]:
        """All (first_word, last_word, entry) hits, boundaries guaranteed by the padding."""
        entries = self._entries
        if not entries:
            return
        folded = ft.folded
        # ``ft.word_at_space(end_idx)``, counted on from the previous hit: the automaton
        # reports hits by end offset, so the text is counted once, not once per hit.
        counted, spaces = 0, 0
        for end_idx, entry_id in self._automaton.iter(folded):
            entry = entries[entry_id]
            if end_idx < counted:
                counted, spaces = 0, 0
            spaces += folded.count(" ", counted, end_idx)
            counted = end_idx
            last = spaces - 1
            first = last - entry.key.count(" ")
            if entry.needs_capital:
                s, e = ft.span(first, last)
                if not _looks_like_name(text[s:e]):
                    continue
            yield first, last, entry

    def _scan(self, text: str, ft: FoldedText) -> list[tuple[int, int, _Entry]]:
        """Non-overlapping hits, longest (most words, then most characters) first."""
        ft_hits = sorted(self._hits(text, ft), key=lambda h: (-(h[1] - h[0]), -len(h[2].key), h[0]))
        taken = bytearray(len(ft.word_starts))  # 1 for each word a chosen hit covers
        chosen: list[tuple[int, int, _Entry]] = []
        for first, last, entry in ft_hits:
            if taken.find(1, first, last + 1) != -1:
                continue  # overlaps a longer hit
            taken[first : last + 1] = b"\x01" * (last + 1 - first)
            chosen.append((first, last, entry))
        return chosen

    def _mentions(
        self, text: str, folded: FoldedText | None = None, skeletons: bool = False
    ) -> list[PlaceMention]:
        """All selected hits as mentions, including foreign-only ones (used as context);
        with ``skeletons``, also the names found only through their skeleton."""
        ft = folded if folded is not None and folded.text is text else fold_text(text)
        out: list[PlaceMention] = []
        blocked: list[tuple[int, int]] = []
        for first, last, entry in self._scan(text, ft):
            s, e = ft.span(first, last)
            if not entry.candidates:
                blocked.append((s, e))
                continue  # stop phrase
            out.append(PlaceMention(entry.candidates[0], s, e, text[s:e], entry.candidates))
        if skeletons and self._build_skeletons is not None:
            out = self._with_skeleton_hits(text, out, blocked)
        out.sort(key=lambda m: m.start)
        return out

    def _with_skeleton_hits(
        self, text: str, exact: list[PlaceMention], blocked: list[tuple[int, int]]
    ) -> list[PlaceMention]:
        """``exact`` plus the skeleton hits; an exact hit on part of a longer name that the
        skeleton reads whole ("Rihaniya" of "Rihaniya Malikiyeh") gives way to it."""
        if self._skeletons is None:
            assert self._build_skeletons is not None
            self._skeletons = self._build_skeletons()
        context = [(m.start, m.end, m.place) for m in exact
                   if not m.ambiguous and m.place.country == "SY"]
        hits = self._skeletons.find(text, fold_key, blocked,
                                    [(m.start, m.end) for m in exact], context)
        if not hits:
            return exact
        kept = [m for m in exact if not any(h.start <= m.start and m.end <= h.end for h in hits)]
        return kept + [PlaceMention(h.candidates[0], h.start, h.end, h.surface, h.candidates)
                       for h in hits]

    def find(self, text: str, folded: FoldedText | None = None) -> list[PlaceMention]:
        """Syrian place mentions in ``text`` (non-overlapping, longest match wins).

        Ambiguous surfaces carry all their ``candidates``; ``place`` is the default (curated
        first).  Names that only denote foreign places (e.g. "Jordan") are not returned.
        ``folded`` (from :func:`fold_text` on the same text) saves re-folding the text.
        """
        found = [m for m in self._mentions(text, folded, skeletons=True)
                 if m.place.country == "SY"]
        if self._posts and _POST_WORD.search(text):
            found = [self._as_post(m, text) for m in found]
        if "'s " in text or "\u2019s " in text:
            found = [self._as_governorate(m, text) for m in found]
        return found

    def _as_governorate(self, m: PlaceMention, text: str) -> PlaceMention:
        """The governorate itself when a directional region is read after "Syria's": in
        "Syria's southern Sweida province" the direction is Sweida's place in the country.
        "Syria's southern Quneitra countryside" stays the southern countryside."""
        p = m.place
        if (p.kind != "region" or p.precision != 5 or _direction_of(m.surface) is None
                or _PART_OF_GOVERNORATE.search(m.surface)
                or not _COUNTRY_POSSESSIVE.search(text[max(0, m.start - 20) : m.start])):
            return m
        gov = self._governorates.get(p.admin1)
        if gov is None:
            return m
        return replace(m, place=gov, candidates=(gov,))

    def _as_post(self, m: PlaceMention, text: str) -> PlaceMention:
        """The observation post named after the place when the text speaks of a post there
        ("its post number 10, at Sher Mughar", "the Turkish post in Morek")."""
        post = self._posts.get(fold_key(m.surface))
        if post is None or m.place is post:
            return m
        if not (_POST_BEFORE.search(text[max(0, m.start - 50) : m.start])
                or _POST_AFTER.match(text[m.end : m.end + 30])):
            return m
        return replace(m, place=post, candidates=(post,))

    def resolve(
        self, mentions: list[PlaceMention], text: str, folded: FoldedText | None = None
    ) -> list[PlaceMention]:
        """Pick one candidate per ambiguous mention; never return a place outside Syria.

        Order of evidence: a candidate whose governorate (or, for a foreign homonym, country)
        is named within ~200 characters; then the candidate nearest (km) to the unambiguous
        places mentioned around it; then the curated/default order.  A mention whose best
        candidate is foreign ("Sinjar, Iraq") is dropped.
        """
        if not any(m.ambiguous or m.place.country != "SY" for m in mentions):
            return list(mentions)
        context = [c for c in self._mentions(text, folded) if not c.ambiguous]
        out: list[PlaceMention] = []
        for m in mentions:
            if not m.ambiguous:
                if m.place.country == "SY":
                    out.append(m)
                continue
            best = self._choose(m, context)
            if best.country == "SY":
                out.append(replace(m, place=best))
        return out

    @staticmethod
    def _choose(m: PlaceMention, context: list[PlaceMention]) -> Place:
        """Best candidate for an ambiguous mention given unambiguous context mentions."""
        near = [c for c in context if c.end <= m.start or c.start >= m.end]

        def char_gap(c: PlaceMention) -> int:
            return m.start - c.end if c.end <= m.start else c.start - m.end

        def score(item: tuple[int, Place]) -> tuple[float, float, float, int]:
            order, cand = item
            label = cand.admin1 if cand.country == "SY" else cand.admin1 or cand.country
            admin_gaps = [
                char_gap(c)
                for c in near
                if label
                and char_gap(c) <= _ADMIN1_WINDOW
                and (c.place.admin1 == label or c.place.name == label)
            ]
            geo = [
                haversine_km(cand.lat, cand.lon, c.place.lat, c.place.lon)
                for c in near
                if char_gap(c) <= _CONTEXT_WINDOW
                and c.place.precision <= 5
                and c.place.country == cand.country
            ]
            return (
                0.0 if admin_gaps else 1.0,
                float(min(admin_gaps)) if admin_gaps else 0.0,
                min(geo) if geo else math.inf,
                order,
            )

        return min(enumerate(m.candidates), key=score)[1]


# --------------------------------------------------------------------------------------------
# Context check for single matches ("the al-Hal market ... of Idlib city")
# --------------------------------------------------------------------------------------------

# A place named by an alternate or short name is dropped when the phrase it stands in names a
# containing city or governorate farther than this from it, in another governorate.
CONTAINER_CONFLICT_KM = 50.0
_SHORT_NAME_LETTERS = 4
_NP_MAX_WORDS = 12
# Words that end a noun phrase: a mention and a city named across them are not one phrase.
_NP_BREAK = re.compile(
    r"[;:!?()]|\.\s|\b(?:is|are|was|were|be|been|being|has|have|had|came|comes|after|before|"
    r"while|when|whereas|but|since|where|which|who|said|says|hit|struck|killed|killing|"
    r"wounding|shelled|bombed|targeted|attacked|launched|fired|carried|conducted|hitting|"
    r"striking|targeting|then)\b",
    re.IGNORECASE,
)
# How the phrase reaches its container: "... zone of Idlib city", "... in Hama province".
_TO_CONTAINER = re.compile(r"(?:\b(?:of|in|inside|within)\s+(?:the\s+)?|,\s*)$", re.IGNORECASE)
# A container named before the mention must be attached to it: "Idlib city's al-Hal
# market", "in Idlib province, the al-Hal market".
_ATTACHED_BEFORE = re.compile(r"^(?:'s|\s+city's)?\s*,?\s*(?:the\s+)?$", re.IGNORECASE)
_CITY_AFTER = re.compile(r"\s+city\b", re.IGNORECASE)
_CITY_BEFORE = re.compile(r"\bcity\s+of\s+$", re.IGNORECASE)
# A town's countryside is a container too: "Tel Ahmar in the Kobani countryside".
_COUNTRYSIDE_AFTER = re.compile(r"\s+(?:countryside|district|region)\b", re.IGNORECASE)
_COUNTRYSIDE_BEFORE = re.compile(r"\b(?:countryside|district|region)\s+of\s+(?:the\s+)?$",
                                 re.IGNORECASE)


def _by_other_name(m: PlaceMention) -> bool:
    """Matched through an alternate name, or through a very short name."""
    key = fold_key(m.surface)
    if key != fold_key(m.place.name):
        return True
    bare = key[3:] if key.startswith("al ") else key
    return len(bare.replace(" ", "")) <= _SHORT_NAME_LETTERS


def _is_container(c: PlaceMention, text: str) -> bool:
    """A governorate, a city named as such ("Idlib city", "the city of Hama"), or a town's
    countryside ("the Kobani countryside")."""
    p = c.place
    if p.kind == "governorate" or p.precision == 4:
        return True
    if p.precision != 1 or p.kind != "settlement":
        return False
    return (c.surface.casefold().endswith(" city") or p.name.casefold() == p.admin1.casefold()
            or bool(_CITY_AFTER.match(text, c.end))
            or bool(_CITY_BEFORE.search(text[max(0, c.start - 10) : c.start]))
            or bool(_COUNTRYSIDE_AFTER.match(text, c.end))
            or bool(_COUNTRYSIDE_BEFORE.search(text[max(0, c.start - 20) : c.start])))


def _one_phrase(m: PlaceMention, c: PlaceMention, text: str) -> bool:
    """Whether container ``c`` is named in the same noun phrase as ``m``."""
    if c.start >= m.end:
        gap = text[m.end : c.start]
        if not _TO_CONTAINER.search(gap):
            return False
    elif c.end <= m.start:
        return bool(_ATTACHED_BEFORE.match(text[c.end : m.start]))
    else:
        return False
    return len(gap.split()) <= _NP_MAX_WORDS and not _NP_BREAK.search(gap)


def drop_contradicted(
    mentions: Sequence[PlaceMention], text: str
) -> tuple[list[PlaceMention], list[tuple[PlaceMention, PlaceMention]]]:
    """Mentions of ``text`` (one sentence) without those their own phrase contradicts,
    and the dropped ones, each with the container that contradicted it.

    "Air raids hit the al-Hal vegetable market and the adjoining industrial zone of Idlib
    city": "al-Hal" is only an alternate name of al-Hawl in Hasakah, 300 km from Idlib.
    When a place matched by an alternate or short name stands in the same noun phrase as a
    named city or governorate that is in another governorate and more than 50 km away, the
    match is a homonym and is dropped, so the act takes the named container instead.
    Primary-name matches are never dropped: the text may well name two distant places.
    """
    if len(mentions) < 2 or len({m.place.admin1 for m in mentions}) < 2:
        return list(mentions), []  # a conflict needs two governorates
    containers = [c for c in mentions if _is_container(c, text)]
    if not containers:
        return list(mentions), []
    out: list[PlaceMention] = []
    dropped: list[tuple[PlaceMention, PlaceMention]] = []
    for m in mentions:
        far = [c for c in containers if c is not m and c.place.admin1 != m.place.admin1
               and haversine_km(m.place.lat, m.place.lon, c.place.lat, c.place.lon)
               > CONTAINER_CONFLICT_KM]
        hit = next((c for c in far if _one_phrase(m, c, text)), None) if far else None
        if hit is not None and _by_other_name(m):
            dropped.append((m, hit))
            continue
        out.append(m)
    return out, dropped
