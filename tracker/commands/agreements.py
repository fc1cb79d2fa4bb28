"""`tracker agreements list`: which agreements the tracker knows, and which are in force.

The registry is the shipped one with the user's [reference] agreements file applied, so a
user can check an override (a new party, an end date) before running the service.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer

if TYPE_CHECKING:
    from tracker.core.agreements import Agreement, AgreementRegistry

PLACE_TZ = "Asia/Damascus"


def today_at_place() -> date:
    """Today's date in Damascus (the day agreements are in force on)."""
    return datetime.now(ZoneInfo(PLACE_TZ)).date()


def describe(a: Agreement, day: date) -> dict[str, Any]:
    """One agreement as the listing shows it (JSON-ready)."""
    return {
        "id": a.id,
        "name": a.name,
        "side_a": list(a.side_a),
        "side_b": list(a.side_b),
        "parties": list(a.parties),
        "start": a.start.isoformat(),
        "end": a.end.isoformat() if a.end else None,
        "end_reason": a.end_reason or None,
        "zones": list(a.zone_ids),
        "zone_ends": {z: d.isoformat() for z, d in a.zone_ends.items()},
        "zones_in_force": list(a.zones_on(day)),
        "in_force": a.in_force_anywhere(day),
        "status": a.status_on(day),
    }


def render(registry: AgreementRegistry, day: date) -> str:
    """Readable listing: in-force agreements first, then the others."""
    rows = sorted(registry, key=lambda a: (not a.in_force_anywhere(day), a.start, a.id))
    lines = [f"agreements on {day} (* = in force):"]
    for a in rows:
        mark = "*" if a.in_force_anywhere(day) else " "
        end = a.end.isoformat() if a.end else "open"
        lines.append(f"{mark} {a.id}: {a.name}")
        lines.append(f"    sides: {', '.join(a.side_a)} / {', '.join(a.side_b)}")
        lines.append(f"    period: {a.start.isoformat()} to {end}; {a.status_on(day)}")
        zones = [f"{z} (until {a.zone_ends[z]})" if z in a.zone_ends else z for z in a.zone_ids]
        lines.append(f"    zones: {', '.join(zones) or '(none)'}")
    return "\n".join(lines)


def _registry() -> AgreementRegistry:
    """The shipped registry with the user's configuration applied."""
    from tracker.app import agreement_registry
    from tracker.commands.common import get_settings

    registry: AgreementRegistry = agreement_registry(get_settings())
    return registry


def register(app: typer.Typer) -> None:
    """Add `agreements list` to the main app."""
    agreements = typer.Typer(help="Agreements the tracker checks reports against.",
                             no_args_is_help=True)
    app.add_typer(agreements, name="agreements")

    @agreements.command("list")
    def list_cmd(
        at: Annotated[str | None, typer.Option("--at", help="Day YYYY-MM-DD (default today, "
                                               "Damascus).")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    ) -> None:
        """List agreements with their sides, period, zones and whether they are in force."""
        try:
            day = date.fromisoformat(at) if at else today_at_place()
        except ValueError:
            raise typer.BadParameter(f"not a date: {at!r}") from None
        registry = _registry()
        if as_json:
            typer.echo(json.dumps([describe(a, day) for a in registry], indent=2))
        else:
            typer.echo(render(registry, day))
