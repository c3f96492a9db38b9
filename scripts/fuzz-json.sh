#!/usr/bin/env bash
# Differential fuzzing of the ingest JSON parser against Python's json made strict (see
# scripts/fuzz-json.py): scripts/fuzz-json.sh [--seconds N] [--seed S] [--batch B].
# The test command runs it for a minute with seed 1; run it longer with another seed to search
# further. Needs the tests built: swift build --build-tests.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/fuzz-json.py "$@"
