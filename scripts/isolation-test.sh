#!/usr/bin/env bash
# Isolation proof: a destination that hangs does not slow another tenant's deliveries.
#
#   scripts/isolation-test.sh
#   ROUTER_BIN=.build/debug/retention-router scripts/isolation-test.sh
#
# Tenant `alpha` has a webhook destination (timeout 5 s) whose receiver accepts connections and
# never answers. Tenant `beta` has a file destination. Both get load for ISO_SECONDS seconds
# (ISO_RATE_A and ISO_RATE_B events/s, batches of ISO_BATCH). The script watches beta's NDJSON
# file, prints beta's delivered events/s second by second while alpha hangs, and the delay from
# each beta 202 to its line in the file. Exit 1 if a beta event is missing, if any beta event
# took longer than ISO_MAX_LAG seconds (default 4, below alpha's 5 s timeout, so a beta delivery
# that waited on alpha would fail it), or if alpha was not actually hanging.
source "$(dirname "$0")/lib.sh"
rr_init isolation-test

SECONDS_OF_LOAD="${ISO_SECONDS:-10}"
RATE_A="${ISO_RATE_A:-500}"
RATE_B="${ISO_RATE_B:-1000}"
BATCH="${ISO_BATCH:-10}"
MAX_LAG="${ISO_MAX_LAG:-4}"
DRAIN_TIMEOUT="${ISO_DRAIN_TIMEOUT:-30}"
SECRET_A="alpha-secret"
SECRET_B="beta-secret"
WHSEC="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NDJSON_B="$RR_DIR/out/beta/events.ndjson"

python3 "$RR_TOOL" hang-receiver --port-file "$RR_DIR/hang.port" --stats "$RR_DIR/hang.json" \
  2>"$RR_DIR/hang.log" &
rr_track $!
rr_wait_file "$RR_DIR/hang.port"
HANG_PORT=$(cat "$RR_DIR/hang.port")

rr_router_json
rr_tenant alpha "$SECRET_A" '[{"id": "hook", "type": "webhook", "settings": {
  "url": "http://127.0.0.1:'"$HANG_PORT"'/hook", "secrets": ["'"$WHSEC"'"], "timeout": 5}}]'
rr_tenant beta "$SECRET_B" '[{"id": "archive", "type": "file", "settings": {"path": "'"$NDJSON_B"'"}}]'
rr_start_router

rr_log "load: alpha ${RATE_A}/s (webhook to a receiver that never answers), beta ${RATE_B}/s (file), ${SECONDS_OF_LOAD}s, batches of $BATCH"
events_a=$(rr_calc "int($RATE_A * $SECONDS_OF_LOAD)")
events_b=$(rr_calc "int($RATE_B * $SECONDS_OF_LOAD)")
python3 "$RR_TOOL" load --port "$RR_PORT" --tenant alpha --secret "$SECRET_A" --threads 2 \
  --duration "$((SECONDS_OF_LOAD + 5))" --max-events "$events_a" --batch "$BATCH" --rate "$RATE_A" \
  --prefix a >"$RR_DIR/load-a.json" &
load_a=$!
rr_track "$load_a"
python3 "$RR_TOOL" load --port "$RR_PORT" --tenant beta --secret "$SECRET_B" --threads 2 \
  --duration "$((SECONDS_OF_LOAD + 5))" --max-events "$events_b" --batch "$BATCH" --rate "$RATE_B" \
  --prefix b --acked "$RR_DIR/acked-b.tsv" >"$RR_DIR/load-b.json" &
load_b=$!
rr_track "$load_b"
# Watch beta's file while the load runs and until everything acknowledged is there.
python3 "$RR_TOOL" settle --acked "$RR_DIR/acked-b.tsv" --ndjson "$NDJSON_B" --until-file "$RR_DIR/load.done" \
  --timeout "$((SECONDS_OF_LOAD + 5 + DRAIN_TIMEOUT))" --quiet 0.5 --interval 0.05 \
  --timeline "$RR_DIR/timeline-b.tsv" --seen-out "$RR_DIR/seen-b.tsv" >"$RR_DIR/settle-b.json" &
watch_pid=$!
rr_track "$watch_pid"
wait "$load_a" || true
wait "$load_b" || true
load_end=$(rr_now)
touch "$RR_DIR/load.done"
wait "$watch_pid" || true

hang_connections=$(rr_json "$RR_DIR/hang.json" 'j["connections"]')
hang_requests=$(rr_json "$RR_DIR/hang.json" 'j["requests_seen"]')
a_delivered=$(rr_metric router_delivery_events_total 'tenant="alpha",destination="hook",outcome="delivered"')
a_retry=$(rr_metric router_delivery_events_total 'tenant="alpha",destination="hook",outcome="retry"')
a_backlog=$(rr_metric router_backlog_events 'tenant="alpha"')
rr_stop_router 20

# Beta's rate per second while alpha hangs (from the timeline), and its end-to-end delays.
python3 - "$RR_DIR/timeline-b.tsv" "$RR_DIR/acked-b.tsv" "$RR_DIR/seen-b.tsv" "$load_end" >"$RR_DIR/report.json" <<'EOF'
import json, sys
timeline = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
acked = {}
for l in open(sys.argv[2]):
    i, t = l.split("\t"); acked[i] = float(t)
seen = {}
for l in open(sys.argv[3]):
    i, t = l.split("\t"); seen[i] = float(t)
load_end = float(sys.argv[4])
# events/s per whole second of the timeline, while the load ran
rates = []
if timeline:
    start = timeline[0][0]
    second, last_count, last_t = 1, timeline[0][1], start
    for t, n in timeline:
        if t >= start + second:
            rates.append(n - last_count)
            last_count = n
            second += 1
        if t > load_end:
            break
lags = sorted(seen[i] - t for i, t in acked.items() if i in seen)
def pct(p):
    return round(lags[min(len(lags) - 1, int(p / 100 * (len(lags) - 1)))], 3) if lags else None
print(json.dumps({"rates": rates, "lag_p50": pct(50), "lag_p99": pct(99), "lag_max": round(lags[-1], 3) if lags else None,
                  "first_ack": min(acked.values()) if acked else None, "last_seen": max(seen.values()) if seen else None,
                  "last_ack": max(acked.values()) if acked else None}))
EOF

read -r acked_b delivered_b lost_b dup_b < <(rr_json "$RR_DIR/settle-b.json" '"%d %d %d %d" % (j["acked"], j["delivered"], j["lost"], j["duplicates"])')
read -r acked_a < <(rr_json "$RR_DIR/load-a.json" 'j["acked_events"]')
read -r lag50 lag99 lagmax span < <(rr_json "$RR_DIR/report.json" '"%s %s %s %.2f" % (j["lag_p50"], j["lag_p99"], j["lag_max"], (j["last_seen"] or 0) - (j["first_ack"] or 0))')
rates=$(rr_json "$RR_DIR/report.json" '" ".join(str(int(r)) for r in j["rates"])')
rate_b_overall=$(rr_calc "round($delivered_b / $span, 1) if $span > 0 else 0")

echo "isolation-test: binary=$RR_BIN load ${SECONDS_OF_LOAD}s: alpha ${RATE_A}/s to a hanging webhook (timeout 5s), beta ${RATE_B}/s to a file"
echo "isolation-test: alpha acked=$acked_a delivered=$a_delivered retry_outcomes=$a_retry backlog=$a_backlog; hang receiver held $hang_connections connections, saw $hang_requests requests"
echo "isolation-test: beta delivered events/s, each second while alpha hangs: $rates"
echo "isolation-test: beta acked=$acked_b delivered=$delivered_b duplicates=$dup_b lost=$lost_b; ${rate_b_overall} events/s from first 202 to last line"
echo "isolation-test: beta 202-to-file delay p50=${lag50}s p99=${lag99}s max=${lagmax}s (bound ${MAX_LAG}s)"
echo "isolation-test: graceful stop with alpha's requests hanging: exit=$RR_STOP_STATUS in ${RR_STOP_SECONDS}s (killed=$RR_STOP_KILLED)"

status=0
[ "$acked_b" -gt 0 ] || { rr_log "FAIL: nothing acknowledged for beta"; status=1; }
[ "$lost_b" -eq 0 ] || { rr_log "FAIL: $lost_b acknowledged beta events never reached the file"; status=1; }
if python3 -c "import sys; sys.exit(0 if $lagmax <= $MAX_LAG else 1)"; then :; else
  rr_log "FAIL: a beta event took ${lagmax}s to reach the file (bound ${MAX_LAG}s)"; status=1
fi
[ "$hang_connections" -gt 0 ] || { rr_log "FAIL: alpha never connected to the hanging receiver: the test proved nothing"; status=1; }
[ "$a_delivered" -eq 0 ] || { rr_log "FAIL: alpha reports deliveries to a receiver that never answers"; status=1; }
if [ "$status" -eq 0 ]; then echo "isolation-test: PASS"; else echo "isolation-test: FAIL"; RR_FAILED=1; fi
exit "$status"
