#!/usr/bin/env bash
# Builds everything once, with warnings as errors, then runs every test (Swift Testing).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build
