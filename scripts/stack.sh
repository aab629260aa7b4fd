#!/usr/bin/env bash
# The production topology without containers, every process on 127.0.0.1: a PostgreSQL database on the
# running server (schema, checkpoints and the task queue), a Chroma server (`chroma run`), two API processes
# and two queue workers. Used by the stack integration test; also a way to try the scaled-out mode by hand.
#
#   scripts/stack.sh start     # create the database if needed, migrate, start the processes, wait until ready
#   scripts/stack.sh status    # which processes run, and /readyz of both API processes
#   scripts/stack.sh stop      # stop every process started here (SIGTERM, then SIGKILL after 20 s)
#
# Settings (environment): STACK_DIR (/tmp/parcours-stack: home, logs, pid files, `env` to source),
# STACK_PG_URL (a PostgreSQL server URL, default $PARCOURS_TEST_POSTGRES_URL or
# postgresql://postgres@127.0.0.1:5432/postgres), STACK_DB (parcours_stack), STACK_PORT (8100: Chroma on it,
# API processes on +1 and +2), STACK_BIN (the folder of `parcours` and `chroma`, default .venv/bin).
# Any PARCOURS_* variable set by the caller reaches every process (e.g. PARCOURS_WEEKLY_AT=off).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STACK_DIR="${STACK_DIR:-/tmp/parcours-stack}"
STACK_PG_URL="${STACK_PG_URL:-${PARCOURS_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}}"
STACK_DB="${STACK_DB:-parcours_stack}"
STACK_PORT="${STACK_PORT:-8100}"
STACK_BIN="${STACK_BIN:-$ROOT/.venv/bin}"
READY_TIMEOUT="${READY_TIMEOUT:-180}"

CHROMA_PORT="$STACK_PORT"
API_PORTS=("$((STACK_PORT + 1))" "$((STACK_PORT + 2))")
DB_URL="${STACK_PG_URL%/*}/$STACK_DB"
PIDS="$STACK_DIR/pids"
LOGS="$STACK_DIR/logs"

log() { echo "stack: $*" >&2; }

write_env() {
  cat >"$STACK_DIR/env" <<EOF
export PARCOURS_HOME="$STACK_DIR/home"
export PARCOURS_DATABASE_URL="$DB_URL"
export PARCOURS_QUEUE_URL="$DB_URL"
export PARCOURS_CHROMA_URL="http://127.0.0.1:$CHROMA_PORT"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False
export STACK_API_1="http://127.0.0.1:${API_PORTS[0]}"
export STACK_API_2="http://127.0.0.1:${API_PORTS[1]}"
EOF
}

launch() {  # launch NAME COMMAND…: start a process in the background, remember its pid
  local name="$1"
  shift
  (cd "$ROOT" && exec "$@") >"$LOGS/$name.log" 2>&1 &
  echo $! >"$PIDS/$name.pid"
  log "$name started (pid $!)"
}

wait_for() {  # wait_for URL NAME: until the URL answers 200, or the process died, or time is up
  local url="$1" name="$2" deadline=$((SECONDS + READY_TIMEOUT))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    if ! kill -0 "$(cat "$PIDS/$name.pid")" 2>/dev/null; then
      log "$name died; its log:"
      tail -n 40 "$LOGS/$name.log" >&2
      return 1
    fi
    if ((SECONDS > deadline)); then
      log "$name not ready at $url after ${READY_TIMEOUT}s; its log:"
      tail -n 40 "$LOGS/$name.log" >&2
      return 1
    fi
    sleep 0.5
  done
}

create_database() {
  "$STACK_BIN/python" - "$STACK_PG_URL" "$STACK_DB" <<'PY'
import sys

import psycopg

admin, name = sys.argv[1], sys.argv[2]
with psycopg.connect(admin, autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
        conn.execute(f'CREATE DATABASE "{name}"')
PY
}

start() {
  mkdir -p "$PIDS" "$LOGS" "$STACK_DIR/home"
  write_env
  # shellcheck disable=SC1091
  source "$STACK_DIR/env"
  create_database
  launch chroma "$STACK_BIN/chroma" run --path "$STACK_DIR/chroma" --host 127.0.0.1 --port "$CHROMA_PORT"
  wait_for "http://127.0.0.1:$CHROMA_PORT/api/v2/heartbeat" chroma
  "$STACK_BIN/parcours" migrate >"$LOGS/migrate.log" 2>&1 || { cat "$LOGS/migrate.log" >&2; return 1; }
  log "migrated"
  for i in 1 2; do
    launch "api-$i" "$STACK_BIN/parcours" serve --host 127.0.0.1 --port "${API_PORTS[$((i - 1))]}"
    launch "worker-$i" "$STACK_BIN/parcours" worker
  done
  for i in 1 2; do
    wait_for "http://127.0.0.1:${API_PORTS[$((i - 1))]}/readyz" "api-$i"
  done
  log "ready: API on ${API_PORTS[*]}, Chroma on $CHROMA_PORT, database $STACK_DB; source $STACK_DIR/env"
}

stop() {
  [ -d "$PIDS" ] || return 0
  local pid
  for file in "$PIDS"/*.pid; do
    [ -e "$file" ] || continue
    pid="$(cat "$file")"
    kill -TERM "$pid" 2>/dev/null || true
  done
  for file in "$PIDS"/*.pid; do
    [ -e "$file" ] || continue
    pid="$(cat "$file")"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$file"
  done
  log "stopped"
}

status() {
  for file in "$PIDS"/*.pid; do
    [ -e "$file" ] || continue
    if kill -0 "$(cat "$file")" 2>/dev/null; then state=running; else state=stopped; fi
    echo "$(basename "$file" .pid) $(cat "$file") $state"
  done
  for port in "${API_PORTS[@]}"; do
    echo "readyz :$port $(curl -s "http://127.0.0.1:$port/readyz" || echo unreachable)"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|status|stop" >&2
    exit 2
    ;;
esac
