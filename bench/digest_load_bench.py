"""Digest load benchmark: the issue-13 probe replayed against a real uvicorn server on
127.0.0.1. 300 HTML digests (300 different days, so the cache cannot help) asked 50 at a
time, then 300 requests for the 50 latest of those days (the cache keeps 64 digests, so
these are served from it), while /healthz is probed every 50 ms.

Prints the slowest /healthz answer, the process's peak RSS before and after, and the time
taken, and writes bench/results/digest_load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import socket
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import uvicorn

from tests.support import digest_data as data
from tracker.app import App
from tracker.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _round(base: str, days: list[str], batch: int) -> dict[str, float]:
    latencies: list[float] = []
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        done = asyncio.Event()

        async def probe() -> None:
            while not done.is_set():
                t = time.monotonic()
                (await client.get("/healthz")).raise_for_status()
                latencies.append(time.monotonic() - t)
                await asyncio.sleep(0.05)

        prober = asyncio.create_task(probe())
        for i in range(0, len(days), batch):
            answers = await asyncio.gather(
                *(client.get(f"/digests/{d}") for d in days[i : i + batch])
            )
            assert all(r.status_code == 200 for r in answers)
        done.set()
        await prober
    return {
        "seconds": round(time.monotonic() - started, 1),
        "healthz_max_s": round(max(latencies), 3),
        "healthz_p99_s": round(sorted(latencies)[int(len(latencies) * 0.99)], 3),
        "healthz_probes": len(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--digests", type=int, default=300)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database={"url": f"sqlite:///{tmp}/bench.db"},
            web={"enabled": False, "digest_concurrency": args.concurrency},
            classifier={"enabled": False},
            feeds=[],
        )
        app = App(settings)
        data.fill(app.engine)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        web = app.web_app(digest_concurrency=args.concurrency)
        server = uvicorn.Server(
            uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        days = [(data.DAY - timedelta(days=k)).isoformat() for k in range(args.digests)]
        rss_before = _rss_mb()
        cold = asyncio.run(_round(base, days, args.batch))
        rss_cold = _rss_mb()
        recent = days[: min(50, len(days))]
        warm = asyncio.run(_round(base, (recent * args.digests)[: args.digests], args.batch))
        server.should_exit = True
        thread.join(timeout=15)
        result = {
            "digests": args.digests,
            "batch": args.batch,
            "digest_concurrency": args.concurrency,
            "cold": cold,
            "warm_from_cache": warm,
            "rss_mb_before": round(rss_before, 1),
            "rss_mb_after_cold": round(rss_cold, 1),
            "rss_mb_end": round(_rss_mb(), 1),
            "peak_rss_mb": round(_peak_mb(), 1),
        }
        asyncio.run(app.aclose())
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "digest_load.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
