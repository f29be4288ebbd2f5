#!/usr/bin/env bash
# Runs a private Virtuoso Open Source 7 (Debian's virtuoso-opensource) on 127.0.0.1 for tests.
#
# usage: scripts/virtuoso.sh install|start|stop|status|env
#   install  install the Debian package if missing (no system service left running)
#   start    install if needed, start a private instance with its database in a temporary
#            folder, wait until /sparql answers; idempotent (an instance already up is reused)
#   stop     stop the private instance and remove its folder; idempotent
#   status   exit 0 and print the URLs when the instance answers, exit 3 otherwise
#   env      print shell assignments (eval "$(scripts/virtuoso.sh env)")
#
# environment (all optional):
#   VIRTUOSO_HTTP_PORT (18890)  VIRTUOSO_SQL_PORT (18891)
#   VIRTUOSO_DIR (${TMPDIR:-/tmp}/pledgegraph-virtuoso-$VIRTUOSO_HTTP_PORT)
#   VIRTUOSO_MAX_ROWS (1000000: [SPARQL] ResultSetMaxRows)
#   VIRTUOSO_START_TIMEOUT (90 s)   VIRTUOSO_OPEN_UPDATE=1 (GRANT SPARQL_UPDATE TO "SPARQL":
#   anyone reaching the port may then write through /sparql and /sparql-graph-crud)
#
# Writes go through /sparql-graph-crud-auth (Graph Store Protocol) or /sparql-auth (Update) with
# HTTP digest authentication as dba/dba: the admin login of a fresh database, on loopback only.
set -euo pipefail

HTTP_PORT="${VIRTUOSO_HTTP_PORT:-18890}"
SQL_PORT="${VIRTUOSO_SQL_PORT:-18891}"
DIR="${VIRTUOSO_DIR:-${TMPDIR:-/tmp}/pledgegraph-virtuoso-$HTTP_PORT}"
MAX_ROWS="${VIRTUOSO_MAX_ROWS:-1000000}"
START_TIMEOUT="${VIRTUOSO_START_TIMEOUT:-90}"
INI_SOURCE=/etc/virtuoso-opensource-7/virtuoso.ini
HOST=127.0.0.1
BASE="http://$HOST:$HTTP_PORT"
INI="$DIR/virtuoso.ini"
PIDFILE="$DIR/virtuoso.pid"
LOG="$DIR/virtuoso.log"

say() { echo "virtuoso.sh: $*" >&2; }
die() { say "error: $*"; exit 2; }

installed() { command -v virtuoso-t >/dev/null 2>&1 && [ -f "$INI_SOURCE" ]; }

install() {
    if installed; then return 0; fi
    [ "$(id -u)" = 0 ] || die "virtuoso-opensource is not installed and installing it needs root"
    say "installing virtuoso-opensource from Debian"
    # Keep the package from starting its system service: we only want private instances.
    local policy=/usr/sbin/policy-rc.d made_policy=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
    fi
    local status=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        virtuoso-opensource >&2 || status=$?
    if [ "$status" -ne 0 ]; then
        say "apt-get install failed; retrying after apt-get update"
        apt-get update -q >&2 || true
        status=0
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            virtuoso-opensource >&2 || status=$?
    fi
    [ -n "$made_policy" ] && rm -f "$policy"
    [ "$status" -eq 0 ] || die "apt-get install virtuoso-opensource failed ($status)"
    if command -v service >/dev/null 2>&1; then
        service virtuoso-opensource-7 stop >/dev/null 2>&1 || true
    fi
    installed || die "virtuoso-t or $INI_SOURCE missing after installing virtuoso-opensource"
}

answers() {
    curl -sf -m 5 -o /dev/null -H 'Accept: application/sparql-results+json' \
        --data-urlencode 'query=ASK {}' "$BASE/sparql"
}

our_pid() {
    # The pid of our instance, if it still runs (checked against its command line: pids recycle).
    [ -f "$PIDFILE" ] || return 1
    local pid
    pid="$(cat "$PIDFILE")"
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "virtuoso-t.*$INI" || return 1
    echo "$pid"
}

urls() {
    cat <<EOF
VIRTUOSO_ENDPOINT=$BASE/sparql
VIRTUOSO_UPDATE_ENDPOINT=$BASE/sparql-auth
VIRTUOSO_GRAPH_STORE=$BASE/sparql-graph-crud-auth
VIRTUOSO_USER=dba
VIRTUOSO_PASSWORD=dba
VIRTUOSO_HTTP_PORT=$HTTP_PORT
VIRTUOSO_SQL_PORT=$SQL_PORT
VIRTUOSO_DIR=$DIR
EOF
}

write_ini() {
    awk -v dir="$DIR" -v host="$HOST" -v http="$HTTP_PORT" -v sql="$SQL_PORT" \
        -v rows="$MAX_ROWS" '
        function key(line) { sub(/[ \t]*=.*/, "", line); gsub(/^[ \t]+/, "", line); return line }
        function base(path) { sub(/[ \t]*;.*/, "", path); sub(/.*\//, "", path); return path }
        /^\[/ { section = $0; print; next }
        {
            k = key($0); v = $0; sub(/^[^=]*=[ \t]*/, "", v)
            if ((section == "[Database]" || section == "[TempDatabase]") && $0 ~ /=/ &&
                (k == "DatabaseFile" || k == "ErrorLogFile" || k == "LockFile" ||
                 k == "TransactionFile" || k == "xa_persistent_file")) {
                print k " = " dir "/" base(v); next
            }
            if (section == "[Parameters]" && k == "ServerPort") { print k " = " host ":" sql; next }
            if (section == "[Parameters]" && k == "DirsAllowed") { print k " = " v ", " dir; next }
            if (section == "[HTTPServer]" && k == "ServerPort") { print k " = " host ":" http; next }
            if (section == "[URIQA]" && k == "DefaultHost") { print k " = " host ":" http; next }
            if (section == "[SPARQL]" && k == "ResultSetMaxRows") { print k " = " rows; next }
            print
        }' "$INI_SOURCE" >"$INI"
}

port_busy() {
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

start() {
    install
    if pid="$(our_pid)"; then
        if answers; then
            say "already running (pid $pid)"
            urls
            return 0
        fi
        say "instance (pid $pid) does not answer; restarting it"
        stop
    fi
    for port in "$HTTP_PORT" "$SQL_PORT"; do
        if port_busy "$port"; then die "port $HOST:$port is in use by another program"; fi
    done
    rm -rf "$DIR"
    mkdir -p -m 700 "$DIR"
    write_ini
    (cd "$DIR" && exec virtuoso-t +foreground +configfile "$INI" >>"$LOG.out" 2>&1 \
        </dev/null) &
    echo $! >"$PIDFILE"
    local waited=0
    until answers; do
        if ! our_pid >/dev/null; then
            tail -n 20 "$LOG" "$LOG.out" >&2 2>/dev/null || true
            die "virtuoso-t exited while starting (log above)"
        fi
        if [ "$waited" -ge "$START_TIMEOUT" ]; then
            tail -n 20 "$LOG" >&2 2>/dev/null || true
            stop
            die "virtuoso-t did not answer on $BASE/sparql within $START_TIMEOUT s"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    if [ "${VIRTUOSO_OPEN_UPDATE:-0}" = 1 ]; then
        isql-vt "$HOST:$SQL_PORT" dba dba exec='GRANT SPARQL_UPDATE TO "SPARQL";' >&2 ||
            die "GRANT SPARQL_UPDATE failed"
    fi
    say "started (pid $(cat "$PIDFILE")) in ${waited}s; database in $DIR"
    urls
}

stop() {
    if pid="$(our_pid)"; then
        kill -TERM "$pid" 2>/dev/null || true
        local waited=0
        while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 60 ]; do
            sleep 0.5
            waited=$((waited + 1))
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "pid $pid ignored TERM for 30 s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        say "stopped (pid $pid)"
    fi
    case "$DIR" in
        /*/pledgegraph-virtuoso-* | "${VIRTUOSO_DIR:-/nonexistent}") rm -rf "$DIR" ;;
        *) say "not removing $DIR (unexpected path)" ;;
    esac
}

status() {
    if pid="$(our_pid)" && answers; then
        say "running (pid $pid)"
        urls
        return 0
    fi
    say "not running on $BASE"
    return 3
}

case "${1:-}" in
    install) install ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    env) urls | sed 's/^/export /' ;;
    *)
        echo "usage: $0 install|start|stop|status|env" >&2
        exit 2
        ;;
esac
