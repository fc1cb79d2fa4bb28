"""The read API (/api/v1) through the real App and FastAPI's TestClient, on SQLite and
PostgreSQL: contract per endpoint and format, filters, cursors, hostile parameters."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import feedparser
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import shape
from sqlalchemy import event as sa_event
from sqlalchemy import update
from sqlmodel import Session, select

from tests.conftest import FakeClock, make_settings, pg_database
from tests.support import api_data
from tracker import __version__
from tracker.adapters.storage.models import EventRow, Feed
from tracker.adapters.web import create_web_app
from tracker.app import App
from tracker.core.eventquery import EventFilters
from tracker.core.export import ACLED_COLUMNS, CSV_COLUMNS, OUR_COLUMNS, acled_row

ATOM = "{http://www.w3.org/2005/Atom}"


class Api:
    def __init__(self, client: TestClient, app: App, ids: dict[str, int]) -> None:
        self.client, self.app, self.ids = client, app, ids
        self.names = {v: k for k, v in ids.items()}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params=params)

    def names_of(self, **params: Any) -> list[str]:
        r = self.get("/api/v1/events", **params)
        assert r.status_code == 200, r.text
        return [self.names[e["id"]] for e in r.json()["events"]]


def _serve(url: str, clock: Any, **web: Any) -> Iterator[Api]:
    app = App(make_settings(url, web={"enabled": False, **web}), clock=clock)
    ids = api_data.fill(app.engine)
    try:
        with TestClient(create_web_app(app, __version__)) as client:
            yield Api(client, app, ids)
    finally:
        asyncio.run(app.aclose())


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One filled database per module and backend, for the tests that only read."""
    if request.param == "sqlite":
        yield from _serve(f"sqlite:///{tmp_path_factory.mktemp('api') / 'api.db'}", FakeClock())
        return
    with pg_database() as url:
        yield from _serve(url, FakeClock())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_api(request: pytest.FixtureRequest, clock: Any) -> Iterator[Api]:
    """A database of its own, for tests that change events."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    yield from _serve(url, clock)


# -- the list, its filters and its pages ---------------------------------------------------


def test_default_list_is_active_events_newest_first_undated_last(api: Api) -> None:
    body = api.get("/api/v1/events").json()
    assert [api.names[e["id"]] for e in body["events"]] == [
        "ariha", "sarmin", "split", "clash", "undated",
    ]  # fmt: skip
    assert body["next_cursor"] is None and body["limit"] == 100
    sarmin = next(e for e in body["events"] if e["id"] == api.ids["sarmin"])
    assert sarmin["sources"] == [f"https://news.example/sarmin/{n}" for n in range(3)]
    assert sarmin["outlets"] == ["Outlet A", "Outlet B"]
    assert sarmin["first_seen"] == "2024-05-03T08:00:00+00:00"
    assert sarmin["location"] == {
        "name": "Sarmin", "admin1": "Idlib", "lat": 35.9, "lon": 36.72, "precision": 1,
    }  # fmt: skip
    assert sarmin["links"]["self"].endswith(f"/api/v1/events/{api.ids['sarmin']}")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"violations_only": "true"}, ["ariha", "sarmin", "split", "undated"]),
        ({"since": "2024-05-09"}, ["ariha", "sarmin"]),
        ({"until": "2024-05-08", "since": "2024-04-01"}, ["split", "clash"]),
        # first seen: clash 05-01 16:00, undated 05-01 11:00, sarmin 05-03, ariha 05-04
        ({"by": "recorded", "since": "2024-05-03", "until": "2024-05-03"}, ["sarmin", "split"]),
        ({"by": "recorded", "until": "2024-05-01"}, ["clash", "undated"]),
        ({"agreement": "sochi-2018"}, ["sarmin"]),
        ({"agreement": "sochi"}, []),
        ({"zone": "idlib-deescalation"}, ["ariha", "sarmin"]),
        ({"actor": "RUSSIAN"}, ["ariha"]),
        ({"actor": "tahrir"}, ["ariha", "clash"]),
        ({"side": "opposition"}, ["clash"]),
        ({"side": "government"}, ["ariha", "sarmin"]),
        ({"min_severity": "high"}, ["ariha", "sarmin"]),
        ({"min_severity": "critical"}, ["ariha"]),
        ({"status": "dismissed"}, ["dismissed"]),
        ({"status": "merged"}, ["absorbed"]),
        ({"bbox": "36.5,35.7,36.7,35.85"}, ["ariha"]),
        ({"q": "KABANI"}, ["clash"]),
        ({"q": "three killed"}, ["sarmin"]),
        ({"q": "أريحا"}, ["ariha"]),
        ({"q": "100%_"}, []),
        (
            {"violations_only": "true", "zone": "idlib-deescalation", "min_severity": "critical"},
            ["ariha"],
        ),
    ],
)
def test_filters(api: Api, params: dict[str, str], expected: list[str]) -> None:
    assert api.names_of(**params) == expected


ORDERS = ["-date", "date", "-updated", "updated", "-id", "id"]


@pytest.mark.parametrize("order", ORDERS)
def test_cursor_pages_equal_the_whole_list(api: Api, order: str) -> None:
    whole = api.names_of(order=order)
    assert len(whole) == 5
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"order": order, "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/v1/events", **params).json()
        seen += [api.names[e["id"]] for e in body["events"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == whole


def test_pages_stay_stable_when_events_arrive(fresh_api: Api) -> None:
    """Keyset cursors: an event inserted before the cursor is neither repeated nor does it
    shift the next page."""
    api = fresh_api
    first = api.get("/api/v1/events", limit=2).json()
    assert [api.names[e["id"]] for e in first["events"]] == ["ariha", "sarmin"]
    extra = api_data.Spec("newest", event_date=date(2024, 6, 1), seen_hours=200)
    with Session(api.app.engine) as session:
        feeds = list(session.exec(select(Feed)))
        api_data._event(session, extra, feeds, api.ids)
        session.commit()
    rest = api.get("/api/v1/events", limit=10, cursor=first["next_cursor"]).json()
    assert [api.names[e["id"]] for e in rest["events"]] == ["split", "clash", "undated"]


# -- hostile and wrong parameters ------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"foo": "1"},
        {"violation_only": "true"},  # misspelt: refused, not ignored
        {"limit": "0"},
        {"limit": "1001"},
        {"limit": "99999999999999999999999"},
        {"limit": "1e3"},
        {"cursor": "not-a-cursor"},
        {"cursor": "W10"},  # "[]"
        {"cursor": "WyItZGF0ZSIsIjk5OTk5LTAxLTAxIiwxXQ"},  # a date out of range
        {"cursor": "WyItZGF0ZSIsbnVsbCw5OTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ"},  # a huge id
        {"cursor": "WyJpZCIsMSwxXQ"},  # issued for order=id, used with -date
        {"cursor": "x" * 500},
        {"since": "2024-02-30"},
        {"since": "0.0"},  # pydantic alone reads numbers as Unix times
        {"until": "1714000000"},
        {"since": "2024-5-1"},
        {"since": "0001-01-01"},
        {"until": "99999-01-01"},
        {"since": "2024-05-10", "until": "2024-05-01"},
        {"since": "'; DROP TABLE events; --"},
        {"bbox": "1,2,3"},
        {"bbox": "nan,0,1,1"},
        {"bbox": "10,10,0,0"},
        {"bbox": "0,0,200,1"},
        {"status": "gone"},
        {"side": "rebels"},
        {"min_severity": "extreme"},
        {"order": "title"},
        {"format": "xlsx"},
        {"q": ""},
        {"q": "x" * 201},
        {"violations_only": "maybe"},
    ],
)
def test_bad_parameters_answer_422_with_a_message(api: Api, params: dict[str, str]) -> None:
    r = api.get("/api/v1/events", **params)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["message"] and isinstance(body["detail"], list)


def test_unknown_parameter_is_named(api: Api) -> None:
    body = api.get("/api/v1/events", violation_only="true").json()
    assert body["message"] == "unknown parameter 'violation_only'"


@pytest.mark.parametrize(
    "query",
    [
        "q=%27%20OR%201%3D1%20--",
        "q=%00",
        "actor=%25%27%20OR%20%27%27%3D%27",
        "agreement=x%22%20OR%201%3D1",
        "zone=%5C",
        "q=%ED%A0%80",  # not UTF-8
        "q=%FF%FE",
        "actor=%0A",
    ],
)
def test_sql_like_and_broken_strings_never_fail(api: Api, query: str) -> None:
    r = api.client.get(f"/api/v1/events?{query}")
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200:
        assert r.json()["events"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/events/0",
        "/api/v1/events/99999999999",
        "/api/v1/events/x",
        "/api/v1/items/-1",
        "/api/v1/items/2147483648",
    ],
)
def test_bad_ids_answer_422(api: Api, path: str) -> None:
    assert api.get(path).status_code == 422


# -- one event, one item, reference ----------------------------------------------------------


def test_event_detail(api: Api) -> None:
    doc = api.get(f"/api/v1/events/{api.ids['sarmin']}").json()
    assert doc["toll"] == {"low": 2, "best": 3, "high": 4, "injured": None}
    assert [r["title"] for r in doc["reports"]] == [
        "Shelling on Sarmin kills three", "Three killed in Sarmin", "Sarmin shelled",
    ]  # fmt: skip
    first = doc["reports"][0]
    assert (first["outlet"], first["url"]) == ("Outlet A", "https://news.example/sarmin/0")
    assert (first["published"], first["first_seen"]) == (
        "2024-05-03T07:00:00+00:00", "2024-05-03T08:00:00+00:00",
    )  # fmt: skip
    moscow = next(a for a in doc["agreements_detail"] if a["id"] == "moscow-2020")
    assert moscow["articles"] == ["art. 1"] and "Moscow" in moscow["name"]
    assert doc["zones_detail"][0]["id"] == "idlib-deescalation"
    assert doc["zones_detail"][0]["name"].startswith("Idlib de-escalation area")
    assert doc["history"] == {
        "revision": 1,
        "split_from": None,
        "split_off": [api.ids["split"]],
        "merged_into": None,
        "absorbed": [api.ids["absorbed"]],
    }
    assert doc["evidence"] and doc["reasons"]
    absorbed = api.get(f"/api/v1/events/{api.ids['absorbed']}").json()
    assert absorbed["status"] == "merged" and absorbed["merged_into"] == api.ids["sarmin"]
    r = api.get("/api/v1/events/999999")
    assert r.status_code == 404 and r.json() == {"detail": "no event 999999"}


def test_item(api: Api) -> None:
    event = api.get(f"/api/v1/events/{api.ids['ariha']}").json()
    item_id = event["reports"][0]["item_id"]
    doc = api.get(f"/api/v1/items/{item_id}").json()
    assert doc["title"] == "Russian air strike on Ariha"
    assert doc["feed"]["name"] == "Outlet A"
    assert [i["event_id"] for i in doc["incidents"]] == [api.ids["ariha"]]
    assert doc["incidents"][0]["links"]["event"].endswith(f"/api/v1/events/{api.ids['ariha']}")
    assert api.get("/api/v1/items/999999").status_code == 404


def test_agreements_and_zones(api: Api) -> None:
    agreements = {a["id"]: a for a in api.get("/api/v1/agreements").json()}
    assert {"astana-2017", "sochi-2018", "moscow-2020"} <= set(agreements)
    assert agreements["sochi-2018"]["articles"] and agreements["astana-2017"]["end"]
    r = api.get("/api/v1/zones")
    assert r.headers["content-type"] == "application/geo+json"
    zones = r.json()
    assert zones["type"] == "FeatureCollection"
    idlib = next(f for f in zones["features"] if f["properties"]["id"] == "idlib-deescalation")
    polygon = shape(idlib["geometry"])
    assert polygon.is_valid and polygon.contains(
        shape({"type": "Point", "coordinates": [36.72, 35.9]})
    )


# -- formats -------------------------------------------------------------------------------


def test_csv_has_acled_columns_then_ours_and_loads_in_pandas(api: Api) -> None:
    r = api.get("/api/v1/events", format="csv")
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    frame = pd.read_csv(io.StringIO(r.text))
    assert list(frame.columns) == list(ACLED_COLUMNS) + list(OUR_COLUMNS)
    assert set(frame.columns) == set(ACLED_COLUMNS) | set(OUR_COLUMNS)
    assert len(frame) == 5
    row = frame[frame.event_id_cnty == f"SYRT{api.ids['sarmin']}"].iloc[0]
    assert row.event_date == "2024-05-09" and row.year == 2024 and row.time_precision == 1
    assert (row.actor1, row.inter1, row.actor2, row.inter2) == (
        "Syrian government forces", 1, "Civilians", 7,
    )  # fmt: skip
    assert row.interaction == 17 and row.civilian_targeting == "Civilian targeting"
    assert (row.iso, row.country, row.admin1, row.location) == (760, "Syria", "Idlib", "Sarmin")
    assert (row.latitude, row.longitude, row.geo_precision) == (35.9, 36.72, 1)
    assert row.fatalities == 3 and (row.fatalities_low, row.fatalities_high) == (2, 4)
    assert row.source == "Outlet A; Outlet B" and row.source_count == 3
    assert row.agreements == "sochi-2018; moscow-2020" and row.violation
    assert row.timestamp == int(datetime(2024, 5, 3, 8, tzinfo=UTC).timestamp())
    ariha = frame[frame.event_id_cnty == f"SYRT{api.ids['ariha']}"].iloc[0]
    assert (ariha.inter1, ariha.inter2, ariha.interaction) == (8, 2, 28)  # external vs rebels
    assert ariha.notes == "قصف جوي روسي على أريحا"


def test_csv_follows_the_filters(api: Api) -> None:
    text = api.get("/api/v1/events", format="csv", violations_only="true", limit=2).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["event_id_cnty"] for r in rows] == [f"SYRT{api.ids[n]}" for n in ("ariha", "sarmin")]
    assert list(rows[0]) == list(CSV_COLUMNS)


def test_geojson_follows_rfc_7946(api: Api) -> None:
    r = api.get("/api/v1/events", format="geojson")
    assert r.headers["content-type"] == "application/geo+json"
    doc = r.json()
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 5
    for feature in doc["features"]:
        assert feature["type"] == "Feature" and set(feature) == {
            "type",
            "id",
            "geometry",
            "properties",
        }
        geometry = feature["geometry"]
        if feature["properties"]["location"] is None:
            assert geometry is None  # RFC 7946 3.2: unlocated features have null geometry
            continue
        lon, lat = geometry["coordinates"]
        assert geometry["type"] == "Point" and -180 <= lon <= 180 and -90 <= lat <= 90
        point = shape(geometry)
        assert (point.x, point.y) == (
            feature["properties"]["location"]["lon"],
            feature["properties"]["location"]["lat"],
        )
    assert "crs" not in doc  # RFC 7946 4: WGS 84 only, no crs member


def test_jsonl_lines_are_the_list_documents(api: Api) -> None:
    r = api.get("/api/v1/events", format="jsonl")
    assert r.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert lines == api.get("/api/v1/events").json()["events"]


def _atom(api: Api, **params: Any) -> tuple[Any, ET.Element]:
    r = api.get("/api/v1/events", format="atom", **params)
    assert (
        r.status_code == 200 and r.headers["content-type"] == "application/atom+xml; charset=utf-8"
    )
    return feedparser.parse(r.content), ET.fromstring(r.content)


def test_atom_is_a_valid_feed_of_violations_newest_change_first(api: Api) -> None:
    parsed, root = _atom(api)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert [e.link.rsplit("/", 1)[1] for e in parsed.entries] == [
        str(api.ids[n]) for n in ("ariha", "split", "sarmin", "undated")
    ]  # violations only, by last change, newest first
    # RFC 4287 4.1.1 / 4.1.2: one id, title and updated per feed and entry; an author.
    assert root.tag == f"{ATOM}feed"
    for element in [root, *root.findall(f"{ATOM}entry")]:
        for required in ("id", "title", "updated"):
            assert len(element.findall(f"{ATOM}{required}")) == 1, required
        datetime.fromisoformat(element.findtext(f"{ATOM}updated", "").replace("Z", "+00:00"))
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    for entry in root.findall(f"{ATOM}entry"):
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None
    ariha = parsed.entries[0]
    assert ariha.title == "Shelling/artillery/missile attack in Ariha (Idlib), 2024-05-10: 5 killed"
    assert ariha.summary == "قصف جوي روسي على أريحا"
    assert parsed.feed.updated == ariha.updated


def test_atom_entry_is_updated_when_its_event_changes(fresh_api: Api) -> None:
    api = fresh_api
    before, _ = _atom(api)
    sarmin_id = next(e.id for e in before.entries if e.link.endswith(f"/{api.ids['sarmin']}"))
    changed = datetime(2024, 6, 1, 9, 30, tzinfo=UTC)
    with Session(api.app.engine) as session:
        session.execute(
            update(EventRow)
            .where(EventRow.id == api.ids["sarmin"])  # type: ignore[arg-type]
            .values(fatalities=4, revision=2, updated_at=changed)
        )
        session.commit()
    after, _ = _atom(api)
    top = after.entries[0]
    assert top.id == sarmin_id  # same entry, not a new one
    assert top.updated == "2024-06-01T09:30:00Z" and top.title.endswith("4 killed")
    assert after.feed.updated == "2024-06-01T09:30:00Z"
    assert len(after.entries) == len(before.entries)


def test_atom_takes_the_filters_and_a_limit(api: Api) -> None:
    parsed, _ = _atom(api, violations_only="false", order="-date", limit=2)
    assert [e.link.rsplit("/", 1)[1] for e in parsed.entries] == [
        str(api.ids[n]) for n in ("ariha", "sarmin")
    ]
    empty, root = _atom(api, agreement="none-such")
    assert empty.bozo == 0 and empty.entries == [] and root.findtext(f"{ATOM}updated")


def test_exports_read_the_database_page_by_page(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Streaming: the first chunk of an export is produced after reading one page (and the
    next, read ahead), not the whole selection, so memory does not grow with the export."""
    from tracker.adapters.storage import queries
    from tracker.core import export

    monkeypatch.setattr(queries, "STREAM_BATCH", 2)
    monkeypatch.setattr(export, "JSON_CHUNK", 1)  # one line a chunk, as pages of 2 need
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    sa_event.listen(api.app.engine, "before_cursor_execute", count)
    try:
        chunks = api.app.data_api().export("jsonl", EventFilters())
        first = next(chunks)
        selects_for_first = sum("FROM events" in s for s in statements)
        rest = list(chunks)
    finally:
        sa_event.remove(api.app.engine, "before_cursor_execute", count)
    assert json.loads(first)["id"] == api.ids["ariha"]
    assert selects_for_first <= 2  # the first page, and perhaps the next one, read ahead
    assert len(rest) == 4 and sum("FROM events" in s for s in statements) >= 3


def test_acled_rows_are_built_in_column_order(api: Api) -> None:
    """write_csv writes acled_row's values as they come: their order is the header's."""
    record = next(iter(api.app.data_api().queries.stream(EventFilters(), limit=1)))
    assert tuple(acled_row(record)) == CSV_COLUMNS
