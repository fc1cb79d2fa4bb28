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
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from pathlib import Path as FilePath
from typing import Annotated, Any, get_args
from urllib.parse import parse_qs

import anyio
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from pydantic import ValidationError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from tracker.adapters.web_api import MAX_ID, ApiSource, bearer_check
from tracker.core.bidi import ARABIC_FONT_STACK, dir_attributes
from tracker.core.daycounts import DayChart
from tracker.core.eventquery import MAX_PAGE, EventFilters, Side
from tracker.core.events import SUB_TO_TYPE
from tracker.core.minimap import mini_map

MAP_LIMIT = MAX_PAGE  # events drawn on the map and listed beside it, newest first
REFRESH_MS = 60_000  # how often the map page polls for new events
# Above this many markers the map clusters those close together (Leaflet.markercluster);
# below it every event is drawn on its own.
CLUSTER_ABOVE = 100
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
    env = Environment(
        loader=PackageLoader("tracker", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
    )
    # Arabic evidence, titles and names are marked right to left (core.bidi).
    env.filters["dir_attrs"] = lambda value: Markup(dir_attributes(str(value or "")))
    env.globals["arabic_fonts"] = Markup(ARABIC_FONT_STACK)
    return env


def safe_link(url: str | None) -> str | None:
    """The URL when it is http(s), else None: escaping alone does not stop `javascript:`."""
    if not url:
        return None
    scheme = url.split(":", 1)[0].strip().lower()
    return url if scheme in ("http", "https") and ":" in url else None


def render_event(
    doc: dict[str, Any], api_url: str, analyst: Any = None, zones: dict[str, Any] | None = None
) -> str:
    """The event page from an EventDetail document (what /api/v1/events/{id} returns);
    `zones` (GeoJSON, as /api/v1/zones) are drawn on its small map."""
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
            analyst=analyst,
            map_svg=render_event_map(doc, zones or {}),
        )
    )


SEVERITY_COLOURS = {"low": "#2b83ba", "medium": "#fdae61", "high": "#d7191c", "critical": "#7b0000"}


@cache
def _governorate_shapes() -> tuple[tuple[str, BaseGeometry], ...]:
    doc = json.loads(_packaged_geojson("governorates.geojson"))
    return tuple((f["properties"]["name"], shape(f["geometry"])) for f in doc["features"])


def _zone_shapes(zones: dict[str, Any]) -> list[tuple[str, BaseGeometry]]:
    """Areas and lines of the zones (points, such as a zone's centre, are left out)."""
    out = []
    for f in zones.get("features", []):
        geometry = f.get("geometry") or {}
        if geometry.get("type") in ("Polygon", "MultiPolygon", "LineString", "MultiLineString"):
            props = f.get("properties") or {}
            out.append((str(props.get("name") or props.get("id") or ""), shape(geometry)))
    return out


def render_event_map(doc: dict[str, Any], zones: dict[str, Any]) -> str | None:
    """A small map of where the event happened (inline SVG, no JavaScript), or None when
    its place is unknown."""
    where = doc.get("location")
    if not where or where.get("lat") is None or where.get("lon") is None:
        return None
    m = mini_map(
        float(where["lon"]), float(where["lat"]), _governorate_shapes(), _zone_shapes(zones)
    )
    return (
        _environment()
        .get_template("minimap.svg.j2")
        .render(
            m=m,
            place=where.get("name") or "the event",
            colour=SEVERITY_COLOURS.get(doc.get("severity") or "", "#555"),
            violation=bool(doc.get("violation")),
        )
    )


def render_map(
    events: list[dict[str, Any]],
    agreements: list[dict[str, Any]],
    zones: list[dict[str, str]],
    form: dict[str, Any],
    chart: DayChart,
) -> str:
    """The map page with the list and the chart already filled, so they work without
    JavaScript."""
    return (
        _environment()
        .get_template("map.html.j2")
        .render(
            events=events,
            agreements=agreements,
            zones=zones,
            sides=SIDES,
            event_types=EVENT_TYPES,
            form=form,
            limit=MAP_LIMIT,
            refresh_ms=REFRESH_MS,
            cluster_above=CLUSTER_ABOVE,
            chart_svg=render_days(chart),
        )
    )


def render_days(chart: DayChart) -> str:
    """The events-per-day chart (inline SVG) of every selected event (the data service
    counts them)."""
    return _environment().get_template("days.svg.j2").render(chart=chart)


# The map page's filter fields: all optional, all in the URL (a view can be shared).
FILTER_FIELDS = ("since", "until", "agreement", "zone", "side", "event_type")
SIDES = get_args(Side)
# ACLED event types, each with its sub-event types (tracker.core.events).
EVENT_TYPES = {
    kind: sorted(sub for sub, of in SUB_TO_TYPE.items() if of == kind)
    for kind in sorted(set(SUB_TO_TYPE.values()))
}


def map_filters(query: dict[str, str | None]) -> tuple[EventFilters, dict[str, Any]]:
    """The filters of the map page's form: empty fields (as a form sends them) mean unset;
    the rest is checked by the API's own model, so the page and the API agree."""
    given: dict[str, Any] = {
        k: v for k in FILTER_FIELDS if (v := query.get(k)) is not None and v.strip()
    }
    if query.get("violations_only"):
        given["violations_only"] = query["violations_only"]
    try:
        filters = EventFilters.model_validate(given)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise HTTPException(422, problems) from None
    form: dict[str, Any] = {k: query.get(k) or "" for k in FILTER_FIELDS}
    form["violations_only"] = filters.violations_only
    return filters, form


FilterText = Annotated[str | None, Query(max_length=100)]
DayText = Annotated[str | None, Query(max_length=10)]


def page_filters(
    since: DayText = None,
    until: DayText = None,
    agreement: FilterText = None,
    zone: FilterText = None,
    side: Annotated[str | None, Query(max_length=20)] = None,
    event_type: FilterText = None,
    violations_only: Annotated[str | None, Query(max_length=5)] = None,
) -> tuple[EventFilters, dict[str, Any]]:
    """The query of the map page and of its chart."""
    return map_filters(
        {
            "since": since,
            "until": until,
            "agreement": agreement,
            "zone": zone,
            "side": side,
            "event_type": event_type,
            "violations_only": violations_only,
        }
    )


Filters = Annotated[tuple[EventFilters, dict[str, Any]], Depends(page_filters)]


def _zone_choices(zones: dict[str, Any]) -> list[dict[str, str]]:
    """(id, name) of the zones, once each (a zone can have several features: an area and
    its centre), for the zone filter."""
    out: dict[str, dict[str, str]] = {}
    for feature in zones.get("features", []):
        props = feature.get("properties") or {}
        if props.get("id") and str(props["id"]) not in out:
            zone_id = str(props["id"])
            out[zone_id] = {"id": zone_id, "name": str(props.get("name") or zone_id)}
    return sorted(out.values(), key=lambda z: z["name"])


def _html(body: str, status: int = 200) -> HTMLResponse:
    """A page with its policy: the browser itself refuses anything not from this server."""
    return HTMLResponse(
        body,
        status_code=status,
        headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"},
    )


@cache
def _packaged_geojson(name: str) -> bytes:
    """A GeoJSON file shipped in the package (no tile server), compacted."""
    data = files("tracker") / "data" / name
    return json.dumps(json.loads(data.read_text("utf-8")), separators=(",", ":")).encode()


def _geojson(name: str) -> Response:
    return Response(
        _packaged_geojson(name),
        media_type="application/geo+json",
        headers={"Cache-Control": "private, max-age=3600"},
    )


COOKIE = "tracker_session"
REVIEW_STATUSES = ("confirmed", "dismissed")  # the two Telegram review buttons
FORM_MAX = 4096  # bytes: the forms hold a name, a password and two tokens


async def _form(request: Request) -> dict[str, str]:
    """A url-encoded form (first value of each field), refused when oversized."""
    body = await request.body()
    if len(body) > FORM_MAX:
        raise HTTPException(413, "form too large")
    fields = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=10)
    return {k: v[0] for k, v in fields.items()}


def _same_origin(request: Request) -> None:
    """Posts from another site's page are refused (with the CSRF token, and the cookie's
    SameSite, a third lock; it also covers the sign-in form, which has no session yet)."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and origin.rstrip("/") != str(request.base_url).rstrip("/"):
        raise HTTPException(403, "cross-site form refused")


def _local_path(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def add_review(router: APIRouter, source: Any) -> Callable[[Request], Any]:
    """Sign-in, sign-out and the review form, when the source has analyst accounts;
    returns who a request is signed in as (a SignedIn, or None)."""

    def signed_in(request: Request) -> Any:
        return source.analysts().session(request.cookies.get(COOKIE))

    @router.get("/signin", response_class=HTMLResponse)
    def signin_page(next: Annotated[str | None, Query(max_length=200)] = None) -> HTMLResponse:
        return _html(_signin_form(_local_path(next), ""))

    @router.post("/signin", dependencies=[Depends(_same_origin)])
    async def signin(request: Request) -> Response:
        form = await _form(request)
        target = _local_path(form.get("next"))
        started = await anyio.to_thread.run_sync(
            source.analysts().sign_in, form.get("name", ""), form.get("password", "")
        )
        if started is None:
            return _html(_signin_form(target, "Wrong name or password."), 401)
        token, _ = started
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    @router.post("/signout", dependencies=[Depends(_same_origin)])
    async def signout(request: Request) -> Response:
        form = await _form(request)
        who = await anyio.to_thread.run_sync(signed_in, request)
        if who is None or not who.csrf_ok(form.get("csrf")):
            raise HTTPException(403, "not signed in, or a forged form")
        await anyio.to_thread.run_sync(source.analysts().sign_out, request.cookies.get(COOKIE))
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @router.post("/events/{event_id}/review", dependencies=[Depends(_same_origin)])
    async def review(request: Request, event_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
        """Confirm / Not a violation: the same decision as the Telegram review buttons."""
        form = await _form(request)
        who = await anyio.to_thread.run_sync(signed_in, request)
        if who is None:
            raise HTTPException(403, "sign in as an analyst to review events")
        if not who.csrf_ok(form.get("csrf")):
            raise HTTPException(403, "forged or expired form: reload the page")
        status = form.get("status")
        if status not in REVIEW_STATUSES:
            raise HTTPException(422, f"status must be one of {', '.join(REVIEW_STATUSES)}")
        decision = await source.review(event_id, status, who.analyst)
        if decision is None:
            raise HTTPException(404, f"no event {event_id}")
        return RedirectResponse(f"/events/{event_id}", status_code=303)

    return signed_in


def _signin_form(target: str, error: str) -> str:
    return _environment().get_template("signin.html.j2").render(next=target, error=error)


def add_pages(app: FastAPI, source: ApiSource) -> None:
    """Mount the dashboard pages on `app`, behind the same token rule as /api/v1."""
    router = APIRouter(
        dependencies=[Depends(bearer_check(source.api_tokens))], include_in_schema=False
    )
    reviews = hasattr(source, "analysts") and hasattr(source, "review")
    signed_in = add_review(router, source) if reviews else (lambda request: None)

    @router.get("/events/{event_id}", response_class=HTMLResponse)
    def event_page(
        request: Request, event_id: Annotated[int, Path(ge=1, le=MAX_ID)]
    ) -> HTMLResponse:
        """One event, readable without JavaScript."""
        api = source.data_api()
        found = api.event(event_id, api.base(str(request.base_url)))
        if found is None:
            raise HTTPException(404, f"no event {event_id}")
        analyst = signed_in(request) if reviews else None
        page = render_event(found, f"/api/v1/events/{event_id}", analyst, api.zones())
        return _html(page)

    @router.get("/", response_class=HTMLResponse)
    def map_page(chosen: Filters) -> HTMLResponse:
        """The map, the list and the chart of events, filtered by the query (a view can be
        shared)."""
        filters, form = chosen
        api = source.data_api()
        events = api.page(filters, MAP_LIMIT, None)["events"]
        zones = _zone_choices(api.zones())
        return _html(render_map(events, api.agreements(), zones, form, api.day_chart(filters)))

    @router.get("/map/days.svg")
    def days_chart(chosen: Filters) -> Response:
        """The events-per-day chart alone, for the map page's refresh."""
        api = source.data_api()
        return Response(
            render_days(api.day_chart(chosen[0])),
            media_type="image/svg+xml",
            headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"},
        )

    @router.get("/map/syria.geojson")
    def outline() -> Response:
        """Syria's coarse outline and its cities."""
        return _geojson("syria_outline.geojson")

    @router.get("/map/governorates.geojson")
    def governorates() -> Response:
        """The 14 governorates (geoBoundaries / OCHA, CC BY 3.0 IGO; tracker/data/SOURCES.md)."""
        return _geojson("governorates.geojson")

    app.include_router(router)
    static = FilePath(str(files("tracker") / "static"))
    app.mount("/static", StaticFiles(directory=static), name="static")
