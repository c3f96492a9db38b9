#!/usr/bin/env bash
# The test command: builds everything once with warnings as errors, runs every test (Swift
# Testing), then the three fault proofs against the built binary (kill -9, an outage, a hanging
# neighbour), each of which prints lost=0 or fails.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build
export ROUTER_BIN="${ROUTER_BIN:-.build/debug/retention-router}"
for proof in crash-test outage-test isolation-test; do
  echo "== scripts/$proof.sh ($ROUTER_BIN)"
  "scripts/$proof.sh"
done
