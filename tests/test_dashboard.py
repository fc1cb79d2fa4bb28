"""The dashboard pages through the real App and TestClient: the event page (/events/{id})
shows what the API knows about an event, escapes outside text and links only http(s)
reports; the map page (/) lists events without JavaScript, takes its filters from the URL
and loads only from this server; analysts sign in, and only they can review (CSRF, Origin).
The map in a real browser: tests/test_dashboard_browser.py."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from typer.testing import CliRunner

from tests.conftest import FakeClock, make_settings
from tests.support import api_data
from tracker import __version__
from tracker.adapters.web import create_web_app
from tracker.app import App
from tracker.cli import app as cli

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SPECS = [
    *api_data.SPECS,
    api_data.Spec("hostile", titles=[HOSTILE, "javascript link"], evidence=[HOSTILE]),
]


class Site:
    def __init__(self, client: TestClient, ids: dict[str, int]) -> None:
        self.client, self.ids = client, ids

    def page(self, name: str) -> str:
        r = self.client.get(f"/events/{self.ids[name]}")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/html")
        return r.text


def _serve(tmp_path: Path, **web: Any) -> Iterator[Site]:
    app = App(
        make_settings(f"sqlite:///{tmp_path / 'd.db'}", web={"enabled": False, **web}),
        clock=FakeClock(),
    )
    ids = api_data.fill(app.engine, SPECS)
    _plant_javascript_url(app, ids["hostile"])
    try:
        with TestClient(create_web_app(app, __version__)) as client:
            yield Site(client, ids)
    finally:
        asyncio.run(app.aclose())


def _plant_javascript_url(app: App, event_id: int) -> None:
    """A feed entry whose link is `javascript:`: stored as is, never linked."""
    from sqlalchemy import update
    from sqlmodel import Session

    from tracker.adapters.storage.models import Item

    with Session(app.engine) as session:
        session.exec(  # type: ignore[call-overload]
            update(Item).where(Item.entry_key == "hostile-1").values(url="javascript:alert(2)")
        )
        session.commit()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from _serve(tmp_path_factory.mktemp("dash"))


def test_event_page_shows_what_the_api_knows(site: Site) -> None:
    page = site.page("sarmin")
    doc = site.client.get(f"/api/v1/events/{site.ids['sarmin']}").json()
    assert "Shelling/artillery/missile attack in Sarmin" in page  # what, where
    assert "Sarmin, Idlib" in page and "35.9000" in page
    assert "2024-05-09 (exact day)" in page  # when, with precision
    assert "low 2" in page and "best 3" in page and "high 4" in page  # toll
    assert "Syrian government forces (government): attacker" in page  # actors and roles
    assert "Civilians (civilian): target" in page
    assert "moscow-2020" in page and "art. 1" in page and "sochi-2018" in page
    assert "idlib-deescalation" in page  # zones
    assert "Regime forces shelled Sarmin, killing three civilians." in page  # evidence
    assert "all military actions stop along the line of contact" in page  # reasons
    for report in doc["reports"]:  # every report: outlet, title, link, first seen
        assert escape(report["title"]) in page
        assert f'href="{report["url"]}"' in page
        assert report["first_seen"] in page
    assert "Outlet A" in page and "Outlet B" in page
    assert "revision 1" in page  # history
    assert f'split off <a href="{site.ids["split"]}">' in page
    assert "not reviewed yet" in page  # the analyst decision
    assert "Ceasefire violation" in page and "<script" not in page


def test_event_page_shows_the_decision_and_merges(site: Site) -> None:
    assert "dismissed by an analyst" in site.page("dismissed")
    absorbed = site.page("absorbed")
    assert f'merged into <a href="{site.ids["sarmin"]}">' in absorbed
    assert "no reports (merged into another event)" in absorbed
    assert "Incident (not a violation)" in site.page("clash")
    assert "date unknown" in site.page("undated") and "Where</dt>" in site.page("undated")


def test_hostile_titles_are_escaped_and_javascript_links_dropped(site: Site) -> None:
    page = site.page("hostile")
    assert "<script" not in page and "<img" not in page
    assert escape(HOSTILE) in page  # shown as text, in the title and the evidence
    assert page.count(escape(HOSTILE)) >= 2
    assert "javascript:" not in page
    assert "javascript link" in page  # the report is still listed, without a link


def test_unknown_and_invalid_events(site: Site) -> None:
    assert site.client.get("/events/999999").status_code == 404
    assert site.client.get("/events/0").status_code == 422
    assert site.client.get("/events/abc").status_code == 422


def test_event_page_needs_the_api_token_when_one_is_set(tmp_path: Path) -> None:
    token = "s3cret-token-0123456789abcdef"
    for site in _serve(tmp_path, api_tokens=[token]):
        path = f"/events/{site.ids['sarmin']}"
        assert site.client.get(path).status_code == 401
        ok = site.client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200 and "Sarmin" in ok.text


def test_safe_link() -> None:
    from tracker.adapters.web_pages import safe_link

    assert safe_link("https://a.example/x") == "https://a.example/x"
    assert safe_link("HTTP://a.example") == "HTTP://a.example"
    for bad in (
        "javascript:alert(1)",
        " javascript:x",
        "data:text/html,x",
        "//a.example",
        None,
        "",
    ):
        assert safe_link(bad) is None


# -- the map page (/) without a browser: the list, the filters, what it loads -------------


def _listed(page: str) -> list[str]:
    return re.findall(r'<a href="/events/(\d+)">', page)


def test_map_page_lists_events_without_javascript(site: Site) -> None:
    r = site.client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    names = ("ariha", "hostile", "sarmin", "split", "clash", "undated")  # newest first
    assert _listed(r.text) == [str(site.ids[n]) for n in names]
    assert "<script" not in r.text.replace('<script src="/static/', "")  # no inline script
    assert re.findall(r'(?:src|href)="([^"]+)"', r.text) == [
        "/static/leaflet/leaflet.css",
        "/static/markercluster/MarkerCluster.css",
        "/static/dashboard.css",
        *[f"/events/{i}" for i in _listed(r.text)],
        "/static/leaflet/leaflet.js",
        "/static/markercluster/leaflet.markercluster.js",
        "/static/dashboard.js",
    ]  # everything from this server
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp


def test_map_filters_come_from_the_url_and_show_in_the_form(site: Site) -> None:
    page = site.client.get(
        "/", params={"since": "2024-05-09", "agreement": "moscow-2020", "violations_only": "true"}
    ).text
    assert _listed(page) == [str(site.ids["ariha"]), str(site.ids["sarmin"])]
    assert 'name="since" value="2024-05-09"' in page
    assert '<option value="moscow-2020" selected>' in page and "checked" in page
    empty_form = site.client.get("/", params={"since": "", "until": "", "agreement": ""})
    assert empty_form.status_code == 200  # an empty field of the form means "any"
    assert site.client.get("/", params={"since": "yesterday"}).status_code == 422
    assert site.client.get("/", params={"agreement": "x" * 101}).status_code == 422


def test_map_page_escapes_hostile_text(site: Site) -> None:
    page = site.client.get("/").text
    assert "<img" not in page and "onerror=alert(1)>" not in page


def test_leaflet_outline_and_script_are_served_here(site: Site) -> None:
    js = site.client.get("/static/leaflet/leaflet.js")
    assert js.status_code == 200 and "Leaflet 1.9.4" in js.text[:300]
    assert "BSD 2-Clause License" in site.client.get("/static/leaflet/LICENSE").text
    assert site.client.get("/static/leaflet/leaflet.css").status_code == 200
    assert "setInterval(refresh" in site.client.get("/static/dashboard.js").text
    outline = site.client.get("/map/syria.geojson")
    assert outline.headers["content-type"] == "application/geo+json"
    assert any(f["properties"]["id"] == "syria" for f in outline.json()["features"])


def test_map_page_needs_the_api_token_when_one_is_set(tmp_path: Path) -> None:
    token = "s3cret-token-0123456789abcdef"
    for site in _serve(tmp_path, api_tokens=[token]):
        for path in ("/", "/map/syria.geojson"):
            assert site.client.get(path).status_code == 401
            auth = {"Authorization": f"Bearer {token}"}
            assert site.client.get(path, headers=auth).status_code == 200


# -- analysts: sign-in, sessions, CSRF and the review form ---------------------------------

PASSWORD = "correct horse battery"


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Site]:
    """A database of its own with one analyst, added through `tracker users add`."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'feeds = []\n[database]\nurl = "sqlite:///{tmp_path / "d.db"}"\n')
    added = CliRunner().invoke(
        cli, ["--config", str(cfg), "users", "add", "amal", "--password-stdin"], PASSWORD + "\n"
    )
    assert added.exit_code == 0, added.output
    yield from _serve(tmp_path)


def _sign_in(site: Site, password: str = PASSWORD) -> Any:
    return site.client.post(
        "/signin",
        data={"name": "amal", "password": password, "next": "/events/1"},
        follow_redirects=False,
    )


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    assert m, "no review form on the page"
    return m.group(1)


def test_users_add_stores_only_an_argon2_hash(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'feeds = []\n[database]\nurl = "sqlite:///{tmp_path / "u.db"}"\n')
    run = ["--config", str(cfg), "users", "add", "amal", "--password-stdin"]
    assert CliRunner().invoke(cli, run, PASSWORD + "\n").exit_code == 0
    again = CliRunner().invoke(cli, run, PASSWORD + "\n")
    assert again.exit_code == 1 and "exists already" in again.output
    short = CliRunner().invoke(cli, [*run[:-2], "other", "--password-stdin"], "short\n")
    assert short.exit_code == 2 and "at least 12" in short.output
    with sqlite3.connect(tmp_path / "u.db") as con:
        rows = con.execute("SELECT name, password_hash FROM analysts").fetchall()
    assert len(rows) == 1 and rows[0][0] == "amal"
    assert rows[0][1].startswith("$argon2id$") and PASSWORD not in rows[0][1]


def test_sign_in_sets_a_strict_httponly_cookie(fresh: Site) -> None:
    wrong = _sign_in(fresh, "not the password")
    assert wrong.status_code == 401 and "Wrong name or password." in wrong.text
    assert "set-cookie" not in wrong.headers
    ok = _sign_in(fresh)
    assert ok.status_code == 303 and ok.headers["location"] == "/events/1"
    cookie = ok.headers["set-cookie"].lower()
    assert "tracker_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie  # plain http here; set over https
    offsite = fresh.client.post(
        "/signin",
        data={"name": "amal", "password": PASSWORD, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert offsite.headers["location"] == "/"  # no open redirect


def test_visitors_see_no_buttons_and_cannot_post(fresh: Site) -> None:
    event = fresh.ids["sarmin"]
    page = fresh.page("sarmin")
    assert 'action="/events/' not in page and "Analyst sign-in" in page
    r = fresh.client.post(f"/events/{event}/review", data={"status": "dismissed", "csrf": "x"})
    assert r.status_code == 403
    assert fresh.client.get(f"/api/v1/events/{event}").json()["review_status"] is None


def test_an_analyst_dismisses_an_event_and_the_api_shows_it(fresh: Site) -> None:
    event = fresh.ids["sarmin"]
    _sign_in(fresh)
    page = fresh.page("sarmin")
    assert "Not a violation" in page and "signed in as amal" in page
    csrf = _csrf(page)
    forged = fresh.client.post(
        f"/events/{event}/review",
        data={"status": "dismissed", "csrf": csrf[:-2] + "xx"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    cross_site = fresh.client.post(
        f"/events/{event}/review",
        data={"status": "dismissed", "csrf": csrf},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert cross_site.status_code == 403
    assert fresh.client.get(f"/api/v1/events/{event}").json()["review_status"] is None
    done = fresh.client.post(
        f"/events/{event}/review",
        data={"status": "dismissed", "csrf": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/events/{event}"
    assert fresh.client.get(f"/api/v1/events/{event}").json()["review_status"] == "dismissed"
    assert "dismissed by an analyst" in fresh.page("sarmin")
    assert "Not a violation</button>" not in fresh.page("sarmin")  # decided once
    bad = fresh.client.post(
        f"/events/{event}/review", data={"status": "maybe", "csrf": csrf}, follow_redirects=False
    )
    assert bad.status_code == 422


def test_sign_out_ends_the_session(fresh: Site) -> None:
    _sign_in(fresh)
    csrf = _csrf(fresh.page("sarmin"))
    assert fresh.client.post("/signout", data={"csrf": "forged"}).status_code == 403
    token = fresh.client.cookies.get("tracker_session")
    out = fresh.client.post("/signout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert "Analyst sign-in" in fresh.page("sarmin")
    fresh.client.cookies.set("tracker_session", str(token))  # the old cookie, kept by hand
    assert "Analyst sign-in" in fresh.page("sarmin")  # ended on the server, not only here
    stale = fresh.client.post(
        f"/events/{fresh.ids['sarmin']}/review", data={"status": "confirmed", "csrf": csrf}
    )
    assert stale.status_code == 403
