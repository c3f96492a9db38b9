#!/usr/bin/env bash
# Crash proof: no acknowledged event is lost when the router is killed with SIGKILL mid-load.
#
#   scripts/crash-test.sh                      # release binary if built, else the debug one
#   ROUTER_BIN=.build/debug/retention-router scripts/crash-test.sh
#
# Several Python threads send signed single events (distinct messageIds) to a tenant with a file
# destination and record every id answered 202. After CRASH_KILL_AFTER seconds the router gets
# `kill -9`; it is restarted on the same data directory (CRASH_ROUNDS times), takes a little more
# load, then the script waits until delivery settles and checks that every acknowledged id is in
# the tenant's NDJSON file at least once. Prints `acked=… delivered=… duplicates=… lost=…` and
# exits 1 if anything acknowledged is missing.
#
# With CRASH_TENANTS=N (e.g. 5000) the load is spread over N tenants, each with its own file
# destination (out/TENANT/events.ndjson), and every acknowledged id must be in its own tenant's
# file: the group fsync shared by the file destinations is put through the same kills.
#
# Knobs: CRASH_ROUNDS (2), CRASH_THREADS (8), CRASH_KILL_AFTER (3 s), CRASH_MAX_EVENTS (100000),
# CRASH_POST_LOAD_SECONDS (2), CRASH_SETTLE_TIMEOUT (60 s), CRASH_TENANTS (1).
source "$(dirname "$0")/lib.sh"
rr_init crash-test

ROUNDS="${CRASH_ROUNDS:-2}"
THREADS="${CRASH_THREADS:-8}"
KILL_AFTER="${CRASH_KILL_AFTER:-3}"
MAX_EVENTS="${CRASH_MAX_EVENTS:-100000}"
POST_LOAD_SECONDS="${CRASH_POST_LOAD_SECONDS:-2}"
SETTLE_TIMEOUT="${CRASH_SETTLE_TIMEOUT:-60}"
TENANTS="${CRASH_TENANTS:-1}"
SECRET="crash-secret"
NDJSON="$RR_DIR/out/crash/events.ndjson"
ACKED="$RR_DIR/acked.tsv"
: >"$ACKED"

rr_router_json
if [ "$TENANTS" -gt 1 ]; then
  # Tenants crash00000 ... each writing out/TENANT/events.ndjson.
  python3 "$RR_TOOL" gen-tenants --count "$TENANTS" --prefix crash --secret "$SECRET" --out-dir "$RR_DIR/config/tenants" \
    --destination '{"id": "archive", "type": "file", "settings": {"path": "'"$RR_DIR"'/out/{tenant}/events.ndjson"}}' >/dev/null
  LOAD_TENANTS=(--tenants "$TENANTS")
  SETTLE_FILES=(--ndjson-pattern "$RR_DIR/out/{tenant}/events.ndjson")
  BACKLOG_LABEL='tenant="crash'
else
  rr_tenant crash "$SECRET" '[{"id": "archive", "type": "file", "settings": {"path": "'"$NDJSON"'"}}]'
  LOAD_TENANTS=()
  SETTLE_FILES=(--ndjson "$NDJSON")
  BACKLOG_LABEL='tenant="crash"'
fi
# Lines in the NDJSON file(s) so far.
count_lines() { cat "$RR_DIR"/out/*/events.ndjson 2>/dev/null | wc -l; }

per_round=$((MAX_EVENTS / (ROUNDS + 1)))
for round in $(seq 1 "$ROUNDS"); do
  rr_start_router
  python3 "$RR_TOOL" load --port "$RR_PORT" --tenant crash "${LOAD_TENANTS[@]}" --secret "$SECRET" --threads "$THREADS" \
    --duration 60 --max-events "$per_round" --prefix "r$round" --acked "$ACKED" \
    >"$RR_DIR/load-$round.json" &
  load_pid=$!
  rr_track "$load_pid"
  # Vary the moment of the kill a little between rounds.
  sleep "$(rr_calc "$KILL_AFTER + 0.37 * ($round - 1)")"
  lines_before=$(count_lines)
  rr_kill9_router
  rr_log "round $round: kill -9 sent to pid $RR_PID with $lines_before lines in the NDJSON file(s)"
  kill -TERM "$load_pid" 2>/dev/null || true
  wait "$load_pid" || true
  rr_log "round $round: load $(rr_json "$RR_DIR/load-$round.json" '"acked=%d requests=%d status=%s errors=%s" % (j["acked_events"], j["requests"], j["status"], j["errors"])')"
done

rr_log "restart on the same data directory"
rr_start_router
if [ "$POST_LOAD_SECONDS" != 0 ]; then
  python3 "$RR_TOOL" load --port "$RR_PORT" --tenant crash "${LOAD_TENANTS[@]}" --secret "$SECRET" --threads "$THREADS" \
    --duration "$POST_LOAD_SECONDS" --max-events "$per_round" --prefix "post" --acked "$ACKED" \
    >"$RR_DIR/load-post.json"
  rr_log "after restart: load $(rr_json "$RR_DIR/load-post.json" '"acked=%d requests=%d status=%s errors=%s" % (j["acked_events"], j["requests"], j["status"], j["errors"])')"
fi

rr_log "waiting for delivery to settle (at most ${SETTLE_TIMEOUT}s)"
python3 "$RR_TOOL" settle --acked "$ACKED" "${SETTLE_FILES[@]}" --timeout "$SETTLE_TIMEOUT" --quiet 2 \
  >"$RR_DIR/settle.json"
backlog=$(rr_metric router_backlog_events "$BACKLOG_LABEL")
dead=$(rr_metric router_dead_letters "$BACKLOG_LABEL")
rr_stop_router
errors="$(cat "$RR_DIR"/router-*.log | grep -cE ' (error|critical) ' || true)"

read -r acked delivered duplicates lost torn unacked lines waited < <(rr_json "$RR_DIR/settle.json" \
  '" ".join(str(j[k]) for k in ("acked","delivered","duplicates","lost","torn_lines","unacked_delivered","lines","waited"))')

echo "crash-test: binary=$RR_BIN rounds=$ROUNDS threads=$THREADS kill_after=${KILL_AFTER}s tenants=$TENANTS"
echo "crash-test: ndjson lines=$lines in $(rr_json "$RR_DIR/settle.json" 'j["files"]') file(s) (settled in ${waited}s), delivered but never acked (in flight at the kill)=$unacked, torn lines=$torn"
echo "crash-test: final backlog=$backlog dead_letters=$dead router error lines=$errors graceful stop: exit=$RR_STOP_STATUS in ${RR_STOP_SECONDS}s"
echo "acked=$acked delivered=$delivered duplicates=$duplicates lost=$lost"

status=0
if [ "$acked" -eq 0 ]; then
  rr_log "FAIL: nothing was acknowledged; the load did not reach the router"
  status=1
fi
if [ "$lost" -ne 0 ]; then
  rr_log "FAIL: $lost acknowledged ids are missing, e.g. $(rr_json "$RR_DIR/settle.json" '" ".join(j["lost_examples"][:5])')"
  status=1
fi
if [ "$torn" -ne 0 ]; then
  rr_log "WARN: $torn NDJSON lines do not parse (a half-written line left by the kill): $(rr_json "$RR_DIR/settle.json" 'j["torn_examples"][:1]')"
fi
if [ "$status" -eq 0 ]; then
  echo "crash-test: PASS"
else
  echo "crash-test: FAIL"
  RR_FAILED=1
fi
exit "$status"
