"""Data out: the read API's answers and `tracker export`'s files, from one query path.

The web adapter and the command both call `DataOut`, so a file exported at the command line
and one downloaded from `/api/v1/events?format=...` with the same filters are identical.
Exports are generators over a paging query: nothing holds the whole answer in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from tracker.core.daycounts import DayChart, chart_from_counts
from tracker.core.eventquery import Cursor, EventFilters, next_cursor
from tracker.core.export import (
    CSV_FIELDS,
    EXPORT_FORMATS,
    MEDIA_TYPES,
    Catalogue,
    ExportFormat,
    atom_filters,
    event_detail,
    event_document,
    item_document,
    write_atom,
    write_csv,
    write_geojson,
    write_jsonl,
)

# An Atom feed is read whole by its subscribers; without a limit it shows this many entries.
ATOM_DEFAULT_ENTRIES = 100


class QueriesPort(Protocol):
    def page(self, filters: EventFilters, limit: int, cursor: Cursor | None = None) -> Any: ...

    def stream(
        self,
        filters: EventFilters,
        cursor: Cursor | None = None,
        limit: int | None = None,
        batch: int | None = None,
        columns: Collection[str] | None = None,
    ) -> Iterator[dict[str, Any]]: ...

    def count(self, filters: EventFilters) -> int: ...

    def per_day(self, filters: EventFilters) -> list[tuple[date | None, int, int]]: ...

    def event(self, event_id: int) -> dict[str, Any] | None: ...

    def item(self, item_id: int) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class Reference:
    """Agreements (as API documents) and zones (a GeoJSON FeatureCollection)."""

    agreements: list[dict[str, Any]]
    zones: dict[str, Any]

    def catalogue(self) -> Catalogue:
        return Catalogue(
            agreements={a["id"]: a["name"] for a in self.agreements},
            zones={
                f["properties"]["id"]: f["properties"].get("name", "")
                for f in self.zones.get("features", [])
                if "id" in f.get("properties", {})
            },
        )


class DataOut:
    def __init__(
        self,
        queries: QueriesPort,
        reference: Callable[[], Reference],
        clock: Callable[[], datetime],
        public_url: str = "",
    ) -> None:
        self.queries = queries
        self._reference_loader = reference
        self._reference: Reference | None = None
        self.clock = clock
        self.public_url = public_url.rstrip("/")

    def base(self, request_base: str = "") -> str:
        """Where links point: `[web] public_url` when set, else the address asked."""
        return self.public_url or request_base.rstrip("/")

    def reference(self) -> Reference:
        if self._reference is None:
            self._reference = self._reference_loader()
        return self._reference

    # -- events ----------------------------------------------------------------------------

    def page(
        self, filters: EventFilters, limit: int, cursor: str | None, base: str = ""
    ) -> dict[str, Any]:
        """One page of event documents and the cursor of the next (None on the last)."""
        page = self.queries.page(filters, limit, _decode(cursor, filters))
        events = [event_document(r, base) for r in page.records]
        following = next_cursor(filters.order, events[-1]) if page.has_more and events else None
        return {"events": events, "next_cursor": following, "limit": limit}

    def day_chart(self, filters: EventFilters) -> DayChart:
        """Events per day over EVERY selected event (the dashboard's chart), not only the
        page the map shows: counted by the database, a row a day."""
        return chart_from_counts(self.queries.per_day(filters))

    def export(
        self,
        fmt: ExportFormat,
        filters: EventFilters,
        *,
        limit: int | None = None,
        cursor: str | None = None,
        base: str = "",
        self_url: str = "",
        on_record: Callable[[], None] | None = None,
    ) -> Iterator[str]:
        """The selected events as a file of `fmt`, chunk by chunk.

        Raises CursorError before the first chunk when the cursor is bad, so the web layer
        can still answer 422."""
        start = _decode(cursor, filters)
        if fmt == "atom":
            return self._atom(filters, limit, start, base, self_url)
        # The CSV shows fewer columns than the documents: only those are read.
        columns = CSV_FIELDS if fmt == "csv" else None
        records = self.queries.stream(filters, start, limit, columns=columns)
        if on_record is not None:
            records = _counting(records, on_record)
        if fmt == "csv":
            return write_csv(records)
        if fmt == "geojson":
            return write_geojson(records, base)
        return write_jsonl(records, base)

    def _atom(
        self,
        filters: EventFilters,
        limit: int | None,
        start: Cursor | None,
        base: str,
        self_url: str,
    ) -> Iterator[str]:
        """A bounded feed (subscribers read it whole): at most `limit` entries."""
        records = list(self.queries.stream(filters, start, limit or ATOM_DEFAULT_ENTRIES))
        return write_atom(records, self_url=self_url, base=base, generated=self.clock())

    def count(self, filters: EventFilters) -> int:
        return self.queries.count(filters)

    def event(self, event_id: int, base: str = "") -> dict[str, Any] | None:
        record = self.queries.event(event_id)
        if record is None:
            return None
        return event_detail(record, self.reference().catalogue(), base)

    def item(self, item_id: int, base: str = "") -> dict[str, Any] | None:
        record = self.queries.item(item_id)
        return None if record is None else item_document(record, base)

    # -- reference -------------------------------------------------------------------------

    def agreements(self) -> list[dict[str, Any]]:
        return self.reference().agreements

    def zones(self) -> dict[str, Any]:
        return self.reference().zones


def agreement_documents(registry: Any) -> list[dict[str, Any]]:
    """Agreements (tracker.core.agreements.Agreement) as API documents."""
    return [
        {
            "id": a.id,
            "name": a.name,
            "start": a.start.isoformat(),
            "end": a.end.isoformat() if a.end else None,
            "zones": list(a.zone_ids),
            "zone_ends": {z: d.isoformat() for z, d in a.zone_ends.items()},
            "parties": list(a.parties),
            "articles": dict(a.articles),
            "excluded_actor_note": a.excluded_actor_note,
            "sources": list(a.sources),
            "notes": a.notes,
        }
        for a in registry
    ]


def _decode(token: str | None, filters: EventFilters) -> Cursor | None:
    return None if token is None else Cursor.decode(token, filters.order)


def _counting(
    records: Iterator[dict[str, Any]], tick: Callable[[], None]
) -> Iterator[dict[str, Any]]:
    for record in records:
        tick()
        yield record


__all__ = ["EXPORT_FORMATS", "MEDIA_TYPES", "DataOut", "Reference", "atom_filters"]

