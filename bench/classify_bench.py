"""Throughput of the classifier on a labelled set repeated to 10,000 items, one core.

Prints items/second, reference-data load time and peak RSS, and writes them to
bench/results/classify.json. Run: ``uv run python -m bench.classify_bench [N]``.

With ``--corpus eval/corpus.toml`` it reads the full-length development corpus (the sets the
manifest names, 150-500 words each) instead of the short eval set, holds it to the corpus
goal (500 reports/s) and writes bench/results/classify_corpus.json; its figures also give
the corpus's word counts.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
import tomllib
from pathlib import Path

from tracker.app import build_classifier
from tracker.commands.classify import item_from_object
from tracker.core.evaluation import corpus_sets, report_words

ROOT = Path(__file__).resolve().parents[1]

CASES = ROOT / "tests" / "data" / "eval_cases.jsonl"
OUT = ROOT / "bench" / "results" / "classify.json"
GOALS = {"items_per_second": 1000.0, "load_seconds": 1.0, "peak_rss_mb": 150.0}
CORPUS_GOALS = {"items_per_second": 500.0, "load_seconds": 1.0, "peak_rss_mb": 150.0}


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (ru_maxrss is KB on Linux)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def read_cases(corpus: Path | None) -> list[dict[str, object]]:
    """The eval set's cases, or those of every set of a corpus manifest."""
    files = [CASES]
    if corpus is not None:
        sets = corpus_sets(tomllib.loads(corpus.read_text(encoding="utf-8")))
        files = [corpus.parent / s.path for s in sets]
    return [json.loads(line) for f in files
            for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(n_items: int = 10_000, corpus: Path | None = None) -> dict[str, object]:
    """Run the benchmark and return the figures."""
    objs = read_cases(corpus)
    goals = GOALS if corpus is None else CORPUS_GOALS
    words = sorted(report_words(str(o.get("text") or "")) for o in objs)
    items = [item_from_object(o, None) for o in objs]
    started, cpu_started = time.perf_counter(), time.process_time()
    clf = build_classifier()
    load_seconds = time.perf_counter() - started
    load_cpu_seconds = time.process_time() - cpu_started
    stream = [items[i % len(items)] for i in range(n_items)]
    incidents = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for item in stream:
        incidents += len(clf.classify(item))
    elapsed = time.perf_counter() - started
    # CPU time of this (single-threaded) process: what one core does, however busy the
    # machine is; the wall-clock rate depends on the other jobs sharing the cores.
    cpu = time.process_time() - cpu_started
    result: dict[str, object] = {
        "cases": str(corpus.relative_to(ROOT) if corpus else CASES.relative_to(ROOT)),
        "items": n_items,
        "distinct_items": len(items),
        "words_min_median_max": [words[0], words[len(words) // 2], words[-1]],
        "incidents": incidents,
        "seconds": round(elapsed, 3),
        "items_per_second": round(n_items / elapsed, 1),
        "cpu_seconds": round(cpu, 3),
        "items_per_cpu_second": round(n_items / cpu, 1) if cpu > 0 else None,
        "load_seconds": round(load_seconds, 3),
        "load_cpu_seconds": round(load_cpu_seconds, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "goals": goals,
    }
    result["meets_goals"] = {
        "items_per_second": float(str(result["items_per_second"])) >= goals["items_per_second"],
        "load_seconds": load_seconds < goals["load_seconds"],
        "peak_rss_mb": float(str(result["peak_rss_mb"])) < goals["peak_rss_mb"],
    }
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000, help="items to classify")
    parser.add_argument("--corpus", type=Path, help="a corpus manifest (eval/corpus.toml)")
    args = parser.parse_args()
    corpus = args.corpus.resolve() if args.corpus else None
    figures = main(args.n, corpus)
    for key, value in figures.items():
        print(f"{key}: {value}")
    # eval/corpus.toml -> classify_corpus.json, eval/arabic.toml -> classify_arabic.json
    out = OUT if corpus is None else OUT.with_name(f"classify_{corpus.stem}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"written to {out.relative_to(ROOT)}")
