#!/usr/bin/env python3
"""A local webhook receiver for trying the webhook destination (Python 3 stdlib only).

Listens on 127.0.0.1, verifies each request's Standard Webhooks signature with the secret you
give (webhook-id, webhook-timestamp, webhook-signature; 5 minutes of tolerance), answers 200 when
it is valid and 401 when it is not, prints one line per request, and keeps the last request's
headers and body in --capture (headers.txt, body.json) so that

    retention-router verify --secret "$WEBHOOK_SECRET" --headers CAPTURE/headers.txt --body CAPTURE/body.json

checks it again with the router's own verifier.

Usage: scripts/webhook-receiver.py --secret whsec_... [--port 9000] [--capture DIR] [--status N]
  --status N answers N (e.g. 503 or 400) to every valid request, to watch retries and dead letters.
"""

import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import sys
import time


def verify(secret, headers, body):
    """Returns None when the Standard Webhooks signature is valid, else the reason."""
    message_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (message_id and timestamp and signatures):
        return "missing webhook-id, webhook-timestamp or webhook-signature"
    try:
        if abs(time.time() - int(timestamp)) > 300:
            return "timestamp more than 5 minutes off"
    except ValueError:
        return "malformed webhook-timestamp"
    key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return None
    return "no signature matches"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--secret", required=True, help="the destination's whsec_ secret")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--capture", default="captured", help="folder for the last request (default ./captured)")
    parser.add_argument("--status", type=int, default=200, help="the status to answer valid requests with")
    arguments = parser.parse_args()
    os.makedirs(arguments.capture, exist_ok=True)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            with open(os.path.join(arguments.capture, "headers.txt"), "w") as handle:
                handle.write("".join(f"{name}: {value}\n" for name, value in headers.items()))
            with open(os.path.join(arguments.capture, "body.json"), "wb") as handle:
                handle.write(body)
            problem = verify(arguments.secret, headers, body)
            try:
                event = json.loads(body)
                summary = f"{event.get('type')} {event.get('id')} (tenant {event.get('tenant')})"
            except ValueError:
                summary = f"{len(body)} bytes, not JSON"
            status = 401 if problem else arguments.status
            print(f"{time.strftime('%H:%M:%S')} {self.path} {summary}: "
                  f"{'INVALID signature: ' + problem if problem else 'signature valid'} -> {status}", flush=True)
            answer = json.dumps({"error": problem} if problem else {"ok": status < 300}).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    print(f"listening on http://127.0.0.1:{arguments.port}/ ; last request kept in {arguments.capture}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
