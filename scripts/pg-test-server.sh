#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests: its own data folder and port, run as
# the unprivileged `postgres` user (initdb refuses root), trust auth on
# 127.0.0.1 only.
#   pg-test-server.sh start DIR    -> prints the connection URL; writes DIR/env
#   pg-test-server.sh stop DIR | pause DIR | resume DIR
set -euo pipefail
cmd=${1:?start|stop|pause|resume}
dir=${2:?data folder}

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/pg_ctl" ] || { echo "pg-test-server: PostgreSQL is not installed" >&2; exit 1; }
as_pg() {
  if [ "$(id -un)" = postgres ]; then "$@"; return; fi
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    chmod 700 "$dir"
    port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_pg "$bindir/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1
    echo "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c max_connections=200" >"$dir/opts"
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$(cat "$dir/opts")" start >/dev/null
    as_pg "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres latchkey
    url="postgres://postgres@127.0.0.1:$port/latchkey"
    {
      echo "LATCHKEY_TEST_PG_URL=$url"
      echo "LATCHKEY_TEST_PG_DIR=$dir"
    } >"$dir/env"
    echo "$url"
    ;;
  stop)
    [ -d "$dir/data" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    ;;
  pause)  # the fault test: the database goes away
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  resume)
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$(cat "$dir/opts")" start >/dev/null
    ;;
  *) echo "usage: $0 start|stop|pause|resume DIR" >&2; exit 2 ;;
esac
