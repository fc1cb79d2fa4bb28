"""Digest text through Jinja2 templates (tracker/templates/).

Wording lives in the templates so it can change without touching the numbers; this module
only sets up escaping per format: HTML and Telegram HTML autoescape every value, Markdown
escapes the characters that would turn outside text (titles, place names) into markup.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from tracker.adapters.notify.telegram_text import split_message
from tracker.core.bidi import ARABIC_FONT_STACK, dir_attributes, isolate
from tracker.core.digest import Digest, TopIncident
from tracker.core.sanitize import web_url

PRECISION_TEXT = {2: "around", 3: "week of", 4: "month of", 5: "year of"}
SEVERITY_MARK = {"low": "⚪", "medium": "🟡", "high": "🟠", "critical": "🔴"}
MAX_TITLE_CHARS = 200
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md_escape(value: object) -> str:
    """Outside text must not become Markdown links, emphasis or table cells."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def cut(value: object, limit: int = MAX_TITLE_CHARS) -> str:
    """Shorten before escaping, so that no line can approach Telegram's message limit."""
    text = " ".join(str(value or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def when(day: date | None, precision: int = 1) -> str:
    if day is None:
        return "date unknown"
    prefix = PRECISION_TEXT.get(precision)
    return f"{prefix} {day.isoformat()}" if prefix else day.isoformat()


def signed(value: float) -> str:
    return f"{value:+g}"


def change_text(d: Digest) -> str:
    c = d.comparison
    base = f"{signed(c.change)} against the average of {c.average:g} over the previous "
    base += f"{len(c.previous)} {d.period.kind}s"
    return f"{base} ({signed(c.change_pct)}%)" if c.change_pct is not None else base


def late_text(d: Digest) -> str:
    """What a late report is under the digest's basis (see core.digest.is_late)."""
    if d.basis == "event":
        return "first reported well after the event"
    return "events dated well before the period"


def place_text(t: TopIncident) -> str:
    parts = [p for p in (t.place_name, t.admin1) if p]
    return ", ".join(parts) if parts else "place unknown"


def html_dir_attributes(value: object) -> Markup:
    """`dir="rtl" lang="ar"` for an element holding Arabic text (core.bidi), as markup:
    the attributes are ours, the text they describe is escaped where it is printed."""
    return Markup(dir_attributes(str(value or "")))


@cache
def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("tracker", "templates"),
        autoescape=select_autoescape(default=autoescape, default_for_string=autoescape),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        md=md_escape,
        cut=cut,
        when=when,
        signed=signed,
        web_url=web_url,
        bidi=isolate,
        dir_attrs=html_dir_attributes,
    )
    env.globals.update(
        change_text=change_text,
        late_text=late_text,
        place_text=place_text,
        severity_mark=SEVERITY_MARK,
        arabic_fonts=Markup(ARABIC_FONT_STACK),
    )
    return env


def _render(name: str, autoescape: bool, **context: Any) -> str:
    return _environment(autoescape).get_template(name).render(**context)


# `public_url` ([web] public_url): each listed event links to its page and API document there.


def render_markdown(d: Digest, public_url: str = "") -> str:
    return _render("digest.md.j2", False, d=d, public_url=public_url)


def render_html(d: Digest, png: bytes | None = None, public_url: str = "") -> str:
    """A standalone page; the chart is embedded as a data URI so the file travels alone."""
    src = None
    if png is not None:
        src = Markup("data:image/png;base64," + base64.b64encode(png).decode("ascii"))
    return _render("digest.html.j2", True, d=d, chart_src=src, public_url=public_url)


def render_telegram(d: Digest, limit: int = 4096, public_url: str = "") -> list[str]:
    """Telegram HTML (only the tags the Bot API accepts), split under `limit` characters."""
    text = _render("digest.telegram.j2", True, d=d, public_url=public_url)
    return split_message(text.strip(), limit)


class DigestRenderer:
    """Every output format of a digest in one object, for the digest service."""

    def __init__(
        self, chart: Callable[[Digest], bytes] | None = None, public_url: str = ""
    ) -> None:
        self._chart = chart
        self._public_url = public_url

    def markdown(self, d: Digest) -> str:
        return render_markdown(d, public_url=self._public_url)

    def html(self, d: Digest) -> str:
        return render_html(d, self.png(d), public_url=self._public_url)

    def telegram(self, d: Digest) -> list[str]:
        return render_telegram(d, public_url=self._public_url)

    def png(self, d: Digest) -> bytes | None:
        return self._chart(d) if self._chart is not None else None
