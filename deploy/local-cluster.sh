#!/usr/bin/env bash
# A Schoolbel cluster on one machine: a private PostgreSQL, a private Redis, N server nodes on
# loopback ports sharing one file store, and HAProxy in front with health checks.
#
#   deploy/local-cluster.sh up [--no-build] [--seed [seed options]]   start what is not running yet
#   deploy/local-cluster.sh status                                    pids, ports and readiness
#   deploy/local-cluster.sh down                                      stop everything it started
#   deploy/local-cluster.sh kill-node N                               SIGKILL node N (fault tests)
#   deploy/local-cluster.sh pg stop|start                             stop/start PostgreSQL only (fault tests)
#   deploy/local-cluster.sh redis stop|start                          stop/start Redis only (fault tests)
#
# Everything lives under $WORK (default /tmp/schoolbel-cluster): the database, Redis, the
# shared files, the published server, logs and pid files. Ports come from the environment:
#   LB_PORT (8080)  NODE_PORTS ("5081 5082 5083")  PG_PORT (55432)  REDIS_PORT (6380)
# `up` is idempotent: a component whose pid is alive is left alone, so `up` after
# `kill-node 2` starts node 2 again and nothing else. `down` stops what the pid files name.
#
# Why HAProxy rather than nginx: open-source nginx only has passive health checks (a node is
# taken out after max_fails real requests failed on it), so a node that is up but not ready
# (PostgreSQL gone, migrations pending) keeps getting traffic. HAProxy polls /health/ready
# every second and takes a node out after two misses, whether or not requests fail, and it can
# retry a request that a dying node never answered (L7 retries), which nginx cannot do for a
# request it has already sent.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/schoolbel-cluster}
LB_PORT=${LB_PORT:-8080}
NODE_PORTS=${NODE_PORTS:-"5081 5082 5083"}
PG_PORT=${PG_PORT:-55432}
REDIS_PORT=${REDIS_PORT:-6380}
# Per node; with 3 nodes that stays well under max_connections below (see docs: PgBouncer).
POOL_SIZE=${POOL_SIZE:-40}

RUN="$WORK/run"
LOGS="$WORK/logs"
# BIN: the published server; point it at an existing publish output and pass --no-build to reuse it.
BIN=${BIN:-$WORK/bin}
PGDATA="$WORK/pg/data"
PGSOCK="$WORK/pg/socket"
FILES="$WORK/files"
CONN="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=postgres;Database=schoolbel;Maximum Pool Size=$POOL_SIZE"

read -r -a PORTS <<<"$NODE_PORTS"

log() { printf '%s\n' "$*" >&2; }
die() { log "local-cluster: $*"; exit 1; }

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n "$dir" ]] || die "PostgreSQL is not installed (apt-get install postgresql)."
  printf '%s/%s' "$dir" "$1"
}

# initdb, pg_ctl and postgres refuse to run as root; as root they run as the postgres user.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

alive() { [[ -s "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time "${2:-2}" "$1" 2>/dev/null || true; }

pg_ready() { "$(pg_bin pg_isready)" -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; }

build() {
  log "Publishing src/Schoolbel.Server (Release) to $BIN ..."
  dotnet publish "$REPO/src/Schoolbel.Server" -c Release -o "$BIN" --nologo -v q >"$LOGS/build.log" 2>&1 \
    || { tail -n 30 "$LOGS/build.log" >&2; die "build failed (see $LOGS/build.log)"; }
}

start_postgres() {
  if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    mkdir -p "$PGDATA" "$PGSOCK"
    [[ $(id -u) -eq 0 ]] && chown -R postgres:postgres "$WORK/pg"
    chmod 700 "$PGDATA"
    log "Creating a PostgreSQL cluster in $PGDATA ..."
    # trust on loopback only: a private throwaway cluster; the password in the connection
    # string is what a real server would check.
    as_pg "$(pg_bin initdb)" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$LOGS/initdb.log" 2>&1 \
      || { cat "$LOGS/initdb.log" >&2; die "initdb failed"; }
  fi
  if pg_ready; then
    log "PostgreSQL already runs on port $PG_PORT."
  else
    touch "$LOGS/postgres.log"
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$LOGS/postgres.log"
    # Three nodes with POOL_SIZE connections each, plus seed, psql and tests.
    as_pg "$(pg_bin pg_ctl)" -D "$PGDATA" -l "$LOGS/postgres.log" -w -t 60 \
      -o "-p $PG_PORT -k $PGSOCK -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on" start >/dev/null \
      || { tail -n 20 "$LOGS/postgres.log" >&2; die "PostgreSQL did not start"; }
    log "PostgreSQL runs on port $PG_PORT."
  fi
  if ! "$(pg_bin psql)" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='schoolbel'" | grep -q 1; then
    "$(pg_bin createdb)" -h 127.0.0.1 -p "$PG_PORT" -U postgres schoolbel
  fi
}

stop_postgres() {
  if [[ -s "$PGDATA/postmaster.pid" ]]; then
    as_pg "$(pg_bin pg_ctl)" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
}

start_redis() {
  if alive "$RUN/redis.pid"; then
    log "Redis already runs on port $REDIS_PORT."
    return
  fi
  mkdir -p "$WORK/redis"
  # No persistence: limits and cache messages are worth nothing after a restart.
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --pidfile "$RUN/redis.pid" \
    --dir "$WORK/redis" --logfile "$LOGS/redis.log" --save "" --appendonly no >/dev/null
  for _ in $(seq 1 50); do alive "$RUN/redis.pid" && break; sleep 0.1; done
  alive "$RUN/redis.pid" || die "Redis did not start (see $LOGS/redis.log)"
  log "Redis runs on port $REDIS_PORT."
}

node_args() {
  local port=$1
  printf '%s\n' --urls "http://127.0.0.1:$port" \
    --Database:Provider=Postgres "--Database:ConnectionString=$CONN" \
    "--Storage:Root=$FILES" \
    "--Redis:Configuration=127.0.0.1:$REDIS_PORT" \
    --HotReads:Lifetime=00:15:00
}

seed() {
  if [[ -s "$WORK/seed.json" ]]; then
    log "Already seeded ($WORK/seed.json); not seeding again."
    return
  fi
  log "Seeding: $* ..."
  local args=()
  mapfile -t args < <(node_args 0 | tail -n +3)
  (cd "$BIN" && dotnet Schoolbel.Server.dll seed "$@" "${args[@]}") >"$WORK/seed.json.tmp" 2>"$LOGS/seed.log" \
    || { tail -n 20 "$LOGS/seed.log" >&2; rm -f "$WORK/seed.json.tmp"; die "seed failed (see $LOGS/seed.log)"; }
  mv "$WORK/seed.json.tmp" "$WORK/seed.json"
  log "Seed summary: $WORK/seed.json"
}

start_node() {
  local i=$1 port=${PORTS[$(($1 - 1))]}
  if alive "$RUN/node$i.pid"; then
    log "node$i already runs (pid $(cat "$RUN/node$i.pid"), port $port)."
    return 0
  fi
  local args=()
  mapfile -t args < <(node_args "$port")
  # Only the first node may create the demo school on an empty database: three nodes doing
  # it at once would race.
  [[ $i -eq 1 ]] || args+=(--Demo:SeedWhenEmpty=false)
  # setsid and no inherited descriptors: the node outlives this script and whoever ran it.
  (cd "$BIN" && exec setsid dotnet Schoolbel.Server.dll "${args[@]}" </dev/null >>"$LOGS/node$i.log" 2>&1) &
  echo $! >"$RUN/node$i.pid"
  log "node$i started (pid $!, port $port)."
}

wait_ready() {
  local url=$1 what=$2 seconds=${3:-90} pidfile=${4:-}
  for _ in $(seq 1 $((seconds * 5))); do
    [[ $(http_code "$url") == 200 ]] && return 0
    if [[ -n "$pidfile" ]] && ! alive "$pidfile"; then
      tail -n 15 "$LOGS/$what.log" >&2
      die "$what stopped while starting (see $LOGS/$what.log)"
    fi
    sleep 0.2
  done
  die "$what is not ready after ${seconds}s ($url)"
}

write_haproxy_config() {
  local servers="" i=1
  for port in "${PORTS[@]}"; do
    servers+="    server node$i 127.0.0.1:$port"$'\n'
    i=$((i + 1))
  done
  cat >"$RUN/haproxy.cfg" <<EOF
# Written by deploy/local-cluster.sh; edit the script, not this file.
global
    maxconn 4096
    stats socket $RUN/haproxy.sock mode 600 level user

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    # A request a node never answered (it died, refused the connection or closed it without
    # a word) goes once more to another node. Safe for GET/HEAD and for requests carrying an
    # Idempotency-Key; other POSTs get a clean 502 and the client decides (a hand-in form
    # carries its idempotency key in the body, so posting it again is safe).
    retries 2
    option redispatch 1
    retry-on conn-failure empty-response junk-response
    option forwardfor

frontend schoolbel
    bind 127.0.0.1:$LB_PORT
    default_backend nodes

frontend stats
    bind unix@$RUN/haproxy-stats.sock
    stats enable
    stats uri /
    stats refresh 5s

backend nodes
    balance roundrobin
    http-request disable-l7-retry if !METH_GET !METH_HEAD !{ req.hdr(Idempotency-Key) -m found }
    # Which node answered: for people reading responses and for the fault tests.
    http-response set-header X-Schoolbel-Node %s
    # Active checks of readiness every second: two misses take a node out, two passes bring it
    # back. Connection errors on real traffic take it out at once (a killed node), without
    # waiting for the next check.
    option httpchk GET /health/ready
    http-check expect status 200
    default-server check inter 1s fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down
$servers
EOF
}

start_haproxy() {
  command -v haproxy >/dev/null || die "haproxy is not installed (apt-get install haproxy)."
  write_haproxy_config
  haproxy -c -q -f "$RUN/haproxy.cfg" || die "the HAProxy configuration is invalid ($RUN/haproxy.cfg)"
  if alive "$RUN/haproxy.pid"; then
    log "HAProxy already runs on port $LB_PORT."
    return
  fi
  haproxy -D -f "$RUN/haproxy.cfg" -p "$RUN/haproxy.pid" >>"$LOGS/haproxy.log" 2>&1 || die "HAProxy did not start (see $LOGS/haproxy.log)"
  log "HAProxy runs on port $LB_PORT."
}

stop_pid() {
  local file=$1 what=$2
  if alive "$file"; then
    local pid
    pid=$(cat "$file")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$what (pid $pid) did not stop in 10 s; killing it."
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "$what stopped."
  fi
  rm -f "$file"
}

cmd_up() {
  local do_build=1 do_seed=0 seed_args=()
  while [[ $# -gt 0 ]]; do
    case $1 in
      --no-build) do_build=0; shift ;;
      --seed) do_seed=1; shift; seed_args=("$@"); break ;;
      *) die "unknown option '$1' (up [--no-build] [--seed [seed options]])" ;;
    esac
  done
  mkdir -p "$RUN" "$LOGS" "$FILES"
  if [[ $do_build -eq 1 || ! -s "$BIN/Schoolbel.Server.dll" ]]; then
    build
  fi
  start_postgres
  start_redis
  if [[ $do_seed -eq 1 ]]; then seed "${seed_args[@]}"; fi

  # The first node alone first: it applies migrations (and makes the demo school on an empty
  # database) before the others start, so they find a ready schema.
  start_node 1
  wait_ready "http://127.0.0.1:${PORTS[0]}/health/ready" node1 90 "$RUN/node1.pid"
  for i in $(seq 2 "${#PORTS[@]}"); do
    start_node "$i"
  done
  for i in $(seq 2 "${#PORTS[@]}"); do
    wait_ready "http://127.0.0.1:${PORTS[$((i - 1))]}/health/ready" "node$i" 90 "$RUN/node$i.pid"
  done
  start_haproxy
  wait_ready "http://127.0.0.1:$LB_PORT/health/ready" "the load balancer" 30
  # A node (re)started just now is routed to after two passed checks; wait for that, so that
  # `up` returning means every node takes traffic.
  for _ in $(seq 1 50); do
    [[ $(lb_routing | grep -o '=UP' | wc -l) -eq ${#PORTS[@]} ]] && break
    sleep 0.2
  done
  printf 'http://127.0.0.1:%s\n' "$LB_PORT"
}

# "node1=UP node2=DOWN ..." as HAProxy sees the nodes.
lb_routing() {
  curl -s --max-time 2 --unix-socket "$RUN/haproxy-stats.sock" 'http://lb/;csv' 2>/dev/null \
    | awk -F, '$1=="nodes" && $2!="BACKEND" && $2!="FRONTEND" { printf "%s%s=%s", sep, $2, $18; sep=" " }'
}

cmd_status() {
  local state
  printf '%-10s %-8s %-6s %s\n' component pid port state
  local i=1
  for port in "${PORTS[@]}"; do
    local pid=- file="$RUN/node$i.pid"
    if alive "$file"; then
      pid=$(cat "$file")
      state=$([[ $(http_code "http://127.0.0.1:$port/health/ready") == 200 ]] && echo ready || echo not-ready)
    else
      state=stopped
    fi
    printf '%-10s %-8s %-6s %s\n' "node$i" "$pid" "$port" "$state"
    i=$((i + 1))
  done
  local pgpid=-
  [[ -s "$PGDATA/postmaster.pid" ]] && pgpid=$(head -n 1 "$PGDATA/postmaster.pid")
  printf '%-10s %-8s %-6s %s\n' postgres "$pgpid" "$PG_PORT" "$(pg_ready && echo ready || echo stopped)"
  local rpid=-
  alive "$RUN/redis.pid" && rpid=$(cat "$RUN/redis.pid")
  printf '%-10s %-8s %-6s %s\n' redis "$rpid" "$REDIS_PORT" \
    "$([[ $(redis-cli -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]] && echo ready || echo stopped)"
  local hpid=- lb=stopped
  if alive "$RUN/haproxy.pid"; then
    hpid=$(cat "$RUN/haproxy.pid")
    # The balancer's own view: which nodes it sends traffic to (UP) and which it took out.
    lb=$(lb_routing)
    lb="routing: ${lb:-unknown}"
  fi
  printf '%-10s %-8s %-6s %s\n' haproxy "$hpid" "$LB_PORT" "$lb"
}

cmd_down() {
  stop_pid "$RUN/haproxy.pid" HAProxy
  local i=1
  for _ in "${PORTS[@]}"; do
    stop_pid "$RUN/node$i.pid" "node$i"
    i=$((i + 1))
  done
  # Nodes from an earlier run with more ports than now.
  for file in "$RUN"/node*.pid; do
    [[ -e "$file" ]] && stop_pid "$file" "$(basename "$file" .pid)"
  done
  if [[ -s "$RUN/redis.pid" ]]; then
    stop_pid "$RUN/redis.pid" Redis
  fi
  if [[ -s "$PGDATA/postmaster.pid" ]]; then
    stop_postgres
    log "PostgreSQL stopped."
  fi
}

cmd_kill_node() {
  local i=${1:?kill-node needs a node number}
  alive "$RUN/node$i.pid" || die "node$i is not running"
  kill -KILL "$(cat "$RUN/node$i.pid")"
  log "node$i (pid $(cat "$RUN/node$i.pid")) killed with SIGKILL."
}

cmd_pg() {
  case ${1:-} in
    stop) stop_postgres; log "PostgreSQL stopped." ;;
    start) start_postgres ;;
    *) die "pg stop|start" ;;
  esac
}

cmd_redis() {
  case ${1:-} in
    stop) stop_pid "$RUN/redis.pid" Redis ;;
    start) mkdir -p "$RUN" "$LOGS"; start_redis ;;
    *) die "redis stop|start" ;;
  esac
}

case ${1:-} in
  up) shift; cmd_up "$@" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  kill-node) shift; cmd_kill_node "$@" ;;
  pg) shift; cmd_pg "$@" ;;
  redis) shift; cmd_redis "$@" ;;
  *) log "Usage: $0 up [--no-build] [--seed [seed options]] | status | down | kill-node N | pg stop|start | redis stop|start"; exit 2 ;;
esac
