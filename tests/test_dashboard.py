"""The dashboard pages through the real App: the event page (/events/{id}) shows what the
API knows about an event, escapes outside text and links only http(s) reports."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from tests.conftest import FakeClock, make_settings
from tests.support import api_data
from tracker import __version__
from tracker.adapters.web import create_web_app
from tracker.app import App

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
