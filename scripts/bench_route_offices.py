#!/usr/bin/env python3
"""Time routing with no office (or within one), amortised, as `manage.py route --jsonl` does it.

Takes the queries of the routing case files without their office (2,000 of them: the distinct
queries, then pairs of them joined, so that the answer cache never helps), runs
`route --jsonl` once with one warm-up query (start-up: Django, the index, the learned layer,
the dictionaries) and once with it and all of them, three times each, and reports
(all - one) / 2,000 per matter from the medians, in wall-clock and CPU time. The database is
the one DATABASE_URL names, loaded (e.g. `import_org` of `make_scale_data.py 400`) and, for the
learned layer, trained (`train_router`).

    DATABASE_URL=sqlite:////tmp/scale400.sqlite3 .venv/bin/python scripts/bench_route_offices.py
    ... scripts/bench_route_offices.py --save answers.jsonl   # keep the answers to compare two versions
    ... scripts/bench_route_offices.py --queries messages.jsonl  # other matters, e.g. long real messages
    ... scripts/bench_route_offices.py --office                  # each matter within an office instead
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASE_FILES = [ROOT / "tests" / "data" / "routing_cases_heldout.jsonl", ROOT / "tests" / "data" / "routing_cases.jsonl"]
COUNT = 2000  # enough that a second's variation in process start-up is half a millisecond per 1,000
WARM_UP = "煤矿安全 goverment procurment"  # Chinese words and English typos: both dictionaries load


def queries(count=COUNT):
    found = []
    for path in CASE_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and (query := json.loads(line)["query"]) not in found:
                found.append(query)
    base, step, seen = list(found), 0, set(found)
    while len(found) < count:
        # Each round through the base pairs every query with another partner.
        joined = f"{base[step % len(base)]} {base[(step * 7 + 3 + step // len(base)) % len(base)]}"
        if joined not in seen:
            found.append(joined)
            seen.add(joined)
        step += 1
    return found[:count]


def run(lines, output):
    """(wall seconds, CPU seconds) of one `route --jsonl` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "route", "--jsonl"], cwd=ROOT, input="".join(lines),
                   stdout=output, check=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - started, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--save", help="write the answers here (JSON lines)")
    parser.add_argument("--count", type=int, default=COUNT, help=f"matters ({COUNT})")
    parser.add_argument("--runs", type=int, default=3, help="run each process this many times; medians (3)")
    parser.add_argument("--queries", help="a JSON-lines file of matters ({\"query\": ...}) instead of the case files")
    parser.add_argument("--office", action="store_true",
                        help="route each matter within an office (the offices in turn)")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        parser.error("set DATABASE_URL to the loaded database")
    found = read_queries(Path(args.queries)) if args.queries else queries(args.count)
    offices = office_slugs() if args.office else [None]
    lines = [json.dumps({"id": number, "query": query, "office": offices[number % len(offices)]},
                        ensure_ascii=False) + "\n" for number, query in enumerate(found)]
    # Both runs start with the same matter, which loads the Chinese and English dictionaries.
    warm = json.dumps({"id": "warm-up", "query": WARM_UP}, ensure_ascii=False) + "\n"
    ones, alls = [], []
    for _ in range(max(args.runs, 1)):
        with tempfile.TemporaryFile("w+") as scratch:
            ones.append(run([warm], scratch))
        with open(args.save or os.devnull, "w", encoding="utf-8") as output:
            alls.append(run([warm, *lines], output))
    (one_wall, one_cpu), (all_wall, all_cpu) = medians(ones), medians(alls)
    per = len(lines)
    print(f"start-up and one matter: {one_wall:.2f} s wall, {one_cpu:.2f} s CPU (median of {len(ones)})")
    print(f"{len(lines) + 1} matters: {all_wall:.2f} s wall, {all_cpu:.2f} s CPU (median of {len(alls)})")
    print(f"per matter, amortised: {(all_wall - one_wall) / per * 1000:.1f} ms wall, "
          f"{(all_cpu - one_cpu) / per * 1000:.1f} ms CPU")


def office_slugs():
    """The slugs of the database's offices, in source order."""
    code = "from orgunits.models import Office; print(*Office.objects.values_list('slug', flat=True))"
    output = subprocess.run([sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
                            cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return output.split()


def read_queries(path):
    """The distinct matters of a JSON-lines file, in order."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and (query := json.loads(line)["query"]) not in found:
            found.append(query)
    return found


def medians(runs):
    """(median wall, median CPU) of several runs: process start-up varies by a second or so."""
    return statistics.median(wall for wall, _ in runs), statistics.median(cpu for _, cpu in runs)


if __name__ == "__main__":
    main()
