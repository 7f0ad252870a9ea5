#!/usr/bin/env bash
# Start (installing first, if missing) the external services the Askwell test
# suite needs: a throwaway PostgreSQL 15 cluster with pgvector, Redis, and a MariaDB
# server (the MySQL/MariaDB SQL connectors' tests).
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
#   ASKWELL_TEST_MYSQL_PORT  MariaDB port      (default 53306)
#
# Targets Debian 12 (bookworm). Needs root (or sudo) only when something must be
# installed; PostgreSQL itself runs as the `postgres` OS user when run as root, MariaDB
# as the `mysql` OS user.
set -Eeuo pipefail

STATE_DIR=${ASKWELL_SERVICES_DIR:-/tmp/askwell-test-services}
PG_PORT=${ASKWELL_TEST_PG_PORT:-55432}
REDIS_PORT=${ASKWELL_TEST_REDIS_PORT:-56379}
MARIA_PORT=${ASKWELL_TEST_MYSQL_PORT:-53306}
MARIA_PORT_VAR=ASKWELL_TEST_MYSQL_PORT

DB_NAME=askwell
DB_USER=askwell
# MariaDB: an admin account for the tests (they make a database and accounts per test
# module); the password only because MySQL URLs without one read oddly. 127.0.0.1 only.
MARIA_USER=askwell
MARIA_PASSWORD=askwell

# What scripts/lib-services.sh needs: install, pgvector, one cluster, one Redis.
LOG_TAG=test-services
STATE_DIR_VAR=ASKWELL_SERVICES_DIR
PG_PORT_VAR=ASKWELL_TEST_PG_PORT
PG_FOREIGN_OK=1
# shellcheck source=scripts/lib-services.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-services.sh"

# --- the test cluster: fast, not durable, trust on 127.0.0.1 ---------------------

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

# --- the test MariaDB: one database, one admin account over TCP ---------------------

ensure_maria_objects() {
    maria_admin <<SQL || die "could not create the MariaDB database ${DB_NAME} and account ${MARIA_USER}"
CREATE DATABASE IF NOT EXISTS \`${DB_NAME}\` CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS '${MARIA_USER}'@'127.0.0.1' IDENTIFIED BY '${MARIA_PASSWORD}';
GRANT ALL PRIVILEGES ON *.* TO '${MARIA_USER}'@'127.0.0.1' WITH GRANT OPTION;
SQL
    log "mariadb: account ${MARIA_USER}, database ${DB_NAME} ok"
}

# --- subcommands -----------------------------------------------------------------

print_exports() {
    local redis_server
    redis_server=$(command -v redis-server) || die "redis-server not on PATH"
    printf 'export ASKWELL_TEST_DATABASE_URL=postgresql+asyncpg://%s@127.0.0.1:%s/%s\n' "$DB_USER" "$PG_PORT" "$DB_NAME"
    printf 'export ASKWELL_TEST_REDIS_URL=redis://127.0.0.1:%s/0\n' "$REDIS_PORT"
    printf 'export ASKWELL_TEST_REDIS_SERVER=%s\n' "$redis_server"
    printf 'export ASKWELL_TEST_MYSQL_URL=mysql+aiomysql://%s:%s@127.0.0.1:%s/%s\n' \
        "$MARIA_USER" "$MARIA_PASSWORD" "$MARIA_PORT" "$DB_NAME"
}

cmd_start() {
    with_lock
    # iproute2: `ip netns` for the fault test whose worker runs on another (namespace) host.
    # mariadb-server: the MySQL/MariaDB SQL connectors' tests.
    apt_install_missing postgresql-${PG_MAJOR} postgresql-server-dev-${PG_MAJOR} redis-server make gcc iproute2 \
        mariadb-server
    [ -x "$PG_BIN/pg_ctl" ] || die "$PG_BIN/pg_ctl missing after install"
    command -v redis-server >/dev/null 2>&1 || die "redis-server missing after install"
    [ -x "$MARIA_BIN" ] || die "$MARIA_BIN missing after install"
    build_pgvector
    prepare_state_dir
    start_postgres
    start_redis
    start_mariadb
    print_exports
}

cmd_stop() {
    [ -d "$STATE_DIR" ] || { log "nothing to stop ($STATE_DIR absent)"; return 0; }
    with_lock
    stop_postgres
    if command -v redis-cli >/dev/null 2>&1; then stop_redis; fi
    if command -v mariadb-admin >/dev/null 2>&1; then stop_mariadb; fi
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
    if command -v mariadb-admin >/dev/null 2>&1 && maria_is_ours_running; then
        echo "mariadb: running on 127.0.0.1:$MARIA_PORT (data $MARIA_DATA)"
    else
        echo "mariadb: not running on 127.0.0.1:$MARIA_PORT"; rc=3
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
    -h|--help|help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown subcommand '$1' (expected start|stop|status)" ;;
esac
