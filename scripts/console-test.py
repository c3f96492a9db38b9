#!/usr/bin/env python3
"""Drives the operator console in a real headless Chromium against the real router.

Starts the router binary on a scratch config (two tenants, a file sink and two webhook
destinations pointing at a local receiver that can be told to refuse), sends signed events, and
checks, as a person would see it: sign-in (a wrong token refused, then 429 after five), the
overview and its counts moving, finding an event by id and by a property value, its detail with
attempts, a dead letter made by a 400 replayed from the console and then delivered, "replay all
matching" replaying exactly the filtered set (two tenants with overlapping ids), CSRF, XSS, a
not-routed event with its reason, and sign-out. Saves a screenshot of each view.

With --store postgres (needs ROUTER_TEST_POSTGRES_URL) it runs the same flow on two instances
sharing one PostgreSQL database, and checks that a session made on one is accepted by the other.

Usage: scripts/console-test.py [--store sqlite|postgres] [--bin PATH] [--screenshots DIR]
Needs: python3, selenium (pip), chromium and chromium-driver (Debian). Loopback only.
"""

import argparse
import hashlib
import hmac
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TOKEN = "console-test-admin-token"
VIEWER_TOKEN = "console-test-viewer-token"
MASKED_EMAIL = "masked-7f3a91@example.com"
ERASE_VALUE = f"erase-me-{os.getpid()}-{int(time.time())}@example.com"
INGEST_SECRET = "demo-secret"
XSS_SCRIPT = "<script>window.__xss = 1</script>"
XSS_IMG = '"><img src=x onerror="window.__xss = 2">'

CHECKS = {"passed": 0, "failed": 0}


def log(message):
    print(f"[console-test {time.strftime('%H:%M:%S')}] {message}", flush=True)


def check(condition, what):
    if condition:
        CHECKS["passed"] += 1
        log(f"ok: {what}")
    else:
        CHECKS["failed"] += 1
        log(f"FAILED: {what}")
        raise AssertionError(what)


def eventually(probe, what, timeout=15.0, interval=0.2):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    check(False, f"{what} (within {timeout:.0f} s; last saw {last!r})")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# A webhook receiver that accepts or refuses with 400, and records what it accepted.


class Receiver:
    def __init__(self):
        self.refuse = True
        self.unavailable = True  # /slow/... answers 503 while this holds
        self.accepted = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                expected = "sha256=" + hmac.new(b"hook-secret", body, hashlib.sha256).hexdigest()
                if self.headers.get("x-hub-signature-256") != expected:
                    self.answer(401, b'{"error":"bad signature"}')
                    return
                if self.path.startswith("/slow/") and receiver.unavailable:
                    self.answer(503, b'{"error":"down for maintenance"}')
                    return
                if receiver.refuse and not self.path.startswith("/slow/"):
                    self.answer(400, b'{"error":"customer_id is required"}')
                    return
                with receiver.lock:
                    receiver.accepted.append(json.loads(body).get("id"))
                self.answer(200, b"{}")

            def answer(self, status, body):
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def ids(self):
        with self.lock:
            return list(self.accepted)


# ---------------------------------------------------------------------------------------------
# The router


def fresh_database(url):
    """A new, empty database on the server of `url` (so earlier runs' event ids are not duplicates)."""
    name = f"rr_console_{os.getpid()}_{int(time.time())}"
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    parts = urllib.parse.urlsplit(url)
    return name, urllib.parse.urlunsplit(parts._replace(path="/" + name))


def drop_database(url, name):
    subprocess.run(["psql", url, "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)


def write_config(directory, receiver_port, store):
    os.makedirs(os.path.join(directory, "tenants"), exist_ok=True)
    router = {
        "listen": {"host": "127.0.0.1", "port": 0},
        "dataDirectory": os.path.join(directory, "data"),
        "tenantsDirectory": os.path.join(directory, "tenants"),
        "allowPrivateAddresses": True,
        "adminToken": {"env": "ROUTER_ADMIN_TOKEN"},
        "viewerToken": {"env": "ROUTER_VIEWER_TOKEN"},
    }
    if store == "postgres":
        router["store"] = {"kind": "postgres", "url": {"env": "CONSOLE_TEST_DATABASE_URL"}, "leaseSeconds": 5}
    with open(os.path.join(directory, "router.json"), "w") as handle:
        json.dump(router, handle)
    hook = lambda path: {"url": f"http://127.0.0.1:{receiver_port}/{path}", "secrets": ["hook-secret"],
                         "scheme": "x-hub-signature-256", "retrySchedule": [1]}
    for name in ("demo", "other"):
        tenant = {
            "name": name,
            "ingest": {"scheme": "x-hub-signature", "secrets": [INGEST_SECRET]},
            "destinations": [
                {"id": "archive", "type": "file", "settings": {"path": os.path.join(directory, "data", "{tenant}.ndjson")}},
                {"id": "crm", "type": "webhook", "events": ["cancel", "save"], "settings": hook(f"{name}/crm"),
                 "transform": [{"drop": ["field.cancel.email"]}, {"set": {"source": "retention"}}]},
                {"id": "alerts", "type": "webhook", "events": ["cancel"], "settings": hook(f"{name}/alerts")},
            ],
        }
        if name == "other":
            # Masked in the console for everyone until an admin reveals them (logged).
            tenant["console"] = {"maskProperties": ["field.cancel.email", "field.cancel.account.*"]}
        with open(os.path.join(directory, "tenants", f"{name}.json"), "w") as handle:
            json.dump(tenant, handle)
    # A tenant whose receiver is down, with a 5-minute backoff: only "Retry now" brings it back soon.
    slow = {"name": "slow", "ingest": {"scheme": "x-hub-signature", "secrets": [INGEST_SECRET]},
            "destinations": [{"id": "hook", "type": "webhook", "settings": dict(hook("slow/hook"), retrySchedule=[300])}]}
    with open(os.path.join(directory, "tenants", "slow.json"), "w") as handle:
        json.dump(slow, handle)


class Router:
    def __init__(self, binary, directory, name, instance):
        self.port = free_port()
        self.log_path = os.path.join(directory, f"{name}.log")
        environment = dict(os.environ, ROUTER_ADMIN_TOKEN=TOKEN, ROUTER_VIEWER_TOKEN=VIEWER_TOKEN)
        self.process = subprocess.Popen(
            [binary, "serve", "--config", os.path.join(directory, "router.json"), "--port", str(self.port),
             "--instance-id", instance, "--log-level", "info"],
            stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT, env=environment, cwd=directory,
        )
        eventually(lambda: self.get("/healthz")[0] == 200, f"router {name} answers /healthz", timeout=60)

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read(), dict(response.getheaders())
        except OSError:
            return 0, b"", {}
        finally:
            connection.close()

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def ingest(self, tenant, events):
        body = json.dumps({"batch": events}).encode()
        signature = hmac.new(INGEST_SECRET.encode(), body, hashlib.sha1).hexdigest()
        status, answer, _ = self.request("POST", f"/v1/tenants/{tenant}/events", body,
                                         {"content-type": "application/json", "x-hub-signature": signature})
        check(status == 202, f"ingest of {len(events)} event(s) for {tenant} answered 202 (got {status} {answer[:200]!r})")

    def api(self, path):
        status, body, _ = self.get(path, {"authorization": f"Bearer {TOKEN}"})
        return status, (json.loads(body) if body.startswith(b"{") else None)

    def state(self, tenant, event_id, destination):
        """The event's state at one destination per the JSON API; None when unknown."""
        status, body = self.api(f"/v1/tenants/{tenant}/events/{urllib.parse.quote(event_id)}")
        if status != 200:
            return None
        return next((d["state"] for d in body["destinations"] if d["id"] == destination), None)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def event(event_id, kind="cancel", **properties):
    base = {"app_id": "app-1", "user_id": "user-" + event_id, "session": "s-1",
            "field.cancel.account.internal_id": "acct-" + event_id}
    base.update(properties)
    return {"event": kind, "messageId": event_id, "properties": base}


# ---------------------------------------------------------------------------------------------
# The browser


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800",
                     "--force-device-scale-factor=1", "--lang=en-US"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)


class Console:
    def __init__(self, driver, router, screenshots):
        self.driver = driver
        self.router = router
        self.screenshots = screenshots

    def url(self, path):
        return f"http://127.0.0.1:{self.router.port}{path}"

    def open(self, path):
        self.driver.get(self.url(path))

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def finds(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def shot(self, name):
        if not self.screenshots:
            return
        os.makedirs(self.screenshots, exist_ok=True)
        height = self.driver.execute_script("return Math.min(document.documentElement.scrollHeight, 1400)")
        self.driver.set_window_size(1280, max(800, height))
        path = os.path.join(self.screenshots, f"console-{name}.png")
        self.driver.save_screenshot(path)
        self.driver.set_window_size(1280, 800)
        log(f"screenshot {path}")

    def sign_in(self, token):
        self.open("/console/")
        self.find("#token").send_keys(token)
        self.submit("form[action='/console/sign-in'] button")

    def submit(self, css):
        """Clicks a submit button and waits until the next page has replaced this one."""
        page = self.find("html")
        self.find(css).click()

        def replaced(_driver):
            # Chromium sometimes answers a look at the old page's node with "Node with given id
            # does not belong to the document" instead of a stale-element error: both mean the
            # page was replaced.
            try:
                page.is_enabled()
                return False
            except (StaleElementReferenceException, WebDriverException):
                return True
        WebDriverWait(self.driver, 15).until(replaced)
        WebDriverWait(self.driver, 15).until(lambda driver: driver.execute_script("return document.readyState") == "complete")

    def session_cookie(self):
        cookie = self.driver.get_cookie("rr_console")
        return cookie["value"] if cookie else None

    def csrf(self):
        return self.find("input[name=csrf]").get_attribute("value")

    def overview_cell(self, tenant, destination, test):
        row = self.find(f"tr[data-partition='{tenant}/{destination}']")
        return row.find_element(By.CSS_SELECTOR, f"[data-test={test}]").text


def run(arguments):
    binary = os.path.abspath(arguments.bin)
    scratch = tempfile.mkdtemp(prefix="rr-console-test.")
    database = None
    if arguments.store == "postgres":
        database, os.environ["CONSOLE_TEST_DATABASE_URL"] = fresh_database(os.environ["ROUTER_TEST_POSTGRES_URL"])
    receiver = Receiver()
    write_config(scratch, receiver.port, arguments.store)
    routers = [Router(binary, scratch, "a", "console-a")]
    if arguments.store == "postgres":
        routers.append(Router(binary, scratch, "b", "console-b"))
    router = routers[0]
    driver = browser()
    console = Console(driver, router, arguments.screenshots)
    try:
        # Sign-in: the form, a wrong token refused, then the right one.
        console.open("/console/")
        check("/console/sign-in" in driver.current_url, "an anonymous visit to /console/ lands on the sign-in form")
        headers = router.get("/console/sign-in")[2]
        csp = headers.get("Content-Security-Policy", "")
        check("default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp,
              f"console pages carry a strict Content-Security-Policy ({csp})")
        check(headers.get("X-Content-Type-Options") == "nosniff" and headers.get("Referrer-Policy") == "same-origin",
              "console pages carry nosniff and Referrer-Policy: same-origin")
        console.shot("sign-in")
        console.sign_in("not-the-token")
        check("neither the admin nor the viewer token" in console.text(), "a wrong token shows the form again with an error")
        check(console.session_cookie() is None, "a wrong token sets no session cookie")
        console.sign_in(TOKEN)
        check(driver.current_url.rstrip("/").endswith("/console"), "the admin token signs in and lands on the overview")
        cookie = driver.get_cookie("rr_console")
        check(cookie and cookie.get("httpOnly") and cookie.get("sameSite") == "Strict" and not cookie.get("secure"),
              f"the session cookie is HttpOnly, SameSite=Strict, and not Secure on loopback ({cookie})")

        # The overview lists the tenants; its counts move after events are sent.
        console.open("/console/?refresh=0")
        check(len(console.finds("tr[data-partition='demo/archive']")) == 1, "the overview lists demo/archive")
        before = int(console.overview_cell("demo", "archive", "delivered-1h").replace(",", ""))
        router.ingest("demo", [event(f"ok-{n}", "page_loaded") for n in range(5)])
        router.ingest("demo", [event("jane-cancel", "cancel", **{"field.cancel.email": "jane@example.com"})])

        def archive_count():
            console.open("/console/?refresh=0")
            return int(console.overview_cell("demo", "archive", "delivered-1h").replace(",", "")) >= before + 6
        eventually(archive_count, "the overview's delivered count for demo/archive grows by the 6 events sent")

        # A dead letter: the receiver answers 400 for crm and alerts.
        eventually(lambda: router.state("demo", "jane-cancel", "crm") == "dead", "jane-cancel is dead at crm after the receiver's 400")
        console.open("/console/?refresh=0")
        check(console.find("tr[data-partition='demo/crm'] [data-test=dead]").text != "0", "the overview shows crm's dead letter")
        hint = console.find("tr[data-partition='demo/crm'] [data-test=hint]").text
        check("answered 400" in hint, f"the overview explains the last failure in plain language ({hint})")
        console.shot("overview")

        # Find the event by id, and by a property value.
        console.open("/console/tenants/demo/events?id=jane-cancel")
        check(len(console.finds("tr[data-event-id='jane-cancel']")) == 1, "the events page finds jane-cancel by id")
        console.open("/console/tenants/demo/events")
        console.find("input[name=q]").send_keys("JANE@example.com")
        console.submit("form.filters button")
        rows = console.finds("tr[data-event-id]")
        check([row.get_attribute("data-event-id") for row in rows] == ["jane-cancel"],
              "a search by property value (case-insensitive) finds exactly jane-cancel")
        check("looked through" in console.find("[data-test=scan]").text, "the search says how far it looked")
        console.open("/console/tenants/demo/events")
        console.shot("events")

        # Its detail: state and why per destination, attempts, the stored JSON.
        console.open("/console/tenants/demo/events/jane-cancel")
        crm = console.find("section[data-destination=crm]")
        check(crm.find_element(By.CSS_SELECTOR, "[data-test=state]").text == "dead", "the detail shows crm: dead")
        check("400" in crm.text and "customer_id is required" in crm.text, "the attempts show the status and the response body")
        archive = console.find("section[data-destination=archive]")
        check("Delivered at" in archive.text, "the detail shows when archive delivered it")
        check("jane@example.com" in console.find("[data-test=json]").text, "the detail shows the event as stored")
        preview = crm.find_element(By.CSS_SELECTOR, "[data-test=preview]").get_attribute("textContent")
        check("POST http://127.0.0.1:" in preview and '"source":"retention"' in preview and "jane@example.com" not in preview,
              "crm's preview shows the request its transform makes: the email dropped, the source set")
        console.shot("event")

        # A not-routed event shows its reason.
        console.open("/console/tenants/demo/events/ok-0")
        why = console.find("section[data-destination=crm] [data-test=why]").text
        check("Not routed" in why and "page_loaded" in why, f"a page_loaded event says why crm never got it ({why})")

        # Replay from the console after the receiver is fixed: then delivered.
        receiver.refuse = False
        console.open("/console/tenants/demo/dead-letters?destination=crm")
        check(console.find("[data-test=match-count]").text == "1", "the dead-letters page counts crm's one dead letter")
        console.shot("dead-letters")
        console.find("input[name=select][value='crm jane-cancel']").click()
        console.submit("[data-test=replay-selected]")
        check("Replayed 1 dead letter" in console.text(), "replaying the selected row reports 1 replayed")
        eventually(lambda: "jane-cancel" in receiver.ids(), "the receiver gets jane-cancel after the replay")
        eventually(lambda: router.state("demo", "jane-cancel", "crm") == "delivered", "jane-cancel is delivered at crm after the replay")

        # "Replay all matching": exactly the filtered set, never another tenant's or destination's.
        receiver.refuse = True
        shared = [event(f"bulk-{n}", "cancel") for n in range(4)]
        router.ingest("demo", shared)
        router.ingest("other", shared)

        def dead_counts():
            counts = {}
            for tenant in ("demo", "other"):
                for destination in ("crm", "alerts"):
                    counts[(tenant, destination)] = router.api(
                        f"/v1/tenants/{tenant}/dead-letters/count?destination={destination}")[1]["count"]
            return counts
        eventually(lambda: all(value == 4 for key, value in dead_counts().items() if key != ("demo", "alerts"))
                   and dead_counts()[("demo", "alerts")] == 5, "4 new dead letters at each webhook of both tenants")
        receiver.refuse = False
        console.open("/console/tenants/demo/dead-letters?destination=crm&reason=http_400")
        check(console.find("[data-test=match-count]").text == "4", "the filter destination=crm reason=http_400 counts 4")
        check("Replay all 4 matching" in console.find("[data-test=replay-all]").text, "the button states the exact count")
        console.submit("[data-test=replay-all]")
        check("Replayed 4 dead letters" in console.text(), "replay all matching reports 4 replayed")
        counts = dead_counts()
        check(counts[("demo", "crm")] == 0, "demo's crm dead letters are all replayed")
        check(counts[("demo", "alerts")] == 5, "demo's alerts dead letters (outside the filter) stay")
        check(counts[("other", "crm")] == 4 and counts[("other", "alerts")] == 4, "the other tenant's dead letters (same ids) stay")
        eventually(lambda: sum(1 for i in receiver.ids() if i and i.startswith("bulk-")) >= 4,
                   "the receiver gets the 4 replayed events")

        # "Retry now" on a paused destination, after its receiver is fixed.
        router.ingest("slow", [event("slow-1", "cancel")])
        eventually(lambda: router.state("slow", "slow-1", "hook") == "retrying", "slow-1 waits for a retry after the 503")
        console.open("/console/?refresh=0")
        row = "tr[data-partition='slow/hook']"
        check("paused" in console.find(row + " .badge").text, f"the overview shows slow/hook paused ({console.find(row + ' .badge').text})")
        receiver.unavailable = False
        console.submit(row + " form button")
        check("Retrying now" in console.text(), "retry now reports the lifted pause")
        eventually(lambda: "slow-1" in receiver.ids(), "the fixed receiver gets slow-1 within seconds of retry now (the backoff was 300 s)", timeout=10)

        # CSRF: a POST with the session but without the token changes nothing.
        session = console.session_cookie()
        status, body, _ = router.request(
            "POST", "/console/tenants/demo/dead-letters/replay-matching",
            urllib.parse.urlencode({"destination": "alerts", "asOf": str(int(time.time() * 1000))}),
            {"cookie": f"rr_console={session}", "content-type": "application/x-www-form-urlencoded"},
        )
        check(status == 403, f"a POST without the CSRF token is refused with 403 (got {status})")
        status, body, _ = router.request(
            "POST", "/console/tenants/demo/dead-letters/replay-matching",
            urllib.parse.urlencode({"destination": "alerts", "csrf": "0" * 64, "asOf": str(int(time.time() * 1000))}),
            {"cookie": f"rr_console={session}", "content-type": "application/x-www-form-urlencoded"},
        )
        check(status == 403, f"a POST with a wrong CSRF token is refused with 403 (got {status})")
        check(dead_counts()[("demo", "alerts")] == 5, "the refused POSTs replayed nothing")

        # XSS: script in properties is shown as text and runs nothing.
        router.ingest("demo", [event("xss-1", "cancel", **{"user_id": XSS_SCRIPT, "field.cancel.email": XSS_IMG})])
        eventually(lambda: router.api("/v1/tenants/demo/events/xss-1")[0] == 200, "the XSS event is stored")
        for path in ("/console/tenants/demo/events/xss-1", "/console/tenants/demo/events?q=script", "/console/"):
            console.open(path)
            time.sleep(0.3)
            check(driver.execute_script("return window.__xss === undefined"), f"nothing ran on {path}")
        console.open("/console/tenants/demo/events/xss-1")
        shown = console.find("[data-test=json]").text
        check(XSS_SCRIPT.replace('"', '\\"') in shown or "<script>window.__xss = 1</script>" in shown,
              "the script text is shown as text")
        check(len(console.finds("main img")) == 0, "no img element was injected")

        # Several instances: the other instance accepts the session.
        if len(routers) > 1:
            other = routers[1]
            status, body, _ = other.get("/console/", {"cookie": f"rr_console={session}"})
            check(status == 200 and b"Overview" in body, f"instance b accepts a session made on instance a (got {status})")
            status, body, _ = other.get("/console/tenants/demo/events?id=jane-cancel", {"cookie": f"rr_console={session}"})
            check(b"jane-cancel" in body, "instance b finds the event accepted through instance a")

        part_two(console, routers, receiver, scratch, arguments.store)

        # Phone width.
        if console.screenshots:
            driver.set_window_size(420, 900)
            console.open("/console/?refresh=0")
            driver.save_screenshot(os.path.join(console.screenshots, "console-overview-phone.png"))
            driver.set_window_size(1280, 800)

        # Sign-out ends the session.
        console.open("/console/?refresh=0")
        console.submit("form.sign-out button")
        check("/console/sign-in" in driver.current_url and "signed out" in console.text(), "sign-out lands on the sign-in form")
        console.open("/console/tenants/demo/events")
        check("/console/sign-in" in driver.current_url, "after sign-out the console asks to sign in again")

        # Five wrong tokens from one address within a minute: 429.
        statuses = []
        for _ in range(6):
            status, _, _ = router.request("POST", "/console/sign-in", "token=wrong",
                                          {"content-type": "application/x-www-form-urlencoded"})
            statuses.append(status)
        check(statuses[-1] == 429, f"after five wrong tokens within a minute the sixth answer is 429 ({statuses})")
    except Exception:
        try:
            log(f"browser at {driver.current_url}: {console.text()[:600]!r}")
        except Exception:
            pass
        for instance in routers:
            log(f"--- {instance.log_path} (tail)")
            with open(instance.log_path) as handle:
                sys.stdout.write("".join(handle.readlines()[-40:]))
        raise
    finally:
        driver.quit()
        for instance in routers:
            instance.stop()
        receiver.server.shutdown()
        if database:
            drop_database(os.environ["ROUTER_TEST_POSTGRES_URL"], database)
        if CHECKS["failed"] == 0 and not os.environ.get("RR_KEEP"):
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            log(f"kept {scratch}")


# ---------------------------------------------------------------------------------------------
# Console part two: live tail, test sends, configuration, masking, roles


def wait_for(console, css, what, timeout=15):
    return eventually(lambda: console.finds(css), what, timeout=timeout)


def store_files_contain(scratch, text):
    """True when the SQLite store's database or WAL file holds `text` (raw bytes)."""
    needle = text.encode()
    for name in ("events.sqlite3", "events.sqlite3-wal"):
        path = os.path.join(scratch, "data", name)
        if os.path.exists(path):
            with open(path, "rb") as handle:
                if needle in handle.read():
                    return True
    return False


def part_two(console, routers, receiver, scratch, store):
    driver = console.driver
    router = routers[0]
    # Events accepted by the last instance (the other one, on PostgreSQL) still reach this tail.
    sender = routers[-1]

    # Live tail: an event sent after the page opened appears, newest on top; pause holds it back.
    console.open("/console/tenants/demo/tail")
    eventually(lambda: console.find("[data-test=tail-status]").text.startswith("Live"), "the tail connects")
    sender.ingest("demo", [event("tail-1", "save")])
    wait_for(console, "tr[data-event-id='tail-1']", "the tail shows tail-1, sent after the page opened")
    sender.ingest("demo", [event("tail-2", "cancel")])
    wait_for(console, "tr[data-event-id='tail-2']", "the tail shows tail-2")
    rows = [row.get_attribute("data-event-id") for row in console.finds("#tail-rows tr[data-event-id]")]
    check(rows[:2] == ["tail-2", "tail-1"], f"the newest event is on top ({rows[:3]})")
    link = console.find("tr[data-event-id='tail-1'] a").get_attribute("href")
    check(link.endswith("/console/tenants/demo/events/tail-1"), "each row links to the event's detail")
    console.shot("tail")
    console.find("[data-test=tail-toggle]").click()
    eventually(lambda: console.find("[data-test=tail-status]").text.startswith("Paused"), "pause stops the tail")
    sender.ingest("demo", [event("tail-3", "cancel")])
    time.sleep(1.5)
    check(not console.finds("tr[data-event-id='tail-3']"), "a paused tail shows nothing new")
    console.find("[data-test=tail-toggle]").click()
    wait_for(console, "tr[data-event-id='tail-3']", "resume shows what arrived while paused")
    # A burst is capped: at most 50 rows a second, the rest counted.
    sender.ingest("demo", [event(f"burst-{n}", "page_loaded") for n in range(120)])
    wait_for(console, "tr.tail-skipped", "a burst of 120 shows a 'more not shown' row")
    skipped = console.find("tr.tail-skipped").text
    check("70 more not shown" in skipped, f"the burst row counts the 70 not shown ({skipped})")

    # Test sends: the file sink takes it, the webhook receiver refuses it with 400.
    receiver.refuse = True
    console.open("/console/config")
    console.submit("section[data-tenant=demo] section[data-destination=archive] [data-test=test-send]")
    result = console.find("[data-test=test-result]")
    check(result.get_attribute("data-outcome") == "delivered", f"a test send to the file sink is delivered ({result.text[:200]})")
    test_id = console.find("[data-test=event-id]").text
    check(test_id.startswith("rr-test-"), f"the test event's id is marked ({test_id})")
    with open(os.path.join(scratch, "data", "demo.ndjson")) as handle:
        last = json.loads(handle.read().strip().split("\n")[-1])
    check(last["id"] == test_id and last["properties"]["rr_test"] is True, "the file sink got the marked test event")
    console.shot("test-send")
    console.open("/console/config")
    console.submit("section[data-tenant=demo] section[data-destination=alerts] [data-test=test-send]")
    result = console.find("[data-test=test-result]")
    check(result.get_attribute("data-outcome") == "failed", "a test send to a receiver that answers 400 is refused")
    check(console.find("[data-test=status]").text == "400", "the page shows the status 400")
    check("customer_id is required" in console.find("[data-test=response]").text, "the page shows the response excerpt")
    check("answered 400" in console.find("[data-test=hint]").text, "the page explains the failure in plain language")
    check(f"{int(console.find('[data-test=latency]').text.split()[0])}" != "", "the page shows the latency")
    console.shot("test-send-failed")
    receiver.refuse = False

    # Configuration: secrets masked; a broken file is shown by Validate and refused by Reload.
    console.open("/console/config")
    page = console.text()
    check("hook-secret" not in page and INGEST_SECRET not in page, "no secret appears on the configuration page")
    check("•••• (inline)" in page, "secrets are shown as •••• with where they come from")
    console.shot("config")
    broken = os.path.join(scratch, "tenants", "broken.json")
    with open(broken, "w") as handle:
        json.dump({"name": "broken", "ingest": {"scheme": "x-hub-signature", "secrets": ["s"]},
                   "destinations": [{"id": "d", "type": "webhook", "settings": {"url": 42}}]}, handle)
    console.submit("[data-test=validate]")
    paths = [cell.text for cell in console.finds("[data-test=error-path]")]
    check("destinations[0].settings.url" in paths, f"Validate shows the broken file's JSON path ({paths})")
    check("broken.json" in console.find("[data-test=config-errors]").text, "Validate names the file")
    console.shot("config-validate")
    console.submit("[data-test=reload]")
    check("Reload refused: nothing was applied" in console.text(), "Reload refuses the broken folder")
    check(not console.finds("section[data-tenant=broken]"), "the running configuration has no tenant 'broken'")
    router.ingest("demo", [event("after-refused-reload", "cancel")])
    os.remove(broken)
    console.submit("[data-test=reload]")
    check(console.finds("[data-test=reload-summary]"), "with the file removed, Reload applies the folder")

    # Masking: "other" masks the email and the account fields, for the admin until revealed.
    router.ingest("other", [event("masked-1", "cancel", **{"field.cancel.email": MASKED_EMAIL})])
    eventually(lambda: router.api("/v1/tenants/other/events/masked-1")[0] == 200, "the masked event is stored")
    console.open("/console/tenants/other/events/masked-1")
    page = console.text()
    check(MASKED_EMAIL not in page and "••••" in page, "the admin sees the masked email as •••• before revealing")
    check("acct-masked-1" not in page, "the account fields (a wildcard) are masked, also in previews")
    console.shot("event-masked")
    console.submit("[data-test=reveal]")
    check(MASKED_EMAIL in console.text() and console.finds("[data-test=revealed]"), "Reveal shows the masked values")

    # Erasure: an event waiting for a receiver that is down; erased from the console, its
    # delivery becomes a dead letter "erased", and its payload leaves the page, the API and the store.
    receiver.unavailable = True
    router.ingest("slow", [event("erase-me", "cancel", **{"field.cancel.email": ERASE_VALUE})])
    eventually(lambda: router.state("slow", "erase-me", "hook") == "retrying", "erase-me waits for a retry at the down receiver")
    if store == "sqlite":
        eventually(lambda: store_files_contain(scratch, ERASE_VALUE), "before erasure the store's files hold the value (so the check below can fail)")
    console.open("/console/tenants/slow/events/erase-me")
    check(ERASE_VALUE in console.find("[data-test=json]").text, "before erasure the page shows the value")
    console.find("[data-test=erase-box] summary").click()
    console.find("[data-test=erase-confirm]").click()
    console.submit("[data-test=erase]")
    check(console.finds("[data-test=erased]"), "the event page says its payload is erased")
    check(ERASE_VALUE not in console.text(), "the erased value is gone from the page")
    check(console.find("section[data-destination=hook] [data-test=state]").text == "dead", "the waiting delivery became a dead letter")
    check("erased" in console.find("section[data-destination=hook] [data-test=why]").text, "its reason is erased")
    check(not console.finds("form[action$='/replay']"), "an erased event offers no replay")
    console.shot("event-erased")
    status, body = router.api("/v1/tenants/slow/events/erase-me")
    check(status == 200 and "erasedAt" in body["event"] and "properties" not in body["event"] and ERASE_VALUE not in json.dumps(body),
          "the API shows the event erased, without the value")
    if store == "sqlite":
        check(not store_files_contain(scratch, ERASE_VALUE), "the value is in neither the SQLite database file nor its WAL after the store's clean-up")
    receiver.unavailable = False

    # The audit log lists what was done, with role and address.
    console.open("/console/audit")
    actions = [row.get_attribute("data-action") for row in console.finds("[data-test=audit-row]")]
    for action in ("sign_in", "sign_in_failed", "test_send", "validate", "reload", "reveal", "erase", "replay", "retry_now"):
        check(action in actions, f"the audit log lists {action}")
    reveal_row = next(row for row in console.finds("[data-test=audit-row]") if row.get_attribute("data-action") == "reveal")
    check("masked-1" in reveal_row.text and "admin" in reveal_row.text and "127.0.0.1" in reveal_row.text,
          f"the reveal is logged with the event, the role and the address ({reveal_row.text})")
    console.shot("audit")

    # The viewer: masked views, no buttons, 403 on every POST route.
    console.open("/console/?refresh=0")
    console.submit("form.sign-out button")
    console.sign_in(VIEWER_TOKEN)
    check(console.finds("[data-test=role]"), "the viewer token signs in as a viewer")
    console.open("/console/tenants/other/events/masked-1")
    page = console.text()
    check(MASKED_EMAIL not in page and "••••" in page, "the viewer sees the masked email as ••••")
    console.shot("viewer")
    check(not console.finds("[data-test=reveal]") and not console.finds("form[action$='/replay']") and not console.finds("[data-test=erase]"),
          "the viewer has no reveal, replay or erase button")
    console.open("/console/audit")
    check(console.finds("[data-test=audit-row]"), "the viewer can read the audit log")
    console.open("/console/?refresh=0")
    check(not console.finds("[data-test=test-send]") and not console.finds("form[action$='/retry-now']"), "the overview has no buttons for the viewer")
    console.open("/console/config")
    check(not console.finds("[data-test=validate]") and not console.finds("[data-test=reload]"), "the configuration page has no Validate or Reload for the viewer")
    csrf = console.csrf()
    session = console.session_cookie()
    routes = ["/console/tenants/demo/events/jane-cancel/replay", "/console/tenants/other/events/masked-1/reveal",
              "/console/tenants/demo/dead-letters/replay-selected", "/console/tenants/demo/dead-letters/replay-matching",
              "/console/tenants/demo/destinations/crm/retry-now", "/console/tenants/demo/destinations/archive/test-send",
              "/console/config/validate", "/console/config/reload"] + [route for route in VIEWER_EXTRA_ROUTES]
    statuses = {}
    for route in routes:
        status, _, _ = router.request("POST", route, urllib.parse.urlencode({"csrf": csrf, "destination": "alerts", "select": "crm jane-cancel"}),
                                      {"cookie": f"rr_console={session}", "content-type": "application/x-www-form-urlencoded"})
        statuses[route] = status
    check(all(status == 403 for status in statuses.values()), f"the viewer gets 403 on every POST route, with a valid CSRF token ({statuses})")
    status, body, _ = router.request("POST", "/v1/admin/reload", None, {"authorization": f"Bearer {VIEWER_TOKEN}"})
    check(status == 403 and b"viewer_read_only" in body, "the viewer token gets 403 on the JSON API's POST routes")
    console.open("/console/?refresh=0")
    console.submit("form.sign-out button")
    console.sign_in(TOKEN)
    check(not console.finds("[data-test=role]"), "signed in as admin again")


# Console POST routes added with erasure and the audit log (checked for the viewer too).
VIEWER_EXTRA_ROUTES = ["/console/tenants/demo/events/jane-cancel/erase"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--bin", default=os.environ.get("ROUTER_BIN", os.path.join(ROOT, ".build/debug/retention-router")))
    parser.add_argument("--screenshots", default=None)
    arguments = parser.parse_args()
    if arguments.store == "postgres" and not os.environ.get("ROUTER_TEST_POSTGRES_URL"):
        sys.exit("--store postgres needs ROUTER_TEST_POSTGRES_URL")
    try:
        run(arguments)
    except AssertionError:
        pass
    print(f"console-test ({arguments.store}): {CHECKS['passed']} passed, {CHECKS['failed']} failed")
    sys.exit(0 if CHECKS["failed"] == 0 and CHECKS["passed"] > 0 else 1)


if __name__ == "__main__":
    main()
