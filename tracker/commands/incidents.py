"""`tracker incidents list|show` and `tracker eval-merge`: merged events at the command line.

Listing first links any stored incident that is in no event yet, so the commands show the
truth even when the running service has not merged the latest items.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tracker.core.sanitize import terminal_safe

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from tracker.core.merge import PairScores, Report


def _store() -> Any:
    """The event store of the configured database, migrated and caught up, from the
    composition root."""
    from tracker.app import event_store
    from tracker.commands.common import get_settings

    return event_store(get_settings())


def event_contract(row: Any, sources: list[str]) -> dict[str, Any]:
    """An events row as the classify contract plus id, source_count and sources."""
    return {
        "id": row.id,
        **row.to_contract(),
        "source_count": row.source_count,
        "sources": sources,
        "revision": row.revision,
        "split_from": row.split_from,
    }


TABLE_COLUMNS = ("ID", "Date", "Violation", "Type", "Place", "Killed", "Sources")


def _cell(value: object) -> Text:
    """One table cell. A Text, not a str, so that feed text such as "[bold]" is printed as
    it is and never read as rich markup; the one place to clean feed text before printing."""
    from rich.text import Text

    return Text("" if value is None else terminal_safe(str(value)))


def _row(event: dict[str, Any]) -> list[Text]:
    where = (event["location"] or {}).get("name") or "unknown place"
    return [
        _cell(event["id"]),
        _cell(event["date"] or "?"),
        _cell("VIOLATION" if event["violation"] else "-"),
        _cell(event["sub_event_type"]),
        _cell(where),
        _cell("?" if event["fatalities"] is None else event["fatalities"]),
        _cell(event["source_count"]),
    ]


def events_table(events: list[dict[str, Any]]) -> Table:
    """A header row and one row per event. Long types and places wrap inside their column
    instead of being cut, so the table fits the terminal's width."""
    from rich import box
    from rich.table import Table

    table = Table(
        box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1), collapse_padding=True
    )
    for name in TABLE_COLUMNS:
        wraps = name in ("Type", "Place")
        table.add_column(
            name,
            justify="right" if name in ("ID", "Killed", "Sources") else "left",
            no_wrap=not wraps,
            ratio=(2 if name == "Type" else 1) if wraps else None,
            overflow="fold",
        )
    for event in events:
        table.add_row(*_row(event))
    return table


def print_table(table: Table) -> None:
    """Print to stdout at the terminal's width (80 columns when not a terminal, or
    $COLUMNS), without colour codes when stdout is not a terminal."""
    from rich.console import Console

    Console(file=sys.stdout, highlight=False).print(table)


def _describe(event: dict[str, Any], reports: list[tuple[Any, Any, str | None]], row: Any) -> str:
    loc = event["location"]
    where = f"{loc['name']} ({loc['admin1']}, precision {loc['precision']})" if loc else "unknown"
    lines = [
        f"Incident {event['id']} (revision {event['revision']})"
        + (f", split from {event['split_from']}" if event["split_from"] else ""),
        f"  what:   {event['event_type']} / {event['sub_event_type']}",
        f"  when:   {event['date']} (precision {event['date_precision']})",
        f"  where:  {where}",
        f"  killed: {event['fatalities']} (range {event['fatalities_low']}"
        f"-{event['fatalities_high']}); injured: {event['injured']}",
        f"  violation: {event['violation']}; severity {event['severity']}; "
        f"confidence {event['confidence']}",
        f"  sources: {event['source_count']} independent, {len(reports)} report(s)",
        "  reports:",
    ]
    for incident, item, outlet in reports:
        lines.append(
            f"    - [{outlet or 'feed'}] {item.title} <{item.url or 'no url'}> "
            f"({incident.event_date}, {incident.place_name}, killed {incident.fatalities})"
        )
    lines.append("  why merged:")
    lines += [f"    * {why}" for why in row.merge_reasons] or ["    * a single report"]
    return "\n".join(lines)


# -- eval-merge ------------------------------------------------------------------------------


def labelled_reports(
    groups: list[dict[str, Any]], classify: Any
) -> tuple[list[Report], dict[str, str]]:
    """Classify every report of the labelled groups; gold label = group + event letter."""
    from tracker.commands.classify import parse_published
    from tracker.core.feeds import content_hash
    from tracker.core.incident import ItemInput
    from tracker.core.merge import Report

    reports: list[Report] = []
    gold: dict[str, str] = {}
    for group in groups:
        for n, raw in enumerate(group["reports"]):
            url = raw.get("url") or f"{group['group']}/{n}"
            item = ItemInput(raw["title"], raw["text"], parse_published(raw["published"]), url)
            for seq, incident in enumerate(classify(item)):
                key = f"{url}#{seq}"
                reports.append(
                    Report(
                        key=key,
                        incident=incident,
                        origin=url,
                        url=url,
                        title=raw["title"],
                        content_hash=content_hash(raw["title"], raw["text"]),
                        outlet=raw.get("source"),
                    )
                )
                gold[key] = f"{group['group']}/{raw['event']}"
    return reports, gold


def evaluate_merge(groups: list[dict[str, Any]], classify: Any) -> tuple[PairScores, list[str]]:
    """Pairwise precision and recall over all reports pooled, plus the mistakes."""
    from tracker.core.merge import cluster, pairwise_scores

    reports, gold = labelled_reports(groups, classify)
    clusters = cluster(reports)
    scores = pairwise_scores(gold, [[r.key for r in c] for c in clusters])
    mistakes = [
        "merged across events: " + ", ".join(r.key for r in c)
        for c in clusters
        if len({gold[r.key] for r in c}) > 1
    ]
    owner = {r.key: i for i, c in enumerate(clusters) for r in c}
    for label in sorted(set(gold.values())):
        keys = [k for k, v in gold.items() if v == label]
        if len({owner[k] for k in keys}) > 1:
            mistakes.append(f"event {label} split: " + ", ".join(keys))
    return scores, mistakes


def read_groups(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc}") from exc
    return [json.loads(line) for line in lines if line.strip()]


def register(app: typer.Typer) -> None:
    """Add `incidents list|show` and `eval-merge` to the main app."""
    incidents = typer.Typer(help="Incidents merged across feeds.", no_args_is_help=True)
    app.add_typer(incidents, name="incidents")

    @incidents.command("list")
    def list_cmd(
        since: Annotated[
            str | None, typer.Option("--since", help="Events on or after YYYY-MM-DD.")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    ) -> None:
        """List stored incidents, one per event, newest first."""
        try:
            day = date.fromisoformat(since) if since else None
        except ValueError:
            raise typer.BadParameter(f"--since: expected YYYY-MM-DD, got {since!r}") from None
        store = _store()
        rows = store.list_events(day)
        sources = store.sources([r.id for r in rows])
        events = [event_contract(r, sources[r.id]) for r in rows]
        if as_json:
            typer.echo(terminal_safe(json.dumps(events, ensure_ascii=False, indent=2)))
            return
        if events:
            print_table(events_table(events))
        typer.echo(f"{len(events)} incident(s)", err=True)

    @incidents.command("show")
    def show_cmd(
        event_id: Annotated[int, typer.Argument(help="Incident id from `incidents list`.")],
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """One incident with its reports and why they were merged."""
        store = _store()
        row = store.get_event(event_id)
        if row is None:
            typer.echo(f"no such incident: {event_id}", err=True)
            raise typer.Exit(1)
        if row.status != "active":
            typer.echo(f"incident {event_id} is {row.status} (into {row.merged_into})", err=True)
        reports = store.reports_of(event_id)
        event = event_contract(row, store.sources([event_id])[event_id])
        if as_json:
            event["reports"] = [
                {"url": item.url, "title": item.title, "source": outlet, **inc.to_contract()}
                for inc, item, outlet in reports
            ]
            event["merge_reasons"] = row.merge_reasons
            typer.echo(terminal_safe(json.dumps(event, ensure_ascii=False, indent=2)))
            return
        typer.echo(terminal_safe(_describe(event, reports, row)))

    @app.command("eval-merge")
    def eval_merge_cmd(
        path: Annotated[Path, typer.Argument(help="Labelled report groups, JSONL.")],
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    ) -> None:
        """Pairwise precision and recall of merging reports into incidents."""
        from tracker.commands.classify import build_classifier

        scores, mistakes = evaluate_merge(read_groups(path), build_classifier().classify)
        if as_json:
            typer.echo(json.dumps({**scores.to_dict(), "mistakes": mistakes}))
            return
        typer.echo(
            f"pairs: {scores.true_pairs} true, {scores.predicted_pairs} merged, "
            f"{scores.correct_pairs} correct\nprecision {scores.precision:.3f}  "
            f"recall {scores.recall:.3f}"
        )
        for mistake in mistakes:
            typer.echo(f"  {mistake}")
