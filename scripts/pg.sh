#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL server for the tests (Debian's postgresql-15: initdb and pg_ctl, no
# system cluster touched). It listens on 127.0.0.1:PORT, trusts local connections and writes its URL to
# DIR/url. As root it runs as the postgres user (PostgreSQL refuses to run as root), its data under /tmp
# (DIR may lie where that user cannot reach, such as under /root).
#
#   scripts/pg.sh up DIR PORT    # a new cluster in DIR (an old one there is stopped and removed first)
#   scripts/pg.sh stop DIR       # stops it, keeping its data (restart: scripts/pg.sh start DIR)
#   scripts/pg.sh start DIR      # starts it again on its port
#   scripts/pg.sh down DIR       # stops it and removes DIR
set -euo pipefail

cmd=${1:?usage: pg.sh up DIR PORT | start DIR | stop DIR | down DIR}
dir=$(realpath -m "${2:?DIR}")
data=/tmp/zhisuan-pg-$(echo "$dir" | md5sum | cut -c1-10)
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/pg_ctl" ] || { echo "pg.sh: PostgreSQL is not installed (scripts/setup.sh installs it)" >&2; exit 2; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_ctl_() { as_owner "$bin/pg_ctl" -D "$data/data" -l "$data/log" -w -t 60 "$@" >/dev/null; }

case "$cmd" in
  up)
    port=${3:?PORT}
    [ -d "$data/data" ] && { pg_ctl_ stop -m immediate 2>/dev/null || true; }
    rm -rf "$dir" "$data"
    mkdir -p "$dir" "$data"
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$data"; fi
    as_owner "$bin/initdb" -D "$data/data" -U zhisuan --auth=trust --locale=C --encoding=UTF8 >/dev/null
    cat >>"$data/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
max_connections = 200
fsync = on
synchronous_commit = on
CONF
    pg_ctl_ start
    echo "postgresql://zhisuan@127.0.0.1:$port/postgres" >"$dir/url"
    chmod a+r "$dir/url"
    ;;
  start) pg_ctl_ start ;;
  stop) pg_ctl_ stop -m fast ;;
  down)
    if [ -d "$data/data" ]; then pg_ctl_ stop -m fast 2>/dev/null || pg_ctl_ stop -m immediate 2>/dev/null || true; fi
    rm -rf "$dir" "$data"
    ;;
  *) echo "pg.sh: unknown command $cmd" >&2; exit 2 ;;
esac
