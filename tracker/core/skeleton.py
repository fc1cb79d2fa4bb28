"""Transliteration skeletons: a second, looser way to find a village the gazetteer spells
differently (pure: no I/O).

Why: the exact index (:mod:`tracker.core.gazetteer`) folds the common spelling variants, but
a village named in the news as "Muhkan", "Sarrin" or "Dibsi Afnan" is listed by OCHA as
"Mahkan", "Sirrin" and "Debsi Afnan", or only in Arabic (معدان for "Maadan").  Missing it,
the act falls back to its countryside region or governorate tens of km away.

The skeleton of a name keeps what every romanisation of the same Arabic word shares: its
consonants, folded into classes (kh = x, sh/ch/s = s, th/t = t, dh/d = d, q/k = k, gh = g,
ph/f = f), without vowels, w/y, ayn/hamza, the article (al-/el-/as-/ash- ...), doubled
letters or word breaks ("Kafr Nuran" = "Kafrnuran"), plus a mark for a name that starts
with a vowel.  Arabic names get the same skeleton letter by letter (ح = h, ق = k, ع dropped),
so a Latin spelling in the news meets OCHA's Arabic name without any list of aliases.

A skeleton is lossy, so a skeleton hit (:class:`SkeletonIndex.find`) is only trusted when:
the name is capitalised and is not a stop word; it stands where a place stands ("in/near/at
X", "the village of X", "X village"); it overlaps no exact gazetteer or actor hit; its
skeleton has at least three consonants; and its candidates agree with the report's other
places (same governorate, or within :data:`CONTEXT_KM`), or it has a single candidate in a
report that names no other place.  Curated places come first among candidates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import TYPE_CHECKING

from tracker.core.geo import haversine_km

if TYPE_CHECKING:
    from tracker.core.gazetteer import Place

__all__ = [
    "CONTEXT_KM",
    "MIN_CONSONANTS",
    "MIN_SIMILARITY",
    "SkeletonHit",
    "SkeletonIndex",
    "arabic_skeletons",
    "latin_skeleton",
    "romanise_arabic",
]

# A skeleton candidate must lie within this distance of a place the report names exactly
# (or in the same governorate as one).
CONTEXT_KM = 60.0
# Places named this close (characters) to a skeleton hit are its context, when there are any.
CONTEXT_CHARS = 300
# Fewer consonants than this match far too many names ("Hol" = h-l).
MIN_CONSONANTS = 3
# A name of fewer letters is never read through its skeleton.
_MIN_LETTERS = 4
# A skeleton shared by more places than this is too common to mean anything.
_MAX_CANDIDATES = 12
# Candidates less close than the closest one by more than this are dropped.
_SIMILARITY_SLACK = 0.1
# A surface at least this close to a one-word stop name with its skeleton is that name.
_PERSON_SIMILARITY = 0.95
# A candidate's spelling must be at least this close to the surface (difflib ratio of the
# vowel-class shapes, :func:`_shape`).
MIN_SIMILARITY = 0.88

_ARTICLE_WORDS = frozenset(
    {"al", "el", "il", "ul", "an", "as", "ash", "at", "ath", "ad", "adh", "ar", "az"})
# Applied in order to a folded Latin word (tracker.core.gazetteer.normalise_word output).
_DIGRAPHS = (("kh", "x"), ("sh", "s"), ("ch", "s"), ("th", "t"), ("dh", "d"), ("zh", "d"),
             ("ph", "f"), ("dj", "j"), ("tch", "s"))
_LATIN_MAP = str.maketrans({"a": None, "e": None, "i": None, "o": None, "u": None, "y": None,
                            "w": None, "p": "b", "v": "f", "c": "k", "q": "k", "x": "x"})
_VOWEL_START = frozenset("aeiouyw")
_DOUBLED = re.compile(r"(.)\1+")

# Arabic letters -> consonant classes; long vowels, ayn, hamza and ta marbuta drop out.
_ARABIC_MAP = str.maketrans({
    "ب": "b", "ت": "t", "ث": "t", "ج": "j", "ح": "h", "خ": "x", "د": "d", "ذ": "d",
    "ر": "r", "ز": "z", "س": "s", "ش": "s", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
    "ع": None, "غ": "g", "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n",
    "ه": "h", "و": None, "ي": None, "ى": None, "ا": None, "أ": None, "إ": None, "آ": None,
    "ٱ": None, "ء": None, "ؤ": None, "ئ": None, "ة": None, "ـ": None,
})
_ARABIC_VOWEL_START = frozenset("اأإآٱعءيوئؤ")
_ARABIC_WORD = re.compile(r"[\u0621-\u064A]+")
_ARABIC_DIACRITICS = re.compile(r"[\u064B-\u0652\u0670]")


def _latin_word(word: str) -> str:
    for a, b in _DIGRAPHS:
        if a in word:
            word = word.replace(a, b)
    return word.translate(_LATIN_MAP)


@lru_cache(maxsize=1 << 16)
def latin_skeleton(key: str) -> str:
    """Skeleton of a folded key (words joined by spaces, as ``fold_key`` returns).

    "muhkan" and "mahkan" -> "mhkn"; "al hurriya" -> "hr"; "ayn tarma" -> "_ntrm" ("_" marks
    a word that starts with a vowel, so "Ariha" never meets "Riha" nor "Kafr Omeim" "Kafr
    Ruma").  Doubled letters collapse across words too: "Kafr Ruma" meets كفرومة.
    """
    words = [w for w in key.split() if w not in _ARTICLE_WORDS and w.isalpha()]
    if not words:
        return ""
    body = "".join(("_" if w[0] in _VOWEL_START else "") + _latin_word(w) for w in words)
    return _DOUBLED.sub(r"\1", body)


_STRIP_DIACRITICS = str.maketrans({c: None for c in "\u064b\u064c\u064d\u064e\u064f\u0650"
                                                   "\u0651\u0652\u0670"})


def _arabic_words(name: str) -> list[str]:
    words = _ARABIC_WORD.findall(name.translate(_STRIP_DIACRITICS))
    return [w[2:] if w.startswith("ال") and len(w) > 3 else w for w in words]


def arabic_skeletons(name: str) -> list[str]:
    """Skeletons of an Arabic name: ta marbuta silent, and also read as "t" before another
    word (معرة النعمان is "Maarat al-Numan").  Empty for a non-Arabic name."""
    words = _arabic_words(name)
    if not words:
        return []
    plain: list[str] = []
    construct: list[str] = []
    last = len(words) - 1
    for i, w in enumerate(words):
        mark = "_" if w[0] in _ARABIC_VOWEL_START else ""
        if w[-1] == "ه" and len(w) > 2:
            w = w[:-1]  # final ha is usually the ta marbuta written plain
        plain.append(mark + w.translate(_ARABIC_MAP))
        construct.append(mark + w[:-1].translate(_ARABIC_MAP) + "t"
                         if i < last and w[-1] == "ة" else plain[-1])
    one = _DOUBLED.sub(r"\1", "".join(plain))
    if construct == plain:
        return [one] if one else []
    return [x for x in dict.fromkeys((one, _DOUBLED.sub(r"\1", "".join(construct)))) if x]


# A crude reading of Arabic letters in the news' own spellings (long vowels as vowels, no
# short vowels, ayn as the "a" the news writes for it: Maadan, Ain), used to compare an
# Arabic-only name with a Latin surface.
_ROMAN_MAP = str.maketrans({
    "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh",
    "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
    "ع": "a", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n",
    "ه": "h", "و": "u", "ي": "i", "ى": "a", "ا": "a", "أ": "a", "إ": "i", "آ": "a",
    "ٱ": "a", "ء": "", "ؤ": "u", "ئ": "i", "ة": "a", "ـ": "",
})


def romanise_arabic(name: str) -> str:
    """Arabic name -> a rough news-style Latin spelling ("معدان" -> "madan", "المتونة" ->
    "al-mtuna"); only as good as unvowelled script allows, enough to rank candidates."""
    words = _ARABIC_WORD.findall(_ARABIC_DIACRITICS.sub("", name))
    out = []
    for w in words:
        art = w.startswith("ال") and len(w) > 3
        body = (w[2:] if art else w).translate(_ROMAN_MAP)
        out.append(("al-" if art else "") + body)
    return " ".join(out)


def _consonants(skeleton: str) -> int:
    return len(skeleton) - skeleton.count("_")


_ARABIC_CHAR = re.compile("[\u0600-\u06ff]")


def _is_arabic(name: str) -> bool:
    return _ARABIC_CHAR.search(name) is not None


# --------------------------------------------------------------------------------------------
# Finding skeleton hits in a text
# --------------------------------------------------------------------------------------------

_ART = r"(?:[Aa][lnrstdz]|[Ee]l|[Aa]sh|[Aa]th|[Aa]dh)"
_CAP_WORD = r"[A-Z][^\W\d_]+(?:['’`ʿʾ][^\W\d_]+)*"
# One to four capitalised words, each optionally after an article ("Ghanem al-Ali",
# "Dibsi Afnan", "al-Hurriya", "Tal al-Sheikh Hussein").
_NAME_RUN = re.compile(
    rf"(?<![\w'’-])(?:{_ART}[-‐‑ ])?{_CAP_WORD}(?:[-‐‑ ](?:{_ART}[-‐‑ ])?{_CAP_WORD}){{0,3}}")
_RUN_WORD = re.compile(rf"(?:{_ART}[-‐‑ ])?{_CAP_WORD}")
_PLACE_NOUN = (r"(?:villages?|towns?|city|hamlets?|area|outskirts|edge|"
               r"vicinity|countryside|farms?|farmlands?|hills?|heights|axis|fronts?|"
               r"surroundings|entrance|centre|center|suburbs?|municipality|camp)")
# What comes right before a place: "in", "near the village of", "the town of", "entered".
_CUE_BEFORE = re.compile(
    rf"(?:\b(?:in|near|at|outside|into|around|towards?|from|between|across|"
    rf"entered|stormed|raided|shelled|hit|struck|targeted|bombed|reached|captured|seized)\s+"
    rf"(?:the\s+)?(?:(?:nearby|neighbou?ring|western|eastern|northern|southern|)\s*"
    rf"{_PLACE_NOUN}\s+of\s+)?"
    rf"|\b{_PLACE_NOUN}\s+of\s+)$",
    re.IGNORECASE)
_CUE_AFTER = re.compile(rf"\s+(?:{_PLACE_NOUN}|camp|dam|junction|crossroads|checkpoint|bridge)\b",
                        re.IGNORECASE)
# Stronger evidence, required of a one-word name at least once in the report: a place noun
# ("the village of X", "the X area") or a location phrase right after the name ("X, a
# village", "X, south of Idlib", "X in the western Aleppo countryside").
_STRONG_BEFORE = re.compile(rf"\b{_PLACE_NOUN}\s+of\s+$", re.IGNORECASE)
_STRONG_AFTER = re.compile(
    r",?\s+(?:(?:a|the)\s+(?:small\s+|nearby\s+)?(?:village|town|hamlet)\b|"
    r"(?:(?:about|some)\s+)?(?:\d+\s*(?:km|kilometres|kilometers|miles)\s+)?"
    r"(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?\s+of\b|"
    r"in\s+(?:the\s+)?(?:[\w-]+\s+){0,3}countryside\b)", re.IGNORECASE)
_TRAILER = re.compile(r"\s*(?:read more|also read|related|see also|more on)\b", re.IGNORECASE)
# What says the name is not a village: a family ("the al-Safadi family"), a valley or river
# ("the Barada Valley"), or a district of a city that OCHA does not list ("the Dummar
# district" is not the village Dhameer).
_NOT_AFTER = re.compile(
    r"\s+(?:family|families|clan|tribe|brothers|valley|river|plain|mountains?|district|"
    r"neighbou?rhood|quarter)\b", re.IGNORECASE)

# Capitalised words that start sentences or name things other than places in the news;
# cheaper than a dictionary and enough with the other checks.
# (Folded with the gazetteer's folding when an index is built.)
_STOP_TEXT = """
january february march april may june july august september october november december monday
tuesday wednesday thursday friday saturday sunday today yesterday the this that these those
there their they then when where while after before during israeli israelis syrian syrians
turkish russian iranian kurdish arab arabs druze american british french iraqi lebanese
jordanian israel syria turkey russia iran iraq lebanon jordan president minister ministry
general colonel major captain sheikh commander spokesman army forces force defence defense
security police council brigade brigades division regiment front state islamic democratic
national guard observatory agency news press media reuters united nations union coalition
government opposition rebels regime militia militias human rights civil white helmets red
crescent cross health hospital school mosque church
bedouin bedouins christian christians european muslim muslims sunni shia shiite alawite alawites
ismaili kurd kurds turkmen circassian armenian assyrian yazidi jazira
moscow paris london washington geneva ankara tehran beirut amman baghdad cairo doha riyadh
astana sochi brussels berlin istanbul gaziantep erbil jerusalem aviv
"""
# Parts of place names that are no name on their own ("Jabal", "Kafr").
_PART_TEXT = """
jabal jebel tal tell tall kafr kfar deir dayr ain ayn wadi bir qasr burj beit bayt umm abu
khirbet khirbat mount lake river dam camp road highway airport base hill
north south east west northern southern eastern western central upper lower big small new old
"""

ContextFn = Callable[[int, int], bool]


@dataclass(frozen=True, slots=True)
class SkeletonHit:
    """A name found through its skeleton: original offsets, surface and candidates."""

    start: int
    end: int
    surface: str
    candidates: tuple[Place, ...]


# At most this many name runs remembered by :meth:`SkeletonIndex.find` (then it starts over):
# a long-running service meets new names without end.
_KNOWN_RUNS = 50_000


class SkeletonIndex:
    """Skeleton -> places, over every Latin and Arabic name of the given places."""

    def __init__(self, by_skeleton: dict[str, tuple[Place, ...]],
                 stop_keys: frozenset[str], stop_words: frozenset[str],
                 name_parts: frozenset[str]) -> None:
        """Use :meth:`build`."""
        self._name_parts = name_parts
        self._by = by_skeleton
        # Name run -> whether its skeleton is indexed, for one fold function: most runs of
        # every report ("The", "Syrian", "On Monday") are asked about again and again, and one
        # dictionary look-up is cheaper than the two cached calls it stands for.
        self._known: dict[str, bool] = {}
        self._known_fold: Callable[[str], str] | None = None
        self._stop = stop_keys
        self._stop_words = stop_words
        # One-word stop names (person names) by skeleton, as vowel-class shapes.
        self._stop_shapes: dict[str, list[str]] = {}
        for k in stop_keys:
            if " " not in k and k.isascii():
                self._stop_shapes.setdefault(latin_skeleton(k), []).append(_shape(k))

    @classmethod
    def build(cls, places: Iterable[Place], fold: Callable[[str], str],
              stop_keys: Iterable[str] = ()) -> SkeletonIndex:
        """Index the Syrian places (curated ones first, then in the given order).

        ``fold`` is the gazetteer's key folding; ``stop_keys`` are folded names that are
        never read through a skeleton (person names, actor names).
        """
        places = [p for p in places if p.country == "SY" and p.precision <= 3]
        places.sort(key=lambda p: not p.curated)  # stable: priority order kept within
        by: dict[str, list[Place]] = {}
        for p in places:
            for name in _spelled_out((p.name, *p.aliases)):
                skels = (arabic_skeletons(name) if _is_arabic(name)
                         else [latin_skeleton(fold(name))])
                for s in skels:
                    if _consonants(s) < MIN_CONSONANTS:
                        continue
                    cands = by.setdefault(s, [])
                    if not cands or cands[-1] is not p:  # p's own names come together
                        cands.append(p)
        return cls({k: tuple(v) for k, v in by.items() if len(v) <= _MAX_CANDIDATES},
                   frozenset(stop_keys), frozenset(fold(w) for w in _STOP_TEXT.split()),
                   frozenset(fold(w) for w in _PART_TEXT.split()))

    def __len__(self) -> int:
        """Number of distinct skeletons."""
        return len(self._by)

    def candidates(self, name: str, fold: Callable[[str], str]) -> tuple[Place, ...]:
        """Places sharing the skeleton of ``name`` (no context checks)."""
        s = latin_skeleton(fold(name))
        return self._by.get(s, ()) if _consonants(s) >= MIN_CONSONANTS else ()

    def find(self, text: str, fold: Callable[[str], str], blocked: Sequence[tuple[int, int]],
             placed: Sequence[tuple[int, int]],
             context: Sequence[tuple[int, int, Place]]) -> list[SkeletonHit]:
        """Skeleton hits in ``text`` that pass the checks in the module docstring.

        ``blocked``: spans no hit may touch (actor names); ``placed``: spans of exact place
        hits, which a hit may only contain whole, as a longer name (the caller then drops
        them); ``context``: (start, end, place) of the Syrian places named exactly.
        """
        found: list[tuple[SkeletonHit, str, bool]] = []
        by = self._by
        if fold is not self._known_fold or len(self._known) > _KNOWN_RUNS:
            self._known, self._known_fold = {}, fold
        known = self._known
        for run in _NAME_RUN.finditer(text):
            name = run.group()
            indexed = known.get(name)
            if indexed is None:
                indexed = known[name] = latin_skeleton(fold(name)) in by
            if not indexed:
                continue  # most runs
            s0, e0 = run.start(), run.end()
            if any(s0 < e and s < e0 for s, e in blocked):
                continue
            inside = [(s, e) for s, e in placed if s0 < e and s < e0]
            if inside and (not all(s0 <= s and e <= e0 for s, e in inside)
                           or sum(_bare_words(fold(text[s:e])) for s, e in inside)
                           >= _bare_words(fold(run.group()))):
                continue  # read by the exact index already, whole or in part
            # The whole run only: a name cut short ("Teqil" of "Teqil Beqil", "Jabal" of
            # "Jabal al-Duwayla") meets a different village far too often.
            others = [(s, p) for s, e, p in context if not (s0 <= s and e <= e0)]
            tried = self._try(text, s0, e0, fold, others)
            if tried is not None:
                found.append(tried)
        # A one-word name ("Monitor", "Fallen" are skeletons of villages too) needs strong
        # evidence somewhere in the report; then its plain "in X" mentions count as well.
        strong = {key for _, key, is_strong in found if is_strong}
        return [h for h, key, _ in found if " " in key or key in strong]

    def _try(self, text: str, start: int, end: int, fold: Callable[[str], str],
             context: Sequence[tuple[int, Place]]) -> tuple[SkeletonHit, str, bool] | None:
        """(hit, bare folded key, strong evidence) for one run, or None."""
        surface = text[start:end]
        before = text[max(0, start - 40): start]
        key = fold(surface)
        bare = [w for w in key.split() if w not in _ARTICLE_WORDS]
        if not bare or sum(len(w) for w in bare) < _MIN_LETTERS:
            return None
        if bare[0] in self._stop_words or key in self._stop or " ".join(bare) in self._stop:
            return None
        if len(bare) == 1 and bare[0] in self._name_parts:
            return None
        if surface.isupper():
            return None  # a dateline ("IDLIB -") or an acronym ("SOHR")
        skeleton = latin_skeleton(key)
        if _NOT_AFTER.match(text, end) or any(
                s == end + 2 and text[end:s] == " (" for s, _ in context):
            return None  # "Zirkan (Abu Rasin)": the name in brackets is the known one
        strong_after = bool(_CUE_AFTER.match(text, end) or _STRONG_AFTER.match(text, end))
        if not (strong_after or _CUE_BEFORE.search(before)):
            return None
        if _TRAILER.match(text, text.rfind("\n", 0, start) + 1):
            return None  # "Read more: ... in Maadan desert" is another report's headline
        cands = self._by.get(skeleton, ())
        if not cands:
            return None
        if len(bare) == 1 and _lower_elsewhere(surface, text):
            return None  # "Shelling ... shelling": an English word, capitalised here
        cands = _agreeing(cands, context, start)
        if not cands:
            return None
        compact = "".join(bare)
        scored = _close_enough(compact, cands, fold)
        if not scored:
            return None
        # A person's name spelled another way ("Otman" = Othman) stays a person when it is at
        # least as close to the stop name as to any place.
        mine = _shape(compact)
        person = max((SequenceMatcher(None, mine, o).ratio()
                      for o in self._stop_shapes.get(skeleton, ())), default=0.0)
        if person >= _PERSON_SIMILARITY and person >= scored[0][0]:
            return None
        is_strong = strong_after or bool(_STRONG_BEFORE.search(before))
        hit = SkeletonHit(start, end, surface, tuple(p for _, p in scored))
        return hit, " ".join(bare), is_strong


def _bare_words(key: str) -> int:
    return sum(w not in _ARTICLE_WORDS for w in key.split())


def _lower_elsewhere(surface: str, text: str) -> bool:
    """Whether the word also appears in lower case in the text ("Shelling ... shelling")."""
    lower = surface.lower()
    return lower != surface and lower in text and re.search(
        rf"(?<![\w'’-]){re.escape(lower)}(?![\w'’-])", text) is not None


_SHAPE_MAP = str.maketrans({"e": "a", "i": "a", "o": "a", "u": "a",
                            "p": "b", "v": "f", "c": "k", "q": "k"})


@lru_cache(maxsize=1 << 14)
def _shape(compact_key: str) -> str:
    """A folded name with consonant classes and every vowel as "a", doubled letters collapsed:
    "kakfin" and "kukfin" -> "kakfan"; vowels and w/y still count, unlike the skeleton."""
    for a, b in _DIGRAPHS:
        if a in compact_key:
            compact_key = compact_key.replace(a, b)
    return _DOUBLED.sub(r"\1", compact_key.translate(_SHAPE_MAP))


def _similarity(bare_key: str, place: Place, fold: Callable[[str], str]) -> float:
    """How close the surface is to the place's nearest name, vowels included (Arabic names
    through :func:`romanise_arabic`), word breaks ignored."""
    best = 0.0
    mine = _shape(bare_key)
    for name in (place.name, *place.aliases):
        latin = romanise_arabic(name) if _is_arabic(name) else name
        other = _shape("".join(w for w in fold(latin).split() if w not in _ARTICLE_WORDS))
        best = max(best, SequenceMatcher(None, mine, other).ratio())
    return best


def _close_enough(compact: str, cands: tuple[Place, ...],
                  fold: Callable[[str], str]) -> list[tuple[float, Place]]:
    """(similarity, place) of the candidates at least :data:`MIN_SIMILARITY` close to the
    surface ("Moscow" is not "Mashku") and nearly as close as the closest ("Sarrin" is Sirrin
    rather than Shran), closest first, priority order among equals; which of them is meant is
    then the context's choice (:meth:`Gazetteer.resolve`)."""
    scored = [(_similarity(compact, p, fold), i, p) for i, p in enumerate(cands)]
    scored = [x for x in scored if x[0] >= MIN_SIMILARITY]
    if not scored:
        return []
    top = max(x[0] for x in scored)
    scored = [x for x in scored if x[0] >= top - _SIMILARITY_SLACK]
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [(sim, p) for sim, _, p in scored]


def _spelled_out(names: Sequence[str]) -> list[str]:
    """Names without the glued forms of another name ("Kafromeim", كفرعميم next to "Kafr
    Omeim"): glued, a word that starts with a vowel loses its mark and meets other names
    ("Kafr Ruma")."""
    spaced = {n.replace(" ", "").replace("-", "").casefold() for n in names if " " in n}
    if not spaced or len(spaced) == len(names):
        return list(names)
    return [n for n in names
            if " " in n or n.replace("-", "").casefold() not in spaced]


def _agreeing(cands: tuple[Place, ...], context: Sequence[tuple[int, Place]],
              pos: int) -> tuple[Place, ...]:
    """Candidates consistent with the report's exactly named places.

    A candidate agrees with a region or governorate named anywhere in the report that it
    lies in, or with a village or town within :data:`CONTEXT_KM` of it: one named within
    :data:`CONTEXT_CHARS` of the hit when there are any, else any.  With no context at all
    only a single candidate is trusted.
    """
    if not context:
        return cands if len(cands) == 1 else ()
    govs = {p.admin1 for _, p in context if p.precision >= 4}
    spots = [(s, p) for s, p in context if p.precision < 4]
    near = [p for s, p in spots if abs(s - pos) <= CONTEXT_CHARS] or [p for _, p in spots]
    return tuple(p for p in cands if p.admin1 in govs or any(
        haversine_km(p.lat, p.lon, c.lat, c.lon) <= CONTEXT_KM for c in near))
