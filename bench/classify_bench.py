"""Throughput of the classifier on the labelled set repeated to 10,000 items, one core.

Prints items/second, reference-data load time and peak RSS, and writes them to
bench/results/classify.json. Run: ``uv run python -m bench.classify_bench [N]``.
"""

from __future__ import annotations

import json
import platform
import resource
import sys
import time
from pathlib import Path

from tracker.app import build_classifier
from tracker.commands.classify import item_from_object

ROOT = Path(__file__).resolve().parents[1]

CASES = ROOT / "tests" / "data" / "eval_cases.jsonl"
OUT = ROOT / "bench" / "results" / "classify.json"
GOALS = {"items_per_second": 1000.0, "load_seconds": 1.0, "peak_rss_mb": 150.0}


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (ru_maxrss is KB on Linux)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def main(n_items: int = 10_000) -> dict[str, object]:
    """Run the benchmark and return the figures."""
    objs = [
        json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    items = [item_from_object(o, None) for o in objs]
    started = time.perf_counter()
    clf = build_classifier()
    load_seconds = time.perf_counter() - started
    stream = [items[i % len(items)] for i in range(n_items)]
    incidents = 0
    started = time.perf_counter()
    for item in stream:
        incidents += len(clf.classify(item))
    elapsed = time.perf_counter() - started
    result: dict[str, object] = {
        "items": n_items,
        "distinct_items": len(items),
        "incidents": incidents,
        "seconds": round(elapsed, 3),
        "items_per_second": round(n_items / elapsed, 1),
        "load_seconds": round(load_seconds, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "goals": GOALS,
    }
    result["meets_goals"] = {
        "items_per_second": float(str(result["items_per_second"])) >= GOALS["items_per_second"],
        "load_seconds": load_seconds < GOALS["load_seconds"],
        "peak_rss_mb": float(str(result["peak_rss_mb"])) < GOALS["peak_rss_mb"],
    }
    return result


if __name__ == "__main__":
    figures = main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
    for key, value in figures.items():
        print(f"{key}: {value}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"written to {OUT.relative_to(ROOT)}")
