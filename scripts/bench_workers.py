#!/usr/bin/env python3
"""Memory per gunicorn worker after routing matters, with and without the shared preload.

    DATABASE_URL=sqlite:////tmp/scale400.sqlite3 .venv/bin/python scripts/bench_workers.py [--workers 2]

Starts gunicorn on 127.0.0.1 (production settings) twice: with the project's settings
(`-c python:govoffice.gunicorn`: everything the router needs loaded in the master and shared) and
without them (each worker loads its own). Routes 200 matters through `/api/route` (with and without
an office), then reads each worker's /proc/PID/smaps_rollup: RSS counts shared pages in full, PSS
shares them out between the processes using them, USS is what the worker alone holds.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_route_offices import queries  # noqa: E402


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def memory(pid):
    """(RSS, PSS, USS) in MB from /proc/PID/smaps_rollup."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0]) / 1024
    return fields["Rss"], fields["Pss"], fields["Private_Clean"] + fields["Private_Dirty"]


def children(pid):
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def run(label, config, workers, matters):
    port = free_port()
    env = {**os.environ, "SECRET_KEY": "bench-only", "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0",
           "CONN_MAX_AGE": "600", "DEBUG": "0", "RATE_LIMIT_API": "0"}  # one address, many requests
    command = [str(ROOT / ".venv/bin/gunicorn"), "govoffice.wsgi", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--no-control-socket", *config]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            for _ in range(600):
                try:
                    offices = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/offices/", timeout=5)
                                         .read())["results"]
                    break
                except OSError:
                    time.sleep(0.1)
            for number, text in enumerate(matters):
                office = "" if number % 2 else f"&office={offices[number % len(offices)]['slug']}"
                url = f"http://127.0.0.1:{port}/api/route?q={urllib.parse.quote(text)}{office}"
                try:
                    json.loads(urllib.request.urlopen(url, timeout=30).read())
                except urllib.error.HTTPError as exc:
                    sys.exit(f"{url}: {exc.code} {exc.read()[:300]!r}")
            figures = [memory(pid) for pid in children(server.pid)]
            master = memory(server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    print(f"{label}: master RSS {master[0]:.0f} MB; per worker (of {len(figures)}) "
          + "; ".join(f"RSS {rss:.0f} / PSS {pss:.0f} / USS {uss:.0f} MB" for rss, pss, uss in figures))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--matters", type=int, default=200)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        parser.error("set DATABASE_URL to the loaded database")
    matters = queries()[:args.matters]
    run("shared (-c python:govoffice.gunicorn)", ["-c", "python:govoffice.gunicorn"], args.workers, matters)
    run("not shared (no preload)", [], args.workers, matters)


if __name__ == "__main__":
    main()
