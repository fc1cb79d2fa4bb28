"""The versioned read API (/api/v1): events, one event, items, agreements and zones.

Everything is read through a `DataOut` (tracker.services.dataout), the same object `tracker
export` uses. Query parameters are one pydantic model with `extra="forbid"`, so an unknown
or misspelt filter is refused with 422 instead of being silently ignored (which would hand
back unfiltered data). Exports stream: the response is a generator paging through the
database, so its size never sits in memory.

Access: with `[web] api_tokens` set, every /api/v1 request needs `Authorization: Bearer
<token>`; tokens are compared in constant time and never logged.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from tracker.core.daycounts import DayChart
from tracker.core.eventquery import MAX_PAGE, CursorError, EventFilters
from tracker.core.export import MEDIA_TYPES, atom_filters

MAX_ID = 2**31 - 1  # the id columns are 32-bit integers; larger ids cannot exist


class DataApi(Protocol):
    """What the API reads through (tracker.services.dataout.DataOut)."""

    def base(self, request_base: str = "") -> str: ...

    def page(
        self, filters: EventFilters, limit: int, cursor: str | None, base: str = ""
    ) -> dict[str, Any]: ...

    def export(self, fmt: Any, filters: EventFilters, **options: Any) -> Iterator[str]: ...

    def event(self, event_id: int, base: str = "") -> dict[str, Any] | None: ...

    def item(self, item_id: int, base: str = "") -> dict[str, Any] | None: ...

    def agreements(self) -> list[dict[str, Any]]: ...

    def zones(self) -> dict[str, Any]: ...

    def day_chart(self, filters: EventFilters) -> DayChart: ...


class ApiSource(Protocol):
    def data_api(self) -> DataApi: ...

    def api_tokens(self) -> Sequence[str]: ...


# -- response models (the OpenAPI document) --------------------------------------------------


class Location(BaseModel):
    name: str
    admin1: str
    lat: float
    lon: float
    precision: int | None


class Event(BaseModel):
    """A merged event: one hostile act, whatever the number of reports of it."""

    id: int
    status: str
    review_status: str | None
    revision: int
    split_from: int | None
    merged_into: int | None
    violation: bool
    event_type: str
    sub_event_type: str
    date: str | None = Field(description="Event date, YYYY-MM-DD.")
    date_precision: int = Field(description="UCDP date_prec: 1 = exact day.")
    location: Location | None
    fatalities: int | None = Field(description="Best estimate of the toll.")
    fatalities_low: int | None
    fatalities_high: int | None
    injured: int | None
    actors: list[dict[str, Any]]
    agreements: list[str]
    zones: list[str]
    severity: str
    confidence: float
    reasons: list[str]
    evidence: list[str]
    source_count: int = Field(description="Independent sources (syndicated copies count once).")
    report_count: int
    sources: list[str] = Field(description="Report links, earliest first.")
    outlets: list[str]
    first_seen: str | None = Field(description="When the earliest report was first seen.")
    created_at: str
    updated_at: str
    links: dict[str, str]


class EventPage(BaseModel):
    events: list[Event]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")
    limit: int


class AgreementRef(BaseModel):
    id: str
    name: str | None
    articles: list[str]


class ZoneRef(BaseModel):
    id: str
    name: str | None


class Toll(BaseModel):
    low: int | None
    best: int | None
    high: int | None
    injured: int | None


class History(BaseModel):
    revision: int
    split_from: int | None
    split_off: list[int]
    merged_into: int | None
    absorbed: list[int]


class Report(BaseModel):
    item_id: int
    title: str
    outlet: str | None
    url: str | None
    published: str | None
    first_seen: str
    date: str | None
    place: str | None
    fatalities: int | None
    violation: bool
    links: dict[str, str]


class EventDetail(Event):
    agreements_detail: list[AgreementRef]
    zones_detail: list[ZoneRef]
    toll: Toll
    merge_reasons: list[str]
    history: History
    reports: list[Report]


class Feed(BaseModel):
    id: int
    name: str | None
    url: str


class ItemIncident(BaseModel):
    seq: int
    event_id: int | None
    violation: bool
    event_type: str
    sub_event_type: str
    date: str | None
    place: str | None
    fatalities: int | None
    severity: str
    links: dict[str, str]


class Item(BaseModel):
    id: int
    feed: Feed
    url: str | None
    title: str
    summary: str
    language: str | None
    published: str | None
    first_seen: str
    classified_at: str | None
    incidents: list[ItemIncident]


class Agreement(BaseModel):
    id: str
    name: str
    start: str
    end: str | None
    zones: list[str]
    parties: list[str]
    articles: dict[str, str]
    excluded_actor_note: str
    sources: list[str]
    notes: str


class ZoneFeature(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["Feature"]
    properties: dict[str, Any]
    geometry: dict[str, Any] | None


class ZoneCollection(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[ZoneFeature]


class Error(BaseModel):
    detail: str


class GeoJSONResponse(JSONResponse):
    media_type = "application/geo+json"


class EventsQuery(EventFilters):
    """The filters plus what shape the answer takes."""

    format: Literal["json", "csv", "geojson", "atom", "jsonl"] = Field(
        "json", description="json pages; csv (ACLED columns), geojson, atom, jsonl stream."
    )
    limit: int | None = Field(
        None,
        ge=1,
        le=MAX_PAGE,
        description="Events per page (json: default 100); exports: at most this many "
        "(default all; atom 100).",
    )
    cursor: str | None = Field(None, max_length=200, description="next_cursor of a page.")


_STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page of events (json) or an export in the format asked.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/geo+json": {"schema": {"type": "object"}},
            "application/atom+xml": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    },
    401: {"model": Error, "description": "A token is required (`[web] api_tokens`)."},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Error},
    401: {"model": Error, "description": "A token is required (`[web] api_tokens`)."},
}
_FILE_NAMES = {"csv": "events.csv", "geojson": "events.geojson", "jsonl": "events.jsonl"}


def bearer_check(tokens: Callable[[], Sequence[str]]) -> Callable[[Request], None]:
    """A dependency refusing requests without one of `tokens` (none configured: open)."""

    def check(request: Request) -> None:
        allowed = tokens()
        if not allowed:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        supplied = given.strip().encode()
        ok = scheme.lower() == "bearer" and any(
            hmac.compare_digest(supplied, t.encode()) for t in allowed
        )
        if not ok:
            raise HTTPException(
                401, "a valid bearer token is required", {"WWW-Authenticate": "Bearer"}
            )

    return check


def _filters(query: EventsQuery) -> EventFilters:
    """The filters alone, remembering which were given (atom defaults depend on it)."""
    given = query.model_dump(exclude={"format", "limit", "cursor"}, exclude_unset=True)
    return EventFilters.model_validate(given)


def _base(api: DataApi, request: Request) -> str:
    return api.base(str(request.base_url))


def add_api(app: FastAPI, source: ApiSource) -> None:
    """Mount /api/v1 on `app`, reading through `source.data_api()`."""
    router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_check(source.api_tokens))])

    @router.get("/events", response_model=EventPage, responses=_STREAM_RESPONSES)
    def events(request: Request, query: Annotated[EventsQuery, Query()]) -> Response:
        """Events matching the filters, newest first by default, with cursor pagination;
        `format` other than json streams the whole selection as a file."""
        api = source.data_api()
        filters, base = _filters(query), _base(api, request)
        try:
            if query.format == "json":
                # Already JSON-ready and shaped as EventPage (the schema tests hold it to
                # that); validating it again would cost more than the query.
                return JSONResponse(api.page(filters, query.limit or 100, query.cursor, base))
            if query.format == "atom":
                filters = atom_filters(filters)
            chunks = api.export(
                query.format,
                filters,
                limit=query.limit,
                cursor=query.cursor,
                base=base,
                self_url=f"{base}/api/v1/events?{request.url.query}",
            )
        except CursorError as exc:
            raise _invalid("cursor", str(exc)) from None
        headers = {}
        if query.format in _FILE_NAMES:
            headers["Content-Disposition"] = f'inline; filename="{_FILE_NAMES[query.format]}"'
        return StreamingResponse(chunks, media_type=MEDIA_TYPES[query.format], headers=headers)

    @router.get("/events/{event_id}", response_model=EventDetail, responses=_NOT_FOUND)
    def event(request: Request, event_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Any:
        """One event (any status) with its reports, reasons, agreements and history."""
        api = source.data_api()
        found = api.event(event_id, _base(api, request))
        if found is None:
            raise HTTPException(404, f"no event {event_id}")
        return found

    @router.get("/items/{item_id}", response_model=Item, responses=_NOT_FOUND)
    def item(request: Request, item_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Any:
        """One stored news item and the incidents read from it."""
        api = source.data_api()
        found = api.item(item_id, _base(api, request))
        if found is None:
            raise HTTPException(404, f"no item {item_id}")
        return found

    @router.get("/agreements", response_model=list[Agreement], responses=_NOT_FOUND)
    def agreements() -> Any:
        """The agreements events are checked against, with their articles."""
        return source.data_api().agreements()

    @router.get(
        "/zones",
        response_model=ZoneCollection,
        response_class=GeoJSONResponse,
        responses=_NOT_FOUND,
    )
    def zones() -> Any:
        """The zones as an RFC 7946 FeatureCollection."""
        return source.data_api().zones()

    app.include_router(router)
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]


def _invalid(field: str, message: str) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "value_error", "loc": ["query", field], "msg": message, "input": None}]
    )


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422 body, plus one readable sentence naming what was wrong."""
    errors = list(exc.errors())
    parts = []
    for err in errors:
        where = ".".join(str(p) for p in err.get("loc", ())[1:]) or "request"
        if err.get("type") == "extra_forbidden":
            parts.append(f"unknown parameter {where!r}")
        else:
            parts.append(f"{where}: {err.get('msg')}")
    body = {"detail": _jsonable(errors), "message": "; ".join(parts) or "invalid request"}
    return JSONResponse(body, status_code=422)


def _jsonable(errors: list[Any]) -> list[dict[str, Any]]:
    """Validation errors without their exception objects (ctx may hold one)."""
    out = []
    for err in errors:
        clean = {k: v for k, v in err.items() if k in ("type", "loc", "msg", "input")}
        clean["loc"] = [str(p) if not isinstance(p, int) else p for p in clean.get("loc", [])]
        if not isinstance(clean.get("input"), str | int | float | bool | type(None)):
            clean["input"] = str(clean.get("input"))
        out.append(clean)
    return out
