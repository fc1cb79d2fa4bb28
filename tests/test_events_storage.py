"""Stored events on SQLite and PostgreSQL: order independence, splits, the classification
hook and the `tracker incidents` commands."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.support.db_reads import count_active_events, incidents_of_item
from tracker.adapters.storage import db
from tracker.adapters.storage.events import EventStore
from tracker.adapters.storage.feeds import FeedSpec, FeedStore
from tracker.core.feeds import NewItem
from tracker.core.incident import ActorRole, Incident, ItemInput, Location
from tracker.services.classification import ClassificationService
from tracker.services.events import EventService

NOW = datetime(2021, 6, 8, 12, 0, tzinfo=UTC)
GOV = ActorRole("Syrian government forces", "government", "attacker")
HTS = ActorRole("Hayat Tahrir al-Sham", "opposition", "attacker")
ARIHA = Location("Ariha", "Idlib", 35.8126, 36.6106, 1)
SARAQIB = Location("Saraqib", "Idlib", 35.8647, 36.8063, 1)


def incident(
    *,
    day: str = "2021-06-07",
    precision: int = 1,
    place: Location | None = ARIHA,
    sub: str = "Shelling/artillery/missile attack",
    actors: tuple[ActorRole, ...] = (GOV,),
    killed: int | None = 4,
    evidence: str = "Government guns shelled Ariha.",
) -> Incident:
    return Incident(
        violation=True,
        event_type="Explosions/Remote violence",
        sub_event_type=sub,
        date=date.fromisoformat(day),
        date_precision=precision,
        location=place,
        fatalities=killed,
        fatalities_low=killed,
        fatalities_high=killed,
        injured=None,
        actors=actors,
        confidence=0.5,
        reasons=("hostile act",),
        evidence=(evidence,),
    )


# url -> what the (fake) classifier reads from that item
ARTICLES: dict[str, list[Incident]] = {
    "https://wire.example/ariha": [incident(evidence="Shells hit Ariha killing four.")],
    "https://regional.example/ariha": [incident(killed=5, evidence="Regime shells: five dead.")],
    "https://monitor.example/ariha": [
        incident(precision=2, day="2021-06-08", killed=4, evidence="Four killed, monitor says.")
    ],
    "https://copy.example/ariha": [incident(evidence="Shells hit Ariha killing four.")],
    "https://wire.example/ariha-next-day": [
        incident(day="2021-06-08", killed=1, evidence="Ariha shelled again on Tuesday.")
    ],
    "https://wire.example/saraqib": [incident(place=SARAQIB, evidence="Saraqib shelled.")],
    "https://wire.example/two-acts": [
        incident(evidence="Ariha was shelled."),
        incident(sub="Air/drone strike", evidence="Jets also struck Ariha."),
    ],
}
SAME_TEXT = {"https://copy.example/ariha": "https://wire.example/ariha"}


class FakeClassifier:
    def classify(self, item: ItemInput) -> Sequence[Incident]:
        return ARTICLES.get(item.url or "", [])


def new_item(url: str) -> NewItem:
    body_of = SAME_TEXT.get(url, url)
    return NewItem(
        entry_key=url,
        guid=url,
        url=url,
        title=f"title of {body_of}",
        summary=f"text of {body_of}",
        text=f"text of {body_of}",
        content_hash=hashlib.sha256(body_of.encode()).hexdigest(),
        language="en",
        published_at=NOW,
        published_source="published",
        first_seen_at=NOW,
        alert_eligible=True,
    )


class Tracker:
    """Storage, classification with the events hook, and the event store, on one engine."""

    def __init__(self, engine: Engine, hook: bool = True) -> None:
        self.repo = FeedStore(engine)
        self.events = EventStore(engine)
        self.service = EventService(self.events, lambda: NOW)
        self.classification = ClassificationService(self.repo, FakeClassifier, lambda: NOW)
        if hook:  # as tracker.app wires it: events recomputed in the classification transaction
            self.repo.classification_hooks.append(self.events.recompute_in)
        self.repo.sync_feeds([FeedSpec("https://feed.example/rss", "feed")], NOW)
        feed_id = self.repo.list_feeds()[0].id
        assert feed_id is not None
        self.feed_id = feed_id

    def arrive(self, *urls: str) -> list[int]:
        ids = self.repo.store_items(self.feed_id, [new_item(u) for u in urls])
        self.classification.classify_ids(ids)
        return ids

    def snapshot(self) -> set[tuple[frozenset[str], int | None, int, str]]:
        """Events as (report URLs, toll, source count, place): what must not depend on order."""
        rows = self.events.list_events()
        sources = self.events.sources([r.id for r in rows if r.id is not None])
        return {
            (frozenset(sources[r.id]), r.fatalities, r.source_count, r.place_name or "")
            for r in rows
            if r.id is not None
        }


def _engine(url: str) -> Iterator[Engine]:
    engine = db.create_db_engine(url)
    db.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'events.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    yield from _engine(db_url)


URLS = [
    "https://wire.example/ariha",
    "https://regional.example/ariha",
    "https://monitor.example/ariha",
    "https://copy.example/ariha",
    "https://wire.example/ariha-next-day",
    "https://wire.example/saraqib",
]
EXPECTED = {
    (
        frozenset(
            {
                "https://wire.example/ariha",
                "https://regional.example/ariha",
                "https://monitor.example/ariha",
                "https://copy.example/ariha",
            }
        ),
        4,
        3,
        "Ariha",
    ),
    (frozenset({"https://wire.example/ariha-next-day"}), 1, 1, "Ariha"),
    (frozenset({"https://wire.example/saraqib"}), 4, 1, "Saraqib"),
}


def test_reports_of_one_event_become_one_stored_event(engine: Engine) -> None:
    tracker = Tracker(engine)
    tracker.arrive(*URLS)
    assert tracker.snapshot() == EXPECTED
    assert count_active_events(tracker.repo.engine) == 3


ORDERS = [
    list(URLS),
    list(reversed(URLS)),
    [URLS[4], URLS[2], URLS[0], URLS[5], URLS[3], URLS[1]],
    [URLS[2], URLS[4], URLS[1], URLS[3], URLS[5], URLS[0]],
]


@pytest.mark.parametrize("order", ORDERS, ids=[f"order{i}" for i in range(len(ORDERS))])
def test_arrival_order_one_at_a_time_gives_the_same_events(
    engine: Engine, order: list[str]
) -> None:
    tracker = Tracker(engine)
    for url in order:
        tracker.arrive(url)
    assert tracker.snapshot() == EXPECTED


def test_a_later_report_splits_a_wrong_merge(engine: Engine) -> None:
    tracker = Tracker(engine)
    vague = "https://vague.example/ariha"
    rebels = "https://rebels.example/ariha"
    army = "https://army.example/ariha"
    ARTICLES[vague] = [incident(actors=(), precision=2, evidence="Army guns shelled Ariha")]
    ARTICLES[rebels] = [incident(actors=(HTS,), evidence="Rebel rockets fell on Ariha")]
    ARTICLES[army] = [incident(evidence="Army guns shelled Ariha at dawn")]
    try:
        tracker.arrive(vague, rebels)
        (first,) = tracker.events.list_events()
        assert first.report_count == 2  # attacker unknown in one report: merged for now
        tracker.arrive(army)
        active = tracker.events.list_events()
        assert len(active) == 2
        assert [e.split_from for e in active].count(first.id) == 1
        assert first.id is not None
        kept = tracker.events.get_event(first.id)
        assert kept is not None and kept.revision == 2
        groups = {frozenset(tracker.events.sources([e.id])[e.id]) for e in active if e.id}
        assert groups == {frozenset({vague, army}), frozenset({rebels})}
    finally:
        for url in (vague, rebels, army):
            ARTICLES.pop(url)


def test_reclassified_item_moves_and_the_empty_event_is_retired(engine: Engine) -> None:
    tracker = Tracker(engine)
    (item_id,) = tracker.arrive("https://wire.example/saraqib")
    tracker.arrive("https://wire.example/ariha")
    before = {e.id for e in tracker.events.list_events()}
    assert len(before) == 2
    moved = [
        replace(
            ARTICLES["https://wire.example/saraqib"][0],
            location=ARIHA,
            evidence=("Shells hit Ariha killing four.",),
        )
    ]
    original = ARTICLES["https://wire.example/saraqib"]
    ARTICLES["https://wire.example/saraqib"] = moved
    try:
        tracker.classification.classify_ids([item_id])
    finally:
        ARTICLES["https://wire.example/saraqib"] = original
    active = tracker.events.list_events()
    assert len(active) == 1 and active[0].report_count == 2
    (gone,) = before - {active[0].id}
    assert gone is not None
    retired = tracker.events.get_event(gone)
    assert retired is not None and retired.status == "merged"
    assert retired.merged_into == active[0].id and retired.report_count == 0


def test_two_acts_of_one_article_stay_two_events(engine: Engine) -> None:
    tracker = Tracker(engine)
    tracker.arrive("https://wire.example/two-acts")
    assert count_active_events(tracker.repo.engine) == 2


def test_catch_up_links_incidents_stored_without_the_hook(engine: Engine) -> None:
    tracker = Tracker(engine, hook=False)
    tracker.arrive(*URLS)
    assert count_active_events(tracker.repo.engine) == 0
    assert len(tracker.events.unlinked_item_ids()) == len(URLS)
    tracker.service.catch_up()
    assert tracker.snapshot() == EXPECTED
    assert tracker.events.unlinked_item_ids() == []


def test_a_failure_after_storing_rolls_the_whole_batch_back(engine: Engine) -> None:
    """Incidents, events and what the change hooks write (the alert outbox) commit together:
    a failure in between leaves the item unclassified, and the catch-up redoes all of it."""
    calls: list[tuple[list[int], list[int]]] = []

    def broken(session: Any, item_ids: Sequence[int], changes: Any, now: datetime) -> None:
        raise RuntimeError("boom")

    def record(session: Any, item_ids: Sequence[int], changes: Any, now: datetime) -> None:
        calls.append((list(item_ids), list(changes.created)))

    tracker = Tracker(engine)
    tracker.events.change_hooks.append(broken)
    ids = tracker.repo.store_items(tracker.feed_id, [new_item(URLS[0])])
    with pytest.raises(RuntimeError, match="boom"):
        tracker.classification.classify_ids(ids)
    assert incidents_of_item(tracker.repo.engine, ids[0]) == []
    assert count_active_events(tracker.repo.engine) == 0
    assert tracker.repo.unclassified_item_ids(10) == ids

    tracker.events.change_hooks[:] = [record]
    stats = tracker.classification.classify_pending()
    assert stats.items == 1 and stats.incidents == 1
    (event,) = tracker.events.list_events()
    assert calls == [(ids, [event.id])]
    assert tracker.events.unlinked_item_ids() == []


# -- the command line -----------------------------------------------------------------------

runner = CliRunner()
CONTRACT = [
    "violation", "event_type", "sub_event_type", "date", "date_precision", "location",
    "fatalities", "fatalities_low", "fatalities_high", "injured", "actors", "agreements",
    "zones", "severity", "confidence", "reasons", "evidence",
]  # fmt: skip


@pytest.fixture
def cli_config(tmp_path: Path) -> Iterator[Path]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for engine in _engine(url):
        Tracker(engine, hook=False).arrive(*URLS)  # the commands catch up themselves
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'feeds = []\n[database]\nurl = "{url}"\n')
    yield cfg


def _invoke(cfg: Path, *args: str) -> Any:
    from tracker.cli import app

    result = runner.invoke(app, ["--config", str(cfg), *args])
    assert result.exit_code == 0, result.output
    return result


def test_incidents_list_json_contract(cli_config: Path) -> None:
    events = json.loads(_invoke(cli_config, "incidents", "list", "--json").stdout)
    assert len(events) == 3
    for event in events:
        assert list(event)[:18] == ["id", *CONTRACT]
        assert event["source_count"] >= 1 and event["sources"]
    main = next(e for e in events if len(e["sources"]) == 4)
    assert main["source_count"] == 3 and main["fatalities"] == 4
    assert main["location"]["name"] == "Ariha" and main["date"] == "2021-06-07"
    later = json.loads(
        _invoke(cli_config, "incidents", "list", "--since", "2021-06-08", "--json").stdout
    )
    assert [e["date"] for e in later] == ["2021-06-08"]


def test_incidents_list_text_and_show(cli_config: Path) -> None:
    listing = _invoke(cli_config, "incidents", "list").stdout
    assert "VIOLATION" in listing and listing.count("Ariha") == 2
    events = json.loads(_invoke(cli_config, "incidents", "list", "--json").stdout)
    main = next(e for e in events if len(e["sources"]) == 4)
    shown = _invoke(cli_config, "incidents", "show", str(main["id"])).stdout
    assert "3 independent, 4 report(s)" in shown
    assert shown.count("same place Ariha") == 3
    detail = json.loads(_invoke(cli_config, "incidents", "show", str(main["id"]), "--json").stdout)
    assert len(detail["reports"]) == 4 and len(detail["merge_reasons"]) == 3
    from tracker.cli import app

    missing = runner.invoke(app, ["--config", str(cli_config), "incidents", "show", "999"])
    assert missing.exit_code == 1


def test_incidents_list_is_a_table_that_fits_the_terminal(cli_config: Path) -> None:
    from tracker.cli import app

    for width in (80, 60, 140):
        result = runner.invoke(
            app, ["--config", str(cli_config), "incidents", "list"], env={"COLUMNS": str(width)}
        )
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert lines[0].split() == ["ID", "Date", "Violation", "Type", "Place", "Killed", "Sources"]
        assert set(lines[1].strip()) == {"─"}
        assert max(len(line) for line in lines) <= width, result.stdout
        assert "killed" not in result.stdout  # the toll has a column, not a word per row
        assert "\x1b[" not in result.stdout  # no colour codes outside a terminal
    # Wide enough: the type is printed whole on its row, never cut.
    assert "Shelling/artillery/missile attack" in result.stdout
    assert result.stderr == "3 incident(s)\n"


def test_incidents_table_prints_feed_text_literally(capsys: pytest.CaptureFixture[str]) -> None:
    from tracker.commands.incidents import events_table, print_table

    event = {
        "id": 7,
        "date": None,
        "violation": False,
        "sub_event_type": "Armed clash",
        "location": {"name": "[bold]Kafr[/bold] Nabl"},
        "fatalities": None,
        "source_count": 1,
    }
    print_table(events_table([event]))
    row = capsys.readouterr().out.splitlines()[2].split()
    assert row == ["7", "?", "-", "Armed", "clash", "[bold]Kafr[/bold]", "Nabl", "?", "1"]


def test_eval_merge_command_reports_precision_and_recall() -> None:
    from tracker.cli import app

    data = Path(__file__).parent / "data" / "merge_groups.jsonl"
    result = runner.invoke(app, ["eval-merge", str(data), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["precision"] >= 0.9 and scores["recall"] >= 0.9
