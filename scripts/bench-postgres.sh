#!/usr/bin/env bash
# Shared-store benchmark: ingest and delivery with the PostgreSQL store, one and two instances on
# one local database, beside the SQLite store measured in the same run with the same requests.
#
#   scripts/bench-postgres.sh       # release binary; ROUTER_TEST_POSTGRES_URL or a cluster started here
#
# For each setup: wrk sends single-event requests (64 connections, split over the instances),
# then batches of 100; each event carries a new id. "delivered/s" is the ingested count divided
# by the time from wrk's first request until the tenants' NDJSON files (one file destination per
# instance; the union is counted) hold every ingested event.
#
# Knobs: BENCH_DURATION (10 s), BENCH_CONNECTIONS (64), BENCH_SINGLE_BODIES (250000),
# BENCH_BATCH_BODIES (5000), BENCH_BATCH_SIZE (100), BENCH_SETUPS ("sqlite postgres-1 postgres-2").
source "$(dirname "$0")/lib.sh"
rr_init bench-postgres
rr_ensure_apt wrk
case "$RR_BIN" in
  */debug/*) rr_log "WARNING: $RR_BIN is a debug build; the numbers will not mean much" ;;
esac

DURATION="${BENCH_DURATION:-10}"
CONNS="${BENCH_CONNECTIONS:-64}"
SINGLE_BODIES="${BENCH_SINGLE_BODIES:-250000}"
BATCH_BODIES="${BENCH_BATCH_BODIES:-5000}"
BATCH_SIZE="${BENCH_BATCH_SIZE:-100}"
SETUPS="${BENCH_SETUPS:-sqlite postgres-1 postgres-2}"
SECRET="bench-secret"
LUA="$RR_SCRIPTS/bench-ingest.lua"

server_url="${ROUTER_TEST_POSTGRES_URL:-}"
if [ -z "$server_url" ]; then
  server_url="$("$RR_SCRIPTS/postgres.sh" start "$RR_DIR/postgres")"
  trap '"$RR_SCRIPTS/postgres.sh" stop "$RR_DIR/postgres"; rr_cleanup' EXIT
fi
rr_log "PostgreSQL server $server_url"

# Bodies: per setup and instance, so that every request of the whole run carries new ids.
gen() { python3 "$RR_TOOL" gen-bodies --secret "$SECRET" "$@" >/dev/null; }
RESULTS="$RR_DIR/results.tsv"
: >"$RESULTS"

# count_lines FILE...: lines in the files that exist.
count_lines() { cat "$@" 2>/dev/null | wc -l; }

# run_setup NAME STORE_JSON INSTANCES
run_setup() {
  local setup="$1" store="$2" instances="$3" i
  local base="$RR_DIR/$setup"
  mkdir -p "$base/config/tenants"
  cat >"$base/config/router.json" <<JSON
{"listen": {"host": "127.0.0.1", "port": 0}, "dataDirectory": "$base/data", "tenantsDirectory": "$base/config/tenants",
 "allowPrivateAddresses": true, "maxStoreBytes": 68719476736, "store": $store}
JSON
  for tenant in single batch; do
    cat >"$base/config/tenants/$tenant.json" <<JSON
{"name": "$tenant", "ingest": {"scheme": "x-hub-signature", "secrets": ["$SECRET"]},
 "destinations": [{"id": "archive", "type": "file", "settings": {"path": "out/$tenant.ndjson"}}]}
JSON
  done
  local pids=() ports=()
  for i in $(seq 1 "$instances"); do
    rr_start_instance "$base/i$i" "$setup-$i" "$base/config/router.json" notice
    pids+=("$RR_INSTANCE_PID")
    ports+=("$RR_INSTANCE_PORT")
  done
  sleep 2
  local per_conn=$((CONNS / instances))
  for kind in single batch; do
    local per=1 count=$((SINGLE_BODIES / instances))
    [ "$kind" = batch ] && per=$BATCH_SIZE && count=$((BATCH_BODIES / instances))
    for i in $(seq 1 "$instances"); do
      if [ "$kind" = batch ]; then
        gen --count "$count" --batch "$BATCH_SIZE" --prefix "$setup-$kind-$i" --out "$base/$kind-$i.bodies"
      else
        gen --count "$count" --prefix "$setup-$kind-$i" --out "$base/$kind-$i.bodies"
      fi
    done
    local started wrk_pids=()
    started=$(rr_now)
    for i in $(seq 1 "$instances"); do
      wrk -t1 -c"$per_conn" -d"${DURATION}s" --timeout 10s -s "$LUA" "http://127.0.0.1:${ports[$((i - 1))]}/v1/tenants/$kind/events" \
        -- "$base/$kind-$i.bodies" once >"$base/wrk-$kind-$i.txt" 2>&1 &
      wrk_pids+=($!)
    done
    for pid in "${wrk_pids[@]}"; do wait "$pid"; done
    # Acknowledged events: the sum of the 2xx responses times the events per request.
    local acked=0 rps=0 p50="" p99=""
    for i in $(seq 1 "$instances"); do
      local line
      line="$(grep '^RESULT ' "$base/wrk-$kind-$i.txt" | tail -n 1 || true)"
      [ -n "$line" ] || rr_die "wrk printed no RESULT: $(tail -n 5 "$base/wrk-$kind-$i.txt")"
      local requests errors
      requests=$(echo "$line" | sed -n 's/.*RESULT requests=\([0-9]*\).*/\1/p')
      errors=$(echo "$line" | sed -n 's/.* status_errors=\([0-9]*\).*/\1/p')
      acked=$(rr_calc "$acked + ($requests - $errors) * $per")
      rps=$(rr_calc "$rps + $(echo "$line" | sed -n 's/.* rps=\([0-9.]*\).*/\1/p')")
      p50="$p50$(echo "$line" | sed -n 's/.* p50_ms=\([0-9.]*\).*/\1/p') "
      p99="$p99$(echo "$line" | sed -n 's/.* p99_ms=\([0-9.]*\).*/\1/p') "
    done
    local files=() deadline complete=""
    for i in $(seq 1 "$instances"); do files+=("$base/i$i/out/$kind.ndjson"); done
    deadline=$((SECONDS + 300))
    while [ "$SECONDS" -lt "$deadline" ]; do
      if [ "$(count_lines "${files[@]}")" -ge "$acked" ]; then complete=$(rr_now); break; fi
      sleep 0.05
    done
    local delivered_rate="timeout"
    [ -n "$complete" ] && delivered_rate=$(rr_calc "round($acked / ($complete - $started))")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$setup" "$kind" "$(rr_calc "round($rps)")" "$(rr_calc "round($rps * $per)")" "$p50" "$p99" "$delivered_rate" >>"$RESULTS"
    rr_log "$setup $kind: req/s=$(rr_calc "round($rps)") acked=$acked p50=[$p50] p99=[$p99] delivered/s=$delivered_rate"
  done
  for pid in "${pids[@]}"; do rr_stop_pid "$pid" 20; done
}

for setup in $SETUPS; do
  case "$setup" in
    sqlite) run_setup sqlite '{"kind": "sqlite"}' 1 ;;
    postgres-*)
      instances="${setup#postgres-}"
      database="rr_bench_$$_${instances}"
      psql -q "$server_url" -c "CREATE DATABASE $database" >/dev/null
      run_setup "$setup" '{"kind": "postgres", "url": "'"${server_url%/*}/$database"'", "maxConnections": 32}' "$instances"
      psql -q "$server_url" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
      ;;
    *) rr_die "unknown setup $setup" ;;
  esac
done

echo
echo "bench-postgres: binary=$RR_BIN, $(nproc) cores shared by wrk, the routers and PostgreSQL (noisy: compare within one run)"
printf '%-12s %-7s %10s %10s %-16s %-16s %12s\n' setup kind "req/s" "events/s" "p50 ms" "p99 ms" "delivered/s"
while IFS=$'\t' read -r setup kind rps eps p50 p99 delivered; do
  printf '%-12s %-7s %10s %10s %-16s %-16s %12s\n' "$setup" "$kind" "$rps" "$eps" "$p50" "$p99" "$delivered"
done <"$RESULTS"
