#!/usr/bin/env bash
# Starts a throwaway PostgreSQL from an @embedded-postgres/<platform> package folder on a loopback
# port, trusting local connections, and prints its admin URL. As root, it runs as `postgres`.
#   postgres-from-npm.sh PACKAGE_DIR PORT     start
#   postgres-from-npm.sh --stop PORT...       stop and remove
set -euo pipefail
as_owner() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }

if [ "$1" = --stop ]; then
  shift
  for port in "$@"; do
    dir=/tmp/clear-telemetry-pg-$port
    [ -f "$dir/bin" ] && as_owner "$(cat "$dir/bin")/pg_ctl -D $dir/data -m immediate stop" >/dev/null 2>&1 || true
    rm -rf "$dir"
  done
  exit 0
fi

package=$(cd "$1" && pwd)
port=$2
dir=/tmp/clear-telemetry-pg-$port
bin="$package/native/bin"
# npm 11 does not run the package's postinstall, which restores the libraries' symlinks.
(cd "$package" && node scripts/hydrate-symlinks.js)
chmod +x "$bin"/*
rm -rf "$dir" && mkdir -p "$dir/data"
echo "$bin" >"$dir/bin"
[ "$(id -u)" = 0 ] && chown -R postgres "$dir"
as_owner "$bin/initdb -D $dir/data -U postgres --auth=trust --encoding=UTF8 >$dir/initdb.log 2>&1" || { cat "$dir/initdb.log" >&2; exit 1; }
as_owner "$bin/pg_ctl -D $dir/data -l $dir/server.log -w -o '-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off' start" >/dev/null
echo "postgres://postgres@127.0.0.1:$port/postgres"
