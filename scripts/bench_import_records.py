"""Time `import_records` on synthetic records: a fresh SQLite database, N records spread over every office.

    DEBUG=1 .venv/bin/python scripts/bench_import_records.py --records 22000

Writes the file once (JSON lines), imports it into a new database (the org data loaded first),
then imports it again (every record unchanged) and prints records per second for both.
"""
import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=22_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-records-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govoffice.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from orgunits.models import Unit
    from routing.models import RoutingRecord

    call_command("migrate", verbosity=0)
    call_command("load_org", stdout=open(os.devnull, "w"))
    units = list(Unit.objects.values_list("office__slug", "slug", "name_zh"))
    rng = random.Random(args.seed)
    words = ("投诉 反映 咨询 请问 小区 道路 企业 工资 拖欠 噪音 "
             "学校 医院 补贴 审批 环境 污染 农村 养老 住房 交通").split()
    path = workdir / "records.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for number in range(args.records):
            office, unit, name = rng.choice(units)
            text = "".join(rng.choices(words, k=rng.randint(8, 40))) + name
            outcome = "no_unit" if number % 10 == 0 else "confirmed"
            handle.write(json.dumps({
                "id": f"bench-{number}", "office": office, "text": text,
                "unit": "" if outcome == "no_unit" else unit, "outcome": outcome,
                "date": f"2026-{1 + number % 12:02d}-{1 + number % 28:02d}",
            }, ensure_ascii=False) + "\n")
    for label in ("first import", "second import (unchanged)"):
        started = time.perf_counter()
        call_command("import_records", str(path), stdout=open(os.devnull, "w"))
        elapsed = time.perf_counter() - started
        print(f"{label}: {args.records:,} records in {elapsed:.2f} s = {args.records / elapsed:,.0f} records/s")
    print(f"records in the database: {RoutingRecord.objects.count():,}")


if __name__ == "__main__":
    main()
