"""The agreement registry: which agreements cover which zones on which day (pure, no I/O).

Dates are data, not code: the registry is built from a dict shaped like the shipped
``agreements.toml`` and users override or extend it with the same shape (:meth:`merge`).
Whether an agreement applies is decided at day granularity in local (Damascus) dates: an
agreement is in force on ``day`` when ``start.date() <= day <= end`` (``end`` inclusive, or open).
``start`` is stored as written, with its UTC offset, so ``start.date()`` is the local date.
A zone can end earlier than its agreement (``zone_ends``: zone id -> inclusive last day): the
agreement then covers that zone only up to that day (:meth:`Agreement.zones_on`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

__all__ = [
    "DAMASCUS_DEFAULT_OFFSET",
    "SIDE_LABELS",
    "Agreement",
    "AgreementRegistry",
    "Breach",
    "uncovered_places",
]

# Used only when a start is given without an offset: at day granularity the offset cannot move
# the local date of a midnight/noon start, so a fixed +03:00 avoids reading a tz database.
DAMASCUS_DEFAULT_OFFSET = timezone(timedelta(hours=3))
_OPEN_END = frozenset({"", "open", "null", "none"})
# The two sides of an agreement, as ``side_a`` / ``side_b`` in the data.
SIDE_LABELS = ("a", "b")
DEFAULT_SIDES = (["@government"], ["@opposition"])
# A side entry starting with this names a camp (actor_periods.csv) instead of one actor id.
CAMP_PREFIX = "@"


# Act kinds (sub-event types) that breach an agreement only where a breach row names them:
# ACLED's "Other" strategic development, which the extraction gives a ground incursion,
# raid, new post, checkpoint or detention by an armed force.
EXPLICIT_ACTS = frozenset({"Other"})


@dataclass(frozen=True)
class Breach:
    """Which act breaches which article (one row of an agreement's ``breaches``).

    Every condition given must hold; an empty one holds always.  ``acts`` are sub-event types
    (or "any"); ``zones`` zone ids the act must be in; ``by`` a side ("a"/"b") whose act is a
    breach even when its target is not a party (an incursion into a buffer zone);
    ``target = "guarantor"`` an attack on a guarantor's forces.
    """

    article: str
    acts: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    by: str = ""
    target: str = ""

    def applies(self, sub: str, zone_ids: Iterable[str], guarantor_target: bool) -> bool:
        """True when the act kind, zone and target conditions all hold.

        An act kind in ``EXPLICIT_ACTS`` (an incursion, a detention, a new post: no weapon
        used) breaches only a row that names it: most agreements forbid fire, not presence.
        """
        if sub in EXPLICIT_ACTS and sub not in self.acts:
            return False
        if self.acts and "any" not in self.acts and sub not in self.acts:
            return False
        if self.zones and not set(self.zones).intersection(zone_ids):
            return False
        return not (self.target == "guarantor" and not guarantor_target)


@dataclass(frozen=True)
class Agreement:
    """One ceasefire / de-escalation agreement and the zones it covers."""

    id: str
    name: str
    start: datetime
    end: date | None
    zone_ids: tuple[str, ...]
    articles: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    excluded_actor_note: str = ""
    parties: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    notes: str = ""
    side_a: tuple[str, ...] = ()
    side_b: tuple[str, ...] = ()
    end_reason: str = ""
    breaches: tuple[Breach, ...] = ()
    guarantors: tuple[str, ...] = ()
    unattributed_air: str = ""
    strict_sides: bool = False
    infer_from_named: bool = False
    inferable_sides: tuple[str, ...] = SIDE_LABELS
    # Zone id -> inclusive last day in that zone, when a zone ended before the agreement did
    # (Astana's zones 2-4 ended with the 2018 offensives, its Idlib zone in September 2018).
    zone_ends: Mapping[str, date] = field(default_factory=dict, compare=False, hash=False)

    def in_force_on(self, day: date) -> bool:
        """True when ``day`` (a local Damascus date) falls in [start date, end]."""
        return self.start.date() <= day and (self.end is None or day <= self.end)

    def zone_end(self, zone_id: str) -> date | None:
        """The last day the agreement covers ``zone_id``: its own end, or the zone's earlier
        ``zone_ends`` day (None: open-ended)."""
        own = self.zone_ends.get(zone_id)
        if own is None:
            return self.end
        return own if self.end is None else min(own, self.end)

    def zones_on(self, day: date) -> tuple[str, ...]:
        """The agreement's zones it covers on ``day`` (empty when it is not in force)."""
        if not self.in_force_on(day):
            return ()
        return tuple(z for z in self.zone_ids
                     if (end := self.zone_end(z)) is None or day <= end)

    def covers(self, zone_ids: Iterable[str], day: date) -> bool:
        """True when the agreement is in force on ``day`` in at least one of ``zone_ids``."""
        return bool(set(zone_ids).intersection(self.zones_on(day)))

    def in_force_anywhere(self, day: date) -> bool:
        """In force on ``day`` in at least one of its zones (or, without zones, at all)."""
        return self.in_force_on(day) and (not self.zone_ids or bool(self.zones_on(day)))

    def ended_zones(self, day: date) -> list[tuple[str, date]]:
        """Zones whose own end (earlier than the agreement's) has passed by ``day``."""
        if not self.in_force_on(day):
            return []
        return [(z, end) for z in self.zone_ids
                if z in self.zone_ends and (end := self.zone_end(z)) is not None and day > end]

    def article(self, number: str | int) -> str:
        """Summary of an article ("" when unknown), for decision explanations."""
        return self.articles.get(str(number), "")

    def sides_of(self, key: str, camp: str) -> set[str]:
        """The sides ("a"/"b") an actor is on under THIS agreement, given its id and its camp on
        the day of the act (empty: not a party)."""
        out: set[str] = set()
        for label, members in zip(SIDE_LABELS, (self.side_a, self.side_b), strict=True):
            if key in members or f"{CAMP_PREFIX}{camp}" in members:
                out.add(label)
        return out

    def breached_articles(self, sub: str, zone_ids: Iterable[str], guarantor_target: bool,
                          by: Iterable[str] = ()) -> list[str]:
        """Article numbers an act of kind ``sub`` in ``zone_ids`` by sides ``by`` breaches, in
        data order; the first article when no breach row is given (older data)."""
        zones, sides = list(zone_ids), set(by)
        if not self.breaches:
            return [] if sub in EXPLICIT_ACTS else [next(iter(self.articles), "1")]
        found = [b.article for b in self.breaches
                 if (not b.by or b.by in sides) and b.applies(sub, zones, guarantor_target)]
        return list(dict.fromkeys(found))

    def one_sided_breach(self, side: str, sub: str, zone_ids: Iterable[str]) -> list[str]:
        """Articles an act of ``side`` breaches whoever its target is (empty when none)."""
        zones = list(zone_ids)
        return list(dict.fromkeys(b.article for b in self.breaches
                                  if b.by == side and b.applies(sub, zones, False)))

    def status_on(self, day: date) -> str:
        """'in force', 'not yet in force' or 'ended <day> (<reason>)' on a local day; an
        agreement in force whose zones ended one by one says which ('in force; ended in
        <zone> on <day>, ...'), or 'ended in every zone' when none is left."""
        if day < self.start.date():
            return "not yet in force"
        if self.end is not None and day > self.end:
            return f"ended {self.end}" + (f" ({self.end_reason})" if self.end_reason else "")
        gone = self.ended_zones(day)
        if not gone:
            return "in force"
        listed = ", ".join(f"{z} on {end}" for z, end in gone)
        if not self.in_force_anywhere(day):
            return f"ended in every zone ({listed})"
        return f"in force; ended in {listed}"


def _parse_start(value: Any, agreement_id: str) -> datetime:
    """TOML datetime/date or ISO string -> aware datetime (date-only -> local midnight)."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"agreement {agreement_id!r}: bad start {value!r}") from exc
    else:
        raise ValueError(f"agreement {agreement_id!r}: bad start {value!r}")
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=DAMASCUS_DEFAULT_OFFSET)


def _parse_end(value: Any, agreement_id: str) -> date | None:
    """TOML date / ISO string / None or "open" -> inclusive last day or None (open-ended)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        if value.strip().lower() in _OPEN_END:
            return None
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError as exc:
            raise ValueError(f"agreement {agreement_id!r}: bad end {value!r}") from exc
    raise ValueError(f"agreement {agreement_id!r}: bad end {value!r}")


def _strs(value: Any) -> tuple[str, ...]:
    """A string or a list of strings -> tuple of strings."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _breaches(value: Any, agreement_id: str) -> tuple[Breach, ...]:
    """The ``breaches`` list (tables with article, acts, zones, by, target) -> Breach rows."""
    out: list[Breach] = []
    for row in value or ():
        if not isinstance(row, Mapping) or "article" not in row:
            raise ValueError(f"agreement {agreement_id!r}: each breach needs an article")
        by = str(row.get("by", "")).lower()
        if by and by not in SIDE_LABELS:
            raise ValueError(f"agreement {agreement_id!r}: breach 'by' must be a or b")
        out.append(Breach(str(row["article"]), _strs(row.get("acts")), _strs(row.get("zones")),
                          by, str(row.get("target", ""))))
    return tuple(out)


def _sides(value: Any, agreement_id: str) -> tuple[str, ...]:
    """A list of side labels ("a", "b"), checked."""
    sides = tuple(s.lower() for s in _strs(value))
    if any(s not in SIDE_LABELS for s in sides):
        raise ValueError(f"agreement {agreement_id!r}: sides must be a or b, got {sides}")
    return sides


def _air(value: Any, agreement_id: str) -> str:
    """``unattributed_air``: "a", "b" or "" (no side is assumed for an unnamed air strike)."""
    side = str(value or "").lower()
    if side and side not in SIDE_LABELS:
        raise ValueError(f"agreement {agreement_id!r}: unattributed_air must be a or b")
    return side


def _zone_ends(value: Any, zone_ids: Iterable[str], agreement_id: str) -> dict[str, date]:
    """``zone_ends`` (zone id -> last day) checked against the agreement's zones; a value of
    "open" drops a zone's own end (the agreement's end applies there again)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"agreement {agreement_id!r}: zone_ends must be a table of zone = date")
    zones = set(zone_ids)
    out: dict[str, date] = {}
    for zone, day in value.items():
        if str(zone) not in zones:
            raise ValueError(f"agreement {agreement_id!r}: zone_ends names {zone!r}, which is "
                             "not one of its zones")
        end = _parse_end(day, agreement_id)
        if end is not None:
            out[str(zone)] = end
    return out


def _table(data: Mapping[str, Any]) -> Mapping[str, Mapping[str, Any]]:
    """The id -> fields table: ``data["agreements"]`` (TOML shape) or ``data`` itself."""
    inner = data.get("agreements", data)
    if not isinstance(inner, Mapping):
        raise ValueError("agreements must be a table keyed by agreement id")
    return inner


def _from_fields(agreement_id: str, f: Mapping[str, Any]) -> Agreement:
    """Build a full agreement from its TOML fields."""
    missing = [k for k in ("name", "start") if k not in f]
    if missing:
        raise ValueError(f"agreement {agreement_id!r}: missing {', '.join(missing)}")
    zone_ids = _strs(f.get("zones", f.get("zone_ids")))
    return Agreement(
        id=agreement_id,
        name=str(f["name"]),
        start=_parse_start(f["start"], agreement_id),
        end=_parse_end(f.get("end"), agreement_id),
        zone_ids=zone_ids,
        zone_ends=_zone_ends(f.get("zone_ends"), zone_ids, agreement_id),
        articles={str(k): str(v) for k, v in dict(f.get("articles", {})).items()},
        excluded_actor_note=str(f.get("excluded_actor_note", "")),
        parties=_strs(f.get("parties")),
        sources=_strs(f.get("sources")),
        notes=str(f.get("notes", "")),
        # Without sides an agreement binds the government and opposition camps of the day,
        # the one split every agreement before December 2024 assumed.
        side_a=_strs(f.get("side_a", DEFAULT_SIDES[0])),
        side_b=_strs(f.get("side_b", DEFAULT_SIDES[1])),
        end_reason=str(f.get("end_reason", "")),
        breaches=_breaches(f.get("breaches"), agreement_id),
        guarantors=_strs(f.get("guarantors")),
        unattributed_air=_air(f.get("unattributed_air"), agreement_id),
        strict_sides=bool(f.get("strict_sides", False)),
        infer_from_named=bool(f.get("infer_from_named", False)),
        inferable_sides=_sides(f.get("inferable_sides", list(SIDE_LABELS)), agreement_id),
    )


def _override(a: Agreement, f: Mapping[str, Any]) -> Agreement:
    """Apply the fields present in ``f`` to an existing agreement (others kept)."""
    changes: dict[str, Any] = {}
    if "name" in f:
        changes["name"] = str(f["name"])
    if "start" in f:
        changes["start"] = _parse_start(f["start"], a.id)
    if "end" in f:
        changes["end"] = _parse_end(f["end"], a.id)
    zone_ids = a.zone_ids
    if "zones" in f or "zone_ids" in f:
        zone_ids = changes["zone_ids"] = _strs(f.get("zones", f.get("zone_ids")))
    if "zone_ends" in f or zone_ids != a.zone_ids:
        # The given days change or add to the built-in ones; a zone dropped from ``zones``
        # loses its day; "open" removes one.
        kept = {z: d for z, d in a.zone_ends.items() if z in zone_ids}
        given = f.get("zone_ends") or {}
        if not isinstance(given, Mapping):
            raise ValueError(f"agreement {a.id!r}: zone_ends must be a table of zone = date")
        kept = {z: d for z, d in kept.items() if z not in given}
        kept.update(_zone_ends(given, zone_ids, a.id))
        changes["zone_ends"] = kept
    if "articles" in f:
        merged = dict(a.articles)
        merged.update({str(k): str(v) for k, v in dict(f["articles"]).items()})
        changes["articles"] = merged
    for key in ("excluded_actor_note", "notes", "end_reason"):
        if key in f:
            changes[key] = str(f[key])
    for key in ("parties", "sources", "side_a", "side_b", "guarantors"):
        if key in f:
            changes[key] = _strs(f[key])
    if "breaches" in f:
        changes["breaches"] = _breaches(f["breaches"], a.id)
    if "inferable_sides" in f:
        changes["inferable_sides"] = _sides(f["inferable_sides"], a.id)
    if "strict_sides" in f:
        changes["strict_sides"] = bool(f["strict_sides"])
    if "infer_from_named" in f:
        changes["infer_from_named"] = bool(f["infer_from_named"])
    if "unattributed_air" in f:
        changes["unattributed_air"] = _air(f["unattributed_air"], a.id)
    return replace(a, **changes)


class AgreementRegistry:
    """Agreements by id, with day-granularity "in force" queries per zone."""

    def __init__(self, agreements: Iterable[Agreement]) -> None:
        """Store agreements keyed by id (later duplicates replace earlier ones)."""
        self._by_id: dict[str, Agreement] = {a.id: a for a in agreements}

    @classmethod
    def from_toml_dict(cls, data: Mapping[str, Any]) -> AgreementRegistry:
        """Build from the parsed ``agreements.toml`` (``[agreements.<id>]`` tables)."""
        return cls(_from_fields(str(aid), f) for aid, f in _table(data).items())

    def merge(self, extra: Mapping[str, Any] | None) -> AgreementRegistry:
        """New registry with user configuration applied.

        ``extra`` has the TOML shape; a known id overrides only the fields it gives (e.g. a
        later ``end``; ``end = "open"`` clears it), an unknown id adds an agreement and must
        give at least ``name`` and ``start``.
        """
        if not extra:
            return AgreementRegistry(self._by_id.values())
        merged = dict(self._by_id)
        for aid, fields in _table(extra).items():
            aid = str(aid)
            merged[aid] = (
                _override(merged[aid], fields) if aid in merged else _from_fields(aid, fields)
            )
        return AgreementRegistry(merged.values())

    def get(self, agreement_id: str) -> Agreement | None:
        """Agreement by id, or None."""
        return self._by_id.get(agreement_id)

    def __iter__(self) -> Iterator[Agreement]:
        """Agreements in registry order."""
        return iter(self._by_id.values())

    def __len__(self) -> int:
        """Number of agreements."""
        return len(self._by_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """All agreement ids."""
        return tuple(self._by_id)

    def on(self, day: date) -> list[Agreement]:
        """Every agreement in force on ``day`` in at least one of its zones, oldest first."""
        return sorted((a for a in self._by_id.values() if a.in_force_anywhere(day)),
                      key=lambda a: (a.start, a.id))

    def unknown_parties(self, actor_ids: Iterable[str], camps: Iterable[str]) -> list[str]:
        """Side entries that name no known actor id or camp ("id: entry"), so that a typo in
        configuration is an error instead of an agreement nobody can breach."""
        ids, known_camps = set(actor_ids), set(camps)
        bad: list[str] = []
        for a in self._by_id.values():
            for entry in (*a.side_a, *a.side_b, *a.guarantors):
                ok = (entry[len(CAMP_PREFIX):] in known_camps if entry.startswith(CAMP_PREFIX)
                      else entry in ids)
                if not ok:
                    bad.append(f"{a.id}: {entry}")
        return bad

    def in_force(self, zone_ids: Iterable[str], day: date) -> list[Agreement]:
        """Agreements in force on ``day`` in any of ``zone_ids`` (a zone's own end in
        ``zone_ends`` counts), oldest first."""
        zones = set(zone_ids)
        found = [a for a in self._by_id.values() if a.covers(zones, day)]
        return sorted(found, key=lambda a: (a.start, a.id))


def uncovered_places(
    registry: AgreementRegistry, places: Iterable[tuple[str, Iterable[str]]], day: date
) -> list[str]:
    """Names of places (given with the zone ids at each) that no agreement in force on ``day``
    covers: reports from there can never be violations, which a user should be told."""
    return list(dict.fromkeys(name for name, zones in places
                              if not registry.in_force(zones, day)))
