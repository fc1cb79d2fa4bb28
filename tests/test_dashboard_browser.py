"""The map page (/) in headless Chromium, served by a real uvicorn on 127.0.0.1 with seeded
events: markers are drawn (the page writes its count into #marker-count), the filters in the
URL narrow what is drawn, and no request leaves 127.0.0.1 (Chromium's own network log)."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn

from tests.conftest import FakeClock, make_settings
from tests.support import api_data
from tests.support.browser import QUIET_CHROMIUM_FLAGS
from tests.support.many_events import fill_many
from tracker import __version__
from tracker.adapters.web import create_web_app
from tracker.app import App

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (/usr/bin/chromium)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real uvicorn serving the real App's web app, on a free loopback port."""
    yield from _serve(tmp_path_factory.mktemp("map") / "map.db", api_data.fill)


@pytest.fixture(scope="module")
def dense(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same with 600 events packed in a few towns: a map dense enough to cluster."""
    yield from _serve(
        tmp_path_factory.mktemp("dense") / "dense.db", lambda engine: fill_many(engine, 600)
    )


def _serve(db: Path, fill: Callable[[Any], Any]) -> Iterator[str]:
    app = App(make_settings(f"sqlite:///{db}", web={"enabled": False}), clock=FakeClock())
    fill(app.engine)
    port = _free_port()
    config = uvicorn.Config(
        create_web_app(app, __version__), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)
        asyncio.run(app.aclose())


def _chromium(work: Path, *args: str) -> str:
    """Run headless Chromium with no background traffic of its own; its stdout."""
    return subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            *QUIET_CHROMIUM_FLAGS,
            f"--user-data-dir={work / 'profile'}",
            "--window-size=1280,900",
            *args,
        ],
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    ).stdout


def _load(url: str, work: Path, budget_ms: int = 5000) -> tuple[str, list[str]]:
    """The DOM after the page settled, and every URL the page asked for meanwhile."""
    netlog = work / "netlog.json"
    dom = _chromium(
        work, f"--log-net-log={netlog}", f"--virtual-time-budget={budget_ms}", "--dump-dom", url
    )
    return dom, _page_requests(netlog, url)


def _page_requests(netlog: Path, page: str) -> list[str]:
    """URLs of the requests the page made: those whose network isolation key is the page's
    site (Chromium's own background traffic, update checks and the like, has another key
    or none). A request to a CDN or a tile server from the page would carry the page's key."""
    log = json.loads(netlog.read_text("utf-8"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    site = f"{urlsplit(page).scheme}://{urlsplit(page).hostname}"
    jobs = [e.get("params", {}) for e in log["events"] if e["type"] == start_job]
    return [p["url"] for p in jobs if str(p.get("network_isolation_key", "")).startswith(site)]


def _count(dom: str, element: str) -> int:
    m = re.search(rf'id="{element}">(\d+)<', dom)
    assert m, f"#{element} not in the page"
    return int(m.group(1))


def test_map_draws_seeded_events_from_this_server_only(server: str, tmp_path: Path) -> None:
    dom, urls = _load(f"{server}/", tmp_path)
    assert 'data-state="ready"' in dom, dom[-2000:]
    # five active events, four with a place (the undated one has none)
    assert _count(dom, "event-count") == 5
    assert _count(dom, "marker-count") == 4
    markers = re.findall(r'<path class="event-marker (\w+) [^>]*fill="(#\w+)"', dom)
    assert sorted(markers) == [
        ("incident", "#2b83ba"),  # clash: low, not a violation (hollow)
        ("violation", "#7b0000"),  # ariha: critical
        ("violation", "#d7191c"),  # sarmin: high
        ("violation", "#fdae61"),  # split: medium
    ]
    assert "<img" not in dom  # no tile layer, no marker icons: SVG only
    assert {urlsplit(u).netloc for u in urls} == {urlsplit(server).netloc}, urls
    assert any(u.endswith("/api/v1/events?format=geojson&limit=1000") for u in urls), urls
    assert any("/static/leaflet/leaflet.js" in u for u in urls)


def test_filters_in_the_url_narrow_the_map_and_the_list(server: str, tmp_path: Path) -> None:
    dom, urls = _load(f"{server}/?since=2024-05-09&violations_only=true", tmp_path)
    assert 'data-state="ready"' in dom
    assert _count(dom, "marker-count") == 2 and _count(dom, "event-count") == 2  # sarmin, ariha
    assert any("since=2024-05-09" in u and "violations_only=true" in u for u in urls)
    assert 'name="since" value="2024-05-09"' in dom and "checked" in dom


def test_the_page_polls_every_minute(server: str, tmp_path: Path) -> None:
    """Virtual time: 130 s of the page's life pass in about a second of ours."""
    dom, urls = _load(f"{server}/", tmp_path, budget_ms=130_000)
    polls = [u for u in urls if "/api/v1/events?format=geojson" in u]
    assert len(polls) == 3, polls  # on load, at 60 s and at 120 s
    assert 'data-state="ready"' in dom


def test_screenshot_of_the_map(server: str, tmp_path: Path) -> None:
    """Saved as a test artifact (tests/artifacts/dashboard-map.png) for a human to look at;
    checked only for not being blank."""
    from PIL import Image

    shot = Path("tests/artifacts/dashboard-map.png").resolve()
    shot.parent.mkdir(parents=True, exist_ok=True)
    shot.unlink(missing_ok=True)  # a picture left by an earlier run must not pass for this one
    _chromium(tmp_path, "--virtual-time-budget=5000", f"--screenshot={shot}", f"{server}/")
    with Image.open(shot) as image:
        assert image.size == (1280, 900)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 50


def _screenshot(url: str, work: Path, name: str, size: str = "1280,900") -> Path:
    """A screenshot saved as a test artifact (tests/artifacts/NAME.png), checked not blank."""
    from PIL import Image

    shot = Path("tests/artifacts", name).resolve()
    shot.parent.mkdir(parents=True, exist_ok=True)
    _chromium(
        work, "--virtual-time-budget=5000", f"--window-size={size}", f"--screenshot={shot}", url
    )
    with Image.open(shot) as image:
        assert image.size == tuple(int(n) for n in size.split(","))
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 50
    return shot


def test_governorates_and_agreement_zones_are_drawn(server: str, tmp_path: Path) -> None:
    """14 governorate outlines (shipped GeoJSON) and every polygon of the agreement zones."""
    import httpx

    dom, urls = _load(f"{server}/", tmp_path)
    assert 'data-state="ready"' in dom
    assert len(re.findall(r'<path class="governorate', dom)) == 14
    zones = httpx.get(f"{server}/api/v1/zones").json()["features"]
    assert any(z["geometry"]["type"] in ("Polygon", "MultiPolygon") for z in zones)
    # one path per zone feature: areas, lines, and points drawn as small dots
    assert len(re.findall(r'<path class="zone', dom)) == len(zones)
    assert any(u.endswith("/map/governorates.geojson") for u in urls)
    assert "CC BY 3.0 IGO" in dom  # the boundaries' attribution is on the page


def test_side_and_event_type_filters_reach_the_api_and_the_map(server: str, tmp_path: Path) -> None:
    dom, urls = _load(
        f"{server}/?side=opposition&event_type=Explosions/Remote%20violence", tmp_path
    )
    assert 'data-state="ready"' in dom
    assert any("side=opposition" in u and "event_type=Explosions" in u for u in urls), urls
    assert _count(dom, "marker-count") == 1 and _count(dom, "event-count") == 1  # the clash
    assert '<option value="opposition" selected="">' in dom
    assert any("/map/days.svg" in u for u in urls) is False  # the first chart came with the page


def test_a_dense_map_clusters_nearby_markers(dense: str, tmp_path: Path) -> None:
    """600 events: grouped discs plus single markers account for every event, each disc in
    its worst severity's colour, focusable from the keyboard; a screenshot is kept."""
    dom, _ = _load(f"{dense}/", tmp_path)
    assert 'data-state="ready"' in dom
    assert _count(dom, "marker-count") == 600
    assert 'data-clustered="true"' in dom
    clusters = re.findall(
        r'<div class="leaflet-marker-icon event-cluster sev-(\w+)( has-violation)?[^"]*"'
        r'[^>]*tabindex="0"[^>]*><span>(\d+)</span>',
        dom,
    )
    singles = re.findall(r'<path class="event-marker', dom)
    assert clusters, dom[-3000:]
    assert sum(int(n) for _, _, n in clusters) + len(singles) == 600
    assert len(clusters) + len(singles) < 100  # far fewer things drawn than events
    assert {sev for sev, _, _ in clusters} <= {"low", "medium", "high", "critical"}
    assert any(v for _, v, _ in clusters)  # half the events are violations
    _screenshot(f"{dense}/", tmp_path, "dashboard-clusters.png")


def test_few_markers_are_not_clustered(server: str, tmp_path: Path) -> None:
    dom, _ = _load(f"{server}/", tmp_path)
    assert 'data-clustered="false"' in dom and "event-cluster" not in dom


def test_the_chart_refreshes_with_the_list(server: str, tmp_path: Path) -> None:
    """After a poll the chart is the server's again (fetched, parsed as SVG, swapped in)."""
    dom, urls = _load(f"{server}/", tmp_path, budget_ms=65_000)
    assert sum("/map/days.svg" in u for u in urls) == 1, urls
    charts = re.findall(r'<svg [^>]*id="day-chart"[^>]*>', dom)
    assert len(charts) == 1 and 'data-days="21"' in charts[0], charts  # 20 Apr - 10 May


def test_screenshot_on_a_phone(server: str, tmp_path: Path) -> None:
    """The page at a phone's width (filters stacked, map above the list): an artifact."""
    _screenshot(f"{server}/", tmp_path, "dashboard-phone.png", size="390,844")


def test_event_page_with_its_map(server: str, tmp_path: Path) -> None:
    """The event page in Chromium: its map (inline SVG) and its reports are there, and the
    page loads no script at all (so it works the same with JavaScript off); a screenshot is
    kept (tests/artifacts/dashboard-event.png)."""
    dom, urls = _load(f"{server}/events/1", tmp_path)
    assert '<svg id="event-map"' in dom and 'class="event-dot"' in dom
    assert '<table id="reports">' in dom and "Shelling on Sarmin kills three" in dom
    assert "<script" not in dom and not [u for u in urls if u.endswith(".js")]
    _screenshot(f"{server}/events/1", tmp_path, "dashboard-event.png", size="1000,900")
