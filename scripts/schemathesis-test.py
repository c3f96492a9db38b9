#!/usr/bin/env python3
"""Fuzzes the running router against its own OpenAPI document with Schemathesis.

Starts $ROUTER_BIN (default .build/debug/retention-router) on the shipped config/ plus a test
tenant `rrtest` in a temporary folder, loads /openapi.json from it, and for every operation sends
positive and negative cases (Hypothesis, a fixed number of examples per operation and mode), then
runs the stateful phase over the document's links (ingest -> event status -> replay). Each ingest
body is signed over the exact bytes sent with the tenant's secret; every request carries the admin
token. Checks: not_a_server_error, status_code_conformance, content_type_conformance,
response_schema_conformance, and for valid data that the server accepts it (2xx, or 404 for a
name that does not exist; tenant PUT exempt). Prints each distinct failure with the request;
exits 1 on any.

Knobs (environment): ST_EXAMPLES (per operation and mode, default 250), ST_STATEFUL_EXAMPLES
(default 150; about 2 to 3 minutes in all on 2 cores), ST_SEED (default 15), RR_KEEP=1 keeps the work folder.
"""

import hashlib
import hmac
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import hypothesis
import hypothesis.errors
from hypothesis import HealthCheck, Phase, given
import requests
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(os.path.join(ROOT, os.environ.get("ROUTER_BIN", ".build/debug/retention-router")))
EXAMPLES = int(os.environ.get("ST_EXAMPLES", "250"))
STATEFUL_EXAMPLES = int(os.environ.get("ST_STATEFUL_EXAMPLES", "150"))
SEED = int(os.environ.get("ST_SEED", "15"))
TENANT, SECRET, DESTINATION = "rrtest", "rrtest-secret", "archive"
ADMIN_TOKEN = "schemathesis-admin-token"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PROTECTED = {TENANT, "demo"}

rng = random.Random(SEED)
session = requests.Session()
failures = {}  # (operation, check title, status) -> first report
counts = {"requests": 0}
statuses = {}  # status code -> count, per operation run


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_work_dir():
    work = tempfile.mkdtemp(prefix="rr-schemathesis.")
    shutil.copytree(os.path.join(ROOT, "config"), os.path.join(work, "config"))
    tenant = {
        "name": TENANT,
        "description": "Schemathesis test tenant",
        "ingest": {"scheme": "x-hub-signature", "secrets": [SECRET]},
        "destinations": [
            {"id": DESTINATION, "type": "file", "settings": {"path": "data/{tenant}/events.ndjson"}},
            # A host that never resolves (.invalid), one short retry: every event routed here
            # becomes a dead letter within seconds, so the dead-letter routes and replay have
            # something to show.
            {"id": "parked", "type": "webhook", "events": ["cancel", "save", "accept_offer"],
             "settings": {"url": "http://rrtest.invalid/refused", "timeout": 1, "retrySchedule": [0.01],
                          "secrets": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]}},
        ],
    }
    with open(os.path.join(work, "config", "tenants", f"{TENANT}.json"), "w") as f:
        json.dump(tenant, f)
    return work


def start_router(work, port):
    env = dict(os.environ, ROUTER_ADMIN_TOKEN=ADMIN_TOKEN)
    log = open(os.path.join(work, "router.log"), "w")
    process = subprocess.Popen(
        [BIN, "serve", "--config", "config/router.json", "--port", str(port)],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the router exited with {process.returncode}; see {work}/router.log")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the router did not answer /healthz within 30 s")


def adjust(case):
    """Points most cases at the test tenant and its destination, so they get past the 404."""
    params = case.path_parameters or {}
    if case.operation.definition.raw.get("operationId") == "putTenant":
        # A PUT must never replace the tenants the run signs for.
        if params.get("tenant") in PROTECTED:
            params["tenant"] = params["tenant"] + "-x"
        if isinstance(case.body, dict) and isinstance(params.get("tenant"), str) and rng.random() < 0.5:
            case.body["name"] = params["tenant"]
        return
    # The one rule between parameters that OpenAPI cannot state (the document says it in words):
    # state=not_routed compares with a destination, so it needs one.
    query = case.query if isinstance(case.query, dict) else {}
    if query.get("state") == "not_routed" and not query.get("destination"):
        query["destination"] = DESTINATION
    if isinstance(params.get("tenant"), str) and NAME.match(params["tenant"]) and rng.random() < 0.85:
        params["tenant"] = TENANT
    if isinstance(params.get("destination"), str) and NAME.match(params["destination"]) and rng.random() < 0.85:
        params["destination"] = DESTINATION


def send(case, base_url):
    """Sends a case with its body signed over the exact bytes and the admin token; returns the
    response and the keyword arguments used."""
    kwargs = case.as_transport_kwargs(base_url=base_url)
    headers = {k: v for k, v in (kwargs.get("headers") or {}).items()}
    if "json" in kwargs:
        body = json.dumps(kwargs.pop("json")).encode()
        kwargs["data"] = body
    elif isinstance(kwargs.get("data"), str):
        kwargs["data"] = kwargs["data"].encode()
    body = kwargs.get("data")
    if body is None and case.operation.method.upper() in ("POST", "PUT"):
        body = b""
    if case.operation.definition.raw.get("operationId") == "ingestEvents":
        headers["x-hub-signature"] = hmac.new(SECRET.encode(), body or b"", hashlib.sha1).hexdigest()
    headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
    kwargs["headers"] = headers
    kwargs.setdefault("timeout", 30)
    kwargs.pop("cookies", None)
    counts["requests"] += 1
    response = session.request(**kwargs)
    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    return response, kwargs


def record(operation, error, case, kwargs):
    group = error.exceptions if isinstance(error, BaseExceptionGroup) else [error]
    for failure in group:
        title = getattr(failure, "title", type(failure).__name__)
        message = str(getattr(failure, "message", failure)).strip()
        status = getattr(getattr(failure, "response", None), "status_code", "")
        key = (operation, title, message.splitlines()[0] if message else "")
        if key in failures:
            continue
        body = kwargs.get("data")
        failures[key] = (
            f"{operation}: {title}\n    {message[:600]}\n"
            f"    request: {kwargs.get('method')} {kwargs.get('url')} params={kwargs.get('params')} "
            f"body={(body[:300] if body else body)!r}"
        )
        print(f"FAIL {failures[key]}", flush=True)


class PositiveDataRefused(Exception):
    """Data the document calls valid was refused: the document or the server is wrong."""

    title = "Positive data refused"


def accepts_positive(operation, status):
    """Valid data must get a 2xx, or 404 for a tenant, event or destination that does not exist.
    A tenant PUT is exempt: whether a tenant file is valid depends on more than its shape (the
    name must match the path, environment references must be set, each destination module
    checks its own settings), which the document describes but cannot express."""
    if operation.definition.raw.get("operationId") == "putTenant":
        return True
    return 200 <= status < 300 or status == 404


def fuzz_operation(operation, mode, base_url):
    label = f"{operation.method.upper()} {operation.path} [{mode.value}]"
    strategy = operation.as_strategy(generation_mode=mode)

    @hypothesis.settings(
        max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
        suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate],
    )
    @given(case=strategy)
    def run(case):
        adjust(case)
        response, kwargs = send(case, base_url)
        try:
            case.validate_response(response, checks=CHECKS, headers=kwargs["headers"], transport_kwargs=kwargs)
        except BaseException as error:  # noqa: B036 - check failures arrive as exception groups
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            record(label, error, case, kwargs)
        if mode == GenerationMode.POSITIVE and not accepts_positive(operation, response.status_code):
            record(label, PositiveDataRefused(f"{response.status_code} {response.text[:300]}"), case, kwargs)

    started = time.time()
    before = counts["requests"]
    statuses.clear()
    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        # Nothing to make invalid: no parameters and no body.
        pass
    except Exception as error:  # a generation problem, not a server failure
        record(label, error, None, {})
    print(f"  {label}: {counts['requests'] - before} requests in {time.time() - started:.1f}s, "
          f"statuses {dict(sorted(statuses.items()))}", flush=True)


def fuzz_stateful(schema, base_url):
    """Sequences along the document's links. The server's answers decide which links can be
    followed, so Hypothesis may see a sequence draw differently when it runs it again
    (FlakyStrategyDefinition): such a run is counted and a new one started, until the budget of
    scenarios is spent."""
    base = schema.as_state_machine()

    class Machine(base):
        def call(self, case, **kwargs):
            adjust(case)
            response, sent = send(case, base_url)
            self._sent = sent
            return Response.from_requests(response, verify=True)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            sent = getattr(self, "_sent", {})
            try:
                case.validate_response(response, checks=CHECKS, headers=sent.get("headers"), recorder=self.recorder)
            except BaseException as error:  # noqa: B036
                if isinstance(error, (KeyboardInterrupt, SystemExit)):
                    raise
                record("stateful", error, case, sent)

    started = time.time()
    before = counts["requests"]
    statuses.clear()
    runs, restarted, batch = 0, 0, 10
    while runs * batch < STATEFUL_EXAMPLES:
        runs += 1
        try:
            Machine.run(settings=hypothesis.settings(
                max_examples=batch, stateful_step_count=6, deadline=None, database=None,
                suppress_health_check=list(HealthCheck), phases=[Phase.generate],
            ))
        except hypothesis.errors.FlakyStrategyDefinition:
            restarted += 1
        except Exception as error:
            record("stateful", error, None, {})
    print(f"  stateful (links): {counts['requests'] - before} requests in {time.time() - started:.1f}s, "
          f"{runs} runs ({restarted} cut short by server state), statuses {dict(sorted(statuses.items()))}", flush=True)


def main():
    if not os.access(BIN, os.X_OK):
        raise SystemExit(f"{BIN} is not built (set ROUTER_BIN)")
    work = prepare_work_dir()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = start_router(work, port)
    started = time.time()
    ok = False
    try:
        # Fetched from the server, then loaded as a dict: loading by URL would leave out the
        # /openapi.json operation itself.
        document = session.get(f"{base_url}/openapi.json", timeout=10).json()
        schema = schemathesis.openapi.from_dict(document)
        operations = [result.ok() for result in schema.get_all_operations()]
        print(f"== Schemathesis {schemathesis.SCHEMATHESIS_VERSION}: {len(operations)} operations, "
              f"{EXAMPLES} examples per operation and mode, against {BIN}", flush=True)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for operation in operations:
                fuzz_operation(operation, mode, base_url)
        fuzz_stateful(schema, base_url)
        if process.poll() is not None:
            record("server", RuntimeError(f"the router exited with {process.returncode} during the run"), None, {})
        ok = not failures
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            code = "killed"
        elapsed = time.time() - started
        print(f"== {counts['requests']} requests in {elapsed:.0f}s; {len(failures)} distinct failures; router exit {code}")
        if code != 0:
            ok = False
        if ok and os.environ.get("RR_KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"== work folder kept: {work}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
