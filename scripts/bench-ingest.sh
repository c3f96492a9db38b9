#!/usr/bin/env bash
# Ingest benchmark: requests/s and events/s the router acknowledges, latency, peak RSS, and how
# fast the file destination keeps up — next to the machine's HTTP ceiling (nginx, one worker,
# `return 202`) measured in the same run with the same requests.
#
#   scripts/bench-ingest.sh            # release binary (.build-release or .build/release)
#
# The disk's own ceiling (fdatasync'd appends, small and 1 MiB, in the same folder) is measured
# in the same run too: batched ingest is bound by the bytes written per event.
#
# Needs wrk and nginx-light (installed with apt-get if missing). Every request carries new event
# ids: the bodies are generated and signed before the run (scripts/rrtool.py gen-bodies) and
# scripts/bench-ingest.lua sends each once; if they run out before the duration, the rate is
# computed over the time they lasted (the table says so).
#
# Latency at half the peak: after the single-event run, wrk sends single events again, paced at
# half the rate just measured (bench-ingest.lua's RATE), to a third tenant.
#
# Knobs: BENCH_DURATION (10 s), BENCH_CONNECTIONS (64), BENCH_SINGLE_BODIES (300000),
# BENCH_BATCH_BODIES (8000), BENCH_BATCH_SIZE (100), BENCH_SKIP_NGINX=1.
source "$(dirname "$0")/lib.sh"
rr_init bench-ingest
rr_ensure_apt wrk nginx-light
case "$RR_BIN" in
  */debug/*) rr_log "WARNING: $RR_BIN is a debug build; the numbers will not mean much" ;;
esac

DURATION="${BENCH_DURATION:-10}"
CONNS="${BENCH_CONNECTIONS:-64}"
SINGLE_BODIES="${BENCH_SINGLE_BODIES:-300000}"
BATCH_BODIES="${BENCH_BATCH_BODIES:-8000}"
BATCH_SIZE="${BENCH_BATCH_SIZE:-100}"
SECRET="bench-secret"
LUA="$RR_SCRIPTS/bench-ingest.lua"
WRK_OPTS="-t1 -c$CONNS -d${DURATION}s --timeout 10s"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

rr_log "generating $SINGLE_BODIES single-event bodies and $BATCH_BODIES batches of $BATCH_SIZE (signed, distinct ids)"
python3 "$RR_TOOL" gen-bodies --count "$SINGLE_BODIES" --secret "$SECRET" --prefix s \
  --out "$RR_DIR/single.bodies" >"$RR_DIR/gen-single.json"
python3 "$RR_TOOL" gen-bodies --count "$((SINGLE_BODIES / 2))" --secret "$SECRET" --prefix h \
  --out "$RR_DIR/half.bodies" >/dev/null
python3 "$RR_TOOL" gen-bodies --count "$BATCH_BODIES" --batch "$BATCH_SIZE" --secret "$SECRET" --prefix b \
  --out "$RR_DIR/batch.bodies" >"$RR_DIR/gen-batch.json"
single_bytes=$(rr_json "$RR_DIR/gen-single.json" 'j["avg_body_bytes"]')
batch_bytes=$(rr_json "$RR_DIR/gen-batch.json" 'j["avg_body_bytes"]')

RESULTS="$RR_DIR/results.tsv"
: >"$RESULTS"
COMMANDS=()

# run_wrk LABEL EVENTS_PER_REQUEST URL BODIES MODE [RATE]: runs wrk, appends a row to $RESULTS.
run_wrk() {
  local label="$1" per="$2" url="$3" bodies="$4" mode="$5" rate="${6:-}" out="$RR_DIR/wrk-$1.txt"
  local command="wrk $WRK_OPTS -s scripts/bench-ingest.lua $url -- $(basename "$bodies") $mode${rate:+ $rate}"
  COMMANDS+=("$label: $command")
  rr_log "$label: $command"
  wrk $WRK_OPTS -s "$LUA" "$url" -- "$bodies" "$mode" $rate >"$out" 2>&1 || rr_die "wrk failed: $(tail -n 5 "$out")"
  local result
  result="$(grep '^RESULT ' "$out" | tail -n 1)"
  [ -n "$result" ] || rr_die "wrk printed no RESULT line: $(tail -n 5 "$out")"
  printf '%s\t%s\t%s\n' "$label" "$per" "${result#RESULT }" >>"$RESULTS"
}

# ---- the ceiling: nginx-light, one worker, return 202 to the same POSTs ----------------------
if [ "${BENCH_SKIP_NGINX:-0}" != 1 ]; then
  NGINX_PORT=$(free_port)
  mkdir -p "$RR_DIR/nginx/tmp"
  cat >"$RR_DIR/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $RR_DIR/nginx/nginx.pid;
error_log $RR_DIR/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $RR_DIR/nginx/tmp;
  client_max_body_size 8m;
  keepalive_requests 10000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { return 202 '{"accepted":1}'; }
  }
}
EOF
  nginx -e "$RR_DIR/nginx/error.log" -p "$RR_DIR/nginx" -c "$RR_DIR/nginx/nginx.conf" &
  NGINX_PID=$!
  rr_track "$NGINX_PID"
  for _ in $(seq 1 50); do
    curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/" && break
    sleep 0.1
  done
  run_wrk nginx-single 1 "http://127.0.0.1:$NGINX_PORT/v1/tenants/single/events" "$RR_DIR/single.bodies" cycle
  run_wrk nginx-batch "$BATCH_SIZE" "http://127.0.0.1:$NGINX_PORT/v1/tenants/batch/events" "$RR_DIR/batch.bodies" cycle
  rr_stop_pid "$NGINX_PID" 5
fi

# ---- the framework's ceiling: a bare Hummingbird route that collects the body, answers 202 ----
CEILING_BIN="${CEILING_BIN:-.build-release/release/hummingbird-ceiling}"
if [ ! -x "$CEILING_BIN" ]; then
  rr_log "building the Hummingbird ceiling ($CEILING_BIN)"
  ENABLE_BENCHMARKS=1 swift build -c release --product hummingbird-ceiling --scratch-path .build-release >"$RR_DIR/ceiling-build.log" 2>&1 \
    || rr_die "cannot build hummingbird-ceiling: $(tail -n 5 "$RR_DIR/ceiling-build.log")"
fi
"$CEILING_BIN" 0 >"$RR_DIR/ceiling.log" 2>&1 &
CEILING_PID=$!
rr_track "$CEILING_PID"
CEILING_PORT=""
for _ in $(seq 1 100); do
  CEILING_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$RR_DIR/ceiling.log" | head -n 1)
  [ -n "$CEILING_PORT" ] && break
  sleep 0.1
done
[ -n "$CEILING_PORT" ] || rr_die "hummingbird-ceiling did not start: $(cat "$RR_DIR/ceiling.log")"
run_wrk hummingbird-single 1 "http://127.0.0.1:$CEILING_PORT/v1/tenants/single/events" "$RR_DIR/single.bodies" cycle
run_wrk hummingbird-batch "$BATCH_SIZE" "http://127.0.0.1:$CEILING_PORT/v1/tenants/batch/events" "$RR_DIR/batch.bodies" cycle
rr_stop_pid "$CEILING_PID" 5

# ---- the disk's ceiling: synced appends in the folder the router's store will use ------------
rr_log "disk ceiling: python3 scripts/rrtool.py disk-ceiling --dir $RR_DIR"
python3 "$RR_TOOL" disk-ceiling --dir "$RR_DIR" >"$RR_DIR/disk.json"

# ---- the router ------------------------------------------------------------------------------
rr_router_json
rr_tenant single "$SECRET" '[{"id": "archive", "type": "file", "settings": {"path": "'"$RR_DIR"'/out/single.ndjson"}}]'
rr_tenant batch "$SECRET" '[{"id": "archive", "type": "file", "settings": {"path": "'"$RR_DIR"'/out/batch.ndjson"}}]'
rr_tenant half "$SECRET" '[{"id": "archive", "type": "file", "settings": {"path": "'"$RR_DIR"'/out/half.ndjson"}}]'
rr_start_router
rr_sample_rss "$RR_PID" "$RR_DIR/rss.txt" 0.2

# Each router run is watched by a line-timeline process that records when the tenant's NDJSON
# file gains lines; after wrk, the ingested count (from /metrics) is the target, and the end to
# end time is from wrk's first request to the first moment the file had that many lines.
watch_start() {
  local tenant="$1"
  python3 "$RR_TOOL" line-timeline --file "$RR_DIR/out/$tenant.ndjson" --out "$RR_DIR/lines-$tenant.txt" \
    --until-file "$RR_DIR/target-$tenant" --timeout 600 &
  WATCH_PID=$!
  rr_track "$WATCH_PID"
}
watch_finish() {
  local tenant="$1" wrk_end="$2" ingested first_at
  ingested=$(rr_metric router_events_ingested_total "tenant=\"$tenant\"")
  echo "$ingested" >"$RR_DIR/target-$tenant"
  local deadline=$((SECONDS + 300))
  while kill -0 "$WATCH_PID" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
  rr_stop_pid "$WATCH_PID" 1
  first_at=$(sed -n 's/.*first_wall=\([0-9.]*\).*/\1/p' "$RR_DIR/wrk-router-$tenant.txt")
  python3 - "$RR_DIR/lines-$tenant.txt" "$tenant" "$ingested" "$first_at" "$wrk_end" >>"$RR_DIR/e2e.tsv" <<'EOF'
import sys
path, tenant, ingested, first, wrk_end = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
reached = None
last = 0
for line in open(path):
    t, n = line.split()
    last = int(n)
    if last >= ingested:
        reached = float(t)
        break
if reached is None:
    print(f"{tenant}\t{ingested}\tNaN\tNaN\tonly {last} lines in the file")
else:
    print(f"{tenant}\t{ingested}\t{reached - first:.3f}\t{reached - wrk_end:.3f}\tok")
EOF
}

: >"$RR_DIR/e2e.tsv"
rss_before=$(rr_rss_kb "$RR_PID")
watch_start single
run_wrk router-single 1 "http://127.0.0.1:$RR_PORT/v1/tenants/single/events" "$RR_DIR/single.bodies" once
watch_finish single "$(rr_now)"
rss_after_single=$(rr_rss_kb "$RR_PID")
half_rate=$(python3 -c 'import sys; print(int(float(sys.argv[1].split("rps=")[1].split()[0]) / 2))' "$(grep '^RESULT ' "$RR_DIR/wrk-router-single.txt")")
sleep 2
run_wrk router-single-half 1 "http://127.0.0.1:$RR_PORT/v1/tenants/half/events" "$RR_DIR/half.bodies" once "$half_rate"
watch_start batch
run_wrk router-batch "$BATCH_SIZE" "http://127.0.0.1:$RR_PORT/v1/tenants/batch/events" "$RR_DIR/batch.bodies" once
watch_finish batch "$(rr_now)"
rss_after_batch=$(rr_rss_kb "$RR_PID")
peak_rss=$(rr_hwm_kb "$RR_PID")
dups=$(rr_metric router_events_duplicate_total)
rejected=$(rr_metric router_events_rejected_total)
store_bytes=$(rr_metric router_store_bytes)
rr_stop_router 30
errors=$(rr_errors_in_log)

# ---- the table -------------------------------------------------------------------------------
python3 - "$RESULTS" "$RR_DIR/e2e.tsv" "$RR_DIR/disk.json" <<EOF
import json, sys
rows = {}
for line in open(sys.argv[1]):
    label, per, rest = line.rstrip("\n").split("\t")
    kv = dict(p.split("=", 1) for p in rest.split())
    rows[label] = (int(per), kv)
print()
print("bench-ingest: binary=$RR_BIN, $(nproc) cores shared (noisy: compare ratios, not absolutes)")
print("bodies: single %s B, batch of $BATCH_SIZE %s B (the sample accept_offer event, distinct ids)" % ("$single_bytes", "$batch_bytes"))
print()
print(f"{'target':<15}{'events/req':>11}{'req/s':>11}{'events/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'non-2xx':>9}{'sock err':>9}  note")
for label, (per, kv) in rows.items():
    rps = float(kv["rps"])
    errs = sum(int(kv[k]) for k in ("connect", "read", "write", "timeout"))
    note = ""
    if kv["exhausted"] == "1":
        note = "bodies ran out after %.1fs (rate over that time)" % float(kv["seconds"])
    print(f"{label:<15}{per:>11}{rps:>11,.0f}{rps * per:>11,.0f}{float(kv['p50_ms']):>9.2f}{float(kv['p99_ms']):>9.2f}"
          f"{float(kv['max_ms']):>9.1f}{int(kv['status_errors']):>9}{errs:>9}  {note}")
if "router-single-half" in rows:
    kv = rows["router-single-half"][1]
    print(f"router p99 at half the single-event peak ({float(kv['rps']):,.0f} requests/s, paced): {float(kv['p99_ms']):.2f} ms (target < 20 ms)")
for tenant in ("single", "batch"):
    for ceiling in ("nginx", "hummingbird"):
        a, b = f"{ceiling}-{tenant}", f"router-{tenant}"
        if a in rows and b in rows:
            print(f"router/{ceiling} {tenant}: {float(rows[b][1]['rps']) / float(rows[a][1]['rps']):.1%} of that ceiling")
disk = json.load(open(sys.argv[3]))
event_bytes = float("$batch_bytes") / $BATCH_SIZE
disk_events = disk["large_mb_per_s"] * 1e6 / event_bytes
print()
print(f"disk (same folder, same run): {disk['small_syncs_per_s']:,} fdatasync'd {disk['small_bytes']} B appends/s; "
      f"{disk['large_mb_per_s']:,.0f} MB/s in fdatasync'd 1 MiB appends = {disk_events:,.0f} events/s of {event_bytes:,.0f} B")
if "router-batch" in rows:
    batch_events = float(rows["router-batch"][1]["rps"]) * rows["router-batch"][0]
    print(f"router/disk batch: {batch_events / disk_events:.1%} of the disk's synced append bandwidth per event")
print()
print("end to end (first request sent -> the file destination's NDJSON has every ingested event):")
for line in open(sys.argv[2]):
    tenant, ingested, total, lag, note = line.rstrip("\n").split("\t")
    if note == "ok":
        print(f"  {tenant:<7} {int(ingested):>8,} events in {float(total):6.2f}s = {int(ingested) / float(total):>9,.0f} events/s delivered; file complete {float(lag):+.2f}s relative to wrk exiting")
    else:
        print(f"  {tenant:<7} {note}")
EOF
echo
echo "router RSS KiB: before=$rss_before after-single=$rss_after_single after-batch=$rss_after_batch peak(VmHWM)=$peak_rss; store $((store_bytes / 1048576)) MiB"
echo "router duplicates acknowledged=$dups rejected=$rejected; graceful stop exit=$RR_STOP_STATUS in ${RR_STOP_SECONDS}s"
[ -z "$errors" ] || { echo "router error log lines:"; echo "$errors"; }
echo
echo "commands (bodies generated by: python3 scripts/rrtool.py gen-bodies --count N [--batch $BATCH_SIZE] --secret $SECRET ...):"
for command in "${COMMANDS[@]}"; do echo "  $command"; done
