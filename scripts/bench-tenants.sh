#!/usr/bin/env bash
# Many-tenant benchmark: does the router stay as fast with N tenants, each with its own file
# destination, as with one? Prints, for 1 tenant and for N (release build, loopback only):
#
#   - ingest with nothing routed (tenants without destinations): requests/s
#   - ingest with delivery to each tenant's file: requests/s, and end to end: events/s from wrk's
#     first request until every ingested event is a line in its tenant's file (the last line's
#     write: the files' newest modification time once wait-lines has counted every line)
#   - the router's CPU time per event over the load and the drain (/proc/PID/stat), which the
#     machine's speed moves less than the rates, and the share of CPU time the host of this
#     virtual machine took for others meanwhile (steal, /proc/stat); events per delivery round
#     (/metrics) and bytes written per event (/proc/PID/io), which explain most of the gap
#   - peak RSS (VmHWM) under that load
#   - start to healthy (exec until GET /healthz answers 200), reload (POST /v1/admin/reload)
#     with every file unchanged and with every file changed, and `retention-router validate`
#   - idle RSS with TENANTS_IDLE configured tenants (no traffic)
#
#   scripts/bench-tenants.sh            # release binary (.build-release or .build/release)
#
# The load is wrk (-t1, 64 connections) sending single signed events, each body once, spread
# round-robin over the tenants (scripts/rrtool.py gen-bodies --tenants N; scripts/bench-ingest.lua
# sends each line to its own path). Every phase starts a fresh router on a fresh data directory
# and first sends one event to each tenant, untimed, and waits until it is delivered: that first
# event creates the tenant's file and metric series, which a running router has long done; the
# table shows how long it took (`first event to every tenant`). Then the timed run.
#
# The 1-tenant and N-tenant runs alternate, BENCH_ROUNDS times (1, N, 1, N, ...), so that the
# machine's drift (other builds on the same 2 cores) hits both alike; the table shows the median
# of the rounds, and the ratio is of the medians, with every round's ratio listed below it.
#
# Knobs: TENANTS (5000), TENANTS_IDLE (20000; 0 skips that phase), BENCH_DURATION (10 s),
# BENCH_CONNECTIONS (64), BENCH_BODIES (250000), BENCH_RELOADS (3), BENCH_ROUNDS (3), BENCH_IDS
# (counter: ids one-0, one-1, ... as the issue measured, which the store's (tenant, id) index
# takes in order; uuid: random-looking UUIDs, as real message ids are, on both sides).
source "$(dirname "$0")/lib.sh"
rr_init bench-tenants
rr_ensure_apt wrk
case "$RR_BIN" in
  */debug/*) rr_log "WARNING: $RR_BIN is a debug build; the numbers will not mean much" ;;
esac

N="${TENANTS:-5000}"
IDLE_N="${TENANTS_IDLE:-20000}"
DURATION="${BENCH_DURATION:-10}"
CONNS="${BENCH_CONNECTIONS:-64}"
BODIES="${BENCH_BODIES:-250000}"
RELOADS="${BENCH_RELOADS:-3}"
ROUNDS="${BENCH_ROUNDS:-3}"
SECRET="bench-secret"
export BENCH_ADMIN_TOKEN="bench-admin-token"
LUA="$RR_SCRIPTS/bench-ingest.lua"
WRK_OPTS="-t1 -c$CONNS -d${DURATION}s --timeout 10s"
RESULTS="$RR_DIR/results.tsv"
: >"$RESULTS"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# result KEY VALUE: one measured value for the table.
result() { printf '%s\t%s\n' "$1" "$2" >>"$RESULTS"; }

IDS="${BENCH_IDS:-counter}"
case "$IDS" in
  counter) ID_FLAG=() ;;
  uuid) ID_FLAG=(--uuid-ids) ;;
  *) rr_die "BENCH_IDS must be counter or uuid, not $IDS" ;;
esac

rr_log "generating $BODIES signed single-event bodies for 1 tenant and for $N tenants (distinct $IDS ids)"
python3 "$RR_TOOL" gen-bodies --count "$BODIES" --secret "$SECRET" --prefix one --tenants 1 "${ID_FLAG[@]}" \
  --out "$RR_DIR/one.bodies" >/dev/null
python3 "$RR_TOOL" gen-bodies --count "$BODIES" --secret "$SECRET" --prefix many --tenants "$N" "${ID_FLAG[@]}" \
  --out "$RR_DIR/many.bodies" >/dev/null

FILE_DESTINATION='{"id": "archive", "type": "file", "settings": {"path": "out/{tenant}/events.ndjson"}}'

# phase_setup NAME COUNT [DESTINATION_JSON]: a folder with router.json and COUNT tenant files.
phase_setup() {
  local name="$1" count="$2" destination="${3:-}"
  PHASE_DIR="$RR_DIR/$name"
  rm -rf "$PHASE_DIR"
  mkdir -p "$PHASE_DIR/tenants" "$PHASE_DIR/data" "$PHASE_DIR/out"
  cat >"$PHASE_DIR/router.json" <<EOF
{
  "listen": {"host": "127.0.0.1", "port": 0},
  "dataDirectory": "$PHASE_DIR/data",
  "tenantsDirectory": "$PHASE_DIR/tenants",
  "adminToken": {"env": "BENCH_ADMIN_TOKEN"}
}
EOF
  python3 "$RR_TOOL" gen-tenants --count "$count" --secret "$SECRET" --out-dir "$PHASE_DIR/tenants" \
    ${destination:+--destination "$destination"} >/dev/null
}

# phase_start NAME: starts the router in $PHASE_DIR on a free port; records start to healthy.
phase_start() {
  local name="$1" since
  RR_PORT=$(free_port)
  RR_ROUTER_LOG="$PHASE_DIR/router.log"
  since=$(rr_now)
  (cd "$PHASE_DIR" && exec "$RR_BIN" serve --config "$PHASE_DIR/router.json" --port "$RR_PORT" \
    --log-level "${RR_LOG_LEVEL:-notice}" >"$RR_ROUTER_LOG" 2>&1) &
  RR_PID=$!
  rr_track "$RR_PID"
  python3 "$RR_TOOL" wait-healthy --port "$RR_PORT" --since "$since" >"$PHASE_DIR/healthy.json" \
    || rr_die "$name: the router did not become healthy: $(tail -n 5 "$RR_ROUTER_LOG")"
  result "$name.start" "$(rr_json "$PHASE_DIR/healthy.json" 'j["seconds"]')"
  rr_log "$name: pid $RR_PID healthy on :$RR_PORT after $(rr_json "$PHASE_DIR/healthy.json" 'j["seconds"]')s"
}

# phase_stop NAME: graceful stop; records the peak RSS; removes the phase's data.
phase_stop() {
  local name="$1"
  result "$name.peak_kb" "$(rr_hwm_kb "$RR_PID")"
  local errors
  errors=$(rr_errors_in_log "$RR_ROUTER_LOG")
  rr_stop_router 30
  [ -z "$errors" ] || { rr_log "$name: router error lines:"; echo "$errors" >&2; }
  [ "$RR_STOP_STATUS" = 0 ] || rr_log "$name: WARNING: graceful stop exit=$RR_STOP_STATUS"
  rm -rf "$PHASE_DIR/data" "$PHASE_DIR/out"
}

# run_wrk NAME BODIES: wrk over the bodies (each once); records requests/s and the first send.
run_wrk() {
  local name="$1" bodies="$2" out="$PHASE_DIR/wrk.txt" line
  rr_log "$name: wrk $WRK_OPTS -s scripts/bench-ingest.lua http://127.0.0.1:$RR_PORT/ -- $(basename "$bodies") once"
  wrk $WRK_OPTS -s "$LUA" "http://127.0.0.1:$RR_PORT/" -- "$bodies" once >"$out" 2>&1 || rr_die "wrk failed: $(tail -n 5 "$out")"
  line="$(grep '^RESULT ' "$out" | tail -n 1)"
  [ -n "$line" ] || rr_die "wrk printed no RESULT line: $(tail -n 5 "$out")"
  WRK_RPS=$(python3 -c 'import sys; print(sys.argv[1].split("rps=")[1].split()[0])' "$line")
  WRK_FIRST=$(python3 -c 'import sys; print(sys.argv[1].split("first_wall=")[1].split()[0])' "$line")
  WRK_ERRORS=$(python3 -c 'import sys; kv=dict(p.split("=",1) for p in sys.argv[1].split()[1:]); print(sum(int(kv[k]) for k in ("status_errors","connect","read","write","timeout")))' "$line")
  result "$name.rps" "$WRK_RPS"
  result "$name.errors" "$WRK_ERRORS"
}

# warm_up NAME COUNT [FILES]: one event to each of COUNT tenants (rrtool.py load, untimed); with
# FILES, waits until every tenant's file has it and records how long that took.
warm_up() {
  local name="$1" count="$2" files="${3:-}" since threads=8
  [ $((count % threads)) = 0 ] || threads=1
  since=$(rr_now)
  python3 "$RR_TOOL" load --port "$RR_PORT" --tenant t --tenants "$count" --secret "$SECRET" --threads "$threads" \
    --duration 120 --max-events "$count" --prefix warm >"$PHASE_DIR/warm-load.json"
  WARM_INGESTED=$(rr_metric router_events_ingested_total)
  [ "$WARM_INGESTED" = "$count" ] || rr_die "$name: warm-up ingested $WARM_INGESTED of $count events"
  if [ -n "$files" ]; then
    python3 "$RR_TOOL" wait-lines --file "$PHASE_DIR/out/*/events.ndjson" --count "$count" --timeout 300 \
      --interval 0.05 >"$PHASE_DIR/warm-lines.json"
    [ "$(rr_json "$PHASE_DIR/warm-lines.json" 'j["reached_at"]')" != None ] || rr_die "$name: the warm-up events were not delivered"
    result "$name.warm" "$(rr_calc "$(rr_json "$PHASE_DIR/warm-lines.json" 'j["reached_at"]') - $since")"
  fi
}

# ---- idle: TENANTS_IDLE configured tenants, no traffic ----------------------------------------
if [ "$IDLE_N" != 0 ]; then
  phase_setup idle "$IDLE_N" "$FILE_DESTINATION"
  phase_start idle
  sleep 3
  result idle.rss_kb "$(rr_rss_kb "$RR_PID")"
  phase_stop idle
fi

# ---- ingest with nothing routed, then with delivery to each tenant's file; 1, N, 1, N ... -----
for round in $(seq 1 "$ROUNDS"); do
  for count in 1 "$N"; do
    bodies="$RR_DIR/many.bodies"
    [ "$count" = 1 ] && bodies="$RR_DIR/one.bodies"
    name="none-$count"
    phase_setup "$name" "$count"
    phase_start "$name"
    warm_up "$name" "$count"
    run_wrk "$name" "$bodies"
    phase_stop "$name"
  done
  for count in 1 "$N"; do
    bodies="$RR_DIR/many.bodies"
    [ "$count" = 1 ] && bodies="$RR_DIR/one.bodies"
    name="file-$count"
    phase_setup "$name" "$count" "$FILE_DESTINATION"
    phase_start "$name"
    rr_sample_rss "$RR_PID" "$PHASE_DIR/rss.txt" 0.25
    warm_up "$name" "$count" files
    cpu_before=$(rr_cpu_ms "$RR_PID")
    written_before=$(rr_written_bytes "$RR_PID")
    rounds_before=$(rr_metric router_delivery_duration_seconds_count)
    read -r steal_before ticks_before < <(rr_cpu_ticks)
    run_wrk "$name" "$bodies"
    total=$(rr_metric router_events_ingested_total)
    ingested=$((total - WARM_INGESTED))
    python3 "$RR_TOOL" wait-lines --file "$PHASE_DIR/out/*/events.ndjson" --count "$total" --timeout 300 \
      --interval 0.05 >"$PHASE_DIR/lines.json"
    reached=$(rr_json "$PHASE_DIR/lines.json" 'j["reached_at"]')
    [ "$reached" != None ] || rr_die "$name: only $(rr_json "$PHASE_DIR/lines.json" 'j["lines"]') of $total lines arrived"
    read -r steal_after ticks_after < <(rr_cpu_ticks)
    result "$name.cpu_us" "$(rr_calc "($(rr_cpu_ms "$RR_PID") - $cpu_before) * 1000 / $ingested")"
    result "$name.written" "$(rr_calc "($(rr_written_bytes "$RR_PID") - $written_before) / $ingested")"
    result "$name.per_round" "$(rr_calc "$ingested / max(1, $(rr_metric router_delivery_duration_seconds_count) - $rounds_before)")"
    result "$name.steal" "$(rr_calc "($steal_after - $steal_before) / max(1, $ticks_after - $ticks_before)")"
    result "$name.ingested" "$ingested"
    # The end is when the last line was written (the files' newest modification time), not when
    # wait-lines' look found it: one look reads everything written meanwhile (hundreds of MB after
    # the load, about 0.35 s for the one tenant's file), which would count against the load.
    result "$name.e2e" "$(rr_calc "$ingested / ($(rr_json "$PHASE_DIR/lines.json" 'j["last_write_at"]') - $WRK_FIRST)")"
    result "$name.e2e_look" "$(rr_calc "$ingested / ($reached - $WRK_FIRST)")"
    result "$name.files" "$(rr_json "$PHASE_DIR/lines.json" 'j["files"]')"
    if [ "$count" = "$N" ] && [ "$round" = "$ROUNDS" ]; then
      # Reloads: the same files, then every file changed (a new description).
      for reload in $(seq 1 "$RELOADS"); do
        curl -s -o "$PHASE_DIR/reload.json" -w '%{time_total}\n' -X POST -H "authorization: Bearer $BENCH_ADMIN_TOKEN" \
          "http://127.0.0.1:$RR_PORT/v1/admin/reload" >>"$PHASE_DIR/reload-same.txt"
        grep -q '"tenants"' "$PHASE_DIR/reload.json" || rr_die "reload failed: $(head -c 300 "$PHASE_DIR/reload.json")"
      done
      for reload in $(seq 1 "$RELOADS"); do
        python3 "$RR_TOOL" gen-tenants --count "$count" --secret "$SECRET" --out-dir "$PHASE_DIR/tenants" \
          --destination "$FILE_DESTINATION" --description "changed in round $reload" >/dev/null
        curl -s -o "$PHASE_DIR/reload.json" -w '%{time_total}\n' -X POST -H "authorization: Bearer $BENCH_ADMIN_TOKEN" \
          "http://127.0.0.1:$RR_PORT/v1/admin/reload" >>"$PHASE_DIR/reload-changed.txt"
        grep -q '"tenants"' "$PHASE_DIR/reload.json" || rr_die "reload failed: $(head -c 300 "$PHASE_DIR/reload.json")"
      done
      while read -r seconds; do result reload.same "$seconds"; done <"$PHASE_DIR/reload-same.txt"
      while read -r seconds; do result reload.changed "$seconds"; done <"$PHASE_DIR/reload-changed.txt"
      for check in $(seq 1 "$RELOADS"); do
        started=$(rr_now)
        (cd "$PHASE_DIR" && "$RR_BIN" validate --config "$PHASE_DIR/router.json" >"$PHASE_DIR/validate.txt" 2>&1) \
          || rr_die "validate failed: $(tail -n 3 "$PHASE_DIR/validate.txt")"
        result validate "$(rr_calc "$(rr_now) - $started")"
      done
    fi
    phase_stop "$name"
  done
done

# ---- the table --------------------------------------------------------------------------------
python3 - "$RESULTS" <<EOF
import statistics, sys
r = {}
for line in open(sys.argv[1]):
    key, value = line.rstrip("\n").split("\t")
    r.setdefault(key, []).append(float(value))
n = $N
def med(key): return statistics.median(r[key]) if key in r else None
def rate(v): return f"{v:,.0f}"
def ms(v): return f"{v * 1000:,.0f} ms"
def mib(v): return f"{v / 1024:,.0f} MiB"
def cell(key, fmt): return fmt(med(key)) if key in r else "—"
print()
print("bench-tenants: binary=$RR_BIN, $(nproc) cores shared (noisy: compare ratios within a run)")
print("load: wrk -t1 -c$CONNS -d${DURATION}s, single signed events (2.3 KB, $IDS ids), each body once, round-robin over the tenants; "
      "medians of $ROUNDS alternated rounds")
print()
print(f"| | 1 tenant | {n:,} tenants | {n:,} / 1 |")
print("|---|---|---|---|")
def row(label, one, many, fmt, ratio=True):
    share = f"{med(many) / med(one):.0%}" if ratio and one in r and many in r and med(one) else ""
    print(f"| {label} | {cell(one, fmt)} | {cell(many, fmt)} | {share} |")
row("ingest, nothing routed (requests/s)", "none-1.rps", f"none-{n}.rps", rate)
row("ingest with delivery to each tenant's file (requests/s)", "file-1.rps", f"file-{n}.rps", rate)
row("**end to end into the files (events/s)**", "file-1.e2e", f"file-{n}.e2e", rate)
row("router CPU per event, load and drain (µs; the lower, the better)", "file-1.cpu_us", f"file-{n}.cpu_us", lambda v: f"{v:,.0f}")
row("peak RSS under that load", "file-1.peak_kb", f"file-{n}.peak_kb", mib, ratio=False)
row("start to healthy", "file-1.start", f"file-{n}.start", ms, ratio=False)
row("first event to every tenant, delivered (untimed warm-up: creates the files)", "file-1.warm", f"file-{n}.warm", ms, ratio=False)
print(f"| reload, every file unchanged (median of $RELOADS) | | {cell('reload.same', ms)} | |")
print(f"| reload, every file changed (median of $RELOADS) | | {cell('reload.changed', ms)} | |")
print(f"| retention-router validate (median of $RELOADS) | | {cell('validate', ms)} | |")
if "idle.rss_kb" in r:
    print(f"| idle RSS with {int($IDLE_N):,} tenants (start to healthy {cell('idle.start', ms)}) | | {cell('idle.rss_kb', mib)} | |")
print()
for key, label in (("none", "nothing routed, requests/s"), ("file", "end to end into the files, events/s")):
    metric = "rps" if key == "none" else "e2e"
    ones, manys = r.get(f"{key}-1.{metric}", []), r.get(f"{key}-{n}.{metric}", [])
    rounds = ", ".join(f"{a:,.0f} / {b:,.0f} = {b / a:.0%}" for a, b in zip(ones, manys))
    print(f"rounds, {label} (1 tenant / {n:,} tenants): {rounds}")
looks = zip(r.get("file-1.e2e_look", []), r.get(f"file-{n}.e2e_look", []))
print(f"end to end timed at the look that found every line, as runs before 2026-12-01 midday were (1 tenant / {n:,} tenants): "
      + ", ".join(f"{a:,.0f} / {b:,.0f} = {b / a:.0%}" for a, b in looks))
def pct(v): return f"{v:.0%}"
print("CPU time the host took from this virtual machine (steal) per round, 1 tenant / {0:,} tenants: ".format(n)
      + ", ".join(f"{pct(a)} / {pct(b)}" for a, b in zip(r.get("file-1.steal", []), r.get(f"file-{n}.steal", [])))
      + " (rounds with much steal run slow, whichever side they fall on)")
print(f"router CPU per event per round, 1 tenant / {n:,} tenants: "
      + ", ".join(f"{a:,.0f} / {b:,.0f} µs" for a, b in zip(r.get("file-1.cpu_us", []), r.get(f"file-{n}.cpu_us", []))))
print(f"events per delivery round, 1 tenant / {n:,} tenants: "
      + ", ".join(f"{a:,.1f} / {b:,.1f}" for a, b in zip(r.get("file-1.per_round", []), r.get(f"file-{n}.per_round", []))))
print(f"bytes the router wrote per event (files, WAL, checkpoints, responses), 1 tenant / {n:,} tenants: "
      + ", ".join(f"{a:,.0f} / {b:,.0f}" for a, b in zip(r.get("file-1.written", []), r.get(f"file-{n}.written", []))))
print(f"peak RSS per round, {n:,} tenants: " + ", ".join(mib(v) for v in r.get(f"file-{n}.peak_kb", [])))
print("start to healthy per round: 1 tenant " + ", ".join(ms(v) for v in r.get("file-1.start", []))
      + f"; {n:,} tenants " + ", ".join(ms(v) for v in r.get(f"file-{n}.start", [])))
print("reloads: unchanged " + ", ".join(ms(v) for v in r.get("reload.same", [])) + "; every file changed "
      + ", ".join(ms(v) for v in r.get("reload.changed", [])) + "; validate " + ", ".join(ms(v) for v in r.get("validate", [])))
errors = sum(sum(v) for k, v in r.items() if k.endswith(".errors"))
print(f"wrk errors (non-2xx or socket) over all runs: {errors:.0f}; events delivered per round: 1 tenant "
      + ", ".join(f"{v:,.0f}" for v in r.get("file-1.ingested", [])) + f"; {n:,} tenants "
      + ", ".join(f"{v:,.0f}" for v in r.get(f"file-{n}.ingested", [])) + f" (into {med(f'file-{n}.files') or 0:,.0f} files)")
if med(f"file-{n}.e2e") and med("file-1.e2e"):
    ratio = med(f"file-{n}.e2e") / med("file-1.e2e")
    print(f"target: {n:,} tenants end to end >= 80% of 1 tenant: {ratio:.0%} ({'met' if ratio >= 0.8 else 'NOT met'})")
EOF
echo
echo "command: TENANTS=$N TENANTS_IDLE=$IDLE_N BENCH_ROUNDS=$ROUNDS BENCH_IDS=$IDS scripts/bench-tenants.sh"
