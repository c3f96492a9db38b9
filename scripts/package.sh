#!/usr/bin/env bash
# Builds the release package: dist/retention-router-VERSION-linux-ARCH.tar.gz holding the binary
# (Swift runtime and Foundation linked in with --static-swift-stdlib, so it runs without the
# toolchain), the shipped config/, a production router.json, the systemd unit, an env file
# example and INSTALL, which names every shared library `ldd` shows with its Debian package.
#
# The build goes to its own scratch path (.build-release-static) and is stamped with the commit:
# Package.swift turns $ROUTER_BUILD_COMMIT into a C define of Sources/CRouterBuild alone (so a new
# commit recompiles one C file and relinks), and `--version`, /healthz and router_build_info name
# it; a plain `swift build` says "unknown". A tree with uncommitted changes is stamped
# <commit>-dirty. VERSION is RouterIdentity.version.
#
# Knobs: RR_SCRATCH (default .build-release-static), RR_DIST (default dist).
# Prints the package's path on the last line.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch="${RR_SCRATCH:-.build-release-static}"
dist="${RR_DIST:-dist}"
version="$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/RouterCore/RouterIdentity.swift)"
[ -n "$version" ] || { echo "package.sh: no version in Sources/RouterCore/RouterIdentity.swift" >&2; exit 1; }
commit="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
if [ "$commit" != unknown ] && ! git diff --quiet HEAD -- 2>/dev/null; then commit="$commit-dirty"; fi
arch="$(uname -m)"
name="retention-router-$version-linux-$arch"

echo "== building $name (commit $commit) in $scratch" >&2
started=$(date +%s)
ROUTER_BUILD_COMMIT="$commit" swift build -c release --static-swift-stdlib --scratch-path "$scratch" \
  --product retention-router >&2
echo "== release build: $(( $(date +%s) - started )) s" >&2
binary="$scratch/release/retention-router"

reported="$("$binary" --version)"
[ "$reported" = "$version (commit $commit)" ] || {
  echo "package.sh: the binary reports '$reported', expected '$version (commit $commit)'" >&2; exit 1; }
if ldd "$binary" | grep -q '/opt/swift\|libswift\|libFoundation\|libdispatch'; then
  echo "package.sh: the binary still needs the Swift toolchain's libraries:" >&2; ldd "$binary" >&2; exit 1
fi

# Each shared library with the Debian package that ships it.
libraries=""
while read -r soname path; do
  package="$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null || true)"
  package="${package%%:*}"
  libraries+="$(printf '  %-22s %s' "$soname" "${package:-(not from a Debian package)}")"$'\n'
done < <(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 } $1 ~ /^\/.*ld-linux/ { print $1, $1 }')

stage="$dist/stage/$name"
rm -rf "$dist/stage" && mkdir -p "$stage"
install -m 0755 "$binary" "$stage/retention-router"
strip "$stage/retention-router" 2>/dev/null || true
cp -R config "$stage/config"
install -m 0644 packaging/retention-router.service packaging/router.json packaging/env.example "$stage/"
cat > "$stage/INSTALL" <<EOF
RetentionRouter $version (commit $commit), Linux $arch

Runs on Debian 12 (bookworm) or newer without the Swift toolchain: the Swift runtime and
Foundation are linked into the binary. It needs these shared libraries (ldd), from these
Debian packages:

$libraries
Install them with:  apt-get install $(echo "$libraries" | awk 'NF { print $2 }' | grep -v '^(' | sort -u | xargs)

Contents
  retention-router          the server and its command line (retention-router --help)
  config/                   the shipped development config (the demo tenant, examples)
  router.json               a production router.json (store in /var/lib/retention-router)
  retention-router.service  the systemd unit
  env.example               the environment file the unit reads (admin token, secrets)

Install (as root)
  install -d /opt/retention-router /etc/retention-router/tenants
  install -m 0755 retention-router /opt/retention-router/
  cp INSTALL /opt/retention-router/
  install -m 0644 router.json /etc/retention-router/router.json
  install -m 0600 env.example /etc/retention-router/env      # then set ROUTER_ADMIN_TOKEN and secrets
  cp config/examples/webhook.json /etc/retention-router/tenants/acme.json   # edit: your tenant
  /opt/retention-router/retention-router validate --config /etc/retention-router/router.json
  install -m 0644 retention-router.service /etc/systemd/system/
  systemctl daemon-reload && systemctl enable --now retention-router

Check it works
  curl -s http://127.0.0.1:8080/healthz     # {"commit":"$commit","status":"ok","version":"$version"}
  journalctl -u retention-router -n 20

The unit runs the router as a dynamic user with /var/lib/retention-router as its only writable
folder; /etc/retention-router/tenants is read-only to it, so change tenants by editing the files
and running systemctl reload retention-router (PUT /v1/admin/tenants answers 422 there). The
README's "Run in production" section covers TLS, backups and upgrades.
EOF

tarball="$dist/$name.tar.gz"
tar -C "$dist/stage" -czf "$tarball" "$name"
rm -rf "$dist/stage"
echo "== $tarball: $(du -h "$tarball" | cut -f1) ($(stat -c %s "$tarball") bytes); binary $(du -h "$binary" | cut -f1) before strip" >&2
echo "$tarball"
