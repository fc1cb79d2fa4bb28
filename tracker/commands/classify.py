"""`tracker classify` and `tracker eval`: the I/O edge of the classifier.

Reference data and the time zone database are loaded once per command; the pure core
(:mod:`tracker.core.classifier`) does the work.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tracker.core.incident import Incident, ItemInput

if TYPE_CHECKING:
    from tracker.core.classifier import Classifier


def build_classifier() -> Classifier:
    """The classifier over the shipped reference data, from the composition root (loaded
    once per command)."""
    from tracker.app import build_classifier as shipped_classifier

    classifier: Classifier = shipped_classifier()
    return classifier


def parse_published(value: str) -> datetime:
    """YYYY-MM-DD, YYYY-MM-DDTHH:MM or full ISO 8601; naive = local time at the place."""
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise typer.BadParameter(f"not a date or ISO datetime: {value!r}") from exc


def _read(path: str) -> str:
    """Text of PATH, or stdin for '-'."""
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc}") from exc


def item_from_object(obj: dict[str, Any], published: datetime | None) -> ItemInput:
    """An ItemInput from a JSON object (title, text, published, url, language)."""
    pub = published
    if pub is None:
        if not obj.get("published"):
            raise typer.BadParameter("the item has no 'published' and --published is not given")
        pub = parse_published(str(obj["published"]))
    return ItemInput(
        title=str(obj.get("title") or ""),
        text=str(obj.get("text") or ""),
        published=pub,
        url=obj.get("url"),
        language=obj.get("language"),
    )


def item_from_text(raw: str, title: str | None, published: datetime | None) -> ItemInput:
    """A JSON object item, or plain text whose first line is the title (unless given)."""
    stripped = raw.strip()
    if stripped.startswith("{"):
        try:
            obj = json.loads(stripped)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            item = item_from_object(obj, published)
            return item if title is None else ItemInput(title, item.text, item.published,
                                                         item.url, item.language)
    if title is None:
        first, _, rest = stripped.partition("\n")
        title, body = first.strip(), rest
    else:
        body = stripped
    if published is None:
        published = datetime.now(UTC)
        typer.echo("note: no --published given; using the current time", err=True)
    return ItemInput(title=title, text=body, published=published)


def explain(incidents: list[Incident]) -> str:
    """Readable account of each incident and its reasons."""
    if not incidents:
        return "No hostile act reported: no incidents."
    blocks: list[str] = []
    for n, inc in enumerate(incidents, 1):
        loc = inc.location
        where = f"{loc.name} ({loc.admin1}, precision {loc.precision})" if loc else "unknown place"
        verdict = "VIOLATION" if inc.violation else "not a violation"
        toll = "unknown" if inc.fatalities is None else str(inc.fatalities)
        lines = [
            f"Incident {n}: {verdict}",
            f"  what:  {inc.event_type} / {inc.sub_event_type}",
            f"  when:  {inc.date} (precision {inc.date_precision})",
            f"  where: {where}",
            f"  killed: {toll}; injured: "
            f"{'unknown' if inc.injured is None else inc.injured}",
            "  actors: " + (", ".join(f"{a.name} [{a.side}, {a.role or 'role unknown'}]"
                                       for a in inc.actors) or "none identified"),
            f"  agreements: {', '.join(inc.agreements) or 'none'}; zones: "
            f"{', '.join(inc.zones) or 'none'}",
            f"  severity: {inc.severity}; confidence: {inc.confidence}",
            "  reasons:",
            *[f"    - {r}" for r in inc.reasons],
            "  evidence:",
            *[f"    > {e}" for e in inc.evidence],
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _jsonl_objects(raw: str) -> Iterator[dict[str, Any]]:
    """JSON objects of a JSONL text, blank lines skipped."""
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise typer.BadParameter(f"line {n}: not JSON ({exc})") from exc
        if not isinstance(obj, dict):
            raise typer.BadParameter(f"line {n}: not a JSON object")
        yield obj


def behaviour_inputs(ref: Any) -> tuple[list[Any], list[Any], Any]:
    """The places, actors and zone test the behavioural suite is generated from.

    The reports are dated in 2023 (`behaviour.report_days`): places inside a zone of an
    agreement in force then that binds the government camp against the opposition camp (clear
    of the approximate edges), and actors in one of those two camps all along.
    """
    from tracker.core import behaviour
    from tracker.reference import shipped_places

    first, last = behaviour.report_days()

    def binds_the_camps(agreement: Any) -> bool:
        gov, opp = agreement.sides_of("", "government"), agreement.sides_of("", "opposition")
        return bool(gov) and bool(opp) and not gov & opp

    def inside(place: Any) -> bool:
        zones = [hit.zone_id for hit in ref.zones.zones_at(place.lat, place.lon)
                 if not hit.near_edge]
        return bool(zones) and all(
            any(binds_the_camps(a) for a in ref.agreements.in_force(zones, day))
            for day in (first, last))

    actors = [a for a in ref.actors.actors
              if a.camp_on(first) == a.camp_on(last) == a.side
              and a.side in ("government", "opposition")]
    return shipped_places(), actors, inside


def run_behaviour(count: int, seed: int) -> dict[str, Any]:
    """Generate the behavioural suite, classify every case and summarise the pass rates."""
    from tracker.core import behaviour

    clf = build_classifier()
    ref = clf.ref
    cases = behaviour.generate(*behaviour_inputs(ref), count, seed)
    started = time.perf_counter()
    results = []
    for case in cases:
        item = ItemInput(title="", text=case.text, published=case.published)
        results.append((case, behaviour.check(case, [i.to_dict() for i in clf.classify(item)])))
    summary = behaviour.summarise(results)
    summary["seed"] = seed
    summary["cases_per_second"] = round(len(cases) / (time.perf_counter() - started), 1)
    summary["arabic"] = _run_arabic_behaviour(clf, max(200, count // 4), seed)
    return summary


def _run_arabic_behaviour(clf: Any, count: int, seed: int) -> dict[str, Any]:
    """The Arabic templates (issue 17), from their own random stream so that the English
    cases of a seed stay the same; summarised apart with the same capabilities."""
    from tracker.core import behaviour
    from tracker.core.behaviour_ar import generate_arabic

    places, actors, inside = behaviour_inputs(clf.ref)
    usable = [p for p in places if p.precision == 1 and p.kind == "settlement"
              and p.country == "SY" and "(" not in p.name and inside(p)]
    cases = generate_arabic(usable, actors, count, seed)
    results = []
    for case in cases:
        item = ItemInput(title="", text=case.text, published=case.published)
        results.append((case, behaviour.check(case, [i.to_dict() for i in clf.classify(item)])))
    return behaviour.summarise(results)


def format_behaviour(summary: dict[str, Any]) -> str:
    """Pass rates per capability and test type, then the templates below 100%."""
    lines = [f"behavioural suite: {summary['cases']} cases (seed {summary['seed']}, "
             f"{summary['cases_per_second']} cases/s)", "", "capability/type   pass rate"]
    lines += [f"{k:<17} {v:.3f}" for k, v in summary["by_capability_and_type"].items()]
    weak = {k: v for k, v in summary["by_template"].items() if v < 1.0}
    if weak:
        lines += ["", "templates below 100%"]
        lines += [f"{k:<28} {v:.3f}" for k, v in sorted(weak.items(), key=lambda kv: kv[1])]
    arabic = summary.get("arabic")
    if arabic:
        lines += ["", f"Arabic templates: {arabic['cases']} cases", "capability/type   pass rate"]
        lines += [f"{k:<17} {v:.3f}" for k, v in arabic["by_capability_and_type"].items()]
        weak = {k: v for k, v in arabic["by_template"].items() if v < 1.0}
        if weak:
            lines += ["", "Arabic templates below 100%"]
            lines += [f"{k:<28} {v:.3f}" for k, v in sorted(weak.items(), key=lambda kv: kv[1])]
    return "\n".join(lines)


def _labelled_objects(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """The labelled cases of a JSONL file, or of every set a corpus manifest (.toml) names,
    with the name of the set each case comes from."""
    if path.suffix != ".toml":
        objs = list(_jsonl_objects(_read(str(path))))
        return [path.stem] * len(objs), objs
    import tomllib

    from tracker.core.evaluation import corpus_sets

    try:
        sets = corpus_sets(tomllib.loads(_read(str(path))))
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise typer.BadParameter(f"{path}: {exc}") from exc
    names: list[str] = []
    objs = []
    for entry in sets:
        found = list(_jsonl_objects(_read(str(path.parent / entry.path))))
        names += [entry.name] * len(found)
        objs += found
    return names, objs


def register(app: typer.Typer) -> None:
    """Add the `classify` and `eval` commands to the main app."""

    @app.command("classify")
    def classify_cmd(
        path: Annotated[str, typer.Argument(help="File to classify, or - for stdin.")],
        published: Annotated[str | None, typer.Option(
            help="Publication time, YYYY-MM-DD[THH:MM] (local Damascus time if no offset).")
        ] = None,
        title: Annotated[str | None, typer.Option(help="Title (else the first line).")] = None,
        explain_: Annotated[bool, typer.Option("--explain", help="Readable output.")] = False,
        jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON item per line.")] = False,
    ) -> None:
        """Classify a news item (plain text or JSON) and print its incidents."""
        raw = _read(path)
        pub = parse_published(published) if published else None
        clf = build_classifier()
        if jsonl:
            for obj in _jsonl_objects(raw):
                incidents = clf.classify(item_from_object(obj, pub))
                if explain_:
                    typer.echo(f"== {obj.get('id')}\n{explain(incidents)}\n")
                else:
                    typer.echo(json.dumps({"id": obj.get("id"),
                                           "incidents": [i.to_dict() for i in incidents]},
                                          ensure_ascii=False))
            return
        incidents = clf.classify(item_from_text(raw, title, pub))
        if explain_:
            typer.echo(explain(incidents))
        else:
            typer.echo(json.dumps({"incidents": [i.to_dict() for i in incidents]},
                                  ensure_ascii=False, indent=2))

    @app.command("eval")
    def eval_cmd(
        cases: Annotated[Path | None, typer.Argument(
            help="Labelled cases, JSONL, or a corpus manifest (.toml, e.g. eval/corpus.toml; "
                 "not needed with --behaviour).")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
        behaviour_: Annotated[bool, typer.Option(
            "--behaviour", help="Run the generated behavioural suite instead.")] = False,
        count: Annotated[int, typer.Option(
            help="Behavioural cases to generate.", min=1, max=100_000)] = 3200,
        seed: Annotated[int, typer.Option(help="Seed of the behavioural suite.")] = 20261206,
    ) -> None:
        """Score the classifier on labelled cases, or on the generated behavioural suite."""
        if behaviour_:
            summary = run_behaviour(count, seed)
            typer.echo(json.dumps(summary) if as_json else format_behaviour(summary))
            return
        if cases is None:
            raise typer.BadParameter("give a JSONL file of labelled cases, or --behaviour")
        from tracker.core.evaluation import format_table, score_case, side_finder, summarise
        from tracker.progress import progress_bar

        set_of, objs = _labelled_objects(cases)
        clf = build_classifier()
        items = [item_from_object(o, None) for o in objs]
        started = time.perf_counter()
        outputs = []
        with progress_bar("classifying cases") as report:
            for n, item in enumerate(items, 1):
                outputs.append([i.to_dict() for i in clf.classify(item)])
                report(n, len(items))
        elapsed = time.perf_counter() - started
        side_of = side_finder(clf.ref)
        scores = [score_case(str(o.get("id")), o.get("label") or {}, out, side_of)
                  for o, out in zip(objs, outputs, strict=True)]
        summary = summarise(scores, elapsed)
        if len(set(set_of)) > 1:  # a corpus: each set's figures too
            summary["sets"] = {name: summarise([s for s, n in zip(scores, set_of, strict=True)
                                                if n == name], 0.0)
                               for name in dict.fromkeys(set_of)}
        if as_json:
            typer.echo(json.dumps(summary))
        else:
            sets = summary.pop("sets", {})
            typer.echo(format_table(summary))
            for name, figures in sets.items():
                side = figures["attacker_side_correct"]
                typer.echo(f"{name}: n {figures['n']}, F1 {figures['violation_f1']:.3f}, "
                           f"attacker side {'n/a' if side is None else f'{side:.3f}'}")
