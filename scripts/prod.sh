#!/usr/bin/env bash
# Askwell's production topology on one machine (`make prod`, `make prod-stop`): PostgreSQL 15
# + pgvector and Redis, llama.cpp's OpenAI-compatible model server, two API processes
# (`askwell serve`), one `askwell worker`, and nginx in front of the API processes.
#
# Usage:
#   scripts/prod.sh start    # install what is missing, start what is not running, wait for /readyz
#   scripts/prod.sh status   # what runs, with pid, memory and port (exit 3 if something is down)
#   scripts/prod.sh stop     # stop exactly the processes `start` started (pid files)
#
# Environment (defaults):
#   ASKWELL_PROD_DIR          state folder: cluster, Redis, env file, logs (./data/prod)
#   ASKWELL_PROD_HOST         nginx's address (127.0.0.1; 0.0.0.0 to serve other machines)
#   ASKWELL_PROD_PORT         nginx's port (8080)
#   ASKWELL_PROD_API_PORTS    one API process per port ("8101 8102")
#   ASKWELL_PROD_MODEL_PORT   the model server (8190)
#   ASKWELL_PROD_PG_PORT      PostgreSQL (15432)
#   ASKWELL_PROD_REDIS_PORT   Redis (16379)
#   ASKWELL_PROD_MODEL_FILE   the GGUF served (data/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf)
#   ASKWELL_PROD_MODEL_THREADS        llama.cpp threads (every core)
#   ASKWELL_PROD_WORKER_CONCURRENCY   jobs the worker runs at once (1)
# ASKWELL_OPENAI_MAX_CONCURRENCY (1), ASKWELL_EMBEDDING_MODEL and ASKWELL_MAX_UPLOAD_MB go into
# the env file when set; any other ASKWELL_* variable set when starting reaches every process.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR=${ASKWELL_PROD_DIR:-$ROOT/data/prod}
case "$STATE_DIR" in /*) ;; *) STATE_DIR=$ROOT/$STATE_DIR ;; esac  # nginx and pg want absolute paths
HTTP_HOST=${ASKWELL_PROD_HOST:-127.0.0.1}
HTTP_PORT=${ASKWELL_PROD_PORT:-8080}
read -r -a API_PORTS <<<"${ASKWELL_PROD_API_PORTS:-8101 8102}"
MODEL_PORT=${ASKWELL_PROD_MODEL_PORT:-8190}
PG_PORT=${ASKWELL_PROD_PG_PORT:-15432}
REDIS_PORT=${ASKWELL_PROD_REDIS_PORT:-16379}
MODEL_FILE=${ASKWELL_PROD_MODEL_FILE:-$ROOT/data/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf}
MODEL_ALIAS=qwen2.5-coder-1.5b
MODEL_THREADS=${ASKWELL_PROD_MODEL_THREADS:-$(nproc)}
WORKER_CONCURRENCY=${ASKWELL_PROD_WORKER_CONCURRENCY:-1}

DB_NAME=askwell
DB_USER=askwell

LOG_TAG=prod
STATE_DIR_VAR=ASKWELL_PROD_DIR
PG_PORT_VAR=ASKWELL_PROD_PG_PORT
PG_FOREIGN_OK=0
REDIS_CONF=$STATE_DIR/redis/redis.conf
INITDB_FSYNC=1  # a durable cluster from its first file
# shellcheck source=scripts/lib-services.sh
. "$ROOT/scripts/lib-services.sh"

VENV=$ROOT/.venv
PY=$VENV/bin/python
SECRETS=$STATE_DIR/secrets.env  # generated once, kept across restarts
ENV_FILE=$STATE_DIR/askwell.env # rewritten on every start: what every Askwell process gets
APP_DIR=$STATE_DIR/app          # ASKWELL_DATA_DIR of every process: the local file store
RUN_DIR=$STATE_DIR/run
LOG_DIR=$STATE_DIR/logs
NGINX_DIR=$STATE_DIR/nginx
TEMPLATE=$ROOT/deploy/nginx.conf.template

# --- checks ------------------------------------------------------------------------

check_install() {
    [ -x "$VENV/bin/askwell" ] || die "$VENV/bin/askwell missing: run \`make install\` first"
    "$PY" -c 'import asyncpg, taskiq_redis, openai, llama_cpp.server' 2>/dev/null \
        || die "the virtualenv lacks the production extras: run \`make install\` (or pip install -e '.[postgres,redis,openai,local]')"
    [ -f "$MODEL_FILE" ] || die "model file $MODEL_FILE missing: run \`make install\` (it pulls the default model) or set ASKWELL_PROD_MODEL_FILE"
    [ -f "$TEMPLATE" ] || die "$TEMPLATE missing"
}

# The listener on a port, if any ("users:((...))" from ss, or just "something").
port_holder() {
    local port=$1 line
    if command -v ss >/dev/null 2>&1; then
        line=$(ss -Hltnp "sport = :$port" 2>/dev/null | head -n1)
        [ -n "$line" ] && { printf '%s\n' "${line##* }"; return 0; }
        return 1
    fi
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null && { echo something; return 0; }
    return 1
}

require_free_port() {  # port, what, the variable that moves it
    local holder
    if holder=$(port_holder "$1"); then
        die "port $1 ($2) is in use by another program ($holder); stop it or set $3"
    fi
}

http_code() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" 2>/dev/null || true
}

wait_http() {  # url, seconds, what, log file
    local url=$1 limit=$2 waited=0
    while [ "$(http_code "$url")" != 200 ]; do
        if [ "$waited" -ge "$limit" ]; then
            log "$3: no 200 from $url after ${limit}s; it answered: $(curl -s --max-time 5 "$url" 2>&1 | head -c 600)"
            [ -n "${4:-}" ] && tail -n 25 "$4" >&2 2>/dev/null
            die "$3 is not ready (log: ${4:-none})"
        fi
        sleep 1
        waited=$((waited + 1))
    done
}

# --- our processes: pid files holding "pid start-time", so a reused pid is never ours ----

_start_time() {  # field 22 of /proc/PID/stat, counted after the ")" closing the command name
    local stat fields
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    read -r -a fields <<<"${stat##*) }"
    printf '%s\n' "${fields[19]}"
}

proc_pid() {  # prints the pid of NAME when the process it recorded is still running
    local file=$RUN_DIR/$1.pid pid started now
    [ -f "$file" ] || return 1
    read -r pid started <"$file" || true
    if [ -n "${pid:-}" ] && _running "$pid" && now=$(_start_time "$pid") && [ "$now" = "${started:-}" ]; then
        printf '%s\n' "$pid"
        return 0
    fi
    rm -f "$file"  # stale: the process is gone
    return 1
}

# start_proc NAME -- command...: runs it in its own session (so `stop` can end it with its
# children, and it outlives this script), with the env file loaded and output in logs/NAME.log.
start_proc() {
    local name=$1 pid
    shift 2
    mkdir -p "$RUN_DIR" "$LOG_DIR"
    (
        cd "$ROOT"
        set -a
        # shellcheck source=/dev/null
        . "$ENV_FILE"
        set +a
        exec setsid "$@"
    ) </dev/null >>"$LOG_DIR/$name.log" 2>&1 9>&- &
    pid=$!
    printf '%s %s\n' "$pid" "$(_start_time "$pid" || echo gone)" >"$RUN_DIR/$name.pid"
    sleep 0.5
    proc_pid "$name" >/dev/null || { tail -n 25 "$LOG_DIR/$name.log" >&2; die "$name exited at once (log: $LOG_DIR/$name.log)"; }
    log "$name: started (pid $pid, log: $LOG_DIR/$name.log)"
}

# Alive and not a zombie waiting for init (our processes' parent) to reap it.
_running() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat:0:1}" != Z ]
}

stop_proc() {
    local name=$1 pid target
    if ! pid=$(proc_pid "$name"); then
        log "$name: not running"
        return 0
    fi
    # setsid made it the leader of its own process group: signal the group (it and any child).
    target=$pid
    [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ] && target=-$pid
    log "$name: stopping (pid $pid)"
    kill -TERM -- "$target" 2>/dev/null || true
    for _ in $(seq 1 150); do  # uvicorn lets open streams finish; 30 s at most
        _running "$pid" || break
        sleep 0.2
    done
    if _running "$pid"; then
        log "$name: still running after 30s; killing it"
        kill -KILL -- "$target" 2>/dev/null || true
        sleep 0.5
    fi
    rm -f "$RUN_DIR/$name.pid"
}

rss_of() {
    awk '/^VmRSS:/ { printf "%d MB", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"
}

# --- configuration -------------------------------------------------------------------

_random_hex() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

write_secrets() {
    if [ ! -f "$SECRETS" ]; then
        log "generating $SECRETS (keys and passwords; kept across restarts)"
        (
            umask 077
            cat >"$SECRETS" <<EOF
# Generated once by scripts/prod.sh; every Askwell process, on every machine, needs the same
# ASKWELL_SECRET_KEY (JWT signing) and ASKWELL_CREDENTIALS_KEY (sealed connector credentials).
ASKWELL_SECRET_KEY=$(_random_hex)
ASKWELL_CREDENTIALS_KEY=$(_random_hex)
PROD_PG_PASSWORD=$(_random_hex)
PROD_REDIS_PASSWORD=$(_random_hex)
EOF
        )
    fi
    # shellcheck source=/dev/null
    . "$SECRETS"
    export REDISCLI_AUTH=$PROD_REDIS_PASSWORD  # lets the lib's redis-cli calls authenticate
}

write_env_file() {
    local upload_mb=${ASKWELL_MAX_UPLOAD_MB:-50}
    (
        umask 077
        cat >"$ENV_FILE" <<EOF
# Written by scripts/prod.sh on every start (edit the script's variables, not this file).
# The same names serve deploy/docker-compose.yml; copy them to spread Askwell over machines.
ASKWELL_DATABASE_URL=postgresql+asyncpg://${DB_USER}:${PROD_PG_PASSWORD}@127.0.0.1:${PG_PORT}/${DB_NAME}
ASKWELL_REDIS_URL=redis://:${PROD_REDIS_PASSWORD}@127.0.0.1:${REDIS_PORT}/0
ASKWELL_JOBS_BACKEND=redis
ASKWELL_SECRET_KEY=${ASKWELL_SECRET_KEY}
ASKWELL_CREDENTIALS_KEY=${ASKWELL_CREDENTIALS_KEY}
# One machine: API processes and the worker share this folder for uploads.
ASKWELL_FILE_STORE=local
ASKWELL_DATA_DIR=${APP_DIR}
# Chat on the model server, which answers one request at a time: the API processes load no weights.
ASKWELL_DEFAULT_MODEL=openai:${MODEL_ALIAS}
ASKWELL_OPENAI_BASE_URL=http://127.0.0.1:${MODEL_PORT}/v1
ASKWELL_OPENAI_MAX_CONCURRENCY=${ASKWELL_OPENAI_MAX_CONCURRENCY:-1}
# Embeddings stay in process (int8 ONNX MiniLM, small) in the API processes and the worker.
ASKWELL_EMBEDDING_MODEL=${ASKWELL_EMBEDDING_MODEL:-local:all-minilm-l6-v2}
ASKWELL_MAX_UPLOAD_MB=${upload_mb}
# glibc gives each thread that contends for malloc its own arena (up to 8 per core), and freed
# memory stays in them: Askwell's thread pools (parsing, embedding, onnxruntime) then grow a
# process by hundreds of MB it no longer uses. Two arenas keep RSS near what is in use, at no
# measurable cost for processes that are mostly one asyncio thread.
MALLOC_ARENA_MAX=2
EOF
    )
    NGINX_MAX_BODY="$((upload_mb + 1))m"
}

write_redis_conf() {
    mkdir -p "$REDIS_DIR"
    (umask 077; printf '# Written by scripts/prod.sh\nrequirepass %s\n' "$PROD_REDIS_PASSWORD" >"$REDIS_CONF")
}

# Called by the lib's start_postgres: a durable cluster (fsync on), passwords on 127.0.0.1.
write_pg_config() {
    as_pg tee "$PG_DATA/askwell-prod.conf" >/dev/null <<EOF
# Managed by scripts/prod.sh, rewritten on every start.
listen_addresses = '127.0.0.1'
port = ${PG_PORT}
unix_socket_directories = '${PG_SOCK}'
unix_socket_permissions = 0700
password_encryption = scram-sha-256
max_connections = 200
logging_collector = off
log_min_messages = warning
EOF
    as_pg tee "$PG_DATA/pg_hba.conf" >/dev/null <<'EOF'
# Managed by scripts/prod.sh: the cluster owner on the socket (0700), passwords on 127.0.0.1.
local   all   postgres                     trust
host    all   all        127.0.0.1/32      scram-sha-256
EOF
    if ! grep -q "^include_if_exists = 'askwell-prod.conf'" "$PG_DATA/postgresql.conf"; then
        printf "\ninclude_if_exists = 'askwell-prod.conf'\n" | as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
    fi
}

# Called by the lib's start_postgres: an ordinary role owning the database; the superuser
# creates the vector extension, so the role needs no more than ownership.
ensure_pg_objects() {
    psql_admin -d postgres -v pw="$PROD_PG_PASSWORD" <<SQL
SELECT 'CREATE ROLE ${DB_USER} LOGIN'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${DB_USER}') \gexec
ALTER ROLE ${DB_USER} LOGIN NOSUPERUSER PASSWORD :'pw';
SELECT 'CREATE DATABASE ${DB_NAME} OWNER ${DB_USER}'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '${DB_NAME}') \gexec
SQL
    psql_admin -d "$DB_NAME" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION IF NOT EXISTS vector' \
        || die "could not create extension vector in database ${DB_NAME}"
    log "postgres: role ${DB_USER}, database ${DB_NAME}, extension vector ok"
}

# shellcheck disable=SC2016  # '${NGINX_...}' below are the template's literal placeholders
write_nginx_conf() {
    local upstreams="" sep=$'\n    ' port site
    for port in "${API_PORTS[@]}"; do upstreams+="${upstreams:+$sep}server 127.0.0.1:${port};"; done
    site=$(<"$TEMPLATE")
    # Quoted replacements: bash 5.2 would otherwise read "&" in them as the matched text.
    site=${site//'${NGINX_UPSTREAMS}'/"$upstreams"}
    site=${site//'${NGINX_LISTEN}'/"${HTTP_HOST}:${HTTP_PORT}"}
    site=${site//'${NGINX_MAX_BODY}'/"$NGINX_MAX_BODY"}
    local temp="$NGINX_DIR/tmp" user=""
    if [ "$(id -u)" -eq 0 ]; then
        # Started as root, the workers run as www-data, which may not traverse this checkout
        # (under /root, say): request bodies above 16 kB (uploads) are buffered where it can.
        user="user www-data;"
        temp="/var/lib/nginx/askwell-${HTTP_PORT}"
    fi
    mkdir -p "$NGINX_DIR" "$temp" "$LOG_DIR"
    [ -n "$user" ] && chown www-data: "$temp"
    printf '# Generated by scripts/prod.sh from deploy/nginx.conf.template; edit that instead.\n%s\n' \
        "$site" >"$NGINX_DIR/askwell.conf"
    cat >"$NGINX_DIR/nginx.conf" <<EOF
# Generated by scripts/prod.sh on every start.
${user}
worker_processes auto;
pid ${NGINX_DIR}/nginx.pid;
error_log ${LOG_DIR}/nginx-error.log warn;
events { worker_connections 1024; }
http {
    log_format askwell '\$remote_addr [\$time_local] "\$request" \$status \$body_bytes_sent '
                       'rt=\$request_time upstream=\$upstream_addr rid=\$askwell_request_id';
    access_log ${LOG_DIR}/nginx-access.log askwell;
    client_body_temp_path ${temp}/body;
    proxy_temp_path ${temp}/proxy;
    fastcgi_temp_path ${temp}/fastcgi;
    uwsgi_temp_path ${temp}/uwsgi;
    scgi_temp_path ${temp}/scgi;
    include ${NGINX_DIR}/askwell.conf;
}
EOF
}

NGINX=(/usr/sbin/nginx -e "$LOG_DIR/nginx-error.log" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf")

# --- the pieces ----------------------------------------------------------------------

start_model_server() {
    if proc_pid model >/dev/null; then
        log "model: already running (pid $(proc_pid model))"
    else
        require_free_port "$MODEL_PORT" "model server" ASKWELL_PROD_MODEL_PORT
        # --interrupt_requests false: otherwise a second request cuts the running one off.
        # MALLOC_ARENA_MAX is for Askwell's processes; llama.cpp keeps its own buffers.
        start_proc model -- env -u MALLOC_ARENA_MAX "$PY" -m llama_cpp.server --model "$MODEL_FILE" --model_alias "$MODEL_ALIAS" \
            --host 127.0.0.1 --port "$MODEL_PORT" --n_ctx 4096 --n_threads "$MODEL_THREADS" \
            --interrupt_requests false
    fi
    wait_http "http://127.0.0.1:$MODEL_PORT/v1/models" 180 "model server" "$LOG_DIR/model.log"
}

start_api_and_worker() {
    local i name port
    log "migrating the database (once, before the API processes start)"
    # shellcheck source=/dev/null
    (cd "$ROOT" && set -a && . "$ENV_FILE" && set +a && "$VENV/bin/askwell" migrate 9>&- >>"$LOG_DIR/migrate.log" 2>&1) \
        || { tail -n 25 "$LOG_DIR/migrate.log" >&2; die "askwell migrate failed (log: $LOG_DIR/migrate.log)"; }
    for i in "${!API_PORTS[@]}"; do
        name=api-$((i + 1)) port=${API_PORTS[$i]}
        if proc_pid "$name" >/dev/null; then
            log "$name: already running (pid $(proc_pid "$name"))"
            continue
        fi
        require_free_port "$port" "$name" ASKWELL_PROD_API_PORTS
        start_proc "$name" -- "$VENV/bin/askwell" serve --host 127.0.0.1 --port "$port" --workers 1
    done
    if proc_pid worker >/dev/null; then
        log "worker: already running (pid $(proc_pid worker))"
    else
        start_proc worker -- "$VENV/bin/askwell" worker --concurrency "$WORKER_CONCURRENCY"
    fi
    for i in "${!API_PORTS[@]}"; do
        wait_http "http://127.0.0.1:${API_PORTS[$i]}/readyz" 180 "api-$((i + 1))" "$LOG_DIR/api-$((i + 1)).log"
    done
}

start_nginx() {
    local pid
    write_nginx_conf
    "${NGINX[@]}" -t -q 9>&- || die "nginx rejects $NGINX_DIR/nginx.conf (made from $TEMPLATE)"
    if pid=$(proc_pid nginx); then
        log "nginx: already running (pid $pid); reloading its configuration"
        kill -HUP "$pid"
        return 0
    fi
    require_free_port "$HTTP_PORT" nginx ASKWELL_PROD_PORT
    start_proc nginx -- "${NGINX[@]}" -g 'daemon off;'
}

# Every port a piece that is not running yet will take, checked before anything starts.
preflight_ports() {
    local i
    pg_is_ours_running || require_free_port "$PG_PORT" postgres ASKWELL_PROD_PG_PORT
    redis_answers || require_free_port "$REDIS_PORT" redis ASKWELL_PROD_REDIS_PORT
    proc_pid model >/dev/null || require_free_port "$MODEL_PORT" "model server" ASKWELL_PROD_MODEL_PORT
    for i in "${!API_PORTS[@]}"; do
        proc_pid "api-$((i + 1))" >/dev/null || require_free_port "${API_PORTS[$i]}" "api-$((i + 1))" ASKWELL_PROD_API_PORTS
    done
    proc_pid nginx >/dev/null || require_free_port "$HTTP_PORT" nginx ASKWELL_PROD_PORT
}

public_url() {
    local host=$HTTP_HOST
    [ "$host" = 0.0.0.0 ] && host=127.0.0.1
    printf 'http://%s:%s\n' "$host" "$HTTP_PORT"
}

# --- subcommands -----------------------------------------------------------------------

cmd_start() {
    local t0=$SECONDS
    check_install
    with_lock
    # nginx from Debian: on a machine with systemd its package also starts the stock site on
    # port 80; this script runs its own instance on ASKWELL_PROD_PORT and leaves that alone.
    apt_install_missing postgresql-${PG_MAJOR} postgresql-server-dev-${PG_MAJOR} redis-server nginx curl make gcc
    [ -x "$PG_BIN/pg_ctl" ] || die "$PG_BIN/pg_ctl missing after install"
    build_pgvector
    prepare_state_dir
    mkdir -p "$APP_DIR" "$RUN_DIR" "$LOG_DIR"
    write_secrets
    write_env_file
    write_redis_conf

    preflight_ports
    start_postgres
    start_redis
    start_model_server
    start_api_and_worker
    start_nginx
    wait_http "$(public_url)/readyz" 60 "askwell through nginx" "$LOG_DIR/nginx-error.log"
    log "ready in $((SECONDS - t0))s; env: $ENV_FILE, logs: $LOG_DIR; stop with \`make prod-stop\`"
    echo "Askwell is ready at $(public_url)"
}

cmd_stop() {
    local i
    [ -d "$STATE_DIR" ] || { log "nothing to stop ($STATE_DIR absent)"; return 0; }
    with_lock
    stop_proc nginx
    for i in "${!API_PORTS[@]}"; do stop_proc "api-$((i + 1))"; done
    # Any other api-N left from a start with more ports.
    for f in "$RUN_DIR"/api-*.pid; do [ -e "$f" ] && stop_proc "$(basename "$f" .pid)"; done
    stop_proc worker
    stop_proc model
    if [ -f "$SECRETS" ]; then
        write_secrets  # for the password redis-cli needs
        if command -v redis-cli >/dev/null 2>&1; then stop_redis; fi
    fi
    stop_postgres
}

cmd_status() {
    local rc=0 name pid port f
    printf '%-8s %-8s %-8s %s\n' NAME PID RSS LISTENS
    _line() {  # name, port
        if pid=$(proc_pid "$1"); then
            printf '%-8s %-8s %-8s %s\n' "$1" "$pid" "$(rss_of "$pid")" "$2"
        else
            printf '%-8s %-8s %-8s %s\n' "$1" - - "not running"; rc=3
        fi
    }
    _line nginx "$HTTP_HOST:$HTTP_PORT"
    for f in "${!API_PORTS[@]}"; do _line "api-$((f + 1))" "127.0.0.1:${API_PORTS[$f]}"; done
    _line worker "-"
    _line model "127.0.0.1:$MODEL_PORT"
    if pg_is_ours_running; then
        pid=$(head -n1 "$PG_DATA/postmaster.pid")
        printf '%-8s %-8s %-8s %s\n' postgres "$pid" "$(rss_of "$pid")" "127.0.0.1:$PG_PORT"
    else
        printf '%-8s %-8s %-8s %s\n' postgres - - "not running"; rc=3
    fi
    if [ -f "$REDIS_PID" ] && pid=$(cat "$REDIS_PID") && kill -0 "$pid" 2>/dev/null; then
        printf '%-8s %-8s %-8s %s\n' redis "$pid" "$(rss_of "$pid")" "127.0.0.1:$REDIS_PORT"
    else
        printf '%-8s %-8s %-8s %s\n' redis - - "not running"; rc=3
    fi
    echo "readyz: $(http_code "$(public_url)/readyz") at $(public_url)/readyz"
    return "$rc"
}

case "${1:-start}" in
    start)  cmd_start ;;
    stop)   cmd_stop ;;
    status) cmd_status || exit $? ;;
    -h|--help|help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown subcommand '$1' (expected start|stop|status)" ;;
esac
