"""Read API benchmark on PostgreSQL (127.0.0.1:5432): 100,000 events.

1. Fill a fresh database with 100,000 events (40% violations, 2 years of dates, 1% undated,
   1-3 reports each from 20 feeds), inserted in bulk straight into the tables.
2. Serve the real web app with uvicorn in a child process on 127.0.0.1.
3. `/api/v1/events?violations_only=true&limit=100`: 300 requests one after another (after 20
   warm-up ones), latency p50 and p99 as the client sees them; then the same following
   cursors (page 2, 3, ...).
4. `/api/v1/events?format=csv`: the full export of all active events streamed and counted
   by the client; wall time, rows, and the server's peak RSS growth (VmRSS sampled every
   5 ms from /proc, against its RSS just before the request). Then the same for JSON Lines
   and GeoJSON (`--also`).

Wall times on a shared machine include waiting for a core, so the server's own CPU time per
request (and for the export) and the load average are recorded next to them.

Writes bench/results/api.json. Usage: uv run python -m bench.api_bench [--events N]
[--database NAME] [--reuse] (--reuse: measure an already filled database again).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.support.many_events import insert_events
from tracker.app import open_engine
from tracker.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
DB_NAME = "tracker_api_bench"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB_NAME}"


def use_database(name: str) -> None:
    """Bench in database `name` (dropped and created afresh): one per person on a shared
    server, so that two runs do not drop each other's tables."""
    global DB_NAME, URL
    DB_NAME = name
    URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


PLACES = [
    ("Sarmin", "Idlib", 35.9, 36.72),
    ("Ariha", "Idlib", 35.81, 36.61),
    ("Kabani", "Latakia", 35.77, 36.25),
    ("Kafr Nabl", "Idlib", 35.61, 36.56),
    ("Atarib", "Aleppo", 36.14, 36.83),
    ("Jisr al-Shughur", "Idlib", 35.81, 36.32),
]
ACTORS = [
    {"name": "Syrian government forces", "side": "government", "role": "attacker"},
    {"name": "Russian forces", "side": "government", "role": "attacker"},
    {"name": "Hayat Tahrir al-Sham", "side": "opposition", "role": "attacker"},
    {"name": "Civilians", "side": "civilian", "role": "target"},
]
SEVERITIES = ["low", "medium", "high", "critical"]


def fresh_database() -> None:
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def fill(n_events: int, seed: int = 7) -> dict[str, float]:
    """Insert the events, their items and incidents in batches; returns timings."""
    rng = random.Random(seed)
    engine = open_engine(Settings(database={"url": URL}, feeds=[]))
    start_day = date(2023, 1, 1)
    t0 = datetime(2023, 1, 1, tzinfo=UTC)
    started = time.perf_counter()

    def rows() -> Iterator[tuple[dict[str, Any], int, datetime]]:
        for n in range(n_events):
            place, admin1, lat, lon = rng.choice(PLACES)
            day = start_day + timedelta(days=rng.randrange(730)) if rng.random() > 0.01 else None
            seen = t0 + timedelta(minutes=n * 10)
            violation = rng.random() < 0.4
            reports = rng.randint(1, 3)
            values = {
                "violation": violation,
                "event_type": "Explosions/Remote violence",
                "sub_event_type": "Shelling/artillery/missile attack",
                "event_date": day,
                "place_name": place,
                "admin1": admin1,
                "lat": lat + rng.uniform(-0.01, 0.01),
                "lon": lon + rng.uniform(-0.01, 0.01),
                "location_precision": 1,
                "fatalities": rng.choice([None, 0, 1, 2, 3, 5]),
                "actors": [rng.choice(ACTORS[:3]), ACTORS[3]],
                "agreements": ["sochi-2018", "moscow-2020"] if violation else [],
                "zones": ["idlib-deescalation"],
                "severity": rng.choice(SEVERITIES),
                "confidence": 0.7,
                "reasons": ["moscow-2020 art. 1: military actions stop"] if violation else [],
                "evidence": [f"Forces shelled {place}, event {n}."],
            }
            yield values, reports, seen

    item_id = insert_events(engine, rows(), feeds=20, t0=t0, batch=5000)
    with engine.begin() as conn:
        for table in ("events", "items", "incidents"):
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return {"fill_seconds": round(time.perf_counter() - started, 1), "items": item_id}


SERVER = """
import sys, uvicorn
from tracker.app import App
from tracker.settings import Settings
settings = Settings(database={"url": sys.argv[1]}, feeds=[], classifier={"enabled": False},
                    web={"public_url": "http://127.0.0.1"})
app = App(settings)
uvicorn.run(app.web_app(), host="127.0.0.1", port=int(sys.argv[2]),
            log_level="warning", access_log=False)
"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process: what a request cost it, whatever else runs on
    the machine (wall times on a shared machine include waiting for a core)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> float:
    return os.getloadavg()[0]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def start_server(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER, URL, str(port)], cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def latencies(client: httpx.Client, pid: int, path: str, n: int, follow: bool) -> dict[str, Any]:
    for _ in range(20):
        client.get(path).raise_for_status()
    cpu = cpu_seconds(pid)
    times: list[float] = []
    cursor = None
    for _ in range(n):
        url = path + (f"&cursor={cursor}" if follow and cursor else "")
        t = time.perf_counter()
        r = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        r.raise_for_status()
        body = r.json()
        assert len(body["events"]) == 100
        cursor = body["next_cursor"]
    return {
        "requests": n,
        "server_cpu_ms_per_request": round((cpu_seconds(pid) - cpu) / n * 1000, 1),
        "load_average": round(load_average(), 1),
        "p50_ms": round(statistics.median(times), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "max_ms": round(max(times), 1),
    }


# Line breaks that are not rows: the CSV header; the GeoJSON's first and last lines.
EXTRA_LINES = {"csv": 1, "jsonl": 0, "geojson": 2}


def export(client: httpx.Client, pid: int, fmt: str = "csv") -> dict[str, Any]:
    base = rss_kb(pid)
    cpu = cpu_seconds(pid)
    peak = [base]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_kb(pid))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    rows, size = 0, 0
    t = time.perf_counter()
    end = b"\r\n" if fmt == "csv" else b"\n"
    with client.stream("GET", f"/api/v1/events?format={fmt}") as r:
        r.raise_for_status()
        last = b""
        for chunk in r.iter_bytes():
            size += len(chunk)
            # a "\r\n" split across two chunks is one row end too
            rows += (last + chunk[:1]).count(end) if len(end) == 2 and last else 0
            rows += chunk.count(end)
            last = chunk[-1:]
    seconds = time.perf_counter() - t
    done.set()
    sampler.join()
    return {
        "rows": rows - EXTRA_LINES[fmt],
        "bytes": size,
        "seconds": round(seconds, 2),
        "server_cpu_seconds": round(cpu_seconds(pid) - cpu, 2),
        "load_average": round(load_average(), 1),
        "server_rss_before_mb": round(base / 1024, 1),
        "server_peak_rss_growth_mb": round((peak[0] - base) / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database", default=DB_NAME, help="dropped and created afresh")
    parser.add_argument("--reuse", action="store_true", help="keep a database filled before")
    parser.add_argument(
        "--also", nargs="*", default=["jsonl", "geojson"], choices=["jsonl", "geojson"],
        help="full exports measured after the CSV one",
    )
    args = parser.parse_args()
    use_database(args.database)
    results: dict[str, Any] = {"events": args.events}
    if not args.reuse:
        fresh_database()
        results.update(fill(args.events))
    print("filled:", json.dumps(results))
    proc = start_server(args.port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=120) as client:
            path = "/api/v1/events?violations_only=true&limit=100"
            results["violations_page_1"] = latencies(client, proc.pid, path, 300, follow=False)
            print("page 1:", json.dumps(results["violations_page_1"]))
            results["violations_following_cursors"] = latencies(
                client, proc.pid, path, 300, follow=True
            )
            print("cursors:", json.dumps(results["violations_following_cursors"]))
            results["csv_export"] = export(client, proc.pid, "csv")
            print("csv:", json.dumps(results["csv_export"]))
            for fmt in args.also:
                results[f"{fmt}_export"] = export(client, proc.pid, fmt)
                print(f"{fmt}:", json.dumps(results[f"{fmt}_export"]))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    results["cpu_count"] = os.cpu_count()
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "api.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
