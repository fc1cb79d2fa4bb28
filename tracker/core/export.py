"""Events as documents and files: the API's JSON, ACLED-style CSV, GeoJSON, JSON Lines, Atom.

Pure: every writer takes an iterable of event records (dicts of the events columns plus
`sources`, `outlets`, `first_seen`, see tracker.adapters.storage.queries) and yields text
chunks, so a caller can stream a file of any length in constant memory.

The CSV follows ACLED's column names, order and meanings so that scripts written for ACLED
data read ours: https://acleddata.com/acleddatanew/wp-content/uploads/dlm_uploads/2023/06/
ACLED_Codebook_2023.pdf. Our own columns come after ACLED's.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal
from xml.sax.saxutils import escape, quoteattr

if TYPE_CHECKING:
    from tracker.core.eventquery import EventFilters

ACLED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
    "inter2", "interaction", "civilian_targeting", "iso", "region", "country", "admin1",
    "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip
OUR_COLUMNS: tuple[str, ...] = (
    "violation", "agreements", "zones", "severity", "confidence", "fatalities_low",
    "fatalities_high", "source_count", "url",
)  # fmt: skip
CSV_COLUMNS = ACLED_COLUMNS + OUR_COLUMNS

# ACLED's actor type codes (inter1/inter2): 1 state forces, 2 rebel groups, 7 civilians,
# 8 external/other forces. Foreign armies are "external" whichever side they back.
_EXTERNAL = frozenset({"Russian forces", "Turkish Armed Forces"})
_INTER_BY_SIDE = {"government": 1, "opposition": 2, "other": 2, "civilian": 7}
SYRIA_ISO_NUMERIC = 760
ATOM_NS = "http://www.w3.org/2005/Atom"

ExportFormat = Literal["csv", "geojson", "atom", "jsonl"]
EXPORT_FORMATS: tuple[str, ...] = ("csv", "geojson", "atom", "jsonl")
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "atom": "application/atom+xml; charset=utf-8",
    "jsonl": "application/x-ndjson",
}


@dataclass(frozen=True)
class Catalogue:
    """Names of the agreements and zones events refer to by id (for readable documents)."""

    agreements: Mapping[str, str] = field(default_factory=dict)
    zones: Mapping[str, str] = field(default_factory=dict)


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value.isoformat()


def location_of(rec: Mapping[str, Any]) -> dict[str, Any] | None:
    if rec.get("place_name") is None or rec.get("lat") is None or rec.get("lon") is None:
        return None
    return {
        "name": rec["place_name"],
        "admin1": rec.get("admin1") or "",
        "lat": rec["lat"],
        "lon": rec["lon"],
        "precision": rec.get("location_precision"),
    }


def links(event_id: int, base: str) -> dict[str, str]:
    """The event's page (built by the dashboard) and its API document."""
    return {"self": f"{base}/api/v1/events/{event_id}", "html": f"{base}/events/{event_id}"}


def event_document(rec: Mapping[str, Any], base: str = "") -> dict[str, Any]:
    """One event as the API's list endpoint, JSON Lines and GeoJSON properties show it."""
    return {
        "id": rec["id"],
        "status": rec["status"],
        "review_status": rec.get("review_status"),
        "revision": rec["revision"],
        "split_from": rec.get("split_from"),
        "merged_into": rec.get("merged_into"),
        "violation": bool(rec["violation"]),
        "event_type": rec["event_type"],
        "sub_event_type": rec["sub_event_type"],
        "date": _iso(rec.get("event_date")),
        "date_precision": rec["date_precision"],
        "location": location_of(rec),
        "fatalities": rec.get("fatalities"),
        "fatalities_low": rec.get("fatalities_low"),
        "fatalities_high": rec.get("fatalities_high"),
        "injured": rec.get("injured"),
        "actors": list(rec.get("actors") or []),
        "agreements": list(rec.get("agreements") or []),
        "zones": list(rec.get("zones") or []),
        "severity": rec["severity"],
        "confidence": rec["confidence"],
        "reasons": list(rec.get("reasons") or []),
        "evidence": list(rec.get("evidence") or []),
        "source_count": rec["source_count"],
        "report_count": rec["report_count"],
        "sources": list(rec.get("sources") or []),
        "outlets": list(rec.get("outlets") or []),
        "first_seen": _iso(rec.get("first_seen")),
        "created_at": _iso(rec["created_at"]),
        "updated_at": _iso(rec["updated_at"]),
        "links": links(rec["id"], base),
    }


def cited_articles(agreement_id: str, reasons: Sequence[str]) -> list[str]:
    """The articles of an agreement the classifier cited ("<id> art. 3: ..." reasons)."""
    cited: list[str] = []
    for reason in reasons:
        m = re.match(rf"{re.escape(agreement_id)}\s+(art\.\s*[^:]+):", reason)
        if m and m.group(1) not in cited:
            cited.append(m.group(1))
    return cited


def event_detail(rec: Mapping[str, Any], catalogue: Catalogue, base: str = "") -> dict[str, Any]:
    """One event with everything known about it: reports, agreements with the articles
    cited, zones, the toll range and how it came to be (splits and merges)."""
    doc = event_document(rec, base)
    reasons = doc["reasons"]
    doc["agreements_detail"] = [
        {"id": a, "name": catalogue.agreements.get(a), "articles": cited_articles(a, reasons)}
        for a in doc["agreements"]
    ]
    doc["zones_detail"] = [{"id": z, "name": catalogue.zones.get(z)} for z in doc["zones"]]
    doc["toll"] = {
        "low": doc["fatalities_low"],
        "best": doc["fatalities"],
        "high": doc["fatalities_high"],
        "injured": doc["injured"],
    }
    doc["merge_reasons"] = list(rec.get("merge_reasons") or [])
    doc["history"] = {
        "revision": doc["revision"],
        "split_from": doc["split_from"],
        "split_off": list(rec.get("split_off") or []),
        "merged_into": doc["merged_into"],
        "absorbed": list(rec.get("absorbed") or []),
    }
    doc["reports"] = [
        {
            "item_id": r["item_id"],
            "title": r["title"],
            "outlet": r["outlet"],
            "url": r["url"],
            "published": _iso(r["published"]),
            "first_seen": _iso(r["first_seen"]),
            "date": _iso(r["date"]),
            "place": r["place"],
            "fatalities": r["fatalities"],
            "violation": bool(r["violation"]),
            "links": {"self": f"{base}/api/v1/items/{r['item_id']}"},
        }
        for r in rec.get("reports") or []
    ]
    return doc


def item_document(rec: Mapping[str, Any], base: str = "") -> dict[str, Any]:
    """A stored news item, its feed and the incidents read from it (not its full text)."""
    return {
        "id": rec["id"],
        "feed": {"id": rec["feed_id"], "name": rec.get("feed_name"), "url": rec["feed_url"]},
        "url": rec.get("url"),
        "title": rec["title"],
        "summary": rec["summary"],
        "language": rec.get("language"),
        "published": _iso(rec.get("published_at")),
        "first_seen": _iso(rec["first_seen_at"]),
        "classified_at": _iso(rec.get("classified_at")),
        "incidents": [
            {
                "seq": i["seq"],
                "event_id": i.get("event_id"),
                "violation": bool(i["violation"]),
                "event_type": i["event_type"],
                "sub_event_type": i["sub_event_type"],
                "date": _iso(i.get("event_date")),
                "place": i.get("place_name"),
                "fatalities": i.get("fatalities"),
                "severity": i["severity"],
                "links": {"event": f"{base}/api/v1/events/{i['event_id']}"}
                if i.get("event_id") is not None
                else {},
            }
            for i in rec.get("incidents") or []
        ],
    }


# -- ACLED CSV -----------------------------------------------------------------------------


def _inter(actor: Mapping[str, Any] | None) -> int | str:
    if actor is None:
        return ""
    if actor.get("name") in _EXTERNAL:
        return 8
    return _INTER_BY_SIDE.get(str(actor.get("side")), "")


def _time_precision(date_precision: int) -> int:
    """UCDP date_prec (1 day, 2-3 week, 4 month, 5+ longer) -> ACLED (1 day, 2 week, 3 month)."""
    return 1 if date_precision <= 1 else 2 if date_precision <= 3 else 3


def _geo_precision(location_precision: int | None) -> int | str:
    """UCDP where_prec (1 exact, 2-3 near / district, 4+ governorate or vaguer) -> ACLED."""
    if location_precision is None:
        return ""
    return 1 if location_precision <= 1 else 2 if location_precision <= 3 else 3


def _sides(actors: Sequence[Mapping[str, Any]]) -> tuple[list[Mapping[str, Any]], ...]:
    """(side 1, side 2): attackers first; without roles, actors in order of mention."""
    attackers = [a for a in actors if a.get("role") == "attacker"]
    targets = [a for a in actors if a.get("role") == "target"]
    if not attackers and not targets:
        return list(actors[:1]), list(actors[1:2])
    return attackers, targets


def _interaction(inter1: int | str, inter2: int | str) -> int | str:
    """ACLED's two-digit interaction code: the smaller actor code first; X0 for one actor."""
    codes = sorted(c for c in (inter1, inter2) if isinstance(c, int))
    if not codes:
        return ""
    return codes[0] * 10 + (codes[1] if len(codes) > 1 else 0)


def acled_row(rec: Mapping[str, Any]) -> dict[str, Any]:
    """One event as a CSV row with ACLED's columns (then ours)."""
    one, two = _sides(list(rec.get("actors") or []))
    inter1 = _inter(one[0] if one else None)
    inter2 = _inter(two[0] if two else None)
    day: date | None = rec.get("event_date")
    updated: datetime = rec["updated_at"]
    civilians = any(a.get("side") == "civilian" for a in two)
    fatalities = rec.get("fatalities")
    return {
        "event_id_cnty": f"SYRT{rec['id']}",
        "event_date": day.isoformat() if day else "",
        "year": day.year if day else "",
        "time_precision": _time_precision(int(rec["date_precision"])),
        "disorder_type": "Political violence",
        "event_type": rec["event_type"],
        "sub_event_type": rec["sub_event_type"],
        "actor1": one[0]["name"] if one else "",
        "assoc_actor_1": "; ".join(str(a["name"]) for a in one[1:]),
        "inter1": inter1,
        "actor2": two[0]["name"] if two else "",
        "assoc_actor_2": "; ".join(str(a["name"]) for a in two[1:]),
        "inter2": inter2,
        "interaction": _interaction(inter1, inter2),
        "civilian_targeting": "Civilian targeting" if civilians else "",
        "iso": SYRIA_ISO_NUMERIC,
        "region": "Middle East",
        "country": "Syria",
        "admin1": rec.get("admin1") or "",
        "admin2": "",
        "admin3": "",
        "location": rec.get("place_name") or "",
        "latitude": rec.get("lat") if rec.get("lat") is not None else "",
        "longitude": rec.get("lon") if rec.get("lon") is not None else "",
        "geo_precision": _geo_precision(rec.get("location_precision")),
        "source": "; ".join(rec.get("outlets") or []),
        "source_scale": "",
        "notes": " ".join(rec.get("evidence") or []),
        "fatalities": fatalities if fatalities is not None else 0,
        "tags": "ceasefire violation" if rec["violation"] else "",
        "timestamp": int(updated.timestamp()),
        "violation": "true" if rec["violation"] else "false",
        "agreements": "; ".join(rec.get("agreements") or []),
        "zones": "; ".join(rec.get("zones") or []),
        "severity": rec["severity"],
        "confidence": rec["confidence"],
        "fatalities_low": _blank(rec.get("fatalities_low")),
        "fatalities_high": _blank(rec.get("fatalities_high")),
        "source_count": rec["source_count"],
        "url": (rec.get("sources") or [""])[0],
    }


def _blank(value: Any) -> Any:
    return "" if value is None else value


# The events columns (and report summaries) a CSV row reads: an export reads only these.
CSV_FIELDS: tuple[str, ...] = (
    "id", "event_date", "date_precision", "event_type", "sub_event_type", "actors", "admin1",
    "place_name", "lat", "lon", "location_precision", "evidence", "fatalities", "violation",
    "updated_at", "agreements", "zones", "severity", "confidence", "fatalities_low",
    "fatalities_high", "source_count",
)  # fmt: skip
ACTOR_MEMO_SIZE = 4096


def write_csv(records: Iterable[Mapping[str, Any]], chunk_rows: int = 500) -> Iterator[str]:
    """A header row, then one row per event, yielded in chunks of `chunk_rows` rows.

    Each row equals `acled_row`'s values in CSV_COLUMNS order (the tests compare the two),
    built as a tuple; the eight actor columns are derived once per distinct actors list."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    actors = _ActorColumns()
    rows: list[tuple[Any, ...]] = []
    for rec in records:
        rows.append(_csv_values(rec, actors))
        if len(rows) == chunk_rows:
            writer.writerows(rows)
            rows.clear()
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    writer.writerows(rows)
    yield buf.getvalue()


class _ActorColumns:
    """actor1, assoc_actor_1, inter1, actor2, assoc_actor_2, inter2, interaction and
    civilian_targeting of an actors list, remembered by the list's identity.

    The storage adapter hands every event with the same actors one shared list, so a whole
    export derives these a few times instead of once per row. An entry keeps its list alive
    (so its id cannot be reused while remembered), and the lists are never modified."""

    def __init__(self) -> None:
        self.memo: dict[int, tuple[Any, tuple[Any, ...]]] = {}

    def __call__(self, actors: Any) -> tuple[Any, ...]:
        hit = self.memo.get(id(actors))
        if hit is not None and hit[0] is actors:
            return hit[1]
        if len(self.memo) >= ACTOR_MEMO_SIZE:
            self.memo.clear()
        columns = _actor_columns(list(actors or []))
        self.memo[id(actors)] = (actors, columns)
        return columns


def _actor_columns(actors: list[Mapping[str, Any]]) -> tuple[Any, ...]:
    one, two = _sides(actors)
    inter1 = _inter(one[0] if one else None)
    inter2 = _inter(two[0] if two else None)
    return (
        one[0]["name"] if one else "",
        "; ".join(str(a["name"]) for a in one[1:]),
        inter1,
        two[0]["name"] if two else "",
        "; ".join(str(a["name"]) for a in two[1:]),
        inter2,
        _interaction(inter1, inter2),
        "Civilian targeting" if any(a.get("side") == "civilian" for a in two) else "",
    )


def _csv_values(rec: Mapping[str, Any], actors: _ActorColumns) -> tuple[Any, ...]:
    """`acled_row(rec).values()` as a tuple, without building the dict."""
    get = rec.get
    day = get("event_date")
    lat, lon = get("lat"), get("lon")
    fatalities = get("fatalities")
    violation = rec["violation"]
    return (
        f"SYRT{rec['id']}",
        day.isoformat() if day else "",
        day.year if day else "",
        _time_precision(int(rec["date_precision"])),
        "Political violence",
        rec["event_type"],
        rec["sub_event_type"],
        *actors(get("actors")),
        SYRIA_ISO_NUMERIC,
        "Middle East",
        "Syria",
        get("admin1") or "",
        "",
        "",
        get("place_name") or "",
        lat if lat is not None else "",
        lon if lon is not None else "",
        _geo_precision(get("location_precision")),
        "; ".join(get("outlets") or []),
        "",
        " ".join(get("evidence") or []),
        fatalities if fatalities is not None else 0,
        "ceasefire violation" if violation else "",
        int(rec["updated_at"].timestamp()),
        "true" if violation else "false",
        "; ".join(get("agreements") or []),
        "; ".join(get("zones") or []),
        rec["severity"],
        rec["confidence"],
        _blank(get("fatalities_low")),
        _blank(get("fatalities_high")),
        rec["source_count"],
        (get("sources") or [""])[0],
    )


# -- JSON Lines and GeoJSON ---------------------------------------------------------------


# One encoder for every line (json.dumps with options builds a new one per call); the same
# text as json.dumps(..., ensure_ascii=False).
_encode = json.JSONEncoder(ensure_ascii=False).encode
# Lines (or features) per chunk: a web server hands each chunk to the client separately.
JSON_CHUNK = 200


def write_jsonl(records: Iterable[Mapping[str, Any]], base: str = "") -> Iterator[str]:
    lines: list[str] = []
    for rec in records:
        lines.append(_encode(event_document(rec, base)) + "\n")
        if len(lines) == JSON_CHUNK:
            yield "".join(lines)
            lines.clear()
    if lines:
        yield "".join(lines)


def feature(rec: Mapping[str, Any], base: str = "") -> dict[str, Any]:
    """An RFC 7946 Feature: a Point at the event's place ([lon, lat]), or no geometry."""
    props = event_document(rec, base)
    loc = props["location"]
    geometry = None
    if loc is not None:
        geometry = {"type": "Point", "coordinates": [round(loc["lon"], 6), round(loc["lat"], 6)]}
    return {"type": "Feature", "id": rec["id"], "geometry": geometry, "properties": props}


def write_geojson(records: Iterable[Mapping[str, Any]], base: str = "") -> Iterator[str]:
    """A FeatureCollection, written feature by feature (JSON_CHUNK features a chunk)."""
    yield '{"type": "FeatureCollection", "features": ['
    sep = "\n"
    parts: list[str] = []
    for rec in records:
        parts.append(sep + _encode(feature(rec, base)))
        sep = ",\n"
        if len(parts) == JSON_CHUNK:
            yield "".join(parts)
            parts.clear()
    parts.append("\n]}\n")
    yield "".join(parts)


# -- Atom ----------------------------------------------------------------------------------


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_id(event_id: int, base: str) -> str:
    """A permanent, unique entry id (RFC 4287 4.2.6): the same event keeps it forever."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/events/{event_id}").urn


def entry_title(rec: Mapping[str, Any]) -> str:
    where = rec.get("place_name") or "unknown place"
    if rec.get("admin1"):
        where += f" ({rec['admin1']})"
    day = rec.get("event_date")
    title = f"{rec['sub_event_type']} in {where}, {day.isoformat() if day else 'date unknown'}"
    if rec.get("fatalities"):
        title += f": {rec['fatalities']} killed"
    return title


def _entry(rec: Mapping[str, Any], base: str) -> str:
    doc = links(rec["id"], base)
    summary = " ".join(rec.get("evidence") or []) or entry_title(rec)
    lines = [
        "<entry>",
        f"<id>{entry_id(rec['id'], base)}</id>",
        f'<title type="text">{escape(entry_title(rec))}</title>',
        f"<updated>{_rfc3339(rec['updated_at'])}</updated>",
        f"<published>{_rfc3339(rec['created_at'])}</published>",
        f'<link rel="alternate" type="text/html" href={quoteattr(doc["html"])}/>',
        f'<link rel="related" type="application/json" href={quoteattr(doc["self"])}/>',
    ]
    lines += [f'<link rel="via" href={quoteattr(url)}/>' for url in rec.get("sources") or []]
    lines += [f"<category term={quoteattr(t)}/>" for t in _categories(rec)]
    lines += [f'<summary type="text">{escape(summary)}</summary>', "</entry>"]
    return "\n".join(lines) + "\n"


def _categories(rec: Mapping[str, Any]) -> list[str]:
    terms = ["violation"] if rec["violation"] else []
    terms += [rec["severity"], rec["event_type"], *(rec.get("agreements") or [])]
    return list(dict.fromkeys(terms))


def write_atom(
    records: Sequence[Mapping[str, Any]],
    *,
    self_url: str,
    base: str = "",
    title: str = "Ceasefire violations",
    generated: datetime,
) -> Iterator[str]:
    """An Atom feed (RFC 4287), one entry per event in the order given (newest first).

    The feed's `updated` is its newest entry's, so it changes exactly when an event does
    (`generated` when there are none); its id derives from `self_url`, so each set of
    filters is a feed of its own."""
    newest = max((r["updated_at"] for r in records), default=generated)
    yield (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="{ATOM_NS}">\n'
        f"<id>{uuid.uuid5(uuid.NAMESPACE_URL, self_url).urn}</id>\n"
        f'<title type="text">{escape(title)}</title>\n'
        f"<updated>{_rfc3339(newest)}</updated>\n"
        f'<link rel="self" type="application/atom+xml" href={quoteattr(self_url)}/>\n'
        "<author><name>tracker</name></author>\n"
        "<generator>tracker</generator>\n"
    )
    for rec in records:
        yield _entry(rec, base)
    yield "</feed>\n"


def atom_filters(filters: EventFilters) -> EventFilters:
    """A feed of violations, newest change first, unless the caller chose otherwise."""
    changes: dict[str, Any] = {}
    if "violations_only" not in filters.model_fields_set:
        changes["violations_only"] = True
    if "order" not in filters.model_fields_set:
        changes["order"] = "-updated"
    return filters.model_copy(update=changes) if changes else filters
