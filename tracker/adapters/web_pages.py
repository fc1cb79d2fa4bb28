"""The dashboard's server-rendered pages: the map and list at `/`, the event page at
`/events/{id}`.

Pages read through the same `DataApi` as /api/v1 (tracker.services.dataout), so the page
and the JSON can never disagree about an event. Templates autoescape every value: titles,
evidence and reasons are outside text (news feeds) and may hold markup. Report links are
shown only when they are http(s), so a feed cannot plant a `javascript:` link.
Access follows the API's rule: with `[web] api_tokens` set, a bearer token is required.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, StrictUndefined
from pydantic import ValidationError

from tracker.adapters.web_api import MAX_ID, ApiSource, bearer_check
from tracker.core.eventquery import MAX_PAGE, EventFilters

MAP_LIMIT = MAX_PAGE  # events drawn on the map and listed beside it, newest first
REFRESH_MS = 60_000  # how often the map page polls for new events
# Everything the pages load comes from this server: a page that tried to reach a CDN or a
# tile server would be refused by the browser, not just happen to work offline.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

# UCDP date_prec, in words (tracker.core.dates uses the same scale).
DATE_PRECISION = {
    1: "exact day",
    2: "within a 2-6 day range",
    3: "within a week",
    4: "within a month",
    5: "within a year",
}
DECISIONS = {
    None: "not reviewed yet",
    "confirmed": "confirmed by an analyst",
    "dismissed": "dismissed by an analyst (not a violation)",
}


@cache
def _environment() -> Environment:
    """Autoescape on for every template, whatever its name: all of it is HTML."""
    return Environment(
        loader=PackageLoader("tracker", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
    )


def safe_link(url: str | None) -> str | None:
    """The URL when it is http(s), else None: escaping alone does not stop `javascript:`."""
    if not url:
        return None
    scheme = url.split(":", 1)[0].strip().lower()
    return url if scheme in ("http", "https") and ":" in url else None


def render_event(doc: dict[str, Any], api_url: str) -> str:
    """The event page from an EventDetail document (what /api/v1/events/{id} returns)."""
    reports = [{**r, "safe_url": safe_link(r.get("url"))} for r in doc["reports"]]
    review = doc.get("review_status")
    return (
        _environment()
        .get_template("event.html.j2")
        .render(
            e={**doc, "reports": reports},
            date_precision=DATE_PRECISION.get(doc["date_precision"], "precision unknown"),
            decision=DECISIONS.get(review, str(review)),
            api_url=api_url,
        )
    )


def render_map(
    events: list[dict[str, Any]], agreements: list[dict[str, Any]], form: dict[str, Any]
) -> str:
    """The map page with the list already filled, so the list works without JavaScript."""
    return (
        _environment()
        .get_template("map.html.j2")
        .render(
            events=events,
            agreements=agreements,
            form=form,
            limit=MAP_LIMIT,
            refresh_ms=REFRESH_MS,
        )
    )


def map_filters(
    since: str | None, until: str | None, agreement: str | None, violations_only: str | None
) -> tuple[EventFilters, dict[str, Any]]:
    """The filters of the map page's form: empty fields (as a form sends them) mean unset;
    the rest is checked by the API's own model, so the page and the API agree."""
    given = {
        k: v
        for k, v in {"since": since, "until": until, "agreement": agreement}.items()
        if v and v.strip()
    }
    if violations_only:
        given["violations_only"] = violations_only
    try:
        filters = EventFilters.model_validate(given)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise HTTPException(422, problems) from None
    form = {
        "since": since or "",
        "until": until or "",
        "agreement": agreement or "",
        "violations_only": filters.violations_only,
    }
    return filters, form


def _html(body: str) -> HTMLResponse:
    """A page with its policy: the browser itself refuses anything not from this server."""
    return HTMLResponse(
        body, headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}
    )


@cache
def _outline() -> bytes:
    """Syria's coarse outline, shipped in the package (no tile server)."""
    data = files("tracker") / "data" / "syria_outline.geojson"
    return json.dumps(json.loads(data.read_text("utf-8"))).encode()


def add_pages(app: FastAPI, source: ApiSource) -> None:
    """Mount the dashboard pages on `app`, behind the same token rule as /api/v1."""
    router = APIRouter(
        dependencies=[Depends(bearer_check(source.api_tokens))], include_in_schema=False
    )

    @router.get("/events/{event_id}", response_class=HTMLResponse)
    def event_page(
        request: Request, event_id: Annotated[int, Path(ge=1, le=MAX_ID)]
    ) -> HTMLResponse:
        """One event, readable without JavaScript."""
        api = source.data_api()
        found = api.event(event_id, api.base(str(request.base_url)))
        if found is None:
            raise HTTPException(404, f"no event {event_id}")
        return _html(render_event(found, f"/api/v1/events/{event_id}"))

    @router.get("/", response_class=HTMLResponse)
    def map_page(
        since: Annotated[str | None, Query(max_length=10)] = None,
        until: Annotated[str | None, Query(max_length=10)] = None,
        agreement: Annotated[str | None, Query(max_length=100)] = None,
        violations_only: Annotated[str | None, Query(max_length=5)] = None,
    ) -> HTMLResponse:
        """The map and the list of events, filtered by the query (a view can be shared)."""
        filters, form = map_filters(since, until, agreement, violations_only)
        api = source.data_api()
        events = api.page(filters, MAP_LIMIT, None)["events"]
        return _html(render_map(events, api.agreements(), form))

    @router.get("/map/syria.geojson")
    def outline() -> Response:
        return Response(_outline(), media_type="application/geo+json")

    app.include_router(router)
    static = FilePath(str(files("tracker") / "static"))
    app.mount("/static", StaticFiles(directory=static), name="static")
