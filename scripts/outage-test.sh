#!/usr/bin/env bash
# Outage proof: events sent while a webhook receiver is down all arrive once it is back, and the
# router's memory stays flat while the backlog waits.
#
#   scripts/outage-test.sh
#   ROUTER_BIN=.build/debug/retention-router scripts/outage-test.sh
#
# A Python Standard Webhooks receiver holds its port without listening for OUTAGE_DOWN seconds
# (connections refused), then answers 503 for OUTAGE_503 seconds, then 200 (verifying every
# signature, deduplicating on webhook-id). OUTAGE_EVENTS events are sent during the outage in
# batches of OUTAGE_BATCH. The script waits until every acknowledged id has reached the receiver,
# samples the router's VmRSS all along, and prints counts, `lost=…` and RSS min/max. Exit 1 if an
# acknowledged event never arrives, a signature is invalid, or an event became a dead letter.
source "$(dirname "$0")/lib.sh"
rr_init outage-test

DOWN="${OUTAGE_DOWN:-4}"
FAIL503="${OUTAGE_503:-4}"
EVENTS="${OUTAGE_EVENTS:-10000}"
BATCH="${OUTAGE_BATCH:-50}"
SETTLE_TIMEOUT="${OUTAGE_SETTLE_TIMEOUT:-90}"
SECRET="outage-secret"
WHSEC="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ACKED="$RR_DIR/acked.tsv"
RECEIVED="$RR_DIR/received.tsv"
RSS="$RR_DIR/rss.txt"
: >"$ACKED"
: >"$RSS"

# The receiver binds its port now (so the tenant can name it) but refuses connections until DOWN.
python3 "$RR_TOOL" webhook-receiver --port-file "$RR_DIR/receiver.port" --secret "$WHSEC" \
  --down-for "$DOWN" --fail-for "$FAIL503" --out "$RECEIVED" --stats "$RR_DIR/receiver.json" \
  2>"$RR_DIR/receiver.log" &
rr_track $!
rr_wait_file "$RR_DIR/receiver.port"
receiver_started=$(rr_now)
RECEIVER_PORT=$(cat "$RR_DIR/receiver.port")

rr_router_json
rr_tenant outage "$SECRET" '[{"id": "hook", "type": "webhook", "settings": {
  "url": "http://127.0.0.1:'"$RECEIVER_PORT"'/hook",
  "secrets": ["'"$WHSEC"'"],
  "retrySchedule": [0.2, 0.5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}}]'
rr_start_router
rr_sample_rss "$RR_PID" "$RSS" 0.25

# Send everything while the receiver is still down or failing (leave a second of margin).
send_window=$(rr_calc "max(1.0, $receiver_started + $DOWN + $FAIL503 - 1 - $(rr_now))")
rr_log "receiver on :$RECEIVER_PORT is down for ${DOWN}s then 503 for ${FAIL503}s; sending $EVENTS events over ${send_window}s"
python3 "$RR_TOOL" load --port "$RR_PORT" --tenant outage --secret "$SECRET" --threads 4 \
  --duration "$(rr_calc "$send_window + 5")" --max-events "$EVENTS" --batch "$BATCH" \
  --rate "$(rr_calc "$EVENTS / $send_window")" --prefix out --acked "$ACKED" >"$RR_DIR/load.json"
load_done=$(rr_now)
rr_log "load $(rr_json "$RR_DIR/load.json" '"acked=%d requests=%d status=%s errors=%s in %.1fs" % (j["acked_events"], j["requests"], j["status"], j["errors"], j["elapsed"])')"
rss_at_peak_backlog=$(rr_rss_kb "$RR_PID")
backlog_peak=$(rr_metric router_backlog_events 'tenant="outage"')
received_during_outage=$(rr_json "$RR_DIR/receiver.json" 'j["unique"]')

rr_log "waiting for the receiver to get every acknowledged event (at most ${SETTLE_TIMEOUT}s)"
python3 - "$ACKED" "$RECEIVED" "$SETTLE_TIMEOUT" >"$RR_DIR/settle.json" <<'EOF'
import json, sys, time
acked_path, received_path, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
acked = {line.split("\t")[0] for line in open(acked_path) if line.strip()}
deadline = time.time() + timeout
offset, received = 0, {}
complete_at = None
while True:
    with open(received_path) as handle:
        handle.seek(offset)
        data = handle.read()
    cut = data.rfind("\n") + 1
    offset += len(data[:cut].encode())
    for line in data[:cut].splitlines():
        i, t = line.split("\t")
        received.setdefault(i, float(t))
    missing = [i for i in acked if i not in received]
    if not missing:
        complete_at = time.time()
        break
    if time.time() > deadline:
        break
    time.sleep(0.1)
print(json.dumps({"acked": len(acked), "received_acked": len(acked) - len(missing), "lost": len(missing),
                  "lost_examples": missing[:5], "complete_at": complete_at,
                  "last_received_at": max(received.values()) if received else None}))
EOF
sleep 1  # let duplicates (if any) land and the stats file refresh
dead=$(rr_metric router_dead_letters 'tenant="outage"')
retried=$(rr_metric router_delivery_events_total 'outcome="retry"')
delivered_metric=$(rr_metric router_delivery_events_total 'outcome="delivered"')
kill "$RR_SAMPLER_PID" 2>/dev/null || true
rr_stop_router

read -r acked received lost < <(rr_json "$RR_DIR/settle.json" '"%d %d %d" % (j["acked"], j["received_acked"], j["lost"])')
read -r requests ok unique dupes s503 badsig badbody healthy_at first_ok last_ok < <(rr_json "$RR_DIR/receiver.json" \
  '" ".join(str(j[k]) for k in ("requests","ok","unique","duplicates","status_503","bad_signature","bad_body","healthy_at","first_ok_at","last_ok_at"))')
read -r rss_min rss_max rss_first rss_last rss_count < <(rr_json "$(python3 "$RR_TOOL" summarize "$RSS" --column 1)" \
  '"%d %d %d %d %d" % (j.get("min",0), j.get("max",0), j.get("first",0), j.get("last",0), j["count"])')
drain_seconds=$(rr_calc "round($last_ok - $healthy_at, 2)" 2>/dev/null || echo "?")

echo "outage-test: binary=$RR_BIN receiver down ${DOWN}s (refused) + ${FAIL503}s (503), events=$EVENTS in batches of $BATCH"
echo "outage-test: receiver got $received_during_outage during the outage; after recovery it got every event ${drain_seconds}s after it became healthy"
echo "outage-test: receiver requests=$requests 200s=$ok unique=$unique duplicates=$dupes 503s=$s503 bad_signatures=$badsig bad_bodies=$badbody"
echo "outage-test: router backlog at end of sending=$backlog_peak, delivery outcomes delivered=$delivered_metric retry=$retried, dead_letters=$dead"
echo "outage-test: router RSS KiB over $rss_count samples: min=$rss_min max=$rss_max (start=$rss_first at-backlog=$rss_at_peak_backlog end=$rss_last)"
echo "outage-test: graceful stop exit=$RR_STOP_STATUS in ${RR_STOP_SECONDS}s"
echo "acked=$acked received=$received duplicates=$dupes lost=$lost"

status=0
[ "$acked" -gt 0 ] || { rr_log "FAIL: nothing was acknowledged"; status=1; }
[ "$lost" -eq 0 ] || { rr_log "FAIL: $lost acknowledged events never arrived, e.g. $(rr_json "$RR_DIR/settle.json" '" ".join(j["lost_examples"])')"; status=1; }
[ "$badsig" -eq 0 ] || { rr_log "FAIL: $badsig requests had an invalid Standard Webhooks signature"; status=1; }
[ "$badbody" -eq 0 ] || { rr_log "FAIL: $badbody bodies did not carry the webhook-id as id"; status=1; }
[ "$dead" -eq 0 ] || { rr_log "FAIL: $dead events became dead letters during a short outage"; status=1; }
[ "$s503" -gt 0 ] || rr_log "WARN: the receiver never answered 503: the router did not retry during the 503 phase"
if [ "$status" -eq 0 ]; then echo "outage-test: PASS"; else echo "outage-test: FAIL"; RR_FAILED=1; fi
exit "$status"
