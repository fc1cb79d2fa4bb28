"""Arabic names of the gazetteer (issue 17): every place in the data carries one, and the Arabic
matcher finds every place by it, bare or with the proclitics Arabic glues to a name.

The cases are generated from the shipped data, not written out: for every Syrian place of the
gazetteer the Arabic front end reads (curated places.csv and regions.csv, OCHA settlements.csv,
GeoNames) and every Arabic name it carries, a templated report ("قصفت قوات النظام ... <name>
في محافظة <governorate>") must come out with a place of that governorate carrying that name.
Names the reader is documented never to take as a place are set aside by the same data that
makes them so (the lexicon's stop list, its actor and date phrases, the minimum lengths), and
counted, so that the test cannot pass by setting everything aside.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import pytest

from tests.support.reference import shipped_reference
from tracker.core.gazetteer import Place
from tracker.core.lang.ar_frontend import read_arabic
from tracker.core.lang.ar_lexicon import _MIN_BULK_LETTERS, ArabicLexicon
from tracker.core.lang.arabic import normalise, normalise_key, stems, tokens
from tracker.reference import _read_text

# Names written wholly in Arabic letters (GeoNames also gives Kurdish and Persian spellings,
# and OCHA joins merged communities with "_" or "-": their halves are names of their own).
_ARABIC_NAME = re.compile(r"^[\u0621-\u063a\u0640-\u0652\u0670\u0671 ]+$")
# Proclitics glued to the name: conjunctions, prepositions and both; ل before the article
# drops the article's alef ("لل"), which the matcher restores.
CLITICS = ("", "و", "ب", "ل", "ف", "وب", "ول")
TEMPLATE = "قصفت قوات النظام بقذائف المدفعية {name} في محافظة {governorate}."
PUBLISHED = datetime(2019, 3, 12, 9, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Case:
    """One Arabic name of one place, with the governorate the sentence names."""

    place: Place
    name: str
    key: str
    governorate: str


def _lexicon() -> ArabicLexicon:
    lex = shipped_reference().arabic
    assert lex is not None
    return lex


def _places() -> list[Place]:
    """The places the Arabic lexicon was built from (curated, OCHA, GeoNames)."""
    return list(shipped_reference().arabic_source._places)  # type: ignore[union-attr]


def _is_arabic(name: str) -> bool:
    return bool(_ARABIC_NAME.match(name))


@cache
def _governorates() -> dict[str, str]:
    """admin1 -> the governorate's Arabic base name ("محافظة إدلب" -> "إدلب"), from places.csv."""
    out: dict[str, str] = {}
    for p in _places():
        if p.kind == "governorate":
            arabic = [a for a in p.aliases if _is_arabic(a)]
            if arabic:
                out.setdefault(p.admin1, arabic[0].replace("محافظة", "").strip())
    return out


def _covering_phrase(lex: ArabicLexicon, name: str, whole: bool) -> bool:
    """Whether an actor, act or date phrase of the lexicon reads the name (``whole``: the
    whole name is one such phrase; else: any of its words belongs to an actor or date phrase,
    words the reader takes before it looks for places; a part of the day is not taken)."""
    toks = tokens(normalise(name).text)
    st = [stems(t.text) for t in toks]
    if whole:
        for index in (lex.actors, lex.acts, lex.dates):
            m = index.match_at(toks, 0, st)
            if m is not None and m.last == len(toks) - 1:
                return True
        return False
    return bool(lex.actors.find(toks, st)) or any(
        m.value[0] != "part" for m in lex.dates.find(toks, st))  # "ظهر" (noon) stays a name


@cache
def _cases() -> tuple[tuple[Case, ...], Counter[str]]:
    """Every (place, Arabic name) the matcher should find, and why the others are left out."""
    lex = _lexicon()
    stop = {normalise_key(w) for w in tomllib.loads(_read_text("lexicons/ar.toml"))["places"]["stop"]}
    govs = _governorates()
    cases: list[Case] = []
    left_out: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    for p in _places():
        if p.country != "SY" or p.kind == "governorate" or p.admin1 not in govs:
            continue
        for name in p.aliases:
            key = normalise_key(name)
            if not _is_arabic(name) or (key, p.admin1) in seen:
                continue
            seen.add((key, p.admin1))
            if key in stop or _covering_phrase(lex, name, whole=True):
                left_out["a stop word of the lexicon"] += 1
            elif len(key.replace(" ", "")) < 3 or (
                    not p.curated and " " not in key and len(key) < _MIN_BULK_LETTERS):
                left_out["shorter than the minimum"] += 1
            elif _covering_phrase(lex, name, whole=False):
                left_out["a word read as an actor or a date"] += 1
            else:
                cases.append(Case(p, name, key, govs[p.admin1]))
    return tuple(cases), left_out


@cache
def _arabic_keys() -> frozenset[str]:
    """Every Arabic name of every place, normalised."""
    return frozenset(normalise_key(a) for p in _places() for a in p.aliases if _is_arabic(a))


def _glued(clitic: str, name: str) -> str:
    """The name with a proclitic: "ل" + "الباب" is written "للباب"."""
    if clitic.endswith("ل") and name.startswith("ال"):
        return clitic + name[1:]
    return clitic + name


def _hides_another(clitic: str, case: Case) -> bool:
    """Whether the glued form, with fewer proclitics taken off, is another place's name
    ("وبداما" is و + Bidama before it is و + ب + Dama): the longer name wins, as it should."""
    if not clitic:
        return False
    first, _, rest = normalise_key(_glued(clitic, case.name)).partition(" ")
    return any(" ".join(filter(None, (stem, rest))) in _arabic_keys()
               for stem, cut in stems(first) if cut < len(clitic))


def _found(case: Case, clitic: str) -> list[Place]:
    text = TEMPLATE.format(name=_glued(clitic, case.name), governorate=case.governorate)
    acts = read_arabic(_lexicon(), "", text, PUBLISHED, UTC)
    return [a.place for a in acts if a.place is not None]


def _is_the_place(case: Case, found: Place) -> bool:
    """The same governorate, and the name among the found place's names (a curated place that
    took over an OCHA row's names, or a homonym in the same governorate, is that place)."""
    names = {normalise_key(n) for n in (found.name, *found.aliases)}
    return found.admin1 == case.place.admin1 and case.key in names


def _misses(clitic: str) -> Iterator[str]:
    cases, _ = _cases()
    for case in cases:
        if _hides_another(clitic, case):
            continue
        found = _found(case, clitic)
        if not any(_is_the_place(case, f) for f in found):
            yield (f"{_glued(clitic, case.name)} ({case.place.name}, {case.place.admin1}) -> "
                   f"{[(f.name, f.admin1) for f in found]}")


# ------------------------------------------------------------------------------------------
# The data
# ------------------------------------------------------------------------------------------


def _csv_rows(name: str) -> list[dict[str, str]]:
    text = _read_text(name)
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


@pytest.mark.parametrize("data_file", ["settlements.csv", "places.csv", "regions.csv"])
def test_every_place_row_has_an_arabic_name(data_file: str) -> None:
    rows = _csv_rows(data_file)
    without = [(r.get("id", ""), r["name"]) for r in rows
               if not any("\u0600" <= c <= "\u06ff" for c in r["arabic"])]
    assert rows and without == []


def test_an_arabic_only_settlement_row_keeps_its_name_in_the_arabic_column() -> None:
    """The matcher reads a place's aliases, not its name: a row named in Arabic (its Latin
    names all stop-listed) lists that name in the arabic column as well."""
    rows = [r for r in _csv_rows("settlements.csv") if _is_arabic(r["name"])]
    assert rows
    assert all(r["name"] in r["arabic"].split("|") for r in rows), [
        r["id"] for r in rows if r["name"] not in r["arabic"].split("|")]


def _indexed_as_itself(lex: ArabicLexicon, key: str) -> bool:
    """Whether the matcher reads the whole key, unstripped, as a place name."""
    toks = tokens(key)
    m = lex.places.match_at(toks, 0, [stems(t.text) for t in toks])
    return m is not None and m.clitics == 0 and m.last == len(toks) - 1


def test_no_bulk_name_hides_a_curated_name_behind_a_proclitic() -> None:
    """An OCHA or GeoNames name that is a proclitic plus a curated place's name (وقاح = و +
    قاح, the Qah camps) would be read before the curated place: such names are stop-listed."""
    curated = {normalise_key(a) for p in _places() if p.curated and p.country == "SY"
               for a in p.aliases if _is_arabic(a)}
    lex = _lexicon()
    hiding = []
    for p in _places():
        if p.curated or p.country != "SY":
            continue
        for name in p.aliases:
            key = normalise_key(name)
            if not _is_arabic(name) or key in curated:
                continue
            for clitic in ("و", "ف", "ب", "ل", "وب", "ول", "فب"):
                rest = key[len(clitic):]
                if (key.startswith(clitic) and len(rest.replace(" ", "")) >= 3
                        and (rest in curated or "ا" + rest in curated)
                        and _indexed_as_itself(lex, key)):
                    hiding.append((p.name, p.admin1, name, clitic))
    assert hiding == []


# ------------------------------------------------------------------------------------------
# The matcher, on generated sentences
# ------------------------------------------------------------------------------------------


def test_most_arabic_names_are_checked() -> None:
    """The exclusions stay exclusions: thousands of names are read, a few hundred set aside."""
    cases, left_out = _cases()
    assert len(cases) >= 5000
    assert sum(left_out.values()) < 0.1 * len(cases), left_out


@pytest.mark.parametrize("clitic", CLITICS, ids=["bare", "wa", "bi", "li", "fa", "wa-bi", "wa-li"])
def test_templated_sentence_finds_the_place_by_its_arabic_name(clitic: str) -> None:
    misses = list(_misses(clitic))
    assert misses == [], f"{len(misses)} names not found, e.g. {misses[:20]}"
