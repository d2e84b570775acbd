#!/usr/bin/env bash
# Stops the local stack cleanly; idempotent (what is not running is skipped).
#   stop.sh           stop everything, keep data
#   stop.sh --purge   stop everything and delete .local-stack/ (all data and logs)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

purge=0
case "${1:-}" in
  "") ;;
  --purge) purge=1 ;;
  *) die "usage: $0 [--purge]" ;;
esac

# SIGTERM, then wait up to $3 seconds for a clean shutdown before SIGKILL.
stop_pid() {
  local what="$1" pid="$2" grace="$3" waited=0
  log "$what: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || return 0
  while pid_alive "$pid"; do
    if [ "$waited" -ge $((grace * 10)) ]; then
      log "$what: still running after ${grace}s, killing"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

# In the background, stop_pid "$1" "$2" "$3" when $2 is a pid (empty: not running); the job joins pids.
stop_in_background() {
  if [ -n "$2" ]; then
    stop_pid "$1" "$2" "$3" &
    pids+=("$!")
  fi
}

# stop_each what pid_of pid_file entry...: for each name:... entry, stop "what name" (its pid from
# `pid_of name`) in the background with 60s of grace, and remove its pid file (`pid_file name`).
stop_each() {
  local what="$1" pid_of="$2" pid_file="$3" entry name pid
  shift 3
  for entry in "$@"; do
    IFS=: read -r name _ <<<"$entry"
    pid="$("$pid_of" "$name")"
    stop_in_background "$what $name" "$pid" 60
    rm -f "$("$pid_file" "$name")"
  done
}
connect_pid_file() { echo "$(connect_dir "$1")/connect.pid"; }
kafka_pid_file() { echo "$(kafka_dir "$1")/kafka.pid"; }

# Wait for the stops in pids; one that fails does not keep the others from finishing.
wait_stops() {
  local p
  for p in "${pids[@]}"; do
    wait "$p" || true
  done
}

# Connect first, while Kafka still runs: a worker stopping cleanly flushes its source offsets
# (the LSN Debezium resumes from) to Kafka.
pids=()
stop_each "kafka connect" connect_pid connect_pid_file "${CONNECT_WORKERS[@]}"
wait_stops

# Kafka, Temporal, S3 and Prometheus in parallel: each takes a few seconds to shut down cleanly.
pids=()
stop_each kafka kafka_pid kafka_pid_file "${KAFKA_CLUSTERS[@]}"
pid="$(temporal_pid)"
stop_in_background temporal "$pid" 30
rm -f "$TEMPORAL_PID"
pid="$(s3_pid)"
stop_in_background s3 "$pid" 30
rm -f "$S3_DIR/versitygw.pid"
pid="$(prom_pid)"
stop_in_background prometheus "$pid" 30
rm -f "$PROM_DIR/prometheus.pid"

for entry in "${PG_CLUSTERS[@]}"; do
  IFS=: read -r name _ <<<"$entry"
  if [ -n "$(pg_pid "$name")" ]; then
    log "postgres $name: stopping"
    # fast: roll back open transactions and disconnect clients instead of waiting for them.
    as_pg "$PG_BIN/pg_ctl" -D "$(pg_data "$name")" -m fast -w -t 60 stop >/dev/null
  fi
done

wait_stops

if [ "$purge" -eq 1 ]; then
  log "removing $STACK_DIR"
  rm -rf "$STACK_DIR"
fi
log "stopped"
