#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1, for tests, proofs and benchmarks.
#
#   scripts/postgres.sh start DIR [PORT]   create a cluster in DIR (trust auth, loopback only),
#                                          start it and print its URL (also written to DIR/url)
#   scripts/postgres.sh stop DIR           stop it at once (pg_ctl -m immediate) and delete DIR
#   scripts/postgres.sh url DIR            print the URL of a running cluster
#
# PostgreSQL refuses to run as root: when run as root the cluster belongs to the `postgres`
# system user (created by Debian's postgresql package) and DIR is handed to it.
# Needs Debian's `postgresql` package (apt-get install -y postgresql).
set -euo pipefail

command_name="${1:-}"
dir="${2:-}"
[ -n "$command_name" ] && [ -n "$dir" ] || { sed -n '2,10p' "$0" >&2; exit 2; }

pg_bin() {
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [ -n "$found" ] || { echo "postgres.sh: PostgreSQL is not installed (apt-get install -y postgresql)" >&2; exit 1; }
  echo "$found"
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

case "$command_name" in
  start)
    bin="$(pg_bin)"
    port="${3:-$(free_port)}"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # Loopback only, socket in DIR; enough connections for several routers and the tests.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    url="postgres://postgres@127.0.0.1:$port/postgres"
    echo "$url" >"$dir/url"
    echo "$url"
    ;;
  stop)
    bin="$(pg_bin)"
    if [ -d "$dir/data" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  url)
    cat "$dir/url"
    ;;
  *)
    sed -n '2,10p' "$0" >&2
    exit 2
    ;;
esac
