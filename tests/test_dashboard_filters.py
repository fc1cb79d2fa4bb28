"""The map page's filters beyond dates and agreements (zone, attacker's side, event type),
and its events-per-day chart, through the real App and TestClient: the list follows the
filters, the form shows them, the API takes the same ones, and the chart (inline SVG, also
served alone at /map/days.svg) counts every event the filters select. The counting itself:
tests/core/test_daycounts.py; in a browser: tests/test_dashboard_browser.py."""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import FakeClock, make_settings
from tests.support import api_data
from tracker import __version__
from tracker.adapters.web import create_web_app
from tracker.app import App

SVG = "{http://www.w3.org/2000/svg}"
SPECS = [
    *api_data.SPECS,
    api_data.Spec(
        "battle",
        violation=False,
        event_date=date(2024, 5, 2),
        place="Kafr Nabl",
        lat=35.61,
        lon=36.56,
        actors=[api_data.HTS, {**api_data.GOV, "role": "target"}],
        event_type="Battles",
        sub_event_type="Armed clash",
        zones=["idlib-deescalation"],
        seen_hours=30,
    ),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, int]]]:
    db = tmp_path_factory.mktemp("filters") / "f.db"
    app = App(make_settings(f"sqlite:///{db}", web={"enabled": False}), clock=FakeClock())
    ids = api_data.fill(app.engine, SPECS)
    try:
        with TestClient(create_web_app(app, __version__)) as client:
            yield client, ids
    finally:
        asyncio.run(app.aclose())


def _listed(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<a href="/events/(\d+)">', page)]


def _api_ids(client: TestClient, **params: str) -> list[int]:
    r = client.get("/api/v1/events", params={**params, "limit": "1000"})
    assert r.status_code == 200, r.text
    return [e["id"] for e in r.json()["events"]]


def test_side_filter_narrows_the_list_and_shows_in_the_form(
    site: tuple[TestClient, dict[str, int]],
) -> None:
    client, ids = site
    page = client.get("/", params={"side": "opposition"}).text
    assert sorted(_listed(page)) == sorted([ids["clash"], ids["battle"]])  # HTS attacked
    assert '<option value="opposition" selected>' in page
    gov = _listed(client.get("/", params={"side": "government"}).text)
    assert sorted(gov) == sorted([ids["sarmin"], ids["ariha"]])
    assert gov == _api_ids(client, side="government")  # the page and the API agree
    assert client.get("/", params={"side": "martians"}).status_code == 422


def test_event_type_filter_matches_type_or_sub_type(
    site: tuple[TestClient, dict[str, int]],
) -> None:
    client, ids = site
    battles = client.get("/", params={"event_type": "Battles"}).text
    assert _listed(battles) == [ids["battle"]]
    assert '<option value="Battles" selected>' in battles
    assert _listed(client.get("/", params={"event_type": "Armed clash"}).text) == [ids["battle"]]
    shelling = _listed(
        client.get("/", params={"event_type": "Shelling/artillery/missile attack"}).text
    )
    assert ids["battle"] not in shelling and ids["sarmin"] in shelling
    assert _api_ids(client, event_type="Battles") == [ids["battle"]]  # the API has it too
    assert _api_ids(client, event_type="Nothing of the kind") == []
    assert client.get("/", params={"event_type": "x" * 101}).status_code == 422
    assert client.get("/api/v1/events", params={"event_type": "a\x01"}).status_code == 422


def test_zone_filter_and_combined_filters_in_the_url(
    site: tuple[TestClient, dict[str, int]],
) -> None:
    client, ids = site
    zone = client.get("/", params={"zone": "idlib-deescalation"}).text
    assert sorted(_listed(zone)) == sorted([ids["sarmin"], ids["ariha"], ids["battle"]])
    assert '<option value="idlib-deescalation" selected>' in zone
    zone_ids = {z["properties"]["id"] for z in client.get("/api/v1/zones").json()["features"]}
    offered = re.findall(r'<select name="zone">(.*?)</select>', zone, re.S)[0]
    values = re.findall(r'<option value="([^"]*)"', offered)
    assert sorted(values) == sorted(["", *zone_ids])  # every zone once, and "any"
    both = client.get(
        "/", params={"zone": "idlib-deescalation", "side": "opposition", "since": "2024-05-01"}
    ).text
    assert _listed(both) == [ids["battle"]]
    assert 'name="since" value="2024-05-01"' in both
    empty = client.get("/", params={"zone": "", "side": "", "event_type": ""})
    assert empty.status_code == 200
    assert _listed(empty.text) == _listed(client.get("/").text) == _api_ids(client)  # any


def _bars(svg: ET.Element) -> dict[str, tuple[int, int]]:
    """Day -> (events, violations), read from the bars' own titles."""
    out = {}
    for g in svg.iter(f"{SVG}g"):
        title = g.find(f"{SVG}title")
        assert title is not None and title.text
        m = re.fullmatch(r"(\S+): (\d+) events?, (\d+) violations?", title.text)
        assert m, title.text
        out[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    return out


def test_the_chart_counts_the_events_listed_per_day(
    site: tuple[TestClient, dict[str, int]],
) -> None:
    client, _ = site
    page = client.get("/").text
    m = re.search(r'<svg id="day-chart".*?</svg>', page, re.S)
    assert m, "no chart on the page"
    chart = ET.fromstring(m.group(0))
    days = int(chart.get("data-days") or 0)
    assert days == (date(2024, 5, 10) - date(2024, 4, 20)).days + 1  # every day, gaps too
    listed = client.get("/api/v1/events", params={"limit": "1000"}).json()["events"]
    expected: dict[str, tuple[int, int]] = {}
    for e in listed:
        if e["date"]:
            total, viol = expected.get(e["date"], (0, 0))
            expected[e["date"]] = (total + 1, viol + int(e["violation"]))
    assert _bars(chart) == expected
    assert _bars(chart)["2024-05-09"] == (1, 1)  # sarmin (the dismissed one is not listed)
    assert _bars(chart)["2024-05-02"] == (1, 0)  # the battle


def test_the_chart_alone_follows_the_filters(site: tuple[TestClient, dict[str, int]]) -> None:
    client, _ = site
    r = client.get("/map/days.svg", params={"side": "opposition"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert _bars(ET.fromstring(r.text)) == {"2024-04-20": (1, 0), "2024-05-02": (1, 0)}
    none = ET.fromstring(client.get("/map/days.svg", params={"event_type": "Suicide bomb"}).text)
    assert none.get("data-days") == "0" and _bars(none) == {}
    assert client.get("/map/days.svg", params={"since": "nope"}).status_code == 422


# -- the event page's small map (inline SVG, no JavaScript) ---------------------------------


def _event_map(page: str) -> ET.Element:
    m = re.search(r'<svg id="event-map".*?</svg>', page, re.S)
    assert m, "no map on the event page"
    return ET.fromstring(m.group(0))


def test_event_page_has_a_small_map_without_javascript(
    site: tuple[TestClient, dict[str, int]],
) -> None:
    client, ids = site
    page = client.get(f"/events/{ids['sarmin']}").text
    assert "<script" not in page  # the whole page works without JavaScript
    svg = _event_map(page)
    width, height = float(svg.get("width") or 0), float(svg.get("height") or 0)
    dot = svg.find(f"{SVG}circle")
    assert dot is not None and dot.get("class") == "event-dot"
    # the event is at the centre of its map, in its severity's colour (high), ringed black
    assert abs(float(dot.get("cx") or 0) - width / 2) < 1
    assert abs(float(dot.get("cy") or 0) - height / 2) < 1
    assert dot.get("fill") == "#d7191c" and dot.get("stroke") == "#000"
    names = {
        t.text
        for p in svg.iter(f"{SVG}path")
        if p.get("class") == "governorate"
        for t in p.iter(f"{SVG}title")
    }
    assert "Idlib" in names and len(names) >= 2  # Sarmin's governorate and a neighbour
    zones = [p for p in svg.iter(f"{SVG}path") if p.get("class") == "zone"]
    assert zones  # the Idlib de-escalation area crosses the map
    labels = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Idlib" in labels and any("CC BY 3.0 IGO" in (t or "") for t in labels)


def test_event_map_of_the_south_and_none_without_a_place(
    site: tuple[TestClient, dict[str, int]],
) -> None:
    client, ids = site
    assert 'id="event-map"' not in client.get(f"/events/{ids['undated']}").text  # no place
    clash = _event_map(client.get(f"/events/{ids['clash']}").text)
    dot = clash.find(f"{SVG}circle")
    assert dot is not None and dot.get("stroke") == "#fff"  # not a violation: no black ring
    titles = {t.text for t in clash.iter(f"{SVG}title")}
    assert "Latakia" in titles  # Kabani is in Latakia


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_chart_counts_every_selected_event_not_only_the_page_shown(
    tmp_path: Path, request: pytest.FixtureRequest, database: str
) -> None:
    """The map lists at most one page of events (the newest); the chart beside it counts
    every event the filters select (one GROUP BY in the database), so a busy period is not
    cut at the page size."""
    from sqlalchemy import text

    from tests.support.many_events import fill_many

    url = (f"sqlite:///{tmp_path / 'many.db'}" if database == "sqlite"
           else request.getfixturevalue("postgres_url"))
    app = App(make_settings(url, web={"enabled": False}), clock=FakeClock())
    fill_many(app.engine, 1500)
    with app.engine.connect() as conn:
        per_day = {str(d)[:10]: (int(n), int(v or 0)) for d, n, v in conn.execute(text(
            "SELECT event_date, COUNT(*), SUM(CASE WHEN violation THEN 1 ELSE 0 END) "
            "FROM events WHERE status = 'active' AND event_date IS NOT NULL "
            "GROUP BY event_date"))}
    try:
        client = TestClient(create_web_app(app, __version__))
        bars = _bars(ET.fromstring(client.get("/map/days.svg").text))
        page = client.get("/").text
        listed = len(re.findall(r'<li[^>]*data-id="', page))
    finally:
        asyncio.run(app.aclose())
    assert sum(n for n, _ in per_day.values()) == 1500
    assert listed == 1000  # one page on the map and in the list
    assert {d: c for d, c in bars.items() if c != (0, 0)} == per_day
