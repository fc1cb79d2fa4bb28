"""What a storage query must match to find every report that may be compatible with a report.

The merge rule (tracker.core.merge.compatible) decides; this module only describes a SUPERSET
of what it can accept, in terms a database index can answer:

* the same act kind (``event_type``): ``compatible`` never links two kinds;
* and either the date spans overlap and the places are within ``MAX_DISTANCE_KM`` (or one is
  unknown, or both carry the same name at the same precision, which ``_place_gap`` calls the
  same place wherever the coordinates are),
* or the two are syndicated copies (dates may then differ): the same stored text, or evidence
  whose shingle sets overlap by ``SYNDICATED_SHINGLES`` or more, which by the prefix-filter
  principle means that they share one of their first ``n - ceil(t * n) + 1`` shingles under
  any fixed global order (here: a 64-bit hash of the shingle).

Everything is derived from the merge module's own constants, so a tighter merge rule keeps this
a superset. Nothing here does I/O.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.core import merge
from tracker.core.merge import Report

# Far ends of the calendar a bound may reach (a date-less report overlaps everything).
_FIRST, _LAST = date(1, 1, 1), date(9999, 12, 31)
# A degree of latitude is never shorter than 110.5 km; the 5 % keeps a box around the
# distance limit even where a great circle cuts a corner.
_KM_PER_DEG_LAT = 110.5
_BOX_SLACK = 1.05


def _default_span() -> tuple[int, int]:
    return merge.DATE_SPAN_DAYS[max(merge.DATE_SPAN_DAYS)]


def precision_classes() -> list[tuple[tuple[int, ...] | None, int, int]]:
    """(date precisions, days before, days after) covering every stored precision; ``None``
    stands for "any other precision" (``date_span`` treats those like the widest)."""
    out: list[tuple[tuple[int, ...] | None, int, int]] = [
        ((precision,), before, after)
        for precision, (before, after) in sorted(merge.DATE_SPAN_DAYS.items())
    ]
    wide = _default_span()
    out.append((None, wide[0], wide[1]))
    return out


def known_precisions() -> tuple[int, ...]:
    return tuple(p for cls, _, _ in precision_classes() if cls for p in cls)


def _shift(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return _LAST if days > 0 else _FIRST


def date_ranges(report: Report) -> list[tuple[date, date]]:
    """For each of :func:`precision_classes`, the stored dates whose span may overlap the
    report's span (inclusive bounds); a date-less report reaches everything."""
    span = merge.date_span(report.incident)
    out = []
    for _, before, after in precision_classes():
        if span is None:
            out.append((_FIRST, _LAST))
        else:
            # A stored date d of this class spans [d - before, d + after]: it overlaps
            # [s0, s1] when s0 - after <= d <= s1 + before.
            out.append((_shift(span[0], -after), _shift(span[1], before)))
    return out


@dataclass(frozen=True, slots=True)
class Box:
    lat_low: float
    lat_high: float
    lon_low: float | None  # None: any longitude (near a pole or across the antimeridian)
    lon_high: float | None


# Stored place precisions with a box of their own (tighter than the distance limit); places
# of any other precision are looked for within the widest limit.
BOXED_PRECISIONS = (1, 2)


def _box(lat: float, lon: float, km: float) -> Box:
    km *= _BOX_SLACK
    dlat = km / _KM_PER_DEG_LAT
    edge = abs(lat) + dlat
    if edge >= 89.0:
        return Box(lat - dlat, lat + dlat, None, None)
    dlon = km / (111.4 * math.cos(math.radians(edge)) * 0.99)
    if lon - dlon < -180.0 or lon + dlon > 180.0:
        return Box(lat - dlat, lat + dlat, None, None)
    return Box(lat - dlat, lat + dlat, lon - dlon, lon + dlon)


def place_boxes(report: Report) -> list[Box] | None:
    """Coordinates within the merge rule's distance limit of the report's place: one box per
    :data:`BOXED_PRECISIONS` (for stored places of that precision) and a last one for places
    of any other precision; ``None`` when the report has no place (any place may do)."""
    loc = report.incident.location
    if loc is None:
        return None
    boxes = []
    for precision in BOXED_PRECISIONS:
        other = merge.Location(loc.name, loc.admin1, loc.lat, loc.lon, precision)
        boxes.append(_box(loc.lat, loc.lon, merge.place_limit_km(loc, other)))
    boxes.append(_box(loc.lat, loc.lon, merge.MAX_DISTANCE_KM))
    return boxes


def place_box(report: Report) -> Box | None:
    """The widest of :func:`place_boxes` (any stored precision)."""
    boxes = place_boxes(report)
    return boxes[-1] if boxes else None


def place_key(name: str | None) -> str | None:
    """What two place names must share to be "the same place" whatever their coordinates."""
    return name.casefold() if name is not None else None


def shingle_token(shingle: str) -> int:
    """A shingle as a signed 64-bit integer (what the database stores)."""
    digest = hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def shingle_tokens(report: Report) -> list[int]:
    """The report's evidence shingles (as :func:`merge.syndicated` compares them), hashed."""
    return sorted({shingle_token(s) for s in merge._shingles(report)})


def copy_prefix(tokens: list[int], rank: dict[int, int]) -> list[int]:
    """The tokens a syndicated copy must share with a report whose shingle tokens are
    ``tokens`` (prefix filtering).

    ``rank`` must give every token a number that never changes once given (the database
    keeps it); tokens are taken highest rank first, so shingles first seen recently (rarely
    boilerplate) head the prefix and common phrases seldom make every report a candidate.
    Any fixed order keeps the guarantee: two sets with Jaccard >= t share one element of
    their first n - ceil(t * n) + 1 elements.
    """
    if not tokens:
        return []
    ordered = sorted(set(tokens), key=lambda t: (-rank[t], t))
    needed = math.ceil(merge.SYNDICATED_SHINGLES * len(ordered) - 1e-9)
    return ordered[: len(ordered) - needed + 1]


# The copy sketch: a report's evidence shingles counted in SKETCH_BUCKETS buckets (by their
# token), each count capped at 2**SKETCH_BITS - 1 and packed in one non-negative 64-bit
# integer. Shingles in different buckets are different, so two shingle sets differ in at
# least the sum of |count difference| over the buckets (capping only lowers a difference),
# while a Jaccard of t or more allows at most (|A| + |B|) (1 - t) / (1 + t) differing
# shingles: a test the database evaluates on the token index alone, before it reads an
# incident. Template-like texts (one weekday or number apart) share their prefix tokens but
# rarely pass it.
SKETCH_BUCKETS = 15
SKETCH_BITS = 4
_SKETCH_CAP = (1 << SKETCH_BITS) - 1
assert SKETCH_BUCKETS * SKETCH_BITS < 64  # stays a non-negative signed 64-bit integer


def copy_sketch(report: Report) -> tuple[int, int]:
    """(sketch, number of shingles) of the report's evidence (see :data:`SKETCH_BUCKETS`)."""
    shingles = merge._shingles(report)
    counts = [0] * SKETCH_BUCKETS
    for shingle in shingles:
        counts[shingle_token(shingle) % SKETCH_BUCKETS] += 1
    packed = 0
    for n, count in enumerate(counts):
        packed |= min(count, _SKETCH_CAP) << (SKETCH_BITS * n)
    return packed, len(shingles)


def sketch_gap(a: int, b: int) -> int:
    """The least number of shingles in which two sets with these sketches differ."""
    return sum(
        abs(((a >> (SKETCH_BITS * n)) & _SKETCH_CAP) - ((b >> (SKETCH_BITS * n)) & _SKETCH_CAP))
        for n in range(SKETCH_BUCKETS)
    )


def may_be_copies(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """False only when two reports with these :func:`copy_sketch` values cannot have
    shingle sets as alike as :func:`merge.syndicated` asks (the SQL filter says the same)."""
    t = merge.SYNDICATED_SHINGLES
    return sketch_gap(a[0], b[0]) * (1 + t) <= (a[1] + b[1]) * (1 - t) + 1e-9


def sketch_gap_sql(a: str, b: str) -> str:
    """:func:`sketch_gap` of two integer SQL expressions (SQLite and PostgreSQL)."""
    return (
        "("
        + " + ".join(
            f"abs((({a} >> {SKETCH_BITS * n}) & {_SKETCH_CAP}) - (({b} >> {SKETCH_BITS * n})"
            f" & {_SKETCH_CAP}))"
            for n in range(SKETCH_BUCKETS)
        )
        + ")"
    )


def may_be_copies_sql(sketch_a: str, size_a: str, sketch_b: str, size_b: str) -> str:
    """:func:`may_be_copies` as an SQL condition; true when a sketch is NULL (tokens stored
    before the sketch existed)."""
    t = merge.SYNDICATED_SHINGLES
    return (
        f"({sketch_a} IS NULL OR {sketch_b} IS NULL OR {sketch_gap_sql(sketch_a, sketch_b)}"
        f" * {1 + t!r} <= ({size_a} + {size_b}) * {1 - t!r} + 1e-9)"
    )
