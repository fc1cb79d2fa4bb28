"""One event, many reports: deciding which incidents read from different items describe the
same hostile act, and what the merged incident says.

The rule is the event-data one made explicit: the same kind of act, by compatible actors, on
the same day (or overlapping date ranges when a date is imprecise), at the same place (within a
distance that depends on how precisely each report places it). Text similarity only breaks
ties and excuses a differing sub-type; it never bridges a distance or a date gap.

Clustering is deterministic and order-independent: reports are sorted by a key derived from
their content (never from arrival order) and assigned greedily to the best cluster whose every
member is compatible with them (complete linkage, so an imprecise report cannot chain two
distinct events together). Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from tracker.core.distance import haversine_km
from tracker.core.incident import ActorRole, Incident, Location, read_contract

# Half-width in km of the area a location of each UCDP where_prec precision stands for:
# 1 a settlement, 2 "near" one, 3 a district, 4 a governorate, 5 a fuzzy region, 6 a country.
PLACE_RADIUS_KM = {1: 5.0, 2: 20.0, 3: 40.0, 4: 80.0, 5: 40.0, 6: 1000.0}
# However imprecise one report is, two acts this far apart are never one event.
MAX_DISTANCE_KM = 150.0
# Two exact places this far apart are always two acts, whatever the text says.
EXACT_LIMIT_KM = 30.0
# How far apart two reports of one exact place (a settlement, precision 1) may put it; also
# the farthest an act with an unknown attacker may be merged with another.
EXACT_PLACE_KM = 2 * PLACE_RADIUS_KM[1]
# Days an imprecise date may stand for, after its first day (dates.py resolves a window to
# its first day; a precision-2 fallback date is the report date, so the act may be earlier).
DATE_SPAN_DAYS = {1: (0, 0), 2: (2, 1), 3: (0, 7), 4: (0, 31), 5: (0, 366)}
# Word-shingle overlap above which two texts are copies of one article.
SYNDICATED_SHINGLES = 0.8
# Content-word overlap above which two reports may differ in sub-type and still merge.
SIMILAR_TEXT = 0.45
# Confidence never reaches certainty from news reports alone.
MAX_CONFIDENCE = 0.99

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOPWORDS = frozenset(
    (  # noqa: SIM905 - a word list reads best as words
        "a an and as at by for from in into is it its of on or said says that the their this to "
        "was were with who which after while has have had been be are near local"
    ).split()
)


@dataclass(frozen=True, slots=True)
class Report:
    """One incident read from one item, with what identifies its source.

    ``key`` must come from the content (e.g. the item's URL and the incident's position),
    never from an arrival-order id: it is the tie-breaker that makes clustering stable.
    ``origin`` names the item; two incidents of one item are two acts by construction.
    """

    key: str
    incident: Incident
    origin: str
    url: str | None = None
    title: str = ""
    content_hash: str | None = None
    outlet: str | None = None


@dataclass(frozen=True, slots=True)
class Assessment:
    """Whether two reports may be one event, how well they match, and why."""

    compatible: bool
    score: float
    reasons: tuple[str, ...]
    syndicated: bool = False


@dataclass(frozen=True, slots=True)
class MergedEvent:
    """An event: its reports (representative first), merged values and why they merged."""

    incident: Incident
    reports: tuple[Report, ...]
    source_count: int
    merge_reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(r.key for r in self.reports)

    @property
    def urls(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.url for r in self.reports if r.url))


# -- text ----------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Lower-cased words with 'al-' style prefixes kept as part of the name."""
    return [w.casefold() for w in _WORD.findall(text)]


def content_words(report: Report) -> frozenset[str]:
    """Title and evidence words that carry meaning (spellings differ, so stopwords go)."""
    return _content_words(report.title, report.incident.evidence)


# Cached by the strings themselves (their hashes are kept by Python), not by the report: a
# report's hash covers its whole incident, and syndicated copies share one entry.
@lru_cache(maxsize=8192)
def _content_words(title: str, evidence: tuple[str, ...]) -> frozenset[str]:
    text = " ".join((title, *evidence))
    return frozenset(w for w in words(text) if w not in _STOPWORDS and len(w) > 2)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    common = len(a & b)  # the union's size without building it (the merge loops' hot path)
    return common / (len(a) + len(b) - common)


def text_similarity(a: Report, b: Report) -> float:
    """Content-word Jaccard of title and evidence: rewrites of one story share most names."""
    return _jaccard(content_words(a), content_words(b))


def _shingles(report: Report, n: int = 3) -> frozenset[str]:
    return _evidence_shingles(report.incident.evidence, n)


@lru_cache(maxsize=8192)
def _evidence_shingles(evidence: tuple[str, ...], n: int) -> frozenset[str]:
    tokens = words(" ".join(evidence))
    if len(tokens) < n:
        return frozenset({" ".join(tokens)}) if tokens else frozenset()
    return frozenset(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def syndicated(a: Report, b: Report) -> bool:
    """One article under two URLs: same stored text, or evidence sentences nearly identical.

    Evidence is what the classifier quoted, so copies keep it even when a site rewrites the
    headline; independent writers almost never share most three-word runs.
    """
    if a.content_hash and a.content_hash == b.content_hash:
        return True
    return _jaccard(_shingles(a), _shingles(b)) >= SYNDICATED_SHINGLES


# -- pairwise rule -------------------------------------------------------------------------


def date_span(incident: Incident) -> tuple[date, date] | None:
    """The days an incident's date may stand for, given its precision."""
    if incident.date is None:
        return None
    return _span(incident.date, incident.date_precision)


@lru_cache(maxsize=16384)
def _span(day: date, precision: int) -> tuple[date, date]:
    """`date_span` by value: the merge loops ask it for the same few dates many times."""
    before, after = DATE_SPAN_DAYS.get(precision, DATE_SPAN_DAYS[5])
    return day - timedelta(days=before), day + timedelta(days=after)


def _dates_ok(a: Incident, b: Incident) -> bool:
    """The verdict of :func:`_dates` without its reason."""
    sa, sb = date_span(a), date_span(b)
    return sa is None or sb is None or (sa[0] <= sb[1] and sb[0] <= sa[1])


def _dates(a: Incident, b: Incident) -> tuple[bool, str]:
    if a.date is None or b.date is None:
        return True, "a date is unknown"
    if _dates_ok(a, b):
        if a.date == b.date:
            return True, f"same date {a.date}"
        return (
            True,
            f"date ranges overlap ({a.date} p{a.date_precision}, {b.date} p{b.date_precision})",
        )
    return False, f"different dates ({a.date} p{a.date_precision}, {b.date} p{b.date_precision})"


def place_limit_km(a: Location, b: Location) -> float:
    """How far apart two places may be and still be one act's place."""
    if a.precision <= 1 and b.precision <= 1:
        return 2 * PLACE_RADIUS_KM[1]
    radius = PLACE_RADIUS_KM.get(a.precision, 1000.0) + PLACE_RADIUS_KM.get(b.precision, 1000.0)
    return min(radius, MAX_DISTANCE_KM)


def _place_gap(a: Location, b: Location) -> tuple[str, float, float]:
    """(verdict, km, limit) for two known places; verdict is "same", "near", "far" (beyond
    the distance limit) or "admin" (imprecise places in different governorates)."""
    km = haversine_km(a.lat, a.lon, b.lat, b.lon)
    limit = place_limit_km(a, b)
    if a.name.casefold() == b.name.casefold() and a.precision == b.precision:
        return "same", km, limit
    if km > limit or (a.precision <= 2 and b.precision <= 2 and km >= EXACT_LIMIT_KM):
        return "far", km, limit
    if a.precision >= 3 and b.precision >= 3 and a.admin1 and b.admin1 and a.admin1 != b.admin1:
        return "admin", km, limit
    return "near", km, limit


def _places_ok(a: Location | None, b: Location | None) -> bool:
    """The verdict of :func:`_places` without its reason (the merge loops' hot path)."""
    return a is None or b is None or _place_gap(a, b)[0] in ("same", "near")


def _places(a: Location | None, b: Location | None) -> tuple[bool, str, float]:
    """(compatible, reason, closeness 0..1)."""
    if a is None or b is None:
        return True, "a place is unknown", 0.0
    verdict, km, limit = _place_gap(a, b)
    if verdict == "same":
        return True, f"same place {a.name}", 1.0
    if verdict == "far":
        return False, f"{a.name} and {b.name} are {km:.0f} km apart (limit {limit:.0f})", 0.0
    if verdict == "admin":
        return False, f"different governorates ({a.admin1}, {b.admin1})", 0.0
    return True, f"{a.name} and {b.name} are {km:.1f} km apart (limit {limit:.0f})", 1 - km / limit


def attacker_sides(incident: Incident) -> frozenset[str]:
    """The sides of the attackers a report names (an attacker the violation rule inferred
    is not evidence that two reports describe different acts)."""
    return _sides(incident)[0]


# Sides that never stand for a party when roles are compared: civilians are only ever victims,
# and an unidentified perpetrator says nothing about who was hit.
_NOT_A_PARTY = frozenset({"civilian", "unknown", ""})


def target_sides(incident: Incident) -> frozenset[str]:
    """The armed sides an incident names as targets (civilians and unknowns left out)."""
    return _sides(incident)[1]


# id() of an incident's actors tuple -> (that tuple, attacker sides, target sides, attacker
# parties). The merge loops ask for the sides of one incident for every pair it is in;
# hashing an incident (or its actors) costs more than computing them, so they are kept by
# identity. The sides depend on the actors alone, so the entry holds the actors tuple (which
# keeps its id from being reused while the entry lives), never the incident: holding
# incidents kept their evidence and reasons alive long after the report cache let them go
# (up to 16,384 of them, tens of MB on a cold pass).
_Actors = tuple[ActorRole, ...]
_SIDES: dict[int, tuple[_Actors, frozenset[str], frozenset[str], frozenset[str]]] = {}
_SIDES_LIMIT = 16_384  # as many as the event store keeps reports (events.LIGHT_CACHE)


def _sides(incident: Incident) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(attacker sides, target sides, attacker sides that stand for a party)."""
    actors = incident.actors
    entry = _SIDES.get(id(actors))
    if entry is not None and entry[0] is actors:
        return entry[1], entry[2], entry[3]
    attackers = frozenset(a.side for a in actors
                          if a.role == "attacker" and a.side and not a.inferred)
    targets = frozenset(a.side for a in actors
                        if a.role == "target" and a.side not in _NOT_A_PARTY)
    if len(_SIDES) >= _SIDES_LIMIT:
        _SIDES.clear()
    _SIDES[id(actors)] = (actors, attackers, targets, attackers - _NOT_A_PARTY)
    return attackers, targets, attackers - _NOT_A_PARTY


def _attackers_clash(sa: frozenset[str], sb: frozenset[str]) -> bool:
    """Both reports name attackers, and no side is among both."""
    return bool(sa and sb and not sa & sb)


def _swapped(a: Incident, b: Incident) -> bool:
    """Each report's attacker is the other's target: the army shelling rebels and rebels
    attacking the army are two acts, even when both reports name both sides."""
    _, tgt_a, att_a = _sides(a)
    _, tgt_b, att_b = _sides(b)
    return bool(att_a & tgt_b and att_b & tgt_a)


def _roles_ok(a: Incident, b: Incident) -> bool:
    """The verdict of :func:`_actors` without its reason."""
    return not _attackers_clash(attacker_sides(a), attacker_sides(b)) and not _swapped(a, b)


def _actors(a: Incident, b: Incident) -> tuple[bool, str]:
    sa, sb = attacker_sides(a), attacker_sides(b)
    if _attackers_clash(sa, sb):
        return False, f"attackers differ ({', '.join(sorted(sa))} / {', '.join(sorted(sb))})"
    if _swapped(a, b):
        return False, "attacker and target swapped (one report's attacker is the other's target)"
    if sa and sb:
        return True, f"attackers agree ({', '.join(sorted(sa & sb))})"
    return True, "an attacker is unknown"


def _exact_close(a: Location | None, b: Location | None) -> bool:
    """Both places known and no farther apart than two reports of one exact place may be."""
    if a is None or b is None:
        return False
    if a.name.casefold() == b.name.casefold():
        return True
    return haversine_km(a.lat, a.lon, b.lat, b.lon) <= EXACT_PLACE_KM


def _unknown_attacker_ok(a: Incident, b: Incident) -> bool:
    """An unknown attacker is no wildcard beyond an exact place's tolerance: with an attacker
    missing on either side, the two places must be known and within :data:`EXACT_PLACE_KM`
    (syndicated copies, one article, are exempt)."""
    if attacker_sides(a) and attacker_sides(b):
        return True
    return _exact_close(a.location, b.location)


def _kinds(a: Incident, b: Incident, similar: bool) -> tuple[bool, str]:
    if a.event_type != b.event_type:
        return False, f"different kinds ({a.event_type} / {b.event_type})"
    if a.sub_event_type == b.sub_event_type:
        return True, f"same kind ({a.sub_event_type})"
    if similar:
        return True, f"sub-types differ ({a.sub_event_type} / {b.sub_event_type}) but texts agree"
    return False, f"different sub-types ({a.sub_event_type} / {b.sub_event_type})"


def _agreement(a: Incident, b: Incident) -> float:
    """Tie-breaking bonus: both dated to the same exact day, the same death toll.

    An imprecise date equal to another report's day says little (it is often just the day
    the report came out), so only exact dates count.
    """
    bonus = 0.0
    if a.date_precision == 1 and b.date_precision == 1 and a.date == b.date:
        bonus += 0.5
    if a.fatalities is not None and a.fatalities == b.fatalities:
        bonus += 0.25
    return bonus


def assess(a: Report, b: Report) -> Assessment:
    """Apply the merge rule to two reports; every check leaves its reason."""
    if a.origin == b.origin:
        return Assessment(False, 0.0, ("two acts told apart in one article",))
    copy = syndicated(a, b)
    sim = 1.0 if copy else text_similarity(a, b)
    kinds_ok, kinds_why = _kinds(a.incident, b.incident, copy or sim >= SIMILAR_TEXT)
    dates_ok, dates_why = _dates(a.incident, b.incident)
    places_ok, places_why, closeness = _places(a.incident.location, b.incident.location)
    actors_ok, actors_why = _actors(a.incident, b.incident)
    reasons = [
        kinds_why,
        dates_why,
        places_why,
        actors_why,
        "syndicated copy" if copy else f"text similarity {sim:.2f}",
    ]
    unknown_ok = copy or _unknown_attacker_ok(a.incident, b.incident)
    if actors_ok and not unknown_ok:
        reasons.append(f"an attacker is unknown and the places are not within {EXACT_PLACE_KM:.0f}"
                       " km of each other")
    ok = kinds_ok and places_ok and actors_ok and unknown_ok and (dates_ok or copy)
    score = 1.0 + sim + 0.5 * closeness + _agreement(a.incident, b.incident)
    return Assessment(ok, round(score, 6) if ok else 0.0, tuple(reasons), copy)


def compatible(a: Report, b: Report) -> bool:
    """``assess(a, b).compatible``, with the cheap checks first and no reasons or score.

    Clustering and the recompute scope ask this for many pairs that fail on kind, date or
    distance; text overlap (the costly part) is only computed when the verdict hangs on it.
    """
    if a.origin == b.origin:
        return False
    ia, ib = a.incident, b.incident
    if ia.event_type != ib.event_type:
        return False
    dates_ok = _dates_ok(ia, ib)
    if not _places_ok(ia.location, ib.location):
        return False
    if not _roles_ok(ia, ib):
        return False
    unknown_ok = _unknown_attacker_ok(ia, ib)
    if dates_ok and unknown_ok and ia.sub_event_type == ib.sub_event_type:
        return True
    copy = syndicated(a, b)
    if not (dates_ok or copy) or not (unknown_ok or copy):
        return False
    return ia.sub_event_type == ib.sub_event_type or copy or text_similarity(a, b) >= SIMILAR_TEXT


# -- clustering ----------------------------------------------------------------------------


def seed_order(report: Report) -> tuple[Any, ...]:
    """Most precise reports first (they anchor events), then a content-derived key."""
    inc = report.incident
    place = inc.location.precision if inc.location else 9
    return (inc.date_precision, place, inc.date or date.max, report.key, report.origin)


def cluster(reports: Iterable[Report]) -> list[list[Report]]:
    """Partition reports into events, the same partition for any input order.

    Each report joins the cluster it matches best (mean score) among those whose every member
    it is compatible with; ties go to the older cluster. Clusters come out in seed order.
    """
    return cluster_traced(reports)[0]


def mean_score(report: Report, members: Sequence[Report]) -> float:
    """How well a report matches a cluster it may join: the mean score against its members
    (in the order they joined; the sum's order is part of the definition, for exact ties)."""
    checks = [assess(report, m) for m in members]
    return sum(c.score for c in checks) / len(checks)


def best_cluster(
    report: Report, eligible: Sequence[tuple[Any, Sequence[Report]]]
) -> Any | None:
    """Which of the eligible clusters (oldest first, as ``(id, members)``) a report joins:
    the best mean score, ties to the older one; None when none is eligible."""
    best: tuple[float, Any] | None = None
    for ident, members in eligible:
        score = mean_score(report, members)
        if best is None or score > best[0]:
            best = (score, ident)
    return None if best is None else best[1]


def cluster_traced(
    reports: Iterable[Report],
) -> tuple[list[list[Report]], dict[str, tuple[int, ...]]]:
    """:func:`cluster`, and for each report (by key) the clusters (indexes) it was eligible
    for when it was placed: every member of them compatible with it.

    That trace is what an incremental recompute needs (tracker.core.increment): a report's
    choice can only change when one of those clusters, or a cluster of reports compatible
    with it, changes before it in seed order.
    """
    clusters: list[list[Report]] = []
    traces: dict[str, tuple[int, ...]] = {}
    for report in sorted(reports, key=seed_order):
        # Most clusters fail on their first member: score only those that pass whole.
        eligible = [
            (index, members)
            for index, members in enumerate(clusters)
            if all(compatible(report, m) for m in members)
        ]
        traces[report.key] = tuple(index for index, _ in eligible)
        chosen = best_cluster(report, eligible)
        if chosen is None:
            clusters.append([report])
        else:
            clusters[chosen].append(report)
    return clusters, traces


def partition(reports: Iterable[Report]) -> frozenset[frozenset[str]]:
    """The clusters as sets of report keys (what order-independence is stated about)."""
    return frozenset(frozenset(r.key for r in c) for c in cluster(reports))


def compatibility_closure(seeds: Iterable[Report], pool: Iterable[Report]) -> list[Report]:
    """The seeds plus every pool report reachable through compatible pairs.

    Clustering one such closed set gives the same clusters for it as clustering everything,
    because a report only ever joins clusters whose members it is compatible with.
    """
    frontier = list(seeds)
    found = {r.key: r for r in frontier}
    index = _CandidateIndex(r for r in pool if r.key not in found)
    while frontier:
        current = frontier.pop()
        linked = [r for r in index.candidates(current) if compatible(current, r)]
        for r in linked:
            index.remove(r)
            found[r.key] = r
            frontier.append(r)
    return sorted(found.values(), key=seed_order)


class _CandidateIndex:
    """The reports a report may be compatible with, without testing every pair.

    Compatible reports have overlapping dates and compatible places, or are syndicated
    copies (which may be dated apart).  Reports with a precise date (precision 1-2) and a
    precise place (precision 1-2) sit in grid buckets by day: settlements (precision 1) in
    cells of a tenth of a degree, "near" places (2) in half-degree cells; a lookup visits
    the cells within the largest distance two such places may be apart (place_limit_km,
    never more than EXACT_LIMIT_KM), and the bucket of the same place name (a homonym far
    away matches by name).  Precise dates with a loose place sit by day; the rest in one
    list every lookup scans.  Copies are found by stored text and by the shingles of the
    Jaccard prefix filter (two sets with Jaccard >= t share one of each set's first
    n - ceil(t*n) + 1 elements in any fixed order).  Without this index the recompute
    scope tested every pair of its two-week window.
    """

    def __init__(self, reports: Iterable[Report]) -> None:
        # day -> precision -> cell -> reports
        self._cells: dict[date, dict[int, dict[tuple[int, int], dict[str, Report]]]] = {}
        self._names: dict[tuple[date, str], dict[str, Report]] = {}
        self._days: dict[date, dict[str, Report]] = {}
        self._loose: dict[str, Report] = {}
        self._hashes: dict[str, dict[str, Report]] = {}
        self._prefixes: dict[str, dict[str, Report]] = {}
        self._prefixes_of: dict[str, list[str]] = {}
        pool = list(reports)
        # Rarest shingles first: boilerplate ("the syrian observatory") shared by most reports
        # would otherwise head many prefixes and make every report a candidate.
        self._df = Counter(sh for r in pool for sh in _shingles(r))
        for r in pool:
            for bucket in self._buckets(r, create=True):
                bucket[r.key] = r

    def _prefix(self, report: Report) -> list[str]:
        """The shingles a syndicated copy must share with ``report`` (prefix filtering);
        kept per report, as a report is looked up and removed after it is indexed."""
        known = self._prefixes_of.get(report.key)
        if known is not None:
            return known
        df = self._df
        shingles = sorted(_shingles(report), key=lambda sh: (df[sh], sh))
        # 1e-9: never round the needed overlap up (a longer prefix only adds candidates).
        needed = math.ceil(SYNDICATED_SHINGLES * len(shingles) - 1e-9)
        prefix = shingles[: len(shingles) - needed + 1] if shingles else []
        self._prefixes_of[report.key] = prefix
        return prefix

    def _buckets(self, report: Report, create: bool = False) -> list[dict[str, Report]]:
        def get(table: dict[Any, Any], key: Any) -> Any:
            return table.setdefault(key, {}) if create else table.get(key, {})

        inc, loc = report.incident, report.incident.location
        if inc.date is None or inc.date_precision > 2:
            out = [self._loose]
        elif loc is None or loc.precision > 2:
            out = [get(self._days, inc.date)]
        else:
            grid = get(get(self._cells, inc.date), loc.precision)
            cell = _cell(loc.lat, loc.lon, _CELL_DEG[loc.precision])
            out = [get(grid, cell), get(self._names, (inc.date, loc.name.casefold()))]
        if report.content_hash:
            out.append(get(self._hashes, report.content_hash))
        out.extend(get(self._prefixes, s) for s in self._prefix(report))
        return out

    def remove(self, report: Report) -> None:
        for bucket in self._buckets(report):
            bucket.pop(report.key, None)

    def candidates(self, report: Report) -> list[Report]:
        """Every report that may be compatible with ``report`` (a superset)."""
        found: dict[str, Report] = dict(self._loose)
        loc = report.incident.location
        for day in self._days_near(report):
            found.update(self._days.get(day, {}))
            grids = self._cells.get(day, {})
            for precision, grid in grids.items():
                if loc is None or loc.precision > 2:
                    for bucket in grid.values():
                        found.update(bucket)
                    continue
                reach = min(EXACT_LIMIT_KM, PLACE_RADIUS_KM[loc.precision]
                            + PLACE_RADIUS_KM[precision])
                for cell in _cells_within(loc.lat, loc.lon, reach, _CELL_DEG[precision]):
                    found.update(grid.get(cell, {}))
            if loc is not None:
                found.update(self._names.get((day, loc.name.casefold()), {}))
        if report.content_hash:
            found.update(self._hashes.get(report.content_hash, {}))
        for s in self._prefix(report):
            found.update(self._prefixes.get(s, {}))
        return list(found.values())

    def _days_near(self, report: Report) -> list[date]:
        """The days a precise report must be dated to overlap ``report``'s date span."""
        known = set(self._days) | set(self._cells)
        span = date_span(report.incident)
        if span is None:
            return sorted(known)
        low, high = span[0] - _PRECISE_AFTER, span[1] + _PRECISE_BEFORE
        if (high - low).days >= len(known):
            return sorted(d for d in known if low <= d <= high)
        return [low + timedelta(days=n) for n in range((high - low).days + 1)]


# How far a precise (precision 1-2) date's span reaches before and after the day itself.
_PRECISE_BEFORE = timedelta(days=max(DATE_SPAN_DAYS[p][0] for p in (1, 2)))
_PRECISE_AFTER = timedelta(days=max(DATE_SPAN_DAYS[p][1] for p in (1, 2)))
# Grid cell size in degrees for places of precision 1 and 2 (see _CandidateIndex).
_CELL_DEG = {1: 0.1, 2: 0.5}


def _cell(lat: float, lon: float, size: float) -> tuple[int, int]:
    return math.floor(lat / size), math.floor(lon / size)


def _cells_within(lat: float, lon: float, km: float, size: float) -> list[tuple[int, int]]:
    """Grid cells touching the box around a point that holds every point ``km`` away.

    A degree of latitude is never shorter than 110.5 km; a degree of longitude is
    111.4 km x cos(latitude), taken at the box's edge nearest a pole (the shortest).
    """
    dlat = km / 110.5
    edge = min(89.0, abs(lat) + dlat)
    dlon = min(180.0, km / (111.4 * math.cos(math.radians(edge))))
    r0, c0 = _cell(lat - dlat, lon - dlon, size)
    r1, c1 = _cell(lat + dlat, lon + dlon, size)
    return [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]


# -- merged values -------------------------------------------------------------------------


# Sites that carry other outlets' stories under their own address: their feed and their host
# say nothing about who wrote a report, so only syndication groups their reports.
AGGREGATOR_HOSTS = frozenset({"news.google.com", "news.yahoo.com", "msn.com", "flipboard.com"})
# Second-level labels under a country code ("bbc.co.uk", "sana.com.sy"): the site is one
# label further left.
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "ac", "edu", "news"})


def site_of(url: str | None) -> str | None:
    """The site a URL belongs to ("english.enabbaladi.net" and "www.enabbaladi.net" are
    enabbaladi.net), or None without a host."""
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    labels = [x for x in host.casefold().split(".") if x]
    if len(labels) < 2:
        return host.casefold() or None
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def outlet_keys(report: Report) -> tuple[str, ...]:
    """What identifies the outlet of a report: its site, else (no URL) its feed.

    Two reports sharing it are one outlet's, hence one source, however different their words
    (a later update, a rewrite by the same newsroom).  The site decides before the feed: a
    feed whose items live on several sites is an aggregator, and its items are as many
    outlets as sites.  Aggregator sites identify nobody.
    """
    site = site_of(report.url)
    if site is not None:
        host = (urlsplit(report.url or "").hostname or "").casefold().removeprefix("www.")
        return () if host in AGGREGATOR_HOSTS or site in AGGREGATOR_HOSTS else ("site:" + site,)
    if report.outlet and report.outlet.strip():
        return ("feed:" + report.outlet.strip().casefold(),)
    return ()


def source_groups(reports: Sequence[Report]) -> list[list[Report]]:
    """Reports grouped into independent sources (connected components): syndicated copies
    are one source, and so are reports of one outlet (:func:`outlet_keys`)."""
    parent = list(range(len(reports)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Same stored text, or the same (non-empty) evidence shingles: copies without a pairwise
    # test.  A report whose shingles equal an earlier one's has that one's shingle verdict
    # against every other report, so only the first of each shingle set is compared.
    by_hash: dict[str, int] = {}
    by_outlet: dict[str, int] = {}
    by_shingles: dict[frozenset[str], int] = {}
    distinct: list[int] = []
    for i, r in enumerate(reports):
        if r.content_hash:
            parent[root(i)] = root(by_hash.setdefault(r.content_hash, i))
        for key in outlet_keys(r):
            parent[root(i)] = root(by_outlet.setdefault(key, i))
        shingles = _shingles(r)
        if not shingles:
            distinct.append(i)
            continue
        first = by_shingles.setdefault(shingles, i)
        if first == i:
            distinct.append(i)
        else:
            parent[root(i)] = root(first)
    for x, i in enumerate(distinct):
        for j in distinct[x + 1 :]:
            if syndicated(reports[i], reports[j]):
                parent[root(j)] = root(i)
    groups: dict[int, list[Report]] = {}
    for i, report in enumerate(reports):
        groups.setdefault(root(i), []).append(report)
    return list(groups.values())


def best_toll(figures: Sequence[int]) -> int | None:
    """The most reliable single figure: one repeated by independent sources, else the median.

    Never a sum: five outlets repeating "four killed" is still four dead.
    """
    if not figures:
        return None
    counts = Counter(figures).most_common()
    if counts[0][1] > 1 and (len(counts) == 1 or counts[0][1] > counts[1][1]):
        return counts[0][0]
    return int(statistics.median_low(sorted(figures)))


def _toll(groups: Sequence[Sequence[Report]]) -> tuple[int | None, int | None, int | None]:
    """(best, low, high): one figure per source, low/high across every report's range."""
    per_source = [
        max(r.incident.fatalities for r in g if r.incident.fatalities is not None)
        for g in groups
        if any(r.incident.fatalities is not None for r in g)
    ]
    reports = [r.incident for g in groups for r in g]
    lows = [v for i in reports for v in (i.fatalities_low, i.fatalities) if v is not None]
    highs = [v for i in reports for v in (i.fatalities_high, i.fatalities) if v is not None]
    return best_toll(per_source), min(lows, default=None), max(highs, default=None)


def _injured(groups: Sequence[Sequence[Report]]) -> int | None:
    figures = [
        max(r.incident.injured for r in g if r.incident.injured is not None)
        for g in groups
        if any(r.incident.injured is not None for r in g)
    ]
    return best_toll(figures)


def combined_confidence(groups: Sequence[Sequence[Report]]) -> float:
    """Independent sources add up like independent witnesses: 1 - product of their doubts."""
    doubt = 1.0
    for group in groups:
        doubt *= 1.0 - max(r.incident.confidence for r in group)
    return round(min(MAX_CONFIDENCE, 1.0 - doubt), 3)


def _most_common(values: Iterable[Any]) -> Any:
    counted = Counter(values).most_common()
    return counted[0][0] if counted else None


def _best_date(reports: Sequence[Report]) -> tuple[date | None, int]:
    dated = [r.incident for r in reports if r.incident.date is not None]
    if not dated:
        return None, reports[0].incident.date_precision
    precision = min(i.date_precision for i in dated)
    days = sorted(i.date for i in dated if i.date_precision == precision and i.date)
    counts = Counter(days).most_common()
    top = [d for d, n in counts if n == counts[0][1]]
    return min(top), precision


def _best_place(reports: Sequence[Report]) -> Location | None:
    places = [r.incident.location for r in reports if r.incident.location is not None]
    if not places:
        return None
    precision = min(p.precision for p in places)
    finest = sorted((p for p in places if p.precision == precision), key=lambda p: p.name)
    counts = Counter(p.name for p in finest).most_common()
    top = {n for n, c in counts if c == counts[0][1]}
    return next(p for p in finest if p.name in top)


def _actors_merged(reports: Sequence[Report]) -> tuple[ActorRole, ...]:
    """Every actor once; a role one report knows fills in where another left it open."""
    merged: dict[str, ActorRole] = {}
    for r in reports:
        for actor in r.incident.actors:
            known = merged.get(actor.name)
            if known is None or (known.role is None and actor.role is not None):
                merged[actor.name] = actor
    return tuple(merged.values())


def _union(values: Iterable[Iterable[str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for group in values for v in group))


def merge_values(reports: Sequence[Report]) -> Incident:
    """The merged incident of reports already judged to be one event."""
    groups = source_groups(reports)
    best, low, high = _toll(groups)
    day, day_precision = _best_date(reports)
    severities = ("low", "medium", "high", "critical")
    kinds = _most_common((r.incident.event_type, r.incident.sub_event_type) for r in reports)
    return Incident(
        violation=any(r.incident.violation for r in reports),
        event_type=kinds[0],
        sub_event_type=kinds[1],
        date=day,
        date_precision=day_precision,
        location=_best_place(reports),
        fatalities=best,
        fatalities_low=low,
        fatalities_high=high,
        injured=_injured(groups),
        actors=_actors_merged(reports),
        agreements=_union(r.incident.agreements for r in reports),
        zones=_union(r.incident.zones for r in reports),
        severity=max(
            (r.incident.severity for r in reports),
            key=lambda s: severities.index(s) if s in severities else 0,
        ),
        confidence=combined_confidence(groups),
        reasons=_union(r.incident.reasons for r in reports),
        evidence=_union(g[0].incident.evidence for g in groups),
    )


def why_merged(reports: Sequence[Report]) -> tuple[str, ...]:
    """For each report after the first, the checks it passed against the first."""
    head = reports[0]
    lines = []
    for other in reports[1:]:
        verdict = assess(head, other)
        lines.append(f"{other.key} ~ {head.key}: " + "; ".join(verdict.reasons))
    return tuple(lines)


def merge(reports: Sequence[Report]) -> MergedEvent:
    """One cluster as an event: merged values, source count and the reasons."""
    if not reports:
        raise ValueError("an event needs at least one report")
    ordered = tuple(sorted(reports, key=seed_order))
    return MergedEvent(
        incident=merge_values(ordered),
        reports=ordered,
        source_count=len(source_groups(ordered)),
        merge_reasons=why_merged(ordered),
    )


def merge_all(reports: Iterable[Report]) -> list[MergedEvent]:
    return [merge(c) for c in cluster(reports)]


# -- keeping event identities across recomputation ------------------------------------------


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a recomputed cluster goes: an existing event id or a new one.

    ``split_from`` names the event a new cluster was carved out of: a later report showed
    that an earlier merge was wrong, so whoever announced that event should say so.
    """

    event: MergedEvent
    event_id: int | None
    split_from: int | None = None


@dataclass(frozen=True, slots=True)
class Reconciliation:
    placements: tuple[Placement, ...]
    # Old events with no cluster of their own: id -> the event that absorbed most of their
    # reports (None when every report of theirs is gone).
    retired: Mapping[int, int | None]


def _overlaps(
    old: Mapping[int, frozenset[str]], events: Sequence[MergedEvent]
) -> list[tuple[int, int, int]]:
    pairs = []
    for event_id, keys in old.items():
        for index, event in enumerate(events):
            shared = len(keys & event.keys)
            if shared:
                pairs.append((shared, event_id, index))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    return pairs


def reconcile(old: Mapping[int, frozenset[str]], events: Sequence[MergedEvent]) -> Reconciliation:
    """Give recomputed clusters the ids of the stored events they continue.

    Largest overlaps are matched first (ties by lower id), one cluster per old event; a
    cluster left over that holds reports of an old event is a split from it.
    """
    pairs = _overlaps(old, events)
    taken: dict[int, int] = {}
    used: set[int] = set()
    for _, event_id, index in pairs:
        if index not in taken and event_id not in used:
            taken[index] = event_id
            used.add(event_id)
    placements = []
    for index, event in enumerate(events):
        origin = next((eid for _, eid, i in pairs if i == index), None)
        if index in taken:
            placements.append(Placement(event, taken[index]))
        else:
            placements.append(Placement(event, None, split_from=origin))
    retired: dict[int, int | None] = {}
    for event_id in sorted(set(old) - used):
        heir = next((i for _, eid, i in pairs if eid == event_id), None)
        retired[event_id] = taken.get(heir) if heir is not None else None
    return Reconciliation(tuple(placements), retired)


@dataclass
class EventChanges:
    """What one recomputation did, for logs and for the alerts side."""

    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    split: list[tuple[int, int]] = field(default_factory=list)  # (new id, split from)
    retired: list[int] = field(default_factory=list)
    reports: int = 0

    def add(self, other: EventChanges) -> None:
        self.created += other.created
        self.updated += other.updated
        self.split += other.split
        self.retired += other.retired
        self.reports += other.reports


# -- evaluation ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PairScores:
    """Pairwise merge quality: a pair is positive when both reports are in one event."""

    precision: float
    recall: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "true_pairs": self.true_pairs,
            "predicted_pairs": self.predicted_pairs,
            "correct_pairs": self.correct_pairs,
        }


def _pairs(groups: Iterable[Iterable[str]]) -> set[frozenset[str]]:
    found: set[frozenset[str]] = set()
    for group in groups:
        members = sorted(set(group))
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                found.add(frozenset((a, b)))
    return found


def pairwise_scores(gold: Mapping[str, str], predicted: Iterable[Iterable[str]]) -> PairScores:
    """Precision and recall of merging over report pairs (gold: report key -> event label).

    With no pair to find (or none predicted) the score is 1.0: nothing was missed (or
    nothing merged wrongly).
    """
    by_label: dict[str, list[str]] = {}
    for key, label in gold.items():
        by_label.setdefault(label, []).append(key)
    truth = _pairs(by_label.values())
    guessed = _pairs([k for k in g if k in gold] for g in predicted)
    correct = len(truth & guessed)
    return PairScores(
        precision=correct / len(guessed) if guessed else 1.0,
        recall=correct / len(truth) if truth else 1.0,
        true_pairs=len(truth),
        predicted_pairs=len(guessed),
        correct_pairs=correct,
    )


# -- the classifier's JSON contract ----------------------------------------------------------


def incident_from_contract(data: Mapping[str, Any]) -> Incident:
    """An Incident from its JSON contract object (what storage keeps), through the one
    contract reader; a place without coordinates is no location for merging."""
    f = read_contract(data)
    location = None
    if f.lat is not None and f.lon is not None:
        location = Location(name=str(f.place_name or ""), admin1=str(f.admin1 or ""),
                            lat=float(f.lat), lon=float(f.lon),
                            precision=int(f.location_precision or 6))
    return Incident(
        violation=f.violation,
        event_type=f.event_type,
        sub_event_type=f.sub_event_type,
        date=f.event_date,
        date_precision=f.date_precision,
        location=location,
        fatalities=f.fatalities,
        fatalities_low=f.fatalities_low,
        fatalities_high=f.fatalities_high,
        injured=f.injured,
        actors=tuple(
            ActorRole(str(a.get("name") or ""), str(a.get("side") or ""), a.get("role"),
                      bool(a.get("inferred")))
            for a in f.actors
        ),
        agreements=f.agreements,
        zones=f.zones,
        severity=f.severity,
        confidence=f.confidence,
        reasons=f.reasons,
        evidence=f.evidence,
    )
