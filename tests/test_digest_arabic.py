"""Arabic in the digest: chart labels shaped and reordered (arabic-reshaper, python-bidi) and
drawn in a font that has the glyphs; HTML marking Arabic titles right to left; Telegram
isolating them. The digest's incidents are built by hand (no Arabic classifier)."""

from __future__ import annotations

import io
import warnings
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from PIL import Image

from tracker.adapters import charts
from tracker.adapters.digest_render import render_html, render_telegram
from tracker.core import bidi
from tracker.core.digest import IncidentRecord, MapPoint, build_digest, period_of

PLACE = "سراقب"  # Saraqib, as Arabic reports write it
TITLE = "قصف مدفعي على سراقب بريف إدلب الشرقي"
TZ = ZoneInfo("Asia/Damascus")
PRESENTATION_FORMS = range(0xFE70, 0xFF00)  # Arabic Presentation Forms-B


def test_chart_text_is_shaped_and_in_visual_order() -> None:
    shown = charts.chart_text(PLACE)
    # every letter is replaced by its contextual presentation form...
    assert len(shown) == len(PLACE)
    assert all(ord(ch) in PRESENTATION_FORMS for ch in shown)
    # ...and the first letter read (sin, in its initial form U+FEB3) is drawn rightmost
    assert shown[-1] == "\ufeb3"
    # the last letter (ba, final form U+FE90) leftmost: matplotlib draws left to right
    assert shown[0] == "\ufe90"
    # shaping is undone by compatibility normalisation: the same letters, reversed
    import unicodedata

    assert unicodedata.normalize("NFKC", shown) == PLACE[::-1]
    # English labels are not touched
    assert charts.chart_text("Saraqib ×2") == "Saraqib ×2"


def test_the_map_draws_the_shaped_label_in_a_font_with_its_glyphs() -> None:
    fig = Figure(figsize=(4, 3), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.set_xlim(36, 37.5)
    ax.set_ylim(35.3, 36.3)
    points = [MapPoint(35.86, 36.80, "high", True, PLACE), MapPoint(35.86, 36.80, "low", False, PLACE)]
    charts._draw_points(ax, points)
    [text] = ax.texts
    assert text.get_text() == charts.chart_text(f"{PLACE} ×2")
    family = text.get_fontfamily()[0]
    assert family in charts.ARABIC_FAMILIES
    font = FT2Font(font_manager.findfont(family, fallback_to_default=False))
    assert all(font.get_char_index(ord(ch)) for ch in text.get_text() if not ch.isspace())


def _ink(label: str) -> np.ndarray:
    """The pixels of `label` drawn alone, as matplotlib draws the map's labels."""
    fig = Figure(figsize=(2, 0.6), dpi=100)
    canvas = FigureCanvasAgg(fig)
    fig.text(0.05, 0.3, label, fontsize=14, fontfamily="DejaVu Sans")
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def test_shaped_rendering_differs_from_the_unshaped_letters() -> None:
    raw, shaped = _ink(PLACE), _ink(charts.chart_text(PLACE))
    assert (raw < 128).any() and (shaped < 128).any()  # both drew something
    # joined forms in visual order are other pixels than isolated letters in logical order
    assert (raw != shaped).any()
    # what was drawn is the word's presentation forms in visual order, written out by hand
    # from the Unicode tables: ba final, qaf initial, alef isolated, ra final, sin initial
    assert (_ink("\ufe90\ufed7\ufe8d\ufeae\ufeb3") == shaped).all()


def _digest():  # type: ignore[no-untyped-def]
    period = period_of(date(2024, 5, 10), "day", TZ)
    seen = datetime(2024, 5, 10, 9, tzinfo=UTC)
    records = [
        IncidentRecord(
            1, 1, seen, True, "Explosions/Remote violence", "Shelling/artillery/missile attack",
            event_date=date(2024, 5, 10), place_name=PLACE, admin1="Idlib", lat=35.86,
            lon=36.80, fatalities=2, severity="high", source_title=TITLE,
            source_url="https://ar.example/1", feed_name="عنب بلدي",
        ),
        IncidentRecord(
            2, 2, seen, True, "Explosions/Remote violence", event_date=date(2024, 5, 10),
            place_name="Sarmin", admin1="Idlib", lat=35.90, lon=36.72, severity="medium",
            source_title="Shelling on Sarmin", source_url="https://en.example/2",
        ),
    ]
    return build_digest(period, records, [], top_limit=10)


def test_digest_png_with_an_arabic_place_has_no_missing_glyphs() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = charts.render_png(_digest(), charts.load_layers())
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert missing == []
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (charts.WIDTH_PX, charts.HEIGHT_PX)


def test_digest_html_marks_arabic_titles_and_places_right_to_left() -> None:
    page = render_html(_digest())
    assert f'<a href="https://ar.example/1" dir="rtl" lang="ar">{TITLE}</a>' in page
    assert f'<td dir="rtl" lang="ar">{PLACE}, Idlib</td>' in page
    assert '(<span dir="rtl" lang="ar">عنب بلدي</span>)' in page
    # English titles and places are as they were
    assert '<a href="https://en.example/2">Shelling on Sarmin</a>' in page
    assert "<td>Sarmin, Idlib</td>" in page
    assert '[lang="ar"] { font-family: "Noto Naskh Arabic"' in page


def test_telegram_digest_isolates_arabic_titles() -> None:
    [text] = render_telegram(_digest())
    assert f'<a href="https://ar.example/1">{bidi.RLI}{TITLE}{bidi.PDI}</a>' in text
    assert '<a href="https://en.example/2">Shelling on Sarmin</a>' in text
