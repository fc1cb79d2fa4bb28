"""Fault-injection benchmark on PostgreSQL: two `tracker run` instances (subprocesses) while
violation reports flow from a local feed server to the fake Bot API on 127.0.0.1.

Faults, one after another (intervals shortened so the run takes about 10 minutes):

1. 100 random SIGKILLs: every 1-3 s one of the two instances (chosen at random) is killed
   and started again 0.3 s later, while stories are released into the feed.
2. A 60 s database outage while alerts are being sent: the database refuses connections
   (ALLOW_CONNECTIONS false) and every open connection is terminated the moment a
   sendMessage for a story of this phase reaches the fake Bot API; then it comes back.
3. A Bot API outage: every method answers 502 for 90 s. The retry schedule is the real one
   (exponential, base * 2^(n-1)) scaled by 1/20: retry_base_seconds 0.1 (2 s / 20),
   retry_max_seconds 30 (600 s / 20), so 90 s stand for a 30-minute outage. max_attempts
   is raised to 1000 (see the README: with the default 8 an alert is given up after about
   8.5 minutes of outage, by design of that setting).

Stories: 48 shellings, one a week apart (so each is its own event), at six Idlib towns, read
by the real classifier; two destinations (a private chat and a group, whose 20 messages a
minute limit applies). At the end it counts, from the fake Bot API's own record: alerts
expected (stories x destinations), delivered (distinct (chat, incident) messages), lost,
sent twice, and whether bot command polling answers a /help afterwards. Results are
printed and written to bench/results/faults.json.

    uv run python -m bench.fault_bench [--kills 100] [--db-outage 60] [--api-outage 90]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import psycopg

from tests.support.fake_telegram import FakeTelegram
from tests.support.feedserver import FeedServer, Reply, Request, rss

ROOT = Path(__file__).resolve().parents[1]

TOKEN = "7:FAULTS"
PRIVATE, GROUP, ASKER = 4242, -100777, 9001
ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
TOWNS = ["Kafranbel", "Saraqib", "Ariha", "Jisr al-Shughur", "Khan Shaykhun", "Maarrat al-Nu'man"]
FIRST_MONDAY = date(2019, 1, 7)
INCIDENT_REF = re.compile(r"incident <code>(\d+)</code>")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


TEMPLATES = [
    "Syrian government forces shelled the town of {town} in southern Idlib on Sunday, "
    "killing {k} civilians, the Syrian Observatory for Human Rights said.",
    "Government artillery pounded {town} in Idlib province on Sunday, killing {k} people "
    "including a child, local rescuers said.",
    "Regime forces fired rockets at residential areas of {town} on Sunday, leaving {k} "
    "civilians dead, according to the White Helmets.",
    "On Sunday, Syrian army shelling hit a market in {town}, Idlib, and killed {k} civilians, "
    "activists reported.",
    "{K} civilians were killed on Sunday when Syrian government troops shelled homes in {town} "
    "in the Idlib de-escalation zone, a monitor said.",
    "Syrian regime artillery struck the outskirts of {town} on Sunday, killing {k} farmers "
    "working in their fields, the Observatory reported.",
    "Shelling by Syrian government forces on {town} in rural Idlib killed {k} members of one "
    "family on Sunday, rescuers said.",
    "Syrian government forces launched a missile attack on {town} on Sunday, killing {k} "
    "displaced civilians sheltering in a school, witnesses said.",
]
COUNTS = ["two", "three", "four", "five", "six", "seven"]


def story(n: int) -> dict[str, str]:
    """A shelling reported on a Monday, dated the Sunday before (a week after the previous
    story's), told in words of its own: no two stories are one event or syndicated copies
    (two stories with one template differ in town and toll)."""
    town = TOWNS[(n // 8) % len(TOWNS)]
    count = COUNTS[(n // 8) % len(COUNTS)]
    text = TEMPLATES[n % len(TEMPLATES)].format(town=town, k=count, K=count.capitalize())
    monday = FIRST_MONDAY + timedelta(weeks=n)
    published = datetime(monday.year, monday.month, monday.day, 9, 0, tzinfo=UTC)
    return {
        "title": f"Shelling kills {count} in {town}",
        "guid": f"story-{n}",
        "link": f"http://news.example/story-{n}",
        "description": text,
        "pubDate": format_datetime(published),
    }


class Feed:
    """The feed: the stories released so far."""

    def __init__(self) -> None:
        self.released = 0
        self._lock = threading.Lock()

    def release(self, count: int) -> None:
        with self._lock:
            self.released = min(self.released + count, 48)

    def handler(self, _req: Request) -> Reply:
        with self._lock:
            items = [story(n) for n in range(self.released)]
        return Reply(200, rss(items), {"Content-Type": "application/rss+xml"})


class Instance:
    """One `tracker run` subprocess, killed and restarted at will."""

    def __init__(self, name: str, config: Path, workdir: Path) -> None:
        self.name = name
        self.config = config
        self.workdir = workdir
        self.log = workdir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        env = {**os.environ, "TRACKER_CONFIG": str(self.config)}
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tracker", "run"],
                env=env,
                cwd=self.workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return None
        return self.proc.returncode


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(path: Path, db_url: str, feed_url: str, fake: FakeTelegram) -> None:
    path.write_text(
        f'[database]\nurl = "{db_url}"\n'
        "[polling]\ntick_seconds = 1\ninterval_seconds = 30\ntimeout_seconds = 5\n"
        "fetch_articles = false\n"
        "[web]\nenabled = false\n"
        "[alerts]\nbacklog_hours = 0\n"  # the stories are from 2019
        f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{fake.base_url}"\n'
        "timeout_seconds = 2.0\nretry_base_seconds = 0.1\nretry_max_seconds = 30.0\n"
        "max_attempts = 1000\nlong_poll_seconds = 1\n"
        f'[[telegram.destinations]]\nchat_id = {PRIVATE}\nname = "private"\n'
        f'[[telegram.destinations]]\nchat_id = {GROUP}\nname = "group"\n'
        f'[[feeds]]\nurl = "{feed_url}"\nname = "Local"\n'
    )


def set_connections(db: str, allowed: bool) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (db,),
            )


def delivered(fake: FakeTelegram) -> Counter[tuple[int, int]]:
    """Messages per (chat, incident) that Telegram accepted."""
    counts: Counter[tuple[int, int]] = Counter()
    for call in fake.calls_to("sendMessage", ok=True):
        found = INCIDENT_REF.search(str(call.params.get("text", "")))
        if found:
            counts[(int(call.params["chat_id"]), int(found.group(1)))] += 1
    return counts


def wait_until(check: Any, seconds: float, step: float = 0.5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return bool(check())


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    rng = random.Random(args.seed)
    db = "tracker_faultbench_" + uuid.uuid4().hex[:8]
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    fake = FakeTelegram(TOKEN).start()
    feeds = FeedServer().start()
    feed = Feed()
    feed_url = feeds.route("/feed", feed.handler)
    config = workdir / "config.toml"
    write_config(config, f"postgresql+psycopg://postgres@127.0.0.1:5432/{db}", feed_url, fake)
    instances = [Instance("a", config, workdir), Instance("b", config, workdir)]
    started = time.monotonic()
    phases: dict[str, Any] = {}
    try:
        for inst in instances:  # both at once on a new database (concurrent migrations)
            inst.start()

        # 1. kills while stories flow
        log(f"phase 1: {args.kills} random SIGKILLs while 40 stories are released")
        kills = 0
        next_release = time.monotonic()
        while kills < args.kills:
            if time.monotonic() >= next_release and feed.released < 40:
                feed.release(1)
                next_release = time.monotonic() + 4.0
            time.sleep(rng.uniform(1.0, 3.0))
            victim = rng.choice(instances)
            victim.kill()
            kills += 1
            time.sleep(0.3)
            victim.start()
        feed.release(40 - feed.released)
        phases["kills"] = {"sigkills": kills, "seconds": round(time.monotonic() - started, 1)}
        log(f"phase 1 done: {kills} kills; waiting for the first 40 stories' alerts")
        wait_until(lambda: len(delivered(fake)) >= 80, 240)

        # 2. database outage while sending
        log(f"phase 2: {args.db_outage} s database outage while sending")
        outage = threading.Event()
        known = {inc for _chat, inc in delivered(fake)}

        def take_db_away(method: str, params: dict[str, Any]) -> None:
            if outage.is_set() or method != "sendMessage":
                return
            found = INCIDENT_REF.search(str(params.get("text", "")))
            if found and int(found.group(1)) not in known:
                outage.set()
                set_connections(db, False)

        fake.on_request = take_db_away
        feed.release(4)
        if not wait_until(outage.is_set, 120, 0.1):
            log("no new send seen; taking the database away anyway")
            outage.set()
            set_connections(db, False)
        fake.on_request = None
        out_at = time.monotonic()
        time.sleep(args.db_outage)
        set_connections(db, True)
        polls_after_db = len(fake.calls_to("getUpdates"))
        phases["db_outage"] = {"seconds": round(time.monotonic() - out_at, 1)}
        log("database back")
        wait_until(lambda: len(delivered(fake)) >= 88, 180)

        # 3. Bot API outage
        log(f"phase 3: {args.api_outage} s Bot API outage (502 everywhere)")
        for method in (
            "sendMessage",
            "editMessageText",
            "getUpdates",
            "getMe",
            "answerCallbackQuery",
            "setMyCommands",
            "deleteWebhook",
        ):
            fake.fail(method, "bad_gateway", times=None)
        feed.release(4)
        time.sleep(args.api_outage)
        fake.clear_failures()
        phases["api_outage"] = {"seconds": args.api_outage}
        log("Bot API back; waiting for every alert")
        expected = 48 * 2
        wait_until(lambda: len(delivered(fake)) >= expected, args.drain)

        # command polling afterwards
        getupdates_after_db = len(fake.calls_to("getUpdates")) > polls_after_db
        fake.push_command(ASKER, "/help")
        answered = wait_until(lambda: bool(fake.sent_to(ASKER)), 120)
        time.sleep(5)  # let a late duplicate show up
        counts = delivered(fake)
        with psycopg.connect(ADMIN.replace("dbname=postgres", f"dbname={db}")) as conn:
            rows: dict[str, int] = dict(
                conn.execute("SELECT status, count(*) FROM alert_outbox GROUP BY status").fetchall()
            )
            events = conn.execute("SELECT count(*) FROM events").fetchone()
        codes = [inst.stop() for inst in instances]
        results = {
            "stories": 48,
            "destinations": 2,
            "events_created": int(events[0]) if events else None,
            "outbox_rows": {str(k): int(v) for k, v in rows.items()},
            "alerts_expected": expected,
            "alerts_delivered": len(counts),
            "alerts_lost": expected - len(counts),
            "alerts_sent_twice": sum(1 for n in counts.values() if n > 1),
            "extra_messages": sum(n - 1 for n in counts.values() if n > 1),
            "command_polling_alive_afterwards": answered,
            "getupdates_called_after_db_outage": getupdates_after_db,
            "sigkills": phases["kills"]["sigkills"],
            "instance_starts": sum(inst.starts for inst in instances),
            "exit_codes_on_sigterm": codes,
            "phases": phases,
            "wall_seconds": round(time.monotonic() - started, 1),
        }
        return results
    finally:
        for inst in instances:
            inst.kill()
        fake.stop()
        feeds.stop()
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--db-outage", type=float, default=60.0)
    parser.add_argument("--api-outage", type=float, default=90.0)
    parser.add_argument("--drain", type=float, default=300.0, help="max wait for the last alerts")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep-logs", type=Path, help="copy the instances' logs here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = run(args, Path(tmp))
        if args.keep_logs:
            args.keep_logs.mkdir(parents=True, exist_ok=True)
            for name in ("a.log", "b.log"):
                (args.keep_logs / name).write_bytes((Path(tmp) / name).read_bytes())
    print(json.dumps(results, indent=2))
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / "faults.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
