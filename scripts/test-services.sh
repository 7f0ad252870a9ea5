#!/usr/bin/env bash
# Start (installing first, if missing) the external services the Askwell test
# suite needs: a throwaway PostgreSQL 15 cluster with pgvector, and Redis.
# Everything listens on 127.0.0.1 only and lives under one state folder.
#
# Usage:
#   eval "$(scripts/test-services.sh start)"   # default subcommand
#   scripts/test-services.sh status
#   scripts/test-services.sh stop
#
# stdout of `start` carries only `export ...` lines; all logging goes to stderr.
#
# Environment:
#   ASKWELL_SERVICES_DIR     state folder      (default /tmp/askwell-test-services)
#   ASKWELL_TEST_PG_PORT     PostgreSQL port   (default 55432)
#   ASKWELL_TEST_REDIS_PORT  Redis port        (default 56379)
#
# Targets Debian 12 (bookworm). Needs root (or sudo) only when something must be
# installed; PostgreSQL itself runs as the `postgres` OS user when run as root.
set -Eeuo pipefail

STATE_DIR=${ASKWELL_SERVICES_DIR:-/tmp/askwell-test-services}
PG_PORT=${ASKWELL_TEST_PG_PORT:-55432}
REDIS_PORT=${ASKWELL_TEST_REDIS_PORT:-56379}

PG_MAJOR=15
PG_BIN=/usr/lib/postgresql/${PG_MAJOR}/bin
PG_CONFIG=${PG_BIN}/pg_config
PG_DIR=${STATE_DIR}/pg
PG_DATA=${PG_DIR}/data
PG_SOCK=${PG_DIR}/run
PG_LOG=${PG_DIR}/postgres.log
VECTOR_CONTROL=/usr/share/postgresql/${PG_MAJOR}/extension/vector.control

REDIS_DIR=${STATE_DIR}/redis
REDIS_PID=${STATE_DIR}/redis.pid
REDIS_LOG=${STATE_DIR}/redis.log

DB_NAME=askwell
DB_USER=askwell

TRIXIE_SRC_LIST=/etc/apt/sources.list.d/askwell-trixie-src.sources
APT_LOCK_TIMEOUT=600

log() { printf '[test-services] %s\n' "$*" >&2; }
die() { printf '[test-services] ERROR: %s\n' "$*" >&2; exit 1; }
trap 'printf "[test-services] ERROR: command failed (exit %s) at line %s: %s\n" "$?" "$LINENO" "$BASH_COMMAND" >&2' ERR

# Temporary state of the pgvector build, removed on any exit.
PGV_TMP=""
PGV_ADDED_SRC=0
cleanup() {
    if [ -n "$PGV_TMP" ]; then rm -rf "$PGV_TMP"; PGV_TMP=""; fi
    if [ "$PGV_ADDED_SRC" -eq 1 ]; then
        "${AS_ROOT[@]}" rm -f "$TRIXIE_SRC_LIST" || true
        PGV_ADDED_SRC=0
    fi
}
trap cleanup EXIT

# --- privileges ----------------------------------------------------------------

if [ "$(id -u)" -eq 0 ]; then
    AS_ROOT=()
else
    AS_ROOT=(sudo)
fi

need_root() {
    if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
        die "need root (or sudo) to $*"
    fi
}

# Run a PostgreSQL server-side command as the cluster owner. Postgres refuses to
# run as root, so as root we switch to the `postgres` OS user; as an ordinary
# user we simply run it as ourselves.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# --- apt helpers ---------------------------------------------------------------

wait_for_apt_locks() {
    local waited=0 f busy
    while :; do
        busy=
        for f in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock; do
            if [ -e "$f" ] && fuser "$f" >/dev/null 2>&1; then busy=$f; break; fi
        done
        [ -z "$busy" ] && return 0
        [ "$waited" -ge "$APT_LOCK_TIMEOUT" ] && die "apt/dpkg lock $busy still held after ${APT_LOCK_TIMEOUT}s"
        [ $((waited % 15)) -eq 0 ] && log "waiting for apt/dpkg lock ($busy held by another process)..."
        sleep 3
        waited=$((waited + 3))
    done
}

apt_get() {
    need_root "run apt-get $1"
    wait_for_apt_locks
    # 9>&-: do not leak our state-folder lock fd into daemons a postinst may start.
    "${AS_ROOT[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get -q -o DPkg::Lock::Timeout="$APT_LOCK_TIMEOUT" "$@" >&2 9>&-
}

APT_UPDATED=0
apt_install_missing() {
    local pkg missing=()
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    log "installing: ${missing[*]}"
    if [ "$APT_UPDATED" -eq 0 ]; then
        apt_get update || die "apt-get update failed"
        APT_UPDATED=1
    fi
    apt_get install -y --no-install-recommends "${missing[@]}" \
        || die "apt-get install ${missing[*]} failed"
}

# --- pgvector --------------------------------------------------------------------

pgvector_installed() {
    [ -f "$VECTOR_CONTROL" ] && [ -f "$("$PG_CONFIG" --pkglibdir)/vector.so" ]
}

build_pgvector() {
    pgvector_installed && return 0

    local t0 mirror
    t0=$(date +%s)
    log "pgvector not installed for PostgreSQL ${PG_MAJOR}; building it from Debian trixie's source package"
    apt_install_missing dpkg-dev make gcc libc6-dev postgresql-server-dev-${PG_MAJOR}

    # The Debian mirror this machine already uses (deb822 as in the debian:12
    # image; one-line /etc/apt/sources.list as a fallback for installer systems).
    mirror=
    if [ -r /etc/apt/sources.list.d/debian.sources ]; then
        mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
    fi
    if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
        mirror=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)
    fi
    [ -n "$mirror" ] || die "cannot determine the Debian mirror (no URIs: in /etc/apt/sources.list.d/debian.sources, no deb line in /etc/apt/sources.list)"

    PGV_TMP=$(mktemp -d /tmp/askwell-pgvector.XXXXXX)
    # The deb-src entry is only needed to fetch the source; cleanup() removes it
    # again so it never costs anyone's later `apt-get update` a trixie index.
    # (deb-src entries only ever feed `apt-get source`/`build-dep`, never binary
    # installs, so it cannot make apt pick trixie binaries in any case.)
    need_root "add $TRIXIE_SRC_LIST"
    PGV_ADDED_SRC=1
    printf 'Types: deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$mirror" | "${AS_ROOT[@]}" tee "$TRIXIE_SRC_LIST" >/dev/null

    # Refresh only the trixie source index; leave every other list untouched.
    apt_get update \
        -o Dir::Etc::SourceList="$TRIXIE_SRC_LIST" \
        -o Dir::Etc::SourceParts=- \
        -o APT::Get::List-Cleanup=0 \
        || die "apt-get update for trixie deb-src failed"

    # apt drops privileges to _apt for downloads; let it write into the temp dir.
    chmod 0777 "$PGV_TMP"
    (cd "$PGV_TMP" && apt_get source --only-source pgvector/trixie) \
        || die "apt-get source pgvector/trixie failed"

    local src
    src=$(find "$PGV_TMP" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n1)
    [ -n "$src" ] || die "apt-get source did not unpack a pgvector-* directory in $PGV_TMP"
    log "building $(basename "$src") against $("$PG_CONFIG" --version)"

    # OPTFLAGS= drops pgvector's default -march=native so the build is portable
    # (as Debian builds it); pgvector dispatches to AVX/F16C at run time anyway.
    local build_log=$PGV_TMP/build.log
    if ! make -C "$src" -j"$(nproc)" PG_CONFIG="$PG_CONFIG" OPTFLAGS= >"$build_log" 2>&1; then
        tail -n 40 "$build_log" >&2
        die "pgvector build failed (output above)"
    fi
    if ! "${AS_ROOT[@]}" make -C "$src" PG_CONFIG="$PG_CONFIG" OPTFLAGS= install >"$build_log" 2>&1; then
        tail -n 40 "$build_log" >&2
        die "pgvector make install failed (output above)"
    fi

    pgvector_installed || die "pgvector installed but $VECTOR_CONTROL / vector.so still missing"
    cleanup
    log "pgvector built and installed in $(( $(date +%s) - t0 ))s"
}

# --- PostgreSQL ------------------------------------------------------------------

pg_is_ours_running() {
    [ -f "$PG_DATA/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

pg_port_answers() {
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 >/dev/null 2>&1
}

psql_admin() {
    # Local socket connection as the bootstrap superuser (trust auth).
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres "$@"
}

prepare_state_dir() {
    mkdir -p "$STATE_DIR" "$REDIS_DIR"
    chmod 0755 "$STATE_DIR"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "OS user 'postgres' missing (is postgresql-${PG_MAJOR} installed?)"
        mkdir -p "$PG_DIR"
        chown postgres:postgres "$PG_DIR"
        as_pg test -x "$STATE_DIR" -a -w "$PG_DIR" \
            || die "OS user 'postgres' cannot use $PG_DIR; pick an ASKWELL_SERVICES_DIR it can reach (e.g. under /tmp)"
        as_pg mkdir -p "$PG_SOCK"
    else
        mkdir -p "$PG_DIR" "$PG_SOCK"
    fi
}

write_pg_config() {
    # Rewritten on every start so port/paths always match the environment.
    as_pg tee "$PG_DATA/askwell-test.conf" >/dev/null <<EOF
# Managed by scripts/test-services.sh -- throwaway test cluster, NOT durable.
listen_addresses = '127.0.0.1'
port = ${PG_PORT}
unix_socket_directories = '${PG_SOCK}'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
log_min_messages = warning
EOF
    as_pg tee "$PG_DATA/pg_hba.conf" >/dev/null <<'EOF'
# Managed by scripts/test-services.sh: trust, local socket and 127.0.0.1 only.
local   all   all                 trust
host    all   all   127.0.0.1/32  trust
EOF
    if ! grep -q "^include_if_exists = 'askwell-test.conf'" "$PG_DATA/postgresql.conf"; then
        printf "\ninclude_if_exists = 'askwell-test.conf'\n" | as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
    fi
}

ensure_pg_objects() {
    psql_admin -d postgres <<SQL
SELECT 'CREATE ROLE ${DB_USER} LOGIN SUPERUSER'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${DB_USER}') \gexec
ALTER ROLE ${DB_USER} LOGIN SUPERUSER;
SELECT 'CREATE DATABASE ${DB_NAME} OWNER ${DB_USER}'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '${DB_NAME}') \gexec
SQL
    local ver
    ver=$("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At -h 127.0.0.1 -p "$PG_PORT" -U "$DB_USER" -d "$DB_NAME" \
        -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION IF NOT EXISTS vector' \
        -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'") \
        || die "could not create extension vector in database ${DB_NAME}"
    [ -n "$ver" ] || die "extension vector missing from database ${DB_NAME}"
    log "postgres: role ${DB_USER}, database ${DB_NAME}, extension vector ${ver} ok"
}

start_postgres() {
    if pg_is_ours_running; then
        log "postgres: reusing running cluster at $PG_DATA (port $PG_PORT)"
        ensure_pg_objects
        return 0
    fi
    if pg_port_answers; then
        # Something else owns the port. Accept it only if it already looks right.
        log "postgres: port $PG_PORT answers but is not the cluster at $PG_DATA; checking whether it is usable"
        "$PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U "$DB_USER" -d "$DB_NAME" \
            -c "SELECT 1 FROM pg_extension WHERE extname = 'vector'" 2>/dev/null | grep -qx 1 \
            || die "port $PG_PORT is in use by another server without a usable ${DB_USER}/${DB_NAME} + vector; stop it or set ASKWELL_TEST_PG_PORT"
        log "postgres: reusing foreign server on port $PG_PORT"
        return 0
    fi

    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        log "postgres: initdb $PG_DATA"
        as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust \
            --encoding=UTF8 --no-locale --no-sync >&2 \
            || die "initdb failed"
    elif [ "$(cat "$PG_DATA/PG_VERSION")" != "$PG_MAJOR" ]; then
        die "$PG_DATA belongs to PostgreSQL $(cat "$PG_DATA/PG_VERSION"), expected $PG_MAJOR; remove $STATE_DIR"
    fi
    write_pg_config

    log "postgres: starting on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null 2>&1 9>&-; then
        tail -n 30 "$PG_LOG" >&2 2>/dev/null || true
        die "postgres failed to start (see $PG_LOG)"
    fi
    ensure_pg_objects
}

stop_postgres() {
    if pg_is_ours_running; then
        log "postgres: stopping cluster at $PG_DATA"
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null \
            || die "pg_ctl stop failed"
    else
        log "postgres: not running"
    fi
}

# --- Redis -----------------------------------------------------------------------

redis_answers() {
    [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]
}

start_redis() {
    if redis_answers; then
        log "redis: reusing server answering on 127.0.0.1:$REDIS_PORT"
        return 0
    fi
    log "redis: starting on 127.0.0.1:$REDIS_PORT (log: $REDIS_LOG)"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
        --daemonize yes --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" --dir "$REDIS_DIR" 9>&- \
        || die "redis-server failed to start (see $REDIS_LOG)"
    for _ in $(seq 1 50); do
        redis_answers && { log "redis: up"; return 0; }
        sleep 0.2
    done
    tail -n 20 "$REDIS_LOG" >&2 2>/dev/null || true
    die "redis did not answer PING on 127.0.0.1:$REDIS_PORT within 10s (see $REDIS_LOG)"
}

stop_redis() {
    if redis_answers; then
        log "redis: shutting down server on 127.0.0.1:$REDIS_PORT"
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
        for _ in $(seq 1 50); do
            redis_answers || return 0
            sleep 0.2
        done
        die "redis on port $REDIS_PORT did not shut down"
    else
        log "redis: not running"
    fi
}

# --- subcommands -----------------------------------------------------------------

print_exports() {
    local redis_server
    redis_server=$(command -v redis-server) || die "redis-server not on PATH"
    printf 'export ASKWELL_TEST_DATABASE_URL=postgresql+asyncpg://%s@127.0.0.1:%s/%s\n' "$DB_USER" "$PG_PORT" "$DB_NAME"
    printf 'export ASKWELL_TEST_REDIS_URL=redis://127.0.0.1:%s/0\n' "$REDIS_PORT"
    printf 'export ASKWELL_TEST_REDIS_SERVER=%s\n' "$redis_server"
}

with_lock() {
    # Serialise concurrent start/stop runs on the same state folder.
    mkdir -p "$STATE_DIR"
    exec 9>"$STATE_DIR/.lock"
    flock -w 900 9 || die "another test-services.sh run holds $STATE_DIR/.lock"
}

cmd_start() {
    with_lock
    apt_install_missing postgresql-${PG_MAJOR} postgresql-server-dev-${PG_MAJOR} redis-server make gcc
    [ -x "$PG_BIN/pg_ctl" ] || die "$PG_BIN/pg_ctl missing after install"
    command -v redis-server >/dev/null 2>&1 || die "redis-server missing after install"
    build_pgvector
    prepare_state_dir
    start_postgres
    start_redis
    print_exports
}

cmd_stop() {
    [ -d "$STATE_DIR" ] || { log "nothing to stop ($STATE_DIR absent)"; return 0; }
    with_lock
    stop_postgres
    if command -v redis-cli >/dev/null 2>&1; then stop_redis; fi
}

cmd_status() {
    local rc=0
    if [ -x "$PG_BIN/pg_isready" ] && pg_port_answers; then
        if pg_is_ours_running; then
            echo "postgres: running on 127.0.0.1:$PG_PORT (data $PG_DATA)"
        else
            echo "postgres: a server answers on 127.0.0.1:$PG_PORT (not the cluster at $PG_DATA)"
        fi
    else
        echo "postgres: not running on 127.0.0.1:$PG_PORT"; rc=3
    fi
    if command -v redis-cli >/dev/null 2>&1 && redis_answers; then
        echo "redis: running on 127.0.0.1:$REDIS_PORT"
    else
        echo "redis: not running on 127.0.0.1:$REDIS_PORT"; rc=3
    fi
    if pgvector_installed 2>/dev/null; then
        echo "pgvector: installed ($VECTOR_CONTROL)"
    else
        echo "pgvector: not installed"
    fi
    return "$rc"
}

case "${1:-start}" in
    start)  cmd_start ;;
    stop)   cmd_stop ;;
    status) cmd_status || exit $? ;;
    -h|--help|help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown subcommand '$1' (expected start|stop|status)" ;;
esac
