#!/usr/bin/env bash
# Console and operator API at scale: fills a store with CONSOLE_EVENTS events (default 1,000,000)
# for one tenant, then measures each console page and its JSON route (p50/p95 over
# CONSOLE_SAMPLES requests), and ingest throughput with and without the overview open
# (fetched every 5 s, as the page refreshes).
#
#   swift build -c release --product retention-router --scratch-path .build-release
#   scripts/bench-console.sh                        # SQLite
#   CONSOLE_STORE=postgres scripts/bench-console.sh # PostgreSQL (ROUTER_TEST_POSTGRES_URL, or a throwaway cluster)
#
# Tenant `big` has a file destination (`archive`, every event delivered) and a webhook (`crm`,
# cancel events only) whose receiver refuses connections, so the store holds delivered events
# and a paused backlog at once. Pages are measured once the archive has taken every event. One
# `q` search finds its value at once; another looks for a value no event has, so it scans as far
# as one page may.
source "$(dirname "$0")/lib.sh"
rr_init bench-console

EVENTS="${CONSOLE_EVENTS:-1000000}"
SAMPLES="${CONSOLE_SAMPLES:-20}"
STORE="${CONSOLE_STORE:-sqlite}"
SECRET="bench-secret"
TOKEN="bench-admin-token"
export ROUTER_ADMIN_TOKEN="$TOKEN"

extra='"adminToken": {"env": "ROUTER_ADMIN_TOKEN"}'
if [ "$STORE" = "postgres" ]; then
  if [ -z "${ROUTER_TEST_POSTGRES_URL:-}" ]; then
    mkdir -p "$RR_DIR/pg"
    ROUTER_TEST_POSTGRES_URL="$("$RR_SCRIPTS/postgres.sh" start "$RR_DIR/pg")"
    export ROUTER_TEST_POSTGRES_URL
    trap '"$RR_SCRIPTS/postgres.sh" stop "$RR_DIR/pg"; rr_cleanup' EXIT
  fi
  extra="$extra, \"store\": {\"kind\": \"postgres\", \"url\": {\"env\": \"ROUTER_TEST_POSTGRES_URL\"}}"
fi
rr_router_json "$extra"
REFUSED_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rr_tenant big "$SECRET" '[
  {"id": "archive", "type": "file", "settings": {"path": "'"$RR_DIR"'/out/big.ndjson"}},
  {"id": "crm", "type": "webhook", "events": ["cancel"], "settings": {
    "url": "http://127.0.0.1:'"$REFUSED_PORT"'/hook", "secrets": ["hook-secret"], "scheme": "x-hub-signature-256"}}]'
rr_start_router

rr_log "filling: $EVENTS events (batches of 400, 4 threads; 1 in 20 a cancel)"
started=$(rr_now)
python3 "$RR_TOOL" load --port "$RR_PORT" --tenant big --secret "$SECRET" --threads 4 --batch 400 \
  --max-events "$((EVENTS * 19 / 20))" --duration 3600 --prefix fill >"$RR_DIR/fill.json"
acked=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["acked_events"])' "$RR_DIR/fill.json")
[ "$acked" -eq "$((EVENTS * 19 / 20))" ] || rr_die "the fill was not fully acknowledged: $(cat "$RR_DIR/fill.json")"
python3 - "$RR_PORT" "$SECRET" "$((EVENTS / 20))" <<'PY'
import hashlib, hmac, http.client, json, sys
port, secret, count = int(sys.argv[1]), sys.argv[2].encode(), int(sys.argv[3])
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
for start in range(0, count, 500):
    batch = [{"event": "cancel", "messageId": f"cancel-{n}",
              "properties": {"user_id": f"user-{n}", "field.cancel.email": f"person{n}@example.com"}}
             for n in range(start, min(count, start + 500))]
    body = json.dumps({"batch": batch}).encode()
    connection.request("POST", "/v1/tenants/big/events", body,
                       {"content-type": "application/json", "x-hub-signature": hmac.new(secret, body, hashlib.sha1).hexdigest()})
    response = connection.getresponse()
    response.read()
    assert response.status == 202, response.status
PY
rr_log "filled in $(rr_calc "round($(rr_now) - $started, 1)") s: $(cat "$RR_DIR/fill.json" | head -c 300)"

rr_log "waiting for the archive to take the whole fill (so both ingest runs see the same store)"
python3 - "$RR_PORT" "$TOKEN" <<'PY'
import http.client, json, sys, time
port, token = int(sys.argv[1]), sys.argv[2]
deadline = time.time() + 600
while time.time() < deadline:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/v1/destinations/health", headers={"authorization": f"Bearer {token}"})
    rows = json.loads(connection.getresponse().read())["destinations"]
    if next(r for r in rows if r["destination"] == "archive")["backlog"] == 0:
        sys.exit(0)
    time.sleep(1)
sys.exit("the archive did not drain within 10 minutes")
PY

python3 - "$RR_PORT" "$TOKEN" "$SAMPLES" <<'PY'
import http.client, json, statistics, sys, time, urllib.parse
port, token, samples = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])

def request(method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    connection.request(method, path, body, headers or {})
    response = connection.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    return response, data, elapsed

response, _, _ = request("POST", "/console/sign-in", f"token={token}", {"content-type": "application/x-www-form-urlencoded"})
cookie = response.getheader("set-cookie").split(";")[0]
bearer = {"authorization": f"Bearer {token}"}
pages = [
    ("console overview", "/console/", {"cookie": cookie}),
    ("console events, newest", "/console/tenants/big/events", {"cookie": cookie}),
    ("console events, by id", "/console/tenants/big/events?id=cancel-7", {"cookie": cookie}),
    ("console events, crm retrying", "/console/tenants/big/events?destination=crm&state=pending", {"cookie": cookie}),
    ("console events, q found at once", "/console/tenants/big/events?q=person3%40example.com", {"cookie": cookie}),
    ("console events, q found nowhere (the whole bounded scan)", "/console/tenants/big/events?q=nobody%40example.com", {"cookie": cookie}),
    ("console event detail", "/console/tenants/big/events/cancel-7", {"cookie": cookie}),
    ("console dead letters", "/console/tenants/big/dead-letters", {"cookie": cookie}),
    ("GET /v1/destinations/health", "/v1/destinations/health", bearer),
    ("GET /v1/tenants/big/events?limit=50", "/v1/tenants/big/events?limit=50", bearer),
    ("GET /v1/tenants/big/dead-letters/count", "/v1/tenants/big/dead-letters/count", bearer),
]
print(f"| page ({samples} requests each) | p50 ms | p95 ms | max ms | status |")
print("|---|---|---|---|---|")
for name, path, headers in pages:
    times, statuses = [], set()
    for _ in range(samples):
        response, _, elapsed = request("GET", path, headers=headers)
        times.append(elapsed)
        statuses.add(response.status)
    times.sort()
    p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
    print(f"| {name} | {statistics.median(times):.1f} | {p95:.1f} | {times[-1]:.1f} | {','.join(map(str, sorted(statuses)))} |")
PY

# Ingest with and without the overview open: wrk sends pre-signed single events (new ids each),
# alternating quiet and watched runs (the overview fetched every 5 s, as the page refreshes).
rr_ensure_apt wrk
RUNS="${CONSOLE_INGEST_RUNS:-4}"
python3 "$RR_TOOL" gen-bodies --count "$((RUNS * 2 * 150000))" --secret "$SECRET" --prefix ingest --out "$RR_DIR/all.bodies" >/dev/null
split -n "l/$((RUNS * 2))" -d "$RR_DIR/all.bodies" "$RR_DIR/part."
curl -s -o /dev/null -c "$RR_DIR/cookies" --data "token=$TOKEN" "http://127.0.0.1:$RR_PORT/console/sign-in"
ingest_rate() {
  wrk -t1 -c64 -d10s -s "$RR_SCRIPTS/bench-ingest.lua" "http://127.0.0.1:$RR_PORT/v1/tenants/big/events" -- "$1" once 2>&1 \
    | sed -n 's/.*RESULT.* rps=\([0-9.]*\).*/\1/p'
}
quiet_rates=() watched_rates=() part=0
quiet_run() { quiet_rates+=("$(ingest_rate "$RR_DIR/part.$(printf '%02d' $part)")"); part=$((part + 1)); }
REFRESH="${CONSOLE_REFRESH_SECONDS:-5}"
watched_run() {
  ( while :; do curl -s -o /dev/null -b "$RR_DIR/cookies" "http://127.0.0.1:$RR_PORT/console/"; sleep "$REFRESH"; done ) &
  local watcher=$!
  watched_rates+=("$(ingest_rate "$RR_DIR/part.$(printf '%02d' $part)")"); part=$((part + 1))
  kill "$watcher" 2>/dev/null || true
  wait "$watcher" 2>/dev/null || true
}
# Quiet, watched, watched, quiet, ...: the store grows with every run, so an ABBA order keeps
# that drift out of the comparison.
for run in $(seq 1 "$RUNS"); do
  if [ $((run % 2)) -eq 1 ]; then quiet_run; watched_run; else watched_run; quiet_run; fi
done
mean() { python3 -c 'import sys; v=[float(x) for x in sys.argv[1:]]; print(round(sum(v)/len(v)))' "$@"; }
quiet_mean=$(mean "${quiet_rates[@]}")
watched_mean=$(mean "${watched_rates[@]}")
rr_log "change with the overview open: $(python3 -c "print(f'{($watched_mean - $quiet_mean) / $quiet_mean * 100:+.1f}%')")"
rr_log "single-event ingest requests/s without the overview: ${quiet_rates[*]}; with it refreshing every 5 s: ${watched_rates[*]}"
echo "ingest requests/s: quiet=${quiet_rates[*]} (mean $quiet_mean) watched=${watched_rates[*]} (mean $watched_mean)"
