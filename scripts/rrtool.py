#!/usr/bin/env python3
"""Helpers for the RetentionRouter load, fault and benchmark scripts (Python 3 stdlib only).

Subcommands (each prints a JSON summary on stdout unless noted):
  sign             HMAC-SHA1 hex of stdin with --secret (prints the hex only)
  load             send signed events to a running router from several threads; write acked ids
  gen-bodies       write pre-signed request bodies ("<sig> <body>" per line) for wrk; with
                   --tenants N, "<sig> <path> <body>", spread round-robin over N tenants
  gen-tenants      write N tenant files (the same secret, one destination template or none)
  wait-healthy     poll GET /healthz until it answers 200; print the seconds since --since
  check            compare acked ids with the ids found in NDJSON files (once)
  settle           poll NDJSON files until every acked id is there (or a timeout), with a timeline
  webhook-receiver a Standard Webhooks receiver: down (bound, not listening), then 503, then 200
  hang-receiver    accepts connections and never answers
  segment-fake     a Segment-compatible POST /v1/batch endpoint that counts messages
  summarize        min/max/percentiles of a file of numbers

Everything binds to 127.0.0.1 only.
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "sample-event.json")
ID_MARK = "\u0000ID\u0000"


# ---------------------------------------------------------------------------------------------
# Event bodies


def event_template(event_type=None):
    """Returns (prefix, suffix): a compact sample event is prefix + json-escaped id + suffix."""
    with open(SAMPLE, "rb") as handle:
        sample = json.loads(handle.read())
    if event_type:
        sample["event"] = event_type
    sample["messageId"] = ID_MARK
    text = json.dumps(sample, separators=(",", ":"), ensure_ascii=False)
    marker = json.dumps(ID_MARK)[1:-1]
    prefix, suffix = text.split(marker)
    return prefix, suffix


class BodyMaker:
    def __init__(self, event_type=None):
        self.prefix, self.suffix = event_template(event_type)

    def event(self, event_id):
        return self.prefix + event_id + self.suffix

    def body(self, ids):
        if len(ids) == 1:
            return self.event(ids[0]).encode()
        return ('{"batch":[' + ",".join(self.event(i) for i in ids) + "]}").encode()


def sign_sha1(secret, body):
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def cmd_sign(args):
    body = sys.stdin.buffer.read()
    print(sign_sha1(args.secret, body))


def tenant_name(prefix, index):
    """The name of generated tenant number `index`: PREFIX00042."""
    return f"{prefix}{index:05d}"


def cmd_gen_bodies(args):
    maker = BodyMaker()
    started = time.time()
    total_bytes = 0
    with open(args.out, "wb") as out:
        for n in range(args.count):
            ids = [f"{args.prefix}-{n}-{k}" for k in range(args.batch)] if args.batch > 1 else [f"{args.prefix}-{n}"]
            if args.uuid_ids:
                # Random-looking ids, as real message ids are (UUIDs), yet the same every run.
                ids = [str(uuid.uuid5(uuid.NAMESPACE_URL, event_id)) for event_id in ids]
            body = maker.body(ids)
            assert b"\n" not in body
            path = b""
            if args.tenants:
                path = f"/v1/tenants/{tenant_name(args.tenant_prefix, n % args.tenants)}/events ".encode()
            out.write(sign_sha1(args.secret, body).encode() + b" " + path + body + b"\n")
            total_bytes += len(body)
    print(json.dumps({"bodies": args.count, "events": args.count * args.batch, "bytes": total_bytes,
                      "avg_body_bytes": total_bytes // max(args.count, 1), "seconds": round(time.time() - started, 2)}))


def cmd_gen_tenants(args):
    """Writes --count tenant files PREFIX00000.json ... into --out-dir, each accepting
    x-hub-signature with --secret; --destination is a JSON destination with {tenant} replaced by
    the tenant's name (none: the tenant routes nothing)."""
    os.makedirs(args.out_dir, exist_ok=True)
    for index in range(args.count):
        name = tenant_name(args.prefix, index)
        destinations = "[]"
        if args.destination:
            destinations = "[" + args.destination.replace("{tenant}", name) + "]"
        text = (f'{{"name": "{name}", "description": "{args.description}", '
                f'"ingest": {{"scheme": "x-hub-signature", "secrets": ["{args.secret}"]}}, '
                f'"destinations": {destinations}}}\n')
        with open(os.path.join(args.out_dir, name + ".json"), "w") as handle:
            handle.write(text)
    print(json.dumps({"tenants": args.count, "folder": args.out_dir}))


def cmd_wait_healthy(args):
    """Polls http://127.0.0.1:PORT/healthz every --interval until it answers 200 (or --timeout);
    prints the seconds from --since (a unix time taken just before the server was started)."""
    deadline = time.time() + args.timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=1)
            conn.request("GET", "/healthz")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                print(json.dumps({"healthy": True, "seconds": round(time.time() - args.since, 4)}))
                return
        except OSError:
            pass
        time.sleep(args.interval)
    print(json.dumps({"healthy": False, "seconds": round(time.time() - args.since, 4)}))
    sys.exit(1)


# ---------------------------------------------------------------------------------------------
# Load generator


def cmd_load(args):
    maker = BodyMaker()
    path = f"/v1/tenants/{args.tenant}/events"
    # With --tenants N, request k of a thread goes to tenant TENANT0000(k+thread) % N, and the
    # acked file gets the tenant as a third column (settle --ndjson-pattern checks each id's file).
    def target(tid, request_number):
        if not args.tenants:
            return args.tenant, path
        name = tenant_name(args.tenant, (request_number * args.threads + tid) % args.tenants)
        return name, f"/v1/tenants/{name}/events"
    deadline = time.time() + args.duration
    lock = threading.Lock()
    acked_out = open(args.acked, "a", buffering=1) if args.acked else None
    stats = {"requests": 0, "acked_events": 0, "status": {}, "errors": {}, "first_send_at": None,
             "last_ack_at": None}
    per_thread_events = args.max_events // args.threads
    extra = args.max_events % args.threads
    stop = threading.Event()

    def note_error(kind):
        with lock:
            stats["errors"][kind] = stats["errors"].get(kind, 0) + 1

    def worker(tid):
        budget = per_thread_events + (1 if tid < extra else 0)
        sent_events = 0
        seq = 0
        request_number = 0
        conn = None
        per_thread_rate = (args.rate / args.threads) if args.rate else None
        t_start = time.time()
        while not stop.is_set() and sent_events < budget and time.time() < deadline:
            if per_thread_rate:
                due = t_start + sent_events / per_thread_rate
                wait = due - time.time()
                if wait > 0:
                    time.sleep(min(wait, max(0.0, deadline - time.time())))
                    if time.time() >= deadline:
                        break
            n = min(args.batch, budget - sent_events)
            tenant, request_path = target(tid, request_number)
            request_number += 1
            ids = [f"{args.prefix}-{tid}-{seq + k}" for k in range(n)]
            seq += n
            sent_events += n
            body = maker.body(ids)
            headers = {"content-type": "application/json", "x-hub-signature": sign_sha1(args.secret, body)}
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=args.timeout)
            try:
                sent_at = time.time()
                with lock:
                    if stats["first_send_at"] is None or sent_at < stats["first_send_at"]:
                        stats["first_send_at"] = sent_at
                conn.request("POST", request_path, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                now = time.time()
                with lock:
                    stats["requests"] += 1
                    key = str(response.status)
                    stats["status"][key] = stats["status"].get(key, 0) + 1
                    if response.status == 202:
                        answer = json.loads(payload)
                        acked_ids = answer.get("ids", ids)
                        if sorted(acked_ids) != sorted(ids):
                            stats["errors"]["ids_mismatch"] = stats["errors"].get("ids_mismatch", 0) + 1
                        stats["acked_events"] += len(ids)
                        stats["last_ack_at"] = now
                        if acked_out:
                            column = f"\t{tenant}" if args.tenants else ""
                            acked_out.write("".join(f"{i}\t{now:.6f}{column}\n" for i in ids))
                if response.status != 202:
                    if response.getheader("connection", "").lower() == "close":
                        conn.close()
                        conn = None
                    if response.status in (429, 503):
                        time.sleep(0.05)
            except (ConnectionRefusedError, ConnectionResetError, BrokenPipeError,
                    http.client.RemoteDisconnected, http.client.IncompleteRead, socket.timeout, OSError) as error:
                note_error(type(error).__name__)
                try:
                    conn.close()
                except Exception:
                    pass
                conn = None
                time.sleep(args.error_pause)
        if conn is not None:
            conn.close()

    def on_term(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    started = time.time()
    threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - started
    if acked_out:
        acked_out.close()
    stats["elapsed"] = round(elapsed, 3)
    stats["acked_per_second"] = round(stats["acked_events"] / elapsed, 1) if elapsed > 0 else 0
    print(json.dumps(stats))


# ---------------------------------------------------------------------------------------------
# NDJSON checks

ID_RE = re.compile(rb'\{"id":"((?:[^"\\]|\\.)*)"')


class NDJSONTail:
    """Reads NDJSON files incrementally; tolerates a torn (half-written) line."""

    def __init__(self, paths):
        self.paths = list(paths)
        self.offsets = {p: 0 for p in paths}
        self.partial = {p: b"" for p in paths}
        self.files_of = {}
        self.lines = 0
        self.torn = 0
        self.counts = {}
        self.first_seen = {}
        self.torn_examples = []

    def add(self, path):
        if path not in self.offsets:
            self.paths.append(path)
            self.offsets[path] = 0
            self.partial[path] = b""

    def poll(self):
        now = time.time()
        for path in self.paths:
            try:
                with open(path, "rb") as handle:
                    handle.seek(self.offsets[path])
                    data = handle.read()
            except FileNotFoundError:
                continue
            if not data:
                continue
            self.offsets[path] += len(data)
            data = self.partial[path] + data
            parts = data.split(b"\n")
            self.partial[path] = parts.pop()
            for line in parts:
                if not line:
                    continue
                self.lines += 1
                event_id = None
                try:
                    event_id = json.loads(line)["id"]
                except Exception:
                    self.torn += 1
                    if len(self.torn_examples) < 3:
                        self.torn_examples.append(line[:120].decode("utf-8", "replace") + " ...")
                    found = ID_RE.findall(line)
                    if found:
                        event_id = json.loads(b'"' + found[-1] + b'"')
                if event_id is None:
                    continue
                self.files_of.setdefault(event_id, set()).add(path)
                self.counts[event_id] = self.counts.get(event_id, 0) + 1
                if event_id not in self.first_seen:
                    self.first_seen[event_id] = now


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, int(round(p / 100.0 * (len(ordered) - 1)))))
    return ordered[k]


class AckedTail:
    """Reads 'id<TAB>time[<TAB>tenant]' files incrementally (a load generator may still be
    appending)."""

    def __init__(self, paths):
        self.paths = paths
        self.offsets = {p: 0 for p in paths}
        self.acked = {}
        self.tenant_of = {}

    def poll(self):
        for path in self.paths:
            try:
                with open(path, "rb") as handle:
                    handle.seek(self.offsets[path])
                    data = handle.read()
            except FileNotFoundError:
                continue
            cut = data.rfind(b"\n") + 1
            self.offsets[path] += cut
            for line in data[:cut].decode().splitlines():
                parts = line.split("\t")
                if parts and parts[0]:
                    self.acked[parts[0]] = float(parts[1]) if len(parts) > 1 else 0.0
                    if len(parts) > 2:
                        self.tenant_of[parts[0]] = parts[2]
        return self.acked


def cmd_settle(args):
    """Waits until every acked id is in the NDJSON files, then until the files stop growing.

    With --until-file, completion is not considered before that file exists (the load is still
    running and appending acked ids). With --ndjson-pattern (e.g. DIR/{tenant}/events.ndjson)
    each acked id must be in its own tenant's file (the acked file's third column)."""
    acked_tail = AckedTail(args.acked)
    tail = NDJSONTail(args.ndjson)
    pattern = getattr(args, "ndjson_pattern", None)

    def expected_file(event_id):
        tenant = acked_tail.tenant_of.get(event_id)
        return pattern.replace("{tenant}", tenant) if pattern and tenant else None

    def delivered(event_id):
        file = expected_file(event_id)
        if file is None:
            return event_id in tail.counts
        return file in tail.files_of.get(event_id, ())
    started = time.time()
    deadline = started + args.timeout
    timeline = []
    complete_at = None
    last_growth = time.time()
    last_lines = -1
    missing_ids = set()
    while True:
        load_done = not getattr(args, "until_file", None) or os.path.exists(args.until_file)
        before = len(acked_tail.acked)
        acked = acked_tail.poll()
        for event_id in list(acked)[before:]:
            missing_ids.add(event_id)
            file = expected_file(event_id)
            if file:
                tail.add(file)
        tail.poll()
        now = time.time()
        timeline.append((round(now, 3), tail.lines))
        if tail.lines != last_lines:
            last_lines = tail.lines
            last_growth = now
        missing_ids = {i for i in missing_ids if not delivered(i)}
        if load_done and not missing_ids and complete_at is None:
            complete_at = now
        if complete_at is not None and now - last_growth >= args.quiet:
            break
        if now >= deadline:
            break
        time.sleep(args.interval)
    acked = acked_tail.acked
    lost_ids = [i for i in acked if not delivered(i)]
    delivered_acked = len(acked) - len(lost_ids)
    latencies = [tail.first_seen[i] - t for i, t in acked.items() if i in tail.first_seen and t > 0]
    result = {
        "acked": len(acked),
        "lines": tail.lines,
        "distinct": len(tail.counts),
        "delivered": delivered_acked,
        "duplicates": tail.lines - len(tail.counts),
        "duplicate_ids": sum(1 for c in tail.counts.values() if c > 1),
        "unacked_delivered": sum(1 for i in tail.counts if i not in acked),
        "torn_lines": tail.torn,
        "torn_examples": tail.torn_examples,
        "lost": len(lost_ids),
        "lost_examples": lost_ids[:10],
        "files": len(tail.paths),
        "complete_at": complete_at,
        "waited": round(time.time() - started, 2),
        "latency_p50": percentile(latencies, 50),
        "latency_p99": percentile(latencies, 99),
        "latency_max": max(latencies) if latencies else None,
    }
    if args.timeline:
        with open(args.timeline, "w") as handle:
            for t, n in timeline:
                handle.write(f"{t}\t{n}\n")
    if args.seen_out:
        with open(args.seen_out, "w") as handle:
            for i, t in tail.first_seen.items():
                handle.write(f"{i}\t{t:.6f}\n")
    print(json.dumps(result))


def cmd_check(args):
    args.timeout = 0
    args.quiet = 0
    args.interval = 0
    cmd_settle(args)


# ---------------------------------------------------------------------------------------------
# Receivers


class StatsWriter:
    def __init__(self, path, stats, lock, interval=0.2):
        self.path, self.stats, self.lock, self.interval = path, stats, lock, interval

    def write(self):
        with self.lock:
            text = json.dumps(self.stats)
        tmp = self.path + ".tmp"
        with open(tmp, "w") as handle:
            handle.write(text)
        os.replace(tmp, self.path)

    def loop(self):
        while True:
            self.write()
            time.sleep(self.interval)

    def start(self):
        threading.Thread(target=self.loop, daemon=True).start()


class JSONHandler(http.server.BaseHTTPRequestHandler):
    """A fake receiver's request handler: keep-alive, no Nagle, no log lines, JSON answers."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # one 40 ms delayed-ACK stall per answer otherwise

    def log_message(self, *a):
        pass

    def read_body(self):
        return self.rfile.read(int(self.headers.get("content-length", "0")))

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class QuietThreadingServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        pass


def verify_standard_webhook(secrets, headers, body):
    msg_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    sigs = headers.get("webhook-signature")
    if not msg_id or not stamp or not sigs:
        return False
    try:
        if abs(time.time() - int(stamp)) > 300:
            return False
    except ValueError:
        return False
    signed = f"{msg_id}.{stamp}.".encode() + body
    for secret in secrets:
        key = base64.b64decode(secret.removeprefix("whsec_"))
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        for sig in sigs.split():
            if "," in sig and hmac.compare_digest(expected, sig.split(",", 1)[1]):
                return True
    return False


def cmd_webhook_receiver(args):
    lock = threading.Lock()
    started = time.time()
    stats = {"phase": "down", "requests": 0, "ok": 0, "unique": 0, "duplicates": 0, "status_503": 0,
             "bad_signature": 0, "bad_body": 0, "listening_at": None, "healthy_at": None,
             "first_ok_at": None, "last_ok_at": None, "started_at": started}
    seen = set()
    ids_out = open(args.out, "a", buffering=1)
    fail_until = started + args.down_for + args.fail_for

    class Handler(JSONHandler):
        def do_POST(self):
            body = self.read_body()
            now = time.time()
            if now < fail_until:
                with lock:
                    stats["requests"] += 1
                    stats["status_503"] += 1
                self.answer(503, b'{"error":"down for the outage test"}')
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            valid = verify_standard_webhook(args.secret, headers, body)
            event_id = headers.get("webhook-id")
            try:
                payload = json.loads(body)
                body_ok = payload.get("id") == event_id
            except Exception:
                body_ok = False
            with lock:
                stats["requests"] += 1
                if not valid:
                    stats["bad_signature"] += 1
                if not body_ok:
                    stats["bad_body"] += 1
                stats["ok"] += 1
                if stats["first_ok_at"] is None:
                    stats["first_ok_at"] = now
                stats["last_ok_at"] = now
                if event_id in seen:
                    stats["duplicates"] += 1
                else:
                    seen.add(event_id)
                    stats["unique"] += 1
                    ids_out.write(f"{event_id}\t{now:.6f}\n")
            self.answer(200, b'{"ok":true}')

    server = QuietThreadingServer(("127.0.0.1", args.port), Handler, bind_and_activate=False)
    server.allow_reuse_address = True
    server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.server_bind()  # bound but not listening: connections are refused while "down"
    with open(args.port_file, "w") as handle:
        handle.write(str(server.server_address[1]))
    writer = StatsWriter(args.stats, stats, lock)
    writer.start()
    signal.signal(signal.SIGTERM, lambda *a: (writer.write(), os._exit(0)))
    time.sleep(max(0.0, started + args.down_for - time.time()))
    server.server_activate()
    with lock:
        stats["phase"] = "503" if args.fail_for > 0 else "up"
        stats["listening_at"] = time.time()

    def mark_healthy():
        time.sleep(max(0.0, fail_until - time.time()))
        with lock:
            stats["phase"] = "up"
            stats["healthy_at"] = time.time()

    threading.Thread(target=mark_healthy, daemon=True).start()
    server.serve_forever(poll_interval=0.1)


def cmd_hang_receiver(args):
    lock = threading.Lock()
    stats = {"connections": 0, "open": 0, "bytes": 0, "requests_seen": 0}
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(1024)
    with open(args.port_file, "w") as handle:
        handle.write(str(sock.getsockname()[1]))
    writer = StatsWriter(args.stats, stats, lock)
    writer.start()
    signal.signal(signal.SIGTERM, lambda *a: (writer.write(), os._exit(0)))
    held = []

    def drain(conn):
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                with lock:
                    stats["bytes"] += len(data)
                    stats["requests_seen"] += data.count(b"POST ")
        except OSError:
            pass
        with lock:
            stats["open"] -= 1
        # Never answer; the peer closes (timeout) and we just drop our end.
        conn.close()

    while True:
        conn, _ = sock.accept()
        held.append(conn)
        with lock:
            stats["connections"] += 1
            stats["open"] += 1
        threading.Thread(target=drain, args=(conn,), daemon=True).start()


def cmd_segment_fake(args):
    lock = threading.Lock()
    started = time.time()
    stats = {"requests": 0, "messages": 0, "unique": 0, "duplicates": 0, "bad_auth": 0, "bad_body": 0,
             "types": {}, "first_at": None, "last_at": None, "started_at": started,
             "max_batch": 0, "bytes": 0, "sizes": {}}
    seen = set()
    expected_auth = "Basic " + base64.b64encode((args.write_key + ":").encode()).decode()

    class Handler(JSONHandler):
        def do_POST(self):
            body = self.read_body()
            now = time.time()
            ok_auth = self.headers.get("authorization") == expected_auth
            try:
                batch = json.loads(body)["batch"]
                ok_body = self.path == "/v1/batch"
            except Exception:
                batch, ok_body = [], False
            with lock:
                stats["requests"] += 1
                stats["bytes"] += len(body)
                if not ok_auth:
                    stats["bad_auth"] += 1
                if not ok_body:
                    stats["bad_body"] += 1
                stats["messages"] += len(batch)
                stats["max_batch"] = max(stats["max_batch"], len(batch))
                stats["sizes"][str(len(batch))] = stats["sizes"].get(str(len(batch)), 0) + 1
                if batch:
                    if stats["first_at"] is None:
                        stats["first_at"] = now
                    stats["last_at"] = now
                for message in batch:
                    kind = message.get("type", "?")
                    stats["types"][kind] = stats["types"].get(kind, 0) + 1
                    mid = message.get("messageId")
                    if mid in seen:
                        stats["duplicates"] += 1
                    else:
                        seen.add(mid)
                        stats["unique"] += 1
            self.answer(200, b'{"success":true}')

    server = QuietThreadingServer(("127.0.0.1", args.port), Handler)
    with open(args.port_file, "w") as handle:
        handle.write(str(server.server_address[1]))
    writer = StatsWriter(args.stats, stats, lock)
    writer.start()
    signal.signal(signal.SIGTERM, lambda *a: (writer.write(), os._exit(0)))
    server.serve_forever(poll_interval=0.1)


def cmd_wait_lines(args):
    """Counts newlines in growing files (cheaply, no parsing) until they hold --count lines in
    all; --file may be a glob pattern (re-expanded on each look, so new files join).

    Prints `reached_at`, when a look found them all, and `last_write_at`, the newest modification
    time of the files then: when the last of those lines was written, which does not depend on
    how often or how quickly this looks (a look over thousands of files takes tens of
    milliseconds)."""
    import glob as globbing
    offsets, lines = {}, 0
    started = time.time()
    deadline = started + args.timeout
    reached_at = None
    last_write_ns = 0
    while True:
        paths = sorted(globbing.glob(args.file)) if any(c in args.file for c in "*?[") else [args.file]
        for path in paths:
            try:
                info = os.stat(path)
                size = info.st_size
                last_write_ns = max(last_write_ns, info.st_mtime_ns)
                if size == offsets.get(path, 0):
                    continue
                with open(path, "rb") as handle:
                    handle.seek(offsets.get(path, 0))
                    while True:
                        chunk = handle.read(1 << 22)
                        if not chunk:
                            break
                        offsets[path] = offsets.get(path, 0) + len(chunk)
                        lines += chunk.count(b"\n")
            except FileNotFoundError:
                pass
        now = time.time()
        if lines >= args.count:
            reached_at = now
            break
        if now >= deadline:
            break
        time.sleep(args.interval)
    print(json.dumps({"lines": lines, "target": args.count, "files": len(offsets), "reached_at": reached_at,
                      "last_write_at": last_write_ns / 1e9 if reached_at is not None else None,
                      "waited": round(time.time() - started, 3)}))


def cmd_line_timeline(args):
    """Records "unix-time lines" each time a growing file gains lines, until --until-file exists
    and the file has at least the count written in it (or --timeout)."""
    offset, lines = 0, 0
    deadline = time.time() + args.timeout
    with open(args.out, "w", buffering=1) as out:
        while time.time() < deadline:
            try:
                with open(args.file, "rb") as handle:
                    handle.seek(offset)
                    while True:
                        chunk = handle.read(1 << 22)
                        if not chunk:
                            break
                        offset += len(chunk)
                        gained = chunk.count(b"\n")
                        if gained:
                            lines += gained
                            out.write(f"{time.time():.6f} {lines}\n")
            except FileNotFoundError:
                pass
            if os.path.exists(args.until_file):
                try:
                    target = int(open(args.until_file).read().strip() or "0")
                except ValueError:
                    target = 0
                if lines >= target:
                    break
            time.sleep(args.interval)


def cmd_summarize(args):
    values = []
    with open(args.file) as handle:
        for line in handle:
            line = line.strip()
            if line:
                try:
                    values.append(float(line.split()[args.column]))
                except (ValueError, IndexError):
                    pass
    if not values:
        print(json.dumps({"count": 0}))
        return
    print(json.dumps({"count": len(values), "min": min(values), "max": max(values),
                      "p50": percentile(values, 50), "first": values[0], "last": values[-1]}))


def cmd_disk_ceiling(args):
    """The disk's synced append rates in --dir: small appends each followed by fdatasync
    (syncs/s), then 1 MiB appends each followed by fdatasync (MB/s)."""
    def run(block, seconds):
        path = os.path.join(args.dir, "disk-ceiling.%d" % os.getpid())
        data = os.urandom(block)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            count = 0
            started = time.monotonic()
            while time.monotonic() - started < seconds:
                os.write(fd, data)
                os.fdatasync(fd)
                count += 1
            elapsed = time.monotonic() - started
        finally:
            os.close(fd)
            os.unlink(path)
        return count / elapsed
    small = run(args.small_bytes, args.seconds)
    large = run(1 << 20, args.seconds)
    print(json.dumps({"small_bytes": args.small_bytes, "small_syncs_per_s": round(small),
                      "large_mb_per_s": round(large * (1 << 20) / 1e6, 1)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sign")
    p.add_argument("--secret", required=True)
    p.set_defaults(func=cmd_sign)

    p = sub.add_parser("gen-bodies")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--secret", required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--tenants", type=int, default=0, help="spread the bodies over N tenants (a path per line)")
    p.add_argument("--tenant-prefix", default="t")
    p.add_argument("--uuid-ids", action="store_true",
                   help="event ids as UUIDs (uuid5 of PREFIX-N) instead of PREFIX-N, whose inserts into the store's id index come in order")
    p.set_defaults(func=cmd_gen_bodies)

    p = sub.add_parser("gen-tenants")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--prefix", default="t")
    p.add_argument("--secret", required=True)
    p.add_argument("--out-dir", required=True)
    p.add_argument("--destination", help="one destination as JSON; {tenant} is replaced by the name")
    p.add_argument("--description", default="generated by scripts/rrtool.py gen-tenants")
    p.set_defaults(func=cmd_gen_tenants)

    p = sub.add_parser("wait-healthy")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--since", type=float, required=True)
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--interval", type=float, default=0.005)
    p.set_defaults(func=cmd_wait_healthy)

    p = sub.add_parser("load")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tenant", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--duration", type=float, default=10)
    p.add_argument("--max-events", type=int, default=100000)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--rate", type=float, default=0, help="events/s over all threads (0: as fast as possible)")
    p.add_argument("--prefix", required=True)
    p.add_argument("--tenants", type=int, default=0,
                   help="spread the requests over N tenants named TENANT00000...; acked lines get the tenant")
    p.add_argument("--acked", help="append 'id<TAB>ack-time' for every acknowledged event")
    p.add_argument("--timeout", type=float, default=15)
    p.add_argument("--error-pause", type=float, default=0.05)
    p.set_defaults(func=cmd_load)

    for name, func in (("settle", cmd_settle), ("check", cmd_check)):
        p = sub.add_parser(name)
        p.add_argument("--acked", action="append", default=[])
        p.add_argument("--ndjson", action="append", default=[])
        p.add_argument("--ndjson-pattern", help="each acked id's own file, e.g. DIR/{tenant}/events.ndjson")
        p.add_argument("--timeline")
        p.add_argument("--seen-out")
        if name == "settle":
            p.add_argument("--timeout", type=float, default=60)
            p.add_argument("--quiet", type=float, default=1.0, help="seconds without growth after complete")
            p.add_argument("--interval", type=float, default=0.1)
            p.add_argument("--until-file", help="do not finish before this file exists")
        p.set_defaults(func=func)

    p = sub.add_parser("webhook-receiver")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--secret", action="append", required=True)
    p.add_argument("--down-for", type=float, default=0)
    p.add_argument("--fail-for", type=float, default=0)
    p.add_argument("--out", required=True)
    p.add_argument("--stats", required=True)
    p.set_defaults(func=cmd_webhook_receiver)

    p = sub.add_parser("hang-receiver")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--stats", required=True)
    p.set_defaults(func=cmd_hang_receiver)

    p = sub.add_parser("segment-fake")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--stats", required=True)
    p.add_argument("--write-key", required=True)
    p.set_defaults(func=cmd_segment_fake)

    p = sub.add_parser("wait-lines")
    p.add_argument("--file", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--interval", type=float, default=0.05)
    p.set_defaults(func=cmd_wait_lines)

    p = sub.add_parser("line-timeline")
    p.add_argument("--file", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--until-file", required=True, help="holds the line count to wait for; stop once reached")
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--interval", type=float, default=0.02)
    p.set_defaults(func=cmd_line_timeline)

    p = sub.add_parser("disk-ceiling")
    p.add_argument("--dir", required=True)
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--small-bytes", type=int, default=2048)
    p.set_defaults(func=cmd_disk_ceiling)

    p = sub.add_parser("summarize")
    p.add_argument("file")
    p.add_argument("--column", type=int, default=0)
    p.set_defaults(func=cmd_summarize)

    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
