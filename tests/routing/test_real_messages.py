"""The router on real citizen messages (`../shared/eval/real/`, development split).

That data has no licence, so it is read from beside the checkout and never copied into the
project; these tests skip when it is absent.
"""
import json
import zlib
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from routing import learning, services
from routing.training import starter_log, unit_subjects

REAL = Path(settings.BASE_DIR).parent / "shared" / "eval" / "real"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not (REAL / "cases-dev.jsonl").exists(),
                       reason="the real messages are not beside this checkout"),
]


def read_jsonl(name):
    with open(REAL / name, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_zero_shot_on_real_messages_names_the_right_division_and_rarely_abstains():
    """A fresh install (the starter log, no records) on the real cases: titles alone as queries."""
    right, abstained, by_office = 0, 0, Counter()
    cases = read_jsonl("cases-dev.jsonl")
    for case in cases:
        result = services.route_matter(text=case["query"], office=case["office"], limit=1)
        first = result.results[0].unit if result.results else None
        ok = first in set(case["expect"]) | set(case.get("also_ok") or [])
        right += ok
        abstained += first is None
        by_office[case["office"], ok] += 1
    assert right / len(cases) >= 0.65
    assert abstained / len(cases) <= 0.15
    for office in {case["office"] for case in cases}:
        assert by_office[office, True] / (by_office[office, True] + by_office[office, False]) >= 0.5, office


def test_learning_from_records_of_the_same_board_reaches_85_percent():
    """Four fifths of the messages as records (title + detail, unit from the sector), the rest routed."""
    index = services.routing_index()
    records, held_out = [], []
    for message in read_jsonl("messages-dev.jsonl"):
        text = message["title"] + ("。" + message["text"] if message["text"] else "")
        fold = held_out if zlib.crc32(message["id"].encode()) % 5 == 0 else records
        for office, units in message["expect"].items():
            if units:
                fold.append({"office": office, "text": text, "unit": units[0], "subject": None})
    model = learning.train(records, starter_log(), unit_subjects(index))
    right = 0
    for record in held_out:
        result = learning.route(index, model, record["text"], office=record["office"], limit=1)
        right += bool(result.results) and result.results[0].unit == record["unit"]
    assert right / len(held_out) >= 0.85
