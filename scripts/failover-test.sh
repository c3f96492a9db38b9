#!/usr/bin/env bash
# Failover proof: two router instances share one PostgreSQL database; signed load goes to both;
# one is killed with `kill -9` mid-load. Every id that got a 202 must be delivered (each instance
# writes to its own file destination; the union is checked), and the survivor must take over the
# dead instance's partitions within the lease expiry.
#
#   scripts/failover-test.sh                  # uses ROUTER_TEST_POSTGRES_URL, else starts a cluster
#   ROUTER_BIN=.build/release/retention-router FAILOVER_LEASE=15 scripts/failover-test.sh
#
# Prints `acked=… delivered=… duplicates=… lost=… takeover=…s` and exits 1 if anything acknowledged
# is missing or the takeover took longer than the lease (+0.5 s for measuring: the dead instance
# renewed at most a second before the kill, and the survivor asks again as its lease runs out).
# Without PostgreSQL (not installed, no ROUTER_TEST_POSTGRES_URL) it says so and exits 0, except
# under CI=true.
#
# Knobs: FAILOVER_LEASE (5 s), FAILOVER_TENANTS (4), FAILOVER_KILL_AFTER (4 s),
# FAILOVER_RATE (events/s per load process, 150), FAILOVER_SECONDS (load duration, 10),
# FAILOVER_SETTLE_TIMEOUT (60 s).
source "$(dirname "$0")/lib.sh"
rr_init failover-test

LEASE="${FAILOVER_LEASE:-5}"
TENANTS="${FAILOVER_TENANTS:-4}"
KILL_AFTER="${FAILOVER_KILL_AFTER:-4}"
RATE="${FAILOVER_RATE:-150}"
LOAD_SECONDS="${FAILOVER_SECONDS:-10}"
SETTLE_TIMEOUT="${FAILOVER_SETTLE_TIMEOUT:-60}"
SECRET="failover-secret"

# The database: a new one on the test server, or on a cluster started here.
server_url="${ROUTER_TEST_POSTGRES_URL:-}"
if [ -z "$server_url" ]; then
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    if [ "${CI:-}" = "true" ]; then rr_die "CI=true but PostgreSQL is not installed"; fi
    echo "failover-test: SKIPPED (PostgreSQL is not installed and ROUTER_TEST_POSTGRES_URL is unset)"
    exit 0
  fi
  server_url="$("$RR_SCRIPTS/postgres.sh" start "$RR_DIR/postgres")"
  trap '"$RR_SCRIPTS/postgres.sh" stop "$RR_DIR/postgres"; rr_cleanup' EXIT
fi
database="rr_failover_$$_$RANDOM"
psql -q "$server_url" -c "CREATE DATABASE $database" >/dev/null
DATABASE_URL="${server_url%/*}/$database"
export DATABASE_URL
rr_log "database $(printf '%s' "$DATABASE_URL" | sed -E 's#//([^:@/]*):[^@/]*@#//\1:***@#'), lease ${LEASE}s"

rr_router_json '"store": {"kind": "postgres", "url": {"env": "DATABASE_URL"}, "leaseSeconds": '"$LEASE"', "pollMilliseconds": 100}'
for t in $(seq 1 "$TENANTS"); do
  # Relative path: each instance writes under its own working folder.
  rr_tenant "t$t" "$SECRET" '[{"id": "archive", "type": "file", "settings": {"path": "out/{tenant}.ndjson"}}]'
done

# start_instance NAME: serve from $RR_DIR/NAME; sets PID_<NAME> and PORT_<NAME>.
start_instance() {
  rr_start_instance "$RR_DIR/$1" "failover-$1" "$RR_DIR/config/router.json"
  printf -v "PID_$1" '%s' "$RR_INSTANCE_PID"
  printf -v "PORT_$1" '%s' "$RR_INSTANCE_PORT"
}

# The lease holder of each partition, as TENANT/DESTINATION=OWNER lines.
leases() {
  psql -Atq "$DATABASE_URL" -c "SELECT tenant || '/' || destination || '=' || coalesce(owner, '-') FROM retention_router.leases ORDER BY 1"
}

start_instance a
start_instance b
sleep 2
rr_log "leases: $(leases | tr '\n' ' ')"

load_pids=()
for name in a b; do
  port_var="PORT_$name"
  for t in $(seq 1 "$TENANTS"); do
    python3 "$RR_TOOL" load --port "${!port_var}" --tenant "t$t" --secret "$SECRET" --threads 2 \
      --duration "$LOAD_SECONDS" --rate "$RATE" --prefix "$name-t$t" --acked "$RR_DIR/acked-$name-t$t.tsv" \
      --timeout 5 >"$RR_DIR/load-$name-t$t.json" &
    load_pids+=($!)
    rr_track "${load_pids[-1]}"
  done
done

sleep "$KILL_AFTER"
# Kill the instance holding the most partitions (the first to start usually holds them all).
held_a=$(leases | grep -c "=failover-a\$" || true)
victim=a
survivor=b
if [ "$held_a" -eq 0 ]; then victim=b; survivor=a; fi
victim_id="failover-$victim"
victim_pid_var="PID_$victim"
held_by_victim="$(leases | { grep "=$victim_id\$" || true; } | cut -d= -f1 | tr '\n' ' ')"
killed_at=$(rr_now)
kill -KILL "${!victim_pid_var}"
rr_log "kill -9 instance $victim ($victim_id) holding: $held_by_victim"

# Takeover: every partition the victim held is owned by the survivor.
takeover=""
while [ -z "$takeover" ]; do
  # A failed query is not a takeover: look again.
  if ! table="$(leases)"; then sleep 0.1; continue; fi
  still="$(printf '%s\n' "$table" | grep -c "=$victim_id\$" || true)"
  if [ -n "$table" ] && [ "$still" -eq 0 ]; then
    takeover=$(rr_calc "round($(rr_now) - $killed_at, 2)")
    break
  fi
  if [ "$(rr_calc "int($(rr_now) - $killed_at > $LEASE * 4)")" = 1 ]; then
    takeover="never"
    break
  fi
  sleep 0.1
done
rr_log "takeover after ${takeover}s; leases: $(leases | tr '\n' ' ')"

for pid in "${load_pids[@]}"; do wait "$pid" || true; done
acked_files=()
ndjson_files=()
for name in a b; do
  for t in $(seq 1 "$TENANTS"); do
    acked_files+=(--acked "$RR_DIR/acked-$name-t$t.tsv")
    ndjson_files+=(--ndjson "$RR_DIR/$name/out/t$t.ndjson")
  done
done
rr_log "waiting for delivery to settle (at most ${SETTLE_TIMEOUT}s)"
python3 "$RR_TOOL" settle "${acked_files[@]}" "${ndjson_files[@]}" --timeout "$SETTLE_TIMEOUT" --quiet 2 >"$RR_DIR/settle.json"
read -r acked delivered duplicates lost waited < <(rr_json "$RR_DIR/settle.json" \
  '" ".join(str(j[k]) for k in ("acked","delivered","duplicates","lost","waited"))')
survivor_lines=$(cat "$RR_DIR/$survivor"/out/*.ndjson 2>/dev/null | wc -l)
victim_lines=$(cat "$RR_DIR/$victim"/out/*.ndjson 2>/dev/null | wc -l)

echo "failover-test: binary=$RR_BIN tenants=$TENANTS lease=${LEASE}s killed=$victim after ${KILL_AFTER}s of load"
echo "failover-test: lines written by $victim before the kill=$victim_lines, by $survivor=$survivor_lines (settled in ${waited}s)"
echo "acked=$acked delivered=$delivered duplicates=$duplicates lost=$lost takeover=${takeover}s"

status=0
[ "$acked" -gt 0 ] || { rr_log "FAIL: nothing was acknowledged"; status=1; }
if [ "$lost" -ne 0 ]; then
  rr_log "FAIL: $lost acknowledged ids are missing, e.g. $(rr_json "$RR_DIR/settle.json" '" ".join(j["lost_examples"][:5])')"
  status=1
fi
if [ -z "$held_by_victim" ]; then
  rr_log "FAIL: the killed instance held no partition, so nothing was taken over"
  status=1
elif [ "$takeover" = never ] || [ "$(rr_calc "int($takeover > $LEASE + 0.5)")" = 1 ]; then
  rr_log "FAIL: takeover took ${takeover}s, more than the ${LEASE}s lease (+0.5 s for measuring)"
  status=1
fi
psql -q "$server_url" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
if [ "$status" -eq 0 ]; then
  echo "failover-test: PASS"
else
  echo "failover-test: FAIL"
  RR_FAILED=1
fi
exit "$status"
