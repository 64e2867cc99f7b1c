#!/usr/bin/env python3
"""Measure import time and each page's server time and size with N offices, under gunicorn.

For each N: writes N offices with scripts/make_scale_data.py, creates a fresh database, times
`import_org` and `train_router` (as scripts/serve.sh deploys), starts gunicorn with production
settings (DEBUG off) on 127.0.0.1, warms each URL up once, then requests it 5 times and reports
the median time and the body size. Prints one Markdown table per N. Nothing leaves the machine;
gunicorn is stopped at the end.

    .venv/bin/python scripts/bench_scale.py                   # N = 5, 50, 400 on SQLite
    .venv/bin/python scripts/bench_scale.py --offices 400 --database-url postgres://postgres@127.0.0.1:25432/scale

With --database-url the database must exist and be empty (its tables are created by `migrate`).
Times are wall-clock from the client on the same machine (loopback), so they include gunicorn's
own handling: they are server time plus well under a millisecond.
"""
import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
REPEAT = 5

# The third generated office copies Hengyang, the office with the most units; this unit of it
# holds the most subjects, so its "same subjects elsewhere" is the longest.
OFFICE = "hebei-province"
UNIT = "foreign-overseas-chinese-general-section"
URLS = (
    ("home", "/"),
    ("office (27 units)", f"/offices/{OFFICE}/"),
    ("office chart.svg", f"/offices/{OFFICE}/chart.svg"),
    ("unit (21 subjects)", f"/offices/{OFFICE}/{UNIT}/"),
    ("subjects A–Z", "/subjects/"),
    ("subject `meetings`", "/subjects/meetings/"),
    ("search `tourism`", "/search/?q=tourism"),
    ("search `a` (refused)", "/search/?q=a"),
    ("`/api/offices/`", "/api/offices/"),
    ("`/api/offices/<office>/`", f"/api/offices/{OFFICE}/"),
    ("`/api/subjects/`", "/api/subjects/"),
    ("`/api/route` English, all offices", "/api/route?q=" + quote("a complaint about a travel agency")),
    ("`/api/route` Chinese, all offices", "/api/route?q=" + quote("煤矿安全生产")),
    ("`/api/route` English, one office", f"/api/route?office={OFFICE}&q=" + quote("coal safety")),
    ("`/route/` page", "/route/?q=" + quote("tourism")),
)


def fetch(base, path):
    """(seconds, bytes) of one GET, as a client behind the TLS-terminating proxy sees it."""
    request = urllib.request.Request(base + path, headers={"X-Forwarded-Proto": "https"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        body = response.read()
        status = response.status
    elapsed = time.perf_counter() - started
    if status != 200:
        raise RuntimeError(f"{path}: HTTP {status}")
    return elapsed, len(body)


def run(command, env):
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def bench(count, database_url, port, workdir):
    data = Path(workdir) / f"scale{count}.json"
    subprocess.run([PYTHON, "scripts/make_scale_data.py", str(count), "--json", str(data)], cwd=ROOT, check=True)
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="govoffice.settings",
        DATABASE_URL=database_url or f"sqlite:///{workdir}/scale{count}.sqlite3",
        SECRET_KEY="bench-" + secrets.token_urlsafe(32),
        ALLOWED_HOSTS="127.0.0.1",
        CONN_MAX_AGE="600",
        STATIC_ROOT=str(Path(workdir) / "static"),
    )
    env.pop("DEBUG", None)
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    started = time.perf_counter()
    run([PYTHON, "manage.py", "import_org", str(data)], env)
    import_seconds = time.perf_counter() - started
    # As scripts/serve.sh deploys: train_router trains the learned layer and stores the routing index
    # for the new data version, so a freshly started server loads both instead of building them.
    started = time.perf_counter()
    run([PYTHON, "manage.py", "train_router"], env)
    prepare_seconds = time.perf_counter() - started

    # One worker: every request of a URL lands in the same process, warmed up by the first.
    server = subprocess.Popen(
        [GUNICORN, "govoffice.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "300",
         "--no-control-socket", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        for _ in range(100):
            try:
                fetch(base, "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        first_route, _size = fetch(base, URLS[11][1])
        for label, path in URLS:
            fetch(base, path)
            times, sizes = zip(*(fetch(base, path) for _ in range(REPEAT)), strict=True)
            rows.append((label, path, statistics.median(times) * 1000, max(sizes)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return import_seconds, prepare_seconds, first_route, rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offices", type=int, nargs="+", default=[5, 50, 400])
    parser.add_argument("--database-url", help="an empty database to use instead of a fresh SQLite file")
    parser.add_argument("--port", type=int, default=28090)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="govoffice-scale-") as workdir:
        for count in args.offices:
            import_seconds, prepare_seconds, first_route, rows = bench(count, args.database_url, args.port, workdir)
            print(f"\n### {count} offices\n")
            print(f"import_org: {import_seconds:.1f} s; train_router (trains, stores the routing index): "
                  f"{prepare_seconds:.1f} s; first routing request after start: {first_route:.2f} s\n")
            print("| page | URL | median ms | KB |")
            print("| --- | --- | ---: | ---: |")
            for label, path, millis, size in rows:
                print(f"| {label} | `{path}` | {millis:.1f} | {size / 1024:.1f} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
