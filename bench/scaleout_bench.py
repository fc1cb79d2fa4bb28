"""Scale-out on PostgreSQL (issue 20): two `tracker run` instances share 10,000 local feeds.

Set-up: a fresh PostgreSQL database; 10,000 feeds of 5 entries served from 127.0.0.1 with
validators. The feeds are written to the database as a first round leaves them (their ETag
stored), so what is measured is the steady state.
Then two `tracker run` instances (classifier on, fake Bot API on 127.0.0.1) poll the feeds
every `--interval` seconds (one round). Answers are 304-heavy: every feed answers 304 to its
validators, except `--new-per-round` feeds a round that publish one new violation report
(a shelling a week after the previous one: each its own event, one alert).

Measured, from the feed server's own record and the fake Bot API's:
- fetches per feed per round (1.0 when each feed is fetched once per round and the
  instances keep up), fetches of one feed less than 10 s apart (one claim fetched twice),
  the gaps between two fetches of a feed, and how the feeds split between instances;
- alerts expected, delivered and sent twice;
- CPU seconds of both instances' process trees (parser workers included) per round, and of
  the PostgreSQL backends serving the bench's database. The share of the 2-core machine for
  a 5-minute round is CPU seconds per round / (300 s x cores): the work of a round (each
  feed fetched once) does not depend on how long the round is, so shortening the round for
  the bench changes the share by the ratio of round lengths, which the figure undoes;
- after `--kill-after` rounds one instance is SIGKILLed (its process group) and started
  again `--restart-after` seconds later: feeds it had claimed wait for their lease (one
  interval), so the cost is a delay; the bench reports the longest gap between two fetches of
  one feed around the kill, and whether any alert was lost or sent twice.

    uv run python -m bench.scaleout_bench [--feeds 10000] [--interval 120] [--rounds 5]

Writes bench/results/scaleout.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import psycopg

from bench.backlog_bench import fresh_story
from tests.support.fake_telegram import FakeTelegram
from tests.support.feedserver import FeedServer, Reply, Request, rss

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
TOKEN = "9:SCALE"
CHAT = 7070
STORY = re.compile(r"fresh-(\d+)")
TICKS = os.sysconf("SC_CLK_TCK")
DUPLICATE_SECONDS = 10


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def tree_cpu(root: int) -> float:
    """CPU seconds of `root`, its live descendants and the children they reaped."""
    from bench.rss import descendants

    total = 0.0
    for pid in descendants(root):
        fields = _stat(pid)
        if fields:  # utime, stime, cutime, cstime (fields 14-17; 12-15 after the name)
            total += sum(int(v) for v in fields[11:15]) / TICKS
    return total


def backend_cpu(db: str) -> float:
    """CPU seconds of the live PostgreSQL backends connected to `db`."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if cmd.startswith(b"postgres: ") and f" {db} ".encode() in cmd:
            fields = _stat(int(entry))
            if fields:
                total += sum(int(v) for v in fields[11:13]) / TICKS
    return total


class Feeds:
    """10,000 feeds: 304 to their validators unless they published something new."""

    def __init__(self, count: int) -> None:
        self.server = FeedServer().start()
        self.fetches: dict[int, list[tuple[float, str]]] = defaultdict(list)
        self.version = [0] * count
        self.news: dict[int, list[dict[str, str]]] = defaultdict(list)
        self.lock = threading.Lock()
        self.urls = [self.server.route(f"/f/{i}", self._handler(i)) for i in range(count)]

    def _body(self, i: int) -> bytes:
        base = [{"title": f"Feed {i} note {j}", "guid": f"{i}-{j}",
                 "link": f"http://site{i % 97}.example/{i}/{j}",
                 "description": f"A quiet note {j} of feed {i} about the weather in Idlib.",
                 "pubDate": "Mon, 07 Jan 2019 09:00:00 +0000"} for j in range(5)]
        return rss(self.news[i] + base)

    def _handler(self, i: int) -> Any:
        def handler(req: Request) -> Reply:
            with self.lock:
                self.fetches[i].append((time.monotonic(), req.headers.get("user-agent", "")))
                tag = f'"{i}-{self.version[i]}"'
                if req.headers.get("if-none-match") == tag:
                    return Reply(304, b"", {"ETag": tag})
                body = self._body(i)
            return Reply(200, body, {"Content-Type": "application/rss+xml", "ETag": tag})

        return handler

    def publish(self, i: int, story: dict[str, str]) -> None:
        with self.lock:
            self.news[i].insert(0, story)
            self.version[i] += 1


class Instance:
    def __init__(self, name: str, config: Path, workdir: Path) -> None:
        self.name, self.config, self.workdir = name, config, workdir
        self.proc: subprocess.Popen[bytes] | None = None
        self.cpu_done = 0.0  # CPU of earlier (killed) runs

    def start(self) -> None:
        env = {**os.environ, "TRACKER_CONFIG": str(self.config),
               "TRACKER_POLLING__USER_AGENT": f"tracker-{self.name}"}
        with (self.workdir / f"{self.name}.log").open("ab") as out:
            self.proc = subprocess.Popen([str(Path(sys.executable).with_name("tracker")), "run"],
                                         env=env, cwd=self.workdir, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def cpu(self) -> float:
        live = tree_cpu(self.proc.pid) if self.proc and self.proc.poll() is None else 0.0
        return self.cpu_done + live

    def kill(self) -> None:
        assert self.proc is not None
        self.cpu_done += tree_cpu(self.proc.pid)
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def config_text(url: str, fake: FakeTelegram, feeds: list[str], interval: int,
                classifier: bool) -> str:
    listed = "".join(f'[[feeds]]\nurl = "{u}"\n' for u in feeds)
    return (
        f'[database]\nurl = "{url}"\n'
        f"[polling]\ninterval_seconds = {interval}\ntick_seconds = 5\ntimeout_seconds = 30\n"
        "max_concurrency = 20\nmax_per_host = 20\nfetch_articles = false\n"
        'allowed_networks = ["127.0.0.1/32"]\n'
        f"[classifier]\nenabled = {str(classifier).lower()}\n"
        "[web]\nenabled = false\n"
        "[alerts]\nbacklog_hours = 0\n"  # the reports are dated 2021-2022
        f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{fake.base_url}"\ncommands = false\n'
        f'[[alerts.destinations]]\nname = "bench"\nchannel = "telegram"\naddress = "{CHAT}"\n'
        + listed
    )


def seed(url: str, urls: list[str]) -> None:
    """The feeds as a first round leaves them (their validators stored), written directly:
    the steady state is what is measured, and a first round of 10,000 feeds on this machine
    takes minutes. Due at once when the instances start."""
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from tracker.adapters.storage import db as storage
    from tracker.adapters.storage.models import Feed

    engine = storage.create_db_engine(url)
    storage.upgrade(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(Feed), [
            {"url": u, "name": None, "enabled": True, "next_check_at": now, "created_at": now,
             "etag": f'"{i}-0"', "last_status": 200, "last_success_at": now}
            for i, u in enumerate(urls)
        ])
    engine.dispose()


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    db = "tracker_scale_" + uuid.uuid4().hex[:8]
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
    fake = FakeTelegram(TOKEN).start()
    feeds = Feeds(args.feeds)
    t0 = time.monotonic()
    seed(url, feeds.urls)
    log(f"seeded {args.feeds} feeds (validators stored, as after a first round) in "
        f"{time.monotonic() - t0:.0f} s")
    feeds.fetches.clear()
    cfg = workdir / "run.toml"
    cfg.write_text(config_text(url, fake, feeds.urls, args.interval, classifier=True))
    instances = [Instance("a", cfg, workdir), Instance("b", cfg, workdir)]
    for inst in instances:
        inst.start()
    started = time.monotonic()
    published = 0
    rounds: list[dict[str, Any]] = []
    killed_at = None
    cpu0 = pg0 = 0.0
    try:
        for r in range(args.rounds):
            round_start = time.monotonic()
            for k in range(args.new_per_round):
                feeds.publish((published * 7919 + k) % args.feeds, fresh_story(published))
                published += 1
            if r == 1:  # the first round is the instances' start-up: measured from here
                cpu0 = sum(i.cpu() for i in instances)
                pg0 = backend_cpu(db)
                measure_start = time.monotonic()
            if r == args.kill_after:
                victim = instances[0]
                log(f"round {r}: SIGKILL instance {victim.name}")
                killed_at = time.monotonic()
                victim.kill()
                time.sleep(args.restart_after)
                victim.start()
            while time.monotonic() - round_start < args.interval:
                time.sleep(1)
            cpu = sum(i.cpu() for i in instances)
            rounds.append({"round": r, "cpu_seconds_so_far": round(cpu, 1),
                           "fetches": sum(len(v) for v in feeds.fetches.values()),
                           "alerts": len(fake.calls_to("sendMessage", ok=True)),
                           "load_average": os.getloadavg()[0]})
            log(json.dumps(rounds[-1]))
        measured = time.monotonic() - measure_start
        cpu_measured = sum(i.cpu() for i in instances) - cpu0
        pg_measured = backend_cpu(db) - pg0  # backends live across rounds (pooled)
        deadline = time.monotonic() + 3 * args.interval
        while time.monotonic() < deadline:
            got = {m.group(1) for c in fake.calls_to("sendMessage", ok=True)
                   if (m := STORY.search(str(c.params.get("text", ""))))}
            if len(got) >= published:
                break
            time.sleep(2)
    finally:
        for inst in instances:
            inst.stop()
        feeds.server.stop()
        fake.stop()
    texts = [str(c.params.get("text", "")) for c in fake.calls_to("sendMessage", ok=True)]
    per_story = Counter(m.group(1) for t in texts if (m := STORY.search(t)))
    duplicates = 0
    all_gaps: list[float] = []
    by_agent: Counter[str] = Counter()
    for hits in feeds.fetches.values():
        times = [t for t, _ in hits]
        by_agent.update(a.split("/")[0] for _, a in hits)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        # One claim fetched twice (two instances, or a tick over a pass) shows as two
        # fetches seconds apart; a feed fetched late in a slow pass and again on time shows
        # as a short gap too, so the bound is well under the interval.
        duplicates += sum(1 for gap in gaps if gap < DUPLICATE_SECONDS)
        all_gaps.extend(gaps)
    all_gaps.sort()
    in_window = sum(1 for hits in feeds.fetches.values() for t, _ in hits
                    if measure_start <= t <= measure_start + measured)
    per_round = cpu_measured / (measured / args.interval)
    out = {
        "feeds": args.feeds, "interval_seconds": args.interval, "rounds": args.rounds,
        "seconds_measured": round(measured, 1),
        "fetches": sum(len(v) for v in feeds.fetches.values()),
        "fetches_by_instance": dict(by_agent),
        "fetches_per_feed_per_round": round(in_window / (args.feeds * measured / args.interval),
                                            3),
        f"fetched_twice_within_{DUPLICATE_SECONDS}_seconds": duplicates,
        "feeds_never_fetched": sum(1 for i in range(args.feeds) if not feeds.fetches.get(i)),
        "gap_between_fetches_seconds": {
            "p1": round(all_gaps[len(all_gaps) // 100], 1) if all_gaps else None,
            "median": round(all_gaps[len(all_gaps) // 2], 1) if all_gaps else None,
            "max": round(all_gaps[-1], 1) if all_gaps else None,
        },
        "killed_instance_at_second": None if killed_at is None else round(killed_at - started),
        "alerts_expected": published,
        "alerts_delivered": len(per_story),
        "alerts_sent_twice": sum(n - 1 for n in per_story.values() if n > 1),
        "instances_cpu_seconds_per_round": round(per_round, 1),
        "postgres_cpu_seconds_per_round": round(pg_measured / (measured / args.interval), 1),
        "share_of_machine_5_minute_round_instances": round(per_round / (300 * os.cpu_count()), 3),
        "share_of_machine_5_minute_round_with_postgres": round(
            (per_round + pg_measured / (measured / args.interval)) / (300 * os.cpu_count()), 3),
        "share_of_machine_this_round": round(per_round / (args.interval * os.cpu_count()), 3),
        "round_log": rounds,
        "load_average_end": os.getloadavg(),
    }
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=10_000)
    ap.add_argument("--interval", type=int, default=120, help="seconds per round (>= 30)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--new-per-round", type=int, default=4)
    ap.add_argument("--kill-after", type=int, default=3, help="SIGKILL in this round")
    ap.add_argument("--restart-after", type=float, default=5.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = asyncio_free_run(args, Path(tmp))
    brief = {k: v for k, v in out.items() if k != "round_log"}
    print(json.dumps(brief, indent=2))
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "scaleout.json").write_text(json.dumps(out, indent=2) + "\n")


def asyncio_free_run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    try:
        return run(args, workdir)
    except Exception:
        for log_file in workdir.glob("*.log"):
            print(f"--- {log_file.name} (tail)\n" + log_file.read_text()[-3000:])
        raise


if __name__ == "__main__":
    main()
