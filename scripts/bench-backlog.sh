#!/usr/bin/env bash
# Work that must not grow with the store: what `/metrics` costs with 10 and with
# BACKLOG_EVENTS (default 10,000,000) events pending, and ingest latency while a replay of
# BACKLOG_DEAD (1,000,000) dead letters and while a prune of BACKLOG_PRUNE (1,000,000) events run.
#
#   swift build -c release --product retention-router --scratch-path .build-release
#   scripts/bench-backlog.sh
#   BACKLOG_EVENTS=1000000 ROUTER_BIN=/path/to/older/retention-router BACKLOG_PHASES=metrics scripts/bench-backlog.sh
#   BACKLOG_STORE=postgres scripts/bench-backlog.sh   # ROUTER_TEST_POSTGRES_URL, else a throwaway cluster
#
# The store is filled directly with SQL, in the schema the router under test created (started
# once and stopped): the events, their routes (SQLite) or head rows (PostgreSQL) and, for dead
# letters and delivered events, the partition cursor and the dead_letters rows, so millions of
# rows take seconds instead of the hours ingest would. Where SQLite keeps backlog counts (schema
# version 6), the fill adds the routes it inserts to `partitions.backlog` as `append` would; the
# stores' triggers count the rest.
# Each phase checks that the router reports the filled figures before it measures.
#
# - metrics: tenant `big` routes to `down`, a webhook whose port refuses connections. 10 events
#   are ingested, `/metrics` is requested BACKLOG_SAMPLES (50) times; then the store is filled to
#   BACKLOG_EVENTS pending and it is requested again.
# - replay: BACKLOG_DEAD dead letters of `big/gone` (a webhook that refuses too). wrk sends
#   signed single events to tenant `load` (a file destination) paced at BACKLOG_RATE (500)
#   requests/s for 10 s (quiet), then again from just before
#   `POST /v1/tenants/big/dead-letters/replay {"destination":"gone","all":true}` until it answers.
# - prune: BACKLOG_PRUNE delivered events received 30 days ago, retention 7 days: the store
#   monitor's first pass prunes them as the router starts; wrk runs from as soon as it can
#   until the router logs the pass's end, then 10 s quiet.
#
# Knobs: BACKLOG_EVENTS, BACKLOG_DEAD, BACKLOG_PRUNE, BACKLOG_RATE, BACKLOG_SAMPLES,
# BACKLOG_DURING_MAX (240: the longest run during an operation), BACKLOG_PHASES ("metrics replay prune").
source "$(dirname "$0")/lib.sh"
rr_init bench-backlog
rr_ensure_apt wrk
case "$RR_BIN" in
  */debug/*) rr_log "WARNING: $RR_BIN is a debug build; the numbers will not mean much" ;;
esac

EVENTS="${BACKLOG_EVENTS:-10000000}"
DEAD="${BACKLOG_DEAD:-1000000}"
PRUNE="${BACKLOG_PRUNE:-1000000}"
RATE="${BACKLOG_RATE:-500}"
SAMPLES="${BACKLOG_SAMPLES:-50}"
PHASES="${BACKLOG_PHASES:-metrics replay prune}"
SECRET="bench-secret"
TOKEN="bench-admin-token"
export ROUTER_ADMIN_TOKEN="$TOKEN"
LUA="$RR_SCRIPTS/bench-ingest.lua"
DB="$RR_DIR/data/events.sqlite3"
REFUSED_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

STORE="${BACKLOG_STORE:-sqlite}"
extra='"adminToken": {"env": "ROUTER_ADMIN_TOKEN"}, "maxStoreBytes": 107374182400, "recordRetentionDays": 7'
if [ "$STORE" = "postgres" ]; then
  if [ -z "${ROUTER_TEST_POSTGRES_URL:-}" ]; then
    mkdir -p "$RR_DIR/pg"
    ROUTER_TEST_POSTGRES_URL="$("$RR_SCRIPTS/postgres.sh" start "$RR_DIR/pg")"
    export ROUTER_TEST_POSTGRES_URL
    trap '"$RR_SCRIPTS/postgres.sh" stop "$RR_DIR/pg"; rr_cleanup' EXIT
  fi
  # One database for the run; each phase starts from an empty schema.
  BENCH_DB="rr_bench_$$"
  psql -q "$ROUTER_TEST_POSTGRES_URL" -c "CREATE DATABASE $BENCH_DB" >/dev/null
  export BENCH_PG_URL="${ROUTER_TEST_POSTGRES_URL%/*}/$BENCH_DB"
  extra="$extra, \"store\": {\"kind\": \"postgres\", \"url\": {\"env\": \"BENCH_PG_URL\"}, \"operationTimeoutSeconds\": 60}"
fi
rr_router_json "$extra"
hook() { echo '{"id": "'"$1"'", "type": "webhook", "settings": {"url": "http://127.0.0.1:'"$REFUSED_PORT"'/'"$1"'", "secrets": ["s"], "scheme": "x-hub-signature-256"}}'; }
rr_tenant big "$SECRET" "[$(hook down), $(hook gone), {\"id\": \"archive\", \"type\": \"file\", \"settings\": {\"path\": \"$RR_DIR/out/big.ndjson\"}}]"
rr_tenant load "$SECRET" '[{"id": "out", "type": "file", "settings": {"path": "'"$RR_DIR"'/out/load.ndjson"}}]'

# fill KIND COUNT: adds COUNT rows to the stopped router's store: `pending` (routed to big/down,
# waiting), `dead` (routed to big/gone and dead there) or `delivered` (routed to big/archive,
# delivered, received 30 days ago).
fill() {
  if [ "$STORE" = "postgres" ]; then fill_postgres "$@"; else fill_sqlite "$@"; fi
  # The fill's gigabytes reach the disk now, not while latency is measured.
  sync
}

# On PostgreSQL the head is a table of pending rows; the store's triggers (schema version 4)
# count what the fill inserts, as they count every statement.
fill_postgres() {
  local kind="$1" count="$2" destination received
  destination=$(case "$kind" in pending) echo down ;; dead) echo gone ;; *) echo archive ;; esac)
  received="(extract(epoch from now()) * 1000)::int8"
  [ "$kind" = delivered ] && received="$received - 30 * 86400000::int8"
  psql -q -v ON_ERROR_STOP=1 "$BENCH_PG_URL" <<SQL
BEGIN;
CREATE TEMP TABLE before AS SELECT coalesce(max(seq), 0) AS seq FROM retention_router.events;
INSERT INTO retention_router.events (tenant, id, type, occurred_at, received_at, properties, destinations)
SELECT 'big', '$kind-' || g, 'cancel', $received, $received, convert_to('{"user_id":"u' || g || '","n":' || g || '}', 'UTF8'), ARRAY['$destination']
FROM generate_series(1, $count) g;
$(case "$kind" in
  pending) echo "INSERT INTO retention_router.pending SELECT 'big', 'down', seq FROM retention_router.events WHERE seq > (SELECT seq FROM before);" ;;
  dead) echo "INSERT INTO retention_router.dead_letters SELECT 'big', 'gone', seq, id, 1, 'http_404', 'the receiver answered 404', 404, (extract(epoch from now()) * 1000)::int8 FROM retention_router.events WHERE seq > (SELECT seq FROM before);" ;;
esac)
COMMIT;
VACUUM ANALYZE;
SQL
  echo "filled $count $kind events"
}

fill_sqlite() {
  python3 - "$DB" "$1" "$2" <<'PY'
import sqlite3, sys, time
path, kind, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
destination = {"pending": "down", "dead": "gone", "delivered": "archive"}[kind]
now = int(time.time() * 1000)
received = now - 30 * 86_400_000 if kind == "delivered" else now
db = sqlite3.connect(path, isolation_level=None, timeout=30)
counted = any(row[1] == "backlog" for row in db.execute("PRAGMA table_info(partitions)"))
db.execute("PRAGMA recursive_triggers = ON")
db.execute("BEGIN IMMEDIATE")
first = db.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
db.execute(
    """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO events (tenant, id, type, occurred_at, received_at, properties, destinations)
       SELECT 'big', ? || i, 'cancel', ?, ?, CAST('{"user_id":"u' || i || '","n":' || i || '}' AS BLOB), ? FROM n""",
    (count, f"{kind}-{first}-", received, received, destination))
last = db.execute("SELECT max(seq) FROM events").fetchone()[0]
db.execute("INSERT INTO routes (tenant, destination, seq) SELECT 'big', ?, seq FROM events WHERE seq > ?", (destination, first))
db.execute("INSERT OR IGNORE INTO partitions (tenant, destination) VALUES ('big', ?)", (destination,))
if counted:
    # What `append` adds for the routes it inserts; moving the cursor below takes them off again.
    db.execute("UPDATE partitions SET backlog = backlog + ? WHERE tenant = 'big' AND destination = ?", (last - first, destination))
if kind != "pending":
    db.execute("UPDATE partitions SET cursor = ? WHERE tenant = 'big' AND destination = ?", (last, destination))
if kind == "dead":
    db.execute(
        """INSERT INTO dead_letters (tenant, destination, seq, event_id, attempts, code, message, status, failed_at)
           SELECT 'big', 'gone', seq, id, 1, 'http_404', 'the receiver answered 404', 404, ? FROM events WHERE seq > ?""",
        (now, first))
db.execute("COMMIT")
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
print(f"filled {last - first} {kind} events (sequences {first + 1}..{last})")
PY
}

# metric NAME LABELS: the value of one /metrics sample.
metric() {
  curl -s --max-time 60 "http://127.0.0.1:$RR_PORT/metrics" |
    awk -v n="$1" -v l="$2" 'index($1, n "{") == 1 && index($1, l) { print $2 }' | head -n 1
}

# wait_metric NAME LABELS VALUE: waits (up to 60 s) until the sample shows VALUE.
wait_metric() {
  local deadline=$((SECONDS + 60)) value=""
  while [ "$SECONDS" -lt "$deadline" ]; do
    value="$(metric "$1" "$2")"
    [ "${value%.*}" = "$3" ] && return 0
    sleep 0.5
  done
  rr_die "$1{$2} is ${value:-missing}, expected $3"
}

# time_metrics LABEL: BACKLOG_SAMPLES sequential GET /metrics, p50/p95/max in ms.
time_metrics() {
  python3 - "$RR_PORT" "$SAMPLES" "$1" <<'PY'
import http.client, statistics, sys, time
port, samples, label = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
times = []
for _ in range(samples):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request("GET", "/metrics")
    response = connection.getresponse()
    response.read()
    times.append((time.perf_counter() - started) * 1000)
    assert response.status == 200, response.status
    connection.close()
times.sort()
p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
print(f"RESULT {label}: GET /metrics p50={statistics.median(times):.2f} ms p95={p95:.2f} ms max={times[-1]:.2f} ms ({samples} requests)")
PY
}

# Signed single-event bodies (the 2.3 KB reference event, distinct ids) for tenant `load`, made
# before anything is measured: QUIET seconds' worth for each quiet run, and up to DURING seconds'
# worth for a run during an operation (wrk loads them all at its start).
QUIET=10
DURING="${BACKLOG_DURING_MAX:-240}"
rr_log "generating signed single-event bodies for tenant load ($RATE/s: ${QUIET} s quiet runs, up to ${DURING} s during an operation)"
for name in quiet-1 quiet-2; do
  python3 "$RR_TOOL" gen-bodies --count "$((RATE * (QUIET + 2)))" --secret "$SECRET" --prefix "$name" --out "$RR_DIR/$name.bodies" >/dev/null
done
for name in during-1 during-2; do
  python3 "$RR_TOOL" gen-bodies --count "$((RATE * DURING))" --secret "$SECRET" --prefix "$name" --out "$RR_DIR/$name.bodies" >/dev/null
done

# ingest_quiet BODIES LABEL: paced single events to tenant `load` for QUIET seconds.
ingest_quiet() {
  local out="$RR_DIR/wrk-$1.txt"
  wrk -t1 -c32 -d"${QUIET}s" --timeout 10s -s "$LUA" "http://127.0.0.1:$RR_PORT/v1/tenants/load/events" -- \
    "$RR_DIR/$1.bodies" once "$RATE" >"$out" 2>&1 || rr_die "wrk failed: $(tail -n 5 "$out")"
  echo "RESULT $2: $(sed -n 's/^RESULT //p' "$out")"
}

# ingest_start BODIES: paced single events to tenant `load` in the background (sets WRK_PID);
# returns once wrk has loaded its bodies and sends.
ingest_start() {
  WRK_OUT="$RR_DIR/wrk-$1.txt"
  wrk -t1 -c32 -d3600s --timeout 10s -s "$LUA" "http://127.0.0.1:$RR_PORT/v1/tenants/load/events" -- \
    "$RR_DIR/$1.bodies" once "$RATE" >"$WRK_OUT" 2>&1 &
  WRK_PID=$!
  rr_track "$WRK_PID"
  local before
  before=$(curl -s "http://127.0.0.1:$RR_PORT/metrics" | awk '/^router_events_ingested_total\{tenant="load"\}/ {print $2}')
  local deadline=$((SECONDS + 60))
  until [ "$(curl -s "http://127.0.0.1:$RR_PORT/metrics" | awk '/^router_events_ingested_total\{tenant="load"\}/ {print $2}')" != "$before" ]; do
    [ "$SECONDS" -lt "$deadline" ] || rr_die "wrk did not start sending"
    sleep 0.1
  done
}

# ingest_stop LABEL: stops the background wrk (SIGINT: it reports what it measured).
ingest_stop() {
  kill -INT "$WRK_PID" 2>/dev/null || true
  wait "$WRK_PID" 2>/dev/null || true
  echo "RESULT $1: $(sed -n 's/^RESULT //p' "$WRK_OUT")"
}

fresh_store() {
  rm -rf "$RR_DIR/data" "$RR_DIR/out"
  mkdir -p "$RR_DIR/data" "$RR_DIR/out"
  if [ "$STORE" = "postgres" ]; then
    PGOPTIONS='-c client_min_messages=warning' psql -q "$BENCH_PG_URL" -c "DROP SCHEMA IF EXISTS retention_router CASCADE" >/dev/null
  fi
  rr_start_router
  rr_stop_router
}

for phase in $PHASES; do
  case "$phase" in
    metrics)
      fresh_store
      rr_start_router
      for n in $(seq 1 10); do
        body="$RR_DIR/ten-$n.json"
        python3 -c 'import json,sys; print(json.dumps({"event":"cancel","messageId":"ten-"+sys.argv[1],"properties":{"user_id":"u"}}))' "$n" >"$body"
        rr_post big "$SECRET" "$body" >/dev/null
      done
      wait_metric router_backlog_events 'destination="down"' 10
      time_metrics "10 pending"
      rr_stop_router
      started=$(rr_now)
      fill pending "$EVENTS"
      rr_log "filled in $(rr_calc "round($(rr_now) - $started, 1)") s"
      rr_start_router
      wait_metric router_backlog_events 'destination="down"' "$((EVENTS + 10))"
      time_metrics "$EVENTS pending"
      rr_stop_router
      ;;
    replay)
      fresh_store
      fill dead "$DEAD"
      rr_start_router
      wait_metric router_dead_letters 'destination="gone"' "$DEAD"
      ingest_quiet quiet-1 "ingest, quiet (before the replay)"
      ingest_start during-1
      started=$(rr_now)
      curl -s --max-time 3600 -o "$RR_DIR/replay.json" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
        --data '{"destination": "gone", "all": true}' "http://127.0.0.1:$RR_PORT/v1/tenants/big/dead-letters/replay" ||
        rr_die "the replay request failed"
      took=$(rr_calc "round($(rr_now) - $started, 1)")
      ingest_stop "ingest during the replay of $DEAD dead letters"
      echo "RESULT replay: answered after $took s, $(rr_json "$RR_DIR/replay.json" 'j["replayed"]') replayed"
      wait_metric router_dead_letters 'destination="gone"' 0
      rr_stop_router
      ;;
    prune)
      fresh_store
      fill delivered "$PRUNE"
      rr_start_router
      listened=$(rr_now)
      # The store monitor's first pass starts with the router; wrk starts sending as soon as
      # it has loaded its bodies (the table says how much of the pass that missed).
      ingest_start during-2
      sending=$(rr_now)
      until grep -q 'Old events pruned' "$RR_ROUTER_LOG"; do sleep 0.05; done
      ended=$(rr_now)
      ingest_stop "ingest during the prune of $PRUNE events"
      rr_log "prune pass: $(grep -m1 'Old events pruned' "$RR_ROUTER_LOG")"
      echo "RESULT prune: the pass ended $(rr_calc "round($ended - $listened, 1)") s after the router listened; wrk sent from $(rr_calc "round($sending - $listened, 1)") s"
      ingest_quiet quiet-2 "ingest, quiet (after the prune)"
      rr_stop_router
      ;;
    *) rr_die "unknown phase $phase" ;;
  esac
done
