"""`tracker export`: the read API's exports as files, with the API's filters as options.

It goes through the same DataOut as `/api/v1/events?format=...`, so with the same filters
(and `[web] public_url` set, which both use for links) the file equals the download.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, TextIO
from urllib.parse import urlencode

import typer

FORMAT_HELP = "csv (ACLED columns), geojson, atom or jsonl."


def _filters(options: dict[str, Any]) -> Any:
    """EventFilters from the options given (unset ones stay unset, as in a query string)."""
    from pydantic import ValidationError

    from tracker.core.eventquery import EventFilters

    given = {k: v for k, v in options.items() if v is not None and v is not False}
    try:
        return EventFilters.model_validate(given)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "filters"
        raise typer.BadParameter(f"{where}: {err['msg']}") from None


def _query_string(fmt: str, options: dict[str, Any], limit: int | None) -> str:
    """The API query string equivalent to the options (the Atom feed's self link)."""
    params = {"format": fmt}
    for key, value in options.items():
        if value is None or value is False:
            continue
        params[key] = "true" if value is True else str(value)
    if limit is not None:
        params["limit"] = str(limit)
    return urlencode(params)


@contextlib.contextmanager
def _output(path: str) -> Iterator[TextIO]:
    if path == "-":
        yield sys.stdout
        return
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        yield fh


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export_cmd(
        output: Annotated[str, typer.Option("--output", "-o", help="File to write, - for stdout.")],
        fmt: Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)] = "csv",
        since: Annotated[str | None, typer.Option(help="On or after YYYY-MM-DD.")] = None,
        until: Annotated[str | None, typer.Option(help="On or before YYYY-MM-DD.")] = None,
        by: Annotated[
            str | None, typer.Option(help="since/until compare: event (date) or recorded.")
        ] = None,
        violations_only: Annotated[bool, typer.Option("--violations-only")] = False,
        agreement: Annotated[str | None, typer.Option(help="Agreement id.")] = None,
        zone: Annotated[str | None, typer.Option(help="Zone id.")] = None,
        actor: Annotated[str | None, typer.Option(help="Part of an actor's name.")] = None,
        side: Annotated[str | None, typer.Option(help="An attacker on this side.")] = None,
        event_type: Annotated[
            str | None, typer.Option(help="ACLED event type or sub-event type, exactly.")
        ] = None,
        min_severity: Annotated[str | None, typer.Option(help="low|medium|high|critical")] = None,
        status: Annotated[str | None, typer.Option(help="active|dismissed|merged")] = None,
        bbox: Annotated[str | None, typer.Option(help="min_lon,min_lat,max_lon,max_lat")] = None,
        q: Annotated[str | None, typer.Option("--q", help="Words in evidence or titles.")] = None,
        order: Annotated[str | None, typer.Option(help="-date (default), date, -updated…")] = None,
        limit: Annotated[int | None, typer.Option(min=1, help="At most this many.")] = None,
    ) -> None:
        """Write the stored events as a file, the same as the read API's exports."""
        from tracker.app import data_out
        from tracker.commands.common import get_settings
        from tracker.services.dataout import EXPORT_FORMATS, atom_filters

        if fmt not in EXPORT_FORMATS:
            raise typer.BadParameter(f"--format must be one of {', '.join(EXPORT_FORMATS)}")
        options = {
            "since": since, "until": until, "by": by, "violations_only": violations_only,
            "agreement": agreement, "zone": zone, "actor": actor, "side": side,
            "event_type": event_type, "min_severity": min_severity, "status": status,
            "bbox": bbox, "q": q, "order": order,
        }  # fmt: skip
        filters = _filters(options)
        if fmt == "atom":
            filters = atom_filters(filters)
        settings = get_settings()
        api = data_out(settings)
        base = api.base()
        self_url = f"{base}/api/v1/events?{_query_string(fmt, options, limit)}"
        show = sys.stderr.isatty() and output != "-" and fmt != "atom"
        total = api.count(filters) if show else 0
        if limit is not None:
            total = min(total, limit)
        with (
            _output(output) as fh,
            typer.progressbar(
                length=total, label="exporting", file=sys.stderr, hidden=not show
            ) as bar,
        ):
            chunks = api.export(
                fmt,
                filters,
                limit=limit,
                base=base,
                self_url=self_url,
                on_record=(lambda: bar.update(1)) if show else None,  # no bar: no count
            )
            for chunk in chunks:
                fh.write(chunk)
        if output != "-":
            typer.echo(f"wrote {output}", err=True)

