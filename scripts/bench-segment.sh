#!/usr/bin/env bash
# Segment destination benchmark: how fast the router delivers into a local Segment-compatible
# endpoint (POST /v1/batch, answering 200 and counting messages), from the first ingest request
# to the last message received, plus the ingest rate.
#
#   scripts/bench-segment.sh           # release binary (.build-release or .build/release)
#
# Knobs: SEG_EVENTS (100000), SEG_BATCH (100 events per ingest request), SEG_THREADS (4 Python
# senders), SEG_TIMEOUT (300 s to wait for delivery). identify is "never": one Track per event.
source "$(dirname "$0")/lib.sh"
rr_init bench-segment
case "$RR_BIN" in
  */debug/*) rr_log "WARNING: $RR_BIN is a debug build; the numbers will not mean much" ;;
esac

EVENTS="${SEG_EVENTS:-100000}"
BATCH="${SEG_BATCH:-100}"
THREADS="${SEG_THREADS:-4}"
TIMEOUT="${SEG_TIMEOUT:-300}"
SECRET="bench-secret"

python3 "$RR_TOOL" segment-fake --port-file "$RR_DIR/fake.port" --stats "$RR_DIR/fake.json" \
  --write-key bench-key 2>"$RR_DIR/fake.log" &
FAKE_PID=$!
rr_track "$FAKE_PID"
rr_wait_file "$RR_DIR/fake.port"
FAKE_PORT=$(cat "$RR_DIR/fake.port")

rr_router_json
TRANSFORM=""
if [ "${SEG_TRANSFORM:-0}" = "1" ]; then
  TRANSFORM='"transform": [
    {"where": {"field": "properties.field.cancel.account.plan", "exists": true}},
    {"drop": ["field.cancel.email", "survey.*"]},
    {"rename": {"field.standard.Contract Value": "contract_value"}},
    {"renameEvent": {"accept_offer": "Offer Accepted"}},
    {"set": {"source": "retention"}}],'
fi
rr_tenant seg "$SECRET" '[{"id": "segment", "type": "segment", '"$TRANSFORM"' "settings": {
  "writeKey": "bench-key", "endpoint": "http://127.0.0.1:'"$FAKE_PORT"'", "identify": "never"}}]'
rr_start_router
rr_sample_rss "$RR_PID" "$RR_DIR/rss.txt" 0.25
fake_cpu_start=$(awk '{print $14 + $15}' "/proc/$FAKE_PID/stat")
router_cpu_start=$(awk '{print $14 + $15}' "/proc/$RR_PID/stat")

rr_log "ingesting $EVENTS events in batches of $BATCH from $THREADS threads; Segment fake on :$FAKE_PORT"
python3 "$RR_TOOL" load --port "$RR_PORT" --tenant seg --secret "$SECRET" --threads "$THREADS" \
  --duration "$TIMEOUT" --max-events "$EVENTS" --batch "$BATCH" --prefix seg >"$RR_DIR/load.json"
acked=$(rr_json "$RR_DIR/load.json" 'j["acked_events"]')
rr_log "ingest $(rr_json "$RR_DIR/load.json" '"acked=%d in %.2fs (%.0f events/s) status=%s errors=%s" % (j["acked_events"], j["elapsed"], j["acked_per_second"], j["status"], j["errors"])')"

deadline=$((SECONDS + TIMEOUT))
while :; do
  unique=$(rr_json "$RR_DIR/fake.json" 'j["unique"]' 2>/dev/null || echo 0)
  [ "$unique" -ge "$acked" ] && break
  [ "$SECONDS" -lt "$deadline" ] || { rr_log "timed out with $unique of $acked messages at the fake"; break; }
  sleep 0.2
done
sleep 0.5
fake_cpu_end=$(awk '{print $14 + $15}' "/proc/$FAKE_PID/stat")
router_cpu_end=$(awk '{print $14 + $15}' "/proc/$RR_PID/stat")
retried=$(rr_metric router_delivery_events_total 'outcome="retry"')
dead=$(rr_metric router_dead_letters 'tenant="seg"')
peak_rss=$(rr_hwm_kb "$RR_PID")
rr_stop_router 30
ticks=$(getconf CLK_TCK)

python3 - "$RR_DIR/load.json" "$RR_DIR/fake.json" "$RR_DIR/rss.txt" <<EOF
import json, sys
load = json.load(open(sys.argv[1]))
fake = json.load(open(sys.argv[2]))
rss = [int(l.split()[1]) for l in open(sys.argv[3]) if l.strip()]
first, last_ack = load["first_send_at"], load["last_ack_at"]
span = fake["last_at"] - first if fake["last_at"] else float("nan")
wall = (fake["last_at"] or last_ack) - first
print()
print("bench-segment: binary=$RR_BIN, $(nproc) cores shared (noisy: compare ratios, not absolutes), transform=${SEG_TRANSFORM:-0}")
print(f"ingest:   {load['acked_events']:,} events acknowledged in {load['elapsed']:.2f}s = {load['acked_per_second']:,.0f} events/s "
      f"({$THREADS} Python threads, batches of $BATCH, status {load['status']})")
print(f"delivery: {fake['unique']:,} unique messages at the fake in {span:.2f}s from the first ingest request "
      f"= {fake['unique'] / span:,.0f} events/s end to end; last message {fake['last_at'] - last_ack:+.2f}s after the last 202")
print(f"          {fake['requests']:,} POST /v1/batch, {fake['messages'] / max(fake['requests'], 1):.0f} messages per request on average, "
      f"largest {fake['max_batch']}, {fake['bytes'] / max(fake['requests'], 1) / 1024:.0f} KiB per request; "
      f"duplicates={fake['duplicates']} bad_auth={fake['bad_auth']} bad_body={fake['bad_body']} types={fake['types']}")
common = sorted(fake["sizes"].items(), key=lambda kv: -kv[1])[:6]
print("          most common messages per request: " + ", ".join(f"{k} ({v}x)" for k, v in common))
print(f"cpu:      router {($router_cpu_end - $router_cpu_start) / $ticks:.1f}s, Segment fake {($fake_cpu_end - $fake_cpu_start) / $ticks:.1f}s "
      f"(over {wall:.1f}s of wall time; a fake near 100% of one core would be the bottleneck)")
print(f"router:   retry outcomes=$retried dead letters=$dead; RSS KiB min={min(rss) if rss else 0} max={max(rss) if rss else 0} peak(VmHWM)=$peak_rss; "
      f"graceful stop exit=$RR_STOP_STATUS in ${RR_STOP_SECONDS}s")
print()
print("command: python3 scripts/rrtool.py load --tenant seg --threads $THREADS --batch $BATCH --max-events $EVENTS ... "
      "into a tenant with {\"type\":\"segment\",\"settings\":{\"writeKey\":\"bench-key\",\"endpoint\":\"http://127.0.0.1:PORT\",\"identify\":\"never\"}}")
EOF
unique=$(rr_json "$RR_DIR/fake.json" 'j["unique"]')
if [ "$unique" -lt "$acked" ]; then
  echo "bench-segment: INCOMPLETE: $unique of $acked acknowledged events reached the fake"
  RR_FAILED=1
  exit 1
fi
