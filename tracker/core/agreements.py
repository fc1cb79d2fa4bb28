"""The agreement registry: which agreements cover which zones on which day (pure, no I/O).

Dates are data, not code: the registry is built from a dict shaped like the shipped
``agreements.toml`` and users override or extend it with the same shape (:meth:`merge`).
Whether an agreement applies is decided at day granularity in local (Damascus) dates: an
agreement is in force on ``day`` when ``start.date() <= day <= end`` (``end`` inclusive, or open).
``start`` is stored as written, with its UTC offset, so ``start.date()`` is the local date.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

__all__ = ["DAMASCUS_DEFAULT_OFFSET", "Agreement", "AgreementRegistry"]

# Used only when a start is given without an offset: at day granularity the offset cannot move
# the local date of a midnight/noon start, so a fixed +03:00 avoids reading a tz database.
DAMASCUS_DEFAULT_OFFSET = timezone(timedelta(hours=3))
_OPEN_END = frozenset({"", "open", "null", "none"})


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

    def in_force_on(self, day: date) -> bool:
        """True when ``day`` (a local Damascus date) falls in [start date, end]."""
        return self.start.date() <= day and (self.end is None or day <= self.end)

    def article(self, number: str | int) -> str:
        """Summary of an article ("" when unknown), for decision explanations."""
        return self.articles.get(str(number), "")


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
    return Agreement(
        id=agreement_id,
        name=str(f["name"]),
        start=_parse_start(f["start"], agreement_id),
        end=_parse_end(f.get("end"), agreement_id),
        zone_ids=_strs(f.get("zones", f.get("zone_ids"))),
        articles={str(k): str(v) for k, v in dict(f.get("articles", {})).items()},
        excluded_actor_note=str(f.get("excluded_actor_note", "")),
        parties=_strs(f.get("parties")),
        sources=_strs(f.get("sources")),
        notes=str(f.get("notes", "")),
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
    if "zones" in f or "zone_ids" in f:
        changes["zone_ids"] = _strs(f.get("zones", f.get("zone_ids")))
    if "articles" in f:
        merged = dict(a.articles)
        merged.update({str(k): str(v) for k, v in dict(f["articles"]).items()})
        changes["articles"] = merged
    for key in ("excluded_actor_note", "notes"):
        if key in f:
            changes[key] = str(f[key])
    for key in ("parties", "sources"):
        if key in f:
            changes[key] = _strs(f[key])
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

    def in_force(self, zone_ids: Iterable[str], day: date) -> list[Agreement]:
        """Agreements covering any of ``zone_ids`` and in force on ``day``, oldest first."""
        zones = set(zone_ids)
        found = [
            a for a in self._by_id.values() if zones.intersection(a.zone_ids) and a.in_force_on(day)
        ]
        return sorted(found, key=lambda a: (a.start, a.id))
