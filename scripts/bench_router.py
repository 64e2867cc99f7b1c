#!/usr/bin/env python
"""Router benchmark: index build time and per-query latency, beside two naive baselines.

    DEBUG=1 .venv/bin/python scripts/bench_router.py [--repeat N]

Queries are the routing case file's. Baselines: plain BM25 over each unit's text (duties and
names, both languages, same tokeniser), and a database `icontains` scan over duty texts.
"""
import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govoffice.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db.models import Q  # noqa: E402

from orgunits.models import Duty  # noqa: E402
from orgunits.selectors import org_export  # noqa: E402
from routing import engine  # noqa: E402
from routing.evaluation import judge, read_cases  # noqa: E402
from routing.text import tokens  # noqa: E402


class BM25:
    """Okapi BM25 over one document per unit (its names and duties in both languages)."""

    def __init__(self, data, k1=1.2, b=0.75):
        self.docs = []
        for office in data["offices"]:
            for unit in office["units"]:
                text = " ".join([unit["name_en"], unit["name_zh"]] + [d["text_en"] + " " + d["text_zh"]
                                                                      for d in unit["duties"]])
                words = tokens(text)
                self.docs.append((office["slug"], unit["slug"], {w: words.count(w) for w in set(words)}, len(words)))
        self.avg = sum(d[3] for d in self.docs) / len(self.docs)
        df = {}
        for doc in self.docs:
            for word in doc[2]:
                df[word] = df.get(word, 0) + 1
        n = len(self.docs)
        self.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in df.items()}
        self.k1, self.b = k1, b

    def route(self, text, office=None):
        query = tokens(text)
        best = {}
        for doc_office, unit, tf, length in self.docs:
            if office and doc_office != office:
                continue
            score = sum(self.idf.get(w, 0) * tf[w] * (self.k1 + 1) /
                        (tf[w] + self.k1 * (1 - self.b + self.b * length / self.avg)) for w in query if w in tf)
            if score > best.get(doc_office, (0, None))[0]:
                best[doc_office] = (score, unit)
        return sorted(best.items(), key=lambda item: -item[1][0])


def icontains_scan(text, office=None):
    words = [w for w in text.split() if len(w) > 2] or [text]
    condition = Q()
    for word in words:
        condition |= Q(text_en__icontains=word) | Q(text_zh__icontains=word)
    duties = Duty.objects.filter(condition)
    if office:
        duties = duties.filter(unit__office__slug=office)
    return list(duties.values_list("unit__slug", flat=True)[:5])


def timed(function, queries, repeat):
    samples = []
    for _ in range(repeat):
        for query in queries:
            start = time.perf_counter()
            function(query)
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--cases", default=str(ROOT / "tests" / "data" / "routing_cases.jsonl"))
    args = parser.parse_args()
    cases = read_cases(Path(args.cases).read_text(encoding="utf-8").splitlines())

    start = time.perf_counter()
    data = org_export()
    export_ms = (time.perf_counter() - start) * 1000
    engine.route(engine.build_index(data), "warm up")  # jieba's dictionary loads once per process
    builds = []
    for _ in range(5):
        start = time.perf_counter()
        index = engine.build_index(data)
        builds.append((time.perf_counter() - start) * 1000)
    bm25 = BM25(data)

    rows = [
        ("router, one office", lambda c: engine.route(index, c["query"], c["office"])),
        ("router, all five offices", lambda c: engine.route(index, c["query"], None)),
        ("BM25 baseline, one office", lambda c: bm25.route(c["query"], c["office"])),
        ("BM25 baseline, all five", lambda c: bm25.route(c["query"])),
        ("DB icontains scan, one office", lambda c: icontains_scan(c["query"], c["office"])),
    ]
    print(f"cases: {len(cases)} queries x {args.repeat} repeats; python {sys.version.split()[0]}")
    print(f"index: read from database {export_ms:.1f} ms; build {statistics.median(builds):.1f} ms (median of 5)")
    def bm25_result(case):
        ranked = bm25.route(case["query"], case["office"])
        return {"results": [{"unit": ranked[0][1][1]}] if ranked else []}

    accuracy = {
        "router": sum(judge(c, engine.route(index, c["query"], c["office"]).as_dict())[0] for c in cases),
        "BM25 baseline": sum(judge(c, bm25_result(c))[0] for c in cases),
    }
    print("accuracy on these cases: " + ", ".join(f"{name} {hits / len(cases):.1%}" for name, hits in accuracy.items()))
    print(f"{'':<32}{'p50 ms':>10}{'p95 ms':>10}")
    for label, function in rows:
        repeat = max(1, args.repeat // 10) if "DB" in label else args.repeat
        p50, p95 = timed(function, cases, repeat)
        print(f"{label:<32}{p50:>10.3f}{p95:>10.3f}")


if __name__ == "__main__":
    main()
