"""The dashboard's server-rendered pages: `/events/{id}` (and, with it, the map at `/`).

Pages read through the same `DataApi` as /api/v1 (tracker.services.dataout), so the page
and the JSON can never disagree about an event. Templates autoescape every value: titles,
evidence and reasons are outside text (news feeds) and may hold markup. Report links are
shown only when they are http(s), so a feed cannot plant a `javascript:` link.
Access follows the API's rule: with `[web] api_tokens` set, a bearer token is required.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from tracker.adapters.web_api import MAX_ID, ApiSource, bearer_check

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


def add_pages(app: FastAPI, source: ApiSource) -> None:
    """Mount the dashboard pages on `app`, behind the same token rule as /api/v1."""
    router = APIRouter(
        dependencies=[Depends(bearer_check(source.api_tokens))], include_in_schema=False
    )

    @router.get("/events/{event_id}", response_class=HTMLResponse)
    def event_page(request: Request, event_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> str:
        """One event, readable without JavaScript."""
        api = source.data_api()
        found = api.event(event_id, api.base(str(request.base_url)))
        if found is None:
            raise HTTPException(404, f"no event {event_id}")
        return render_event(found, f"/api/v1/events/{event_id}")

    app.include_router(router)
