"""Side by side with the `reader` library (issue 20) on the same feeds served from 127.0.0.1.

`reader` is not a dependency: install it in a separate environment and name its Python,

    uv venv /tmp/readerenv && uv pip install --python /tmp/readerenv/bin/python reader sgmllib3k
    uv run python -m bench.reader_bench --reader-python /tmp/readerenv/bin/python

Every pass is a whole process, timed from start to exit: `tracker poll` (this checkout's
console script, classifier off, and on) against a `reader` script calling
`update_feeds(workers=16)` (it stores but does not classify). tracker fetches 16 feeds at a
time too (`max_concurrency` = `max_per_host` = 16; every feed is on one host here). Feeds
are the poll bench's (20 entries each, stories syndicated four ways over 30 days).

Passes, each on its own database: `cold` (every item new) for `--feeds` sizes; on the largest
size then `warm` (every feed answers 304 to its validators) and `same` (200 with the same
body, no validators). Between tracker passes the feeds are made due again in the database.
Peak RSS is the largest sum of RSS over the process tree (parser workers included), sampled
every 0.2 s. Then `tracker version` and `tracker poll` with nothing due (medians of
`--repeat`). Medians of `--repeat` runs for the passes too (cold runs rebuild their
database). Prints a table and writes bench/results/reader.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.poll_bench import _feed
from bench.rss import TreeSampler
from tests.support.feedserver import FeedServer, Reply, Request

ROOT = Path(__file__).resolve().parents[1]
TRACKER = Path(sys.executable).with_name("tracker")

# `scheduled=False`: reader 3.x updates by default only feeds whose own update interval
# (an hour) has passed, so the warm and same-body passes right after the cold one fetched
# nothing at all (about 1 s whatever the feeds answered). Every feed is fetched here, as
# tracker fetches every feed made due.
READER_SCRIPT = """
import inspect, sys
from reader import make_reader
db, urls, workers = sys.argv[1], open(sys.argv[2]).read().split(), int(sys.argv[3])
r = make_reader(db)
for url in urls:
    r.add_feed(url, exist_ok=True)
every = {"scheduled": False} if "scheduled" in inspect.signature(r.update_feeds).parameters else {}
r.update_feeds(workers=workers, **every)
r.close()
"""


class Feeds:
    """The bench's feeds: `etag` mode answers 304 to a matching If-None-Match, `plain` mode
    always answers 200 with the same body and no validators."""

    def __init__(self, count: int) -> None:
        self.mode = "etag"
        self.server = FeedServer().start()
        self.urls = [self._route(i, count) for i in range(count)]

    def _route(self, i: int, count: int) -> str:
        body = _feed(i, 20, count)
        tag = f'"v{i}"'

        def handler(req: Request) -> Reply:
            if self.mode == "plain":
                return Reply(200, body, {"Content-Type": "application/rss+xml"})
            if req.headers.get("if-none-match") == tag:
                return Reply(304, b"", {"ETag": tag})
            return Reply(200, body, {"Content-Type": "application/rss+xml", "ETag": tag})

        return self.server.route(f"/feed/{count}/{i}", handler)


def timed(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall seconds and peak tree RSS of one process run to its end."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    sampler = TreeSampler(proc.pid).start()
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    sampler.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed: {err.decode()[-2000:]}")
    return {"seconds": wall, "peak_tree_mb": sampler.peak_tree}


class Tracker:
    def __init__(self, tmp: Path, classifier: bool) -> None:
        self.tmp, self.classifier = tmp, classifier

    def config(self, name: str, urls: list[str]) -> Path:
        path = self.tmp / f"{name}.toml"
        feeds = "".join(f'[[feeds]]\nurl = "{u}"\n' for u in urls)
        path.write_text(
            f'[database]\nurl = "sqlite:///{self.tmp}/{name}.db"\n'
            "[polling]\nmax_concurrency = 16\nmax_per_host = 16\nfetch_articles = false\n"
            'allowed_networks = ["127.0.0.1/32"]\ntimeout_seconds = 60\n'
            f"[classifier]\nenabled = {'true' if self.classifier else 'false'}\n"
            "[web]\nenabled = false\n" + feeds
        )
        return path

    def reset(self, name: str) -> None:
        (self.tmp / f"{name}.db").unlink(missing_ok=True)

    def make_due(self, name: str) -> None:
        engine = create_engine(f"sqlite:///{self.tmp}/{name}.db")
        with engine.begin() as conn:
            conn.execute(text("UPDATE feeds SET next_check_at = '2000-01-01 00:00:00'"))
        engine.dispose()

    def run(self, name: str, urls: list[str], *args: str) -> dict[str, float]:
        cfg = self.config(name, urls)
        return timed([str(TRACKER), "--config", str(cfg), *(args or ("poll",))],
                     {**os.environ, "TRACKER_LOGGING__LEVEL": "WARNING"})


class Reader:
    def __init__(self, tmp: Path, python: str, workers: int) -> None:
        self.tmp, self.python, self.workers = tmp, python, workers
        (tmp / "reader_bench.py").write_text(READER_SCRIPT)

    def reset(self, name: str) -> None:
        (self.tmp / f"{name}.reader.sqlite").unlink(missing_ok=True)

    def make_due(self, name: str) -> None:
        return None  # update_feeds updates every feed

    def run(self, name: str, urls: list[str]) -> dict[str, float]:
        listing = self.tmp / f"{name}.urls"
        listing.write_text("\n".join(urls))
        return timed([self.python, str(self.tmp / "reader_bench.py"),
                      str(self.tmp / f"{name}.reader.sqlite"), str(listing), str(self.workers)])


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(statistics.median(r[k] for r in runs), 2) for k in runs[0]}


def served(group: Feeds, tool: Any, name: str) -> dict[str, float]:
    """A run's figures with the number of feed requests it made (each pass must fetch every
    feed: a tool that skips feeds is not doing the pass)."""
    before = len(group.server.requests)
    result: dict[str, float] = tool.run(name, group.urls)
    result["requests"] = float(len(group.server.requests) - before)
    return result


def passes(tool: Any, feeds: dict[int, Feeds], sizes: list[int], repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for size in sizes:
        group = feeds[size]
        group.mode = "etag"
        runs = []
        for _ in range(repeat):
            tool.reset(f"n{size}")
            runs.append(served(group, tool, f"n{size}"))
        out[f"cold_{size}"] = median_of(runs)
        print(f"  {tool.__class__.__name__} cold {size}: {out[f'cold_{size}']}", flush=True)
    size = max(sizes)
    group = feeds[size]
    for mode, label in (("etag", "warm"), ("plain", "same")):
        group.mode = mode
        runs = []
        for _ in range(repeat):
            tool.make_due(f"n{size}")
            runs.append(served(group, tool, f"n{size}"))
        out[f"{label}_{size}"] = median_of(runs)
        print(f"  {tool.__class__.__name__} {label} {size}: {out[f'{label}_{size}']}", flush=True)
    group.mode = "etag"
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reader-python", default="/tmp/readerenv/bin/python")
    ap.add_argument("--feeds", type=int, nargs="+", default=[200, 1000])
    ap.add_argument("--classifier-feeds", type=int, nargs="+", default=[200, 1000],
                    help="cold sizes run with the classifier on (the largest gets warm/same)")
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sizes = sorted(set(args.feeds) | set(args.classifier_feeds))
    feeds = {n: Feeds(n) for n in sizes}
    results: dict[str, Any] = {"load_average_start": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        results["reader"] = passes(Reader(tmp, args.reader_python, args.workers), feeds,
                                   args.feeds, args.repeat)
        (tmp / "off").mkdir()
        (tmp / "on").mkdir()
        results["tracker_off"] = passes(Tracker(tmp / "off", False), feeds, args.feeds,
                                        args.repeat)
        results["tracker_on"] = passes(Tracker(tmp / "on", True), feeds,
                                       args.classifier_feeds, 1)
        quick = Tracker(tmp / "off", False)
        big = max(args.feeds)
        results["tracker_version"] = median_of(
            [timed([str(TRACKER), "version"]) for _ in range(max(5, args.repeat))])
        results["tracker_poll_nothing_due"] = median_of(
            [quick.run(f"n{big}", feeds[big].urls) for _ in range(max(5, args.repeat))])
    results["load_average_end"] = os.getloadavg()
    for group in feeds.values():
        group.server.stop()
    print(table(results))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "reader.json").write_text(json.dumps(results, indent=2) + "\n")


def table(r: dict[str, Any]) -> str:
    def cell(tool: str, key: str, field: str = "seconds") -> str:
        got = r.get(tool, {}).get(key)
        if got is None or field not in got:
            return "not run"
        if field == "requests":
            return f"{got[field]:,.0f}"
        return f"{got[field]:.2f} s" if field == "seconds" else f"{got[field]:.0f} MB"

    keys = sorted({k for t in ("reader", "tracker_off", "tracker_on") for k in r.get(t, {})},
                  key=lambda k: (["cold", "warm", "same"].index(k.split("_")[0]),
                                 int(k.split("_")[1])))
    names = {"cold": "cold", "warm": "warm (all 304)", "same": "same body again (200)"}
    lines = ["| pass | tracker, classifier on | tracker, classifier off | reader |",
             "|---|---|---|---|"]
    for key in keys:
        kind, size = key.split("_")
        lines.append(f"| {int(size):,} feeds, {names[kind]} | {cell('tracker_on', key)} | "
                     f"{cell('tracker_off', key)} | {cell('reader', key)} |")
    for key in keys:
        kind, size = key.split("_")
        lines.append(f"| peak RSS, tree, {int(size):,} feeds {names[kind]} | "
                     f"{cell('tracker_on', key, 'peak_tree_mb')} | "
                     f"{cell('tracker_off', key, 'peak_tree_mb')} | "
                     f"{cell('reader', key, 'peak_tree_mb')} |")
    for key in keys:
        kind, size = key.split("_")
        lines.append(f"| feed requests, {int(size):,} feeds {names[kind]} | "
                     f"{cell('tracker_on', key, 'requests')} | "
                     f"{cell('tracker_off', key, 'requests')} | "
                     f"{cell('reader', key, 'requests')} |")
    lines.append(f"\n`tracker version`: {r['tracker_version']['seconds']:.2f} s; "
                 f"`tracker poll` with nothing due: "
                 f"{r['tracker_poll_nothing_due']['seconds']:.2f} s (medians)")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
