"""An Arabic evidence sentence on the event page in headless Chromium (Playwright): the page
comes from the real App through TestClient, with an event seeded like the read-API tests but
quoting an Arabic report. Checked in the browser, not in the markup: the sentence's element
runs right to left (its text hugs the right edge), the English reasons beside it do not, the
glyphs come from a font that has Arabic (Chromium's own report of the fonts it used, against
`fc-list :lang=ar`), and the screenshot has ink where the browser says the sentence is.
Screenshot kept in tests/artifacts/event-arabic.png (not checked in)."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import FakeClock, make_settings
from tests.support import api_data
from tests.support.browser import QUIET_CHROMIUM_FLAGS
from tracker import __version__
from tracker.adapters.web import create_web_app
from tracker.app import App

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="headless Chromium is not installed (/usr/bin/chromium)"
)
ARTIFACTS = Path(__file__).parent / "artifacts"
EVIDENCE = "قصفت قوات النظام بلدة سراقب."
SPEC = api_data.Spec(
    "arabic",
    place="Saraqib",
    evidence=[EVIDENCE],
    reasons=["moscow-2020 art. 1: cessation of all military actions."],
    titles=["قصف مدفعي على سراقب بريف إدلب"],
)


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("arabic-page")
    app = App(
        make_settings(f"sqlite:///{tmp / 'd.db'}", web={"enabled": False}), clock=FakeClock()
    )
    ids = api_data.fill(app.engine, [SPEC])
    try:
        with TestClient(create_web_app(app, __version__)) as client:
            r = client.get(f"/events/{ids['arabic']}")
            assert r.status_code == 200, r.text
            out = tmp / "event.html"
            out.write_text(r.text, encoding="utf-8")
            yield out
    finally:
        asyncio.run(app.aclose())


def _arabic_families() -> set[str]:
    listed = subprocess.run(
        ["fc-list", ":lang=ar", "family"], capture_output=True, text=True, check=True
    ).stdout
    return {name.strip() for line in listed.splitlines() for name in line.split(",")}


def test_arabic_evidence_renders_right_to_left_with_arabic_glyphs(page_file: Path) -> None:
    from playwright.sync_api import sync_playwright

    families = _arabic_families()
    assert families, "no font with Arabic glyphs on this machine (fc-list :lang=ar)"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "event-arabic.png"
    shot.unlink(missing_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=list(QUIET_CHROMIUM_FLAGS)
        )
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            page.goto(page_file.as_uri())
            layout: dict[str, Any] = page.evaluate(
                """() => {
                  const li = document.querySelector('#evidence li');
                  const q = li.querySelector('q');
                  const reason = document.querySelector('#reasons li');
                  const box = (e) => { const r = e.getBoundingClientRect();
                    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
                  return {dir: getComputedStyle(li).direction, lang: li.lang,
                          reasonDir: getComputedStyle(reason).direction,
                          text: q.textContent, li: box(li), q: box(q)};
                }"""
            )
            cdp = page.context.new_cdp_session(page)
            cdp.send("DOM.enable")
            cdp.send("CSS.enable")
            root = cdp.send("DOM.getDocument")["root"]["nodeId"]
            node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "#evidence q"})
            fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()

    assert layout["text"] == EVIDENCE  # as written
    assert (layout["dir"], layout["lang"], layout["reasonDir"]) == ("rtl", "ar", "ltr")
    # a short right-to-left sentence sits against its element's right edge, far from the left
    li, q = layout["li"], layout["q"]
    assert abs(li["right"] - q["right"]) < 2
    assert q["left"] - li["left"] > (li["right"] - li["left"]) / 3
    # every glyph was drawn from a font that covers Arabic (no fallback boxes)
    used = {f["familyName"] for f in fonts}
    assert used and used <= families, (used, families)

    from PIL import Image

    with Image.open(shot) as image:
        rgb = image.convert("L")
        inside = rgb.crop((int(q["left"]), int(q["top"]), int(q["right"]), int(q["bottom"])))
        left_margin = rgb.crop((int(li["left"]), int(q["top"]), int(q["left"]) - 2, int(q["bottom"])))
        assert inside.getextrema()[0] < 100  # dark ink where the browser put the sentence
        assert left_margin.getextrema()[0] > 200  # and nothing to its left
