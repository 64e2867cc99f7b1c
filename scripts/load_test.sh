#!/usr/bin/env bash
# Load test: gunicorn + a throwaway PostgreSQL, both on 127.0.0.1, and wrk against /healthz,
# /api/route and the largest office page (64 connections for 30 s each, by default).
# Prints a Markdown table of requests/s, p99 latency and errors. Needs root (apt-get, runuser).
#
#   scripts/load_test.sh                      # defaults below
#   DURATION=10 CONNECTIONS=32 scripts/load_test.sh
#
# Nothing leaves the machine: the database listens on 127.0.0.1:$PGPORT, gunicorn on 127.0.0.1:$APP_PORT,
# and each wrk run stops after $DURATION seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-30}
WARMUP=${WARMUP:-5}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
PGPORT=${PGPORT:-25433}   # CI's test database uses 25432
APP_PORT=${APP_PORT:-28080}
WORKERS=${WORKERS:-$(nproc)}
OFFICE=${OFFICE:-hengyang}   # the office with the most units
ROUTE_QUERY=${ROUTE_QUERY:-a%20complaint%20about%20a%20travel%20agency}

if ! command -v wrk >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk
fi
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
fi
scripts/setup.sh

PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
WORK=$(mktemp -d /tmp/govoffice-load.XXXXXX)
chown postgres:postgres "$WORK"
GUNICORN_PID=""
cleanup() {
  if [ -n "$GUNICORN_PID" ]; then kill "$GUNICORN_PID" 2>/dev/null || true; wait "$GUNICORN_PID" 2>/dev/null || true; fi
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
if ! runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/pg.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $WORK -c fsync=off" start >/dev/null; then
  cat "$WORK/pg.log" >&2
  echo "PostgreSQL did not start (is port $PGPORT taken? set PGPORT)" >&2
  exit 1
fi
"$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres govoffice

# Production settings, as a deployment behind a TLS-terminating proxy would run them.
export DJANGO_SETTINGS_MODULE=govoffice.settings
export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/govoffice"
export SECRET_KEY="load-test-$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')-not-for-production"
export ALLOWED_HOSTS=127.0.0.1 CONN_MAX_AGE=600 STATIC_ROOT="$WORK/static"
export RATE_LIMIT_PAGES=0 RATE_LIMIT_API=0  # wrk is one address sending thousands of requests
unset DEBUG
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py load_org
.venv/bin/python manage.py collectstatic --noinput -v0

.venv/bin/gunicorn -c python:govoffice.gunicorn govoffice.wsgi --bind "127.0.0.1:$APP_PORT" --workers "$WORKERS" \
  --log-level warning --error-logfile "$WORK/gunicorn.log" &
GUNICORN_PID=$!
BASE="http://127.0.0.1:$APP_PORT"
for _ in $(seq 1 50); do
  curl -fsS -o /dev/null -H "X-Forwarded-Proto: https" "$BASE/healthz" 2>/dev/null && break
  sleep 0.2
done

# The matters for the "different questions" run: the routing cases, each with limits 1-50, give
# 2,400 different questions, more than the per-process answer cache keeps, so the engine works on
# every request (the single-matter run is answered from that cache after its first request).
.venv/bin/python - "$WORK/matters.lua" <<'PY'
import json, sys
from urllib.parse import quote
paths = []
with open("tests/data/routing_cases.jsonl", encoding="utf-8") as cases:
    for line in cases:
        if line.strip():
            case = json.loads(line)
            paths.append(f"/api/route?q={quote(case['query'])}&office={quote(case['office'])}")
with open(sys.argv[1], "w", encoding="utf-8") as lua:
    lua.write("local paths = {" + ",".join(json.dumps(path) for path in paths) + "}\n")
    lua.write("local i = 0\nrequest = function()\n  i = i + 1\n")
    lua.write("  return wrk.format(\"GET\", paths[(i % #paths) + 1] .. \"&limit=\" .. ((i % 50) + 1))\nend\n")
PY

LABELS=("/healthz" "/api/route?q=$ROUTE_QUERY" "/api/route?q=…&office=…&limit=… (2,400 different questions)"
        "/offices/$OFFICE/")
PATHS=("/healthz" "/api/route?q=$ROUTE_QUERY" "/api/route?q=tourism" "/offices/$OFFICE/")
SCRIPTS=("" "" "$WORK/matters.lua" "")

# The proxy would say the request came over HTTPS; without it Django redirects to https://.
wrk_once() {  # index seconds output [extra wrk options]
  local i=$1 seconds=$2 out=$3
  shift 3
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${seconds}s" --timeout 10s "$@" \
    ${SCRIPTS[$i]:+-s "${SCRIPTS[$i]}"} -H "X-Forwarded-Proto: https" "$BASE${PATHS[$i]}" >"$out"
}

for i in "${!PATHS[@]}"; do
  curl -fsS -o /dev/null -H "X-Forwarded-Proto: https" "$BASE${PATHS[$i]}"  # fail early on an error
  # Warm up every worker (each builds its routing index and loads jieba's dictionary once), unmeasured.
  wrk_once "$i" "$WARMUP" /dev/null
done

# On a shared machine the background load drifts: measure in rounds, the URLs taking turns, so
# that every URL sees the same conditions; the figures add up the rounds.
ROUND=$(( DURATION / ROUNDS ))
for round in $(seq 1 "$ROUNDS"); do
  for i in "${!PATHS[@]}"; do
    wrk_once "$i" "$ROUND" "$WORK/wrk-$i-$round.txt" --latency
  done
done

echo
echo "gunicorn: $WORKERS sync workers; wrk: $WRK_THREADS threads, $CONNECTIONS connections;"
echo "$DURATION s per URL in $ROUNDS rounds of $ROUND s, URLs taking turns; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| URL | requests/s | p99 latency (worst round) | errors |"
echo "| --- | ---: | ---: | ---: |"
for i in "${!PATHS[@]}"; do
  cat "$WORK"/wrk-"$i"-*.txt | awk -v label="${LABELS[$i]}" '
    function ms(value) {
      if (value ~ /us$/) return value / 1000
      if (value ~ /ms$/) return value + 0
      if (value ~ /s$/) return value * 1000
      return value
    }
    / requests in / { requests += $1; seconds += $4 + 0 }
    $1 == "99%" { if (ms($2) > worst) worst = ms($2) }
    /Non-2xx or 3xx responses/ { errors += $NF }
    /Socket errors/ { gsub(",", ""); errors += $4 + $6 + $8 + $10 }
    END { printf "| `%s` | %.0f | %.1f ms | %d |\n", label, requests / seconds, worst, errors }'
done
if [ -s "$WORK/gunicorn.log" ]; then
  echo; echo "gunicorn log:"; cat "$WORK/gunicorn.log"
fi
