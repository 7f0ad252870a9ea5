# Shared by scripts/test-services.sh (the suite's throwaway services) and scripts/prod.sh
# (`make prod`): installing Debian packages, building pgvector, and running one PostgreSQL 15
# cluster, one Redis and (tests only) one MariaDB under a state folder, on 127.0.0.1 only.
# Source it; do not run it.
#
# The caller sets, before sourcing:
#   LOG_TAG        prefix of log lines ("test-services", "prod")
#   STATE_DIR      state folder; PG_PORT, REDIS_PORT
#   STATE_DIR_VAR / PG_PORT_VAR   the environment variables that set them (for error messages)
#   PG_FOREIGN_OK  1: a server already on PG_PORT is reused when it has the database; 0: refused
# and defines write_pg_config and ensure_pg_objects (the cluster's settings, roles, database).
# For MariaDB (start_mariadb / stop_mariadb): MARIA_PORT, MARIA_PORT_VAR, and a function
# ensure_maria_objects (its databases and accounts, made through maria_admin).
# Optional: REDIS_CONF, a redis.conf passed to redis-server before the flags below (prod.sh
# keeps its password there); REDISCLI_AUTH in the environment lets redis-cli authenticate;
# INITDB_FSYNC=1 makes initdb fsync what it writes (the default, --no-sync, suits tests).
#
# Targets Debian 12 (bookworm). Needs root (or sudo) only when something must be installed;
# PostgreSQL itself runs as the `postgres` OS user when run as root.

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

MARIA_BIN=/usr/sbin/mariadbd
MARIA_DIR=${STATE_DIR}/mariadb
MARIA_DATA=${MARIA_DIR}/data
MARIA_SOCK=${MARIA_DIR}/run/mariadb.sock
MARIA_PID=${MARIA_DIR}/run/mariadb.pid
MARIA_LOG=${MARIA_DIR}/mariadb.log

TRIXIE_SRC_LIST=/etc/apt/sources.list.d/askwell-trixie-src.sources
APT_LOCK_TIMEOUT=600

log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$LOG_TAG" "$*" >&2; exit 1; }
trap 'printf "[%s] ERROR: command failed (exit %s) at line %s: %s\n" "$LOG_TAG" "$?" "$LINENO" "$BASH_COMMAND" >&2' ERR

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

# The same for MariaDB, whose server refuses to run as root: the `mysql` OS user.
as_mysql() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u mysql -- "$@"
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
            || die "OS user 'postgres' cannot use $PG_DIR; pick an ${STATE_DIR_VAR} it can reach (e.g. under /tmp)"
        as_pg mkdir -p "$PG_SOCK"
    else
        mkdir -p "$PG_DIR" "$PG_SOCK"
    fi
}

start_postgres() {
    if pg_is_ours_running; then
        log "postgres: reusing running cluster at $PG_DATA (port $PG_PORT)"
        ensure_pg_objects
        return 0
    fi
    if pg_port_answers; then
        [ "$PG_FOREIGN_OK" -eq 1 ] \
            || die "port $PG_PORT is in use by another PostgreSQL server (not the cluster at $PG_DATA); stop it or set ${PG_PORT_VAR}"
        # Something else owns the port. Accept it only if it already looks right.
        log "postgres: port $PG_PORT answers but is not the cluster at $PG_DATA; checking whether it is usable"
        "$PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U "$DB_USER" -d "$DB_NAME" \
            -c "SELECT 1 FROM pg_extension WHERE extname = 'vector'" 2>/dev/null | grep -qx 1 \
            || die "port $PG_PORT is in use by another server without a usable ${DB_USER}/${DB_NAME} + vector; stop it or set ${PG_PORT_VAR}"
        log "postgres: reusing foreign server on port $PG_PORT"
        return 0
    fi

    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        local nosync=(--no-sync)
        [ "${INITDB_FSYNC:-0}" = 1 ] && nosync=()
        log "postgres: initdb $PG_DATA"
        as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust \
            --encoding=UTF8 --no-locale "${nosync[@]}" >&2 \
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
    redis-server ${REDIS_CONF:+"$REDIS_CONF"} --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
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

# --- MariaDB (tests: the MySQL/MariaDB SQL connectors) ----------------------------

# The account that owns the server: mariadb-install-db gives root@localhost (and, when not
# run as root, the current OS user) unix_socket authentication, so the admin client needs
# no password, only the socket, and connects as the OS user running this script.
maria_admin() {
    mariadb --no-defaults --protocol=socket --socket="$MARIA_SOCK" -u "$(id -un)" "$@"
}

maria_is_ours_running() {
    [ -S "$MARIA_SOCK" ] && mariadb-admin --no-defaults --protocol=socket --socket="$MARIA_SOCK" \
        -u "$(id -un)" ping >/dev/null 2>&1
}

maria_port_in_use() {
    # mariadb-admin ping succeeds even when the login is refused: any server on the port counts.
    mariadb-admin --no-defaults --protocol=tcp -h 127.0.0.1 -P "$MARIA_PORT" --connect-timeout=2 \
        -u askwell-probe ping >/dev/null 2>&1
}

start_mariadb() {
    if maria_is_ours_running; then
        log "mariadb: reusing running server at $MARIA_DATA (port $MARIA_PORT)"
        ensure_maria_objects
        return 0
    fi
    if maria_port_in_use; then
        die "port $MARIA_PORT is in use by another MySQL/MariaDB server (not the one at $MARIA_DATA); stop it or set ${MARIA_PORT_VAR}"
    fi

    mkdir -p "$MARIA_DIR"
    if [ "$(id -u)" -eq 0 ]; then
        id mysql >/dev/null 2>&1 || die "OS user 'mysql' missing (is mariadb-server installed?)"
        chown mysql:mysql "$MARIA_DIR"
        as_mysql test -x "$STATE_DIR" -a -w "$MARIA_DIR" \
            || die "OS user 'mysql' cannot use $MARIA_DIR; pick an ${STATE_DIR_VAR} it can reach (e.g. under /tmp)"
    fi
    as_mysql mkdir -p "$(dirname "$MARIA_SOCK")"
    local owner=mysql
    [ "$(id -u)" -eq 0 ] || owner=$(id -un)
    if [ ! -d "$MARIA_DATA/mysql" ]; then
        log "mariadb: mariadb-install-db $MARIA_DATA"
        # --no-defaults: nothing from /etc/mysql (a system server's port, socket or datadir).
        as_mysql mariadb-install-db --no-defaults --datadir="$MARIA_DATA" --user="$owner" \
            --auth-root-authentication-method=socket --skip-test-db --skip-name-resolve >"$MARIA_DIR/install.log" 2>&1 \
            || { tail -n 30 "$MARIA_DIR/install.log" >&2; die "mariadb-install-db failed (see $MARIA_DIR/install.log)"; }
    fi

    log "mariadb: starting on 127.0.0.1:$MARIA_PORT (log: $MARIA_LOG)"
    # A throwaway server: no binary log, no doublewrite, the redo log flushed once a second.
    # The server runs in the foreground of a background subshell (it has no --daemonize);
    # setsid keeps it out of the caller's process group, 9>&- out of our lock.
    as_mysql setsid "$MARIA_BIN" --no-defaults --datadir="$MARIA_DATA" \
        --bind-address=127.0.0.1 --port="$MARIA_PORT" --skip-networking=0 \
        --socket="$MARIA_SOCK" --pid-file="$MARIA_PID" --log-error="$MARIA_LOG" \
        --skip-name-resolve --skip-log-bin --max-connections=200 \
        --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --innodb-buffer-pool-size=64M \
        </dev/null >/dev/null 2>&1 9>&- &
    for _ in $(seq 1 150); do
        maria_is_ours_running && { log "mariadb: up"; ensure_maria_objects; return 0; }
        sleep 0.2
    done
    tail -n 30 "$MARIA_LOG" >&2 2>/dev/null || true
    die "mariadb did not answer on $MARIA_SOCK within 30s (see $MARIA_LOG)"
}

stop_mariadb() {
    if ! maria_is_ours_running; then
        log "mariadb: not running"
        return 0
    fi
    log "mariadb: stopping server at $MARIA_DATA"
    mariadb-admin --no-defaults --protocol=socket --socket="$MARIA_SOCK" -u "$(id -un)" shutdown \
        || die "mariadb-admin shutdown failed"
    for _ in $(seq 1 150); do
        [ -e "$MARIA_PID" ] || return 0
        sleep 0.2
    done
    die "mariadb at $MARIA_DATA did not shut down within 30s"
}

# --- locking ---------------------------------------------------------------------

with_lock() {
    # Serialise concurrent start/stop runs on the same state folder.
    mkdir -p "$STATE_DIR"
    exec 9>"$STATE_DIR/.lock"
    flock -w 900 9 || die "another ${LOG_TAG}.sh run holds $STATE_DIR/.lock"
}
