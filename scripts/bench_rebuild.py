#!/usr/bin/env python
"""Time the routing index's rebuild after an edit, its loading, and what it adds to a process's memory.

    DATABASE_URL=sqlite:////tmp/scale400.sqlite3 .venv/bin/python scripts/bench_rebuild.py

On the database DATABASE_URL names (loaded, e.g. `import_org` of `make_scale_data.py 400`):

1. the stored indexes are dropped and the index is built from scratch (every office read);
2. one duty sentence of one office is edited: the next index reads that office only;
3. the edit is undone (the same again);
4. another process loads the stored index, and a process's memory is read before and after
   loading the index and the learned layer (VmRSS, in a fresh interpreter each).

Stored indexes are a cache, so dropping them loses nothing; the edit is undone at the end.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govoffice.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402

from orgunits.models import Duty  # noqa: E402
from routing import services  # noqa: E402
from routing.models import IndexVersion, StoredIndex  # noqa: E402
from routing.text import load_dictionaries  # noqa: E402

MEMORY = """
import os, sys
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govoffice.settings")
os.environ.setdefault("DEBUG", "1")
def rss():
    return int(next(line for line in open("/proc/self/status") if line.startswith("VmRSS")).split()[1]) / 1024
import django
django.setup()
from routing import services, text
text.load_dictionaries()
before = rss()
services.routing_snapshot(learned=False)
index = rss()
services.routing_snapshot()
print(f"{{before:.0f}} {{index:.0f}} {{rss():.0f}}")
"""


def build(label):
    """Build (or load) the index of the current data version and report it."""
    services._cache.update(version=None, index=None, offices=None, answers={})
    version = services.routing_index_version()
    started = time.perf_counter()
    services.stored_index(version=version)
    seconds = time.perf_counter() - started
    row = StoredIndex.objects.get(version=version, format=services.index_format())
    print(f"{label}: {seconds:.2f} s in all ({row.seconds:.2f} s to export and build), "
          f"{row.offices_read} of {len(services.routing_offices())} offices read, "
          f"stored {len(row.blob) / 2**20:.0f} MB + parts {len(row.parts or b'') / 2**20:.0f} MB")
    return row


def edit(duty, text):
    with transaction.atomic():
        duty.text_en = text
        duty.save()  # the data version moves after the commit


def main():
    load_dictionaries()
    StoredIndex.objects.all().delete()
    build("from scratch")
    duty = Duty.objects.filter(unit__parent__isnull=False).order_by("-pk").first()
    original = duty.text_en
    before = IndexVersion.objects.get(pk=1).version
    try:
        edit(duty, original + " Beekeeping.")
        assert IndexVersion.objects.get(pk=1).version > before
        build(f"after editing a duty of {duty.unit.office.slug}")
    finally:
        edit(duty, original)
    row = build("after undoing it")

    started = time.perf_counter()
    services._unpickle_index(row.blob)
    print(f"another process loads it: {time.perf_counter() - started:.2f} s")
    output = subprocess.run([sys.executable, "-c", MEMORY.format(root=str(ROOT))], check=True, capture_output=True,
                            text=True, env=os.environ).stdout.split()
    base, index, learned = (float(value) for value in output)
    print(f"memory: {base:.0f} MB with Django and the dictionaries; the index adds {index - base:.0f} MB, "
          f"the learned layer {learned - index:.0f} MB ({learned:.0f} MB in all)")


if __name__ == "__main__":
    main()
