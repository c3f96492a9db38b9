#!/usr/bin/env bash
# Proves the release package runs without the Swift toolchain: unpacks
# dist/retention-router-*.tar.gz (or the file given) in a temporary folder, checks the systemd
# unit with `systemd-analyze verify`, then runs the packaged binary in a private mount namespace
# with an empty tmpfs over /opt/swift (`unshare -m`), signs scripts/sample-event.json with the
# packaged binary's `sign`, sends it to the shipped demo tenant, finds it in the file sink, checks
# /healthz and router_build_info name the package's version and commit, and stops it with SIGTERM
# (exit 0). Needs root (or unprivileged user namespaces) for unshare.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

tarball="${1:-$(ls -t dist/retention-router-*-linux-*.tar.gz 2>/dev/null | head -n1)}"
[ -n "$tarball" ] && [ -f "$tarball" ] || { echo "package-test: no package; run scripts/package.sh first" >&2; exit 1; }
tarball="$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")"
name="$(basename "$tarball" .tar.gz)"
version="$(echo "$name" | sed 's/^retention-router-\(.*\)-linux-.*$/\1/')"

work="$(mktemp -d "${TMPDIR:-/tmp}/rr-package.XXXXXX")"
pid=""
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  if [ "${RR_KEEP:-}" = 1 ] || [ "${ok:-0}" != 1 ]; then echo "package-test: work folder kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

tar -C "$work" -xzf "$tarball"
cd "$work/$name"
for file in retention-router INSTALL retention-router.service router.json env.example config/router.json config/tenants/demo.json; do
  [ -e "$file" ] || { echo "package-test: $file is missing from the package" >&2; exit 1; }
done
echo "== package $(basename "$tarball"): $(du -h "$tarball" | cut -f1)"

# The unit: verified as installed, with ExecStart pointing at the unpacked binary (verify checks
# that the command exists) and EnvironmentFile at a scratch copy.
unit_dir="$work/unit" && mkdir -p "$unit_dir"
sed -e "s#/opt/retention-router/retention-router#$work/$name/retention-router#" \
    -e "s#/etc/retention-router/env#$work/$name/env.example#" retention-router.service > "$unit_dir/retention-router.service"
if ! command -v systemd-analyze >/dev/null; then echo "package-test: systemd-analyze missing (Debian's systemd package)" >&2; exit 1; fi
verify_log="$(systemd-analyze verify "$unit_dir/retention-router.service" 2>&1)" || { echo "$verify_log" >&2; exit 1; }
# verify exits 0 on some problems it prints: any line naming our unit is a failure.
if echo "$verify_log" | grep -q "retention-router.service"; then echo "$verify_log" >&2; exit 1; fi
echo "== systemd-analyze verify: ok"

# Everything below runs with /opt/swift hidden: an empty tmpfs in a private mount namespace.
unshare_flags=(-m)
[ "$(id -u)" = 0 ] || unshare_flags=(-r -m)
# The toolchain to hide: /opt/swift here, else the folder above the swift command's usr/.
toolchain=/opt/swift
if [ ! -d "$toolchain" ] && command -v swift >/dev/null; then
  toolchain="$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")"
fi
[ -d "$toolchain" ] || { echo "package-test: no Swift toolchain folder to hide" >&2; exit 1; }
echo "== hiding $toolchain"
# unshare execs sh, which execs the command: one process, so $! below is the router itself.
hide_swift="mount -t tmpfs tmpfs '$toolchain' || exit 97; [ -z \"\$(ls -A '$toolchain')\" ] || exit 98; exec \"\$@\""
hidden() { unshare "${unshare_flags[@]}" sh -c "$hide_swift" hidden "$@"; }

reported="$(hidden ./retention-router --version)"
echo "== --version without $toolchain: $reported"
case "$reported" in "$version (commit "*")") ;; *) echo "package-test: --version says '$reported'" >&2; exit 1 ;; esac
commit="${reported#*(commit }" && commit="${commit%)}"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
unshare "${unshare_flags[@]}" sh -c "$hide_swift" hidden ./retention-router serve --config config/router.json --port "$port" \
  > "$work/router.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" > "$work/health.json" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/router.log" >&2; echo "package-test: the router exited" >&2; exit 1; }
  sleep 0.1
done
health="$(cat "$work/health.json")"
echo "== /healthz: $health"
python3 - "$health" "$version" "$commit" <<'EOF'
import json, sys
health = json.loads(sys.argv[1])
assert health == {"status": "ok", "version": sys.argv[2], "commit": sys.argv[3]}, health
EOF
curl -fs "http://127.0.0.1:$port/metrics" | grep -q "^router_build_info{.*commit=\"$commit\"" \
  || { echo "package-test: router_build_info does not name commit $commit" >&2; exit 1; }

body="$root/scripts/sample-event.json"
signature="$(hidden ./retention-router sign --secret demo-secret --body "$body")"
status="$(curl -s -o "$work/answer.json" -w '%{http_code}' "http://127.0.0.1:$port/v1/tenants/demo/events" \
  -H 'content-type: application/json' -H "$signature" --data-binary "@$body")"
echo "== ingest: $status $(cat "$work/answer.json")"
[ "$status" = 202 ] || exit 1
id="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ids"][0])' "$work/answer.json")"
found=""
for _ in $(seq 1 100); do
  if grep -q "\"$id\"" data/demo/events.ndjson 2>/dev/null; then found=1; break; fi
  sleep 0.1
done
[ -n "$found" ] || { echo "package-test: event $id is not in data/demo/events.ndjson" >&2; cat "$work/router.log" >&2; exit 1; }
echo "== delivered to the file sink: $id"

kill -TERM "$pid"
code=0
wait "$pid" || code=$?
pid=""
[ "$code" = 0 ] || { echo "package-test: the router exited $code after SIGTERM" >&2; cat "$work/router.log" >&2; exit 1; }
echo "== stopped by SIGTERM: exit 0"
ok=1
echo "package-test: ok"
