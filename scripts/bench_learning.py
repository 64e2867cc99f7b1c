#!/usr/bin/env python
"""Learned routing layer benchmark: load time, and time per matter with and without it.

    DEBUG=1 .venv/bin/python scripts/bench_learning.py QUERIES.jsonl [--limit N]

QUERIES.jsonl holds `{"query", "office"}` lines (a routing case file will do). Reports wall-clock
and CPU (process) time per matter for the document engine alone and for the combined router, so
that figures taken on a busy machine can be read against an idle one.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govoffice.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from routing import engine, learning  # noqa: E402
from routing.services import routing_snapshot  # noqa: E402


def timed(label, queries, route):
    wall, cpu = time.perf_counter(), time.process_time()
    for query in queries:
        route(query["query"], query.get("office"))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<34} {wall / len(queries) * 1000:6.3f} ms wall  {cpu / len(queries) * 1000:6.3f} ms CPU per matter")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("queries")
    parser.add_argument("--limit", type=int, default=0)
    options = parser.parse_args()
    with open(options.queries, encoding="utf-8") as handle:
        queries = [json.loads(line) for line in handle if line.strip()]
    if options.limit:
        queries = queries[: options.limit]
    started = time.perf_counter()
    snapshot = routing_snapshot()
    print(f"index and learned layer ready in {time.perf_counter() - started:.2f} s "
          f"({snapshot.learned.records if snapshot.learned else 0} records in the model); {len(queries)} matters")
    index, model = snapshot.index, snapshot.learned
    timed("document engine alone", queries, lambda text, office: engine.route(index, text, office=office))
    if model is not None:
        timed("documents + learned layer", queries,
              lambda text, office: learning.route(index, model, text, office=office))
        timed("documents + learned, all offices", queries[:1000],
              lambda text, office: learning.route(index, model, text, office=None))


if __name__ == "__main__":
    main()
