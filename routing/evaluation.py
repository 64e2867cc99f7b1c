"""Scoring a file of routing cases (format: shared/eval/README.md). Pure Python."""
import json
from collections import defaultdict

REQUIRED_FIELDS = ("id", "office", "query", "kind", "expect")


class CaseFileError(Exception):
    pass


def read_cases(lines):
    """Parse JSONL case lines; raise CaseFileError naming the line at fault (or a duplicate id)."""
    cases, seen = [], set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except ValueError as exc:
            raise CaseFileError(f"line {number}: not JSON ({exc})") from exc
        if not isinstance(case, dict) or any(name not in case for name in REQUIRED_FIELDS):
            raise CaseFileError(f"line {number}: a case needs {', '.join(REQUIRED_FIELDS)}")
        if not isinstance(case["query"], str) or not isinstance(case["office"], str):
            raise CaseFileError(f"line {number}: 'query' and 'office' must be text")
        if not isinstance(case["expect"], list) or not isinstance(case.get("also_ok", []), list):
            raise CaseFileError(f"line {number}: 'expect' and 'also_ok' must be lists of unit slugs")
        if not isinstance(case["id"], (str, int)):
            raise CaseFileError(f"line {number}: 'id' must be text or a number")
        if case["id"] in seen:
            raise CaseFileError(f"line {number}: duplicate case id {case['id']!r}")
        seen.add(case["id"])
        case.setdefault("also_ok", [])
        case.setdefault("lang", "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in case["query"]) else "en")
        cases.append(case)
    return cases


def judge(case, result):
    """(correct, first unit or None) for one case and its route result dict."""
    first = result["results"][0]["unit"] if result["results"] else None
    if not case["expect"]:
        return first is None, first
    return first in set(case["expect"]) | set(case.get("also_ok") or []), first


def evaluate(cases, route):
    """Run `route(query, office) -> result dict` over the cases; accuracy overall and by kind, lang, office."""
    groups = {"kind": defaultdict(lambda: [0, 0]), "lang": defaultdict(lambda: [0, 0]),
              "office": defaultdict(lambda: [0, 0])}
    failures, correct = [], 0
    for case in cases:
        result = route(case["query"], case["office"])
        ok, first = judge(case, result)
        correct += ok
        for name, counts in groups.items():
            counts[case[name]][0] += ok
            counts[case[name]][1] += 1
        if not ok:
            failures.append({"id": case["id"], "kind": case["kind"], "office": case["office"],
                             "query": case["query"], "expect": case["expect"], "got": first,
                             "transfer": result.get("transfer")})
    return {
        "total": len(cases),
        "correct": correct,
        "accuracy": correct / len(cases) if cases else 0.0,
        **{f"by_{name}": {key: {"correct": c, "total": t, "accuracy": c / t} for key, (c, t) in sorted(counts.items())}
           for name, counts in groups.items()},
        "failures": failures,
    }


def learning_curve(records, *, folds, sizes, train, route, seed=0):
    """Cross-validated accuracy of learning from records, by records per office used for training.

    `records`: dicts with office, text and unit ("" or None for no unit). Each office's records are
    shuffled (with `seed`) and cut into `folds`; each fold is routed by a model trained on the first
    `size` records per office of the other folds (`None` = all of them). `train(records) -> model`,
    `route(model, text, office) -> first unit or None`. Returns, per size: the records per office
    actually used (the smallest office decides), and accuracy overall and by office.
    """
    import random

    shuffled = {}
    for record in records:
        shuffled.setdefault(record["office"], []).append(record)
    for office, rows in shuffled.items():
        random.Random(f"{seed}-{office}").shuffle(rows)
    fold_of = {id(record): position % folds
               for rows in shuffled.values() for position, record in enumerate(rows)}
    curve = []
    for size in sizes:
        counts = defaultdict(lambda: [0, 0])
        used = []
        for fold in range(folds):
            training = []
            for rows in shuffled.values():
                others = [record for record in rows if fold_of[id(record)] != fold]
                taken = others if size is None else others[:size]
                used.append(len(taken))
                training.extend(taken)
            model = train(training)
            for rows in shuffled.values():
                for record in rows:
                    if fold_of[id(record)] != fold:
                        continue
                    got = route(model, record["text"], record["office"])
                    counts[record["office"]][0] += (got or "") == (record.get("unit") or "")
                    counts[record["office"]][1] += 1
        correct = sum(c for c, _ in counts.values())
        total = sum(t for _, t in counts.values())
        curve.append({
            "size": size,
            "records_per_office": min(used) if used else 0,
            "accuracy": correct / total if total else 0.0,
            "by_office": {office: c / t for office, (c, t) in sorted(counts.items())},
        })
    return curve
