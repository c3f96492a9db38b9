#!/usr/bin/env bash
# Soak: nothing grows with uptime. Drives many live reloads that change a destination (each
# retires a worker and starts another), then, on PostgreSQL, many lease hand-overs between two
# instances (a second instance joins and takes its share, then leaves and the first takes every
# partition back, again and again; each round waits for both moves), with events flowing
# throughout; compares resident memory early and at the end, and checks that the workers in
# memory and running come back to exactly the configured partitions (`router_delivery_workers`).
#
#   scripts/soak.sh                          # 1000 reloads (~1 min), then 1000 hand-over rounds
#                                            # (PostgreSQL; about 3 s a round, ~50 min)
#   SOAK_RELOADS=200 SOAK_HANDOVERS=0 scripts/soak.sh
#
# Knobs: SOAK_RELOADS (1000), SOAK_HANDOVERS (1000; 0 skips; needs PostgreSQL: uses
# ROUTER_TEST_POSTGRES_URL or starts a cluster), SOAK_TENANTS (4 steady tenants besides the one
# that changes), SOAK_RSS_SLACK_KB (4096: the growth allowed from the early sample to the end).
# Prints one line per phase and exits 1 when memory grew past the slack, a worker leaked, or an
# acknowledged event was not delivered.
source "$(dirname "$0")/lib.sh"
rr_init soak

RELOADS="${SOAK_RELOADS:-1000}"
HANDOVERS="${SOAK_HANDOVERS:-1000}"
TENANTS="${SOAK_TENANTS:-4}"
SLACK="${SOAK_RSS_SLACK_KB:-4096}"
SECRET="soak-secret"
TOKEN="soak-admin-token"
export ROUTER_ADMIN_TOKEN="$TOKEN"
failed=0

sample_event() { # ID: writes $RR_DIR/event.json for id ID
  python3 - "$1" "$RR_SCRIPTS/sample-event.json" "$RR_DIR/event.json" <<'PY'
import json, sys
event = json.load(open(sys.argv[2])); event["messageId"] = sys.argv[1]
json.dump(event, open(sys.argv[3], "w"))
PY
}

changing_tenant() { # MAXBYTES: the tenant whose destination each reload changes
  cat <<JSON
{"name": "soak", "ingest": {"scheme": "x-hub-signature", "secrets": ["$SECRET"]},
 "destinations": [{"id": "archive", "type": "file", "settings": {"path": "$RR_DIR/data/soak.ndjson", "maxBytes": $1}}]}
JSON
}

workers() { # prints "alive running" from /metrics
  echo "$(rr_metric router_delivery_workers 'state="alive"') $(rr_metric router_delivery_workers 'state="running"')"
}

# Phase 1: live reloads on SQLite.
if [ "$RELOADS" -gt 0 ]; then
  rr_router_json '"adminToken": {"env": "ROUTER_ADMIN_TOKEN"}'
  for t in $(seq 1 "$TENANTS"); do
    rr_tenant "t$t" "$SECRET" '[{"id": "archive", "type": "file", "settings": {"path": "'"$RR_DIR"'/data/t'"$t"'.ndjson"}}]'
  done
  changing_tenant 1073741824 >"$RR_DIR/config/tenants/soak.json"
  rr_start_router
  partitions=$((TENANTS + 1))
  early=0
  sent=0
  for i in $(seq 1 "$RELOADS"); do
    size=$(( i % 2 == 0 ? 1073741824 : 1073741825 ))
    changing_tenant "$size" >"$RR_DIR/tenant.json"
    code=$(curl -s -o "$RR_DIR/put.json" -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOKEN" \
      -H 'content-type: application/json' --data-binary @"$RR_DIR/tenant.json" "http://127.0.0.1:$RR_PORT/v1/admin/tenants/soak")
    [ "$code" = "200" ] || rr_die "reload $i answered $code: $(cat "$RR_DIR/put.json")"
    if [ $((i % 10)) -eq 0 ]; then
      sample_event "soak-$i"
      rr_post soak "$SECRET" "$RR_DIR/event.json" | grep -q ' 202$' || rr_die "ingest after reload $i was refused"
      sent=$((sent + 1))
    fi
    [ "$i" -eq $(( RELOADS < 100 ? RELOADS : 100 )) ] && early=$(rr_rss_kb "$RR_PID")
  done
  sleep 2
  late=$(rr_rss_kb "$RR_PID")
  read -r alive running <<<"$(workers)"
  delivered=$(grep -c . "$RR_DIR/data/soak.ndjson" 2>/dev/null || echo 0)
  growth=$((late - early))
  echo "reloads=$RELOADS rss_after_100=${early}KiB rss_end=${late}KiB growth=${growth}KiB workers_alive=$alive workers_running=$running partitions=$partitions sent=$sent delivered=$delivered"
  [ "$growth" -le "$SLACK" ] || { rr_log "FAIL: memory grew by ${growth} KiB over $RELOADS reloads"; failed=1; }
  [ "$alive" -eq "$partitions" ] && [ "$running" -eq "$partitions" ] || { rr_log "FAIL: $alive workers in memory, $running running, for $partitions partitions"; failed=1; }
  [ "$delivered" -ge "$sent" ] || { rr_log "FAIL: $sent events acknowledged, $delivered delivered"; failed=1; }
  rr_stop_router 20
fi

# Phase 2: lease hand-overs between two instances on one PostgreSQL database.
if [ "$HANDOVERS" -gt 0 ]; then
  server_url="${ROUTER_TEST_POSTGRES_URL:-}"
  if [ -z "$server_url" ]; then
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "soak: hand-overs SKIPPED (no PostgreSQL)"; exit "$failed"; }
    server_url="$("$RR_SCRIPTS/postgres.sh" start "$RR_DIR/postgres")"
    trap '"$RR_SCRIPTS/postgres.sh" stop "$RR_DIR/postgres"; rr_cleanup' EXIT
  fi
  database="rr_soak_$$_$RANDOM"
  psql -q "$server_url" -c "CREATE DATABASE $database" >/dev/null
  export DATABASE_URL="${server_url%/*}/$database"
  rr_router_json '"adminToken": {"env": "ROUTER_ADMIN_TOKEN"}, "store": {"kind": "postgres", "url": {"env": "DATABASE_URL"}, "leaseSeconds": 5, "pollMilliseconds": 100}'
  rm -f "$RR_DIR/config/tenants/"*.json
  partitions=8
  for t in $(seq 1 "$partitions"); do
    rr_tenant "h$t" "$SECRET" '[{"id": "archive", "type": "file", "settings": {"path": "out/{tenant}.ndjson"}}]'
  done
  rr_start_instance "$RR_DIR/a" soak-a "$RR_DIR/config/router.json"
  PID_A=$RR_INSTANCE_PID
  RR_PORT=$RR_INSTANCE_PORT
  early=0
  moved=0
  held() { # PORT: the partitions the instance on PORT holds now
    curl -s --max-time 5 "http://127.0.0.1:$1/metrics" 2>/dev/null | awk '$1 == "router_partitions_held" { print int($2) }'
  }
  wait_held() { # PORT TEST N: waits up to 15 s until the held count of PORT passes `[ held TEST N ]`
    local deadline=$((SECONDS + 15)) count
    while [ "$SECONDS" -lt "$deadline" ]; do
      count="$(held "$1")"
      [ -n "$count" ] && [ "$count" "$2" "$3" ] && return 0
      sleep 0.1
    done
    return 1
  }
  for i in $(seq 1 "$HANDOVERS"); do
    # b joins and takes its share from a, then leaves and a takes everything back: each round
    # waits for both moves, so every round is two real hand-overs, not a visit too short for one.
    rr_start_instance "$RR_DIR/b" soak-b "$RR_DIR/config/router.json" notice 2>/dev/null
    PID_B=$RR_INSTANCE_PID
    sample_event "handover-$i"
    rr_post "h$(( i % partitions + 1 ))" "$SECRET" "$RR_DIR/event.json" | grep -q ' 202$' || rr_die "ingest during hand-over $i was refused"
    if wait_held "$RR_INSTANCE_PORT" -ge 1; then moved=$((moved + 1)); fi
    rr_stop_pid "$PID_B" 20
    wait_held "$RR_PORT" -eq "$partitions" || rr_die "round $i: instance a did not take every partition back within 15 s"
    [ "$i" -eq $(( HANDOVERS < 100 ? HANDOVERS : 100 )) ] && early=$(rr_rss_kb "$PID_A")
  done
  # a holds everything again once b's leases are released (b releases them on a clean exit).
  sleep 3
  late=$(rr_rss_kb "$PID_A")
  read -r alive running <<<"$(workers)"
  delivered=$(cat "$RR_DIR"/a/out/*.ndjson "$RR_DIR"/b/out/*.ndjson 2>/dev/null | grep -c '"handover-' || true)
  growth=$((late - early))
  echo "handovers=$HANDOVERS taken_by_b=$moved rss_after_100=${early}KiB rss_end=${late}KiB growth=${growth}KiB workers_alive=$alive workers_running=$running partitions=$partitions sent=$HANDOVERS delivered=$delivered"
  [ "$growth" -le "$SLACK" ] || { rr_log "FAIL: memory grew by ${growth} KiB over $HANDOVERS hand-overs"; failed=1; }
  [ "$alive" -eq "$partitions" ] && [ "$running" -eq "$partitions" ] || { rr_log "FAIL: $alive workers in memory, $running running, for $partitions partitions"; failed=1; }
  [ "$delivered" -ge "$HANDOVERS" ] || { rr_log "FAIL: $HANDOVERS events acknowledged, $delivered delivered"; failed=1; }
  [ "$moved" -eq "$HANDOVERS" ] || { rr_log "FAIL: b took partitions over in only $moved of $HANDOVERS rounds"; failed=1; }
  rr_stop_pid "$PID_A" 20
fi
exit "$failed"
