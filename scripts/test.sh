#!/usr/bin/env bash
# The test command: builds everything once with warnings as errors, runs every test (Swift
# Testing), then a minute of differential fuzzing of the JSON parser (scripts/fuzz-json.sh), then
# Schemathesis against the running server and its OpenAPI document, then the console's browser
# tests (Chromium through Selenium), then the fault proofs against the built binary (kill -9, an outage, a hanging
# neighbour, and two instances on one PostgreSQL with one killed), each of which prints lost=0
# or fails; last, the release package: built once (static Swift runtime), its systemd unit
# verified, and run with /opt/swift hidden (RR_PACKAGE=0 skips this step, which takes the
# longest: a release build).
#
# PostgreSQL: the store conformance suite, the shared-store tests and the failover proof run
# against ROUTER_TEST_POSTGRES_URL. When it is unset and PostgreSQL is installed, a throwaway
# cluster is started here (scripts/postgres.sh) and stopped at the end. Without either they are
# skipped with a message, except under CI=true, where they must run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${ROUTER_TEST_POSTGRES_URL:-}" ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/rr-test-postgres.XXXXXX")"
  trap 'scripts/postgres.sh stop "$pg_dir"' EXIT
  ROUTER_TEST_POSTGRES_URL="$(scripts/postgres.sh start "$pg_dir")"
  export ROUTER_TEST_POSTGRES_URL
  echo "== PostgreSQL for the tests: $ROUTER_TEST_POSTGRES_URL"
fi
if [ -z "${ROUTER_TEST_POSTGRES_URL:-}" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "CI=true but no PostgreSQL: install Debian's postgresql package or set ROUTER_TEST_POSTGRES_URL" >&2
    exit 1
  fi
  echo "== note: PostgreSQL is not installed and ROUTER_TEST_POSTGRES_URL is unset: the PostgreSQL tests and proof are skipped"
fi

swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build
# The ingest JSON parser against a strict reference, one minute with a fixed seed.
echo "== scripts/fuzz-json.sh --seconds 60 --seed 1"
scripts/fuzz-json.sh --seconds 60 --seed 1
export ROUTER_BIN="${ROUTER_BIN:-.build/debug/retention-router}"
# The API contract: Schemathesis (positive, negative and stateful) against the real server.
echo "== scripts/schemathesis-test.py ($ROUTER_BIN)"
scripts/schemathesis-test.py
# The console in a real headless Chromium (Selenium), on SQLite and on two PostgreSQL instances.
screenshots="${RR_SCREENSHOTS:-.build/console-screenshots}"
echo "== scripts/console-test.py (screenshots in $screenshots)"
scripts/console-test.py --store sqlite --screenshots "$screenshots"
if [ -n "${ROUTER_TEST_POSTGRES_URL:-}" ]; then
  scripts/console-test.py --store postgres
fi
for proof in crash-test outage-test isolation-test failover-test; do
  echo "== scripts/$proof.sh ($ROUTER_BIN)"
  "scripts/$proof.sh"
done
if [ "${RR_PACKAGE:-1}" != 0 ]; then
  echo "== scripts/package.sh, then scripts/package-test.sh"
  tarball="$(scripts/package.sh | tail -n1)"
  scripts/package-test.sh "$tarball"
fi
